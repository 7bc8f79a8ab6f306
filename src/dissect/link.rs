//! Layer 1 (the frame as captured) and layer 2 (link headers) of the field tree.

use etherparse::{LaxLinkExtSlice, LaxSlicedPacket, LinkSlice};

use super::slice::{
    nflog_tlvs, null_family_name, sll_ltype_name, LinkHeader, Sliced, SllHeader, SllProtocol,
    NFULA_PAYLOAD,
};
use super::tree::{Field, Layer, Tree};
use super::value::{Show, Value};
use super::{FrameMeta, Osi};

/// The fields of the frame and link layers (Wireshark's names).
pub(crate) mod hf {
    crate::dissect::fields! {
        FRAME = "frame", "Frame", None, "Frame (length, times, interface)";
        INTERFACE_ID = "frame.interface_id", "Interface id", Unsigned;
        ENCAP_TYPE = "frame.encap_type", "Link type", Named;
        TIME = "frame.time", "Arrival Time", Time;
        TIME_EPOCH = "frame.time_epoch", "Epoch Arrival Time", Time;
        TIME_DELTA = "frame.time_delta", "Time delta from previous captured frame", Duration;
        TIME_RELATIVE = "frame.time_relative", "Time since reference or first frame", Duration;
        NUMBER = "frame.number", "Frame Number", Unsigned;
        LEN = "frame.len", "Frame Length", Unsigned;
        CAP_LEN = "frame.cap_len", "Capture Length", Unsigned;
        COMMENT = "frame.comment", "Comment", Text;
        ETH = "eth", "Ethernet II", None;
        ETH_ADDR = "eth.addr", "Address", Mac, "Source or destination MAC address";
        ETH_DST = "eth.dst", "Destination", Mac;
        ETH_SRC = "eth.src", "Source", Mac;
        ETH_TYPE = "eth.type", "Type", Named;
        VLAN = "vlan", "802.1Q Virtual LAN", None;
        VLAN_PRIORITY = "vlan.priority", "Priority", Unsigned;
        VLAN_DEI = "vlan.dei", "DEI", Unsigned;
        VLAN_ID = "vlan.id", "ID", Unsigned;
        VLAN_ETYPE = "vlan.etype", "Type", Named;
        SLL = "sll", "Linux cooked capture", None, "Linux cooked capture (v1, v2)";
        SLL_PKTTYPE = "sll.pkttype", "Packet type", Named;
        SLL_HATYPE = "sll.hatype", "Link-layer address type", Named;
        SLL_HALEN = "sll.halen", "Link-layer address length", Unsigned;
        SLL_SRC_IPV4 = "sll.src.ipv4", "Source", Ipv4;
        SLL_SRC_ETH = "sll.src.eth", "Source", Mac;
        SLL_SRC_OTHER = "sll.src.other", "Source", Bytes;
        SLL_UNUSED = "sll.unused", "Unused", Bytes;
        SLL_ETYPE = "sll.etype", "Protocol", Named;
        SLL_GRETYPE = "sll.gretype", "Protocol", Named, "Protocol (GRE protocol type)";
        SLL_LTYPE = "sll.ltype", "Protocol", Named, "Protocol (Linux protocol type)";
        SLL_RESERVED = "sll.reserved", "Reserved", Unsigned;
        SLL_IFINDEX = "sll.ifindex", "Interface index", Unsigned;
        NETLINK_FAMILY = "netlink.family", "Family", Named, "Netlink family (Linux cooked capture)";
        NULL = "null", "Null/Loopback", None;
        NULL_FAMILY = "null.family", "Family", Named;
        LOOP = "loop", "OpenBSD loopback", None;
        LOOP_FAMILY = "loop.family", "Family", Named;
        NFLOG = "nflog", "Linux Netfilter NFLOG", None;
        NFLOG_FAMILY = "nflog.family", "Family", Named;
        NFLOG_VERSION = "nflog.version", "Version", Unsigned;
        NFLOG_RES_ID = "nflog.res_id", "Resource id", Unsigned;
        NFLOG_TLV = "nflog.tlv", "TLV", Unsigned;
        NFLOG_TLV_LENGTH = "nflog.tlv_length", "Length", Unsigned;
        NFLOG_TLV_TYPE = "nflog.tlv_type", "Type", Unsigned;
    }
}

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
        hf::INTERFACE_ID.at(m.iface, all),
        hf::ENCAP_TYPE.at(Value::Named(u64::from(lt.0), lt.name()), all),
        hf::TIME.at(Value::Time(m.ts_ns), all),
        hf::TIME_EPOCH
            .at(Value::Time(m.ts_ns), all)
            .show(Show::EpochSecs),
        hf::TIME_DELTA.at(Value::Duration(m.ts_ns - m.prev_ts_ns), all),
        hf::TIME_RELATIVE.at(Value::Duration(m.ts_ns - m.first_ts_ns), all),
        hf::NUMBER.at(m.number, all),
        hf::LEN.at(m.origlen, all).show(Show::Unit(" bytes")),
        hf::CAP_LEN.at(m.caplen, all).show(Show::Unit(" bytes")),
    ];
    t.layers.push(l);
    // A packet the end of the file cut short was captured with the length it claimed.
    let captured = m.cut_from.unwrap_or(m.caplen);
    if captured < m.origlen {
        let msg = format!(
            "packet truncated by the capture: {} of {} bytes captured (snaplen)",
            captured, m.origlen
        );
        t.warn(Osi::Physical, "frame", msg, Some(all));
    }
    if let Some(claimed) = m.cut_from {
        let msg = format!(
            "cut by the end of the file: {} of {claimed} bytes",
            m.caplen
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
        LinkHeader::Sll(h) => {
            sll_v1(t, h);
            sll_ethernet(t, s);
        }
        LinkHeader::Sll2(h) => {
            sll_v2(t, h);
            sll_ethernet(t, s);
        }
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

/// The name of an EtherType (`IPv4` for 0x0800), `Unknown` when it has none.
pub(crate) fn ether_type_name(v: u16) -> &'static str {
    match v {
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
        _ => "Unknown",
    }
}

/// An EtherType as a named value, shown as Wireshark does: `IPv4 (0x0800)`.
pub(crate) fn ether_type(def: &super::FieldDef, v: u16, range: [u32; 2]) -> Field {
    def.at(Value::Named(u64::from(v), ether_type_name(v)), range)
        .show(Show::Hex(4))
}

/// Six bytes as a MAC address (zeros where fewer are given).
fn mac6(b: &[u8]) -> Value {
    let mut m = [0u8; 6];
    for (d, s) in m.iter_mut().zip(b) {
        *d = *s;
    }
    Value::Mac(m)
}

fn ethernet(t: &mut Tree<'_>, h: &[u8]) {
    if h.len() < 14 {
        return;
    }
    let (dst, src) = (super::fmt::mac(&h[0..6]), super::fmt::mac(&h[6..12]));
    let et = u16::from_be_bytes([h[12], h[13]]);
    let mut l = Layer::new(
        Osi::DataLink,
        "eth",
        format!("Ethernet II, Src: {src}, Dst: {dst}"),
        t.range(h),
    );
    l.fields = vec![
        hf::ETH_DST.at(mac6(&h[0..6]), t.sub(h, 0, 6)),
        hf::ETH_SRC.at(mac6(&h[6..12]), t.sub(h, 6, 6)),
        ether_type(&hf::ETH_TYPE, et, t.sub(h, 12, 2)),
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
            hf::VLAN_PRIORITY.at(pcp, tci_r),
            hf::VLAN_DEI.at(dei, tci_r),
            hf::VLAN_ID.at(id, tci_r),
            ether_type(&hf::VLAN_ETYPE, et, t.sub(h, 2, 2)),
        ];
        t.layers.push(l);
    }
}

/// Packet types of a Linux cooked header (`PACKET_*`, Linux `if_packet.h`). 0 to 4 as
/// Wireshark names them; Wireshark has no names for 5 to 7, which the kernel defines.
fn sll_packet_type(v: u16) -> &'static str {
    match v {
        0 => "Unicast to us",
        1 => "Broadcast",
        2 => "Multicast",
        3 => "Unicast to another host",
        4 => "Sent by us",
        5 => "Multicast/broadcast looped back",
        6 => "To user space",
        7 => "To kernel space",
        _ => "Unknown",
    }
}

/// `Sent by us (4)`, `Unknown (42)`.
fn pt(v: u16, range: [u32; 2]) -> Field {
    hf::SLL_PKTTYPE.at(Value::Named(u64::from(v), sll_packet_type(v)), range)
}

/// ARP hardware types (`ARPHRD_*`, Linux `if_arp.h`) as a cooked header carries them,
/// the common ones named as tshark names them.
fn sll_hatype_name(v: u16) -> &'static str {
    match v {
        1 => "Ethernet",
        24 => "IEEE 1394.1995",
        32 => "InfiniBand",
        280 => "Controller Area Network",
        512 => "PPP",
        519 => "Raw IP",
        768 => "IPIP tunnel",
        769 => "IP6IP6 tunnel",
        772 => "Loopback",
        776 => "sit0 device - IPv6-in-IPv4",
        778 => "GRE over IP",
        801 => "IEEE 802.11",
        803 => "IEEE 802.11 + radiotap header",
        804 => "IEEE 802.15.4",
        820 => "PhoNet media type",
        823 => "GRE over IPv6",
        824 => "Netlink",
        65534 => "zero header length",
        65535 => "Void type, nothing is known",
        _ => "Unknown",
    }
}

fn hatype(v: u16, range: [u32; 2]) -> Field {
    hf::SLL_HATYPE.at(Value::Named(u64::from(v), sll_hatype_name(v)), range)
}

/// Netlink families (`NETLINK_*`, Linux `netlink.h`), named as tshark names them.
fn netlink_family_name(v: u16) -> &'static str {
    match v {
        0 => "Route",
        2 => "User-mode socket protocols",
        4 => "Socket monitoring",
        5 => "Netfilter ULOG",
        6 => "IPsec",
        7 => "SELinux events",
        9 => "Auditing",
        10 => "FIB lookup",
        11 => "Kernel connector",
        12 => "Netfilter",
        15 => "Kernel messages to userspace",
        16 => "Generic",
        _ => "Unknown",
    }
}

/// The link-layer address of a cooked header (v1 and v2 alike, as Wireshark): 6 bytes
/// are shown as a MAC address, 4 as an IPv4 address, other lengths as bytes; the
/// rest of the 8-byte field is unused.
fn sll_address(t: &Tree<'_>, h: &[u8], at: usize, halen: usize) -> Vec<Field> {
    let n = halen.min(8);
    let Some(addr) = h.get(at..at + n) else {
        return Vec::new();
    };
    let r = t.sub(h, at, n);
    let mut out = match addr {
        [] => Vec::new(),
        [a, b, c, d] => vec![hf::SLL_SRC_IPV4.at(std::net::Ipv4Addr::new(*a, *b, *c, *d), r)],
        _ if n == 6 => vec![hf::SLL_SRC_ETH.at(mac6(addr), r)],
        _ => vec![hf::SLL_SRC_OTHER.at(Value::bytes(addr), r)],
    };
    if n < 8 {
        let unused = h.get(at + n..at + 8).unwrap_or(&[]);
        out.push(hf::SLL_UNUSED.at(Value::bytes(unused), t.sub(h, at + n, 8 - n)));
    }
    out
}

/// The protocol field of a cooked header, named by what it means for this hardware type.
fn sll_protocol(t: &Tree<'_>, h: &[u8], at: usize, proto: SllProtocol) -> Field {
    let r = t.sub(h, at, 2);
    let named = |v: u16, name| Value::Named(u64::from(v), name);
    match proto {
        SllProtocol::EtherType(v) => ether_type(&hf::SLL_ETYPE, v, r),
        SllProtocol::Gre(v) => ether_type(&hf::SLL_GRETYPE, v, r),
        SllProtocol::Linux(v) | SllProtocol::Can(v) => hf::SLL_LTYPE
            .at(named(v, sll_ltype_name(v).unwrap_or("Unknown")), r)
            .show(Show::Hex(4)),
        SllProtocol::Netlink(v) => hf::NETLINK_FAMILY.at(named(v, netlink_family_name(v)), r),
    }
}

/// Linux cooked v1: pkttype(2) hatype(2) halen(2) address(8) protocol(2).
fn sll_v1(t: &mut Tree<'_>, s: &SllHeader<'_>) {
    let h = s.bytes();
    let at = |r: std::ops::Range<usize>| t.sub(h, r.start, r.len());
    let mut l = Layer::new(Osi::DataLink, "sll", "Linux cooked capture v1", t.range(h));
    l.fields = vec![
        pt(s.pkttype(), at(SllHeader::PKTTYPE)),
        hatype(s.hatype(), at(SllHeader::HATYPE)),
        hf::SLL_HALEN.at(s.halen(), at(SllHeader::HALEN)),
    ];
    let halen = usize::from(s.halen());
    l.fields
        .extend(sll_address(t, h, SllHeader::ADDR.start, halen));
    let proto = SllProtocol::classify(s.hatype(), s.protocol());
    l.fields
        .push(sll_protocol(t, h, SllHeader::PROTOCOL.start, proto));
    t.layers.push(l);
}

/// Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) address(8).
fn sll_v2(t: &mut Tree<'_>, h: &[u8]) {
    if h.len() < 20 {
        return;
    }
    let be16 = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    let ifindex = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
    let proto = SllProtocol::classify(be16(8), be16(0));
    let mut l = Layer::new(Osi::DataLink, "sll", "Linux cooked capture v2", t.range(h));
    l.fields = vec![
        sll_protocol(t, h, 0, proto),
        hf::SLL_RESERVED.at(be16(2), t.sub(h, 2, 2)),
        hf::SLL_IFINDEX.at(ifindex, t.sub(h, 4, 4)),
        hatype(be16(8), t.sub(h, 8, 2)),
        pt(u16::from(h[10]), t.sub(h, 10, 1)),
        hf::SLL_HALEN.at(h[11], t.sub(h, 11, 1)),
    ];
    l.fields.extend(sll_address(t, h, 12, usize::from(h[11])));
    t.layers.push(l);
}

/// The Ethernet frame a cooked header carries whole (Linux protocol 0x0003).
fn sll_ethernet(t: &mut Tree<'_>, s: &Sliced<'_>) {
    if let Some(LinkSlice::Ethernet2(e)) = s.packet.as_ref().and_then(|p| p.link.as_ref()) {
        ethernet(t, e.header_slice());
    }
}

fn null(t: &mut Tree<'_>, h: &[u8], family: u32, loop_: bool) {
    let (proto, title, def) = if loop_ {
        ("loop", "OpenBSD loopback", &hf::LOOP_FAMILY)
    } else {
        ("null", "Null/Loopback", &hf::NULL_FAMILY)
    };
    let name = null_family_name(family).unwrap_or("Unknown");
    let mut l = Layer::new(Osi::DataLink, proto, title, t.range(h));
    l.fields = vec![def.at(Value::Named(u64::from(family), name), t.range(h))];
    t.layers.push(l);
}

fn nflog(t: &mut Tree<'_>, h: &[u8], family: u8, tlvs: &[u8]) {
    let fam = match family {
        2 => "IPv4",
        10 => "IPv6",
        _ => "Unknown",
    };
    let end = t.range(tlvs)[1];
    let mut l = Layer::new(
        Osi::DataLink,
        "nflog",
        "Linux Netfilter NFLOG",
        [t.range(h)[0], end],
    );
    l.fields = vec![
        hf::NFLOG_FAMILY.at(Value::Named(u64::from(family), fam), t.sub(h, 0, 1)),
        hf::NFLOG_VERSION.at(h[1], t.sub(h, 1, 1)),
        hf::NFLOG_RES_ID.at(u16::from_be_bytes([h[2], h[3]]), t.sub(h, 2, 2)),
    ];
    for tlv in nflog_tlvs(tlvs) {
        let r = t.range(tlv.whole);
        let kind = if tlv.kind == NFULA_PAYLOAD {
            "payload".to_string()
        } else {
            tlv.kind.to_string()
        };
        let note = format!("type {kind}, {} bytes", tlv.whole.len());
        let f = hf::NFLOG_TLV
            .at(tlv.kind, r)
            .show(Show::Hidden)
            .note(note)
            .with(vec![
                hf::NFLOG_TLV_LENGTH.at(tlv.whole.len(), t.sub(tlv.whole, 0, 2)),
                hf::NFLOG_TLV_TYPE.at(tlv.kind, t.sub(tlv.whole, 2, 2)),
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

#[cfg(test)]
mod tests {
    use crate::capture::LinkType;
    use crate::dissect::proptests::SYN;
    use crate::dissect::{anomaly, columns, dissect, summarize, Dissection, FrameMeta, Proto};

    /// Hardware types, the address length Linux gives their interfaces, and the name
    /// shown (tshark 4.0's).
    const HATYPES: [(u16, u16, &str); 9] = [
        (1, 6, "Ethernet (1)"),
        // `lo` has an all-zero 6-byte address.
        (772, 6, "Loopback (772)"),
        (512, 0, "PPP (512)"),
        // Tunnels carry their IPv4 address.
        (776, 4, "sit0 device - IPv6-in-IPv4 (776)"),
        (778, 4, "GRE over IP (778)"),
        // NONE: tun devices, WireGuard.
        (65534, 0, "zero header length (65534)"),
        (824, 0, "Netlink (824)"),
        (280, 0, "Controller Area Network (280)"),
        (12345, 8, "Unknown (12345)"),
    ];
    const PKTTYPES: [(u16, &str); 9] = [
        (0, "Unicast to us (0)"),
        (1, "Broadcast (1)"),
        (2, "Multicast (2)"),
        (3, "Unicast to another host (3)"),
        (4, "Sent by us (4)"),
        (5, "Multicast/broadcast looped back (5)"),
        (6, "To user space (6)"),
        (7, "To kernel space (7)"),
        (42, "Unknown (42)"),
    ];

    /// A v1 header (address bytes 0xa0..=0xa7) followed by `payload`.
    fn frame(pkttype: u16, hatype: u16, halen: u16, protocol: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = Vec::new();
        for v in [pkttype, hatype, halen] {
            f.extend_from_slice(&v.to_be_bytes());
        }
        f.extend(0xa0..=0xa7);
        f.extend_from_slice(&protocol.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn meta(len: usize) -> FrameMeta {
        FrameMeta::alone(LinkType::LINUX_SLL, len, len)
    }

    fn field<'d>(d: &'d Dissection, name: &str) -> &'d crate::dissect::Field {
        d.field(name)
            .unwrap_or_else(|| panic!("{name} missing in {:#?}", d.layers))
    }

    fn value_range(d: &Dissection, name: &str) -> (String, [u32; 2]) {
        let f = field(d, name);
        (f.shown(), f.range)
    }

    /// Every hardware type crossed with every packet type, carrying IPv4 + TCP SYN.
    #[test]
    fn v1_every_hatype_and_pkttype_reads_back_from_the_bytes() {
        let ip_tcp = &SYN[14..];
        for (hatype, halen, hatype_name) in HATYPES {
            for (pkttype, pkt_name) in PKTTYPES {
                let f = frame(pkttype, hatype, halen, 0x0800, ip_tcp);
                let what = format!("hatype {hatype} pkttype {pkttype}");
                let d = dissect(&meta(f.len()), &f, None);
                let sll = d.layer("sll").unwrap_or_else(|| panic!("{what}: no sll"));
                assert_eq!(sll.title, "Linux cooked capture v1", "{what}");
                assert_eq!(sll.range, [0, 16], "{what}");
                assert_eq!(
                    value_range(&d, "sll.pkttype"),
                    (pkt_name.to_string(), [0, 2]),
                    "{what}"
                );
                assert_eq!(
                    value_range(&d, "sll.hatype"),
                    (hatype_name.to_string(), [2, 4]),
                    "{what}"
                );
                assert_eq!(
                    value_range(&d, "sll.halen"),
                    (halen.to_string(), [4, 6]),
                    "{what}"
                );
                let src = match halen {
                    6 => Some(("sll.src.eth", "a0:a1:a2:a3:a4:a5", [6, 12])),
                    4 => Some(("sll.src.ipv4", "160.161.162.163", [6, 10])),
                    8 => Some(("sll.src.other", "a0a1a2a3a4a5a6a7", [6, 14])),
                    _ => None,
                };
                for name in ["sll.src.eth", "sll.src.ipv4", "sll.src.other"] {
                    let want = src.filter(|s| s.0 == name).map(|s| (s.1.to_string(), s.2));
                    let got = d.field(name).map(|f| (f.shown(), f.range));
                    assert_eq!(got, want, "{what}: {name}");
                }
                let unused = d.field("sll.unused").map(|f| f.range);
                let n = u32::from(halen);
                assert_eq!(unused, (n < 8).then_some([6 + n, 14]), "{what}");

                let (sum, ep) = summarize(LinkType::LINUX_SLL, &f, f.len() as u32);
                let cols = columns(LinkType::LINUX_SLL, &f, f.len() as u32, None, true);
                assert!(sum.protos.contains(Proto::Sll), "{what}");
                match hatype {
                    824 => {
                        assert_eq!(
                            value_range(&d, "netlink.family"),
                            ("Unknown (2048)".into(), [14, 16]),
                            "{what}"
                        );
                        let stop = d.stop.as_ref().expect("stop");
                        assert_eq!(stop.reason, "netlink is not decoded", "{what}");
                        assert_eq!(stop.protocol, "Linux cooked capture v1");
                        assert!(d.layer("ip").is_none() && ep.is_none(), "{what}");
                        assert_ne!(sum.anomalies & anomaly::STOPPED, 0, "{what}");
                        assert_eq!(cols.info, "Linux cooked capture v1: netlink is not decoded");
                    }
                    280 => {
                        assert_eq!(
                            value_range(&d, "sll.ltype"),
                            ("Unknown (0x0800)".into(), [14, 16]),
                            "{what}"
                        );
                        let stop = d.stop.as_ref().expect("stop");
                        assert_eq!(
                            stop.reason, "CAN bus frame (protocol 0x0800) is not decoded",
                            "{what}"
                        );
                        assert!(d.layer("ip").is_none() && ep.is_none(), "{what}");
                    }
                    _ => {
                        let name = if hatype == 778 {
                            "sll.gretype"
                        } else {
                            "sll.etype"
                        };
                        assert_eq!(
                            value_range(&d, name),
                            ("IPv4 (0x0800)".into(), [14, 16]),
                            "{what}"
                        );
                        assert!(d.stop.is_none(), "{what}: {:?}", d.stop);
                        assert!(d.warnings.is_empty(), "{what}: {:?}", d.warnings);
                        assert_eq!(value_range(&d, "ip.src").1, [28, 32], "{what}");
                        assert_eq!(field(&d, "tcp.srcport").shown(), "39548", "{what}");
                        assert_eq!(field(&d, "tcp.flags.syn").shown(), "Set", "{what}");
                        let osis: Vec<u8> = d.layers.iter().map(|l| l.osi.number()).collect();
                        assert_eq!(osis, [1, 2, 3, 4], "{what}");
                        assert_eq!(sum.top, Proto::Tcp, "{what}");
                        assert!(sum.protos.contains(Proto::Ipv4), "{what}");
                        assert!(!sum.protos.contains(Proto::Eth), "{what}");
                        assert_eq!(sum.anomalies, 0, "{what}");
                        let ep = ep.expect("flow endpoints");
                        assert_eq!((ep.sport, ep.dport), (39548, 18080), "{what}");
                        assert_eq!(cols.protocol, "TCP", "{what}");
                        assert!(cols.info.contains("[SYN]"), "{what}: {}", cols.info);
                        assert_eq!(cols.src, "127.0.0.1", "{what}");
                    }
                }
            }
        }
    }

    /// Protocol values Linux keeps for itself are named and stop; Ethernet (3) is decoded.
    #[test]
    fn v1_linux_protocols_are_named_and_stop() {
        for (p, shown) in [
            (0x0001, "Raw 802.3 (0x0001)"),
            (0x0004, "802.2 LLC (0x0004)"),
            (0x000c, "CAN (0x000c)"),
            (0x000d, "CAN FD (0x000d)"),
            (0x0010, "Unknown (0x0010)"),
            (0x0600, "Unknown (0x0600)"),
        ] {
            let f = frame(0, 1, 6, p, &SYN[14..]);
            let d = dissect(&meta(f.len()), &f, None);
            assert_eq!(value_range(&d, "sll.ltype"), (shown.into(), [14, 16]));
            assert!(d.field("sll.etype").is_none());
            let want = format!("Linux protocol {shown} is not decoded");
            assert_eq!(d.stop.as_ref().map(|s| s.reason.as_str()), Some(&*want));
            assert!(d.layer("ip").is_none());
            let cols = columns(LinkType::LINUX_SLL, &f, f.len() as u32, None, true);
            assert_eq!(cols.info, format!("Linux cooked capture v1: {want}"));
            assert_eq!(cols.protocol, "SLL");
        }
        // 0x0601 is past Linux's range: an EtherType, unknown to us.
        let f = frame(0, 1, 6, 0x0601, &[1, 2, 3]);
        let d = dissect(&meta(f.len()), &f, None);
        assert_eq!(field(&d, "sll.etype").shown(), "Unknown (0x0601)");
        assert_eq!(
            d.stop.as_ref().map(|s| s.reason.as_str()),
            Some("EtherType 0x0601 is not decoded")
        );
        // Protocol 3: the payload is a whole Ethernet frame.
        let f = frame(4, 1, 6, 0x0003, &SYN);
        let d = dissect(&meta(f.len()), &f, None);
        assert_eq!(field(&d, "sll.ltype").shown(), "Ethernet (0x0003)");
        assert_eq!(d.layer("eth").map(|l| l.range), Some([16, 30]));
        assert_eq!(field(&d, "tcp.dstport").shown(), "18080");
        assert!(d.stop.is_none(), "{:?}", d.stop);
        let (sum, _) = summarize(LinkType::LINUX_SLL, &f, f.len() as u32);
        assert!(sum.protos.contains(Proto::Sll) && sum.protos.contains(Proto::Eth));
        assert_eq!(sum.top, Proto::Tcp);
    }

    /// Cut at every length: below 16 bytes the header is short; beyond, layers end where the cut is.
    #[test]
    fn v1_truncated_at_every_length() {
        let f = frame(0, 772, 6, 0x0800, &SYN[14..]);
        for cut in 0..=f.len() {
            let data = &f[..cut];
            let mut m = meta(cut);
            m.origlen = f.len() as u32;
            let d = dissect(&m, data, None);
            let (sum, _) = summarize(LinkType::LINUX_SLL, data, f.len() as u32);
            let cols = columns(LinkType::LINUX_SLL, data, f.len() as u32, None, true);
            if cut < 16 {
                let stop = d.stop.as_ref().expect("stop");
                assert_eq!(stop.protocol, "Linux cooked capture v1");
                assert_eq!(
                    stop.reason,
                    format!("header needs 16 bytes, {cut} captured")
                );
                assert!(d.layer("sll").is_none(), "{cut}");
                assert_ne!(sum.anomalies & anomaly::STOPPED, 0);
                assert_eq!(
                    cols.info,
                    format!("[Malformed: Linux cooked capture v1 header needs 16 bytes, {cut} captured]")
                );
            } else {
                assert_eq!(d.layer("sll").map(|l| l.range), Some([0, 16]), "{cut}");
                assert_eq!(d.layer("ip").is_some(), cut >= 36, "{cut}");
                assert_eq!(d.layer("tcp").is_some(), cut >= 56, "{cut}");
                assert_eq!(d.stop.is_some(), cut < f.len(), "{cut}");
            }
        }
    }
}
