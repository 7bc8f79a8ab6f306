//! pcapng: a sequence of blocks (type, length, body, length again) grouped in sections, each
//! opened by a Section Header Block that sets the byte order and restarts interface numbering.
//!
//! Block framing (type, both lengths, completeness) is checked here before a block is handed
//! to pcap-parser, so that a block that is merely cut short is told apart from one whose
//! contents contradict its length.

use super::index::{text, u16_at, u32_at, Halt, Index, ReadAhead};
use super::{Comment, DamageKind, IfaceCounts, Interface, LinkType, PacketRecord};
use pcap_parser::pcapng::{
    parse_enhancedpacketblock_be, parse_enhancedpacketblock_le, parse_interfacedescriptionblock_be,
    parse_interfacedescriptionblock_le, parse_interfacestatisticsblock_be,
    parse_interfacestatisticsblock_le, parse_sectionheaderblock, parse_simplepacketblock_be,
    parse_simplepacketblock_le, PcapNGOption, BOM_MAGIC, EPB_MAGIC, IDB_MAGIC, ISB_MAGIC,
    SHB_MAGIC, SPB_MAGIC,
};
use std::collections::HashMap;

/// The Section Header Block type as it appears in the file (the same in both byte orders).
pub(crate) const SHB_BYTES: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// The obsolete Packet Block, which pcap-parser 0.17 does not know.
const PB_TYPE: u32 = 2;

/// Option code of `opt_comment` (and `shb_comment`) in every block type.
const OPT_COMMENT: u16 = 1;

/// Interface Statistics Block options: packets received, dropped by the interface, dropped
/// by the operating system.
const ISB_IFRECV: u16 = 4;
const ISB_IFDROP: u16 = 5;
const ISB_OSDROP: u16 = 7;

/// Whether `data` (starting with the SHB block type) has a byte-order magic of either order;
/// `None` while fewer than 12 bytes are there to tell. A file that fails this is not pcapng at
/// all, just bytes that start like one.
pub(crate) fn is_pcapng(data: &[u8]) -> Option<bool> {
    (data.len() >= 12).then(|| byte_order(data).is_some())
}

/// Byte order of the SHB at the start of `shb`: `Some(true)` for big-endian. Read by hand
/// because framing needs it before the block is parsed, to read the block's length.
fn byte_order(shb: &[u8]) -> Option<bool> {
    match shb.get(8..12)?.first_chunk::<4>().copied()? {
        b if u32::from_le_bytes(b) == BOM_MAGIC => Some(false),
        b if u32::from_be_bytes(b) == BOM_MAGIC => Some(true),
        _ => None,
    }
}

fn is_packet_block(block_type: u32) -> bool {
    matches!(block_type, EPB_MAGIC | SPB_MAGIC | PB_TYPE)
}

/// The smallest valid total length of a block of this type.
fn min_len(block_type: u32) -> usize {
    match block_type {
        SHB_MAGIC => 28,
        IDB_MAGIC => 20,
        EPB_MAGIC | PB_TYPE => 32,
        SPB_MAGIC => 16,
        _ => 12,
    }
}

/// How an interface turns timestamp units into time.
#[derive(Clone, Copy)]
struct Clock {
    /// `if_tsresol`: bit 7 clear: 10^-n s per unit; set: 2^-n s.
    resol: u8,
    /// `if_tsoffset`, seconds added to every timestamp.
    offset_s: i64,
}

impl Default for Clock {
    fn default() -> Clock {
        Clock {
            resol: 6,
            offset_s: 0,
        }
    }
}

impl Clock {
    /// Nanoseconds since the epoch of a timestamp of `units`, saturating at the i64 range.
    fn ns(self, units: u64) -> i64 {
        let units = u128::from(units);
        let exp = u32::from(self.resol & 0x7f);
        // u128 holds units (< 2^64) times 10^9 (< 2^30) without overflow.
        let ns = if self.resol & 0x80 != 0 {
            (units * 1_000_000_000) >> exp
        } else if exp <= 9 {
            units * 10u128.pow(9 - exp)
        } else {
            10u128.checked_pow(exp - 9).map_or(0, |div| units / div)
        };
        let ns = i64::try_from(ns).unwrap_or(i64::MAX);
        self.offset_s
            .saturating_mul(1_000_000_000)
            .saturating_add(ns)
    }
}

/// Indexing state while walking the blocks; kept between calls while a file grows.
#[derive(Clone, Default)]
pub(crate) struct Reader {
    pub idx: Index,
    /// Sections seen so far; the current one is `sections - 1`.
    sections: u32,
    /// Byte order of the current section.
    be: bool,
    /// Global interface index of each IDB of the current section, by interface id.
    local: Vec<u32>,
    /// Placeholder interfaces made for undefined ids used in the current section.
    undefined: HashMap<u32, u32>,
    /// Clock of each interface, by global index.
    clocks: Vec<Clock>,
    /// Timestamp of the latest packet, given to Simple Packet Blocks (which have none).
    last_ts: i64,
    /// Bytes in the file so far (reservations are estimated from it).
    data_len: usize,
}

/// A packet block's header fields, whatever block type it came from.
struct Packet {
    if_id: u32,
    ts: Option<u64>,
    caplen: u32,
    origlen: u32,
    /// Offset of the data within the block.
    data_at: usize,
}

impl Reader {
    /// Reads blocks from file offset `pos`; returns where the next block starts. With
    /// `at_end` false, a block that `data` cuts short is left for a later call (the file is
    /// still being written); otherwise it, and any bad block, is damage.
    pub(crate) fn run(&mut self, data: &[u8], mut pos: usize, at_end: bool) -> usize {
        self.data_len = data.len();
        let mut ahead = ReadAhead::from(pos);
        while pos < data.len() {
            ahead.advance(data, pos);
            match self.block(data, pos) {
                Ok(len) => pos += len,
                Err(Halt::Cut(_)) if !at_end => break,
                Err(Halt::Cut(kind)) => {
                    match self.cut_packet(&data[pos..], pos) {
                        Some((rec, claimed)) => self.idx.stop_in_packet(kind, pos, rec, claimed),
                        None => self.idx.stop(kind, pos),
                    }
                    break;
                }
                Err(halt) => {
                    self.idx.stop(halt.into_kind(), pos);
                    break;
                }
            }
        }
        pos
    }

    /// Reads the block at `pos`; returns its length, or why reading must stop.
    fn block(&mut self, data: &[u8], pos: usize) -> Result<usize, Halt> {
        let (block_type, len) = self.frame(data, pos)?;
        let block = &data[pos..pos + len];
        match block_type {
            SHB_MAGIC => self.section(block, pos),
            IDB_MAGIC => self.interface(block, pos),
            EPB_MAGIC => self.enhanced(block, pos),
            SPB_MAGIC => self.simple(block, pos),
            PB_TYPE => self.obsolete(block, pos),
            ISB_MAGIC => {
                self.statistics(block);
                Ok(())
            }
            _ => Ok(()), // name resolution, secrets, custom, unknown: nothing to index
        }
        .map_err(Halt::Bad)?;
        Ok(len)
    }

    /// Checks the framing of the block at `pos`: returns its type and length.
    fn frame(&self, data: &[u8], pos: usize) -> Result<(u32, usize), Halt> {
        let rest = &data[pos..];
        let is_shb = rest.starts_with(&SHB_BYTES);
        if is_shb && rest.len() < 12 {
            return Err(self.cut(Some(SHB_MAGIC), 28, rest.len(), pos));
        }
        let be = if is_shb {
            byte_order(rest).ok_or(Halt::Bad(DamageKind::BadByteOrderMagic { offset: pos }))?
        } else {
            self.be
        };
        let block_type = (rest.len() >= 4).then(|| u32_at(rest, 0, be));
        if rest.len() < 8 {
            let needed = block_type.map_or(12, min_len);
            return Err(self.cut(block_type, needed, rest.len(), pos));
        }
        let block_type = block_type.unwrap_or_default();
        let len = u32_at(rest, 4, be);
        if !len.is_multiple_of(4) || (len as usize) < min_len(block_type) {
            return Err(Halt::Bad(DamageKind::BadBlockLength {
                length: len,
                offset: pos,
            }));
        }
        if len as usize > rest.len() {
            return Err(self.cut(Some(block_type), len as usize, rest.len(), pos));
        }
        let len = len as usize;
        let trailer = u32_at(rest, len - 4, be);
        if trailer as usize != len {
            return Err(Halt::Bad(DamageKind::MismatchedBlockLengths {
                offset: pos,
                start: len,
                end: trailer,
            }));
        }
        Ok((block_type, len))
    }

    /// The message for a block at `pos` that the file cuts short.
    fn cut(&self, block_type: Option<u32>, needed: usize, left: usize, pos: usize) -> Halt {
        Halt::Cut(if block_type.is_some_and(is_packet_block) {
            let packet = self.idx.next_number();
            DamageKind::CutInsidePacket {
                packet,
                needed,
                left,
            }
        } else {
            DamageKind::CutInsideBlock {
                offset: pos,
                needed,
                left,
            }
        })
    }

    /// A Section Header Block: a new section, byte order and interface numbering.
    fn section(&mut self, block: &[u8], pos: usize) -> Result<(), DamageKind> {
        let (_, shb) = parse_sectionheaderblock(block)
            .map_err(|_| DamageKind::BadSectionHeader { offset: pos })?;
        self.sections += 1;
        self.be = shb.big_endian();
        self.local.clear();
        self.undefined.clear();
        if shb.major_version != 1 {
            let (major, minor) = (shb.major_version, shb.minor_version);
            let s = self.sections - 1;
            self.idx.warn(format!(
                "section {s} has pcapng version {major}.{minor}; read as version 1"
            ));
        }
        self.comments(&shb.options, None);
        Ok(())
    }

    /// An Interface Description Block: the next interface of the current section.
    fn interface(&mut self, block: &[u8], pos: usize) -> Result<(), DamageKind> {
        let parsed = if self.be {
            parse_interfacedescriptionblock_be(block)
        } else {
            parse_interfacedescriptionblock_le(block)
        };
        let (_, idb) = parsed.map_err(|_| DamageKind::BadInterfaceDescription { offset: pos })?;
        let mut iface = Interface {
            // pcap-parser widens the 16-bit field to i32, so narrowing it back loses nothing.
            link_type: LinkType(u32::from(idb.linktype.0 as u16)),
            snaplen: idb.snaplen,
            name: None,
            description: None,
            section: self.sections.saturating_sub(1),
            counts: None,
        };
        let clock = self.interface_options(&idb.options, &mut iface);
        let global = self.add_interface(iface, clock, pos)?;
        self.local.push(global);
        Ok(())
    }

    /// Reads name, description and clock options into `iface`; returns its clock.
    fn interface_options(&self, options: &[PcapNGOption<'_>], iface: &mut Interface) -> Clock {
        let mut clock = Clock::default();
        for opt in options {
            let Ok(value) = opt.as_bytes() else { continue };
            match opt.code.0 {
                2 => iface.name = Some(text(value)),
                3 => iface.description = Some(text(value)),
                // pcap-parser's ts_resolution() rejects every power-of-2 resolution, and its
                // if_tsoffset is read little-endian only, so both are decoded here.
                9 => clock.resol = value.first().copied().unwrap_or(6),
                14 => {
                    if let Ok(&b) = <&[u8; 8]>::try_from(value) {
                        let be = self.be;
                        clock.offset_s = if be {
                            i64::from_be_bytes(b)
                        } else {
                            i64::from_le_bytes(b)
                        };
                    }
                }
                _ => {}
            }
        }
        clock
    }

    /// Adds an interface; a file with more than [`PacketRecord::MAX_INTERFACES`]
    /// is read up to the block that would add one more (`pos`).
    fn add_interface(
        &mut self,
        iface: Interface,
        clock: Clock,
        pos: usize,
    ) -> Result<u32, DamageKind> {
        let n = self.idx.interfaces.len();
        if n >= PacketRecord::MAX_INTERFACES {
            return Err(DamageKind::TooManyInterfaces {
                limit: PacketRecord::MAX_INTERFACES,
                offset: pos,
            });
        }
        self.idx.interfaces.push(iface);
        self.clocks.push(clock);
        Ok(n as u32)
    }

    /// An Interface Statistics Block: the interface's counters so far (the last block
    /// wins). One that cannot be read is a warning, not damage: no packet is in it.
    fn statistics(&mut self, block: &[u8]) {
        let parsed = if self.be {
            parse_interfacestatisticsblock_be(block)
        } else {
            parse_interfacestatisticsblock_le(block)
        };
        let Ok((_, isb)) = parsed else {
            let s = self.sections.saturating_sub(1);
            self.idx.warn(format!(
                "an interface statistics block of section {s} cannot be read"
            ));
            return;
        };
        let Some(&global) = self.local.get(isb.if_id as usize) else {
            return;
        };
        let be = self.be;
        let read = |code: u16| {
            let opt = isb.options.iter().find(|o| o.code.0 == code)?;
            let b: [u8; 8] = opt.as_bytes().ok()?.try_into().ok()?;
            Some(if be {
                u64::from_be_bytes(b)
            } else {
                u64::from_le_bytes(b)
            })
        };
        let counts = IfaceCounts {
            received: read(ISB_IFRECV),
            kernel_drops: read(ISB_OSDROP),
            if_drops: read(ISB_IFDROP),
        };
        if let Some(iface) = self.idx.interfaces.get_mut(global as usize) {
            iface.counts = Some(counts);
        }
    }

    /// An Enhanced Packet Block.
    fn enhanced(&mut self, block: &[u8], pos: usize) -> Result<(), DamageKind> {
        let n = self.idx.next_number();
        self.check_caplen(block, u32_at(block, 20, self.be), 28, pos)?;
        let parsed = if self.be {
            parse_enhancedpacketblock_be(block)
        } else {
            parse_enhancedpacketblock_le(block)
        };
        let (_, epb) = parsed.map_err(|_| DamageKind::BadPacketBlock {
            packet: n,
            offset: pos,
        })?;
        let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
        let packet = Packet {
            if_id: epb.if_id,
            ts: Some(ts),
            caplen: epb.caplen,
            origlen: epb.origlen,
            data_at: 28,
        };
        self.push(packet, pos)?;
        self.comments(&epb.options, Some(n - 1));
        Ok(())
    }

    /// A Simple Packet Block: interface 0 of the section, no timestamp, and a captured length
    /// that is the smallest of the original length, the block's room and the snaplen.
    fn simple(&mut self, block: &[u8], pos: usize) -> Result<(), DamageKind> {
        let n = self.idx.next_number();
        let parsed = if self.be {
            parse_simplepacketblock_be(block)
        } else {
            parse_simplepacketblock_le(block)
        };
        let (_, spb) = parsed.map_err(|_| DamageKind::BadPacketBlock {
            packet: n,
            offset: pos,
        })?;
        let room = u32::try_from(spb.data.len()).unwrap_or(u32::MAX);
        let snaplen = self
            .local
            .first()
            .and_then(|&g| self.idx.interfaces.get(g as usize))
            .map_or(0, |iface| iface.snaplen);
        let mut caplen = spb.origlen.min(room);
        if snaplen != 0 {
            caplen = caplen.min(snaplen);
        }
        let packet = Packet {
            if_id: 0,
            ts: None,
            caplen,
            origlen: spb.origlen,
            data_at: 12,
        };
        self.push(packet, pos)?;
        Ok(())
    }

    /// An obsolete Packet Block, read by hand: pcap-parser 0.17 has no parser for it (it would
    /// come back as an unknown block). Layout: if_id u16, drops u16, ts high/low, caplen,
    /// origlen, data, options (not read).
    fn obsolete(&mut self, block: &[u8], pos: usize) -> Result<(), DamageKind> {
        let be = self.be;
        let caplen = u32_at(block, 20, be);
        self.check_caplen(block, caplen, 28, pos)?;
        let ts = (u64::from(u32_at(block, 12, be)) << 32) | u64::from(u32_at(block, 16, be));
        let packet = Packet {
            if_id: u32::from(u16_at(block, 8, be)),
            ts: Some(ts),
            caplen,
            origlen: u32_at(block, 24, be),
            data_at: 28,
        };
        self.push(packet, pos)?;
        Ok(())
    }

    /// Refuses a packet block whose captured length does not fit in it (data starts at
    /// `data_at`, and 4 bytes of trailing length follow it).
    fn check_caplen(
        &self,
        block: &[u8],
        caplen: u32,
        data_at: usize,
        pos: usize,
    ) -> Result<(), DamageKind> {
        let room = block.len().saturating_sub(data_at + 4);
        if caplen as usize > room {
            let n = self.idx.next_number();
            return Err(DamageKind::CaplenOverBlock {
                packet: n,
                caplen,
                offset: pos,
                room,
            });
        }
        Ok(())
    }

    /// The Enhanced Packet Block at the start of `rest` (file offset `pos`), which the end
    /// of the file cuts inside its packet data: its index record with the bytes that are
    /// there, and the captured length the block claimed. `None` when there is nothing to
    /// show (another block type, the fixed header cut, no byte of data, or all of it there
    /// and only options or the trailer cut) or the claim does not fit the block's length.
    fn cut_packet(&mut self, rest: &[u8], pos: usize) -> Option<(PacketRecord, u32)> {
        const DATA_AT: usize = 28;
        let be = self.be;
        if rest.starts_with(&SHB_BYTES) || u32_at(rest, 0, be) != EPB_MAGIC {
            return None;
        }
        let data = rest.get(DATA_AT..).filter(|d| !d.is_empty())?;
        let claimed = u32_at(rest, 20, be);
        let room = (u32_at(rest, 4, be) as usize).saturating_sub(DATA_AT + 4);
        if claimed as usize > room || claimed as usize <= data.len() {
            return None;
        }
        let packet = Packet {
            if_id: u32_at(rest, 8, be),
            ts: Some((u64::from(u32_at(rest, 12, be)) << 32) | u64::from(u32_at(rest, 16, be))),
            caplen: data.len() as u32,
            origlen: u32_at(rest, 24, be),
            data_at: DATA_AT,
        };
        let rec = self.record(packet, pos).ok()?;
        Some((rec, claimed))
    }

    /// Adds the packet of the block at `pos` to the index.
    fn push(&mut self, p: Packet, pos: usize) -> Result<(), DamageKind> {
        let consumed = pos + p.data_at + p.caplen as usize;
        let rec = self.record(p, pos)?;
        self.idx.push(rec, consumed, self.data_len);
        Ok(())
    }

    /// The index record of the packet of the block at `pos`.
    fn record(&mut self, p: Packet, pos: usize) -> Result<PacketRecord, DamageKind> {
        let iface = self.global_interface(p.if_id, pos)?;
        if let Some(units) = p.ts {
            let clock = self.clocks.get(iface as usize).copied().unwrap_or_default();
            self.last_ts = clock.ns(units);
        }
        let rec = PacketRecord::new(
            (pos + p.data_at) as u64,
            self.last_ts,
            p.caplen,
            p.origlen,
            iface,
        );
        Ok(rec)
    }

    /// The global index of interface `if_id` of the current section; an id the section never
    /// described gets a placeholder interface of unknown link type, and a warning.
    fn global_interface(&mut self, if_id: u32, pos: usize) -> Result<u32, DamageKind> {
        if let Some(&global) = self.local.get(if_id as usize) {
            return Ok(global);
        }
        if let Some(&global) = self.undefined.get(&if_id) {
            return Ok(global);
        }
        let section = self.sections.saturating_sub(1);
        let iface = Interface {
            link_type: LinkType::UNKNOWN,
            snaplen: 0,
            name: None,
            description: None,
            section,
            counts: None,
        };
        let global = self.add_interface(iface, Clock::default(), pos)?;
        self.undefined.insert(if_id, global);
        let n = self.idx.next_number();
        self.idx.warn(format!(
            "packet {n} uses undefined interface {if_id} of section {section} (link type unknown)"
        ));
        Ok(global)
    }

    /// Keeps the comment options of a block (`packet`: index of its packet, if any).
    fn comments(&mut self, options: &[PcapNGOption<'_>], packet: Option<usize>) {
        for opt in options.iter().filter(|o| o.code.0 == OPT_COMMENT) {
            if let Ok(value) = opt.as_bytes() {
                let text = text(value);
                self.idx.comments.push(Comment { packet, text });
            }
        }
    }
}
