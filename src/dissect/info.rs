//! The one-line view of a packet (Source, Destination, Protocol, Info), as
//! tshark prints it. Formatted only for the rows someone looks at.

use std::fmt::Write;

use etherparse::{
    LaxNetSlice, LaxSlicedPacket, LinkSlice, TcpOptionElement, TcpOptionsIterator, TransportSlice,
};

use super::fmt::{mac, push_ip, push_num};
use super::net::ip_proto_str;
use super::slice::{LinkHeader, LinkStop, Sliced, TcpBytes};
use super::summary::tcp_flags::*;

/// Relative sequence-number bases of a TCP packet's direction, from the flow table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpRel {
    /// Initial sequence number of this direction (the SYN's, or the first seen).
    pub seq_base: u32,
    /// Initial sequence number of the other direction, once seen.
    pub ack_base: Option<u32>,
    /// Window-scale shift of this direction, known once both SYNs were seen (RFC 7323:
    /// scaling is on only when both offered it; then it applies to segments after the SYNs).
    pub win_shift: Option<u8>,
}

impl TcpRel {
    /// The window in bytes as the receiver reads it: shifted, except on SYNs.
    pub fn window(rel: Option<TcpRel>, raw: u16, flags: u16) -> u32 {
        match rel.and_then(|r| r.win_shift) {
            Some(shift) if flags & SYN == 0 => u32::from(raw) << shift,
            _ => u32::from(raw),
        }
    }
}

/// The text columns of one packet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    pub src: String,
    pub dst: String,
    pub protocol: &'static str,
    pub info: String,
}

/// Flag names in tshark's order.
const FLAG_NAMES: [(u16, &str); 9] = [
    (FIN, "FIN"),
    (SYN, "SYN"),
    (RST, "RST"),
    (PSH, "PSH"),
    (ACK, "ACK"),
    (URG, "URG"),
    (ECE, "ECE"),
    (CWR, "CWR"),
    (AE, "AE"),
];

/// `SYN, ACK`: flag names in tshark's order.
pub fn tcp_flags_str(f: u16) -> String {
    let mut s = String::new();
    push_flags(&mut s, f);
    s
}

/// [`tcp_flags_str`], appended.
fn push_flags(s: &mut String, f: u16) {
    let start = s.len();
    for (bit, name) in FLAG_NAMES {
        if f & bit != 0 {
            if s.len() > start {
                s.push_str(", ");
            }
            s.push_str(name);
        }
    }
    if s.len() == start {
        s.push_str("<None>");
    }
}

pub fn icmp_type_name(ty: u8, code: u8) -> String {
    let s = match ty {
        0 => "Echo (ping) reply",
        3 => match code {
            0 => "Destination unreachable (Network unreachable)",
            1 => "Destination unreachable (Host unreachable)",
            2 => "Destination unreachable (Protocol unreachable)",
            3 => "Destination unreachable (Port unreachable)",
            4 => "Destination unreachable (Fragmentation needed)",
            _ => "Destination unreachable",
        },
        4 => "Source quench",
        5 => "Redirect",
        8 => "Echo (ping) request",
        9 => "Router advertisement",
        10 => "Router solicitation",
        11 => "Time-to-live exceeded",
        12 => "Parameter problem",
        13 => "Timestamp request",
        14 => "Timestamp reply",
        _ => return format!("Unknown ICMP (type {ty}, code {code})"),
    };
    s.to_string()
}

pub fn icmpv6_type_name(ty: u8, code: u8) -> String {
    let s = match ty {
        1 => "Destination Unreachable",
        2 => "Packet Too Big",
        3 => "Time Exceeded",
        4 => "Parameter Problem",
        128 => "Echo (ping) request",
        129 => "Echo (ping) reply",
        130 => "Multicast Listener Query",
        131 => "Multicast Listener Report",
        133 => "Router Solicitation",
        134 => "Router Advertisement",
        135 => "Neighbor Solicitation",
        136 => "Neighbor Advertisement",
        137 => "Redirect",
        143 => "Multicast Listener Report Message v2",
        _ => return format!("Unknown ICMPv6 (type {ty}, code {code})"),
    };
    s.to_string()
}

/// The columns of a sliced packet. Each layer's text replaces the one below it, so
/// only the text that is shown is formatted: a layer's info is written only when no
/// layer above has one, and the TCP line not at all when `tcp_info` is false (the
/// caller has a line from above TCP). Rows are the bulk of `inspect`'s time.
pub(crate) fn columns(
    s: &Sliced<'_>,
    snaplen_cut: bool,
    rel: Option<TcpRel>,
    tcp_info: bool,
) -> Columns {
    let mut c = Columns::default();
    link_columns(s, &mut c);
    if let Some(p) = &s.packet {
        net_columns(p, s.tcp.is_some(), &mut c);
        transport_columns(p, s.tcp, rel.filter(|_| tcp_info), tcp_info, &mut c);
        if let Some(info) = super::slice::dns_message(s).and_then(super::dns::info) {
            c.protocol = "DNS";
            c.info = info;
        }
        if let Some((err, _)) = &p.stop_err {
            if snaplen_cut && is_cut_short(err) {
                c.info.push_str(" [Packet size limited during capture]");
            } else {
                let _ = write!(c.info, " [Malformed: {}]", super::tree::stop_reason(err));
            }
        }
    }
    if let Some(stop) = &s.link_stop {
        c.info = match stop {
            LinkStop::Short {
                protocol,
                needed,
                have,
            } => {
                format!("[Malformed: {protocol} header needs {needed} bytes, {have} captured]")
            }
            LinkStop::Unsupported { protocol, what } => {
                format!("{protocol}: {what} is not decoded")
            }
            LinkStop::UnknownLinkType(n) => format!("Link type {n} is not decoded"),
        };
    }
    let blank = c.info.len() - c.info.trim_start().len();
    c.info.drain(..blank);
    c
}

/// Decoding ran out of captured bytes (rather than meeting a bad value).
fn is_cut_short(err: &etherparse::err::packet::SliceError) -> bool {
    use etherparse::{err::packet::SliceError, LenSource};
    matches!(err, SliceError::Len(l) if l.len_source == LenSource::Slice)
}

fn link_columns(s: &Sliced<'_>, c: &mut Columns) {
    c.protocol = match &s.link {
        LinkHeader::Ethernet => "Ethernet",
        LinkHeader::Sll(_) | LinkHeader::Sll2(_) => "SLL",
        LinkHeader::Null { .. } => "NULL",
        LinkHeader::Nflog { .. } => "NFLOG",
        LinkHeader::Raw | LinkHeader::Unknown => "Frame",
    };
    let p = s.packet.as_ref();
    // An IP layer puts its addresses and text in place of these; ARP keeps the MACs.
    if p.is_some_and(|p| matches!(p.net, Some(LaxNetSlice::Ipv4(_) | LaxNetSlice::Ipv6(_)))) {
        return;
    }
    if let Some(LinkSlice::Ethernet2(e)) = p.and_then(|p| p.link.as_ref()) {
        c.src = mac(&e.source());
        let dst = e.destination();
        c.dst = if dst == [0xff; 6] {
            "Broadcast".to_string()
        } else {
            mac(&dst)
        };
        if p.is_some_and(|p| p.net.is_none()) {
            let et = e.ether_type().0;
            c.info = format!("EtherType 0x{et:04x}");
        }
    }
}

/// `tcp`: TCP was found (maybe where etherparse's lax slicing did not say so); then,
/// as for any transport, the transport's text replaces the network layer's.
fn net_columns(p: &LaxSlicedPacket<'_>, tcp: bool, c: &mut Columns) {
    let covered = tcp
        || matches!(
            p.transport,
            Some(
                TransportSlice::Udp(_)
                    | TransportSlice::Icmpv4(_)
                    | TransportSlice::Icmpv6(_)
                    | TransportSlice::Igmp(_)
            )
        );
    match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            push_ip(&mut c.src, h.source_addr().into());
            push_ip(&mut c.dst, h.destination_addr().into());
            c.protocol = "IPv4";
            let pl = v4.payload();
            c.info = if covered {
                String::new()
            } else if pl.fragmented {
                format!(
                    "Fragmented IP protocol (proto={}, off={}, ID={:04x})",
                    ip_proto_str(pl.ip_number),
                    u32::from(h.fragments_offset().value()) * 8,
                    h.identification()
                )
            } else {
                format!("IP protocol {}", ip_proto_str(pl.ip_number))
            };
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            c.src = h.source_addr().to_string();
            c.dst = h.destination_addr().to_string();
            c.protocol = "IPv6";
            let pl = v6.payload();
            if !covered {
                let frag = if pl.fragmented { "Fragmented " } else { "" };
                c.info = format!("{frag}IPv6 next header {}", ip_proto_str(pl.ip_number));
            }
        }
        Some(LaxNetSlice::Arp(a)) => {
            c.protocol = "ARP";
            let ip = |b: &[u8]| match b {
                [a, b, c, d] => format!("{a}.{b}.{c}.{d}"),
                other => mac(other),
            };
            let (spa, tpa) = (ip(a.sender_protocol_addr()), ip(a.target_protocol_addr()));
            c.info = match a.operation().0 {
                1 => format!("Who has {tpa}? Tell {spa}"),
                2 => format!("{spa} is at {}", mac(a.sender_hw_addr())),
                op => format!("ARP opcode {op}"),
            };
        }
        None => {}
    }
}

fn transport_columns(
    p: &LaxSlicedPacket<'_>,
    tcp: Option<TcpBytes<'_>>,
    rel: Option<TcpRel>,
    tcp_info_wanted: bool,
    c: &mut Columns,
) {
    if let Some(t) = tcp {
        c.protocol = "TCP";
        if tcp_info_wanted {
            c.info = tcp_info(&t, rel);
        }
        return;
    }
    let ttl = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => v4.header().ttl(),
        Some(LaxNetSlice::Ipv6(v6)) => v6.header().hop_limit(),
        _ => 0,
    };
    match &p.transport {
        Some(TransportSlice::Udp(u)) => {
            c.protocol = "UDP";
            c.info = format!(
                "{} → {} Len={}",
                u.source_port(),
                u.destination_port(),
                u.payload().len()
            );
        }
        Some(TransportSlice::Icmpv4(i)) => {
            c.protocol = "ICMP";
            c.info = icmp_info(
                icmp_type_name(i.type_u8(), i.code_u8()),
                i.slice(),
                matches!(i.type_u8(), 0 | 8),
                ttl,
            );
        }
        Some(TransportSlice::Icmpv6(i)) => {
            c.protocol = "ICMPv6";
            let echo = matches!(i.type_u8(), 128 | 129);
            c.info = icmp_info(
                icmpv6_type_name(i.type_u8(), i.code_u8()),
                i.slice(),
                echo,
                ttl,
            );
        }
        Some(TransportSlice::Igmp(g)) => {
            c.protocol = "IGMP";
            c.info = format!("IGMP type 0x{:02x}", g.type_u8());
        }
        Some(TransportSlice::Tcp(_)) | None => {}
    }
}

fn icmp_info(name: String, s: &[u8], echo: bool, ttl: u8) -> String {
    if !echo || s.len() < 8 {
        return name;
    }
    let id = u16::from_be_bytes([s[4], s[5]]);
    let seq = u16::from_be_bytes([s[6], s[7]]);
    format!(
        "{name}  id=0x{id:04x}, seq={seq}/{}, ttl={ttl}",
        seq.swap_bytes()
    )
}

/// ` SLE=… SRE=…` for one SACK block, relative to `base`.
fn push_sack(s: &mut String, (le, re): (u32, u32), base: u32) {
    s.push_str(" SLE=");
    push_num(s, le.wrapping_sub(base));
    s.push_str(" SRE=");
    push_num(s, re.wrapping_sub(base));
}

/// `47889 → 8080 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 …`, written without `core::fmt`
/// (a row in four is a bare TCP segment; see [`push_num`]).
fn tcp_info(t: &TcpBytes<'_>, rel: Option<TcpRel>) -> String {
    let flags = t.flags();
    let seq = rel.map_or(t.seq(), |r| t.seq().wrapping_sub(r.seq_base));
    let mut s = String::with_capacity(96);
    push_num(&mut s, t.sport());
    s.push_str(" → ");
    push_num(&mut s, t.dport());
    s.push_str(" [");
    push_flags(&mut s, flags);
    s.push_str("] Seq=");
    push_num(&mut s, seq);
    if flags & ACK != 0 {
        let ack = t.ack();
        let ack = rel
            .and_then(|r| r.ack_base)
            .map_or(ack, |b| ack.wrapping_sub(b));
        s.push_str(" Ack=");
        push_num(&mut s, ack);
    }
    s.push_str(" Win=");
    push_num(&mut s, TcpRel::window(rel, t.window(), flags));
    s.push_str(" Len=");
    push_num(&mut s, t.wire_len);
    if flags & URG != 0 {
        s.push_str(" Urg=");
        push_num(&mut s, t.urgent());
    }
    for o in TcpOptionsIterator::from_slice(t.options()).flatten() {
        match o {
            TcpOptionElement::MaximumSegmentSize(v) => {
                s.push_str(" MSS=");
                push_num(&mut s, v);
            }
            TcpOptionElement::WindowScale(v) => {
                s.push_str(" WS=");
                push_num(&mut s, 1u32 << u32::from(v).min(14));
            }
            TcpOptionElement::SelectiveAcknowledgementPermitted => s.push_str(" SACK_PERM"),
            TcpOptionElement::Timestamp(v, e) => {
                s.push_str(" TSval=");
                push_num(&mut s, v);
                s.push_str(" TSecr=");
                push_num(&mut s, e);
            }
            TcpOptionElement::SelectiveAcknowledgement(first, rest) => {
                let base = rel.and_then(|r| r.ack_base).unwrap_or(0);
                push_sack(&mut s, first, base);
                for block in rest.iter().flatten() {
                    push_sack(&mut s, *block, base);
                }
            }
            TcpOptionElement::Noop => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_strings_in_tshark_order() {
        assert_eq!(tcp_flags_str(SYN | ACK), "SYN, ACK");
        assert_eq!(tcp_flags_str(FIN | PSH | ACK), "FIN, PSH, ACK");
        assert_eq!(tcp_flags_str(RST | ACK), "RST, ACK");
        assert_eq!(tcp_flags_str(0), "<None>");
    }

    #[test]
    fn icmp_names() {
        assert_eq!(
            icmp_type_name(3, 3),
            "Destination unreachable (Port unreachable)"
        );
        assert_eq!(icmp_type_name(200, 1), "Unknown ICMP (type 200, code 1)");
        assert_eq!(icmpv6_type_name(135, 0), "Neighbor Solicitation");
    }
}
