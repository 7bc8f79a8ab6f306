//! Tests of the filter's byte forms: a protocol's bytes (`frame contains`, `tcp matches`,
//! `ip == ...`), slices (`frame[0:4]`, `eth.src[0:3]`, `ip[9]`), their parsing and errors,
//! and the tiers' answers to them, on packets built byte by byte.

use std::sync::atomic::AtomicBool;

use super::parser::{parse_expr, Expr, Test};
use super::*;
use crate::capture::testutil::PcapWriter;
use crate::capture::Capture;

/// An Ethernet frame with an IPv4 TCP segment carrying `payload`, and `trailer` after the
/// IP packet (padding that is the Ethernet frame's, not IP's).
fn tcp_frame(payload: &[u8], trailer: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    let total = (20 + 20 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0]);
    f[16..18].copy_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend_from_slice(&[
        0x12, 0x34, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 1, 0, 0, 0, 0, 0,
    ]);
    f.extend_from_slice(payload);
    f.extend_from_slice(trailer);
    f
}

/// A store of these frames.
fn store_of(frames: &[Vec<u8>]) -> Store {
    let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
    for (i, f) in frames.iter().enumerate() {
        w.record(i as u32, 0, f, f.len() as u32);
    }
    Store::build(Capture::from_bytes(w.buf).expect("a capture"))
}

/// The packets (from 0) that match `filter`, after checking that every way of answering
/// gives the same: the tiers where they answer, and the tree.
fn hits(s: &Store, filter: &str) -> Vec<u32> {
    let f = parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let mut out = Vec::new();
    for i in 0..s.len() as u32 {
        let id = PacketId(i);
        let frame = s.capture.data(id.index());
        let tree = s.dissect(id).is_some_and(|d| f.matches(&d, frame));
        if let Some(q) = f.quick(s, id) {
            assert_eq!(q, tree, "{filter}: the summary tier on packet {}", i + 1);
        }
        if let Some(q) = f.without_dissection(s, id) {
            assert_eq!(q, tree, "{filter}: the tiers on packet {}", i + 1);
        }
        assert_eq!(
            f.matches_packet(s, id),
            tree,
            "{filter} on packet {}",
            i + 1
        );
        if tree {
            out.push(i);
        }
    }
    assert_eq!(filter_all(s, &f, &AtomicBool::new(false), |_, _| {}), out);
    out
}

const GET: &[u8] = b"GET / HTTP/1.1\r\n\r\n";

/// `frame` and `eth` hold the whole captured frame, trailer included; `ip` ends where its
/// total length says, and `tcp` (header and payload) with it, as in Wireshark.
#[test]
fn protocol_bytes_end_where_the_protocol_does() {
    let s = store_of(&[tcp_frame(GET, b"TRAILER!"), tcp_frame(b"hello", b"")]);
    let first = vec![0];
    let both = vec![0, 1];
    assert_eq!(hits(&s, r#"frame contains "TRAILER""#), first);
    assert_eq!(hits(&s, r#"eth contains "TRAILER""#), first);
    assert!(hits(&s, r#"ip contains "TRAILER""#).is_empty());
    assert!(hits(&s, r#"tcp contains "TRAILER""#).is_empty());
    assert_eq!(hits(&s, r#"tcp contains "GET""#), first);
    assert_eq!(hits(&s, "ip contains 47:45:54"), first);
    assert!(hits(&s, r#"udp contains "GET""#).is_empty());
    assert_eq!(hits(&s, r#"tcp contains "hello""#), vec![1]);
    // The TCP header is in `tcp`'s bytes too (ports 0x1234 and 80).
    assert_eq!(hits(&s, "tcp contains 12:34:00:50"), both);
    assert!(hits(&s, "ip contains 12:34:00:51").is_empty());
    // A protocol contains no empty string; its bytes equal only all of them.
    assert!(hits(&s, r#"frame contains """#).is_empty());
    assert!(hits(&s, "frame == 02").is_empty());
    // The summary tier answers these without a tree: the frame's bytes, and the IP packet
    // and TCP segment found by slicing the packet again.
    for f in [
        "frame contains 00",
        "eth[0] == 02",
        "ip[9] == 6",
        "tcp contains 00",
        "udp",
    ] {
        let f = parse(f).unwrap();
        assert!(
            (0..2).all(|i| f.quick(&s, PacketId(i)).is_some()),
            "{}",
            f.text()
        );
    }
    assert_eq!(
        hits(
            &s,
            r#"tcp == "\x124\x00P\x00\x00\x00\x01\x00\x00\x00\x01P\x18\x01\x00\x00\x00\x00\x00hello""#
        ),
        vec![1]
    );
}

#[test]
fn protocol_bytes_match_regular_expressions_byte_by_byte() {
    let s = store_of(&[tcp_frame(GET, b"TRAILER!"), tcp_frame(b"hello", b"")]);
    let first = vec![0];
    assert_eq!(hits(&s, r#"frame matches "trailer!$""#), first);
    assert_eq!(hits(&s, r#"frame matches "(?-i)TRAILER""#), first);
    assert!(hits(&s, r#"frame matches "(?-i)trailer""#).is_empty());
    // Any byte, newlines included with (?s), up to the payload after 54 bytes of headers.
    assert_eq!(hits(&s, r#"frame matches "(?s)^.{54}GET""#), first);
    assert_eq!(hits(&s, r#"tcp matches "(?s)^.{20}hello$""#), vec![1]);
    // `\x12` in the pattern is the byte 0x12.
    assert_eq!(hits(&s, r#"tcp matches "^\x12\x34""#), vec![0, 1]);
    assert!(hits(&s, r#"ip matches "^\x46""#).is_empty());
}

#[test]
fn slices_cut_bytes_out_of_protocols_and_fields() {
    let s = store_of(&[tcp_frame(GET, b"TRAILER!"), tcp_frame(b"hello", b"")]);
    let both = vec![0, 1];
    for f in [
        "ip[9] == 6",
        "ip[9] == 06",
        "ip[9] == 0x06",
        "ip[0] == 45",
        "ip[0:1] == 45",
        "eth[12:2] == 08:00",
        "frame[12:2] == 0800",
        "frame[0:6] == 02:00:00:00:00:01",
        "frame[:6] == 02:00:00:00:00:01",
        "frame[0-5] == 02:00:00:00:00:01",
        "eth.src[5] == 02",
        "eth.src[0:3] == 02:00:00",
        "eth.addr[5] == 01",
        "ip.dst[3] == 2",
        "ip.addr[0:2] == 0a:00",
        "tcp[0:2] == 12:34",
        "tcp[13] == 18",
        "tcp[12:2,0] == 50:18:12",
        "frame[0:4][1:2] == 00:00",
        "frame[12:2] > 09",
        "frame[12:2] < 08:01",
        "frame[12]",
        "frame[0:2] != 02:01",
        "frame[1000:2] != 00:00",
        "frame[12:2] in {08:00 86:dd}",
    ] {
        assert_eq!(hits(&s, f), both, "{f}");
    }
    let first = vec![0];
    assert_eq!(hits(&s, "frame[-1] == 21"), first, "the trailer's '!'");
    assert_eq!(hits(&s, "ip[-1] == 0a"), first, "the payload's last byte");
    assert_eq!(hits(&s, "tcp[-2:] == 0d:0a"), first);
    assert_eq!(hits(&s, "tcp.payload[-2:] == 0d:0a"), first);
    assert_eq!(hits(&s, r#"tcp.payload[0:3] == "GET""#), first);
    assert_eq!(hits(&s, "tcp.payload[0:3] == 47:45:54"), first);
    assert_eq!(hits(&s, r#"tcp.payload[0:3] contains "E""#), first);
    assert_eq!(hits(&s, r#"tcp.payload[1:] matches "^ello$""#), vec![1]);
    assert_eq!(
        hits(&s, "frame[60:10]"),
        first,
        "only the longer frame has 70 bytes"
    );
    assert!(hits(&s, "frame[1000:2] == 00:00").is_empty());
    assert!(hits(&s, "frame[1000:2]").is_empty());
    assert_eq!(hits(&s, "!frame[1000:2]"), both);
    // A range that does not fit stops the slice; the bytes before it are compared.
    assert_eq!(hits(&s, "frame[0:2,1000:2] == 02:00"), both);
    assert!(hits(&s, "ipv6[0]").is_empty());
}

/// Each form parses into a slice test with the right number of ranges.
#[test]
fn slices_parse() {
    let shape = |s: &str| match parse_expr(s).unwrap() {
        Expr::Test(n, Test::Slice(v, t)) => {
            (n, v.iter().map(Vec::len).collect::<Vec<_>>(), t.is_some())
        }
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(
        shape("frame[0:4] == 00:00:00:00"),
        ("frame".into(), vec![1], true)
    );
    assert_eq!(shape("frame[ 0 : 4 ]"), ("frame".into(), vec![1], false));
    assert_eq!(
        shape("frame[0:2,4-5,-1][1]"),
        ("frame".into(), vec![3, 1], false)
    );
    assert_eq!(
        shape("eth.src[0:3] == 00:11:22"),
        ("eth.src".into(), vec![1], true)
    );
    assert_eq!(
        shape("http.host[0:3] == \"127\""),
        ("http.host".into(), vec![1], true)
    );
    assert!(matches!(
        parse_expr("frame[0] not in {00 01}").unwrap(),
        Expr::Not(e) if matches!(*e, Expr::Test(_, Test::Slice(_, Some(_))))
    ));
    assert!(matches!(
        parse_expr("frame contains \"GET\"").unwrap(),
        Expr::Test(_, Test::Contains(_))
    ));
}

/// Errors say what is wrong in Wireshark's words and point at the offending text.
#[test]
fn slice_errors() {
    let e = |s: &str| {
        let e = parse(s).unwrap_err();
        (e.message, e.at, e.len)
    };
    let range = "is not a valid range in a slice (such as 0:4, 2-5, 3, :2 or 4:)";
    assert_eq!(
        e("frame[5:"),
        (
            "\"frame[5:\" is not a valid slice (\"]\" is missing)".into(),
            0,
            8
        )
    );
    assert_eq!(
        e("frame[1:2 == 00"),
        (
            "\"frame[1:2\" is not a valid slice (\"]\" is missing)".into(),
            0,
            9
        )
    );
    assert_eq!(e("frame[5:x] == 00"), (format!("\"5:x\" {range}"), 6, 3));
    assert_eq!(e("frame[a]"), (format!("\"a\" {range}"), 6, 1));
    assert_eq!(
        e("frame[] == 00"),
        (
            "\"frame[]\" is not a valid slice (a range is missing)".into(),
            0,
            7
        )
    );
    assert_eq!(
        e("frame[1,] == 00").0,
        "\"frame[1,]\" is not a valid slice (a range is missing)"
    );
    assert_eq!(
        e("frame[0:0] == 00"),
        (
            "range 0:0 is not valid because the length 0 is not positive".into(),
            6,
            3
        )
    );
    assert_eq!(
        e("frame[3-1]").0,
        "range 3-1 is not valid because 3 is not less than 1"
    );
    assert_eq!(
        e("tcp.port[0:1] == 00"),
        (
            "\"tcp.port\" is an unsigned integer and cannot be sliced into a sequence of bytes"
                .into(),
            0,
            8
        )
    );
    assert_eq!(
        e("frame.len[0]").0,
        "\"frame.len\" is an unsigned integer and cannot be sliced into a sequence of bytes"
    );
    assert_eq!(
        e("dns.queries[0]").0,
        "\"dns.queries\" is a label and cannot be sliced into a sequence of bytes"
    );
    assert_eq!(
        e("ip[9] == 6x"),
        (
            "\"6x\" is not a valid byte string (such as 47:45:54)".into(),
            9,
            2
        )
    );
    assert_eq!(
        e("frame contains GET").0,
        "\"GET\" is not a valid byte string (such as 47:45:54)"
    );
    assert_eq!(e("frame[0:2]]").0, "unexpected \"]\" at 10");
    assert_eq!(e("(frame)[0]").0, "unexpected \"[\" at 7");
    assert_eq!(e("frame[\"a\"]").0, "unexpected \"\"a\"\" at 6");
    assert_eq!(
        e("frame[4294967296:1]").0,
        "\"4294967296:1\" causes an integer overflow"
    );
}

/// In a quoted string `\xHH` is the byte HH, as in Wireshark, also past 0x7f; a character
/// typed as itself is its UTF-8 bytes.
#[test]
fn quoted_strings_compare_as_their_bytes() {
    let s = store_of(&[tcp_frame(b"\xff\xd7 ok \xc3\xbf", b"")]);
    let one = vec![0];
    assert_eq!(hits(&s, r#"tcp.payload[0:2] == "\xff\xd7""#), one);
    assert_eq!(hits(&s, r#"frame contains "\xff\xd7 ok""#), one);
    assert_eq!(hits(&s, r#"tcp matches "\xff\xd7 OK""#), one);
    assert_eq!(hits(&s, r#"tcp.payload[-2:] == "ÿ""#), one);
    assert!(hits(&s, r#"tcp.payload[0:1] == "ÿ""#).is_empty());
    assert!(hits(&s, r#"frame contains "\xd7\xff""#).is_empty());
}
