//! The samples against what made them: every Socket.IO event the generating
//! scripts sent appears in `layerscope messages` with its namespace, name,
//! arguments, ack pairing and binary attachments (over polling and WebSocket,
//! compressed or not); and every WebSocket frame matches tshark's decoding,
//! stored beside the samples in `tests/samples_expected/` (see its `make.sh`).

use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::export::messages::{self, MessageLine};
use layerscope::store::Store;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn store(name: &str) -> Store {
    let path = root().join("samples").join(format!("{name}.pcap"));
    Store::build(Capture::open(&path).expect("sample opens"))
}

/// Our JSON for a binary attachment, in the truth files' form.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("_binary") => {
            let hex = o["_binary"].as_str().unwrap_or("").trim_end_matches('…');
            serde_json::json!({ "_binary_hex": hex })
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

fn events_of(lines: &[MessageLine]) -> Vec<&MessageLine> {
    lines
        .iter()
        .filter(|l| {
            l.socketio
                .as_ref()
                .is_some_and(|s| s.kind == "EVENT" || s.kind == "BINARY_EVENT")
        })
        .collect()
}

fn check_events(name: &str) {
    let truth: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(root().join(format!("tests/samples_expected/{name}.events.json")))
            .expect("truth file"),
    )
    .expect("truth is JSON");
    let s = store(name);
    let lines = messages::lines(&s);
    let events = events_of(&lines);
    assert_eq!(
        events.len(),
        truth.len(),
        "{name}: events found: {:#?}",
        events.iter().map(|l| &l.summary).collect::<Vec<_>>()
    );
    for (got, want) in events.iter().zip(&truth) {
        let sio = got.socketio.as_ref().expect("socket.io part");
        let what = format!("{name}: {}", got.summary);
        assert_eq!(got.from, want["from"], "{what}");
        assert_eq!(sio.nsp, want["nsp"], "{what}");
        assert_eq!(sio.event.as_deref(), want["event"].as_str(), "{what}");
        assert_eq!(
            normalize(&Value::Array(sio.args.clone())),
            want["args"],
            "{what}"
        );
        let transport = got.engineio.as_ref().map(|e| e.transport);
        assert_eq!(transport, want["transport"].as_str(), "{what}");
        assert_eq!(sio.missing_attachments, 0, "{what}");
        if want["ack"] == true {
            let ack_packet = sio
                .ack_packet
                .unwrap_or_else(|| panic!("{what}: no ACK paired"));
            assert!(sio.ack_latency_ms.is_some_and(|ms| ms >= 0.0), "{what}");
            let ack = lines
                .iter()
                .find(|l| {
                    l.packets.last() == Some(&ack_packet)
                        && l.socketio.as_ref().is_some_and(|s| s.kind.ends_with("ACK"))
                })
                .unwrap_or_else(|| panic!("{what}: ACK line at packet {ack_packet}"));
            let args = &ack.socketio.as_ref().expect("ack").args;
            assert_eq!(
                normalize(&Value::Array(args.clone())),
                want["ack_args"],
                "{what}"
            );
        } else {
            assert!(sio.ack_id.is_none() && !sio.unanswered, "{what}");
        }
    }
}

#[test]
fn socketio_chat_events_match_the_script() {
    check_events("socketio-chat");
}

/// The same exchange recorded on the `any` device, as Linux cooked capture v1 and v2.
#[test]
fn socketio_any_sll_events_match_the_script() {
    check_events("socketio-any-sll");
    check_events("socketio-any-sll2");
}

#[test]
fn socketio_polling_events_match_the_script() {
    check_events("socketio-polling");
}

#[test]
fn socketio_deflate_events_match_the_script() {
    check_events("socketio-deflate");
}

/// Only the Socket.IO half of the capture has events; the plain WebSocket half adds none.
#[test]
fn chat_ws_vs_sio_events_match_the_script() {
    check_events("chat-ws-vs-sio");
}

/// Each WebSocket frame against tshark's `-T fields` row for its packet.
fn check_frames(name: &str) {
    let tsv = std::fs::read_to_string(root().join(format!("tests/samples_expected/{name}.ws.tsv")))
        .expect("tshark fields file");
    let s = store(name);
    let up = &s.analysis.upper;
    let mut ours: Vec<String> = Vec::new();
    let mut frames: Vec<_> = up.ws_frames.iter().collect();
    frames.sort_by_key(|f| f.end_packet);
    let mut by_packet: Vec<(u32, Vec<String>)> = Vec::new();
    for f in frames {
        let len7 = match f.payload_len {
            n if n < 126 => n,
            n if n <= 0xffff => 126,
            _ => 127,
        };
        let cols = [
            u8::from(f.fin).to_string(),
            format!("0x{:02x}", f.rsv),
            f.opcode.to_string(),
            u8::from(f.mask.is_some()).to_string(),
            len7.to_string(),
            f.mask.map_or(String::new(), |k| {
                k.iter().map(|b| format!("{b:02x}")).collect()
            }),
        ];
        match by_packet.last_mut() {
            Some((p, v)) if *p == f.end_packet => v.push(cols.join("\t")),
            _ => by_packet.push((f.end_packet, vec![cols.join("\t")])),
        }
    }
    for (p, v) in by_packet {
        // Several frames in one packet: tshark aggregates each column with commas.
        let cols: Vec<Vec<&str>> = v.iter().map(|r| r.split('\t').collect()).collect();
        let joined: Vec<String> = (0..6)
            .map(|i| {
                cols.iter()
                    .map(|c| c[i])
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        ours.push(format!("{}\t{}", p + 1, joined.join("\t")));
    }
    let theirs: Vec<&str> = tsv.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(ours, theirs, "{name}");
}

#[test]
fn websocket_deflate_frames_match_tshark() {
    check_frames("websocket-deflate");
}

#[test]
fn socketio_chat_frames_match_tshark() {
    check_frames("socketio-chat");
}

#[test]
fn socketio_any_sll_frames_match_tshark() {
    check_frames("socketio-any-sll");
    check_frames("socketio-any-sll2");
}

#[test]
fn socketio_deflate_frames_match_tshark() {
    check_frames("socketio-deflate");
}

#[test]
fn chat_ws_vs_sio_frames_match_tshark() {
    check_frames("chat-ws-vs-sio");
}

/// The fragmented compressed message of `websocket-deflate` (frames 16 to 19),
/// which tshark 4.0 leaves compressed, inflates to the text the client sent, and
/// the message after it in that direction still decodes.
#[test]
fn fragmented_compressed_message_decodes() {
    let s = store("websocket-deflate");
    let lines = messages::lines(&s);
    let texts: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.websocket.as_ref())
        .filter(|w| w.opcode == "Text")
        .map(|w| w.data.as_str())
        .collect();
    assert!(
        texts.contains(&"fragmented message in three parts"),
        "{texts:?}"
    );
    assert_eq!(
        texts.iter().filter(|t| **t == "Hello, layerscope!").count(),
        2
    );
}
