//! The compact per-packet summary kept for every packet of a capture.
//!
//! It is `Copy`, 28 bytes, and computed without allocating. Addresses are not
//! stored here: they live once per flow in the store's flow table.

use std::net::IpAddr;

use crate::ids::FlowSide;

use etherparse::{LaxNetSlice, LaxSlicedPacket, LenSource, LinkSlice, TransportSlice};

use super::net::internet_checksum;
use super::slice::{LinkHeader, Sliced, TcpBytes};

/// The protocol that names a packet (the deepest one decoded).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Proto {
    #[default]
    Frame,
    Eth,
    Vlan,
    Sll,
    Null,
    Nflog,
    Arp,
    Ipv4,
    Ipv6,
    Icmp,
    Icmpv6,
    Igmp,
    Udp,
    Tcp,
    Dns,
}

impl Proto {
    pub const ALL: [Proto; 15] = [
        Proto::Frame,
        Proto::Eth,
        Proto::Vlan,
        Proto::Sll,
        Proto::Null,
        Proto::Nflog,
        Proto::Arp,
        Proto::Ipv4,
        Proto::Ipv6,
        Proto::Icmp,
        Proto::Icmpv6,
        Proto::Igmp,
        Proto::Udp,
        Proto::Tcp,
        Proto::Dns,
    ];

    /// Key used in `stats` JSON and filters.
    pub fn key(self) -> &'static str {
        match self {
            Proto::Frame => "frame",
            Proto::Eth => "eth",
            Proto::Vlan => "vlan",
            Proto::Sll => "sll",
            Proto::Null => "null",
            Proto::Nflog => "nflog",
            Proto::Arp => "arp",
            Proto::Ipv4 => "ipv4",
            Proto::Ipv6 => "ipv6",
            Proto::Icmp => "icmp",
            Proto::Icmpv6 => "icmpv6",
            Proto::Igmp => "igmp",
            Proto::Udp => "udp",
            Proto::Tcp => "tcp",
            Proto::Dns => "dns",
        }
    }

    /// Name for the Protocol column.
    pub fn column(self) -> &'static str {
        match self {
            Proto::Frame => "Frame",
            Proto::Eth => "Ethernet",
            Proto::Vlan => "802.1Q",
            Proto::Sll => "SLL",
            Proto::Null => "NULL",
            Proto::Nflog => "NFLOG",
            Proto::Arp => "ARP",
            Proto::Ipv4 => "IPv4",
            Proto::Ipv6 => "IPv6",
            Proto::Icmp => "ICMP",
            Proto::Icmpv6 => "ICMPv6",
            Proto::Igmp => "IGMP",
            Proto::Udp => "UDP",
            Proto::Tcp => "TCP",
            Proto::Dns => "DNS",
        }
    }
}

/// A set of [`Proto`]s, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProtoSet(pub u32);

impl ProtoSet {
    pub fn insert(&mut self, p: Proto) {
        self.0 |= 1 << p as u8;
    }
    pub fn contains(self, p: Proto) -> bool {
        self.0 & (1 << p as u8) != 0
    }
    pub fn iter(self) -> impl Iterator<Item = Proto> {
        Proto::ALL.into_iter().filter(move |p| self.contains(*p))
    }
}

/// TCP flag bits as they sit in the header (low 12 bits of bytes 12-13).
pub mod tcp_flags {
    pub const FIN: u16 = 0x001;
    pub const SYN: u16 = 0x002;
    pub const RST: u16 = 0x004;
    pub const PSH: u16 = 0x008;
    pub const ACK: u16 = 0x010;
    pub const URG: u16 = 0x020;
    pub const ECE: u16 = 0x040;
    pub const CWR: u16 = 0x080;
    pub const AE: u16 = 0x100;
}

/// Anomaly bits; each set bit is one warning in the packet's field tree.
pub mod anomaly {
    pub const SNAPLEN_TRUNCATED: u16 = 1 << 0;
    pub const BAD_IPV4_CHECKSUM: u16 = 1 << 1;
    pub const IP_FRAGMENT: u16 = 1 << 2;
    pub const IP_PAYLOAD_INCOMPLETE: u16 = 1 << 3;
    pub const TCP_BAD_FLAGS: u16 = 1 << 4;
    pub const TCP_HEADER_CUT: u16 = 1 << 5;
    pub const DNS_MALFORMED: u16 = 1 << 6;
    /// The end of the file cut the packet short (set by the store, which knows the file).
    pub const CUT_BY_END_OF_FILE: u16 = 1 << 7;
    /// Decoding stopped before the end of the frame (not counted as a warning).
    pub const STOPPED: u16 = 1 << 15;
    /// The bits that are warnings.
    pub const WARNINGS: u16 = !STOPPED;
}

/// The compact summary of one packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub protos: ProtoSet,
    /// Index into the store's flow table; `u32::MAX` when the packet has no flow.
    pub flow: u32,
    pub seq: u32,
    pub ack: u32,
    /// Transport payload length on the wire in bytes (TCP/UDP), else 0.
    pub payload_len: u32,
    pub tcp_flags: u16,
    pub anomalies: u16,
    /// Where the captured TCP payload starts in the frame (0: none, or past 64 KiB).
    pub payload_off: u16,
    pub top: Proto,
    /// The way the packet travels relative to its flow's key (from the flow's first
    /// sender, or the other way); not client/server, which its TCP conversation knows.
    pub dir: FlowSide,
}

impl Summary {
    pub const NO_FLOW: u32 = u32::MAX;

    /// The captured TCP payload within this packet's `data`, when the summary knows
    /// where it is (saves slicing the packet again).
    pub fn tcp_payload<'a>(&self, data: &'a [u8]) -> Option<&'a [u8]> {
        let off = usize::from(self.payload_off);
        let end = off
            .saturating_add(self.payload_len as usize)
            .min(data.len());
        (off != 0).then(|| data.get(off..end)).flatten()
    }

    /// The captured TCP payload of the packet: where the summary says, else
    /// found by slicing the packet again (empty if it has none).
    pub fn tcp_payload_in<'a>(
        &self,
        link_type: crate::capture::LinkType,
        data: &'a [u8],
    ) -> &'a [u8] {
        self.tcp_payload(data)
            .unwrap_or_else(|| super::tcp_payload(link_type, data))
    }

    pub fn warning_count(&self) -> u32 {
        (self.anomalies & anomaly::WARNINGS).count_ones()
    }
}

/// The addresses and ports of a packet, used as a flow key by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Endpoints {
    /// IP protocol number (6 TCP, 17 UDP, 1 ICMP, ...).
    pub proto: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
}

pub(crate) fn from_sliced(
    s: &Sliced<'_>,
    origlen: u32,
    data: &[u8],
) -> (Summary, Option<Endpoints>) {
    let mut sum = Summary {
        flow: Summary::NO_FLOW,
        ..Summary::default()
    };
    let mut set = |p: Proto, sum: &mut Summary| {
        sum.protos.insert(p);
        sum.top = p;
    };
    set(Proto::Frame, &mut sum);
    if (data.len() as u64) < u64::from(origlen) {
        sum.anomalies |= anomaly::SNAPLEN_TRUNCATED;
    }
    match s.link {
        LinkHeader::Ethernet if s.packet.as_ref().is_some_and(|p| p.link.is_some()) => {
            set(Proto::Eth, &mut sum)
        }
        LinkHeader::Sll(_) | LinkHeader::Sll2(_) => {
            set(Proto::Sll, &mut sum);
            // Linux protocol 0x0003: a whole Ethernet frame follows the cooked header.
            if let Some(LinkSlice::Ethernet2(_)) = s.packet.as_ref().and_then(|p| p.link.as_ref()) {
                set(Proto::Eth, &mut sum);
            }
        }
        LinkHeader::Null { .. } => set(Proto::Null, &mut sum),
        LinkHeader::Nflog { .. } => set(Proto::Nflog, &mut sum),
        _ => {}
    }
    if s.link_stop.is_some() {
        sum.anomalies |= anomaly::STOPPED;
    }
    let Some(p) = &s.packet else {
        return (sum, None);
    };
    if !p.link_exts.is_empty() {
        set(Proto::Vlan, &mut sum);
    }
    let ep = net_summary(p, s.tcp, &mut sum, &mut set);
    if let Some(t) = s.tcp.filter(|t| !t.payload.is_empty()) {
        sum.payload_off = u16::try_from(super::slice::offset_in(data, t.payload)).unwrap_or(0);
    }
    if let Some(msg) = super::slice::dns_message(s) {
        set(Proto::Dns, &mut sum);
        if super::dns::malformed(msg) {
            sum.anomalies |= anomaly::DNS_MALFORMED;
        }
    }
    if p.stop_err.is_some() {
        sum.anomalies |= anomaly::STOPPED;
    }
    (sum, ep)
}

fn net_summary(
    p: &LaxSlicedPacket<'_>,
    tcp: Option<TcpBytes<'_>>,
    sum: &mut Summary,
    set: &mut impl FnMut(Proto, &mut Summary),
) -> Option<Endpoints> {
    let (src, dst, ipp) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            set(Proto::Ipv4, sum);
            let h = v4.header();
            if h.header_checksum() != 0 && internet_checksum(h.slice()) != 0 {
                sum.anomalies |= anomaly::BAD_IPV4_CHECKSUM;
            }
            if h.is_fragmenting_payload() {
                sum.anomalies |= anomaly::IP_FRAGMENT;
            }
            (
                IpAddr::from(h.source()),
                IpAddr::from(h.destination()),
                v4.payload(),
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            set(Proto::Ipv6, sum);
            if v6.is_payload_fragmented() {
                sum.anomalies |= anomaly::IP_FRAGMENT;
            }
            let h = v6.header();
            (
                IpAddr::from(h.source()),
                IpAddr::from(h.destination()),
                v6.payload(),
            )
        }
        Some(LaxNetSlice::Arp(_)) => {
            set(Proto::Arp, sum);
            return None;
        }
        None => return None,
    };
    if ipp.incomplete && ipp.len_source != LenSource::Slice {
        sum.anomalies |= anomaly::IP_PAYLOAD_INCOMPLETE;
    }
    let mut ep = Endpoints {
        proto: ipp.ip_number.0,
        src,
        dst,
        sport: 0,
        dport: 0,
    };
    if let Some(t) = tcp {
        set(Proto::Tcp, sum);
        sum.tcp_flags = t.flags();
        sum.seq = t.seq();
        sum.ack = t.ack();
        sum.payload_len = t.wire_len as u32;
        if bad_tcp_flags(sum.tcp_flags) {
            sum.anomalies |= anomaly::TCP_BAD_FLAGS;
        }
        if t.cut_at.is_some() {
            sum.anomalies |= anomaly::TCP_HEADER_CUT;
        }
        (ep.sport, ep.dport) = (t.sport(), t.dport());
        return Some(ep);
    }
    match &p.transport {
        Some(TransportSlice::Udp(u)) => {
            set(Proto::Udp, sum);
            sum.payload_len = u.payload().len() as u32;
            (ep.sport, ep.dport) = (u.source_port(), u.destination_port());
        }
        Some(TransportSlice::Icmpv4(_)) => set(Proto::Icmp, sum),
        Some(TransportSlice::Icmpv6(_)) => set(Proto::Icmpv6, sum),
        Some(TransportSlice::Igmp(_)) => set(Proto::Igmp, sum),
        Some(TransportSlice::Tcp(_)) | None => {}
    }
    Some(ep)
}

/// SYN+FIN, SYN+RST, or no flag at all: the combinations the tree warns about.
pub(crate) fn bad_tcp_flags(f: u16) -> bool {
    use tcp_flags::*;
    let syn = f & SYN != 0;
    (syn && f & (FIN | RST) != 0) || f & 0x3f == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_compact() {
        assert!(
            std::mem::size_of::<Summary>() <= 28,
            "{}",
            std::mem::size_of::<Summary>()
        );
    }

    #[test]
    fn proto_set_round_trip() {
        let mut s = ProtoSet::default();
        s.insert(Proto::Tcp);
        s.insert(Proto::Eth);
        assert!(s.contains(Proto::Tcp) && !s.contains(Proto::Udp));
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![Proto::Eth, Proto::Tcp]);
    }

    #[test]
    fn bad_flag_combinations() {
        use tcp_flags::*;
        assert!(bad_tcp_flags(SYN | FIN));
        assert!(bad_tcp_flags(SYN | RST | ACK));
        assert!(bad_tcp_flags(0));
        assert!(!bad_tcp_flags(SYN));
        assert!(!bad_tcp_flags(RST | ACK));
        assert!(!bad_tcp_flags(FIN | ACK));
    }
}
