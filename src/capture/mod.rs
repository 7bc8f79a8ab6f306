//! Capture files: open a pcap or pcapng file, memory-map it and build a compact per-packet index.
//!
//! The index ([`PacketRecord`], 24 bytes a packet) says where each packet's bytes lie in the file;
//! the bytes themselves are read from the map on demand ([`Capture::data`]), so opening a capture
//! costs one pass over the record headers and no allocation per packet.
//!
//! Reading is lax: any input is accepted without panicking. Whatever follows a valid file header
//! and cannot be read ends the index early and is reported as [`Damage`]; every whole packet
//! before it is kept.

mod follow;
mod index;
pub mod ngwrite;
mod pcap;
mod pcapng;
mod pipe;
mod source;
pub mod status;

#[cfg(test)]
mod pcapng_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod testutil;

use std::fmt;

pub use pipe::PipeSpool;

use serde::Serialize;
use std::io::Read;
use std::path::Path;

/// A link-layer header type: the numeric `LINKTYPE_*` value of a pcap header or pcapng
/// Interface Description Block (see <https://www.tcpdump.org/linktypes.html>).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in host byte order, then the packet.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / IEEE 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// `DLT_RAW` as some systems number it in pcap files: raw IPv4 or IPv6.
    pub const RAW_12: LinkType = LinkType(12);
    /// `DLT_RAW` on BSD/OS and OpenBSD: raw IPv4 or IPv6.
    pub const RAW_14: LinkType = LinkType(14);
    /// Raw IPv4 or IPv6, no link-layer header.
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: a 4-byte address family in network byte order, then the packet.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux "cooked" capture, version 1 (16-byte header).
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux netfilter NFLOG messages.
    pub const NFLOG: LinkType = LinkType(239);
    /// Linux "cooked" capture, version 2 (20-byte header).
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// Not a real link type: stands for a packet whose pcapng interface was never described.
    pub const UNKNOWN: LinkType = LinkType(u32::MAX);

    /// The capinfos/Wireshark short name of this link type, or `"unknown"`.
    ///
    /// Types 228 and 229 are `"rawip4"` and `"rawip6"`, as capinfos names them.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "null",
            1 => "ether",
            12 | 14 | 101 => "rawip",
            108 => "loop",
            113 => "linux-sll",
            228 => "rawip4",
            229 => "rawip6",
            239 => "nflog",
            276 => "linux-sll2",
            _ => "unknown",
        }
    }
}

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// Classic libpcap format.
    Pcap {
        /// Timestamps are in nanoseconds (magic `a1b23c4d`) rather than microseconds.
        nanos: bool,
        /// Header fields are big-endian.
        big_endian: bool,
        /// Kuznetsov's "modified" pcap (magic `a1b2cd34`): 24-byte record headers.
        modified: bool,
    },
    /// pcapng; byte order may change from section to section.
    PcapNg,
}

impl Format {
    /// The short name: `"pcap"`, `"nsecpcap"`, `"modified-pcap"` or `"pcapng"`.
    pub fn name(self) -> &'static str {
        match self {
            Format::PcapNg => "pcapng",
            Format::Pcap { modified: true, .. } => "modified-pcap",
            Format::Pcap { nanos: true, .. } => "nsecpcap",
            Format::Pcap { .. } => "pcap",
        }
    }
}

/// An interface packets were captured on: the one interface of a pcap file, or one pcapng
/// Interface Description Block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interface {
    /// Link-layer header type of its packets ([`LinkType::UNKNOWN`] for a placeholder made
    /// for packets that name an interface their section never described).
    pub link_type: LinkType,
    /// Maximum captured length per packet as the file declares it (0: no limit or unknown).
    pub snaplen: u32,
    /// pcapng `if_name`.
    pub name: Option<String>,
    /// pcapng `if_description`.
    pub description: Option<String>,
    /// 0-based pcapng section the interface belongs to (always 0 for pcap).
    pub section: u32,
    /// What the capturing program counted, from the interface's last pcapng Interface
    /// Statistics Block (`None`: the file has none, as pcap files never do).
    pub counts: Option<IfaceCounts>,
}

/// An interface's counters as the capturing program wrote them (pcapng ISB options).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IfaceCounts {
    /// `isb_ifrecv`: packets the interface received.
    pub received: Option<u64>,
    /// `isb_osdrop`: packets the operating system dropped (buffer full).
    pub kernel_drops: Option<u64>,
    /// `isb_ifdrop`: packets the interface dropped.
    pub if_drops: Option<u64>,
}

impl Capture {
    /// Packets the capture lost before they reached the file, as its statistics blocks
    /// say: (dropped by the kernel, dropped by the interfaces), summed over interfaces.
    pub fn drops(&self) -> (u64, u64) {
        total_drops(&self.interfaces)
    }
}

/// (dropped by the kernel, dropped by the interfaces) over `interfaces`' statistics.
fn total_drops(interfaces: &[Interface]) -> (u64, u64) {
    let counts = interfaces.iter().filter_map(|i| i.counts);
    counts.fold((0, 0), |(k, i), c| {
        (
            k.saturating_add(c.kernel_drops.unwrap_or(0)),
            i.saturating_add(c.if_drops.unwrap_or(0)),
        )
    })
}

/// Where one packet is and what its record header says. 24 bytes: a million
/// packets' index is 24 MB.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PacketRecord {
    /// The file offset of the first captured byte (low 48 bits: files up to
    /// 256 TiB) and the interface (high 16 bits: up to 65,536 interfaces; the
    /// pcapng reader stops at more). Read with [`PacketRecord::offset`] and
    /// [`PacketRecord::iface`].
    at: u64,
    /// Capture time in nanoseconds since the Unix epoch (pcapng: `if_tsoffset` applied;
    /// Simple Packet Blocks, which carry no time, repeat the previous packet's).
    pub ts_ns: i64,
    /// Bytes captured, all of them inside the file.
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub origlen: u32,
}

impl PacketRecord {
    /// Most interfaces a capture can have.
    pub const MAX_INTERFACES: usize = 1 << 16;
    /// Files are read up to this size (256 TiB).
    pub const MAX_OFFSET: u64 = (1 << 48) - 1;

    /// `offset` above [`Self::MAX_OFFSET`] and `iface` at or above
    /// [`Self::MAX_INTERFACES`] are kept to those limits; readers never make them.
    pub fn new(offset: u64, ts_ns: i64, caplen: u32, origlen: u32, iface: u32) -> PacketRecord {
        let iface = u64::from(iface.min(Self::MAX_INTERFACES as u32 - 1));
        PacketRecord {
            at: offset.min(Self::MAX_OFFSET) | iface << 48,
            ts_ns,
            caplen,
            origlen,
        }
    }

    /// File offset of the first captured byte.
    pub fn offset(&self) -> u64 {
        self.at & Self::MAX_OFFSET
    }

    /// Index into [`Capture::interfaces`].
    pub fn iface(&self) -> u32 {
        (self.at >> 48) as u32
    }
}

impl fmt::Debug for PacketRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PacketRecord")
            .field("offset", &self.offset())
            .field("ts_ns", &self.ts_ns)
            .field("caplen", &self.caplen)
            .field("origlen", &self.origlen)
            .field("iface", &self.iface())
            .finish()
    }
}

impl Serialize for PacketRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PacketRecord", 5)?;
        st.serialize_field("offset", &self.offset())?;
        st.serialize_field("ts_ns", &self.ts_ns)?;
        st.serialize_field("caplen", &self.caplen)?;
        st.serialize_field("origlen", &self.origlen)?;
        st.serialize_field("iface", &self.iface())?;
        st.end()
    }
}

/// Why reading stopped before the end of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Damage {
    /// What was wrong; displayed as, e.g., `file ends inside packet 7 (needed 1514 bytes,
    /// 210 left)` (see [`Damage::message`]).
    pub kind: DamageKind,
    /// Whole packets indexed before the damage (equals `packets.len()`, less the cut
    /// packet if there is one).
    pub packets_before: usize,
    /// File offset of the record or block that could not be read.
    pub offset: u64,
    /// The last packet, when the file ends inside its captured bytes: it is listed (it is
    /// `packets[packets_before]`) with the bytes that are there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut_packet: Option<CutPacket>,
}

impl Damage {
    /// What was wrong, as printed, e.g. `file ends inside packet 7 (needed 1514 bytes, 210
    /// left)`.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

/// What stopped the index. Packet numbers are 1-based. In pcap, `needed` and `left` of a
/// cut packet count its data after the record header; in pcapng they count the whole
/// block from its start. Offsets are file offsets of the record or block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum DamageKind {
    /// The file ends inside the 24-byte pcap file header.
    #[error("file ends inside the pcap file header (needed {needed} bytes, {left} left)")]
    CutInsideFileHeader { needed: usize, left: usize },
    /// The file ends inside a pcap record header.
    #[error("file ends inside the header of packet {packet} (needed {needed} bytes, {left} left)")]
    CutInsideRecordHeader {
        packet: usize,
        needed: usize,
        left: usize,
    },
    /// The file ends inside a packet's record (pcap: its data; pcapng: its block).
    #[error("file ends inside packet {packet} (needed {needed} bytes, {left} left)")]
    CutInsidePacket {
        packet: usize,
        needed: usize,
        left: usize,
    },
    /// The file ends inside a pcapng block that holds no packet.
    #[error("file ends inside a block at offset {offset} (needed {needed} bytes, {left} left)")]
    CutInsideBlock {
        offset: usize,
        needed: usize,
        left: usize,
    },
    /// A pcap record claims more captured bytes than anything is read for.
    #[error("packet {packet} claims {caplen} captured bytes (limit {limit})")]
    CaplenOverLimit {
        packet: usize,
        caplen: u32,
        limit: u32,
    },
    /// A pcap record header that could not be parsed.
    #[error("unreadable record header of packet {packet}")]
    UnreadableRecordHeader { packet: usize },
    /// A pcapng section header without a byte-order magic of either order.
    #[error("bad byte-order magic in the section header at offset {offset}")]
    BadByteOrderMagic { offset: usize },
    /// A pcapng block length that is not a multiple of 4 or is below its type's minimum.
    #[error("bad pcapng block length {length} at offset {offset}")]
    BadBlockLength { length: u32, offset: usize },
    /// A pcapng block whose trailing length differs from its leading one.
    #[error(
        "pcapng block at offset {offset} has mismatched lengths ({start} at start, {end} at end)"
    )]
    MismatchedBlockLengths {
        offset: usize,
        start: usize,
        end: u32,
    },
    /// A pcapng Section Header Block that could not be parsed.
    #[error("bad section header block at offset {offset}")]
    BadSectionHeader { offset: usize },
    /// A pcapng Interface Description Block that could not be parsed.
    #[error("bad interface description block at offset {offset}")]
    BadInterfaceDescription { offset: usize },
    /// More interfaces than [`PacketRecord::MAX_INTERFACES`].
    #[error("more than {limit} interfaces (block at offset {offset})")]
    TooManyInterfaces { limit: usize, offset: usize },
    /// A pcapng packet block that could not be parsed.
    #[error("bad block of packet {packet} at offset {offset}")]
    BadPacketBlock { packet: usize, offset: usize },
    /// A pcapng packet block whose captured length does not fit in it.
    #[error("packet {packet} claims {caplen} captured bytes but its block at offset {offset} holds only {room}")]
    CaplenOverBlock {
        packet: usize,
        caplen: u32,
        offset: usize,
        room: usize,
    },
}

/// A packet the end of the file cut short: its record holds the bytes that are there, this
/// says how many its header claimed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CutPacket {
    /// 0-based packet index (always the last packet).
    pub index: usize,
    /// Captured bytes the record or block header claimed (more than the file holds).
    pub claimed_caplen: u32,
}

/// A comment stored in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// 0-based packet index for a packet comment (pcapng EPB `opt_comment`); `None` for a
    /// section comment (`shb_comment`).
    pub packet: Option<usize>,
    /// The comment text (invalid UTF-8 replaced, trailing NULs removed).
    pub text: String,
}

/// An opened, indexed capture file.
#[derive(Debug)]
pub struct Capture {
    bytes: source::Bytes,
    /// Container format; `None` for an empty (0-byte) file.
    pub format: Option<Format>,
    /// Interfaces in file order across all sections; [`PacketRecord::iface`] indexes this.
    pub interfaces: Vec<Interface>,
    /// One record per packet, in file order.
    pub packets: Vec<PacketRecord>,
    /// Section and packet comments, in file order.
    pub comments: Vec<Comment>,
    /// Set when reading stopped before the end of the file.
    pub damage: Option<Damage>,
    /// Oddities that did not stop reading (e.g. a packet on an undefined interface).
    pub warnings: Vec<String>,
    /// Set while the file is still being written and followed ([`Capture::follow`]).
    follow: Option<Box<follow::Follow>>,
}

/// Why a file could not be opened as a capture.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The file could not be opened, read or mapped.
    #[error("cannot open {path}: {source}")]
    Io {
        /// The path as given (`-` for standard input).
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with a pcap or pcapng magic number.
    #[error("not a pcap or pcapng file: starts with {hex}")]
    NotCapture {
        /// The first (up to) 4 bytes in hex, e.g. `3c 21 44 4f`.
        hex: String,
    },
}

impl Capture {
    /// Let go of the file's bytes, on a thread of their own for a mapped file
    /// (unmapping 300 MB takes 8–25 ms, which process exit would otherwise spend),
    /// keeping the index: for a caller that has read every packet it will read
    /// ([`Self::data`] is empty after it). Whether a thread is unmapping the file now.
    pub fn release_bytes(&mut self) -> bool {
        let bytes = std::mem::replace(&mut self.bytes, source::Bytes::Owned(Vec::new()));
        match bytes {
            source::Bytes::Map(map) => std::thread::Builder::new()
                .name("layerscope-unmap".into())
                .spawn(move || drop(map))
                .is_ok(),
            source::Bytes::Owned(_) => false,
        }
    }

    /// Opens and indexes the capture at `path`; `-` reads standard input (spooled to an
    /// unlinked temporary file so it can be mapped like any other).
    pub fn open(path: &Path) -> Result<Capture, OpenError> {
        if path == Path::new("-") {
            return Self::from_reader_named(std::io::stdin().lock(), "-");
        }
        let bytes = source::map_file(path).map_err(|source| OpenError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_source(bytes)
    }

    /// Indexes a capture read to its end from `reader`, through a temporary spool file.
    pub fn from_reader(reader: impl Read) -> Result<Capture, OpenError> {
        Self::from_reader_named(reader, "<reader>")
    }

    /// Indexes a capture held in memory (tests, fuzzing).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Capture, OpenError> {
        Self::from_source(source::Bytes::Owned(bytes))
    }

    fn from_reader_named(reader: impl Read, name: &str) -> Result<Capture, OpenError> {
        let bytes = source::spool(reader).map_err(|source| OpenError::Io {
            path: name.to_string(),
            source,
        })?;
        Self::from_source(bytes)
    }

    fn from_source(bytes: source::Bytes) -> Result<Capture, OpenError> {
        if bytes.len() as u64 > PacketRecord::MAX_OFFSET {
            return Err(OpenError::Io {
                path: String::new(),
                source: std::io::Error::other("the file is larger than 256 TiB"),
            });
        }
        let idx = index::build(&bytes)?;
        Ok(Capture {
            bytes,
            format: idx.format,
            interfaces: idx.interfaces,
            packets: idx.packets,
            comments: idx.comments,
            damage: idx.damage,
            warnings: idx.warnings,
            follow: None,
        })
    }

    /// The captured length packet `i`'s header claimed, when the end of the file cut the
    /// packet short (only the last packet of a damaged file can be).
    pub fn cut_len(&self, i: usize) -> Option<u32> {
        let cut = self.damage.as_ref()?.cut_packet?;
        (cut.index == i).then_some(cut.claimed_caplen)
    }

    /// Number of packets indexed.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// True when no packet was indexed.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Captured bytes of packet `i` (0-based); empty if `i` is out of range.
    pub fn data(&self, i: usize) -> &[u8] {
        let Some(rec) = self.packets.get(i) else {
            return &[];
        };
        let (Ok(start), Ok(len)) = (usize::try_from(rec.offset()), usize::try_from(rec.caplen))
        else {
            return &[];
        };
        start
            .checked_add(len)
            .and_then(|end| self.bytes.get(start..end))
            .unwrap_or(&[])
    }

    /// The index record of packet `i` (0-based).
    pub fn record(&self, i: usize) -> Option<&PacketRecord> {
        self.packets.get(i)
    }

    /// Link type of packet `i`'s interface ([`LinkType::UNKNOWN`] if `i` is out of range).
    pub fn link_type(&self, i: usize) -> LinkType {
        self.packets
            .get(i)
            .and_then(|rec| self.interfaces.get(rec.iface() as usize))
            .map_or(LinkType::UNKNOWN, |iface| iface.link_type)
    }

    /// Size of the file in bytes.
    pub fn file_len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The file's encapsulation as capinfos names it: the link type name shared by every
    /// interface, `"per-packet"` when they differ, `"none"` without interfaces.
    pub fn encapsulation_name(&self) -> &'static str {
        let mut types = self.interfaces.iter().map(|i| i.link_type);
        match types.next() {
            None => "none",
            Some(first) if types.all(|t| t == first) => first.name(),
            Some(_) => "per-packet",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::PcapWriter;
    use super::*;

    #[test]
    fn packet_record_is_24_bytes_and_keeps_offset_and_interface_apart() {
        assert_eq!(std::mem::size_of::<PacketRecord>(), 24);
        let r = PacketRecord::new(PacketRecord::MAX_OFFSET, -5, 7, 9, 65_535);
        assert_eq!((r.offset(), r.iface()), (PacketRecord::MAX_OFFSET, 65_535));
        assert_eq!((r.ts_ns, r.caplen, r.origlen), (-5, 7, 9));
        let r = PacketRecord::new(1 << 40, 0, 0, 0, 3);
        assert_eq!((r.offset(), r.iface()), (1 << 40, 3));
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"offset":1099511627776,"ts_ns":0,"caplen":0,"origlen":0,"iface":3}"#
        );
    }

    #[test]
    fn link_type_names() {
        let names = [
            (LinkType::NULL, "null"),
            (LinkType::ETHERNET, "ether"),
            (LinkType::RAW_12, "rawip"),
            (LinkType::RAW_14, "rawip"),
            (LinkType::RAW, "rawip"),
            (LinkType::LOOP, "loop"),
            (LinkType::LINUX_SLL, "linux-sll"),
            (LinkType::LINUX_SLL2, "linux-sll2"),
            (LinkType::IPV4, "rawip4"),
            (LinkType::IPV6, "rawip6"),
            (LinkType::NFLOG, "nflog"),
            (LinkType(147), "unknown"),
            (LinkType::UNKNOWN, "unknown"),
        ];
        for (lt, name) in names {
            assert_eq!(lt.name(), name, "{lt:?}");
        }
    }

    #[test]
    fn format_names() {
        let pcap = |nanos, modified| Format::Pcap {
            nanos,
            big_endian: true,
            modified,
        };
        assert_eq!(pcap(false, false).name(), "pcap");
        assert_eq!(pcap(true, false).name(), "nsecpcap");
        assert_eq!(pcap(false, true).name(), "modified-pcap");
        assert_eq!(Format::PcapNg.name(), "pcapng");
    }

    #[test]
    fn html_is_not_a_capture() {
        let err = Capture::from_bytes(b"<!DOCTYPE html>\n<html>".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a pcap or pcapng file: starts with 3c 21 44 4f"
        );
    }

    #[test]
    fn short_files_show_the_bytes_they_have() {
        for (bytes, hex) in [
            (&b"\xd4"[..], "d4"),
            (b"\xd4\xc3", "d4 c3"),
            (b"ab\n", "61 62 0a"),
        ] {
            match Capture::from_bytes(bytes.to_vec()) {
                Err(OpenError::NotCapture { hex: got }) => assert_eq!(got, hex),
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn empty_file_is_an_empty_capture() {
        let cap = Capture::from_bytes(Vec::new()).unwrap();
        assert!(cap.is_empty());
        assert_eq!((cap.len(), cap.format, cap.file_len()), (0, None, 0));
        assert!(cap.damage.is_none() && cap.interfaces.is_empty());
        assert_eq!(cap.encapsulation_name(), "none");
    }

    #[test]
    fn accessors_never_panic_out_of_range() {
        let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        w.record(1, 2, b"abcd", 4);
        let cap = Capture::from_bytes(w.buf).unwrap();
        assert_eq!(cap.data(0), b"abcd");
        assert_eq!(cap.data(1), b"");
        assert_eq!(cap.data(usize::MAX), b"");
        assert!(cap.record(1).is_none());
        assert_eq!(cap.link_type(0), LinkType::ETHERNET);
        assert_eq!(cap.link_type(1), LinkType::UNKNOWN);
        assert_eq!(cap.encapsulation_name(), "ether");
    }

    #[test]
    fn from_reader_spools_and_indexes() {
        let mut w = PcapWriter::new(0xa1b2_3c4d, true, 101, 1500);
        w.record(3, 4, b"\x45\x00", 20);
        let len = w.buf.len() as u64;
        let cap = Capture::from_reader(std::io::Cursor::new(w.buf)).unwrap();
        assert_eq!(cap.file_len(), len);
        assert_eq!(cap.data(0), b"\x45\x00");
        assert_eq!(cap.packets[0].ts_ns, 3_000_000_004);
        let empty = Capture::from_reader(std::io::empty()).unwrap();
        assert_eq!((empty.len(), empty.format), (0, None));
    }

    #[test]
    fn open_maps_a_file_and_reports_missing_ones() {
        let mut w = PcapWriter::new(0xa1b2_c3d4, false, 113, 262_144);
        w.record(10, 20, &[7; 30], 60);
        let path =
            std::env::temp_dir().join(format!("layerscope-test-{}.pcap", std::process::id()));
        std::fs::write(&path, &w.buf).unwrap();
        let cap = Capture::open(&path);
        std::fs::remove_file(&path).unwrap();
        let cap = cap.unwrap();
        assert_eq!((cap.len(), cap.data(0)), (1, &[7u8; 30][..]));
        assert_eq!(cap.link_type(0), LinkType::LINUX_SLL);

        let err = Capture::open(&path).unwrap_err();
        assert!(matches!(err, OpenError::Io { .. }), "{err:?}");
        let want = format!("cannot open {}: ", path.display());
        assert!(err.to_string().starts_with(&want), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn open_reads_what_cannot_be_mapped() {
        // A character device is spooled like standard input.
        let cap = Capture::open(Path::new("/dev/null")).unwrap();
        assert_eq!((cap.len(), cap.format), (0, None));
        // A directory opens but cannot be read.
        let err = Capture::open(&std::env::temp_dir()).unwrap_err();
        assert!(matches!(err, OpenError::Io { .. }), "{err:?}");
    }

    #[test]
    fn capture_can_be_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Capture>();
        shared::<OpenError>();
    }
}
