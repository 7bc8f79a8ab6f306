//! Crafted captures that aim at one limit or protocol error each (issue 11), made by
//! `tests/hostile/make_hostile.py`. Nothing is lost in silence: what cannot be
//! decoded is flagged where it is shown and counted in `stats`, and `stats` and
//! `messages` agree.

use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::export::messages;
use layerscope::stats;
use layerscope::store::Store;

fn crafted(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(name)
}

fn store(name: &str) -> Store {
    Store::build(Capture::open(&crafted(name)).expect("crafted capture opens"))
}

/// The WebSocket lines of `messages`, and how many warnings they show.
fn ws_lines(s: &Store) -> (Vec<messages::MessageLine>, usize) {
    let lines: Vec<_> = messages::lines(s)
        .into_iter()
        .filter(|l| l.websocket.is_some())
        .collect();
    let warned = lines
        .iter()
        .filter(|l| l.websocket.as_ref().is_some_and(|w| !w.warnings.is_empty()))
        .count();
    (lines, warned)
}

/// Issue 11, point 5: a 64-bit length with its top bit set is a protocol error on
/// that frame, counted, and the tree says why what follows is not decoded.
#[test]
fn a_length_with_its_top_bit_set_is_flagged_and_counted() {
    let s = store("ws-invalid-length.pcap");
    let (lines, warned) = ws_lines(&s);
    assert_eq!(lines.len(), 2, "the good frame and the bad one");
    let bad = lines[1].websocket.as_ref().unwrap();
    assert!(!bad.complete);
    assert!(
        bad.warnings
            .iter()
            .any(|w| w.contains("most significant bit") && w.contains("not decoded")),
        "{:?}",
        bad.warnings
    );
    let st = stats::from_store("ws-invalid-length.pcap", &s);
    assert_eq!(st.websocket.warnings, warned as u64);
    assert_eq!(st.websocket.warnings, 1);
    // The frame's own tree (packet 10) carries the warning.
    let d = s.dissect(layerscope::store::PacketId(9)).unwrap();
    let ws = d.layer("websocket").expect("the bad frame is shown");
    assert!(ws
        .fields
        .iter()
        .any(|f| f.name == "websocket.warning" && f.shown().contains("rest of this direction")));
}

/// Issue 11, point 6: a frame that declares 2^63 - 1 bytes and is cut by the end of
/// the capture is incomplete everywhere it appears, with the bytes that were there.
#[test]
fn a_frame_longer_than_the_capture_is_incomplete_everywhere() {
    let s = store("ws-endless-frame.pcap");
    let (lines, _) = ws_lines(&s);
    let last = lines.last().unwrap();
    let w = last.websocket.as_ref().unwrap();
    assert!(!w.complete);
    assert_eq!(w.len, "only the start of it".len() as u64);
    assert_eq!(w.wire_len, (1 << 63) - 1);
    assert!(last.summary.contains("[incomplete]"), "{}", last.summary);
    let row = layerscope::export::text::row(&s, layerscope::store::PacketId(9));
    assert!(row.contains("[incomplete"), "{row}");
    let d = s.dissect(layerscope::store::PacketId(9)).unwrap();
    assert!(d.field("websocket.incomplete").is_some());
}

/// Issue 11, point 4: a message that inflates past the 16 MiB cap is cut and
/// flagged; the next message in the same compression context still decodes, and
/// `stats` counts the one warning `messages` shows.
#[test]
fn after_a_decompression_bomb_the_context_still_decodes() {
    let s = store("ws-deflate-bomb.pcap");
    let (lines, warned) = ws_lines(&s);
    assert_eq!(lines.len(), 2);
    let bomb = lines[0].websocket.as_ref().unwrap();
    assert!(
        bomb.warnings.iter().any(|w| w.contains("too big")),
        "{:?}",
        bomb.warnings
    );
    let next = lines[1].websocket.as_ref().unwrap();
    assert_eq!(next.data, "hello after the bomb");
    assert!(next.warnings.is_empty(), "{:?}", next.warnings);
    let st = stats::from_store("ws-deflate-bomb.pcap", &s);
    assert_eq!((st.websocket.warnings, warned), (1, 1));
}

/// A chunk size over 64 bits is flagged on its message (Info, `messages`) and counted
/// in `stats`, instead of the message silently staying unfinished.
#[test]
fn a_chunk_size_over_64_bits_is_flagged_and_counted() {
    let s = store("http-huge-chunk.pcap");
    let resp = messages::lines(&s)
        .into_iter()
        .find(|l| {
            l.http
                .as_ref()
                .is_some_and(|h| h.start_line.starts_with("HTTP/1.1 200"))
        })
        .expect("the response is listed");
    assert!(
        resp.summary.contains("invalid chunk size"),
        "{}",
        resp.summary
    );
    let st = stats::from_store("http-huge-chunk.pcap", &s);
    assert_eq!(st.http.invalid_chunks, 1);
}

/// Issue 11, point 7: Socket.IO arguments nested deeper than serde_json builds are
/// read, flagged as not shown, and `stats` and `messages` count the same events.
#[test]
fn socketio_arguments_nested_too_deep_are_flagged_and_counted_alike() {
    let s = store("socketio-deep-arguments.pcap");
    let events: Vec<_> = messages::lines(&s)
        .into_iter()
        .filter(|l| l.summary.starts_with("Socket.IO EVENT"))
        .collect();
    let st = stats::from_store("socketio-deep-arguments.pcap", &s);
    assert_eq!(events.len() as u64, st.socketio.events);
    assert_eq!(events.len(), 4);
    let deep: Vec<_> = events
        .iter()
        .filter(|l| l.summary.contains("\"deep\""))
        .collect();
    assert_eq!(deep.len(), 2);
    assert!(deep
        .iter()
        .all(|l| l.summary.contains("nested more than 128 levels deep")));
}

/// Two servers hand out the same Engine.IO sid: two sessions, one per server (a sid
/// is unique on one server only), each holding its polling handshake and its
/// upgraded WebSocket, and each event in its own session.
#[test]
fn the_same_sid_on_two_servers_is_two_sessions() {
    let s = store("engineio-same-sid-two-servers.pcap");
    let rt = &s.analysis.upper.realtime;
    let st = stats::from_store("engineio-same-sid-two-servers.pcap", &s);
    assert_eq!(st.engineio.sessions, 2);
    let hosts: Vec<_> = rt.sessions.iter().map(|x| x.host.as_str()).collect();
    assert_eq!(hosts, ["server-a", "server-b"]);
    for (i, sess) in rt.sessions.iter().enumerate() {
        assert_eq!(sess.sid.as_deref(), Some("same"));
        assert_eq!(sess.conversations.len(), 2, "session {i}: {sess:?}");
        assert!(sess.websocket.is_some(), "session {i} upgraded");
        assert_eq!(
            sess.packets, 7,
            "open, probe ping and pong, upgrade, 3 Socket.IO"
        );
    }
    // Each server's event went to its own session.
    let said: Vec<_> = (rt.socketio.iter())
        .filter(|p| p.kind == layerscope::analysis::socketio::SioType::Event)
        .map(|p| rt.eio[p.eio as usize].session)
        .collect();
    assert_eq!(said, [0, 1]);
}
