//! Every field's byte range names the bytes its value came from, on every sample,
//! every capture of the shared corpus and the crafted Socket.IO captures: in the frame, or in the derived buffer
//! (a payload unmasked, joined or inflated, a head joined from several packets) that
//! the field names. For text fields the bytes there read as the typed value; for the
//! WebSocket header fields and the Engine.IO type they decode to it. A field above TCP with bytes of its
//! own never has an empty range; a value the analysis worked out has none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::dissect::{Dissection, Field, Osi, Src, Value};
use layerscope::store::{PacketId, Store};

fn captures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["samples", "tests/corpus"] {
        for e in std::fs::read_dir(root.join(dir)).expect("directory") {
            let p = e.expect("entry").path();
            let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
            if matches!(ext, "pcap" | "pcapng" | "cap") {
                out.push(p);
            }
        }
    }
    // And the crafted Socket.IO captures: nesting past serde_json's limit, text that is
    // not UTF-8 (its fields placed in the bytes as they are), one sid on two servers.
    for name in [
        "socketio-deep-arguments.pcap",
        "socketio-invalid-utf8.pcap",
        "engineio-same-sid-two-servers.pcap",
    ] {
        out.push(root.join("tests/hostile").join(name));
    }
    out.sort();
    out
}

/// Fields whose value is the text of their bytes (a number for the status code and the
/// ack id).
const TEXT: [&str; 12] = [
    "http.request.method",
    "http.request.uri",
    "http.request.version",
    "http.response.version",
    "http.response.code",
    "http.response.phrase",
    "socketio.nsp",
    "socketio.event",
    "socketio.ack_id",
    "socketio.arg",
    "engineio.open.sid",
    "engineio.data",
];

/// Whether `v` is what `bytes` say, for a field whose value is the text of its bytes: the
/// text (or its kept start, for a long one), or the number it spells.
fn reads_as(v: &Value, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    match v {
        // A value longer than the tree keeps (64 KiB) is its start.
        Value::Text(t) => text == **t || (t.len() > 65_000 && text.starts_with(&**t)),
        Value::Unsigned(n) => text.parse::<u64>() == Ok(*n),
        _ => false,
    }
}

/// What is wrong with field `f` of layer `osi`, if anything.
fn check(d: &Dissection, frame: &[u8], osi: Osi, f: &Field) -> Option<String> {
    let [a, b] = f.range;
    let shown = f.shown();
    if f.src == Src::Generated {
        return (a != 0 || b != 0).then(|| "generated, yet has a range".into());
    }
    let Some(bytes) = d.bytes_of(frame, f) else {
        return Some(format!("range {a}..{b} is outside its bytes ({:?})", f.src));
    };
    if osi > Osi::Transport && bytes.is_empty() && !shown.is_empty() && shown != "0" {
        return Some(format!("empty range {a}..{b} for the value {shown:?}"));
    }
    let v = &f.value;
    let be16 = |b: &[u8]| (b.len() == 2).then(|| u64::from(u16::from_be_bytes([b[0], b[1]])));
    let ok = match (f.name, v) {
        (n, _) if TEXT.contains(&n) => reads_as(v, bytes),
        // The decoded payload (or its kept start, for a long one).
        ("websocket.payload", Value::Bytes(p)) => bytes.starts_with(p),
        ("http.header", Value::Text(line)) => {
            // The field line, `Name: value` with the blanks after the colon made one space.
            let text = String::from_utf8_lossy(bytes);
            text.split_once(':')
                .is_some_and(|(name, v)| format!("{name}: {}", v.trim()) == **line)
        }
        (n, Value::Text(value)) if n.starts_with("http.") => {
            // A header Wireshark names: its line, under the field's label.
            let text = String::from_utf8_lossy(bytes);
            text.split_once(':')
                .is_some_and(|(name, v)| name.eq_ignore_ascii_case(f.label) && v.trim() == &**value)
        }
        ("websocket.masking_key", Value::Bytes(k)) => **k == *bytes,
        ("websocket.opcode", Value::Named(op, _)) => *op == u64::from(bytes[0] & 0x0f),
        ("websocket.fin" | "websocket.mask", Value::Bool(set)) => (bytes[0] & 0x80 != 0) == *set,
        ("websocket.payload_length", Value::Unsigned(n)) => ws_len(bytes) == *n,
        ("websocket.close.code", Value::Named(c, _)) => be16(bytes) == Some(*c),
        ("engineio.type", Value::Named(t, _)) => bytes == [b'0' + *t as u8],
        (
            "websocket.payload"
            | "websocket.masking_key"
            | "websocket.opcode"
            | "websocket.fin"
            | "websocket.mask"
            | "websocket.payload_length"
            | "websocket.close.code"
            | "engineio.type",
            _,
        ) => false,
        _ => true,
    };
    (!ok).then(|| {
        format!(
            "bytes {:?} do not read as {v:?}",
            String::from_utf8_lossy(bytes)
        )
    })
}

/// RFC 6455 §5.2: the 7-bit length, or the 16- or 64-bit length that follows it.
fn ws_len(b: &[u8]) -> u64 {
    let rest = &b[1..];
    match b[0] & 0x7f {
        126 => u64::from(u16::from_be_bytes([rest[0], rest[1]])),
        127 => u64::from_be_bytes(rest[..8].try_into().unwrap_or_default()),
        n => u64::from(n),
    }
}

#[test]
fn every_field_range_names_the_bytes_of_its_value() {
    let mut failures = Vec::new();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut derived = 0;
    for path in captures() {
        let store = Store::build(Capture::open(&path).expect("capture opens"));
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for i in 0..store.len() {
            let Some(d) = store.dissect(PacketId(i as u32)) else {
                continue;
            };
            let frame = store.capture.data(i);
            for l in &d.layers {
                let mut stack: Vec<&Field> = l.fields.iter().collect();
                while let Some(f) = stack.pop() {
                    stack.extend(&f.children);
                    *seen.entry(f.name).or_default() += 1;
                    derived += usize::from(matches!(f.src, Src::Derived(_)));
                    if let Some(why) = check(&d, frame, l.osi, f) {
                        failures.push(format!("{file} packet {}: {}: {why}", i + 1, f.name));
                    }
                }
            }
        }
    }
    let shown: Vec<&String> = failures.iter().take(60).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{shown:#?}",
        failures.len()
    );
    // The checks ran on real fields of each kind, not on nothing.
    for name in TEXT.iter().copied().chain([
        "websocket.masking_key",
        "websocket.opcode",
        "websocket.payload_length",
        "websocket.payload",
        "websocket.close.code",
        "engineio.type",
    ]) {
        if name != "socketio.ack_id" {
            assert!(
                seen.get(name).copied().unwrap_or(0) > 0,
                "no {name} field was seen"
            );
        }
    }
    assert!(
        derived > 100,
        "only {derived} fields point into derived bytes"
    );
}
