//! Property tests: no input panics, and every indexed packet lies inside the file.

use super::testutil::{put32, NgWriter, PcapWriter};
use super::{Capture, OpenError};
use proptest::prelude::*;

/// Opens `bytes` and checks every invariant of the result.
fn check(bytes: Vec<u8>) {
    let len = bytes.len() as u64;
    match Capture::from_bytes(bytes) {
        Ok(cap) => invariants(&cap, len),
        Err(OpenError::NotCapture { hex }) => assert!(hex.len() <= 11, "{hex}"),
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn invariants(cap: &Capture, len: u64) {
    assert_eq!(cap.file_len(), len);
    for (i, rec) in cap.packets.iter().enumerate() {
        assert!(
            rec.offset() + u64::from(rec.caplen) <= len,
            "packet {i}: {rec:?}"
        );
        assert_eq!(cap.data(i).len(), rec.caplen as usize);
        assert!(
            (rec.iface() as usize) < cap.interfaces.len(),
            "packet {i}: {rec:?}"
        );
    }
    if let Some(d) = &cap.damage {
        // Every whole packet before the damage, and the packet the end cut short if any.
        let cut = usize::from(d.cut_packet.is_some());
        assert_eq!(d.packets_before + cut, cap.len(), "{d:?}");
        assert!(d.offset < len, "{d:?}");
        if let Some(c) = d.cut_packet {
            assert_eq!(c.index, d.packets_before);
            let rec = cap.packets[c.index];
            assert!(
                rec.caplen > 0 && rec.caplen < c.claimed_caplen,
                "{d:?} {rec:?}"
            );
            // The cut packet runs to the end of the file.
            assert_eq!(rec.offset() + u64::from(rec.caplen), len, "{d:?} {rec:?}");
        }
    }
    for i in 0..cap.len() {
        let cut = cap.damage.as_ref().and_then(|d| d.cut_packet);
        assert_eq!(cap.cut_len(i).is_some(), cut.is_some_and(|c| c.index == i));
    }
    // Memory stays in proportion to the file: every packet and interface costs >= 12 bytes.
    assert!(cap.len() as u64 <= len / 12);
    assert!(cap.interfaces.len() as u64 <= len / 12);
    assert!(cap.warnings.len() <= 101);
}

fn pcap_magic() -> impl Strategy<Value = u32> {
    prop::sample::select(vec![0xa1b2_c3d4u32, 0xa1b2_3c4d, 0xa1b2_cd34])
}

/// A block type worth generating: the ones the indexer reads, and a few it skips.
fn block_type() -> impl Strategy<Value = u32> {
    prop_oneof![
        prop::sample::select(vec![0x0a0d_0d0au32, 1, 2, 3, 4, 5, 6, 0x0bad]),
        any::<u32>(),
    ]
}

/// A pcapng block: type, body, and optionally a wrong length patched over the right one.
type Block = (u32, Vec<u8>, Option<u32>);

fn blocks() -> impl Strategy<Value = Vec<Block>> {
    let length = prop_oneof![
        Just(None),
        (0u32..200).prop_map(Some),
        any::<u32>().prop_map(Some)
    ];
    let block = (
        block_type(),
        prop::collection::vec(any::<u8>(), 0..80),
        length,
    );
    prop::collection::vec(block, 0..12)
}

/// A valid SHB and IDB, then `blocks` with valid framing unless a length is patched.
fn block_soup(be: bool, link: u16, blocks: &[Block]) -> Vec<u8> {
    let mut w = NgWriter::new();
    w.shb(be, &[]);
    w.idb(link, 0, &[(9, &[0x86])]);
    for (block_type, body, length) in blocks {
        let at = if *block_type == 0x0a0d_0d0a && body.len() >= 4 {
            w.shb(body[0] & 1 == 1, &[])
        } else {
            w.block(*block_type, body)
        };
        if let Some(len) = length {
            let mut bytes = Vec::new();
            put32(&mut bytes, *len, w.be);
            w.buf[at + 4..at + 8].copy_from_slice(&bytes);
        }
    }
    w.buf
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        check(bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_pcap_header(
        magic in pcap_magic(),
        be: bool,
        link: u32,
        snaplen: u32,
        tail in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut w = PcapWriter::new(magic, be, link, snaplen);
        w.buf.extend_from_slice(&tail);
        check(w.buf);
    }

    #[test]
    fn pcap_records_with_lying_lengths(
        magic in pcap_magic(),
        be: bool,
        records in prop::collection::vec((any::<u32>(), 0usize..100, 0u32..120), 0..20),
    ) {
        let mut w = PcapWriter::new(magic, be, 1, 65535);
        for (sec, have, caplen) in records {
            w.raw_record_header(sec, sec / 3, caplen, caplen);
            w.buf.extend(std::iter::repeat_n(0x5a, have));
        }
        check(w.buf);
    }

    #[test]
    fn arbitrary_bytes_after_a_section_header(
        be: bool,
        tail in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let mut w = NgWriter::new();
        w.shb(be, &[]);
        w.buf.extend_from_slice(&tail);
        check(w.buf);
    }

    #[test]
    fn pcapng_blocks_with_arbitrary_contents(be: bool, link: u16, blocks in blocks()) {
        check(block_soup(be, link, &blocks));
    }

    #[test]
    fn every_truncation_of_a_block_soup(be: bool, blocks in blocks(), cut: prop::sample::Index) {
        let bytes = block_soup(be, 1, &blocks);
        let cut = cut.index(bytes.len() + 1);
        check(bytes[..cut].to_vec());
    }
}
