//! Tests of [`super`], kept apart to hold the module under 800 lines.

use super::*;
use proptest::prelude::*;

const REQ: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
    Upgrade: websocket\r\nConnection: Upgrade\r\n\
    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const RESP: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// A server text frame (unmasked).
fn server_text(s: &str) -> Vec<u8> {
    let mut v = vec![0x81, s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

/// A client text frame masked with `key`.
fn client_text(s: &str, key: [u8; 4]) -> Vec<u8> {
    let mut v = vec![0x81, 0x80 | s.len() as u8];
    v.extend_from_slice(&key);
    v.extend(s.bytes().enumerate().map(|(i, b)| b ^ key[i % 4]));
    v
}

/// Feed (from the client, bytes) chunks as packets 0, 1, 2, ... of conversation 0.
fn run(chunks: &[(bool, Vec<u8>)]) -> Upper {
    let mut up = Upper::new(Keep::Records);
    let mut st = UpperConv::default();
    for (i, (c, b)) in chunks.iter().enumerate() {
        up.bytes(&mut st, 0, Direction::of(*c), (i as u32, 0), b);
    }
    up.ended(st, 0);
    up.finish();
    up
}

#[test]
fn first_frame_in_the_segment_of_the_101_is_found() {
    let open = r#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    let mut resp = RESP.to_vec();
    resp.extend(server_text(open));
    let up = run(&[
        (true, REQ.to_vec()),
        (false, resp),
        (true, client_text("40", [1, 2, 3, 4])),
        (false, server_text(r#"40{"sid":"s1"}"#)),
        (true, client_text(r#"421["ask","q"]"#, [9, 8, 7, 6])),
        (false, server_text(r#"431["ok"]"#)),
    ]);
    assert_eq!(up.ws.frames, 5);
    assert_eq!(up.ws_frames[0].start, (1, RESP.len() as u32));
    let rt = &up.realtime;
    assert_eq!(rt.sessions.len(), 1);
    assert_eq!(rt.sessions[0].sid.as_deref(), Some("abc"));
    assert_eq!(rt.counts.sio_connects, 2);
    assert_eq!(rt.counts.sio_events, 1);
    assert_eq!(rt.counts.sio_acks, 1);
    assert_eq!(rt.counts.unanswered_acks, 0);
    let ask = rt
        .socketio
        .iter()
        .position(|s| s.ack_id == Some(1))
        .unwrap();
    let ack = rt.socketio[ask].answered_by.unwrap() as usize;
    assert_eq!(rt.socketio[ack].answers, Some(ask as u32));
    // Each packet knows its frame; the frames know their messages. A frame
    // inside one packet is not copied: its payload is read from the packet.
    let (_, f) = up.frames_at(4).next().expect("frame at packet 4");
    assert_eq!(up.ws_messages[f.message as usize].len, 14);
    assert_eq!(up.payload(f.message), None);
}

#[test]
fn a_frame_split_over_segments_is_indexed_in_each() {
    let frame = client_text("hello over three segments", [5, 6, 7, 8]);
    let up = run(&[
        (true, REQ.to_vec()),
        (false, RESP.to_vec()),
        (true, frame[..3].to_vec()),
        (true, frame[3..10].to_vec()),
        (true, frame[10..].to_vec()),
    ]);
    assert_eq!(up.ws_frames.len(), 1);
    let at: Vec<u32> = (0..6)
        .filter(|&p| up.frames_at(p).next().is_some())
        .collect();
    assert_eq!(at, [2, 3, 4]);
    // Not kept: `Store::ws_payload` reads it again from the three segments.
    assert_eq!(up.payload(0), None);
    assert_eq!(up.ws_messages[0].last_packet, 4);
}

#[test]
fn a_capture_joined_mid_stream_is_a_guess_counted_apart() {
    let up = run(&[
        (true, client_text("hello", [1, 1, 1, 1])),
        (false, server_text("world")),
    ]);
    assert_eq!(up.ws_connections.len(), 1);
    assert!(up.ws_connections[0].guessed);
    assert_eq!(up.ws.frames, 0);
    assert_eq!(up.ws.guessed_frames, 2);
}

#[test]
fn counting_mode_counts_the_same_and_keeps_nothing() {
    let chunks = [
        (true, REQ.to_vec()),
        (false, RESP.to_vec()),
        (true, client_text("2probe", [1, 2, 3, 4])),
        (false, server_text("3probe")),
    ];
    let kept = run(&chunks);
    let mut up = Upper::new(Keep::Counts);
    let mut st = UpperConv::default();
    for (i, (c, b)) in chunks.iter().enumerate() {
        up.bytes(&mut st, 0, Direction::of(*c), (i as u32, 0), b);
    }
    up.ended(st, 0);
    up.finish();
    assert_eq!(up.ws, kept.ws);
    assert_eq!(up.realtime.counts, kept.realtime.counts);
    assert!(up.ws_frames.is_empty() && up.ws_messages.is_empty());
    assert_eq!(kept.ws_messages.len(), 2);
}

proptest! {
    /// Whatever follows a WebSocket upgrade, in whatever pieces, nothing panics
    /// and every frame recorded lies within the packets fed.
    #[test]
    fn arbitrary_bytes_after_an_upgrade_never_panic(
        chunks in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..300)), 0..20)
    ) {
        let mut all = vec![(true, REQ.to_vec()), (false, RESP.to_vec())];
        all.extend(chunks);
        let n = all.len() as u32;
        let up = run(&all);
        for f in &up.ws_frames {
            prop_assert!(f.start.0 < n && f.end_packet < n);
        }
    }
}
