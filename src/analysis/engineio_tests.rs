//! Tests of [`super`], kept apart to hold the module under 800 lines.

use super::*;

const CLI: Direction = Direction::FromClient;
const SRV: Direction = Direction::FromServer;

fn ok<'a>(r: &'a Result<Packet<'a>, Error>) -> &'a Packet<'a> {
    r.as_ref().expect("packet")
}

const OPEN: &[u8] = br#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

#[test]
fn every_packet_type_over_websocket_text() {
    let cases: [(&[u8], PacketType, &str); 7] = [
        (b"0{}", PacketType::Open, "open"),
        (b"1", PacketType::Close, "close"),
        (b"2", PacketType::Ping, "ping"),
        (b"3", PacketType::Pong, "pong"),
        (b"4hello", PacketType::Message, "message"),
        (b"5", PacketType::Upgrade, "upgrade"),
        (b"6", PacketType::Noop, "noop"),
    ];
    for (bytes, kind, name) in cases {
        let p = parse_ws_text(bytes).unwrap();
        assert_eq!(p.kind, kind);
        assert_eq!(p.kind.name(), name);
        assert_eq!(PacketType::from_number(kind.number()), Some(kind));
        assert!(!p.binary);
        assert_eq!(&*p.data, &bytes[1..]);
        assert_eq!(p.range, (0, bytes.len()));
    }
    assert_eq!(
        parse_ws_text(b"7x"),
        Err(Error::UnknownType { byte: b'7', at: 0 })
    );
    assert_eq!(parse_ws_text(b""), Err(Error::Empty { at: 0 }));
    assert!(parse_ws_text(b"bAQID").is_err());
}

#[test]
fn open_packet() {
    let p = parse_ws_text(OPEN).unwrap();
    assert_eq!(p.kind, PacketType::Open);
    let open = parse_open(&p.data).unwrap();
    assert_eq!(
        open,
        OpenInfo {
            sid: "lv_VI97HAXpY6yYWAAAC".into(),
            upgrades: vec!["websocket".into()],
            ping_interval_ms: 25000,
            ping_timeout_ms: 20000,
            max_payload: Some(1_000_000),
        }
    );
    assert_eq!(
        describe(&p),
        "open sid=lv_VI97HAXpY6yYWAAAC upgrades=websocket pingInterval=25000 pingTimeout=20000 maxPayload=1000000"
    );
    // v3: no maxPayload.
    let v3 = parse_open(br#"{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#)
        .unwrap();
    assert_eq!(v3.max_payload, None);
    assert!(v3.upgrades.is_empty());
    assert!(matches!(parse_open(br#"{"sid":"a"}"#), Err(Error::Open(_))));
    assert!(matches!(parse_open(b"not json"), Err(Error::Open(_))));
    let bad = parse_ws_text(b"0{oops").unwrap();
    assert_eq!(describe(&bad), "open {oops");
}

#[test]
fn probes_and_upgrade() {
    let ping = parse_ws_text(b"2probe").unwrap();
    let pong = parse_ws_text(b"3probe").unwrap();
    let upgrade = parse_ws_text(b"5").unwrap();
    assert!(is_probe(&ping));
    assert!(is_probe(&pong));
    assert!(!is_probe(&upgrade));
    assert!(!is_probe(&parse_ws_text(b"2").unwrap()));
    assert!(!is_probe(&parse_ws_text(b"4probe").unwrap()));
    assert_eq!(describe(&ping), "ping probe");
    assert_eq!(describe(&pong), "pong probe");
    assert_eq!(describe(&upgrade), "upgrade");
    assert_eq!(describe(&parse_ws_text(b"2").unwrap()), "ping");
    assert_eq!(describe(&parse_ws_text(b"1").unwrap()), "close");
    assert_eq!(describe(&parse_ws_text(b"6").unwrap()), "noop");
}

#[test]
fn describe_messages() {
    let p = parse_ws_text(br#"40{"sid":"x"}"#).unwrap();
    assert_eq!(describe(&p), r#"message 0{"sid":"x"}"#);
    let long = [b"4".as_slice(), &[b'a'; 200]].concat();
    let d = describe(&parse_ws_text(&long).unwrap());
    assert_eq!(d, format!("message {}…", "a".repeat(80)));
    let ctl = describe(&parse_ws_text(b"4a\nb").unwrap());
    assert_eq!(ctl, "message a\\nb");
    let bin = parse_ws_binary(&[1, 2, 3, 4], 4);
    assert_eq!(describe(&bin), "message binary 4 bytes 01020304");
    let big = parse_ws_binary(&[0xab; 20], 4);
    assert_eq!(
        describe(&big),
        format!("message binary 20 bytes {}…", "ab".repeat(16))
    );
}

#[test]
fn websocket_binary_frames() {
    let v4 = parse_ws_binary(&[4, 1, 2], 4);
    assert_eq!(v4.kind, PacketType::Message);
    assert!(v4.binary);
    assert_eq!(&*v4.data, &[4, 1, 2]);
    let v3 = parse_ws_binary(&[4, 1, 2], 3);
    assert_eq!(v3.kind, PacketType::Message);
    assert_eq!(&*v3.data, &[1, 2]);
    assert_eq!(v3.range, (0, 3));
    let odd = parse_ws_binary(&[9, 1], 3);
    assert_eq!(odd.kind, PacketType::Message);
    assert_eq!(&*odd.data, &[9, 1]);
    assert_eq!(&*parse_ws_binary(&[], 3).data, b"");
}

#[test]
fn polling_v4() {
    let body = b"4hello\x1e2\x1ebAQIDBA==";
    let out = split_polling(body, 4);
    assert_eq!(out.len(), 3);
    let a = ok(&out[0]);
    assert_eq!(
        (a.kind, &*a.data, a.range, a.binary),
        (PacketType::Message, b"hello".as_slice(), (0, 6), false)
    );
    let b = ok(&out[1]);
    assert_eq!(
        (b.kind, &*b.data, b.range),
        (PacketType::Ping, b"".as_slice(), (7, 8))
    );
    let c = ok(&out[2]);
    assert_eq!(c.kind, PacketType::Message);
    assert!(c.binary);
    assert_eq!(&*c.data, &[1, 2, 3, 4]);
    assert_eq!(c.range, (9, body.len()));
    assert_eq!(describe(c), "message binary 4 bytes 01020304");
    // A single packet, no separator.
    let one = split_polling(b"40", 4);
    assert_eq!(one.len(), 1);
    assert_eq!(&*ok(&one[0]).data, b"0");
}

#[test]
fn polling_v4_malformed() {
    assert_eq!(split_polling(b"", 4), vec![Err(Error::Empty { at: 0 })]);
    let out = split_polling(b"4a\x1ebAQ!D\x1e\x1e9", 4);
    assert_eq!(out.len(), 4);
    assert!(out[0].is_ok());
    assert!(matches!(out[1], Err(Error::Base64 { at: 4, .. })));
    assert_eq!(out[2], Err(Error::Empty { at: 9 }));
    assert_eq!(out[3], Err(Error::UnknownType { byte: b'9', at: 10 }));
}

#[test]
fn polling_v3_text() {
    // The brief's `6:4hello2:2` has a length (2) longer than its ping
    // packet (1 character): the message is split, the rest is truncated.
    let out = split_polling(b"6:4hello2:2", 3);
    assert_eq!(ok(&out[0]).data, b"hello".as_slice());
    assert_eq!(out[1], Err(Error::Truncated { at: 10, len: 2 }));
    let out = split_polling(b"6:4hello1:2", 3);
    assert_eq!(out.len(), 2);
    let a = ok(&out[0]);
    assert_eq!(
        (a.kind, &*a.data, a.range),
        (PacketType::Message, b"hello".as_slice(), (2, 8))
    );
    let b = ok(&out[1]);
    assert_eq!((b.kind, b.range), (PacketType::Ping, (10, 11)));

    let open = br#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":60000}"#;
    assert_eq!(open.len(), 97);
    let body = [b"97:".as_slice(), open, b"2:40"].concat();
    let out = split_polling(&body, 3);
    assert_eq!(out.len(), 2);
    let p = ok(&out[0]);
    assert_eq!(p.kind, PacketType::Open);
    assert_eq!(parse_open(&p.data).unwrap().ping_timeout_ms, 60000);
    assert_eq!(&*ok(&out[1]).data, b"0");

    // Lengths count UTF-16 code units: "é" is 1 unit (2 bytes), "😀" 2 units (4 bytes).
    let out = split_polling("4:4é😀1:3".as_bytes(), 3);
    assert_eq!(out.len(), 2);
    assert_eq!(&*ok(&out[0]).data, "é😀".as_bytes());
    assert_eq!(ok(&out[1]).kind, PacketType::Pong);
    assert_eq!(
        split_polling("2:4😀".as_bytes(), 3),
        vec![Err(Error::SplitCharacter { at: 2 })]
    );

    // Base64 binary inside the text form, and the empty payload.
    let out = split_polling(b"10:b4AQIDBA==", 3);
    let p = ok(&out[0]);
    assert!(p.binary);
    assert_eq!(
        (p.kind, &*p.data),
        (PacketType::Message, [1u8, 2, 3, 4].as_slice())
    );
    assert!(split_polling(b"0:", 3).is_empty());
}

#[test]
fn polling_v3_malformed() {
    assert_eq!(split_polling(b"", 3), vec![Err(Error::Empty { at: 0 })]);
    assert_eq!(
        split_polling(b"x:4a", 3),
        vec![Err(Error::BadLength { at: 0 })]
    );
    assert_eq!(
        split_polling(b":4a", 3),
        vec![Err(Error::BadLength { at: 0 })]
    );
    assert_eq!(
        split_polling(b"12", 3),
        vec![Err(Error::BadLength { at: 0 })]
    );
    assert_eq!(
        split_polling(b"99999999999999999999999:4", 3),
        vec![Err(Error::BadLength { at: 0 })]
    );
    let out = split_polling(b"2:4a9:4", 3);
    assert!(out[0].is_ok());
    assert_eq!(out[1], Err(Error::Truncated { at: 6, len: 9 }));
    let out = split_polling(b"2:4a3:4\xff\xfe", 3);
    assert!(out[0].is_ok());
    assert_eq!(out[1], Err(Error::InvalidUtf8 { at: 7 }));
    assert!(matches!(
        split_polling(b"4:b4!!", 3)[0],
        Err(Error::Base64 { at: 4, .. })
    ));
    assert_eq!(
        split_polling(b"2:b9", 3),
        vec![Err(Error::UnknownType { byte: b'9', at: 3 })]
    );
}

#[test]
fn polling_v3_binary() {
    // "4hello" as a string entry (length 6), then binary message [1,2,3] (length 4 with its type byte).
    let mut body = vec![0x00, 6, 0xFF];
    body.extend_from_slice(b"4hello");
    body.extend_from_slice(&[0x01, 4, 0xFF, 4, 1, 2, 3]);
    let out = split_polling(&body, 3);
    assert_eq!(out.len(), 2);
    let a = ok(&out[0]);
    assert_eq!(
        (a.kind, a.binary, &*a.data, a.range),
        (PacketType::Message, false, b"hello".as_slice(), (3, 9))
    );
    let b = ok(&out[1]);
    assert_eq!(
        (b.kind, b.binary, &*b.data, b.range),
        (PacketType::Message, true, [1u8, 2, 3].as_slice(), (12, 16))
    );
    // Two-digit length: 1,2 → 12.
    let mut body = vec![0x00, 1, 2, 0xFF];
    body.extend_from_slice(b"4abcdefghijk");
    assert_eq!(&*ok(&split_polling(&body, 3)[0]).data, b"abcdefghijk");

    // Malformed: missing 0xFF, digit out of range, truncated, bad marker, bad type.
    assert_eq!(
        split_polling(&[0, 1, 2], 3),
        vec![Err(Error::BadLength { at: 1 })]
    );
    assert_eq!(
        split_polling(&[1, 10, 0xFF], 3),
        vec![Err(Error::BadLength { at: 1 })]
    );
    assert_eq!(
        split_polling(&[1, 9, 0xFF, 4], 3),
        vec![Err(Error::Truncated { at: 3, len: 9 })]
    );
    let out = split_polling(&[1, 1, 0xFF, 2, 7], 3);
    assert_eq!(ok(&out[0]).kind, PacketType::Ping);
    assert_eq!(out[1], Err(Error::BadMarker { byte: 7, at: 4 }));
    assert_eq!(
        split_polling(&[1, 1, 0xFF, 9], 3),
        vec![Err(Error::UnknownType { byte: 9, at: 3 })]
    );
    assert_eq!(
        split_polling(&[1, 0, 0xFF], 3),
        vec![Err(Error::Empty { at: 3 })]
    );
}

#[test]
fn packet_count_is_bounded() {
    let body = vec![0x1E; MAX_PACKETS + 10];
    let out = split_polling(&body, 4);
    assert_eq!(out.len(), MAX_PACKETS + 1);
    assert!(matches!(
        out.last(),
        Some(Err(Error::TooManyPackets { .. }))
    ));
}

#[test]
fn query_parameters() {
    let path = "/socket.io/?EIO=4&transport=polling&t=N8hyd6w&sid=lv_VI97HAXpY6yYWAAAC";
    assert_eq!(eio_version_from_query(path), Some(4));
    assert_eq!(transport_from_query(path), Some("polling"));
    assert_eq!(sid_from_query(path), Some("lv_VI97HAXpY6yYWAAAC"));
    assert_eq!(
        eio_version_from_query("/socket.io/?EIO=3&transport=websocket"),
        Some(3)
    );
    assert_eq!(eio_version_from_query("EIO=3"), Some(3));
    assert_eq!(eio_version_from_query("/socket.io/?EIO=x"), None);
    assert_eq!(sid_from_query("/socket.io/?EIO=4&transport=polling"), None);
    assert_eq!(sid_from_query("/socket.io/?sid=&EIO=4"), None);
    assert_eq!(transport_from_query("/socket.io/"), None);
    assert_eq!(query_param("/x?a=1#sid=2", "sid"), None);
}

const S: u64 = 1_000_000_000;

#[test]
fn health_v4_server_pings() {
    let mut h = Health::new(4, 25_000, 20_000);
    h.observe(SRV, PacketType::Ping, 1, 25 * S);
    h.observe(CLI, PacketType::Pong, 2, 25 * S + 5_000_000); // 5 ms: fine
    h.observe(SRV, PacketType::Ping, 3, 50 * S);
    h.observe(CLI, PacketType::Pong, 4, 81 * S); // 31 s: late
    h.observe(CLI, PacketType::Ping, 5, 82 * S); // v4 client pings are ignored
    h.observe(SRV, PacketType::Message, 6, 83 * S);
    // Probes are skipped by observe_packet.
    h.observe_packet(CLI, &parse_ws_text(b"2probe").unwrap(), 7, 84 * S);
    h.observe(SRV, PacketType::Ping, 8, 150 * S); // 100 s gap > 45 s: overdue
    h.observe(SRV, PacketType::Ping, 9, 175 * S); // never answered
    assert_eq!(h.findings().len(), 2);
    let f = h.finish(300 * S);
    assert_eq!(
        f,
        vec![
            Finding {
                issue: HealthIssue::LatePong,
                record_id: 4,
                ts_ns: 81 * S,
                related_id: Some(3),
                elapsed_ns: 31 * S,
                limit_ns: 20 * S,
            },
            Finding {
                issue: HealthIssue::PingOverdue,
                record_id: 8,
                ts_ns: 150 * S,
                related_id: Some(3),
                elapsed_ns: 100 * S,
                limit_ns: 45 * S,
            },
            Finding {
                issue: HealthIssue::MissingPong,
                record_id: 8,
                ts_ns: 150 * S,
                related_id: None,
                elapsed_ns: 150 * S,
                limit_ns: 20 * S,
            },
            Finding {
                issue: HealthIssue::MissingPong,
                record_id: 9,
                ts_ns: 175 * S,
                related_id: None,
                elapsed_ns: 125 * S,
                limit_ns: 20 * S,
            },
        ]
    );
    assert_eq!(
        f[0].describe(),
        "late pong: 31.000 s after its ping (limit 20.000 s)"
    );
}

#[test]
fn health_v3_client_pings() {
    let open = parse_open(br#"{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#)
        .unwrap();
    let mut h = Health::from_open(3, &open);
    h.observe(CLI, PacketType::Ping, 1, 0);
    h.observe(SRV, PacketType::Pong, 2, 6 * S); // late (> 5 s)
    h.observe(SRV, PacketType::Ping, 3, 7 * S); // server pings ignored in v3
    h.observe(CLI, PacketType::Ping, 4, 25 * S);
    h.observe(SRV, PacketType::Pong, 5, 25 * S + 1);
    h.observe(CLI, PacketType::Ping, 6, 50 * S); // answered? no, but young at the end
    let f = h.finish(52 * S);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].issue, HealthIssue::LatePong);
    assert_eq!((f[0].record_id, f[0].related_id), (2, Some(1)));
}

fn holds(bytes: &[u8]) {
    for v in [2, 3, 4] {
        for p in split_polling(bytes, v).iter().flatten() {
            let _ = describe(p);
            assert!(p.range.0 <= p.range.1 && p.range.1 <= bytes.len());
        }
        let p = parse_ws_binary(bytes, v);
        let _ = describe(&p);
        let _ = parse_text_packet(bytes, v).map(|p| describe(&p));
    }
    if let Ok(p) = parse_ws_text(bytes) {
        let _ = (describe(&p), is_probe(&p));
    }
    let _ = parse_open(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        let _ = (
            eio_version_from_query(s),
            sid_from_query(s),
            transport_from_query(s),
        );
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_hold(m in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        holds(&m);
    }

    #[test]
    fn structured_bytes_hold(m in proptest::collection::vec(
        proptest::sample::select(vec![0u8, 1, 2, 4, 9, 0xFF, 0x1E, b':', b'1', b'2', b'4', b'b', b'A', b'=', 0xC3, 0xA9]),
        0..200)) {
        holds(&m);
    }

    #[test]
    fn health_holds(events in proptest::collection::vec((proptest::bool::ANY, 0u8..7, 0u64..1_000_000_000_000), 0..200)) {
        let mut h = Health::new(4, 25_000, 20_000);
        for (i, (srv, k, ts)) in events.iter().enumerate() {
            if let Some(kind) = PacketType::from_number(*k) {
                h.observe(Direction::of(!*srv), kind, i as u32, *ts);
            }
        }
        let _ = h.finish(u64::MAX);
    }
}
