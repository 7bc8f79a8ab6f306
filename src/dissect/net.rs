//! ARP (layer 2) and IPv4 / IPv6 with extension headers (layer 3) of the field tree.

use etherparse::{
    ArpPacketSlice, IpNumber, Ipv6ExtensionSlice, LaxIpPayloadSlice, LaxIpv4Slice, LaxIpv6Slice,
    LaxNetSlice, LaxSlicedPacket, LenSource,
};

use super::fmt::mac;
use super::link::ether_type_str;
use super::tree::{Field, Layer, Tree};
use super::Osi;

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
    match n.keyword_str() {
        Some(k) => format!("{k} ({})", n.0),
        None => format!("Unknown ({})", n.0),
    }
}

/// The Internet checksum (RFC 1071) over `bytes`; 0 means the embedded checksum is right.
pub(crate) fn internet_checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [b] = chunks.remainder() {
        sum += u32::from(*b) << 8;
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
    l.fields = vec![
        Field::new("ip.version", "Version", h.version(), r(0, 1)),
        Field::new(
            "ip.hdr_len",
            "Header Length",
            format!("{} bytes ({})", hs.len(), h.ihl()),
            r(0, 1),
        ),
        Field::new(
            "ip.dsfield",
            "Differentiated Services Field",
            format!("0x{:02x}", hs[1]),
            r(1, 1),
        )
        .with(vec![
            Field::new(
                "ip.dsfield.dscp",
                "Differentiated Services Codepoint",
                hs[1] >> 2,
                r(1, 1),
            ),
            Field::new(
                "ip.dsfield.ecn",
                "Explicit Congestion Notification",
                hs[1] & 3,
                r(1, 1),
            ),
        ]),
        Field::new("ip.len", "Total Length", h.total_len(), r(2, 2)),
        Field::new(
            "ip.id",
            "Identification",
            format!("0x{0:04x} ({0})", h.identification()),
            r(4, 2),
        ),
        Field::new(
            "ip.flags",
            "Flags",
            format!("0x{flags:x} ({})", flag_str.join(", ")),
            r(6, 1),
        )
        .with(vec![
            Field::new("ip.flags.rb", "Reserved bit", flag_bit(flags & 4), r(6, 1)),
            Field::new(
                "ip.flags.df",
                "Don't fragment",
                flag_bit(flags & 2),
                r(6, 1),
            ),
            Field::new(
                "ip.flags.mf",
                "More fragments",
                flag_bit(flags & 1),
                r(6, 1),
            ),
        ]),
        Field::new(
            "ip.frag_offset",
            "Fragment Offset",
            u32::from(frag) * 8,
            r(6, 2),
        ),
        Field::new("ip.ttl", "Time to Live", h.ttl(), r(8, 1)),
        Field::new("ip.proto", "Protocol", ip_proto_str(h.protocol()), r(9, 1)),
        Field::new(
            "ip.checksum",
            "Header Checksum",
            format!(
                "0x{:04x} [{}]",
                h.header_checksum(),
                if offloaded {
                    "not computed: checksum offload?"
                } else if csum_ok {
                    "correct"
                } else {
                    "incorrect"
                }
            ),
            r(10, 2),
        ),
        Field::new("ip.src", "Source Address", src, r(12, 4)),
        Field::new("ip.dst", "Destination Address", dst, r(16, 4)),
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

fn flag_bit(v: u8) -> &'static str {
    if v != 0 {
        "Set"
    } else {
        "Not set"
    }
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
        children.push(Field::new(
            "ip.opt.type",
            "IP Option",
            format!("{name} (type {kind}, {len} bytes)"),
            r,
        ));
        if kind == 0 {
            break;
        }
        i += len;
    }
    Field::new(
        "ip.options",
        "Options",
        format!("{} bytes", opts.len()),
        t.range(opts),
    )
    .with(children)
}

fn auth_header(t: &mut Tree<'_>, s: &[u8], next: IpNumber) {
    let mut l = Layer::new(Osi::Network, "ah", "Authentication Header", t.range(s));
    l.fields = vec![Field::new(
        "ah.next_header",
        "Next header",
        ip_proto_str(next),
        t.sub(s, 0, 1),
    )];
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
        Field::new("ipv6.version", "Version", h.version(), r(0, 1)),
        Field::new(
            "ipv6.tclass",
            "Traffic Class",
            format!("0x{tc:02x}"),
            r(0, 2),
        )
        .with(vec![
            Field::new(
                "ipv6.tclass.dscp",
                "Differentiated Services Codepoint",
                tc >> 2,
                r(0, 2),
            ),
            Field::new(
                "ipv6.tclass.ecn",
                "Explicit Congestion Notification",
                tc & 3,
                r(0, 2),
            ),
        ]),
        Field::new(
            "ipv6.flow",
            "Flow Label",
            format!("0x{:05x}", h.flow_label().value()),
            r(1, 3),
        ),
        Field::new("ipv6.plen", "Payload Length", h.payload_length(), r(4, 2)),
        Field::new(
            "ipv6.nxt",
            "Next Header",
            ip_proto_str(h.next_header()),
            r(6, 1),
        ),
        Field::new("ipv6.hlim", "Hop Limit", h.hop_limit(), r(7, 1)),
        Field::new("ipv6.src", "Source Address", src, r(8, 16)),
        Field::new("ipv6.dst", "Destination Address", dst, r(24, 16)),
    ];
    for ext in v6.extensions().clone() {
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

fn ipv6_ext(t: &Tree<'_>, ext: &Ipv6ExtensionSlice<'_>) -> Field {
    let (name, label, s, next) = match ext {
        Ipv6ExtensionSlice::HopByHop(x) => (
            "ipv6.hopopts",
            "Hop-by-Hop Options",
            x.slice(),
            x.next_header(),
        ),
        Ipv6ExtensionSlice::Routing(x) => {
            ("ipv6.routing", "Routing Header", x.slice(), x.next_header())
        }
        Ipv6ExtensionSlice::DestinationOptions(x) => (
            "ipv6.dstopts",
            "Destination Options",
            x.slice(),
            x.next_header(),
        ),
        Ipv6ExtensionSlice::Authentication(x) => {
            ("ah", "Authentication Header", x.slice(), x.next_header())
        }
        Ipv6ExtensionSlice::Fragment(x) => {
            let s = x.slice();
            let off = u32::from(x.fragment_offset().value()) * 8;
            return Field::new(
                "ipv6.fragment",
                "Fragment Header",
                format!("offset {off}"),
                t.range(s),
            )
            .with(vec![
                Field::new(
                    "ipv6.fragment.nxt",
                    "Next header",
                    ip_proto_str(x.next_header()),
                    t.sub(s, 0, 1),
                ),
                Field::new("ipv6.fragment.offset", "Offset", off, t.sub(s, 2, 2)),
                Field::new(
                    "ipv6.fragment.more",
                    "More Fragments",
                    x.more_fragments(),
                    t.sub(s, 3, 1),
                ),
                Field::new(
                    "ipv6.fragment.id",
                    "Identification",
                    format!("0x{:08x}", x.identification()),
                    t.sub(s, 4, 4),
                ),
            ]);
        }
    };
    Field::new(name, label, format!("{} bytes", s.len()), t.range(s)).with(vec![
        Field::new(
            "ipv6.ext.nxt",
            "Next Header",
            ip_proto_str(next),
            t.sub(s, 0, 1),
        ),
        Field::new(
            "ipv6.ext.len",
            "Length",
            format!("{} bytes", s.len()),
            t.sub(s, 1, 1),
        ),
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
    let addr = |b: &[u8]| {
        if b.len() == 4 {
            std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
        } else {
            mac(b)
        }
    };
    let r = |at, len| t.sub(s, at, len);
    l.fields = vec![
        Field::new("arp.hw.type", "Hardware type", a.hw_addr_type().0, r(0, 2)),
        Field::new(
            "arp.proto.type",
            "Protocol type",
            ether_type_str(a.proto_addr_type().0),
            r(2, 2),
        ),
        Field::new("arp.hw.size", "Hardware size", hs, r(4, 1)),
        Field::new("arp.proto.size", "Protocol size", ps, r(5, 1)),
        Field::new("arp.opcode", "Opcode", format!("{opname} ({op})"), r(6, 2)),
        Field::new(
            "arp.src.hw_mac",
            "Sender MAC address",
            mac(a.sender_hw_addr()),
            r(8, hs),
        ),
        Field::new(
            "arp.src.proto_ipv4",
            "Sender IP address",
            addr(a.sender_protocol_addr()),
            r(8 + hs, ps),
        ),
        Field::new(
            "arp.dst.hw_mac",
            "Target MAC address",
            mac(a.target_hw_addr()),
            r(8 + hs + ps, hs),
        ),
        Field::new(
            "arp.dst.proto_ipv4",
            "Target IP address",
            addr(a.target_protocol_addr()),
            r(8 + 2 * hs + ps, ps),
        ),
    ];
    t.layers.push(l);
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn ip_proto_names() {
        assert_eq!(ip_proto_str(IpNumber::TCP), "TCP (6)");
        assert_eq!(ip_proto_str(IpNumber(253)), "Unknown (253)");
    }
}
