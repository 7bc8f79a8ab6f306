//! Tests of [`super::stream::DirectionParser`], byte for byte.

use proptest::prelude::*;

use super::deflate::testutil::{deflate_messages, zero_bomb};
use super::deflate::{parse_extensions, Extensions};
use super::frame::{LenForm, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT};
use super::stream::{DirectionParser, Event, FrameRecord, LostReason, MessageRecord, Pos};
use super::{warn, MAX_MESSAGE_BYTES};
use crate::ids::Direction;

const C: Direction = Direction::FromClient;
const S: Direction = Direction::FromServer;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    F(FrameRecord),
    M(MessageRecord, Vec<u8>),
}

fn collect(out: &mut Vec<Ev>) -> impl FnMut(Event<'_>) + '_ {
    move |e| {
        out.push(match e {
            Event::Frame(f) => Ev::F(f),
            Event::Message(m, p) => Ev::M(m, p.to_vec()),
        })
    }
}

fn pos(packet: u32, offset: u32) -> Pos {
    Pos { packet, offset }
}

fn deflate_ext() -> Extensions {
    parse_extensions("permessage-deflate")
}

/// Feeds `bytes` in chunks of `chunk` (all in packet 0), then finishes.
fn feed_chunked(d: &mut DirectionParser, bytes: &[u8], chunk: usize) -> Vec<Ev> {
    let mut out = Vec::new();
    let mut sink = collect(&mut out);
    for (i, c) in bytes.chunks(chunk.max(1)).enumerate() {
        d.feed(pos(0, (i * chunk.max(1)) as u32), c, &mut sink);
    }
    d.finish(&mut sink);
    drop(sink);
    out
}

fn run(dir: Direction, ext: &Extensions, bytes: &[u8]) -> Vec<Ev> {
    feed_chunked(&mut DirectionParser::new(dir, ext), bytes, bytes.len())
}

fn messages(evs: &[Ev]) -> Vec<(MessageRecord, Vec<u8>)> {
    evs.iter()
        .filter_map(|e| match e {
            Ev::M(m, p) => Some((m.clone(), p.clone())),
            Ev::F(_) => None,
        })
        .collect()
}

fn frames(evs: &[Ev]) -> Vec<FrameRecord> {
    evs.iter()
        .filter_map(|e| match e {
            Ev::F(f) => Some(f.clone()),
            Ev::M(..) => None,
        })
        .collect()
}

/// Builds a frame with the minimal length encoding.
fn frame(fin: bool, rsv: u8, op: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut b = vec![(u8::from(fin) << 7) | (rsv << 4) | op];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => b.push(m | n as u8),
        n @ 126..=65535 => {
            b.push(m | 126);
            b.extend((n as u16).to_be_bytes());
        }
        n => {
            b.push(m | 127);
            b.extend((n as u64).to_be_bytes());
        }
    }
    let mut p = payload.to_vec();
    if let Some(k) = mask {
        b.extend(k);
        for (i, x) in p.iter_mut().enumerate() {
            *x ^= k[i % 4];
        }
    }
    b.extend(p);
    b
}

const K: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);

#[test]
fn rfc6455_single_frames() {
    let none = Extensions::default();
    // §5.7: a single-frame unmasked text message.
    let evs = run(S, &none, &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    assert_eq!(evs.len(), 2);
    let f = &frames(&evs)[0];
    assert_eq!(
        (f.start, f.payload_start, f.end_packet),
        (pos(0, 0), pos(0, 2), 0)
    );
    assert_eq!((f.warnings, f.message, f.incomplete), (0, 0, false));
    let (m, p) = &messages(&evs)[0];
    assert_eq!(p, b"Hello");
    assert_eq!(
        *m,
        MessageRecord {
            index: 0,
            opcode: OP_TEXT,
            frames: 1,
            first_packet: 0,
            last_packet: 0,
            wire_len: 5,
            len: 5,
            compressed: false,
            utf8_valid: Some(true),
            close: None,
            warnings: 0,
            truncated: false,
            incomplete: false,
        }
    );
    // §5.7: a single-frame masked text message (from the client).
    let evs = run(
        C,
        &none,
        &[
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ],
    );
    let (m, p) = &messages(&evs)[0];
    assert_eq!(p, b"Hello");
    assert_eq!((m.warnings, m.utf8_valid), (0, Some(true)));
    assert_eq!(frames(&evs)[0].payload_start, pos(0, 6));
    // Unmasked ping (server) and masked pong (client).
    let evs = run(S, &none, &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let (m, p) = &messages(&evs)[0];
    assert_eq!(
        (m.opcode, p.as_slice(), m.utf8_valid, m.warnings),
        (OP_PING, &b"Hello"[..], None, 0)
    );
    let evs = run(
        C,
        &none,
        &[
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ],
    );
    let (m, p) = &messages(&evs)[0];
    assert_eq!(
        (m.opcode, p.as_slice(), m.warnings),
        (OP_PONG, &b"Hello"[..], 0)
    );
}

#[test]
fn rfc6455_fragmented_text() {
    // §5.7: "Hel" then "lo", unmasked.
    let bytes = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
    let evs = run(S, &Extensions::default(), &bytes);
    assert_eq!(evs.len(), 3);
    let fs = frames(&evs);
    assert_eq!(
        (fs[0].header.opcode, fs[0].header.fin, fs[0].message),
        (OP_TEXT, false, 0)
    );
    assert_eq!(
        (fs[1].header.opcode, fs[1].header.fin, fs[1].message),
        (OP_CONTINUATION, true, 0)
    );
    assert_eq!(fs[1].start, pos(0, 5));
    let (m, p) = &messages(&evs)[0];
    assert_eq!(p, b"Hello");
    assert_eq!(
        (m.frames, m.wire_len, m.len, m.opcode, m.warnings),
        (2, 5, 5, OP_TEXT, 0)
    );
    assert!(matches!(evs[2], Ev::M(..)));
}

#[test]
fn rfc6455_long_forms() {
    let none = Extensions::default();
    // §5.7: 256 bytes binary in a single unmasked frame.
    let data: Vec<u8> = (0..=255).collect();
    let mut b = vec![0x82, 0x7E, 0x01, 0x00];
    b.extend(&data);
    let evs = run(S, &none, &b);
    let f = &frames(&evs)[0];
    assert_eq!(
        (f.header.len_form, f.header.payload_len, f.payload_start),
        (LenForm::Ext16, 256, pos(0, 4))
    );
    let (m, p) = &messages(&evs)[0];
    assert_eq!((m.opcode, m.len, m.utf8_valid), (OP_BINARY, 256, None));
    assert_eq!(p, &data);
    // §5.7: 64KiB binary in a single unmasked frame.
    let data: Vec<u8> = (0..65536u32).map(|i| (i * 7) as u8).collect();
    let mut b = vec![0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00];
    b.extend(&data);
    let evs = run(S, &none, &b);
    let f = &frames(&evs)[0];
    assert_eq!(
        (f.header.len_form, f.header.payload_len, f.payload_start),
        (LenForm::Ext64, 65536, pos(0, 10))
    );
    assert_eq!(messages(&evs)[0].1, data);
    // Masked, large: every byte is unmasked (no size limit below the cap).
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let evs = feed_chunked(
        &mut DirectionParser::new(C, &none),
        &frame(true, 0, OP_BINARY, K, &data),
        1000,
    );
    assert_eq!(messages(&evs)[0].1, data);
}

#[test]
fn positions_across_packets() {
    let none = Extensions::default();
    let mut d = DirectionParser::new(C, &none);
    let f = frame(true, 0, OP_TEXT, K, b"Hello");
    let mut out = Vec::new();
    let mut sink = collect(&mut out);
    // Packet 7 carries something else first, then the first 3 header bytes.
    d.feed(pos(7, 20), &f[..3], &mut sink);
    d.feed(pos(8, 0), &f[3..6], &mut sink);
    d.feed(pos(9, 0), &f[6..8], &mut sink);
    d.feed(pos(11, 4), &f[8..], &mut sink);
    // A frame ending exactly with its header: payload_start just after it.
    d.feed(pos(12, 0), &frame(true, 0, OP_PING, K, b""), &mut sink);
    drop(sink);
    let fs = frames(&out);
    assert_eq!(
        (fs[0].start, fs[0].payload_start, fs[0].end_packet),
        (pos(7, 20), pos(9, 0), 11)
    );
    assert_eq!(
        (fs[1].start, fs[1].payload_start, fs[1].end_packet),
        (pos(12, 0), pos(12, 6), 12)
    );
    let ms = messages(&out);
    assert_eq!(
        (
            ms[0].0.first_packet,
            ms[0].0.last_packet,
            ms[0].1.as_slice()
        ),
        (7, 11, &b"Hello"[..])
    );
    assert_eq!((ms[1].0.index, ms[1].0.first_packet), (1, 12));
}

#[test]
fn rfc7692_examples() {
    let ext = deflate_ext();
    // §7.2.3.1 then §7.2.3.2: two "Hello", the second using the shared window.
    let mut b = vec![0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    b.extend([0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00]);
    // §7.2.3.1: fragmented, then §7.2.3.3: no compression.
    b.extend([
        0x41, 0x03, 0xf2, 0x48, 0xcd, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00,
    ]);
    let stored = [
        0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    b.extend(stored);
    for chunk in 1..=b.len() {
        let evs = feed_chunked(&mut DirectionParser::new(S, &ext), &b, chunk);
        let ms = messages(&evs);
        assert_eq!(ms.len(), 4, "chunk {chunk}");
        for (i, (m, p)) in ms.iter().enumerate() {
            assert_eq!(p, b"Hello", "message {i} chunk {chunk}");
            assert_eq!(
                (m.index, m.compressed, m.len, m.utf8_valid, m.warnings),
                (i as u32, true, 5, Some(true), 0)
            );
        }
        assert_eq!(
            (
                ms[0].0.wire_len,
                ms[1].0.wire_len,
                ms[2].0.wire_len,
                ms[2].0.frames
            ),
            (7, 5, 7, 2)
        );
    }
    // Without permessage-deflate, RSV1 is a warning and the payload is raw.
    let evs = run(S, &Extensions::default(), &b[..9]);
    let (m, p) = &messages(&evs)[0];
    assert!(!m.compressed);
    assert_eq!(m.warnings, warn::RSV_WITHOUT_EXTENSION | warn::INVALID_UTF8);
    assert_eq!(p, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
}

#[test]
fn context_takeover_and_fragmented_compressed_messages() {
    let texts: [&[u8]; 4] = [
        b"{\"type\":\"update\",\"value\":1}",
        b"{\"type\":\"update\",\"value\":2}",
        b"{\"type\":\"update\",\"value\":3} and some more text to split",
        b"{\"type\":\"update\",\"value\":4}",
    ];
    let z = deflate_messages(&texts, true);
    // Client direction, masked; the third message in 3 fragments.
    let mut b = Vec::new();
    b.extend(frame(true, 4, OP_TEXT, K, &z[0]));
    b.extend(frame(true, 4, OP_TEXT, K, &z[1]));
    let (a, rest) = z[2].split_at(z[2].len() / 3);
    let (c, e) = rest.split_at(rest.len() / 2);
    b.extend(frame(false, 4, OP_TEXT, Some([1, 2, 3, 4]), a));
    b.extend(frame(false, 0, OP_CONTINUATION, Some([5, 6, 7, 8]), c));
    b.extend(frame(true, 0, OP_CONTINUATION, Some([9, 9, 9, 9]), e));
    b.extend(frame(true, 4, OP_TEXT, K, &z[3]));
    let whole = feed_chunked(&mut DirectionParser::new(C, &deflate_ext()), &b, b.len());
    let ms = messages(&whole);
    assert_eq!(ms.len(), 4);
    for ((m, p), t) in ms.iter().zip(texts) {
        assert_eq!(p, t);
        assert_eq!((m.warnings, m.compressed, m.len), (0, true, t.len() as u64));
    }
    assert_eq!(ms[2].0.frames, 3);
    for chunk in 1..b.len() {
        assert_eq!(
            feed_chunked(&mut DirectionParser::new(C, &deflate_ext()), &b, chunk),
            whole,
            "chunk {chunk}"
        );
    }
    // Split in two at every byte boundary.
    for cut in 0..=b.len() {
        let mut d = DirectionParser::new(C, &deflate_ext());
        let mut out = Vec::new();
        let mut sink = collect(&mut out);
        d.feed(pos(0, 0), &b[..cut], &mut sink);
        d.feed(pos(0, cut as u32), &b[cut..], &mut sink);
        d.finish(&mut sink);
        drop(sink);
        assert_eq!(out, whole, "cut {cut}");
    }
    // With no_context_takeover negotiated for the client.
    let z = deflate_messages(&texts, false);
    let ext = parse_extensions("permessage-deflate; client_no_context_takeover");
    let b: Vec<u8> = z
        .iter()
        .flat_map(|m| frame(true, 4, OP_TEXT, K, m))
        .collect();
    let ms = messages(&run(C, &ext, &b));
    assert_eq!(
        ms.iter().map(|(_, p)| p.as_slice()).collect::<Vec<_>>(),
        texts.to_vec()
    );
}

#[test]
fn decompression_bomb_is_truncated_and_keeps_the_context() {
    let bomb = zero_bomb(64);
    let z = deflate_messages(&[b"after"], true);
    let mut b = frame(true, 4, OP_BINARY, None, &bomb);
    b.extend(frame(true, 4, OP_TEXT, None, &z[0]));
    let started = std::time::Instant::now();
    let mut d = DirectionParser::new(S, &deflate_ext());
    let mut seen = Vec::new();
    let mut sink = |e: Event<'_>| {
        if let Event::Message(m, p) = e {
            seen.push((m, p.len(), p.iter().all(|&x| x == 0)));
        }
    };
    d.feed(pos(0, 0), &b, &mut sink);
    d.finish(&mut sink);
    assert!(started.elapsed().as_secs() < 60);
    assert_eq!(seen.len(), 2);
    let (m, len, zeros) = &seen[0];
    assert_eq!((*len, *zeros), (MAX_MESSAGE_BYTES, true));
    assert!(m.truncated && m.compressed && !m.incomplete);
    assert_eq!(m.warnings, warn::TOO_BIG);
    assert_eq!(
        (m.len, m.wire_len),
        (MAX_MESSAGE_BYTES as u64, bomb.len() as u64)
    );
    // The bomb was inflated to its end (the output past the cap thrown away), so the
    // shared window is right and the next message decodes (issue 11, point 4).
    let (m, len, _) = &seen[1];
    assert_eq!((m.warnings, *len, m.utf8_valid), (0, 5, Some(true)));
}

#[test]
fn raw_cap_truncates_but_keeps_counting_frames() {
    let none = Extensions::default();
    let mut d = DirectionParser::with_cap(C, &none, 100);
    let mut b = frame(false, 0, OP_BINARY, K, &[1; 80]);
    b.extend(frame(false, 0, OP_CONTINUATION, K, &[2; 80]));
    b.extend(frame(true, 0, OP_CONTINUATION, K, &[3; 80]));
    b.extend(frame(true, 0, OP_TEXT, K, b"ok"));
    let evs = feed_chunked(&mut d, &b, 7);
    let ms = messages(&evs);
    let (m, p) = &ms[0];
    assert_eq!(
        (m.frames, m.wire_len, m.len, m.truncated, m.warnings),
        (3, 240, 240, true, warn::TOO_BIG)
    );
    assert_eq!(p.len(), 100);
    assert_eq!((&p[..80], &p[80..]), (&[1u8; 80][..], &[2u8; 20][..]));
    assert_eq!(ms[1].1, b"ok");
    // A compressed message over the raw cap: the prefix is inflated, then the
    // shared window is no longer trusted.
    let big: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let z = deflate_messages(&[&big, b"next"], true);
    assert!(z[0].len() > 100);
    let mut b = frame(true, 4, OP_BINARY, None, &z[0]);
    b.extend(frame(true, 4, OP_BINARY, None, &z[1]));
    let ms = messages(&feed_chunked(
        &mut DirectionParser::with_cap(S, &deflate_ext(), 100),
        &b,
        33,
    ));
    assert!(ms[0].0.truncated && ms[0].0.warnings & warn::TOO_BIG != 0);
    assert!(big.starts_with(&ms[0].1));
    assert_eq!(ms[1].0.warnings, warn::INFLATE_FAILED);
}

#[test]
fn interleaved_ping_inside_a_fragmented_message() {
    let mut b = frame(false, 0, OP_TEXT, K, b"Hel");
    b.extend(frame(true, 0, OP_PING, K, b"p"));
    b.extend(frame(true, 0, OP_CONTINUATION, K, b"lo"));
    let evs = run(C, &Extensions::default(), &b);
    assert_eq!(evs.len(), 5);
    let Ev::F(f0) = &evs[0] else { panic!() };
    let Ev::F(f1) = &evs[1] else { panic!() };
    let Ev::M(m1, p1) = &evs[2] else { panic!() };
    let Ev::F(f2) = &evs[3] else { panic!() };
    let Ev::M(m0, p0) = &evs[4] else { panic!() };
    assert_eq!((f0.message, f1.message, f2.message), (0, 1, 0));
    assert_eq!(
        (m1.index, m1.opcode, p1.as_slice(), m1.warnings),
        (1, OP_PING, &b"p"[..], 0)
    );
    assert_eq!(
        (m0.index, m0.opcode, p0.as_slice(), m0.frames, m0.warnings),
        (0, OP_TEXT, &b"Hello"[..], 2, 0)
    );
}

#[test]
fn close_frames() {
    let none = Extensions::default();
    let evs = run(S, &none, &frame(true, 0, OP_CLOSE, None, b"\x03\xe8bye"));
    let (m, p) = &messages(&evs)[0];
    assert_eq!(
        (m.close.clone(), m.utf8_valid, m.warnings),
        (Some((1000, "bye".to_string())), Some(true), 0)
    );
    assert_eq!(p, b"\x03\xe8bye");
    let evs = run(S, &none, &frame(true, 0, OP_CLOSE, None, b""));
    let (m, _) = &messages(&evs)[0];
    assert_eq!((m.close.clone(), m.utf8_valid, m.warnings), (None, None, 0));
    // Invalid code: 1005 must not be sent; 1-byte payload; invalid UTF-8 reason.
    let evs = run(C, &none, &frame(true, 0, OP_CLOSE, K, b"\x03\xed"));
    assert_eq!(messages(&evs)[0].0.warnings, warn::INVALID_CLOSE_CODE);
    assert_eq!(frames(&evs)[0].warnings, warn::INVALID_CLOSE_CODE);
    assert_eq!(messages(&evs)[0].0.close, Some((1005, String::new())));
    let evs = run(C, &none, &frame(true, 0, OP_CLOSE, K, b"\x03"));
    assert_eq!(messages(&evs)[0].0.warnings, warn::CLOSE_PAYLOAD_ONE_BYTE);
    assert_eq!(messages(&evs)[0].0.close, None);
    let evs = run(
        S,
        &none,
        &frame(true, 0, OP_CLOSE, None, b"\x0f\xa0\xc3\x28"),
    );
    let (m, _) = &messages(&evs)[0];
    assert_eq!(
        (m.close.clone(), m.utf8_valid, m.warnings),
        (
            Some((4000, "\u{FFFD}(".into())),
            Some(false),
            warn::INVALID_UTF8
        )
    );
}

/// (from_client, deflate, bytes, expected bits on the last message).
#[test]
fn every_warning_bit() {
    let none = Extensions::default();
    let z = deflate_ext();
    let cases: Vec<(&str, bool, &Extensions, Vec<u8>, u32)> = vec![
        (
            "client unmasked",
            true,
            &none,
            frame(true, 0, OP_BINARY, None, b"x"),
            warn::CLIENT_UNMASKED,
        ),
        (
            "server masked",
            false,
            &none,
            frame(true, 0, OP_BINARY, K, b"x"),
            warn::SERVER_MASKED,
        ),
        (
            "rsv2",
            false,
            &z,
            frame(true, 2, OP_BINARY, None, b"x"),
            warn::RSV_WITHOUT_EXTENSION,
        ),
        (
            "rsv3",
            false,
            &none,
            frame(true, 1, OP_BINARY, None, b"x"),
            warn::RSV_WITHOUT_EXTENSION,
        ),
        (
            "rsv1 no deflate",
            false,
            &none,
            frame(true, 4, OP_BINARY, None, b"x"),
            warn::RSV_WITHOUT_EXTENSION,
        ),
        (
            "rsv1 on control",
            false,
            &z,
            frame(true, 4, OP_PING, None, b"x"),
            warn::RSV1_ON_CONTINUATION,
        ),
        (
            "control too long",
            false,
            &none,
            frame(true, 0, OP_PING, None, &[0; 126]),
            warn::CONTROL_TOO_LONG,
        ),
        (
            "control fragmented",
            false,
            &none,
            frame(false, 0, OP_PONG, None, b""),
            warn::CONTROL_FRAGMENTED,
        ),
        (
            "reserved data opcode",
            false,
            &none,
            frame(true, 0, 0x3, None, b"abc"),
            warn::RESERVED_OPCODE,
        ),
        (
            "reserved control opcode",
            false,
            &none,
            frame(true, 0, 0xB, None, b""),
            warn::RESERVED_OPCODE,
        ),
        (
            "invalid close code",
            false,
            &none,
            frame(true, 0, OP_CLOSE, None, &[0x03, 0xe7]),
            warn::INVALID_CLOSE_CODE,
        ),
        (
            "one-byte close",
            false,
            &none,
            frame(true, 0, OP_CLOSE, None, &[0x03]),
            warn::CLOSE_PAYLOAD_ONE_BYTE,
        ),
        (
            "invalid utf8",
            false,
            &none,
            frame(true, 0, OP_TEXT, None, &[0x61, 0xff]),
            warn::INVALID_UTF8,
        ),
        (
            "non-minimal",
            false,
            &none,
            vec![0x82, 0x7E, 0x00, 0x01, 0xAA],
            warn::NON_MINIMAL_LENGTH,
        ),
        (
            "inflate failed",
            false,
            &z,
            frame(true, 4, OP_BINARY, None, &[0xff, 0xff, 0xff]),
            warn::INFLATE_FAILED,
        ),
        (
            "too big",
            false,
            &none,
            frame(true, 0, OP_BINARY, None, &vec![0; MAX_MESSAGE_BYTES + 1]),
            warn::TOO_BIG,
        ),
    ];
    for (name, from_client, ext, bytes, bits) in cases {
        let evs = run(Direction::of(from_client), ext, &bytes);
        let ms = messages(&evs);
        assert_eq!(ms.len(), 1, "{name}");
        assert_eq!(ms[0].0.warnings, bits, "{name}");
    }
    // Text compressed invalid UTF-8 is found after inflating.
    let zz = deflate_messages(&[&[0x61, 0xc3]], true);
    let ms = messages(&run(S, &z, &frame(true, 4, OP_TEXT, None, &zz[0])));
    assert_eq!(
        (ms[0].0.warnings, ms[0].0.utf8_valid, ms[0].1.as_slice()),
        (warn::INVALID_UTF8, Some(false), &[0x61, 0xc3][..])
    );
    // RSV1 on a continuation.
    let mut b = frame(false, 0, OP_BINARY, None, b"a");
    b.extend(frame(true, 4, OP_CONTINUATION, None, b"b"));
    let evs = run(S, &z, &b);
    assert_eq!(frames(&evs)[1].warnings, warn::RSV1_ON_CONTINUATION);
    assert_eq!(messages(&evs)[0].0.warnings, warn::RSV1_ON_CONTINUATION);
    // Unexpected continuation: a message of its own, incomplete.
    let evs = run(S, &none, &frame(true, 0, OP_CONTINUATION, None, b"tail"));
    let (m, p) = &messages(&evs)[0];
    assert_eq!(
        (m.opcode, m.warnings, m.incomplete, p.as_slice()),
        (
            OP_CONTINUATION,
            warn::UNEXPECTED_CONTINUATION,
            true,
            &b"tail"[..]
        )
    );
    // Interrupted: a new Text while a Binary is open.
    let mut b = frame(false, 0, OP_BINARY, None, b"a");
    b.extend(frame(true, 0, OP_TEXT, None, b"b"));
    let ms = messages(&run(S, &none, &b));
    assert_eq!(
        (ms[0].0.warnings, ms[0].0.incomplete, ms[0].1.as_slice()),
        (warn::INTERRUPTED_MESSAGE, true, &b"a"[..])
    );
    assert_eq!(
        (ms[1].0.warnings, ms[1].0.incomplete, ms[1].1.as_slice()),
        (0, false, &b"b"[..])
    );
    // Data after close.
    let mut b = frame(true, 0, OP_CLOSE, None, b"\x03\xe8");
    b.extend(frame(true, 0, OP_TEXT, None, b"late"));
    let mut d = DirectionParser::new(S, &none);
    let ms = messages(&feed_chunked(&mut d, &b, 3));
    assert!(d.closed());
    assert_eq!(
        (ms[0].0.warnings, ms[1].0.warnings),
        (0, warn::DATA_AFTER_CLOSE)
    );
}

#[test]
fn reserved_opcode_payload_is_skipped_and_parsing_continues() {
    let mut b = frame(true, 0, 0x5, None, &[0x81; 300]);
    b.extend(frame(true, 0, OP_TEXT, None, b"after"));
    let evs = run(S, &Extensions::default(), &b);
    let ms = messages(&evs);
    assert_eq!(
        (ms[0].0.opcode, ms[0].0.wire_len, ms[0].0.warnings),
        (0x5, 300, warn::RESERVED_OPCODE)
    );
    assert_eq!(
        (ms[1].0.opcode, ms[1].1.as_slice(), ms[1].0.warnings),
        (OP_TEXT, &b"after"[..], 0)
    );
}

#[test]
fn finish_reports_cut_frames_and_messages() {
    let none = Extensions::default();
    // A frame cut in its payload.
    let b = frame(true, 0, OP_TEXT, K, "héllo wörld".as_bytes());
    let mut d = DirectionParser::new(C, &none);
    let evs = feed_chunked(&mut d, &b[..b.len() - 3], 4);
    let f = &frames(&evs)[0];
    assert!(f.incomplete);
    let (m, p) = &messages(&evs)[0];
    assert!(m.incomplete);
    assert_eq!(p.as_slice(), &"héllo wörld".as_bytes()[..10]);
    // A prefix ending inside a character is still valid UTF-8 so far.
    let evs = run(C, &none, &b[..b.len() - 4]);
    assert_eq!(messages(&evs)[0].0.utf8_valid, Some(true));
    // A fragmented message without its final frame.
    let evs = run(S, &none, &frame(false, 0, OP_BINARY, None, b"part"));
    assert_eq!(evs.len(), 2);
    assert!(!frames(&evs)[0].incomplete);
    assert!(messages(&evs)[0].0.incomplete);
    // A cut header: nothing to report.
    assert_eq!(run(S, &none, &[0x82, 0x7E, 0x01]), vec![]);
    // finish twice reports once.
    let mut d = DirectionParser::new(S, &none);
    let mut out = Vec::new();
    let mut sink = collect(&mut out);
    d.feed(pos(0, 0), &[0x82, 0x05, 1], &mut sink);
    d.finish(&mut sink);
    d.finish(&mut sink);
    d.feed(pos(1, 0), &[1, 2, 3], &mut sink);
    drop(sink);
    assert_eq!(out.len(), 2);
}

#[test]
fn gaps() {
    let none = Extensions::default();
    let mut d = DirectionParser::new(C, &none);
    let f1 = frame(true, 0, OP_TEXT, K, b"0123456789");
    let f2 = frame(true, 0, OP_TEXT, K, b"next");
    let mut out = Vec::new();
    let mut sink = collect(&mut out);
    d.feed(pos(1, 0), &f1[..9], &mut sink); // header (6) + "012"
    d.gap(4, &mut sink); // "3456" lost
    d.feed(pos(3, 0), &f1[13..], &mut sink);
    d.feed(pos(3, 3), &f2, &mut sink);
    // A gap exactly covering the end of a payload ends the frame.
    d.feed(pos(4, 0), &f1[..8], &mut sink);
    d.gap(8, &mut sink);
    d.feed(pos(5, 0), &f2, &mut sink);
    assert!(!d.lost());
    // A gap where a header is expected: boundaries are lost.
    d.feed(pos(6, 0), &f2[..3], &mut sink);
    d.gap(1, &mut sink);
    d.feed(pos(7, 0), &f2, &mut sink);
    d.finish(&mut sink);
    drop(sink);
    assert!(d.lost());
    assert_eq!(d.lost_reason(), Some(LostReason::Gap));
    let fs = frames(&out);
    assert_eq!(fs.len(), 4);
    assert!(fs[0].incomplete && !fs[1].incomplete && fs[2].incomplete && !fs[3].incomplete);
    assert_eq!(
        (fs[0].end_packet, fs[1].start, fs[3].start),
        (3, pos(3, 3), pos(5, 0))
    );
    let ms = messages(&out);
    assert_eq!(ms.len(), 4);
    assert_eq!(
        (ms[0].1.as_slice(), ms[0].0.incomplete, ms[0].0.wire_len),
        (&b"012"[..], true, 10)
    );
    assert_eq!(
        (ms[1].1.as_slice(), ms[1].0.incomplete),
        (&b"next"[..], false)
    );
    assert_eq!((ms[2].1.as_slice(), ms[2].0.incomplete), (&b"01"[..], true));
    assert_eq!(ms[3].1, b"next");
    // A gap before a header also loses the direction, reporting the open message.
    let mut d = DirectionParser::new(S, &none);
    let mut out = Vec::new();
    let mut sink = collect(&mut out);
    d.feed(pos(0, 0), &frame(false, 0, OP_TEXT, None, b"ab"), &mut sink);
    d.gap(10, &mut sink);
    d.feed(
        pos(2, 0),
        &frame(true, 0, OP_CONTINUATION, None, b"cd"),
        &mut sink,
    );
    drop(sink);
    assert!(d.lost());
    let ms = messages(&out);
    assert_eq!(ms.len(), 1);
    assert_eq!((ms[0].1.as_slice(), ms[0].0.incomplete), (&b"ab"[..], true));
}

#[test]
fn invalid_length_stops_the_direction() {
    let mut d = DirectionParser::new(S, &Extensions::default());
    let mut b = frame(true, 0, OP_TEXT, None, b"ok");
    b.extend([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
    b.extend(frame(true, 0, OP_TEXT, None, b"never"));
    let evs = feed_chunked(&mut d, &b, 5);
    assert_eq!(d.lost_reason(), Some(LostReason::InvalidLength));
    // The good message, then the bad frame as a message of its own: flagged and cut.
    let ms = messages(&evs);
    assert_eq!(ms.len(), 2);
    let bad = &ms[1].0;
    assert!(bad.incomplete && bad.warnings & warn::INVALID_LENGTH != 0);
    let frames: Vec<&FrameRecord> = evs
        .iter()
        .filter_map(|e| match e {
            Ev::F(f) => Some(f),
            Ev::M(..) => None,
        })
        .collect();
    assert_eq!(frames.len(), 2);
    assert!(frames[1].incomplete && frames[1].warnings & warn::INVALID_LENGTH != 0);
}

fn any_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop_oneof![Just(0u8), Just(4u8), 0u8..8],
        prop_oneof![
            Just(OP_TEXT),
            Just(OP_BINARY),
            Just(OP_CONTINUATION),
            Just(OP_PING),
            Just(OP_CLOSE),
            0u8..16
        ],
        proptest::option::of(any::<[u8; 4]>()),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..20),
            Just(b"valid text".to_vec()),
            Just(vec![0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
            proptest::collection::vec(any::<u8>(), 120..300),
        ],
    )
        .prop_map(|(fin, rsv, op, mask, payload)| frame(fin, rsv, op, mask, &payload))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunking_does_not_change_events(
        frames in proptest::collection::vec(any_frame(), 1..8),
        sizes in proptest::collection::vec(1usize..40, 1..20),
        from_client in any::<bool>(),
        deflate in any::<bool>(),
    ) {
        let ext = if deflate { deflate_ext() } else { Extensions::default() };
        let bytes: Vec<u8> = frames.concat();
        let whole = feed_chunked(&mut DirectionParser::with_cap(Direction::of(from_client), &ext, 200), &bytes, bytes.len());
        let mut d = DirectionParser::with_cap(Direction::of(from_client), &ext, 200);
        let mut out = Vec::new();
        let mut sink = collect(&mut out);
        let (mut at, mut i) = (0, 0);
        while at < bytes.len() {
            let n = sizes[i % sizes.len()].min(bytes.len() - at);
            d.feed(pos(0, at as u32), &bytes[at..at + n], &mut sink);
            at += n;
            i += 1;
        }
        d.finish(&mut sink);
        drop(sink);
        prop_assert_eq!(out, whole);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        chunks in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..64), 0u64..4), 0..40),
        from_client in any::<bool>(),
        deflate in any::<bool>(),
    ) {
        let ext = if deflate { deflate_ext() } else { Extensions::default() };
        let cap = 256;
        let mut d = DirectionParser::with_cap(Direction::of(from_client), &ext, cap);
        let mut n = 0usize;
        let mut sink = |e: Event<'_>| {
            if let Event::Message(_, p) = e {
                assert!(p.len() <= cap);
            }
            n += 1;
        };
        for (i, (c, gap)) in chunks.iter().enumerate() {
            d.feed(pos(i as u32, 0), c, &mut sink);
            prop_assert!(d.buffered_bytes() <= 14 + 2 * 4096);
            if *gap == 3 {
                d.gap(u64::from(c.first().copied().unwrap_or(1)), &mut sink);
            }
        }
        d.finish(&mut sink);
        prop_assert_eq!(d.buffered_bytes(), 0);
    }
}
