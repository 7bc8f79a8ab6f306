//! Tests of the pcapng indexer over files built by `testutil::NgWriter`.

use super::testutil::{bytes64, NgWriter};
use super::{Capture, Comment, Format, Interface, LinkType, OpenError, PacketRecord};

fn open(w: &NgWriter) -> Capture {
    Capture::from_bytes(w.buf.clone()).unwrap()
}

fn record(offset: usize, ts_ns: i64, caplen: u32, origlen: u32, iface: u32) -> PacketRecord {
    PacketRecord::new(offset as u64, ts_ns, caplen, origlen, iface)
}

fn comment(packet: Option<usize>, text: &str) -> Comment {
    Comment {
        packet,
        text: text.to_string(),
    }
}

#[test]
fn every_field_in_both_byte_orders() {
    for be in [false, true] {
        let mut w = NgWriter::new();
        w.shb(be, &[(1, b"section note"), (4, b"test writer")]);
        w.idb(1, 65535, &[(2, b"eth0"), (3, b"uplink")]);
        w.idb(101, 0, &[(9, &[9])]);
        let a = w.epb(0, 1_600_000_000_123_456, &[0xaa; 60], 60, &[(1, b"first")]);
        let b = w.epb(1, 1_600_000_000_123_456_789, &[0xbb; 5], 1500, &[]);
        let cap = open(&w);
        let what = format!("be {be}");
        assert_eq!(cap.format, Some(Format::PcapNg));
        assert!(
            cap.damage.is_none() && cap.warnings.is_empty(),
            "{what}: {cap:?}"
        );
        let eth = Interface {
            link_type: LinkType::ETHERNET,
            snaplen: 65535,
            name: Some("eth0".into()),
            description: Some("uplink".into()),
            section: 0,
            counts: None,
        };
        let raw = Interface {
            link_type: LinkType::RAW,
            snaplen: 0,
            name: None,
            description: None,
            section: 0,
            counts: None,
        };
        assert_eq!(cap.interfaces, [eth, raw], "{what}");
        let want = [
            record(a + 28, 1_600_000_000_123_456_000, 60, 60, 0),
            record(b + 28, 1_600_000_000_123_456_789, 5, 1500, 1),
        ];
        assert_eq!(cap.packets, want, "{what}");
        assert_eq!(cap.data(0), &[0xaa; 60]);
        assert_eq!(cap.data(1), &[0xbb; 5]);
        assert_eq!(
            (cap.link_type(0), cap.link_type(1)),
            (LinkType::ETHERNET, LinkType::RAW)
        );
        assert_eq!(cap.encapsulation_name(), "per-packet");
        let want = [comment(None, "section note"), comment(Some(0), "first")];
        assert_eq!(cap.comments, want, "{what}");
    }
}

#[test]
fn resolutions_and_offsets() {
    for be in [false, true] {
        let mut w = NgWriter::new();
        w.shb(be, &[]);
        let offset = bytes64(1000, be);
        w.idb(1, 0, &[(9, &[0x8a]), (14, &offset)]); // 2^-10 s units
        let offset = bytes64(-5, be);
        w.idb(1, 0, &[(9, &[0]), (14, &offset)]); // whole seconds
        w.idb(1, 0, &[(9, &[12])]); // picoseconds
        w.idb(1, 0, &[(9, &[0x80 | 30])]); // 2^-30 s units
        w.epb(0, 1536, b"a", 1, &[]);
        w.epb(1, 7, b"b", 1, &[]);
        w.epb(2, 3_000_000, b"c", 1, &[]);
        w.epb(3, 3 << 30, b"d", 1, &[]);
        let cap = open(&w);
        let ts: Vec<i64> = cap.packets.iter().map(|p| p.ts_ns).collect();
        assert_eq!(
            ts,
            [1_001_500_000_000, 2_000_000_000, 3000, 3_000_000_000],
            "be {be}"
        );
    }
}

#[test]
fn timestamps_saturate_instead_of_overflowing() {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    let offset = bytes64(i64::MAX, false);
    w.idb(1, 0, &[(9, &[0]), (14, &offset)]);
    w.idb(1, 0, &[(9, &[0x7f])]); // 10^-127 s: every timestamp rounds to 0
    w.idb(1, 0, &[(9, &[0xff])]); // 2^-127 s
    for if_id in 0..3 {
        w.epb(if_id, u64::MAX, b"x", 1, &[]);
    }
    let ts: Vec<i64> = open(&w).packets.iter().map(|p| p.ts_ns).collect();
    assert_eq!(ts, [i64::MAX, 0, 0]);
}

#[test]
fn sections_restart_interface_numbering() {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    w.idb(1, 1500, &[]);
    w.idb(113, 1500, &[]);
    w.epb(1, 10, b"s0", 2, &[]);
    w.shb(true, &[(1, b"second")]);
    w.idb(101, 0, &[]);
    w.epb(0, 20, b"s1", 2, &[(1, b"on raw")]);
    w.epb(1, 30, b"s1?", 3, &[]);
    w.epb(1, 31, b"s1??", 4, &[]);
    w.shb(false, &[]);
    w.idb(239, 0, &[]);
    w.epb(0, 40, b"s2", 2, &[]);
    let cap = open(&w);
    assert!(cap.damage.is_none(), "{:?}", cap.damage);
    let summary: Vec<(LinkType, u32)> = cap
        .interfaces
        .iter()
        .map(|i| (i.link_type, i.section))
        .collect();
    let want = [
        (LinkType::ETHERNET, 0),
        (LinkType::LINUX_SLL, 0),
        (LinkType::RAW, 1),
        (LinkType::UNKNOWN, 1),
        (LinkType::NFLOG, 2),
    ];
    assert_eq!(summary, want);
    let ifaces: Vec<u32> = cap.packets.iter().map(|p| p.iface()).collect();
    assert_eq!(ifaces, [1, 2, 3, 3, 4]);
    assert_eq!(cap.link_type(2), LinkType::UNKNOWN);
    assert_eq!(cap.data(3), b"s1??");
    assert_eq!(cap.packets[1].ts_ns, 20_000);
    assert_eq!(
        cap.warnings,
        ["packet 3 uses undefined interface 1 of section 1 (link type unknown)"]
    );
    assert_eq!(
        cap.comments,
        [comment(None, "second"), comment(Some(1), "on raw")]
    );
}

#[test]
fn simple_packet_blocks() {
    for be in [false, true] {
        let mut w = NgWriter::new();
        w.shb(be, &[]);
        w.idb(1, 62, &[]);
        w.epb(0, 5_000_000, b"epb", 3, &[]);
        let a = w.spb(1000, &[1; 64]);
        let b = w.spb(3, &[2, 2, 2]);
        let cap = open(&w);
        let want = [
            record(a + 12, 5_000_000_000, 62, 1000, 0),
            record(b + 12, 5_000_000_000, 3, 3, 0),
        ];
        assert_eq!(cap.packets[1..], want, "be {be}");
        assert_eq!(cap.data(2), [2, 2, 2]);
    }
}

#[test]
fn simple_packet_without_interface() {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    let a = w.spb(10, &[9; 12]);
    let cap = open(&w);
    assert_eq!(cap.packets, [record(a + 12, 0, 10, 10, 0)]);
    assert_eq!(cap.link_type(0), LinkType::UNKNOWN);
    assert_eq!(cap.warnings.len(), 1);
}

#[test]
fn obsolete_packet_blocks() {
    for be in [false, true] {
        let mut w = NgWriter::new();
        w.shb(be, &[]);
        w.idb(0, 0, &[]);
        w.idb(108, 0, &[(9, &[3])]);
        let a = w.pb(1, 42, &[7; 10], 20);
        let cap = open(&w);
        assert_eq!(
            cap.packets,
            [record(a + 28, 42_000_000, 10, 20, 1)],
            "be {be}"
        );
        assert_eq!(cap.link_type(0), LinkType::LOOP);
        assert_eq!(cap.data(0), [7; 10]);
    }
}

#[test]
fn other_blocks_are_skipped() {
    let mut w = NgWriter::new();
    w.shb(true, &[]);
    w.block(4, b"\xff\xff\xff\xff garbage name records"); // NRB
    w.idb(1, 0, &[]);
    w.block(5, b"short"); // ISB too short to parse: said, not damage
    w.block(0x0bad, b"custom");
    w.block(0x1234_5678, &[]);
    let a = w.epb(0, 1, b"kept", 4, &[]);
    let cap = open(&w);
    assert!(cap.damage.is_none());
    assert_eq!(
        cap.warnings,
        ["an interface statistics block of section 0 cannot be read"]
    );
    assert_eq!(cap.packets, [record(a + 28, 1000, 4, 4, 0)]);
}

#[test]
fn packet_comments_are_kept() {
    let mut w = NgWriter::new();
    w.shb(false, &[(1, b"one"), (1, b"two\0")]);
    w.idb(1, 0, &[]);
    w.epb(0, 1, b"x", 1, &[]);
    w.epb(
        0,
        2,
        b"y",
        1,
        &[(1, b"a"), (2, b"\0\0\0\x01"), (1, b"b\xff")],
    );
    let cap = open(&w);
    let want = [
        comment(None, "one"),
        comment(None, "two"),
        comment(Some(1), "a"),
        comment(Some(1), "b\u{fffd}"),
    ];
    assert_eq!(cap.comments, want);
}

/// A file with one SHB and IDB, then `tail` (raw bytes) after one good packet.
fn with_tail(tail: &[u8]) -> (Capture, usize) {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    w.idb(1, 0, &[]);
    w.epb(0, 1, b"good", 4, &[]);
    let at = w.buf.len();
    w.buf.extend_from_slice(tail);
    (open(&w), at)
}

#[test]
fn bad_block_lengths() {
    let block = |len: u32| {
        [6u32, len, 0, 0, 0, 0, 0, len]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    for len in [7, 14, 20] {
        let (cap, at) = with_tail(&block(len));
        let d = cap.damage.unwrap();
        assert_eq!(
            d.message(),
            format!("bad pcapng block length {len} at offset {at}")
        );
        assert_eq!((d.packets_before, d.offset), (1, at as u64));
    }
}

#[test]
fn mismatched_lengths() {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    w.idb(1, 0, &[]);
    let at = w.epb(0, 1, b"bad", 3, &[]);
    let end = w.buf.len();
    w.buf[end - 4] = 40;
    let cap = open(&w);
    let d = cap.damage.unwrap();
    let want =
        format!("pcapng block at offset {at} has mismatched lengths (36 at start, 40 at end)");
    assert_eq!((d.message(), d.packets_before), (want, 0));
}

#[test]
fn caplen_larger_than_its_block() {
    for block_type in [6u32, 2] {
        let mut w = NgWriter::new();
        w.shb(false, &[]);
        w.idb(1, 0, &[]);
        w.epb(0, 1, b"ok", 2, &[]);
        let at = w.epb(0, 1, &[0; 64], 64, &[]);
        w.buf[at..at + 4].copy_from_slice(&block_type.to_le_bytes());
        w.buf[at + 20..at + 24].copy_from_slice(&1514u32.to_le_bytes());
        let cap = open(&w);
        let d = cap.damage.clone().unwrap();
        let want = format!(
            "packet 2 claims 1514 captured bytes but its block at offset {at} holds only 64"
        );
        assert_eq!(d.message(), want);
        assert_eq!(cap.len(), 1);
    }
}

#[test]
fn byte_order_magic_decides_what_is_pcapng() {
    let mut bytes = vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0];
    bytes.extend_from_slice(b"XXXX but no BOM");
    match Capture::from_bytes(bytes) {
        Err(OpenError::NotCapture { hex }) => assert_eq!(hex, "0a 0d 0d 0a"),
        other => panic!("{other:?}"),
    }
    let cap = Capture::from_bytes(vec![0x0a, 0x0d, 0x0d, 0x0a, 28, 0]).unwrap();
    let d = cap.damage.unwrap();
    assert_eq!(
        d.message(),
        "file ends inside a block at offset 0 (needed 28 bytes, 6 left)"
    );
    assert_eq!(cap.format, Some(Format::PcapNg));

    let mut w = NgWriter::new();
    w.shb(false, &[]);
    let at = w.shb(false, &[]);
    w.buf[at + 8] = 0;
    let d = open(&w).damage.unwrap();
    assert_eq!(
        d.message(),
        format!("bad byte-order magic in the section header at offset {at}")
    );
}

/// A file of several sections and block kinds. Returns it, the end of every block, and the
/// end of every packet block.
fn mixed() -> (Vec<u8>, Vec<usize>, Vec<usize>) {
    let mut w = NgWriter::new();
    let mut ends = Vec::new();
    let mut packet_ends = Vec::new();
    let mut add = |w: &NgWriter, packet: bool| {
        ends.push(w.buf.len());
        if packet {
            packet_ends.push(w.buf.len());
        }
    };
    w.shb(false, &[(1, b"hello")]);
    add(&w, false);
    w.idb(1, 0, &[(2, b"eth0")]);
    add(&w, false);
    w.epb(0, 1, &[1; 33], 40, &[(1, b"note")]);
    add(&w, true);
    w.spb(20, &[2; 20]);
    add(&w, true);
    w.block(4, &[0; 8]);
    add(&w, false);
    w.shb(true, &[]);
    add(&w, false);
    w.idb(101, 0, &[]);
    add(&w, false);
    w.pb(0, 5, &[3; 7], 7);
    add(&w, true);
    w.epb(0, 6, &[], 0, &[]);
    add(&w, true);
    (w.buf, ends, packet_ends)
}

#[test]
fn truncated_at_every_length() {
    let (full, ends, packet_ends) = mixed();
    for cut in 0..=full.len() {
        match Capture::from_bytes(full[..cut].to_vec()) {
            Ok(cap) if cut == 0 => assert!(cap.format.is_none() && cap.damage.is_none()),
            Err(OpenError::NotCapture { .. }) if cut < 4 => {}
            Ok(cap) => {
                let whole = packet_ends.iter().filter(|&&e| e <= cut).count();
                // The first EPB (after the SHB and IDB) holds 33 bytes of data from its
                // 28th byte: cut inside them, it is listed with what is there. The other
                // packet blocks are an SPB, a PB and an EPB without data: never listed cut.
                let epb_data = ends[1] + 28;
                let partial = (epb_data + 1..epb_data + 33).contains(&cut);
                assert_eq!(cap.len(), whole + usize::from(partial), "cut at {cut}");
                assert_eq!(cap.damage.is_none(), ends.contains(&cut), "cut at {cut}");
                if let Some(d) = &cap.damage {
                    let start = ends.iter().rev().find(|&&e| e <= cut).copied().unwrap_or(0);
                    assert_eq!(
                        (d.offset as usize, d.packets_before),
                        (start, whole),
                        "cut at {cut}"
                    );
                    assert_eq!(d.cut_packet.is_some(), partial, "cut at {cut}");
                }
                if partial {
                    let rec = cap.packets[0];
                    assert_eq!(rec.offset() as usize, epb_data);
                    assert_eq!(rec.caplen as usize, cut - epb_data);
                    assert_eq!(rec.origlen, 40);
                    assert_eq!(cap.data(0), &full[epb_data..cut]);
                    assert!(cap.data(0).iter().all(|&b| b == 1));
                    assert_eq!(cap.cut_len(0), Some(33));
                    assert_eq!(cap.cut_len(1), None);
                }
                for (i, rec) in cap.packets.iter().enumerate() {
                    assert!(
                        rec.offset() + u64::from(rec.caplen) <= cut as u64,
                        "cut {cut} packet {i}"
                    );
                }
            }
            Err(e) => panic!("cut at {cut}: {e}"),
        }
    }
}

#[test]
fn truncation_messages() {
    let (full, ends, _) = mixed();
    let damage = |cut: usize| {
        Capture::from_bytes(full[..cut].to_vec())
            .unwrap()
            .damage
            .unwrap()
            .message()
    };
    let epb_len = ends[2] - ends[1];
    assert_eq!(
        damage(ends[1] + 40),
        format!("file ends inside packet 1 (needed {epb_len} bytes, 40 left)")
    );
    assert_eq!(
        damage(ends[2] + 5),
        "file ends inside packet 2 (needed 16 bytes, 5 left)"
    );
    let idb_len = ends[1] - ends[0];
    assert_eq!(
        damage(ends[0] + 10),
        format!(
            "file ends inside a block at offset {} (needed {idb_len} bytes, 10 left)",
            ends[0]
        )
    );
    assert_eq!(
        damage(ends[3] + 2),
        format!(
            "file ends inside a block at offset {} (needed 12 bytes, 2 left)",
            ends[3]
        )
    );
    assert_eq!(
        damage(ends[4] + 9),
        format!(
            "file ends inside a block at offset {} (needed 28 bytes, 9 left)",
            ends[4]
        )
    );
}

/// An interface is 16 bits of a packet's index record: a file that describes
/// more interfaces than that is read up to the block that adds one too many.
#[test]
fn more_interfaces_than_the_index_holds_is_damage() {
    let mut w = NgWriter::new();
    w.shb(false, &[]);
    w.idb(1, 0, &[]);
    w.epb(0, 1, b"first", 5, &[]);
    for _ in 1..PacketRecord::MAX_INTERFACES {
        w.idb(1, 0, &[]);
    }
    w.epb(65_535, 2, b"last one", 8, &[]);
    let at = w.buf.len();
    w.idb(1, 0, &[]);
    w.epb(0, 3, b"never read", 10, &[]);
    let cap = open(&w);
    assert_eq!(cap.interfaces.len(), PacketRecord::MAX_INTERFACES);
    assert_eq!(cap.len(), 2);
    assert_eq!(cap.packets[1].iface(), 65_535);
    assert_eq!(cap.data(1), b"last one");
    let d = cap.damage.expect("stopped at the extra interface");
    assert_eq!(
        d.message(),
        format!("more than 65536 interfaces (block at offset {at})")
    );
    assert_eq!(d.packets_before, 2);
}
