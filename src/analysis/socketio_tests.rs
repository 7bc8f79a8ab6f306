//! Tests of [`super`], kept apart to hold the module under 800 lines.

use super::*;

const C: Direction = Direction::FromClient;
const S: Direction = Direction::FromServer;
use serde_json::json;

fn p(s: &str) -> SioPacket {
    parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn connect_forms() {
    let c = p("0");
    assert_eq!(
        c,
        SioPacket {
            kind: SioType::Connect,
            attachments: 0,
            nsp: "/".into(),
            query: None,
            ack_id: None,
            data: None,
            data_range: None,
            too_deep: false,
        }
    );
    assert_eq!(info(&c), "Socket.IO CONNECT /");
    let c = p("0/admin,");
    assert_eq!((c.nsp.as_str(), &c.data), ("/admin", &None));
    assert_eq!(info(&c), "Socket.IO CONNECT /admin");
    let c = p(r#"0/admin,{"token":"123"}"#);
    assert_eq!(c.nsp, "/admin");
    assert_eq!(c.data, Some(json!({"token": "123"})));
    assert_eq!(c.data_range, Some((8, 23)));
    assert_eq!(info(&c), r#"Socket.IO CONNECT /admin {"token":"123"}"#);
    let c = p(r#"0{"sid":"xyz"}"#);
    assert_eq!((c.nsp.as_str(), c.data), ("/", Some(json!({"sid": "xyz"}))));
    // A namespace without the trailing comma (v4) and with a query.
    assert_eq!(p("0/admin").nsp, "/admin");
    let q = p("0/admin?x=1,");
    assert_eq!(
        (q.nsp.as_str(), q.query.as_deref()),
        ("/admin", Some("x=1"))
    );
    assert_eq!(info(&q), "Socket.IO CONNECT /admin?x=1");
}

#[test]
fn disconnect_and_error() {
    let d = p("1/admin,");
    assert_eq!((d.kind, d.nsp.as_str()), (SioType::Disconnect, "/admin"));
    assert_eq!(info(&d), "Socket.IO DISCONNECT /admin");
    let e = p(r#"4{"message":"Not authorized"}"#);
    assert_eq!(e.kind, SioType::ConnectError);
    assert_eq!(
        info(&e),
        r#"Socket.IO CONNECT_ERROR / {"message":"Not authorized"}"#
    );
    // v4: a string.
    let e = p(r#"4"Not authorized""#);
    assert_eq!(e.data, Some(json!("Not authorized")));
    assert_eq!(info(&e), r#"Socket.IO CONNECT_ERROR / "Not authorized""#);
}

#[test]
fn events_and_acks() {
    let e = p(r#"2["hello",1]"#);
    assert_eq!(e.kind, SioType::Event);
    assert_eq!(e.event_name(), Some("hello"));
    assert_eq!(e.args(), &[json!(1)]);
    assert_eq!(e.ack_id, None);
    assert_eq!(e.data_range, Some((1, 12)));
    assert_eq!(info(&e), r#"Socket.IO EVENT / "hello" [1]"#);

    let e = p(r#"2/admin,456["project:delete",123]"#);
    assert_eq!((e.nsp.as_str(), e.ack_id), ("/admin", Some(456)));
    assert_eq!(e.event_name(), Some("project:delete"));
    assert_eq!(e.args(), &[json!(123)]);
    assert_eq!(
        info(&e),
        r#"Socket.IO EVENT /admin "project:delete" [123] ack=456"#
    );

    let a = p("3/admin,456[]");
    assert_eq!(
        (a.kind, a.nsp.as_str(), a.ack_id),
        (SioType::Ack, "/admin", Some(456))
    );
    assert!(a.args().is_empty());
    assert_eq!(a.event_name(), None);
    assert_eq!(info(&a), "Socket.IO ACK /admin ack=456 []");

    let a = p(r#"312["ok"]"#);
    assert_eq!((a.nsp.as_str(), a.ack_id), ("/", Some(12)));
    assert_eq!(a.args(), &[json!("ok")]);
    assert_eq!(info(&a), r#"Socket.IO ACK / ack=12 ["ok"]"#);

    assert_eq!(
        info(&p(r#"2["chat message","hi"]"#)),
        r#"Socket.IO EVENT / "chat message" ["hi"]"#
    );
    assert_eq!(
        info(&p(r#"20["ask","what is the answer?"]"#)),
        r#"Socket.IO EVENT / "ask" ["what is the answer?"] ack=0"#
    );
    assert_eq!(
        info(&p(r#"30[{"answer":42}]"#)),
        r#"Socket.IO ACK / ack=0 [{"answer":42}]"#
    );
    // No string event name: the whole array.
    assert_eq!(info(&p("2[1,2]")), "Socket.IO EVENT / [1,2]");
    assert_eq!(info(&p("2[]")), "Socket.IO EVENT / []");
}

#[test]
fn binary_packets() {
    let b = p(r#"51-["hello",{"_placeholder":true,"num":0}]"#);
    assert_eq!((b.kind, b.attachments), (SioType::BinaryEvent, 1));
    assert_eq!(b.event_name(), Some("hello"));
    assert_eq!(b.placeholders(), 1);
    assert_eq!(
        info(&b),
        r#"Socket.IO BINARY_EVENT / "hello" [{"_placeholder":true,"num":0}] (1 attachment)"#
    );
    let b = p(r#"51-["upload","bytes.bin",{"_placeholder":true,"num":0}]"#);
    assert_eq!(
        info(&b),
        r#"Socket.IO BINARY_EVENT / "upload" ["bytes.bin",{"_placeholder":true,"num":0}] (1 attachment)"#
    );
    let b = p(r#"61-/admin,456[{"_placeholder":true,"num":0}]"#);
    assert_eq!(
        (b.kind, b.attachments, b.nsp.as_str(), b.ack_id),
        (SioType::BinaryAck, 1, "/admin", Some(456))
    );
    assert_eq!(b.args().len(), 1);
    assert_eq!(
        info(&b),
        r#"Socket.IO BINARY_ACK /admin ack=456 [{"_placeholder":true,"num":0}] (1 attachment)"#
    );
    let b = p(r#"52-["x",{"a":[{"_placeholder":true,"num":1}]},{"_placeholder":true,"num":0}]"#);
    assert_eq!(b.placeholders(), 2);
    assert!(info(&b).ends_with(" (2 attachments)"));
}

#[test]
fn errors() {
    assert_eq!(parse(b""), Err(Error::Empty));
    assert_eq!(parse(b"9"), Err(Error::UnknownType { byte: b'9' }));
    assert_eq!(
        parse(b"2["),
        Err(Error::InvalidJson {
            at: 1,
            reason: "EOF while parsing a list".into()
        })
    );
    assert!(matches!(
        parse(b"2[1,x]"),
        Err(Error::InvalidJson { at: 4, .. })
    ));
    assert!(matches!(
        parse(b"2[1,\n x]"),
        Err(Error::InvalidJson { at: 6, .. })
    ));
    assert_eq!(parse(b"5x-[]"), Err(Error::BadAttachments { at: 1 }));
    assert_eq!(parse(b"5-[]"), Err(Error::BadAttachments { at: 1 }));
    assert_eq!(parse(b"51[]"), Err(Error::BadAttachments { at: 1 }));
    assert_eq!(
        parse(b"599999999999-[]"),
        Err(Error::BadAttachments { at: 1 })
    );
    assert_eq!(
        parse(b"2/a,99999999999999999999999[]"),
        Err(Error::BadAckId { at: 4 })
    );
    assert_eq!(
        parse(br#"2{"a":1}"#),
        Err(Error::BadPayload {
            kind: SioType::Event,
            expected: "an array"
        })
    );
    assert_eq!(
        parse(b"0[1]").map_err(|e| e.to_string()),
        Err("CONNECT data must be an object".into())
    );
    assert_eq!(
        parse(b"4[1]").map_err(|e| e.to_string()),
        Err("CONNECT_ERROR data must be an object or a string".into())
    );
    assert_eq!(
        parse(b"5x-[]").map_err(|e| e.to_string()),
        Err("bad attachment count at byte 1".into())
    );
}

#[test]
fn placeholder_replacement() {
    let mut b = p(
        r#"52-["up",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}],{"_placeholder":true,"num":7}]"#,
    );
    let attachments = vec![vec![1u8, 2, 0xff], vec![0xaa; 40]];
    let mut data = b.data.take().unwrap();
    replace_placeholders(&mut data, &attachments);
    assert_eq!(
        data,
        json!([
            "up",
            {"_binary": "0102ff", "len": 3, "num": 0},
            [{"_binary": format!("{}…", "aa".repeat(32)), "len": 40, "num": 1}],
            {"_placeholder": true, "num": 7}
        ])
    );
    // Not placeholders: wrong flag or no num.
    let mut v = json!([{"_placeholder": false, "num": 0}, {"_placeholder": true}]);
    let before = v.clone();
    replace_placeholders(&mut v, &attachments);
    assert_eq!(v, before);
}

#[test]
fn long_args_are_cut() {
    let long = "x".repeat(300);
    let e = p(&format!(r#"2["big","{long}"]"#));
    let text = info(&e);
    let args = format!(r#"["{long}"]"#);
    let cut: String = args.chars().take(120).collect();
    assert_eq!(text, format!(r#"Socket.IO EVENT / "big" {cut}…"#));
}

#[test]
fn ack_tracker() {
    let mut t = AckTracker::default();
    // Client asks (EVENT with id 0) in record 10; server ACKs in 12.
    t.ask(1, "/", C, 0, 10, 1_000);
    // Server asks with the same id: a different direction.
    t.ask(1, "/", S, 0, 11, 1_500);
    // Another session and namespace with the same id.
    t.ask(2, "/", C, 0, 20, 2_000);
    t.ask(1, "/admin", C, 0, 30, 2_500);
    assert_eq!(t.answer(1, "/", S, 0, 12, 4_000), Some((10, 3_000)));
    // Answered once only.
    assert_eq!(t.answer(1, "/", S, 0, 13, 5_000), None);
    // The client's ACK answers the server's ask.
    assert_eq!(t.answer(1, "/", C, 0, 14, 1_400), Some((11, 0)));
    assert_eq!(t.answer(1, "/admin", S, 0, 31, 3_000), Some((30, 500)));
    // An id reused before its answer leaves the first ask unanswered.
    t.ask(1, "/", C, 5, 40, 6_000);
    t.ask(1, "/", C, 5, 41, 7_000);
    assert_eq!(t.answer(1, "/", S, 5, 42, 9_000), Some((41, 2_000)));
    assert_eq!(t.unanswered(), vec![20, 40]);
    assert_eq!(t.unmatched_answers(), &[13]);
}

#[test]
fn attachment_joiner() {
    let mut a = Attachments::default();
    assert_eq!(a.binary(), None); // nothing expected
    assert_eq!(a.expect(1, 2), None);
    assert_eq!(a.waiting(), Some((1, 2, 0)));
    assert_eq!(a.binary(), Some((1, 0, false)));
    assert_eq!(a.binary(), Some((1, 1, true)));
    assert_eq!(a.binary(), None);
    assert_eq!(a.text(), None);
    // A text packet cuts the second attachment off.
    assert_eq!(a.expect(5, 2), None);
    assert_eq!(a.binary(), Some((5, 0, false)));
    assert_eq!(a.text(), Some(5));
    assert_eq!(a.binary(), None);
    // A new binary packet before the attachments, and the end.
    a.expect(8, 1);
    assert_eq!(a.expect(9, 3), Some(8));
    assert_eq!(a.finish(), Some(9));
    assert_eq!(a.expect(10, 0), None);
    assert_eq!(a.waiting(), None);
    assert_eq!(a.incomplete(), &[5, 8, 9]);
}

fn holds(bytes: &[u8]) {
    if let Ok(mut pk) = parse(bytes) {
        let _ = (info(&pk), pk.event_name(), pk.args(), pk.placeholders());
        if let Some((s, e)) = pk.data_range {
            assert!(s <= e && e == bytes.len());
        }
        if let Some(d) = pk.data.as_mut() {
            replace_placeholders(d, &[bytes]);
        }
    }
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_hold(m in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        holds(&m);
    }

    #[test]
    fn structured_bytes_hold(head in proptest::collection::vec(
        proptest::sample::select(vec![b'0', b'2', b'5', b'6', b'9', b'-', b'/', b',', b'?', b'a', b'[', b']', b'"', b'{', b'}', b':', 0xC3, 0xFF]),
        0..40), tail in proptest::sample::select(vec![
            "", "[]", r#"["e",{"_placeholder":true,"num":0}]"#, r#"{"a":1}"#, "\"s\"", "[",
        ])) {
        let mut m = head;
        m.extend_from_slice(tail.as_bytes());
        holds(&m);
    }
}

/// The light parse agrees with the full one on everything but the data.
#[test]
fn parse_head_agrees_with_parse() {
    for t in [
        &b"2[\"hello\",1]"[..],
        b"0/admin,{\"token\":\"123\"}",
        b"51-[\"hello\",{\"_placeholder\":true,\"num\":0}]",
        b"312[\"ok\"]",
        b"4\"bad\"",
        b"2{}",
        b"0[]",
        b"2[",
        b"1/admin,",
    ] {
        let full = parse(t).map(|p| (p.kind, p.attachments, p.nsp, p.ack_id, p.data_range));
        let head = parse_head(t).map(|p| {
            (
                p.kind,
                p.attachments,
                p.nsp.into_owned(),
                p.ack_id,
                p.data_range,
            )
        });
        assert_eq!(
            full.as_ref().map_err(std::mem::discriminant),
            head.as_ref().map_err(std::mem::discriminant),
            "{}",
            String::from_utf8_lossy(t)
        );
    }
}

mod deep_tests {
    use super::*;

    /// Arguments nested deeper than serde_json builds (issue 11, point 7) are valid:
    /// the packet is read, its event name kept, its arguments said not to be shown.
    #[test]
    fn arguments_nested_too_deep_are_flagged_not_dropped() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let text = format!(r#"2["deep",{deep}]"#);
        let p = parse(text.as_bytes()).expect("valid, only deep");
        assert!(p.too_deep);
        assert_eq!(p.event_name(), Some("deep"));
        assert!(info(&p).contains("\"deep\" [arguments nested more than 128 levels deep"));
        let bad = format!(r#"2["deep",{}"#, "[".repeat(200));
        assert!(parse(bad.as_bytes()).is_err(), "invalid stays invalid");
    }

    /// The name read from the prefix alone is the one a full parse gives.
    #[test]
    fn event_name_in_agrees_with_a_full_parse() {
        for text in [
            r#"2["chat message","hi"]"#,
            r#"2/admin,17["ask",{"a":1}]"#,
            r#"51-["upload",{"_placeholder":true,"num":0}]"#,
            r#"52-/nsp,3[" spaced \" name",1]"#,
            r#"2[ "x" ]"#,
            r#"2[1,"not a name"]"#,
            r#"3["ack is not an event"]"#,
            r#"2"#,
            r#"0/admin,"#,
        ] {
            let full = parse(text.as_bytes())
                .ok()
                .and_then(|p| p.event_name().map(str::to_string));
            assert_eq!(event_name_in(text.as_bytes()), full, "{text}");
        }
    }
}

/// Text that is not UTF-8 is read with U+FFFD in place of each bad sequence (the
/// analysis counted it: its check does not read UTF-8), its data range in the bytes.
#[test]
fn text_not_utf8_reads_with_replacement_characters() {
    let text = b"2/chat,7[\"caf\xe9\",{\"k\xff\":\"v\"}]";
    let head = parse_head(text).expect("the analysis counts it");
    let p = parse(text).expect("shown too");
    assert_eq!(p.kind, SioType::Event);
    assert_eq!((p.nsp.as_str(), p.ack_id), ("/chat", Some(7)));
    assert_eq!(p.event_name(), Some("caf\u{fffd}"));
    assert_eq!(p.data, Some(json!(["caf\u{fffd}", {"k\u{fffd}": "v"}])));
    assert_eq!(p.data_range, head.data_range);
    assert_eq!(p.data_range, Some((8, text.len())));
    assert_eq!(event_name_in(text).as_deref(), Some("caf\u{fffd}"));
    // What is not JSON stays an error, placed in the bytes.
    let bad = b"2[\"caf\xe9\",]";
    assert!(matches!(parse(bad), Err(Error::InvalidJson { .. })));
    assert_eq!(parse(bad).err(), parse_head(bad).err());
}
