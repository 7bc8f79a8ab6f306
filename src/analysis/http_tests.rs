//! Tests of [`super`], kept apart to hold the module under 800 lines.

use super::*;

fn feed(chunks: &[(bool, &[u8])]) -> HttpAnalysis {
    let mut a = HttpAnalysis::default();
    let mut c = HttpConversation::default();
    for (i, (client, bytes)) in chunks.iter().enumerate() {
        a.data(&mut c, 0, Direction::of(*client), (i as u32, 0), bytes);
    }
    a
}

/// Each message's first line, read again from the chunks as the store does from packets.
fn summaries(a: &HttpAnalysis, chunks: &[(bool, &'static [u8])]) -> Vec<String> {
    (0..a.messages.len() as u32)
        .map(|m| {
            let client = a.messages[m as usize].is_request();
            let payload = |p: u32| {
                chunks
                    .get(p as usize)
                    .filter(|c| c.0 == client)
                    .map(|c| c.1)
            };
            a.parse_head_of(m, payload)
                .expect("head read again")
                .summary()
        })
        .collect()
}

/// More headers than the first try has room for: every one is kept (issue 11: a
/// request with 150 headers vanished, with no record and no warning).
#[test]
fn a_head_with_hundreds_of_headers_keeps_them_all() {
    for n in [99usize, 100, 101, 150, 3_000] {
        let mut req = b"GET /chat HTTP/1.1\r\nHost: x\r\n".to_vec();
        for k in 0..n {
            req.extend_from_slice(format!("X-H{k}: v{k}\r\n").as_bytes());
        }
        req.extend_from_slice(b"\r\n");
        let (len, start, headers) = parse_head(&req, true, |_, f| Headers::from_fields(f))
            .expect("parses")
            .expect("complete");
        assert_eq!(len, req.len(), "{n}");
        assert!(matches!(start, StartLine::Request { .. }));
        let all: Vec<(&str, &str)> = headers.iter().collect();
        assert_eq!(all.len(), n + 1, "{n}");
        assert_eq!(
            all[n],
            (
                format!("X-H{}", n - 1).as_str(),
                format!("v{}", n - 1).as_str()
            )
        );
    }
    // A response too, and a head still incomplete asks for more.
    let mut resp = b"HTTP/1.1 200 OK\r\n".to_vec();
    for k in 0..300 {
        resp.extend_from_slice(format!("A{k}: b\r\n").as_bytes());
    }
    let fields = |_: &StartLine, f: &[httparse::Header<'_>]| Headers::from_fields(f);
    assert_eq!(parse_head(&resp, false, fields), Ok(None));
    resp.extend_from_slice(b"\r\n");
    let (_, _, headers) = parse_head(&resp, false, fields).unwrap().unwrap();
    assert_eq!(headers.iter().count(), 300);
}

#[test]
fn rfc6455_example_accept() {
    // RFC 6455 §1.3's worked example.
    assert_eq!(
        websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn pipelined_requests_pair_with_responses_across_segments() {
    let chunks: [(bool, &'static [u8]); 4] = [
        (true, b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HT"),
        (true, b"TP/1.1\r\nHost: x\r\n\r\n"),
        (false, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
        (
            false,
            b"loHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ),
    ];
    let a = feed(&chunks);
    let s = summaries(&a, &chunks);
    // The second request starts after the 28-byte first one; the 404 after "lo".
    assert_eq!(
        (a.messages[1].head_offset, a.messages[3].head_offset),
        (28, 2)
    );
    assert_eq!(
        s,
        [
            "GET /a HTTP/1.1",
            "GET /b HTTP/1.1",
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found"
        ]
    );
    assert_eq!(a.messages[1].head_packets, (0, 1));
    assert_eq!(
        (a.messages[2].answers, a.messages[3].answers),
        (Some(0), Some(1))
    );
    assert_eq!(
        (a.messages[2].body_len, a.messages[2].end_packet),
        (5, Some(3))
    );
    assert_eq!(
        (a.messages[3].body_len, a.messages[3].end_packet),
        (3, Some(3))
    );
}

#[test]
fn websocket_upgrade_is_checked_and_stops_http() {
    let a = feed(&[
        (true, b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
        (false, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n\x81\x02hi"),
        (true, b"\x81\x82abcd\x09\x0b"),
    ]);
    assert_eq!(a.messages.len(), 2, "frames are not HTTP");
    let ws = &a.websockets[0];
    assert!(ws.accept_ok);
    assert_eq!(ws.extensions.as_deref(), Some("permessage-deflate"));
    assert_eq!((ws.request, ws.response), (0, 1));
}

#[test]
fn wrong_accept_and_non_websocket_upgrade() {
    let a = feed(&[
        (true, b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
        (false, b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: wrong=\r\n\r\n"),
    ]);
    assert!(!a.websockets[0].accept_ok);
    let a = feed(&[
        (
            true,
            b"POST /attach HTTP/1.1\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n",
        ),
        (
            false,
            b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\nraw bytes",
        ),
    ]);
    assert!(a.websockets.is_empty(), "Upgrade: tcp is not WebSocket");
    assert_eq!(a.messages.len(), 2);
}

#[test]
fn http_after_another_protocol_is_found_and_heads_are_bounded() {
    // A SOCKS-like binary preamble, then HTTP in the next segment.
    let a = feed(&[(true, b"\x05\x01\x00"), (true, b"GET / HTTP/1.1\r\n\r\n")]);
    assert_eq!(a.messages.len(), 1);
    let a = feed(&[(true, b"\x16\x03\x01\x02\x00 TLS hello")]);
    assert!(a.messages.is_empty());
    let mut a = HttpAnalysis::default();
    let mut c = HttpConversation::default();
    a.data(
        &mut c,
        0,
        Direction::FromClient,
        (0, 0),
        b"GET / HTTP/1.1\r\n",
    );
    let line = [b'a'; 1000];
    for i in 0..200 {
        a.data(&mut c, 0, Direction::FromClient, (i, 0), &line);
    }
    assert!(c.dirs[0].buf.len() <= MAX_HEAD);
    assert!(a.messages.is_empty());
}

#[test]
fn messages_serialize_their_direction_as_from_client() {
    let a = feed(&[
        (true, b"GET / HTTP/1.1\r\n\r\n"),
        (false, b"HTTP/1.1 204 No Content\r\n\r\n"),
    ]);
    let json = |m: &HttpMessage| serde_json::to_value(m).unwrap()["from_client"].clone();
    assert_eq!(json(&a.messages[0]), serde_json::json!(true));
    assert_eq!(json(&a.messages[1]), serde_json::json!(false));
}

#[test]
fn a_body_cut_by_the_end_of_the_capture_is_marked_incomplete() {
    let chunks: [(bool, &'static [u8]); 2] = [
        (true, b"GET / HTTP/1.1\r\n\r\n"),
        (
            false,
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b",
        ),
    ];
    let a = feed(&chunks);
    assert_eq!(
        (a.messages[1].end_packet, a.messages[1].body_len),
        (None, 10)
    );
    let head = a
        .parse_head_of(1, |p| chunks.get(p as usize).map(|c| c.1))
        .expect("head");
    assert_eq!(
        a.info(1, &head),
        "HTTP/1.1 200 OK [incomplete: the capture ends before the body does]"
    );
    let req = a
        .parse_head_of(0, |p| chunks.get(p as usize).map(|c| c.1))
        .expect("head");
    assert_eq!(a.info(0, &req), "GET / HTTP/1.1");
}

#[test]
fn head_response_and_until_close_bodies() {
    let a = feed(&[
        (true, b"HEAD / HTTP/1.1\r\n\r\n"),
        (false, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        (true, b"GET / HTTP/1.0\r\n\r\n"),
        (false, b"HTTP/1.0 200 OK\r\n\r\nbody until close"),
    ]);
    assert_eq!(a.messages.len(), 4);
    assert_eq!(a.messages[1].end_packet, Some(1), "no body after HEAD");
    assert_eq!(a.messages[3].body_len, 16);
}

/// The facts found in one pass are what the lookups by name find, with fields repeated,
/// in any case, and tokens in lists.
#[test]
fn head_facts_are_what_the_lookups_find() {
    let heads: [&[u8]; 6] = [
        b"GET /chat HTTP/1.1\r\nHost: Example.ORG\r\nupgrade: h2c\r\nUPGRADE: WebSocket\r\n\
          Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: k1\r\nsec-websocket-key: k2\r\n\r\n",
        b"POST /x HTTP/1.1\r\nhost: a\r\nHost: b\r\nTransfer-Encoding: gzip, Chunked\r\n\
          Content-Length: 5\r\ncontent-length: 7\r\n\r\n",
        b"GET / HTTP/1.1\r\nConnection: close\r\nTransfer-Encoding: gzip\r\n\
          X-Upgrade: websocket\r\nUpgrades: websocket\r\n\r\n",
        b"GET / HTTP/1.1\r\nUpgrade: tcp\r\nConnection: upgrade\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        // Values that are not UTF-8 (obs-text) are read lossily, as a view shows them.
        b"GET / HTTP/1.1\r\nHost: caf\xe9\r\nUpgrade: web\xffsocket, websocket\r\n\r\n",
    ];
    let mut seen = HeadFacts::default();
    for raw in heads {
        let h = parse_head_bytes(raw, true).expect("complete");
        let (_, _, f) = parse_head(raw, true, |_, fields| HeadFacts::of(fields))
            .expect("valid")
            .expect("complete");
        let text = String::from_utf8_lossy(raw);
        assert_eq!(f.upgrade.as_deref(), h.header("Upgrade"), "{text}");
        assert_eq!(
            f.upgrade_websocket,
            h.header_has("Upgrade", "websocket"),
            "{text}"
        );
        assert_eq!(
            f.connection_upgrade,
            h.header_has("Connection", "upgrade"),
            "{text}"
        );
        assert_eq!(f.host.as_deref(), h.header("Host"), "{text}");
        assert_eq!(
            f.websocket_key.as_deref(),
            h.header("Sec-WebSocket-Key"),
            "{text}"
        );
        assert_eq!(
            f.chunked,
            h.header_has("Transfer-Encoding", "chunked"),
            "{text}"
        );
        assert_eq!(
            f.content_length.as_deref(),
            h.header("Content-Length"),
            "{text}"
        );
        seen.upgrade = seen.upgrade.or(f.upgrade);
        seen.upgrade_websocket |= f.upgrade_websocket;
        seen.connection_upgrade |= f.connection_upgrade;
        seen.host = seen.host.or(f.host);
        seen.websocket_key = seen.websocket_key.or(f.websocket_key);
        seen.chunked |= f.chunked;
        seen.content_length = seen.content_length.or(f.content_length);
    }
    // Every fact was found somewhere, and the first of repeated fields won.
    let first = HeadFacts {
        upgrade: Some("h2c".into()),
        upgrade_websocket: true,
        connection_upgrade: true,
        host: Some("Example.ORG".into()),
        websocket_key: Some("k1".into()),
        chunked: true,
        content_length: Some("5".into()),
    };
    assert_eq!(seen, first);
    let (_, _, lossy) = parse_head(heads[5], true, |_, fields| HeadFacts::of(fields))
        .expect("valid")
        .expect("complete");
    assert_eq!(lossy.host.as_deref(), Some("caf\u{fffd}"));
    assert_eq!(
        lossy.upgrade.as_deref(),
        Some("web\u{fffd}socket, websocket")
    );
    assert!(lossy.upgrade_websocket);
}
