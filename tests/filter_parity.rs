//! Display filters against tshark: for every sample and corpus capture and every filter of
//! `tests/filters/filters.txt`, the frames layerscope's filter matches
//! ([`Filter::matches_packet`], the quick tier and the field tree) are the frames
//! `tshark -n -r FILE -Y FILTER` shows, except for the differences listed in [`EXCEPTIONS`]
//! with the reason we are right or the choice made. Exactly those differ: a difference that
//! goes away must be taken off the list.
//!
//! The oracle files `tests/filters/FILE.tsv` were written by `tests/filters/make.sh`
//! (tshark 4.0.17, see `tests/filters/VERSION`; one pass per capture with a Lua tap per
//! filter, `tests/filters/answers.lua`, which gives the frames `-Y` shows); tshark is not
//! needed to run this test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::filter;
use layerscope::store::{PacketId, Store};

/// Why the 101 response matches `websocket`: layerscope checks the handshake there
/// (`websocket.handshake`, with `websocket.key`, `websocket.accept` and
/// `websocket.accept.expected`, the computed base64(SHA-1(key + GUID))), and a bare name is
/// true when a field below it is present (see `layerscope::filter`). tshark has no such
/// fields: its 101 response is HTTP only (`http.sec_websocket_accept`).
const HANDSHAKE: &str = "the 101 response carries layerscope's WebSocket handshake check";

/// `(file, filter, why the answers differ)`: the only differences the test accepts.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "chat-ws-vs-sio.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("chat-ws-vs-sio.pcap", "websocket", HANDSHAKE),
    (
        "socketio-any-sll.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("socketio-any-sll.pcap", "websocket", HANDSHAKE),
    (
        "socketio-any-sll2.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("socketio-any-sll2.pcap", "websocket", HANDSHAKE),
    (
        "socketio-chat.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("socketio-chat.pcap", "websocket", HANDSHAKE),
    (
        "socketio-deflate.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("socketio-deflate.pcap", "websocket", HANDSHAKE),
    (
        "websocket-deflate.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("websocket-deflate.pcap", "websocket", HANDSHAKE),
    (
        "zeek__http-websocket.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("zeek__http-websocket.pcap", "websocket", HANDSHAKE),
    (
        "zeek__websocket-broker-websocket.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-broker-websocket.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-fragmented-http-reply.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-fragmented-http-reply.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-jupyter-websocket.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-jupyter-websocket.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-message-too-big-status.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-message-too-big-status.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-oversized-close-frame.pcapng",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-oversized-close-frame.pcapng",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-reply-ping-separate.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-reply-ping-separate.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-two-binary-fragments.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-two-binary-fragments.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-websocket_baseline.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-websocket_baseline.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-websocket_compressed.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-websocket_compressed.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-wrong-accept-header.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-wrong-accept-header.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-wstunnel-http.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("zeek__websocket-wstunnel-http.pcap", "websocket", HANDSHAKE),
    (
        "zeek__websocket-wstunnel-https.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-wstunnel-https.pcap",
        "websocket",
        HANDSHAKE,
    ),
    (
        "zeek__websocket-wstunnel-ssh.pcap",
        "tcp && !websocket && tcp.len > 0",
        HANDSHAKE,
    ),
    ("zeek__websocket-wstunnel-ssh.pcap", "websocket", HANDSHAKE),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["samples", "tests/corpus"] {
        for e in std::fs::read_dir(root().join(dir)).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng") {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

/// The filters of `filters.txt`, in order.
fn filters() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/filters/filters.txt"))
        .expect("tests/filters/filters.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `1,2,5-9` -> {1, 2, 5, 6, 7, 8, 9}; `None` when it is not that form.
fn parse_runs(s: &str) -> Option<BTreeSet<u64>> {
    let mut out = BTreeSet::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        let (a, b): (u64, u64) = match part.split_once('-') {
            Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
            None => {
                let n = part.parse().ok()?;
                (n, n)
            }
        };
        if a > b || a == 0 {
            return None;
        }
        out.extend(a..=b);
    }
    Some(out)
}

/// The same sets written back as runs, for messages.
fn runs(set: &BTreeSet<u64>) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut it = set.iter().copied().peekable();
    while let Some(start) = it.next() {
        let mut end = start;
        while it.peek() == Some(&(end + 1)) {
            end += 1;
            it.next();
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    out.join(",")
}

/// tshark's answers for one capture: filter -> matching frame numbers, in file order.
fn oracle(name: &str) -> Vec<(String, BTreeSet<u64>)> {
    let path = root().join("tests/filters").join(format!("{name}.tsv"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run tests/filters/make.sh", path.display()));
    text.lines()
        .map(|line| {
            let (f, frames) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{name}: no tab in {line:?}"));
            let set =
                parse_runs(frames).unwrap_or_else(|| panic!("{name}: bad frame list in {line:?}"));
            (f.to_string(), set)
        })
        .collect()
}

#[test]
fn frame_lists_read_back() {
    let set = parse_runs("1,2,5-9").expect("valid");
    assert_eq!(
        set.iter().copied().collect::<Vec<_>>(),
        [1, 2, 5, 6, 7, 8, 9]
    );
    assert_eq!(runs(&set), "1-2,5-9");
    assert_eq!(parse_runs(""), Some(BTreeSet::new()));
    for bad in ["x", "3-1", "0", "1,-2", "1-"] {
        assert_eq!(parse_runs(bad), None, "{bad}");
    }
}

#[test]
fn filters_match_the_frames_tshark_shows() {
    let filters = filters();
    assert!(filters.len() >= 40, "only {} filters", filters.len());
    let parsed: Vec<filter::Filter> = filters
        .iter()
        .map(|f| filter::parse(f).unwrap_or_else(|e| panic!("{f}: {e}")))
        .collect();
    let files = captures();
    assert!(files.len() >= 40, "only {} captures", files.len());

    let mut compared = 0;
    let mut differ: BTreeMap<(String, String), String> = BTreeMap::new();
    for cap in &files {
        let name = cap.file_name().expect("name").to_string_lossy().to_string();
        let want = oracle(&name);
        let listed: Vec<&String> = want.iter().map(|(f, _)| f).collect();
        assert_eq!(
            listed,
            filters.iter().collect::<Vec<_>>(),
            "{name}.tsv is not for the filters of filters.txt: run tests/filters/make.sh"
        );
        let store = Store::build(Capture::open(cap).expect("opens"));
        for ((text, f), (_, theirs)) in filters.iter().zip(&parsed).zip(&want) {
            assert!(
                theirs.iter().all(|&n| n <= store.len() as u64),
                "{name}: tshark matched frame past the {} packets for {text}",
                store.len()
            );
            let ours: BTreeSet<u64> = (0..store.len() as u32)
                .map(PacketId)
                .filter(|&id| f.matches_packet(&store, id))
                .map(|id| id.number())
                .collect();
            compared += 1;
            if ours != *theirs {
                let only_us: BTreeSet<u64> = ours.difference(theirs).copied().collect();
                let only_them: BTreeSet<u64> = theirs.difference(&ours).copied().collect();
                differ.insert(
                    (name.clone(), text.clone()),
                    format!(
                        "only layerscope: [{}], only tshark: [{}]",
                        runs(&only_us),
                        runs(&only_them)
                    ),
                );
            }
        }
    }
    assert_eq!(compared, files.len() * filters.len());

    let expected: BTreeSet<(String, String)> = EXCEPTIONS
        .iter()
        .map(|(file, f, _)| (file.to_string(), f.to_string()))
        .collect();
    assert_eq!(
        expected.len(),
        EXCEPTIONS.len(),
        "an exception is listed twice"
    );
    let mut problems = Vec::new();
    for (key, diff) in &differ {
        if !expected.contains(key) {
            problems.push(format!("{} | {} | {diff}", key.0, key.1));
        }
    }
    for key in &expected {
        if !differ.contains_key(key) {
            problems.push(format!(
                "{} | {} | agrees now: take it off EXCEPTIONS",
                key.0, key.1
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {compared} answers differ from tshark unexpectedly:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
