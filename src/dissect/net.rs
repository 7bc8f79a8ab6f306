//! ARP (layer 2) and IPv4 / IPv6 with extension headers (layer 3) of the field tree.

use etherparse::{
    ArpPacketSlice, IpNumber, Ipv6ExtensionSlice, LaxIpPayloadSlice, LaxIpv4Slice, LaxIpv6Slice,
    LaxNetSlice, LaxSlicedPacket, LenSource,
};

use super::link::ether_type;
use super::tree::{Field, Layer, Tree};
use super::value::{Show, Value};
use super::Osi;

/// The fields of ARP, IPv4, IPv6 and the authentication header (Wireshark's names).
pub(crate) mod hf {
    crate::dissect::fields! {
        ARP = "arp", "Address Resolution Protocol", None;
        ARP_HW_TYPE = "arp.hw.type", "Hardware type", Unsigned;
        ARP_PROTO_TYPE = "arp.proto.type", "Protocol type", Named;
        ARP_HW_SIZE = "arp.hw.size", "Hardware size", Unsigned;
        ARP_PROTO_SIZE = "arp.proto.size", "Protocol size", Unsigned;
        ARP_OPCODE = "arp.opcode", "Opcode", Named;
        ARP_SRC_HW_MAC = "arp.src.hw_mac", "Sender MAC address", Mac;
        ARP_SRC_HW = "arp.src.hw", "Sender hardware address", Bytes;
        ARP_SRC_PROTO_IPV4 = "arp.src.proto_ipv4", "Sender IP address", Ipv4;
        ARP_SRC_PROTO = "arp.src.proto", "Sender protocol address", Bytes;
        ARP_DST_HW_MAC = "arp.dst.hw_mac", "Target MAC address", Mac;
        ARP_DST_HW = "arp.dst.hw", "Target hardware address", Bytes;
        ARP_DST_PROTO_IPV4 = "arp.dst.proto_ipv4", "Target IP address", Ipv4;
        ARP_DST_PROTO = "arp.dst.proto", "Target protocol address", Bytes;
        IP = "ip", "Internet Protocol Version 4", None;
        IP_ADDR = "ip.addr", "Address", Ipv4, "Source or destination IPv4 address";
        IP_VERSION = "ip.version", "Version", Unsigned;
        IP_HDR_LEN = "ip.hdr_len", "Header Length", Unsigned;
        IP_DSFIELD = "ip.dsfield", "Differentiated Services Field", Unsigned;
        IP_DSCP = "ip.dsfield.dscp", "Differentiated Services Codepoint", Unsigned;
        IP_ECN = "ip.dsfield.ecn", "Explicit Congestion Notification", Unsigned;
        IP_LEN = "ip.len", "Total Length", Unsigned;
        IP_ID = "ip.id", "Identification", Unsigned;
        IP_FLAGS = "ip.flags", "Flags", Unsigned;
        IP_FLAGS_RB = "ip.flags.rb", "Reserved bit", Bool;
        IP_FLAGS_DF = "ip.flags.df", "Don't fragment", Bool;
        IP_FLAGS_MF = "ip.flags.mf", "More fragments", Bool;
        IP_FRAG_OFFSET = "ip.frag_offset", "Fragment Offset", Unsigned;
        IP_TTL = "ip.ttl", "Time to Live", Unsigned;
        IP_PROTO = "ip.proto", "Protocol", Named;
        IP_CHECKSUM = "ip.checksum", "Header Checksum", Unsigned;
        IP_SRC = "ip.src", "Source Address", Ipv4;
        IP_DST = "ip.dst", "Destination Address", Ipv4;
        IP_OPTIONS = "ip.options", "Options", Bytes;
        IP_OPT_TYPE = "ip.opt.type", "IP Option", Named;
        AH = "ah", "Authentication Header", None;
        AH_NEXT_HEADER = "ah.next_header", "Next header", Named;
        IPV6 = "ipv6", "Internet Protocol Version 6", None;
        IPV6_ADDR = "ipv6.addr", "Address", Ipv6, "Source or destination IPv6 address";
        IPV6_VERSION = "ipv6.version", "Version", Unsigned;
        IPV6_TCLASS = "ipv6.tclass", "Traffic Class", Unsigned;
        IPV6_DSCP = "ipv6.tclass.dscp", "Differentiated Services Codepoint", Unsigned;
        IPV6_ECN = "ipv6.tclass.ecn", "Explicit Congestion Notification", Unsigned;
        IPV6_FLOW = "ipv6.flow", "Flow Label", Unsigned;
        IPV6_PLEN = "ipv6.plen", "Payload Length", Unsigned;
        IPV6_NXT = "ipv6.nxt", "Next Header", Named;
        IPV6_HLIM = "ipv6.hlim", "Hop Limit", Unsigned;
        IPV6_SRC = "ipv6.src", "Source Address", Ipv6;
        IPV6_DST = "ipv6.dst", "Destination Address", Ipv6;
        IPV6_HOPOPTS = "ipv6.hopopts", "Hop-by-Hop Options", Unsigned;
        IPV6_ROUTING = "ipv6.routing", "Routing Header", Unsigned;
        IPV6_DSTOPTS = "ipv6.dstopts", "Destination Options", Unsigned;
        IPV6_EXT_NXT = "ipv6.ext.nxt", "Next Header", Named;
        IPV6_EXT_LEN = "ipv6.ext.len", "Length", Unsigned;
        IPV6_FRAGMENT = "ipv6.fragment", "Fragment Header", Unsigned;
        IPV6_FRAG_NXT = "ipv6.fragment.nxt", "Next header", Named;
        IPV6_FRAG_OFFSET = "ipv6.fragment.offset", "Offset", Unsigned;
        IPV6_FRAG_MORE = "ipv6.fragment.more", "More Fragments", Bool;
        IPV6_FRAG_ID = "ipv6.fragment.id", "Identification", Unsigned;
    }
}

pub(crate) fn net_layers(t: &mut Tree<'_>, p: &LaxSlicedPacket<'_>) {
    match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => ipv4(t, v4),
        Some(LaxNetSlice::Ipv6(v6)) => ipv6(t, v6),
        Some(LaxNetSlice::Arp(a)) => arp(t, a),
        None => {
            if let Some(ep) = p.ether_payload() {
                if p.stop_err.is_none() && !ep.payload.is_empty() {
                    let et = ep.ether_type.0;
                    t.stop_at(
                        Osi::DataLink,
                        "Ethernet II",
                        format!("EtherType 0x{et:04x} is not decoded"),
                    );
                    super::transport::data_layer(t, ep.payload);
                }
            }
        }
    }
}

/// `TCP (6)`.
pub(crate) fn ip_proto_str(n: IpNumber) -> String {
    ip_proto(n).to_string()
}

/// An IP protocol number with its name (`TCP (6)`), `Unknown` when it has none.
pub(crate) fn ip_proto(n: IpNumber) -> Value {
    Value::Named(u64::from(n.0), n.keyword_str().unwrap_or("Unknown"))
}

/// The Internet checksum (RFC 1071) over `bytes`; 0 means the embedded checksum is right.
pub(crate) fn internet_checksum(bytes: &[u8]) -> u16 {
    // Four bytes at a time: a 32-bit word adds its two 16-bit halves once the carries
    // are folded in (2^16 = 1 modulo 0xffff, RFC 1071 §2). Every IPv4 header is summed.
    let mut sum: u64 = 0;
    let mut words = bytes.chunks_exact(4);
    for w in &mut words {
        sum += u64::from(u32::from_be_bytes(w.try_into().unwrap_or_default()));
    }
    for pair in words.remainder().chunks(2) {
        let lo = pair.get(1).copied().unwrap_or(0);
        sum += u64::from(u16::from_be_bytes([pair[0], lo]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn ipv4(t: &mut Tree<'_>, v4: &LaxIpv4Slice<'_>) {
    let h = v4.header();
    let hs = h.slice();
    let (src, dst) = (h.source_addr(), h.destination_addr());
    let mut l = Layer::new(
        Osi::Network,
        "ip",
        format!("Internet Protocol Version 4, Src: {src}, Dst: {dst}"),
        t.range(hs),
    );
    let flags = hs[6] >> 5;
    let frag = h.fragments_offset().value();
    // A zero checksum on a packet captured where it was sent means the NIC
    // fills it in later (checksum offload), not that it is wrong.
    let offloaded = h.header_checksum() == 0;
    let csum_ok = offloaded || internet_checksum(hs) == 0;
    let r = |at, len| t.sub(hs, at, len);
    let flag_names = [
        (4, "Reserved bit"),
        (2, "Don't fragment"),
        (1, "More fragments"),
    ];
    let flag_str: Vec<&str> = flag_names
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    let csum_note = if offloaded {
        " [not computed: checksum offload?]"
    } else if csum_ok {
        " [correct]"
    } else {
        " [incorrect]"
    };
    l.fields = vec![
        hf::IP_VERSION.at(h.version(), r(0, 1)),
        hf::IP_HDR_LEN
            .at(hs.len(), r(0, 1))
            .show(Show::Unit(" bytes"))
            .note(format!(" ({})", h.ihl())),
        hf::IP_DSFIELD
            .at(hs[1], r(1, 1))
            .show(Show::Hex(2))
            .with(vec![
                hf::IP_DSCP.at(hs[1] >> 2, r(1, 1)),
                hf::IP_ECN.at(hs[1] & 3, r(1, 1)),
            ]),
        hf::IP_LEN.at(h.total_len(), r(2, 2)),
        hf::IP_ID
            .at(h.identification(), r(4, 2))
            .show(Show::HexDec(4)),
        hf::IP_FLAGS
            .at(flags, r(6, 1))
            .show(Show::Hex(1))
            .note(format!(" ({})", flag_str.join(", ")))
            .with(vec![
                flag_bit(&hf::IP_FLAGS_RB, flags & 4, r(6, 1)),
                flag_bit(&hf::IP_FLAGS_DF, flags & 2, r(6, 1)),
                flag_bit(&hf::IP_FLAGS_MF, flags & 1, r(6, 1)),
            ]),
        hf::IP_FRAG_OFFSET.at(u32::from(frag) * 8, r(6, 2)),
        hf::IP_TTL.at(h.ttl(), r(8, 1)),
        hf::IP_PROTO.at(ip_proto(h.protocol()), r(9, 1)),
        hf::IP_CHECKSUM
            .at(h.header_checksum(), r(10, 2))
            .show(Show::Hex(4))
            .note(csum_note),
        hf::IP_SRC.at(src, r(12, 4)),
        hf::IP_DST.at(dst, r(16, 4)),
    ];
    if hs.len() > 20 {
        l.fields.push(ipv4_options(t, &hs[20..]));
    }
    let range = l.range;
    t.layers.push(l);
    if !csum_ok {
        let msg = format!(
            "IPv4 header checksum 0x{:04x} is incorrect",
            h.header_checksum()
        );
        t.warn(Osi::Network, "ip", msg, Some(t.sub(hs, 10, 2)));
    }
    if h.is_fragmenting_payload() {
        let msg = format!(
            "IPv4 fragment (offset {} bytes, {}): not reassembled",
            u32::from(frag) * 8,
            if flags & 1 != 0 {
                "more follow"
            } else {
                "last"
            }
        );
        t.warn(Osi::Network, "ip", msg, Some(range));
    }
    if let Some(ah) = &v4.extensions().auth {
        auth_header(t, ah.slice(), ah.next_header());
    }
    payload_notes(t, v4.payload(), "ip", h.total_len().into());
}

/// A one-bit flag, shown `Set` / `Not set`.
fn flag_bit(def: &super::FieldDef, v: u8, range: [u32; 2]) -> Field {
    def.at(v != 0, range).show(Show::SetNotSet)
}

/// IPv4 options (RFC 791): type 0 ends the list, type 1 is one byte of
/// padding, every other option is type, length, value.
fn ipv4_options(t: &Tree<'_>, opts: &[u8]) -> Field {
    let mut children = Vec::new();
    let mut i = 0;
    while i < opts.len() {
        let kind = opts[i];
        let len = match kind {
            0 | 1 => 1,
            // A length below 2 is malformed; step over 2 bytes (or what is left).
            _ => usize::from(*opts.get(i + 1).unwrap_or(&0))
                .max(2)
                .min(opts.len() - i),
        };
        let name = match kind & 0x1f {
            0 => "End of Options List (EOL)",
            1 => "No-Operation (NOP)",
            2 => "Security",
            3 => "Loose Source Route",
            4 => "Time Stamp",
            7 => "Record Route",
            8 => "Stream ID",
            9 => "Strict Source Route",
            20 => "Router Alert",
            _ => "Unknown",
        };
        let r = t.sub(opts, i, len);
        children.push(
            hf::IP_OPT_TYPE
                .at(Value::Named(u64::from(kind), name), r)
                .show(Show::Hidden)
                .note(format!("{name} (type {kind}, {len} bytes)")),
        );
        if kind == 0 {
            break;
        }
        i += len;
    }
    hf::IP_OPTIONS
        .at(Value::bytes(opts), t.range(opts))
        .show(Show::ByteCount)
        .with(children)
}

fn auth_header(t: &mut Tree<'_>, s: &[u8], next: IpNumber) {
    let mut l = Layer::new(Osi::Network, "ah", "Authentication Header", t.range(s));
    l.fields = vec![hf::AH_NEXT_HEADER.at(ip_proto(next), t.sub(s, 0, 1))];
    t.layers.push(l);
}

/// Notes shared by IPv4 and IPv6 about the payload: cut by snaplen, or shorter than the header says.
fn payload_notes(
    t: &mut Tree<'_>,
    p: &LaxIpPayloadSlice<'_>,
    proto: &'static str,
    declared: usize,
) {
    if p.incomplete && p.len_source != LenSource::Slice {
        let msg = format!(
            "the {proto} header declares {declared} bytes but the capture holds fewer: the payload is incomplete"
        );
        t.warn(Osi::Network, proto, msg, None);
    }
}

fn ipv6(t: &mut Tree<'_>, v6: &LaxIpv6Slice<'_>) {
    let h = v6.header();
    let hs = h.slice();
    let (src, dst) = (h.source_addr(), h.destination_addr());
    let mut l = Layer::new(
        Osi::Network,
        "ipv6",
        format!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
        t.range(hs),
    );
    let r = |at, len| t.sub(hs, at, len);
    let tc = h.traffic_class();
    l.fields = vec![
        hf::IPV6_VERSION.at(h.version(), r(0, 1)),
        hf::IPV6_TCLASS
            .at(tc, r(0, 2))
            .show(Show::Hex(2))
            .with(vec![
                hf::IPV6_DSCP.at(tc >> 2, r(0, 2)),
                hf::IPV6_ECN.at(tc & 3, r(0, 2)),
            ]),
        hf::IPV6_FLOW
            .at(h.flow_label().value(), r(1, 3))
            .show(Show::Hex(5)),
        hf::IPV6_PLEN.at(h.payload_length(), r(4, 2)),
        hf::IPV6_NXT.at(ip_proto(h.next_header()), r(6, 1)),
        hf::IPV6_HLIM.at(h.hop_limit(), r(7, 1)),
        hf::IPV6_SRC.at(src, r(8, 16)),
        hf::IPV6_DST.at(dst, r(24, 16)),
    ];
    for ext in ipv6_extensions(v6.extensions()) {
        l.fields.push(ipv6_ext(t, &ext));
    }
    if let Some(last) = l.fields.last() {
        l.range[1] = l.range[1].max(last.range[1]);
    }
    t.layers.push(l);
    if v6.is_payload_fragmented() {
        t.warn(
            Osi::Network,
            "ipv6",
            "IPv6 fragment: not reassembled".to_string(),
            None,
        );
    }
    payload_notes(
        t,
        v6.payload(),
        "ipv6",
        40 + usize::from(h.payload_length()),
    );
}

/// The extension headers etherparse found, each read again with its checked parser.
///
/// Written by hand because etherparse 0.21's own iterator is unsound on a lax slice:
/// when lax parsing stops at a bad header (Hop-by-Hop not first, one cut short), the
/// slice ends before it but the last good header still names it as the next one, and
/// the iterator reads it with an *unchecked* parser past the slice's end (an abort in
/// a debug build, a read out of bounds in a release one). Here the walk stops where
/// the bytes or the checked parsers do.
fn ipv6_extensions<'a>(
    exts: &etherparse::Ipv6ExtensionsSlice<'a>,
) -> impl Iterator<Item = Ipv6ExtensionSlice<'a>> {
    use etherparse::{
        ip_number, IpAuthHeaderSlice, Ipv6FragmentHeaderSlice, Ipv6RawExtHeaderSlice,
    };
    let mut next = exts.first_header();
    let mut rest = exts.slice();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (ext, len, after) = match next? {
            ip_number::IPV6_HOP_BY_HOP | ip_number::IPV6_ROUTE | ip_number::IPV6_DEST_OPTIONS => {
                let x = Ipv6RawExtHeaderSlice::from_slice(rest).ok()?;
                let (len, after) = (x.slice().len(), x.next_header());
                let ext = match next? {
                    ip_number::IPV6_HOP_BY_HOP => Ipv6ExtensionSlice::HopByHop(x),
                    ip_number::IPV6_ROUTE => Ipv6ExtensionSlice::Routing(x),
                    _ => Ipv6ExtensionSlice::DestinationOptions(x),
                };
                (ext, len, after)
            }
            ip_number::IPV6_FRAG => {
                let x = Ipv6FragmentHeaderSlice::from_slice(rest).ok()?;
                let (len, after) = (x.slice().len(), x.next_header());
                (Ipv6ExtensionSlice::Fragment(x), len, after)
            }
            ip_number::AUTH => {
                let x = IpAuthHeaderSlice::from_slice(rest).ok()?;
                let (len, after) = (x.slice().len(), x.next_header());
                (Ipv6ExtensionSlice::Authentication(x), len, after)
            }
            _ => return None,
        };
        rest = rest.get(len..)?;
        next = Some(after);
        Some(ext)
    })
}

fn ipv6_ext(t: &Tree<'_>, ext: &Ipv6ExtensionSlice<'_>) -> Field {
    let (def, s, next) = match ext {
        Ipv6ExtensionSlice::HopByHop(x) => (&hf::IPV6_HOPOPTS, x.slice(), x.next_header()),
        Ipv6ExtensionSlice::Routing(x) => (&hf::IPV6_ROUTING, x.slice(), x.next_header()),
        Ipv6ExtensionSlice::DestinationOptions(x) => {
            (&hf::IPV6_DSTOPTS, x.slice(), x.next_header())
        }
        // The authentication header is a protocol of its own, as in Wireshark.
        Ipv6ExtensionSlice::Authentication(x) => (&hf::AH, x.slice(), x.next_header()),
        Ipv6ExtensionSlice::Fragment(x) => {
            let s = x.slice();
            let off = u32::from(x.fragment_offset().value()) * 8;
            return hf::IPV6_FRAGMENT
                .at(off, t.range(s))
                .show(Show::Hidden)
                .note(format!("offset {off}"))
                .with(vec![
                    hf::IPV6_FRAG_NXT.at(ip_proto(x.next_header()), t.sub(s, 0, 1)),
                    hf::IPV6_FRAG_OFFSET.at(off, t.sub(s, 2, 2)),
                    hf::IPV6_FRAG_MORE
                        .at(x.more_fragments(), t.sub(s, 3, 1))
                        .show(Show::Words("true", "false")),
                    hf::IPV6_FRAG_ID
                        .at(x.identification(), t.sub(s, 4, 4))
                        .show(Show::Hex(8)),
                ]);
        }
    };
    let bytes = Show::Unit(" bytes");
    let head = match def.kind {
        super::Kind::None => def
            .at(Value::None, t.range(s))
            .note(format!("{} bytes", s.len())),
        _ => def.at(s.len(), t.range(s)).show(bytes),
    };
    head.with(vec![
        hf::IPV6_EXT_NXT.at(ip_proto(next), t.sub(s, 0, 1)),
        hf::IPV6_EXT_LEN.at(s.len(), t.sub(s, 1, 1)).show(bytes),
    ])
}

fn arp(t: &mut Tree<'_>, a: &ArpPacketSlice<'_>) {
    let s = a.slice();
    let op = a.operation().0;
    let opname = match op {
        1 => "request",
        2 => "reply",
        3 => "reverse request",
        4 => "reverse reply",
        _ => "unknown",
    };
    let mut l = Layer::new(
        Osi::DataLink,
        "arp",
        format!("Address Resolution Protocol ({opname})"),
        t.range(s),
    );
    let (hs, ps) = (
        usize::from(a.hw_addr_size()),
        usize::from(a.proto_addr_size()),
    );
    let r = |at, len| t.sub(s, at, len);
    let hw = |mac_def, other_def, b: &[u8], at| hw_addr(mac_def, other_def, b, r(at, hs));
    let proto = |v4_def, other_def, b: &[u8], at| proto_addr(v4_def, other_def, b, r(at, ps));
    l.fields = vec![
        hf::ARP_HW_TYPE.at(a.hw_addr_type().0, r(0, 2)),
        ether_type(&hf::ARP_PROTO_TYPE, a.proto_addr_type().0, r(2, 2)),
        hf::ARP_HW_SIZE.at(hs, r(4, 1)),
        hf::ARP_PROTO_SIZE.at(ps, r(5, 1)),
        hf::ARP_OPCODE.at(Value::Named(u64::from(op), opname), r(6, 2)),
        hw(&hf::ARP_SRC_HW_MAC, &hf::ARP_SRC_HW, a.sender_hw_addr(), 8),
        proto(
            &hf::ARP_SRC_PROTO_IPV4,
            &hf::ARP_SRC_PROTO,
            a.sender_protocol_addr(),
            8 + hs,
        ),
        hw(
            &hf::ARP_DST_HW_MAC,
            &hf::ARP_DST_HW,
            a.target_hw_addr(),
            8 + hs + ps,
        ),
        proto(
            &hf::ARP_DST_PROTO_IPV4,
            &hf::ARP_DST_PROTO,
            a.target_protocol_addr(),
            8 + 2 * hs + ps,
        ),
    ];
    t.layers.push(l);
}

/// A hardware address: a MAC address when it has 6 bytes (as Wireshark names it), else bytes.
fn hw_addr(mac: &super::FieldDef, other: &super::FieldDef, b: &[u8], r: [u32; 2]) -> Field {
    match <[u8; 6]>::try_from(b) {
        Ok(m) => mac.at(Value::Mac(m), r),
        Err(_) => other.at(Value::bytes(b), r),
    }
}

/// A protocol address: IPv4 when it has 4 bytes, else bytes (shown as a MAC address is).
fn proto_addr(v4: &super::FieldDef, other: &super::FieldDef, b: &[u8], r: [u32; 2]) -> Field {
    match <[u8; 4]>::try_from(b) {
        Ok(a) => v4.at(std::net::Ipv4Addr::from(a), r),
        Err(_) => other.at(Value::bytes(b), r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv6 packet (raw, no link header) whose extension headers are `ext`, the
    /// first of them announced by `first`.
    fn ipv6_with(first: u8, ext: &[u8]) -> Vec<u8> {
        let mut p = vec![0x60, 0, 0, 0];
        p.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        p.extend_from_slice(&[first, 64]);
        p.extend_from_slice(&[0; 15]);
        p.push(1); // ::1
        p.extend_from_slice(&[0; 15]);
        p.push(1);
        p.extend_from_slice(ext);
        p
    }

    /// Regression (found by tests/fuzz.rs): a Hop-by-Hop header followed by a bad one
    /// (cut short, or a second Hop-by-Hop) made etherparse's iterator read the bad one
    /// past the end of the slice with an unchecked parser: the test process aborted.
    #[test]
    fn a_bad_extension_header_after_a_good_one_is_not_read_past_the_end() {
        use crate::capture::LinkType;
        let hop_by_hop = |next: u8| [next, 0, 1, 4, 0, 0, 0, 0];
        let cut_short = [hop_by_hop(60).as_slice(), &[17]].concat();
        let twice = [hop_by_hop(0), hop_by_hop(17)].concat();
        for (what, ext) in [("cut short", cut_short), ("Hop-by-Hop twice", twice)] {
            let data = ipv6_with(0, &ext);
            let meta = super::super::FrameMeta::alone(LinkType::RAW, data.len(), data.len());
            let d = super::super::dissect(&meta, &data, None);
            let v6 = d
                .layer("ipv6")
                .unwrap_or_else(|| panic!("{what}: no IPv6 layer"));
            let exts: Vec<&str> = (v6.fields.iter())
                .map(|f| f.name)
                .filter(|n| *n == "ipv6.hopopts" || *n == "ipv6.dstopts")
                .collect();
            assert_eq!(exts, ["ipv6.hopopts"], "{what}: only the good header");
            assert!(
                d.stop.is_some() || !d.warnings.is_empty(),
                "{what}: the bad one is said"
            );
        }
    }

    #[test]
    fn checksum_of_a_known_header() {
        // RFC 1071 style check on a real IPv4 header (checksum 0xb861 included).
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(internet_checksum(&h), 0);
        let mut bad = h;
        bad[11] ^= 1;
        assert_ne!(internet_checksum(&bad), 0);
        assert_eq!(internet_checksum(&[0xff]), 0x00ff);
    }

    /// Summing four bytes at a time gives what RFC 1071's 16-bit sum gives, at every
    /// length (odd ones padded with a zero byte) and with carries in every word.
    #[test]
    fn checksum_by_words_is_the_16_bit_sum() {
        fn by_halves(bytes: &[u8]) -> u16 {
            let mut sum: u32 = 0;
            for pair in bytes.chunks(2) {
                sum += u32::from(pair[0]) << 8 | u32::from(pair.get(1).copied().unwrap_or(0));
                sum = (sum & 0xffff) + (sum >> 16);
            }
            !(sum as u16)
        }
        let mut x: u32 = 0x9e37_79b9;
        let mut bytes = Vec::new();
        for len in 0..=70 {
            for fill in [None, Some(0xff), Some(0x00)] {
                bytes.clear();
                for _ in 0..len {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    bytes.push(fill.unwrap_or((x >> 24) as u8));
                }
                assert_eq!(internet_checksum(&bytes), by_halves(&bytes), "{bytes:02x?}");
            }
        }
    }

    #[test]
    fn ip_proto_names() {
        assert_eq!(ip_proto_str(IpNumber::TCP), "TCP (6)");
        assert_eq!(ip_proto_str(IpNumber(253)), "Unknown (253)");
    }
}
