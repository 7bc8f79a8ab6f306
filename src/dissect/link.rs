//! Layer 1 (the frame as captured) and layer 2 (link headers) of the field tree.

use etherparse::{LaxLinkExtSlice, LaxSlicedPacket, LinkSlice};

use super::fmt::{mac, secs, utc};
use super::slice::{nflog_tlvs, null_family_name, LinkHeader, Sliced, NFULA_PAYLOAD};
use super::tree::{Field, Layer, Tree};
use super::{FrameMeta, Osi};

pub(crate) fn frame_layer(t: &mut Tree<'_>, m: &FrameMeta) {
    let all = [0, m.caplen.min(t.frame.len() as u32)];
    let title = format!(
        "Frame {}: {} bytes on wire ({} bits), {} bytes captured ({} bits) on interface {}",
        m.number,
        m.origlen,
        u64::from(m.origlen) * 8,
        m.caplen,
        u64::from(m.caplen) * 8,
        m.iface
    );
    let mut l = Layer::new(Osi::Physical, "frame", title, all);
    let lt = m.link_type;
    l.fields = vec![
        Field::new("frame.interface_id", "Interface id", m.iface, all),
        Field::new(
            "frame.encap_type",
            "Link type",
            format!("{} ({})", lt.name(), lt.0),
            all,
        ),
        Field::new("frame.time", "Arrival Time", utc(m.ts_ns), all),
        Field::new("frame.time_epoch", "Epoch Arrival Time", secs(m.ts_ns), all),
        Field::new(
            "frame.time_relative",
            "Time since reference or first frame",
            format!("{} seconds", secs(m.ts_ns - m.first_ts_ns)),
            all,
        ),
        Field::new("frame.number", "Frame Number", m.number, all),
        Field::new(
            "frame.len",
            "Frame Length",
            format!("{} bytes", m.origlen),
            all,
        ),
        Field::new(
            "frame.cap_len",
            "Capture Length",
            format!("{} bytes", m.caplen),
            all,
        ),
    ];
    t.layers.push(l);
    if m.caplen < m.origlen {
        let msg = format!(
            "packet truncated by the capture: {} of {} bytes captured (snaplen)",
            m.caplen, m.origlen
        );
        t.warn(Osi::Physical, "frame", msg, Some(all));
    }
}

pub(crate) fn link_layers(t: &mut Tree<'_>, s: &Sliced<'_>) {
    match &s.link {
        LinkHeader::Ethernet => {
            if let Some(LinkSlice::Ethernet2(e)) = s.packet.as_ref().and_then(|p| p.link.as_ref()) {
                ethernet(t, e.header_slice());
            }
        }
        LinkHeader::Sll(sll) => sll_v1(t, sll.header_slice()),
        LinkHeader::Sll2(h) => sll_v2(t, h),
        LinkHeader::Null {
            header,
            family,
            loop_,
        } => null(t, header, *family, *loop_),
        LinkHeader::Nflog {
            header,
            family,
            tlvs,
        } => nflog(t, header, *family, tlvs),
        LinkHeader::Raw | LinkHeader::Unknown => {}
    }
    if let Some(p) = &s.packet {
        vlans(t, p);
    }
}

/// `IPv4 (0x0800)`, Wireshark's way of showing an EtherType.
pub(crate) fn ether_type_str(v: u16) -> String {
    let name = match v {
        0x0800 => "IPv4",
        0x0806 => "ARP",
        0x86dd => "IPv6",
        0x8100 => "802.1Q Virtual LAN",
        0x88a8 => "802.1ad Provider Bridge (Q-in-Q)",
        0x9100 => "802.1Q-in-Q",
        0x8035 => "RARP",
        0x88cc => "LLDP",
        0x88e5 => "MACsec",
        0x8847 => "MPLS label switched packet",
        0x8864 => "PPPoE Session",
        _ => return format!("Unknown (0x{v:04x})"),
    };
    format!("{name} (0x{v:04x})")
}

fn ethernet(t: &mut Tree<'_>, h: &[u8]) {
    if h.len() < 14 {
        return;
    }
    let (dst, src) = (mac(&h[0..6]), mac(&h[6..12]));
    let et = u16::from_be_bytes([h[12], h[13]]);
    let mut l = Layer::new(
        Osi::DataLink,
        "eth",
        format!("Ethernet II, Src: {src}, Dst: {dst}"),
        t.range(h),
    );
    l.fields = vec![
        Field::new("eth.dst", "Destination", dst, t.sub(h, 0, 6)),
        Field::new("eth.src", "Source", src, t.sub(h, 6, 6)),
        Field::new("eth.type", "Type", ether_type_str(et), t.sub(h, 12, 2)),
    ];
    t.layers.push(l);
}

fn vlans(t: &mut Tree<'_>, p: &LaxSlicedPacket<'_>) {
    for ext in &p.link_exts {
        let LaxLinkExtSlice::Vlan(v) = ext else {
            continue;
        };
        let h = v.header_slice();
        let tci = u16::from_be_bytes([h[0], h[1]]);
        let (pcp, dei, id) = (tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
        let et = u16::from_be_bytes([h[2], h[3]]);
        let title = format!("802.1Q Virtual LAN, PRI: {pcp}, DEI: {dei}, ID: {id}");
        let mut l = Layer::new(Osi::DataLink, "vlan", title, t.range(h));
        let tci_r = t.sub(h, 0, 2);
        l.fields = vec![
            Field::new("vlan.priority", "Priority", pcp, tci_r),
            Field::new("vlan.dei", "DEI", dei, tci_r),
            Field::new("vlan.id", "ID", id, tci_r),
            Field::new("vlan.etype", "Type", ether_type_str(et), t.sub(h, 2, 2)),
        ];
        t.layers.push(l);
    }
}

fn sll_packet_type(v: u16) -> &'static str {
    match v {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        _ => "Unknown",
    }
}

/// Linux cooked v1: pkttype(2) hatype(2) halen(2) address(8) protocol(2).
fn sll_v1(t: &mut Tree<'_>, h: &[u8]) {
    if h.len() < 16 {
        return;
    }
    let be = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let halen = usize::from(be(4)).min(8);
    let mut l = Layer::new(Osi::DataLink, "sll", "Linux cooked capture v1", t.range(h));
    l.fields = vec![
        Field::new("sll.pkttype", "Packet type", pt(be(0)), t.sub(h, 0, 2)),
        Field::new(
            "sll.hatype",
            "Link-layer address type",
            be(2),
            t.sub(h, 2, 2),
        ),
        Field::new(
            "sll.halen",
            "Link-layer address length",
            be(4),
            t.sub(h, 4, 2),
        ),
        Field::new(
            "sll.src.eth",
            "Source",
            mac(&h[6..6 + halen]),
            t.sub(h, 6, 8),
        ),
        Field::new(
            "sll.etype",
            "Protocol",
            ether_type_str(be(14)),
            t.sub(h, 14, 2),
        ),
    ];
    t.layers.push(l);
}

fn pt(v: u16) -> String {
    format!("{} ({v})", sll_packet_type(v))
}

/// Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) address(8).
fn sll_v2(t: &mut Tree<'_>, h: &[u8]) {
    if h.len() < 20 {
        return;
    }
    let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let ifindex = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    let halen = usize::from(h[11]).min(8);
    let mut l = Layer::new(Osi::DataLink, "sll", "Linux cooked capture v2", t.range(h));
    l.fields = vec![
        Field::new(
            "sll.etype",
            "Protocol",
            ether_type_str(be16(0)),
            t.sub(h, 0, 2),
        ),
        Field::new("sll.reserved", "Reserved", be16(2), t.sub(h, 2, 2)),
        Field::new("sll.ifindex", "Interface index", ifindex, t.sub(h, 4, 4)),
        Field::new(
            "sll.hatype",
            "Link-layer address type",
            be16(8),
            t.sub(h, 8, 2),
        ),
        Field::new(
            "sll.pkttype",
            "Packet type",
            pt(u16::from(h[10])),
            t.sub(h, 10, 1),
        ),
        Field::new(
            "sll.halen",
            "Link-layer address length",
            h[11],
            t.sub(h, 11, 1),
        ),
        Field::new(
            "sll.src.eth",
            "Source",
            mac(&h[12..12 + halen]),
            t.sub(h, 12, 8),
        ),
    ];
    t.layers.push(l);
}

fn null(t: &mut Tree<'_>, h: &[u8], family: u32, loop_: bool) {
    let (proto, title) = if loop_ {
        ("loop", "OpenBSD loopback")
    } else {
        ("null", "Null/Loopback")
    };
    let fam = match null_family_name(family) {
        Some(n) => format!("{n} ({family})"),
        None => format!("Unknown ({family})"),
    };
    let mut l = Layer::new(Osi::DataLink, proto, title, t.range(h));
    let name = if loop_ { "loop.family" } else { "null.family" };
    l.fields = vec![Field::new(name, "Family", fam, t.range(h))];
    t.layers.push(l);
}

fn nflog(t: &mut Tree<'_>, h: &[u8], family: u8, tlvs: &[u8]) {
    let fam = match family {
        2 => "IPv4 (2)".to_string(),
        10 => "IPv6 (10)".to_string(),
        f => format!("Unknown ({f})"),
    };
    let end = t.range(tlvs)[1];
    let mut l = Layer::new(
        Osi::DataLink,
        "nflog",
        "Linux Netfilter NFLOG",
        [t.range(h)[0], end],
    );
    l.fields = vec![
        Field::new("nflog.family", "Family", fam, t.sub(h, 0, 1)),
        Field::new("nflog.version", "Version", h[1], t.sub(h, 1, 1)),
        Field::new(
            "nflog.res_id",
            "Resource id",
            u16::from_be_bytes([h[2], h[3]]),
            t.sub(h, 2, 2),
        ),
    ];
    for tlv in nflog_tlvs(tlvs) {
        let r = t.range(tlv.whole);
        let kind = if tlv.kind == NFULA_PAYLOAD {
            "payload".to_string()
        } else {
            tlv.kind.to_string()
        };
        let f = Field::new(
            "nflog.tlv",
            "TLV",
            format!("type {kind}, {} bytes", tlv.whole.len()),
            r,
        )
        .with(vec![
            Field::new(
                "nflog.tlv_length",
                "Length",
                tlv.whole.len(),
                t.sub(tlv.whole, 0, 2),
            ),
            Field::new("nflog.tlv_type", "Type", tlv.kind, t.sub(tlv.whole, 2, 2)),
        ]);
        l.fields.push(f);
        if tlv.kind == NFULA_PAYLOAD {
            // The payload TLV's value is the IP packet: its bytes belong to layer 3.
            l.range[1] = t.sub(tlv.whole, 4, 0)[1];
            break;
        }
        l.range[1] = r[1];
    }
    t.layers.push(l);
}
