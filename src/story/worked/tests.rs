//! The worked computations against the RFCs' own examples, and on the samples
//! against values checked by hand (`sha1sum`, `openssl`, tshark).

use super::*;
use crate::analysis::http::{accept_digest, websocket_accept, WS_GUID};
use crate::ids::Direction;
use crate::story::testutil::{every_sample, sample};

fn mono(s: &Step) -> &str {
    match &s.value {
        Some(Shown::Mono(v)) => v,
        other => panic!("not a monospace value: {other:?} in {s:?}"),
    }
}

/// The bytes a step points at, in the packet's tree.
fn bytes_at<'a>(d: &'a Dissection, frame: &'a [u8], s: &Step) -> &'a [u8] {
    let (src, [a, b]) = s.at.unwrap_or_else(|| panic!("no bytes for {s:?}"));
    let buf: &[u8] = match src {
        Src::Frame => frame,
        Src::Derived(i) => &d.derived[usize::from(i)].bytes,
        Src::Generated => panic!("generated"),
    };
    &buf[a as usize..b as usize]
}

fn one(store: &Store, packet: u32, kind: Kind) -> Worked {
    let all = worked(store, PacketId(packet - 1));
    let mut of_kind = all.into_iter().filter(|w| w.kind == kind);
    let w = of_kind
        .next()
        .unwrap_or_else(|| panic!("no {kind:?} at packet {packet}"));
    assert!(of_kind.next().is_none(), "one {kind:?} at packet {packet}");
    w
}

fn has_step(w: &Worked, words: &str) -> Step {
    w.steps
        .iter()
        .find(|s| s.text.contains(words))
        .unwrap_or_else(|| panic!("no step saying {words:?} in {w:#?}"))
        .clone()
}

// `printf '%s' "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11" | sha1sum`
const RFC_SHA1: &str = "b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea";

#[test]
fn accept_of_the_rfc_6455_example() {
    let key = "dGhlIHNhbXBsZSBub25jZQ==";
    assert_eq!(spaced_hex(&accept_digest(key), 20), RFC_SHA1);
    let h = accept::Handshake {
        key,
        sent: Some(Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")),
        ..Default::default()
    };
    let w = accept::of(&h);
    assert_eq!(w.kind, Kind::Accept);
    let values: Vec<&str> = w
        .steps
        .iter()
        .filter(|s| s.value.is_some())
        .map(mono)
        .collect();
    assert_eq!(
        values,
        [
            key,
            // "the sample nonce" in bytes
            "74 68 65 20 73 61 6d 70 6c 65 20 6e 6f 6e 63 65",
            "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11",
            RFC_SHA1,
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ]
    );
    assert_eq!(w.steps.last().and_then(|s| s.check), Some(true));
    // A server that got it wrong is caught.
    let bad = accept::of(&accept::Handshake {
        sent: Some(Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOk=")),
        ..h.clone()
    });
    assert_eq!(bad.steps.last().and_then(|s| s.check), Some(false));
    assert!(bad
        .steps
        .last()
        .is_some_and(|s| s.text.contains("does not match")));
    // No 101: the value it should carry, no verdict.
    let none = accept::of(&accept::Handshake { sent: None, ..h });
    assert_eq!(none.steps.last().and_then(|s| s.check), None);
}

#[test]
fn accept_at_the_101_of_the_chat_sample() {
    let store = sample("socketio-chat.pcap");
    let key = "5ELjMcfpFtJL0zHkZtHMnQ==";
    // `printf '%s' "5ELjMcfpFtJL0zHkZtHMnQ==258EAFA5-…" | sha1sum`, and `| openssl sha1 -binary | base64`.
    let sha1 = "79 26 80 f4 cd ea 50 29 80 43 ed 1f de 22 ab c5 30 2e 5c 9c";
    let b64 = "eSaA9M3qUCmAQ+0f3iKrxTAuXJw=";
    assert_eq!(spaced_hex(&accept_digest(key), 20), sha1);
    assert_eq!(websocket_accept(key), b64);
    let w = one(&store, 29, Kind::Accept);
    assert_eq!(mono(&w.steps[0]), key);
    assert!(w.steps[0].text.contains("packet 22"), "{:?}", w.steps[0]);
    assert_eq!(w.steps[0].at, None, "the key is in packet 22, not here");
    assert_eq!(mono(&w.steps[2]), format!("{key}{WS_GUID}"));
    assert_eq!(mono(&w.steps[3]), sha1);
    assert_eq!(mono(&w.steps[4]), b64);
    let sent = w.steps.last().unwrap();
    assert_eq!(sent.check, Some(true));
    assert_eq!(mono(sent), b64);
    // Its bytes are the header's value in this frame.
    let d = store.dissect(PacketId(28)).unwrap();
    assert_eq!(bytes_at(&d, store.capture.data(28), sent), b64.as_bytes());

    // At the request, the key's own bytes.
    let w = one(&store, 22, Kind::Accept);
    let d = store.dissect(PacketId(21)).unwrap();
    assert_eq!(
        bytes_at(&d, store.capture.data(21), &w.steps[0]),
        key.as_bytes()
    );
    assert_eq!(w.steps.last().and_then(|s| s.check), Some(true));
    assert!(w.steps.last().unwrap().text.contains("packet 29"));
    // Nothing of the kind on a packet without a handshake.
    assert!(worked(&store, PacketId(3))
        .iter()
        .all(|w| w.kind != Kind::Accept));
}

#[test]
fn unmasking_the_rfc_6455_example() {
    // RFC 6455 §5.7: 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58 is "Hello".
    let masked = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
    let w = mask::of(&mask::Masked {
        key: [0x37, 0xfa, 0x21, 0x3d],
        masked: &masked,
        len: 5,
        opcode: 1,
        ..Default::default()
    });
    assert_eq!(mono(&w.steps[0]), "37 fa 21 3d");
    let Some(Shown::Table(rows)) = &w.steps[2].value else {
        panic!("no table: {w:#?}");
    };
    assert_eq!(rows.len(), 1 + 5);
    assert_eq!(rows[0], ["i", "masked", "key", "= byte", "char"]);
    assert_eq!(rows[1], ["0", "7f", "37", "48", "'H'"]);
    assert_eq!(rows[2], ["1", "9f", "fa", "65", "'e'"]);
    assert_eq!(rows[5], ["4", "58", "37", "6f", "'o'"]);
    assert_eq!(mono(&w.steps[3]), "01111111 XOR 00110111 = 01001000");
    let result = has_step(&w, "unmasked");
    assert_eq!(mono(&result), "\"Hello\"");
}

#[test]
fn unmasking_frames_of_the_chat_sample_gives_what_tshark_shows() {
    let store = sample("socketio-chat.pcap");
    // `tshark -d tcp.port==18300,http -Y websocket -T fields -e frame.number
    //  -e websocket.masking_key -e websocket.payload.text`
    for (packet, key, text) in [
        (41, "02 22 90 23", r#"42["chat message","hi"]"#),
        (44, "b0 84 da 60", r#"420["ask","what is the answer?"]"#),
        (
            46,
            "6e d0 f2 7a",
            r#"451-["upload","bytes.bin",{"_placeholder":true,"num":0}]"#,
        ),
    ] {
        let w = one(&store, packet, Kind::Unmask);
        let d = store.dissect(PacketId(packet - 1)).unwrap();
        let frame = store.capture.data(packet as usize - 1);
        assert_eq!(mono(&w.steps[0]), key, "{packet}");
        assert_eq!(
            spaced_hex(bytes_at(&d, frame, &w.steps[0]), 4),
            key,
            "{packet}"
        );
        let result = has_step(&w, "unmasked");
        assert_eq!(mono(&result), format!("\"{text}\""), "{packet}");
        assert_eq!(bytes_at(&d, frame, &result), text.as_bytes(), "{packet}");
        // The masked bytes are the frame's, and XOR the key they give the text.
        let masked = bytes_at(&d, frame, &w.steps[1]);
        let k: Vec<u8> = (0..4)
            .map(|i| u8::from_str_radix(&key[i * 3..i * 3 + 2], 16).unwrap())
            .collect();
        let plain: Vec<u8> = masked
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ k[i % 4])
            .collect();
        assert_eq!(plain, text.as_bytes(), "{packet}");
    }
    // The server does not mask: no unmasking at its frames.
    assert!(worked(&store, PacketId(42))
        .iter()
        .all(|w| w.kind != Kind::Unmask));
}

#[test]
fn inflating_the_rfc_7692_examples() {
    // RFC 7692 §7.2.3.1: "Hello" compressed; §7.2.3.2: the same again, using the
    // window of the first (context takeover).
    let first = vec![0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    let second = vec![0xf2, 0x00, 0x11, 0x00, 0x00];
    let x = deflate::Deflated {
        compressed: first.clone(),
        dir: Direction::FromServer,
        earlier: Vec::new(),
        no_takeover: false,
        extensions: None,
        packets: (0, 0),
        frames: 1,
        too_long: None,
        compressed_at: None,
        result_at: None,
    };
    let w = deflate::of(&x);
    assert_eq!(mono(&w.steps[1]), "f2 48 cd c9 c9 07 00");
    assert_eq!(mono(&w.steps[2]), "… f2 48 cd c9 c9 07 00 | 00 00 ff ff");
    assert!(w.steps[3].text.contains("first compressed message"));
    assert_eq!(mono(w.steps.last().unwrap()), "\"Hello\"");
    let again = deflate::of(&deflate::Deflated {
        compressed: second.clone(),
        earlier: vec![(6, first)],
        ..x.clone()
    });
    assert!(
        again.steps[3].text.contains("packet 7"),
        "{:?}",
        again.steps[3]
    );
    assert_eq!(mono(again.steps.last().unwrap()), "\"Hello\"");
    // Without the earlier message's window its back-reference reads nothing:
    // an "H" and four zero bytes.
    let alone = deflate::of(&deflate::Deflated {
        compressed: second,
        no_takeover: true,
        ..x
    });
    assert_eq!(
        mono(alone.steps.last().unwrap()),
        r#""H\u{0}\u{0}\u{0}\u{0}""#
    );
}

#[test]
fn a_window_too_long_to_replay_shows_the_analysis_text_and_says_so() {
    let w = deflate::of(&deflate::Deflated {
        compressed: vec![0xf2, 0x00, 0x11, 0x00, 0x00],
        dir: Direction::FromClient,
        earlier: vec![(41, Vec::new())],
        no_takeover: false,
        extensions: None,
        packets: (99, 99),
        frames: 1,
        too_long: Some(b"Hello".to_vec()),
        compressed_at: None,
        result_at: None,
    });
    let last = w.steps.last().unwrap();
    assert!(last.text.contains("more than 4 MiB"), "{last:?}");
    assert_eq!(mono(last), "\"Hello\"");
    assert!(w.steps[3].text.contains("the last in packet 42"));
}

#[test]
fn inflating_messages_of_the_deflate_sample() {
    let store = sample("websocket-deflate.pcap");
    let w = one(&store, 8, Kind::Deflate);
    assert!(w.steps[0].text.contains("packet 8"));
    assert!(mono(&w.steps[0]).contains("permessage-deflate"));
    assert!(has_step(&w, "Context takeover")
        .text
        .contains("first compressed message"));
    let result = w.steps.last().unwrap();
    assert_eq!(mono(result), "\"Hello, layerscope!\"");
    let d = store.dissect(PacketId(7)).unwrap();
    assert_eq!(
        bytes_at(&d, store.capture.data(7), result),
        b"Hello, layerscope!"
    );
    // The masked frame is unmasked first, and says it is still compressed.
    assert!(has_step(&one(&store, 8, Kind::Unmask), "still compressed")
        .value
        .is_some());
    // The server's echo: unmasked bytes, in the frame as they are.
    let w = one(&store, 9, Kind::Deflate);
    assert!(w.title.contains("server"));
    let d = store.dissect(PacketId(8)).unwrap();
    let compressed = bytes_at(&d, store.capture.data(8), &w.steps[1]);
    assert_eq!(spaced_hex(compressed, 48), mono(&w.steps[1]));
    // The fragmented message: four frames joined, inflated after the client's
    // three earlier compressed messages (packets 8, 10, 14).
    let w = one(&store, 19, Kind::Deflate);
    assert!(
        w.steps[1].text.contains("4 frames (packets 16–19)"),
        "{:?}",
        w.steps[1]
    );
    assert!(has_step(&w, "Context takeover")
        .text
        .contains("3 earlier compressed message(s), the last in packet 14"));
    assert_eq!(
        mono(w.steps.last().unwrap()),
        "\"fragmented message in three parts\""
    );
    let w = one(&store, 14, Kind::Deflate);
    assert!(mono(w.steps.last().unwrap())
        .starts_with("\"line 000: the quick brown fox jumps over the lazy dog\\nline 001"));
}

#[test]
fn text_cut_inside_a_character_is_still_text() {
    assert_eq!(text_or_hex("héllo".as_bytes()), "\"héllo\"");
    assert_eq!(text_or_hex(&"hé".as_bytes()[..2]), "\"h…");
    assert_eq!(text_or_hex(&[0xff, 0x00]), "ff 00");
    assert_eq!(thousands(3_841_201_717), "3,841,201,717");
    assert_eq!(thousands(999), "999");
}

/// The number a `raw (0x…)` or `a − b = r` value ends with.
fn result_of(s: &Step) -> u32 {
    let v = mono(s);
    v.rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{v}"))
}

#[test]
fn sequence_numbers_through_the_handshake() {
    let store = sample("socketio-chat.pcap");
    let be = |d: &Dissection, p: usize, s: &Step| {
        u32::from_be_bytes(bytes_at(d, store.capture.data(p), s).try_into().unwrap())
    };
    // Packet 1, the SYN: ISN 3,... read back from the frame's own bytes.
    let syn = one(&store, 1, Kind::Seq);
    let d = store.dissect(PacketId(0)).unwrap();
    let isn = be(&d, 0, &syn.steps[0]);
    assert_eq!(store.summary(PacketId(0)).unwrap().seq, isn);
    assert_eq!(
        mono(&syn.steps[0]),
        format!("ISN = {} (0x{isn:08x})", thousands(isn.into()))
    );
    assert_eq!(result_of(&syn.steps[1]), 0);
    assert!(syn.steps[2].text.contains("takes one sequence number"));
    assert!(
        mono(&syn.steps[2]).ends_with(&format!("{} (relative 1)", thousands(u64::from(isn) + 1)))
    );
    assert!(syn.steps[3].text.contains("ACK flag is off"));
    // Packet 2, the SYN-ACK: Ack = client ISN + 1, checked.
    let sa = one(&store, 2, Kind::Seq);
    let d = store.dissect(PacketId(1)).unwrap();
    let ack = sa.steps.last().unwrap();
    assert_eq!(be(&d, 1, ack), isn.wrapping_add(1));
    assert_eq!(result_of(ack), 1);
    assert_eq!(ack.check, Some(true));
    // Packet 3 completes the handshake; packet 5 acknowledges the 151-byte GET
    // (tshark: Seq=1 Ack=152).
    let third = one(&store, 3, Kind::Seq);
    assert!(third
        .steps
        .last()
        .unwrap()
        .text
        .contains("completes the three-way handshake"));
    assert_eq!(result_of(&third.steps[0]), 1);
    let get = one(&store, 4, Kind::Seq);
    assert_eq!(result_of(&get.steps[0]), 1);
    assert_eq!(result_of(&get.steps[1]), 152);
    assert_eq!(
        result_of(one(&store, 5, Kind::Seq).steps.last().unwrap()),
        152
    );
    // Packet 8, the server's FIN (Seq=281): the FIN takes number 281, so Ack=282 answers it.
    let fin = one(&store, 8, Kind::Seq);
    assert_eq!(result_of(&fin.steps[1]), 282);
    assert!(fin.steps[1].text.contains("FIN"));
    assert_eq!(
        result_of(one(&store, 9, Kind::Seq).steps.last().unwrap()),
        282
    );
}

#[test]
fn a_refused_connection_acknowledges_the_syn() {
    let store = sample("tcp-refused.pcap");
    let rst = one(&store, 2, Kind::Seq);
    let ack = rst.steps.last().unwrap();
    assert!(ack.text.contains("refuses"), "{ack:?}");
    assert_eq!(ack.check, Some(true));
    assert!(rst.steps[1].text.contains("RST"));
}

#[test]
fn socketio_packets_taken_apart() {
    let store = sample("socketio-chat.pcap");
    let w = one(&store, 41, Kind::SocketIo);
    let d = store.dissect(PacketId(40)).unwrap();
    let frame = store.capture.data(40);
    assert_eq!(mono(&w.steps[0]), r#"42["chat message","hi"]"#);
    assert_eq!(
        bytes_at(&d, frame, &w.steps[0]),
        br#"42["chat message","hi"]"#
    );
    let eio = has_step(&w, "Engine.IO packet type: 4 is message");
    assert_eq!(bytes_at(&d, frame, &eio), b"4");
    let sio = has_step(&w, "2 is EVENT");
    assert_eq!(bytes_at(&d, frame, &sio), b"2");
    has_step(&w, "default namespace");
    has_step(&w, "no acknowledgement is asked");
    let name = has_step(&w, "Event name \"chat message\"");
    assert_eq!(bytes_at(&d, frame, &name), br#""chat message""#);
    assert_eq!(mono(&name), r#"["hi"]"#);

    // An emit that asks for an ack (id 0), answered in packet 45, and the answer.
    let ask = has_step(&one(&store, 44, Kind::SocketIo), "ack id 0");
    assert!(ask.text.contains("packet 45"), "{ask:?}");
    let d = store.dissect(PacketId(43)).unwrap();
    assert_eq!(bytes_at(&d, store.capture.data(43), &ask), b"0");
    let ans = has_step(&one(&store, 45, Kind::SocketIo), "this ACK answers");
    assert!(ans.text.contains("packet 44"), "{ans:?}");

    // A binary event: one placeholder, replaced by the attachment of packet 47.
    let w = one(&store, 46, Kind::SocketIo);
    assert!(w.title.contains("BINARY_EVENT"));
    has_step(&w, "1 binary attachment(s)");
    has_step(&w, "placeholder");
    let att = has_step(&w, "Attachment 0: a binary message in packet 47, 8 bytes");
    assert_eq!(mono(&att), "de ad be ef 00 01 02 03");
    let joined = has_step(&w, "With each placeholder replaced");
    assert!(mono(&joined).contains(r#""_binary":"deadbeef00010203""#));
    let w = one(&store, 47, Kind::SocketIo);
    has_step(
        &w,
        "attachment 0 of the Socket.IO BINARY_EVENT in packet 46",
    );
}

#[test]
fn socketio_over_polling_with_a_namespace() {
    let store = sample("socketio-polling.pcap");
    let mut seen = false;
    for p in 0..store.len() as u32 {
        for w in worked(&store, PacketId(p)) {
            let Some(s) = w
                .steps
                .iter()
                .find(|s| s.text.contains("the namespace, up to a comma"))
            else {
                continue;
            };
            let d = store.dissect(PacketId(p)).unwrap();
            let written = bytes_at(&d, store.capture.data(p as usize), s);
            assert!(written.starts_with(b"/"), "{s:?}");
            assert!(s.text.contains(std::str::from_utf8(written).unwrap()));
            assert!(w.steps[0].text.contains("long-polling"));
            seen = true;
        }
    }
    assert!(seen, "a namespace other than / in socketio-polling.pcap");
}

/// Every packet of every sample: steps say something, and every range they give
/// lies inside the bytes of the packet's tree.
#[test]
fn every_step_of_every_sample_points_at_real_bytes() {
    for name in every_sample() {
        let name = name.as_str();
        let store = sample(name);
        let mut kinds = std::collections::BTreeSet::new();
        for p in 0..store.len() as u32 + 2 {
            let ws = worked(&store, PacketId(p));
            let Some(d) = store.dissect(PacketId(p)) else {
                assert!(ws.is_empty());
                continue;
            };
            let frame_len = store.capture.data(p as usize).len();
            for w in ws {
                kinds.insert(format!("{:?}", w.kind));
                assert!(!w.steps.is_empty(), "{name} {p}");
                for s in &w.steps {
                    assert!(!s.text.is_empty(), "{name} {p} {w:?}");
                    assert_ne!(s.check, Some(false), "{name} {p}: {s:?}");
                    if let Some((src, [a, b])) = s.at {
                        let len = match src {
                            Src::Frame => frame_len,
                            Src::Derived(i) => d.derived[usize::from(i)].bytes.len(),
                            Src::Generated => panic!("{name} {p}: generated {s:?}"),
                        };
                        assert!(a < b && b as usize <= len, "{name} {p}: {s:?}");
                    }
                }
            }
        }
        assert!(kinds.contains("Seq"), "{name}");
    }
}
