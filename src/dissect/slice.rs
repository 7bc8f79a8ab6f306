//! The one slicing step shared by the summary, the columns and the field tree.
//!
//! etherparse's `LaxSlicedPacket` does the work from the Ethernet header (or
//! from an EtherType or an IP header) down to TCP/UDP/ICMP. What it does not
//! know are the capture link types that wrap those: Linux cooked v1 and v2,
//! BSD loopback (NULL/LOOP) and NFLOG. Their small fixed headers are read here
//! by hand. Linux cooked v1 is read by hand too although etherparse 0.21 has a
//! `LinuxSllSlice`: that slice accepts only five ARP hardware types (Ethernet,
//! GRE, netlink, FRAD, 802.11 radiotap) and refuses the rest, loopback, PPP,
//! SIT and `NONE` among them, so every packet libpcap's `any` device captures
//! on `lo` came out malformed; it also reports the refusal as a short header.

use std::ops::Range;

use etherparse::{EtherType, IpNumber, LaxSlicedPacket, TransportSlice};

use crate::capture::LinkType;

/// The capture-level link header, for the link types etherparse does not slice itself.
#[derive(Clone, Debug)]
pub enum LinkHeader<'a> {
    /// Ethernet II: the header is `packet.link`.
    Ethernet,
    /// Linux cooked capture v1 (16-byte header).
    Sll(SllHeader<'a>),
    /// Linux cooked capture v2 (20-byte header).
    Sll2(&'a [u8]),
    /// BSD loopback: a 4-byte address family, host byte order (NULL) or network order (LOOP).
    Null {
        header: &'a [u8],
        family: u32,
        loop_: bool,
    },
    /// Linux NFLOG: 4-byte header and TLVs; the payload TLV holds the IP packet.
    Nflog {
        header: &'a [u8],
        family: u8,
        tlvs: &'a [u8],
    },
    /// Raw IP: the packet starts with the IP header.
    Raw,
    /// A link type we do not decode; the frame is shown as raw bytes.
    Unknown,
}

/// Why decoding stopped before etherparse was even reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkStop {
    /// The link header needs more bytes than were captured.
    Short {
        protocol: &'static str,
        needed: usize,
        have: usize,
    },
    /// The link header names a protocol we do not decode.
    Unsupported {
        protocol: &'static str,
        what: String,
    },
    /// The link type itself is unknown.
    UnknownLinkType(u32),
}

/// A packet cut into its layers.
#[derive(Clone, Debug)]
pub struct Sliced<'a> {
    pub link_type: LinkType,
    pub link: LinkHeader<'a>,
    /// Everything from the Ethernet header (or the network layer) down, when it sliced.
    pub packet: Option<LaxSlicedPacket<'a>>,
    pub link_stop: Option<LinkStop>,
    /// The TCP header, also when it is cut short by the capture (see [`TcpBytes`]).
    pub tcp: Option<TcpBytes<'a>>,
}

/// A TCP header's bytes. etherparse gives up on a header whose options run
/// past the captured bytes; the fixed 20 bytes are still worth showing (flags,
/// ports, sequence numbers), as tshark does, so this view reads them itself.
#[derive(Clone, Copy, Debug)]
pub struct TcpBytes<'a> {
    /// At least 20 bytes: the whole header, or what was captured of it.
    pub header: &'a [u8],
    pub payload: &'a [u8],
    /// The header length the data offset declares, when more than was captured.
    pub cut_at: Option<usize>,
    /// Payload bytes the segment carried on the wire (from the IP length fields), which
    /// is more than `payload.len()` when the capture cut the packet short.
    pub wire_len: usize,
}

impl<'a> TcpBytes<'a> {
    // One bounds check a field, not one a byte, and inlined: read for every packet.
    #[inline]
    fn be16(&self, i: usize) -> u16 {
        let b: [u8; 2] = self.header[i..i + 2].try_into().unwrap_or_default();
        u16::from_be_bytes(b)
    }
    #[inline]
    fn be32(&self, i: usize) -> u32 {
        let b: [u8; 4] = self.header[i..i + 4].try_into().unwrap_or_default();
        u32::from_be_bytes(b)
    }
    #[inline]
    pub fn sport(&self) -> u16 {
        self.be16(0)
    }
    #[inline]
    pub fn dport(&self) -> u16 {
        self.be16(2)
    }
    #[inline]
    pub fn seq(&self) -> u32 {
        self.be32(4)
    }
    #[inline]
    pub fn ack(&self) -> u32 {
        self.be32(8)
    }
    /// Header length in 32-bit words.
    pub fn data_offset(&self) -> u8 {
        self.header[12] >> 4
    }
    /// The 12 flag bits (AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN and 3 reserved).
    #[inline]
    pub fn flags(&self) -> u16 {
        self.be16(12) & 0x0fff
    }
    pub fn window(&self) -> u16 {
        self.be16(14)
    }
    pub fn checksum(&self) -> u16 {
        self.be16(16)
    }
    pub fn urgent(&self) -> u16 {
        self.be16(18)
    }
    /// Option bytes that were captured.
    pub fn options(&self) -> &'a [u8] {
        &self.header[20..]
    }
}

/// The length of the IP payload as the IP header declares it (what was on the wire).
fn ip_payload_wire_len(p: &LaxSlicedPacket<'_>) -> Option<usize> {
    use etherparse::LaxNetSlice;
    match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            let ext = v4.extensions().auth.map_or(0, |a| a.slice().len());
            usize::from(h.total_len()).checked_sub(h.slice().len() + ext)
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let plen = usize::from(v6.header().payload_length());
            // A zero payload length means a jumbogram (RFC 2675): use what was captured.
            (plen != 0)
                .then(|| plen.checked_sub(v6.extensions().slice().len()))
                .flatten()
        }
        _ => None,
    }
}

fn tcp_bytes<'a>(p: &LaxSlicedPacket<'a>) -> Option<TcpBytes<'a>> {
    let declared = ip_payload_wire_len(p);
    if let Some(TransportSlice::Tcp(t)) = &p.transport {
        let (header, payload) = (t.header_slice(), t.payload());
        let wire_len = declared
            .and_then(|d| d.checked_sub(header.len()))
            .map_or(payload.len(), |w| w.max(payload.len()));
        return Some(TcpBytes {
            header,
            payload,
            cut_at: None,
            wire_len,
        });
    }
    let ip = p.ip_payload()?;
    if p.transport.is_some()
        || ip.ip_number != IpNumber::TCP
        || ip.fragmented
        || ip.payload.len() < 20
    {
        return None;
    }
    let hdr = usize::from(ip.payload[12] >> 4) * 4;
    if hdr <= ip.payload.len() {
        return None;
    }
    let wire_len = declared.and_then(|d| d.checked_sub(hdr)).unwrap_or(0);
    Some(TcpBytes {
        header: ip.payload,
        payload: &[],
        cut_at: Some(hdr),
        wire_len,
    })
}

/// Slice a frame according to its link type. Never panics.
pub fn slice(link_type: LinkType, data: &[u8]) -> Sliced<'_> {
    let mut out = Sliced {
        link_type,
        link: LinkHeader::Unknown,
        packet: None,
        link_stop: None,
        tcp: None,
    };
    match link_type {
        LinkType::ETHERNET => {
            out.link = LinkHeader::Ethernet;
            match LaxSlicedPacket::from_ethernet(data) {
                Ok(p) => out.packet = Some(p),
                Err(_) => out.link_stop = Some(short("Ethernet II", 14, data.len())),
            }
        }
        LinkType::LINUX_SLL => slice_sll(data, &mut out),
        LinkType::LINUX_SLL2 => slice_sll2(data, &mut out),
        LinkType::NULL | LinkType::LOOP => slice_null(data, link_type == LinkType::LOOP, &mut out),
        LinkType::NFLOG => slice_nflog(data, &mut out),
        LinkType::RAW | LinkType::RAW_12 | LinkType::RAW_14 | LinkType::IPV4 | LinkType::IPV6 => {
            out.link = LinkHeader::Raw;
            out.packet = from_ip(data, &mut out.link_stop);
        }
        other => out.link_stop = Some(LinkStop::UnknownLinkType(other.0)),
    }
    out.tcp = out.packet.as_ref().and_then(tcp_bytes);
    out
}

fn short(protocol: &'static str, needed: usize, have: usize) -> LinkStop {
    LinkStop::Short {
        protocol,
        needed,
        have,
    }
}

fn from_ip<'a>(data: &'a [u8], stop: &mut Option<LinkStop>) -> Option<LaxSlicedPacket<'a>> {
    match LaxSlicedPacket::from_ip(data) {
        Ok(p) => Some(p),
        Err(e) => {
            *stop = Some(LinkStop::Unsupported {
                protocol: "IP",
                what: e.to_string(),
            });
            None
        }
    }
}

/// Linux cooked capture v1 (LINKTYPE_LINUX_SLL): the 16-byte header, big-endian.
///
/// Built only from at least [`SllHeader::LEN`] bytes, so no accessor can fail.
#[derive(Clone, Copy, Debug)]
pub struct SllHeader<'a> {
    bytes: &'a [u8; 16],
}

impl<'a> SllHeader<'a> {
    pub const LEN: usize = 16;
    /// Packet type (`PACKET_HOST`, `PACKET_OUTGOING`, ...).
    pub const PKTTYPE: Range<usize> = 0..2;
    /// ARP hardware type of the interface (`ARPHRD_*`).
    pub const HATYPE: Range<usize> = 2..4;
    /// Length of the link-layer address.
    pub const HALEN: Range<usize> = 4..6;
    /// Link-layer address: the first `halen` bytes (at most 8) mean something.
    pub const ADDR: Range<usize> = 6..14;
    /// Protocol: an EtherType, or what [`SllProtocol::classify`] says.
    pub const PROTOCOL: Range<usize> = 14..16;

    /// The header at the start of `data`, if all 16 bytes were captured.
    pub fn new(data: &'a [u8]) -> Option<Self> {
        let bytes = data.get(..Self::LEN)?.try_into().ok()?;
        Some(SllHeader { bytes })
    }

    fn be16(&self, r: Range<usize>) -> u16 {
        match self.bytes.get(r) {
            Some(&[a, b]) => u16::from_be_bytes([a, b]),
            _ => 0,
        }
    }

    /// The 16 header bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    pub fn pkttype(&self) -> u16 {
        self.be16(Self::PKTTYPE)
    }
    pub fn hatype(&self) -> u16 {
        self.be16(Self::HATYPE)
    }
    /// The address length as written (may exceed 8; see [`Self::address`]).
    pub fn halen(&self) -> u16 {
        self.be16(Self::HALEN)
    }
    /// The meaningful part of the address field: its first `halen` bytes, at most 8.
    pub fn address(&self) -> &'a [u8] {
        let n = usize::from(self.halen()).min(Self::ADDR.len());
        let bytes: &'a [u8] = self.bytes;
        bytes
            .get(Self::ADDR.start..Self::ADDR.start + n)
            .unwrap_or(&[])
    }
    pub fn protocol(&self) -> u16 {
        self.be16(Self::PROTOCOL)
    }
}

/// ARP hardware types (`ARPHRD_*`, Linux `if_arp.h`) that change how the
/// protocol field of a cooked header is read.
pub const ARPHRD_CAN: u16 = 280;
pub const ARPHRD_IPGRE: u16 = 778;
pub const ARPHRD_NETLINK: u16 = 824;

/// Linux protocol value (`ETH_P_*` below 0x0600) whose payload is a whole Ethernet frame.
pub const LINUX_SLL_P_ETHERNET: u16 = 0x0003;

/// What the protocol field of a Linux cooked header (v1 or v2) means, which
/// depends on the ARP hardware type, as in Linux and Wireshark's packet-sll.c.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SllProtocol {
    /// An EtherType (every hardware type that does not say otherwise).
    EtherType(u16),
    /// `ARPHRD_IPGRE`: a GRE protocol type, which is an EtherType.
    Gre(u16),
    /// A Linux-internal protocol (`ETH_P_802_2`, `ETH_P_CAN`, ...): values up to 1536.
    Linux(u16),
    /// `ARPHRD_CAN`: a CAN bus frame follows, whatever the protocol says.
    Can(u16),
    /// `ARPHRD_NETLINK`: the protocol field is the netlink family.
    Netlink(u16),
}

impl SllProtocol {
    pub fn classify(hatype: u16, protocol: u16) -> Self {
        match hatype {
            ARPHRD_NETLINK => SllProtocol::Netlink(protocol),
            ARPHRD_CAN => SllProtocol::Can(protocol),
            // Linux takes values below 0x0600 as its own protocol numbers;
            // Wireshark (and so tshark) also counts 0x0600 itself among them.
            _ if protocol <= 1536 => SllProtocol::Linux(protocol),
            ARPHRD_IPGRE => SllProtocol::Gre(protocol),
            _ => SllProtocol::EtherType(protocol),
        }
    }
}

/// Name of a Linux-internal protocol value, as Wireshark's `sll.ltype` shows it.
pub fn sll_ltype_name(v: u16) -> Option<&'static str> {
    Some(match v {
        0x0001 => "Raw 802.3",
        LINUX_SLL_P_ETHERNET => "Ethernet",
        0x0004 => "802.2 LLC",
        0x0007 => "PPP (HDLC)",
        0x000c => "CAN",
        0x000d => "CAN FD",
        0x000e => "CAN XL",
        0x0017 => "IrDA LAP",
        0x00f5 => "ISI",
        0x00f6 => "IEEE 802.15.4",
        _ => return None,
    })
}

/// `802.2 LLC (0x0004)`.
pub fn sll_ltype_str(v: u16) -> String {
    format!("{} (0x{v:04x})", sll_ltype_name(v).unwrap_or("Unknown"))
}

/// Decode what follows a Linux cooked header of either version.
fn sll_payload<'a>(
    name: &'static str,
    proto: SllProtocol,
    payload: &'a [u8],
    out: &mut Sliced<'a>,
) {
    let unsupported = |what: String| LinkStop::Unsupported {
        protocol: name,
        what,
    };
    match proto {
        SllProtocol::EtherType(et) | SllProtocol::Gre(et) => {
            out.packet = Some(LaxSlicedPacket::from_ether_type(EtherType(et), payload))
        }
        SllProtocol::Linux(LINUX_SLL_P_ETHERNET) => match LaxSlicedPacket::from_ethernet(payload) {
            Ok(p) => out.packet = Some(p),
            Err(_) => out.link_stop = Some(short("Ethernet II", 14, payload.len())),
        },
        SllProtocol::Linux(p) => {
            out.link_stop = Some(unsupported(format!("Linux protocol {}", sll_ltype_str(p))))
        }
        SllProtocol::Can(p) => {
            let what = match sll_ltype_name(p) {
                Some(name) => format!("{name} frame (0x{p:04x})"),
                None => format!("CAN bus frame (protocol 0x{p:04x})"),
            };
            out.link_stop = Some(unsupported(what))
        }
        SllProtocol::Netlink(_) => out.link_stop = Some(unsupported("netlink".to_string())),
    }
}

/// Linux cooked v1 (LINKTYPE_LINUX_SLL), what libpcap writes for the `any`
/// device unless v2 is asked for. Every ARP hardware type is accepted.
fn slice_sll<'a>(data: &'a [u8], out: &mut Sliced<'a>) {
    let Some(h) = SllHeader::new(data) else {
        out.link_stop = Some(short("Linux cooked capture v1", SllHeader::LEN, data.len()));
        return;
    };
    out.link = LinkHeader::Sll(h);
    let proto = SllProtocol::classify(h.hatype(), h.protocol());
    let payload = data.get(SllHeader::LEN..).unwrap_or(&[]);
    sll_payload("Linux cooked capture v1", proto, payload, out);
}

/// Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol(2) reserved(2) ifindex(4)
/// ARPHRD type(2) packet type(1) address length(1) address(8). etherparse
/// only knows v1, so the 20 bytes are read here.
fn slice_sll2<'a>(data: &'a [u8], out: &mut Sliced<'a>) {
    if data.len() < 20 {
        out.link_stop = Some(short("Linux cooked capture v2", 20, data.len()));
        return;
    }
    out.link = LinkHeader::Sll2(&data[..20]);
    let proto = SllProtocol::classify(
        u16::from_be_bytes([data[8], data[9]]),
        u16::from_be_bytes([data[0], data[1]]),
    );
    sll_payload("Linux cooked capture v2", proto, &data[20..], out);
}

/// BSD loopback: the address family is a 4-byte integer, in the capturing
/// host's byte order for NULL and big-endian for LOOP.
fn slice_null<'a>(data: &'a [u8], loop_: bool, out: &mut Sliced<'a>) {
    if data.len() < 4 {
        let name = if loop_ {
            "OpenBSD loopback"
        } else {
            "Null/Loopback"
        };
        out.link_stop = Some(short(name, 4, data.len()));
        return;
    }
    let raw = [data[0], data[1], data[2], data[3]];
    let be = u32::from_be_bytes(raw);
    // A NULL header written on a little-endian host reads as a huge big-endian value.
    let family = if loop_ || be <= 0xFFFF {
        be
    } else {
        u32::from_le_bytes(raw)
    };
    out.link = LinkHeader::Null {
        header: &data[..4],
        family,
        loop_,
    };
    if null_family_name(family).is_some() {
        out.packet = from_ip(&data[4..], &mut out.link_stop);
    } else {
        out.link_stop = Some(LinkStop::Unsupported {
            protocol: "Null/Loopback",
            what: format!("address family {family}"),
        });
    }
}

/// The protocol an address family of a BSD loopback header carries.
pub fn null_family_name(family: u32) -> Option<&'static str> {
    match family {
        2 => Some("IP (AF_INET)"),
        10 => Some("IPv6 (AF_INET6, Linux)"),
        24 => Some("IPv6 (AF_INET6, NetBSD/OpenBSD)"),
        28 => Some("IPv6 (AF_INET6, FreeBSD)"),
        30 => Some("IPv6 (AF_INET6, Darwin)"),
        _ => None,
    }
}

/// NFLOG TLV type carrying the packet itself.
pub const NFULA_PAYLOAD: u16 = 9;

/// NFLOG (LINKTYPE_NFLOG): family(1) version(1) resource id(2, big-endian),
/// then TLVs whose length and type are in host byte order (little-endian on
/// the machines that write these files), each padded to 4 bytes.
fn slice_nflog<'a>(data: &'a [u8], out: &mut Sliced<'a>) {
    if data.len() < 4 {
        out.link_stop = Some(short("Linux Netfilter NFLOG", 4, data.len()));
        return;
    }
    out.link = LinkHeader::Nflog {
        header: &data[..4],
        family: data[0],
        tlvs: &data[4..],
    };
    match nflog_tlvs(&data[4..]).find(|t| t.kind == NFULA_PAYLOAD) {
        Some(t) => out.packet = from_ip(t.value, &mut out.link_stop),
        None => {
            out.link_stop = Some(LinkStop::Unsupported {
                protocol: "Linux Netfilter NFLOG",
                what: "no payload TLV".to_string(),
            })
        }
    }
}

/// One NFLOG type-length-value.
#[derive(Clone, Copy, Debug)]
pub struct NflogTlv<'a> {
    pub kind: u16,
    /// The whole TLV including its 4-byte header (without padding).
    pub whole: &'a [u8],
    pub value: &'a [u8],
}

/// Iterate NFLOG TLVs; stops at the first malformed one.
pub fn nflog_tlvs(mut rest: &[u8]) -> impl Iterator<Item = NflogTlv<'_>> {
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let kind = u16::from_le_bytes([rest[2], rest[3]]) & 0x7fff;
        if len < 4 || len > rest.len() {
            rest = &[];
            return None;
        }
        let tlv = NflogTlv {
            kind,
            whole: &rest[..len],
            value: &rest[4..len],
        };
        let padded = (len + 3) & !3;
        rest = rest.get(padded..).unwrap_or(&[]);
        Some(tlv)
    })
}

/// Whether a payload on `port` is tried as DNS (53) or multicast DNS (5353). A `match`,
/// inlined: `contains` on an array of them was a call for every TCP packet.
#[inline]
pub(super) fn is_dns_port(port: u16) -> bool {
    matches!(port, 53 | 5353)
}

/// The DNS message a packet carries, if it is on a DNS port and looks like DNS:
/// a UDP payload, or a TCP payload after its 2-byte length prefix.
pub(crate) fn dns_message<'a>(s: &Sliced<'a>) -> Option<&'a [u8]> {
    let on_port = |a: u16, b: u16| is_dns_port(a) || is_dns_port(b);
    if let Some(t) = &s.tcp {
        let msg = super::dns::tcp_dns(t.payload).filter(|_| on_port(t.sport(), t.dport()))?;
        return super::dns::looks_like_dns(msg).then_some(msg);
    }
    match s.packet.as_ref()?.transport.as_ref()? {
        TransportSlice::Udp(u) if on_port(u.source_port(), u.destination_port()) => {
            Some(u.payload()).filter(|p| super::dns::looks_like_dns(p))
        }
        _ => None,
    }
}

/// Byte offset of `part` inside `whole`, when `part` is a sub-slice of it.
pub fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    if p >= start && p + part.len() <= start + whole.len() {
        p - start
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_header_both_byte_orders() {
        let ip = [
            0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        for hdr in [[2u8, 0, 0, 0], [0, 0, 0, 2]] {
            let mut f = hdr.to_vec();
            f.extend_from_slice(&ip);
            let s = slice(LinkType::NULL, &f);
            match s.link {
                LinkHeader::Null { family, .. } => assert_eq!(family, 2),
                ref other => panic!("unexpected {other:?}"),
            }
            assert!(s.packet.unwrap().net.is_some());
        }
    }

    #[test]
    fn loop_is_big_endian_and_unknown_family_stops() {
        let f = [0u8, 0, 0, 99, 1, 2, 3];
        let s = slice(LinkType::LOOP, &f);
        assert!(s.packet.is_none());
        assert_eq!(
            s.link_stop,
            Some(LinkStop::Unsupported {
                protocol: "Null/Loopback",
                what: "address family 99".into()
            })
        );
    }

    #[test]
    fn short_frames_stop_with_needed_and_have() {
        assert_eq!(
            slice(LinkType::ETHERNET, &[1, 2, 3]).link_stop,
            Some(short("Ethernet II", 14, 3))
        );
        assert_eq!(
            slice(LinkType::LINUX_SLL2, &[0; 19]).link_stop,
            Some(short("Linux cooked capture v2", 20, 19))
        );
        for len in 0..SllHeader::LEN {
            let s = slice(LinkType::LINUX_SLL, &[0xff; 16][..len]);
            assert_eq!(
                s.link_stop,
                Some(short("Linux cooked capture v1", 16, len)),
                "{len}"
            );
            assert!(matches!(s.link, LinkHeader::Unknown) && s.packet.is_none());
        }
        assert_eq!(
            slice(LinkType(147), &[0; 30]).link_stop,
            Some(LinkStop::UnknownLinkType(147))
        );
    }

    /// A v1 header: packet type, hatype, halen, the address bytes 0xa0..=0xa7, protocol.
    fn sll1(pkttype: u16, hatype: u16, halen: u16, protocol: u16) -> Vec<u8> {
        let mut h = Vec::new();
        for v in [pkttype, hatype, halen] {
            h.extend_from_slice(&v.to_be_bytes());
        }
        h.extend(0xa0..=0xa7);
        h.extend_from_slice(&protocol.to_be_bytes());
        h
    }

    #[test]
    fn sll_header_view_reads_every_field_from_its_bytes() {
        let f = sll1(4, 772, 6, 0x86dd);
        let h = SllHeader::new(&f).expect("16 bytes");
        assert_eq!(h.bytes(), &f[..]);
        assert_eq!(h.pkttype(), 4);
        assert_eq!(h.hatype(), 772);
        assert_eq!(h.halen(), 6);
        assert_eq!(h.address(), &[0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5]);
        assert_eq!(h.protocol(), 0x86dd);
        assert_eq!(&f[SllHeader::PROTOCOL], &[0x86, 0xdd]);
        // The address never reaches past its 8 bytes, whatever the length says.
        for (halen, n) in [(0u16, 0usize), (8, 8), (9, 8), (0xffff, 8)] {
            let f = sll1(0, 1, halen, 0x0800);
            assert_eq!(SllHeader::new(&f).unwrap().address().len(), n, "{halen}");
        }
        assert!(SllHeader::new(&f[..15]).is_none());
        assert!(SllHeader::new(&[]).is_none());
    }

    #[test]
    fn sll_protocol_meaning_depends_on_the_hardware_type() {
        use SllProtocol as P;
        assert_eq!(P::classify(1, 0x0800), P::EtherType(0x0800));
        assert_eq!(P::classify(772, 0x86dd), P::EtherType(0x86dd));
        assert_eq!(P::classify(65534, 0x0601), P::EtherType(0x0601));
        assert_eq!(P::classify(ARPHRD_IPGRE, 0x0800), P::Gre(0x0800));
        assert_eq!(P::classify(ARPHRD_NETLINK, 0x0800), P::Netlink(0x0800));
        assert_eq!(P::classify(ARPHRD_NETLINK, 0), P::Netlink(0));
        assert_eq!(P::classify(ARPHRD_CAN, 0x000c), P::Can(0x000c));
        assert_eq!(P::classify(ARPHRD_CAN, 0x0800), P::Can(0x0800));
        // Up to 1536 the value is Linux's own, on any other hardware type.
        for hatype in [1, 772, ARPHRD_IPGRE, 12345] {
            assert_eq!(P::classify(hatype, 0x0004), P::Linux(0x0004));
            assert_eq!(P::classify(hatype, 1536), P::Linux(1536));
        }
        assert_eq!(sll_ltype_str(0x0001), "Raw 802.3 (0x0001)");
        assert_eq!(sll_ltype_str(0x0004), "802.2 LLC (0x0004)");
        assert_eq!(sll_ltype_str(0x000c), "CAN (0x000c)");
        assert_eq!(sll_ltype_str(0x000d), "CAN FD (0x000d)");
        assert_eq!(sll_ltype_str(0x0042), "Unknown (0x0042)");
    }

    #[test]
    fn sll_v1_and_v2_read_the_protocol_alike() {
        let ip = [
            0x45u8, 0, 0, 20, 0, 0, 0, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1,
        ];
        // v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype halen address(8).
        let sll2 = |hatype: u16, protocol: u16| {
            let mut f = protocol.to_be_bytes().to_vec();
            f.extend_from_slice(&[0, 0, 0, 0, 0, 1]);
            f.extend_from_slice(&hatype.to_be_bytes());
            f.extend_from_slice(&[0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
            f.extend_from_slice(&ip);
            f
        };
        let sll1 = |hatype: u16, protocol: u16| {
            let mut f = sll1(0, hatype, 6, protocol);
            f.extend_from_slice(&ip);
            f
        };
        for (lt, make, name) in [
            (
                LinkType::LINUX_SLL,
                &sll1 as &dyn Fn(u16, u16) -> Vec<u8>,
                "Linux cooked capture v1",
            ),
            (LinkType::LINUX_SLL2, &sll2, "Linux cooked capture v2"),
        ] {
            let f = make(772, 0x0800);
            let s = slice(lt, &f);
            assert!(s.link_stop.is_none(), "{name}");
            assert!(s.packet.unwrap().net.is_some(), "{name}");
            let f = make(ARPHRD_NETLINK, 0x0800);
            let s = slice(lt, &f);
            assert!(s.packet.is_none());
            let stop = LinkStop::Unsupported {
                protocol: name,
                what: "netlink".into(),
            };
            assert_eq!(s.link_stop, Some(stop));
            let f = make(1, 0x0004);
            let s = slice(lt, &f);
            let stop = LinkStop::Unsupported {
                protocol: name,
                what: "Linux protocol 802.2 LLC (0x0004)".into(),
            };
            assert_eq!(s.link_stop, Some(stop));
            let f = make(ARPHRD_CAN, 0x000d);
            let s = slice(lt, &f);
            let stop = LinkStop::Unsupported {
                protocol: name,
                what: "CAN FD frame (0x000d)".into(),
            };
            assert_eq!(s.link_stop, Some(stop));
        }
    }

    #[test]
    fn nflog_finds_payload_tlv_and_stops_on_bad_length() {
        // header, a 8-byte prefix TLV (type 1), then the payload TLV with 3 bytes (padded).
        let mut f = vec![
            2u8, 0, 0, 0, 8, 0, 1, 0, 0xaa, 0xbb, 0xcc, 0xdd, 7, 0, 9, 0, 1, 2, 3, 0,
        ];
        let tlvs: Vec<_> = nflog_tlvs(&f[4..]).collect();
        assert_eq!(tlvs.len(), 2);
        assert_eq!(tlvs[1].kind, NFULA_PAYLOAD);
        assert_eq!(tlvs[1].value, &[1, 2, 3]);
        f[4] = 200; // length past the end
        assert_eq!(nflog_tlvs(&f[4..]).count(), 0);
    }

    #[test]
    fn offset_of_sub_slice() {
        let v = [0u8; 10];
        assert_eq!(offset_in(&v, &v[3..7]), 3);
        assert_eq!(offset_in(&v, &[1, 2]), 0);
    }
}
