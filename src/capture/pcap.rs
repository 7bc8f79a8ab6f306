//! Classic pcap: a 24-byte file header, then records of a 16-byte header (24 in the
//! "modified" format) and the captured bytes.

use super::index::{u32_at, Halt, Index, ReadAhead};
use super::{DamageKind, Format, Interface, LinkType, PacketRecord};
use pcap_parser::pcap::{
    parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified, parse_pcap_header,
    LegacyPcapBlock,
};

/// A record claiming more captured bytes than this is damage, not something to read.
pub(crate) const MAX_CAPLEN: u32 = 256 << 20;

const FILE_HEADER_LEN: usize = 24;

/// The pcap variant named by a magic number (the file's first 4 bytes, as stored). Matched
/// by hand because the format is needed before the header is parsed (and pcap-parser does
/// not recognize the big-endian modified magic).
pub(crate) fn detect(magic: [u8; 4]) -> Option<Layout> {
    let (nanos, big_endian, modified) = match u32::from_le_bytes(magic) {
        0xa1b2_c3d4 => (false, false, false),
        0xd4c3_b2a1 => (false, true, false),
        0xa1b2_3c4d => (true, false, false),
        0x4d3c_b2a1 => (true, true, false),
        0xa1b2_cd34 => (false, false, true),
        0x34cd_b2a1 => (false, true, true),
        _ => return None,
    };
    Some(Layout {
        nanos,
        big_endian,
        modified,
    })
}

/// The byte order and record layout of one pcap file.
#[derive(Clone, Copy)]
pub(crate) struct Layout {
    nanos: bool,
    big_endian: bool,
    modified: bool,
}

impl Layout {
    pub(crate) fn format(self) -> Format {
        Format::Pcap {
            nanos: self.nanos,
            big_endian: self.big_endian,
            modified: self.modified,
        }
    }

    fn record_header_len(self) -> usize {
        if self.modified {
            24
        } else {
            16
        }
    }
}

/// Indexes records of a pcap file of the layout `detect` found, from file offset `pos` (0:
/// the file header first). Returns where the next record starts. With `at_end` false, a
/// header or record that `data` cuts short is left for a later call (the file is still being
/// written); otherwise it is damage.
pub(crate) fn index_from(
    data: &[u8],
    layout: Layout,
    idx: &mut Index,
    mut pos: usize,
    at_end: bool,
) -> usize {
    if pos == 0 {
        match file_header(data, layout) {
            Some(iface) => {
                idx.interfaces.push(iface);
                pos = FILE_HEADER_LEN;
            }
            None if !at_end => return 0,
            None => {
                let kind = DamageKind::CutInsideFileHeader {
                    needed: FILE_HEADER_LEN,
                    left: data.len(),
                };
                idx.stop(kind, 0);
                return 0;
            }
        }
    }
    let mut ahead = ReadAhead::from(pos);
    while pos < data.len() {
        ahead.advance(data, pos);
        match record(&data[pos..], layout, idx.next_number()) {
            Ok(frame) => {
                let offset = pos + layout.record_header_len();
                pos = offset + frame.data.len();
                idx.push(packet(&frame, offset, layout), pos, data.len());
            }
            Err(Halt::Cut(_)) if !at_end => break,
            Err(Halt::Cut(kind)) => {
                match cut_packet(&data[pos..], pos, layout) {
                    Some((rec, claimed)) => idx.stop_in_packet(kind, pos, rec, claimed),
                    None => idx.stop(kind, pos),
                }
                break;
            }
            Err(halt) => {
                idx.stop(halt.into_kind(), pos);
                break;
            }
        }
    }
    pos
}

/// The record at the start of `rest` (file offset `pos`), which the end of the file cuts
/// inside its captured bytes: its index record with the bytes that are there, and the
/// captured length its header claimed. `None` when there is nothing to show (the header is
/// cut, or no byte of data is there) or the claim is absurd.
fn cut_packet(rest: &[u8], pos: usize, layout: Layout) -> Option<(PacketRecord, u32)> {
    let hdr = layout.record_header_len();
    let data = rest.get(hdr..).filter(|d| !d.is_empty())?;
    let be = layout.big_endian;
    let claimed = u32_at(rest, 8, be);
    if claimed > MAX_CAPLEN || claimed as usize <= data.len() {
        return None;
    }
    let frame = LegacyPcapBlock {
        ts_sec: u32_at(rest, 0, be),
        ts_usec: u32_at(rest, 4, be),
        caplen: data.len() as u32,
        origlen: u32_at(rest, 12, be),
        data,
    };
    Some((packet(&frame, pos + hdr, layout), claimed))
}

/// The file's one interface, from the header; `None` if the header is cut short.
fn file_header(data: &[u8], layout: Layout) -> Option<Interface> {
    let (snaplen, network) = if layout.modified && layout.big_endian {
        // pcap-parser 0.17 knows the modified magic only in little-endian order.
        if data.len() < FILE_HEADER_LEN {
            return None;
        }
        (u32_at(data, 16, true), u32_at(data, 20, true))
    } else {
        let (_, hdr) = parse_pcap_header(data).ok()?;
        (hdr.snaplen, hdr.network.0 as u32)
    };
    Some(Interface {
        // The upper bits of the link type field carry FCS flags, not the type (LT_LINKTYPE).
        link_type: LinkType(network & 0x03ff_ffff),
        snaplen,
        name: None,
        description: None,
        section: 0,
        counts: None,
    })
}

/// The record at the start of `rest`, or why it cannot be read (packet number `n`).
fn record(rest: &[u8], layout: Layout, n: usize) -> Result<LegacyPcapBlock<'_>, Halt> {
    let hdr = layout.record_header_len();
    if rest.len() < hdr {
        return Err(Halt::Cut(DamageKind::CutInsideRecordHeader {
            packet: n,
            needed: hdr,
            left: rest.len(),
        }));
    }
    // Read before parsing so that an absurd length is refused rather than chased.
    let caplen = u32_at(rest, 8, layout.big_endian);
    if caplen > MAX_CAPLEN {
        return Err(Halt::Bad(DamageKind::CaplenOverLimit {
            packet: n,
            caplen,
            limit: MAX_CAPLEN,
        }));
    }
    let left = rest.len() - hdr;
    if caplen as usize > left {
        return Err(Halt::Cut(DamageKind::CutInsidePacket {
            packet: n,
            needed: caplen as usize,
            left,
        }));
    }
    parse_frame(rest, layout).ok_or(Halt::Bad(DamageKind::UnreadableRecordHeader { packet: n }))
}

/// Parses one whole record (the caller checked it is all there).
fn parse_frame(rest: &[u8], layout: Layout) -> Option<LegacyPcapBlock<'_>> {
    let parsed = match (layout.modified, layout.big_endian) {
        (false, false) => parse_pcap_frame(rest),
        (false, true) => parse_pcap_frame_be(rest),
        (true, false) => parse_pcap_frame_modified(rest),
        (true, true) => return modified_frame_be(rest),
    };
    parsed.ok().map(|(_, frame)| frame)
}

/// A big-endian modified-pcap record, read by hand: pcap-parser 0.17 has only the
/// little-endian `parse_pcap_frame_modified`. The 8 extra header bytes (ifindex, protocol,
/// packet type) are skipped.
fn modified_frame_be(rest: &[u8]) -> Option<LegacyPcapBlock<'_>> {
    let caplen = u32_at(rest, 8, true);
    let data = rest.get(24..)?.get(..caplen as usize)?;
    Some(LegacyPcapBlock {
        ts_sec: u32_at(rest, 0, true),
        ts_usec: u32_at(rest, 4, true),
        caplen,
        origlen: u32_at(rest, 12, true),
        data,
    })
}

/// The index record of `frame`, whose data starts at file offset `offset`.
fn packet(frame: &LegacyPcapBlock<'_>, offset: usize, layout: Layout) -> PacketRecord {
    let frac_ns = if layout.nanos {
        i64::from(frame.ts_usec)
    } else {
        i64::from(frame.ts_usec) * 1000
    };
    PacketRecord::new(
        offset as u64,
        // Both parts are u32, so this cannot overflow an i64 (at most about 4.3e18).
        i64::from(frame.ts_sec) * 1_000_000_000 + frac_ns,
        frame.data.len() as u32,
        frame.origlen,
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::PcapWriter;
    use super::super::{Capture, LinkType, OpenError};
    use super::*;

    const MAGICS: [(u32, bool, bool); 3] = [
        (0xa1b2_c3d4, false, false),
        (0xa1b2_3c4d, true, false),
        (0xa1b2_cd34, false, true),
    ];

    /// Three records: full, snaplen-truncated, empty.
    fn sample(magic: u32, be: bool) -> PcapWriter {
        let mut w = PcapWriter::new(magic, be, 1, 96);
        w.record(1_600_000_000, 999_999, &[0x11; 60], 60);
        w.record(1_600_000_001, 5, &[0x22; 96], 1514);
        w.record(0, 0, &[], 0);
        w
    }

    #[test]
    fn every_field_of_every_variant() {
        for (magic, nanos, modified) in MAGICS {
            for be in [false, true] {
                let cap = Capture::from_bytes(sample(magic, be).buf).unwrap();
                let what = format!("magic {magic:x} be {be}");
                let format = Format::Pcap {
                    nanos,
                    big_endian: be,
                    modified,
                };
                assert_eq!(cap.format, Some(format), "{what}");
                assert_eq!(cap.interfaces.len(), 1);
                assert_eq!(cap.interfaces[0].link_type, LinkType::ETHERNET);
                assert_eq!(cap.interfaces[0].snaplen, 96);
                assert!(cap.damage.is_none() && cap.warnings.is_empty(), "{what}");
                let h = if modified { 24 } else { 16 };
                let unit = if nanos { 1 } else { 1000 };
                let want = [
                    (24 + h, 1_600_000_000_000_000_000 + 999_999 * unit, 60, 60),
                    (
                        24 + h + 60 + h,
                        1_600_000_001_000_000_000 + 5 * unit,
                        96,
                        1514,
                    ),
                    (24 + 3 * h + 156, 0, 0, 0),
                ];
                assert_eq!(cap.len(), 3, "{what}");
                for (i, (offset, ts_ns, caplen, origlen)) in want.into_iter().enumerate() {
                    let got = cap.packets[i];
                    let expected = PacketRecord::new(offset, ts_ns, caplen, origlen, 0);
                    assert_eq!(got, expected, "{what} packet {i}");
                }
                assert_eq!(cap.data(0), &[0x11; 60]);
                assert_eq!(cap.data(1), &[0x22; 96]);
                assert_eq!(cap.data(2), b"");
            }
        }
    }

    #[test]
    fn fcs_bits_are_masked_from_the_link_type() {
        // Link type 1 with "FCS length 4 present" (bits 28-31 = 2, bit 26 set).
        let w = PcapWriter::new(0xa1b2_c3d4, false, 0x2400_0001, 0);
        let cap = Capture::from_bytes(w.buf).unwrap();
        assert_eq!(cap.interfaces[0].link_type, LinkType::ETHERNET);
        assert!(cap.is_empty() && cap.damage.is_none());
    }

    #[test]
    fn truncated_at_every_length() {
        for (magic, _, modified) in MAGICS {
            for be in [false, true] {
                let full = sample(magic, be).buf;
                let h = if modified { 24 } else { 16 };
                let ends = [24, 24 + h + 60, 24 + 2 * h + 156, 24 + 3 * h + 156];
                assert_eq!(ends[3], full.len());
                for cut in 0..=full.len() {
                    check_cut(&full, cut, &ends, h);
                }
            }
        }
    }

    /// `ends`: where the file header and each record end; `h`: the record header's length.
    fn check_cut(full: &[u8], cut: usize, ends: &[usize], h: usize) {
        let bytes = &full[..cut];
        match Capture::from_bytes(bytes.to_vec()) {
            Ok(cap) if cut == 0 => assert!(cap.format.is_none() && cap.damage.is_none()),
            Err(OpenError::NotCapture { .. }) if (1..4).contains(&cut) => {}
            Ok(cap) => {
                let whole = ends[1..].iter().filter(|&&e| e <= cut).count();
                // Cut inside a record's data, with at least one byte of it there: listed.
                let data_at = ends.get(whole).map_or(usize::MAX, |&e| e + h);
                let partial = cut > data_at && !ends.contains(&cut);
                assert_eq!(cap.len(), whole + usize::from(partial), "cut at {cut}");
                let clean = ends.contains(&cut);
                assert_eq!(cap.damage.is_none(), clean, "cut at {cut}");
                if let Some(d) = cap.damage.clone() {
                    assert_eq!(d.packets_before, whole);
                    assert_eq!(
                        d.offset as usize,
                        if whole == 0 && cut < 24 {
                            0
                        } else {
                            ends[whole]
                        }
                    );
                    assert_eq!(d.cut_packet.is_some(), partial, "cut at {cut}");
                    if let Some(c) = d.cut_packet {
                        let claimed = ends[whole + 1] - data_at;
                        assert_eq!((c.index, c.claimed_caplen as usize), (whole, claimed));
                        let rec = cap.packets[whole];
                        assert_eq!(rec.offset() as usize, data_at);
                        assert_eq!(rec.caplen as usize, cut - data_at);
                        // The header's other fields are kept.
                        let full_cap = Capture::from_bytes(full.to_vec()).unwrap();
                        let want = full_cap.packets[whole];
                        assert_eq!((rec.ts_ns, rec.origlen), (want.ts_ns, want.origlen));
                        assert_eq!(cap.data(whole), &full[data_at..cut]);
                        assert_eq!(cap.cut_len(whole), Some(claimed as u32));
                    }
                }
            }
            Err(e) => panic!("cut at {cut}: {e}"),
        }
    }

    #[test]
    fn damage_messages() {
        let full = sample(0xa1b2_c3d4, false).buf;
        let msg = |cut: usize| {
            Capture::from_bytes(full[..cut].to_vec())
                .unwrap()
                .damage
                .unwrap()
        };
        // Packet 2's header starts at 100 and its 96 data bytes at 116.
        let d = msg(100 + 5);
        assert_eq!(
            d.message(),
            "file ends inside the header of packet 2 (needed 16 bytes, 5 left)"
        );
        assert_eq!((d.packets_before, d.offset), (1, 100));
        let d = msg(116 + 40);
        assert_eq!(
            d.message(),
            "file ends inside packet 2 (needed 96 bytes, 40 left)"
        );
        // The reason is typed; its text is the message.
        let kind = super::super::DamageKind::CutInsidePacket {
            packet: 2,
            needed: 96,
            left: 40,
        };
        assert_eq!(d.kind, kind);
        assert_eq!(d.to_string(), d.message());
        // The message is the same, and packet 2 is listed with its 40 bytes.
        assert_eq!((d.packets_before, d.offset), (1, 100));
        let c = d.cut_packet.expect("packet 2 is listed, cut");
        assert_eq!((c.index, c.claimed_caplen), (1, 96));
        let d = msg(10);
        assert_eq!(
            d.message(),
            "file ends inside the pcap file header (needed 24 bytes, 10 left)"
        );

        let modified = sample(0xa1b2_cd34, true).buf;
        let cap = Capture::from_bytes(modified[..24 + 20].to_vec()).unwrap();
        assert_eq!(
            cap.damage.unwrap().message(),
            "file ends inside the header of packet 1 (needed 24 bytes, 20 left)"
        );
    }

    #[test]
    fn absurd_caplen_is_damage() {
        let mut w = PcapWriter::new(0xa1b2_c3d4, true, 1, 65535);
        w.record(1, 1, b"ok", 2);
        w.raw_record_header(2, 2, u32::MAX, 60);
        w.buf.extend_from_slice(&[0; 64]);
        let cap = Capture::from_bytes(w.buf).unwrap();
        assert_eq!(cap.len(), 1);
        let d = cap.damage.unwrap();
        assert_eq!(
            d.message(),
            "packet 2 claims 4294967295 captured bytes (limit 268435456)"
        );
        assert_eq!((d.packets_before, d.offset), (1, 24 + 18));

        // Just over the limit is refused as a claim; at the limit it is merely cut short.
        let message = |caplen: u32| {
            let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 0);
            w.raw_record_header(1, 1, caplen, caplen);
            w.buf.extend_from_slice(&[0; 64]);
            Capture::from_bytes(w.buf)
                .unwrap()
                .damage
                .unwrap()
                .message()
        };
        assert_eq!(
            message(MAX_CAPLEN + 1),
            "packet 1 claims 268435457 captured bytes (limit 268435456)"
        );
        assert_eq!(
            message(MAX_CAPLEN),
            "file ends inside packet 1 (needed 268435456 bytes, 64 left)"
        );
    }
}
