//! ICMP (layer 3), TCP and UDP (layer 4) and the payload (layer 7) of the field tree.

use etherparse::{
    Icmpv4Slice, Icmpv6Slice, IgmpSlice, LaxSlicedPacket, TcpOptionElement, TcpOptionReadError,
    TcpOptionsIterator, TransportSlice, UdpSlice,
};

use super::fmt::hex;
use super::info::{icmp_type_name, icmpv6_type_name, tcp_flags_str, TcpRel};
use super::net::ip_proto_str;
use super::slice::TcpBytes;
use super::tree::{Field, Layer, Tree};
use super::Osi;

/// Longest payload shown in full in a field value (bytes); the range always covers it all.
const DATA_SHOWN: usize = 64;

pub(crate) fn transport_layers(
    t: &mut Tree<'_>,
    p: &LaxSlicedPacket<'_>,
    tcp: Option<TcpBytes<'_>>,
    dns: Option<&[u8]>,
    rel: Option<TcpRel>,
) {
    if let Some(tcp) = tcp {
        tcp_layer(t, &tcp, rel);
        app_layer(t, dns, tcp.payload);
        return;
    }
    match &p.transport {
        Some(TransportSlice::Tcp(_)) => {}
        Some(TransportSlice::Udp(udp)) => {
            udp_layer(t, udp);
            app_layer(t, dns, udp.payload());
        }
        Some(TransportSlice::Icmpv4(i)) => icmpv4_layer(t, i),
        Some(TransportSlice::Icmpv6(i)) => icmpv6_layer(t, i),
        Some(TransportSlice::Igmp(g)) => {
            let bytes = p.ip_payload().map_or(&[][..], |ip| ip.payload);
            igmp_layer(t, g, &bytes[..g.header_len().min(bytes.len())]);
        }
        None => {
            if let Some(ip) = p.ip_payload() {
                if p.stop_err.is_none() && !ip.fragmented {
                    let what = format!("IP protocol {} is not decoded", ip_proto_str(ip.ip_number));
                    t.stop_at(Osi::Network, "IP payload", what);
                }
                data_layer(t, ip.payload);
            }
        }
    }
}

/// Layer 7 over a transport payload: DNS when it is DNS, else raw data.
fn app_layer(t: &mut Tree<'_>, dns: Option<&[u8]>, payload: &[u8]) {
    match dns {
        Some(msg) => super::dns::dns_layer(t, msg),
        None => data_layer(t, payload),
    }
}

/// The bytes no decoder claimed, at layer 7.
pub(crate) fn data_layer(t: &mut Tree<'_>, payload: &[u8]) {
    if payload.is_empty() {
        return;
    }
    let r = t.range(payload);
    let mut l = Layer::new(
        Osi::Application,
        "data",
        format!("Data ({} bytes)", payload.len()),
        r,
    );
    l.fields = vec![
        Field::new("data.data", "Data", hex(payload, DATA_SHOWN), r),
        Field::new("data.len", "Length", payload.len(), r),
    ];
    t.layers.push(l);
}

fn tcp_layer(t: &mut Tree<'_>, tcp: &TcpBytes<'_>, rel: Option<TcpRel>) {
    let h = tcp.header;
    let (sp, dp) = (tcp.sport(), tcp.dport());
    let (seq, ack) = (tcp.seq(), tcp.ack());
    let rel_seq = rel.map_or(seq, |r| seq.wrapping_sub(r.seq_base));
    let flags = tcp.flags();
    let ack_base = rel.and_then(|r| r.ack_base).filter(|_| flags & 0x010 != 0);
    let rel_ack = ack_base.map_or(ack, |b| ack.wrapping_sub(b));
    let len = tcp.wire_len;
    let ack_part = if flags & 0x010 != 0 {
        format!(", Ack: {rel_ack}")
    } else {
        String::new()
    };
    let title = format!(
        "Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}, Seq: {rel_seq}{ack_part}, Len: {len}"
    );
    let mut l = Layer::new(Osi::Transport, "tcp", title, t.range(h));
    let r = |at, n| t.sub(h, at, n);
    let bit = |mask: u16| if flags & mask != 0 { "Set" } else { "Not set" };
    let flag_fields = [
        ("tcp.flags.res", "Reserved", 0x0e00),
        ("tcp.flags.ae", "Accurate ECN", 0x0100),
        ("tcp.flags.cwr", "Congestion Window Reduced", 0x0080),
        ("tcp.flags.ece", "ECN-Echo", 0x0040),
        ("tcp.flags.urg", "Urgent", 0x0020),
        ("tcp.flags.ack", "Acknowledgment", 0x0010),
        ("tcp.flags.push", "Push", 0x0008),
        ("tcp.flags.reset", "Reset", 0x0004),
        ("tcp.flags.syn", "Syn", 0x0002),
        ("tcp.flags.fin", "Fin", 0x0001),
    ]
    .iter()
    .map(|(n, lab, m)| Field::new(n, lab, bit(*m), r(12, 2)))
    .collect();
    let seq_label = if rel.is_some() {
        "Sequence Number (relative)"
    } else {
        "Sequence Number"
    };
    let ack_label = if ack_base.is_some() {
        "Acknowledgment Number (relative)"
    } else {
        "Acknowledgment Number"
    };
    l.fields = vec![
        Field::new("tcp.srcport", "Source Port", sp, r(0, 2)),
        Field::new("tcp.dstport", "Destination Port", dp, r(2, 2)),
        Field::new(
            "tcp.len",
            "TCP Segment Len",
            len,
            t.sub(h, h.len(), tcp.payload.len()),
        ),
        Field::new("tcp.seq", seq_label, rel_seq, r(4, 4)),
        Field::new("tcp.seq_raw", "Sequence Number (raw)", seq, r(4, 4)),
        Field::new("tcp.ack", ack_label, rel_ack, r(8, 4)),
        Field::new("tcp.ack_raw", "Acknowledgment Number (raw)", ack, r(8, 4)),
        Field::new(
            "tcp.hdr_len",
            "Header Length",
            format!(
                "{} bytes ({})",
                usize::from(tcp.data_offset()) * 4,
                tcp.data_offset()
            ),
            r(12, 1),
        ),
        Field::new(
            "tcp.flags",
            "Flags",
            format!("0x{flags:03x} ({})", tcp_flags_str(flags)),
            r(12, 2),
        )
        .with(flag_fields),
        Field::new("tcp.window_size_value", "Window", tcp.window(), r(14, 2)),
        Field::new(
            "tcp.window_size",
            "Calculated window size",
            TcpRel::window(rel, tcp.window(), flags),
            r(14, 2),
        ),
        Field::new(
            "tcp.window_size_scalefactor",
            "Window size scaling factor",
            match rel.and_then(|r| r.win_shift) {
                Some(s) if flags & 0x002 == 0 => (1u32 << s).to_string(),
                Some(_) => "1 (not applied to SYN)".to_string(),
                None => "unknown (handshake not seen)".to_string(),
            },
            r(14, 2),
        ),
        Field::new(
            "tcp.checksum",
            "Checksum",
            format!("0x{:04x} [unverified]", tcp.checksum()),
            r(16, 2),
        ),
        Field::new(
            "tcp.urgent_pointer",
            "Urgent Pointer",
            tcp.urgent(),
            r(18, 2),
        ),
    ];
    if h.len() > 20 {
        l.fields.push(tcp_options(t, &h[20..]));
    }
    let flags_range = r(12, 2);
    let hdr_range = r(12, 1);
    t.layers.push(l);
    tcp_flag_warnings(t, flags, flags_range);
    if let Some(declared) = tcp.cut_at {
        let msg = format!(
            "TCP header length {declared} bytes runs past the {} bytes captured: options and payload are cut",
            h.len()
        );
        t.warn(Osi::Transport, "tcp", msg, Some(hdr_range));
    }
}

fn tcp_flag_warnings(t: &mut Tree<'_>, flags: u16, range: [u32; 2]) {
    let (syn, fin, rst) = (flags & 2 != 0, flags & 1 != 0, flags & 4 != 0);
    let msg = if syn && fin {
        "SYN and FIN both set: no legitimate TCP stack sends this (often a scan)"
    } else if syn && rst {
        "SYN and RST both set: an invalid combination"
    } else if flags & 0x3f == 0 {
        "no TCP flags set (a \"null\" segment, often a scan)"
    } else {
        return;
    };
    t.warn(Osi::Transport, "tcp", msg.to_string(), Some(range));
}

/// TCP options decoded by etherparse; the byte offsets come from what the
/// iterator has left. Options etherparse does not know (TFO, MPTCP, ...) are
/// stepped over by their length byte and kept as unknown.
fn tcp_options(t: &Tree<'_>, opts: &[u8]) -> Field {
    let mut children = Vec::new();
    let mut start = 0;
    'outer: while start < opts.len() {
        let mut it = TcpOptionsIterator::from_slice(&opts[start..]);
        loop {
            let at = opts.len() - it.rest().len();
            match it.next() {
                None => {
                    if at < opts.len() {
                        let r = t.sub(opts, at, opts.len() - at);
                        children.push(Field::new(
                            "tcp.option_kind",
                            "End of Option List (EOL)",
                            "",
                            r,
                        ));
                    }
                    break 'outer;
                }
                Some(Ok(e)) => {
                    let end = opts.len() - it.rest().len();
                    children.push(tcp_option(t, &e, t.sub(opts, at, end - at)));
                }
                Some(Err(TcpOptionReadError::UnknownId(kind))) => {
                    let len = usize::from(*opts.get(at + 1).unwrap_or(&0));
                    if len < 2 || at + len > opts.len() {
                        let r = t.sub(opts, at, opts.len() - at);
                        children.push(Field::new(
                            "tcp.option_kind",
                            "Malformed option",
                            format!("kind {kind}"),
                            r,
                        ));
                        break 'outer;
                    }
                    let label = "Unknown option";
                    children.push(Field::new(
                        "tcp.option_kind",
                        label,
                        format!("kind {kind}, {len} bytes"),
                        t.sub(opts, at, len),
                    ));
                    start = at + len;
                    continue 'outer;
                }
                Some(Err(e)) => {
                    let r = t.sub(opts, at, opts.len() - at);
                    children.push(Field::new(
                        "tcp.option_kind",
                        "Malformed option",
                        e.to_string(),
                        r,
                    ));
                    break 'outer;
                }
            }
        }
    }
    Field::new(
        "tcp.options",
        "Options",
        format!("({} bytes)", opts.len()),
        t.range(opts),
    )
    .with(children)
}

fn tcp_option(t: &Tree<'_>, e: &TcpOptionElement, r: [u32; 2]) -> Field {
    let _ = t;
    match e {
        TcpOptionElement::Noop => Field::new("tcp.options.nop", "No-Operation (NOP)", "", r),
        TcpOptionElement::MaximumSegmentSize(v) => Field::new(
            "tcp.options.mss",
            "Maximum segment size",
            format!("{v} bytes"),
            r,
        )
        .with(vec![Field::new("tcp.options.mss_val", "MSS Value", v, r)]),
        TcpOptionElement::WindowScale(s) => {
            let mult = 1u64 << u32::from(*s).min(14);
            Field::new(
                "tcp.options.wscale",
                "Window scale",
                format!("{s} (multiply by {mult})"),
                r,
            )
            .with(vec![
                Field::new("tcp.options.wscale.shift", "Shift count", s, r),
                Field::new("tcp.options.wscale.multiplier", "Multiplier", mult, r),
            ])
        }
        TcpOptionElement::SelectiveAcknowledgementPermitted => {
            Field::new("tcp.options.sack_perm", "SACK permitted", "", r)
        }
        TcpOptionElement::SelectiveAcknowledgement(first, rest) => {
            let blocks: Vec<(u32, u32)> = std::iter::once(*first)
                .chain(rest.iter().flatten().copied())
                .collect();
            let kids = blocks
                .iter()
                .flat_map(|(le, re)| {
                    [
                        Field::new("tcp.options.sack_le", "left edge", le, r),
                        Field::new("tcp.options.sack_re", "right edge", re, r),
                    ]
                })
                .collect();
            Field::new(
                "tcp.options.sack",
                "SACK",
                format!("{} block(s)", blocks.len()),
                r,
            )
            .with(kids)
        }
        TcpOptionElement::Timestamp(v, e) => Field::new(
            "tcp.options.timestamp",
            "Timestamps",
            format!("TSval {v}, TSecr {e}"),
            r,
        )
        .with(vec![
            Field::new("tcp.options.timestamp.tsval", "Timestamp value", v, r),
            Field::new("tcp.options.timestamp.tsecr", "Timestamp echo reply", e, r),
        ]),
    }
}

fn udp_layer(t: &mut Tree<'_>, udp: &UdpSlice<'_>) {
    let h = udp.header_slice();
    let (sp, dp) = (udp.source_port(), udp.destination_port());
    let title = format!("User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}");
    let mut l = Layer::new(Osi::Transport, "udp", title, t.range(h));
    let r = |at, n| t.sub(h, at, n);
    l.fields = vec![
        Field::new("udp.srcport", "Source Port", sp, r(0, 2)),
        Field::new("udp.dstport", "Destination Port", dp, r(2, 2)),
        Field::new("udp.length", "Length", udp.length(), r(4, 2)),
        Field::new(
            "udp.checksum",
            "Checksum",
            format!("0x{:04x} [unverified]", udp.checksum()),
            r(6, 2),
        ),
    ];
    t.layers.push(l);
}

fn icmpv4_layer(t: &mut Tree<'_>, i: &Icmpv4Slice<'_>) {
    let s = i.slice();
    let (ty, code) = (i.type_u8(), i.code_u8());
    let title = format!(
        "Internet Control Message Protocol, {}",
        icmp_type_name(ty, code)
    );
    icmp_common(
        t,
        s,
        "icmp",
        title,
        ty,
        code,
        i.checksum(),
        matches!(ty, 0 | 8 | 13 | 14),
    );
}

fn icmpv6_layer(t: &mut Tree<'_>, i: &Icmpv6Slice<'_>) {
    let s = i.slice();
    let (ty, code) = (i.type_u8(), i.code_u8());
    let title = format!(
        "Internet Control Message Protocol v6, {}",
        icmpv6_type_name(ty, code)
    );
    icmp_common(
        t,
        s,
        "icmpv6",
        title,
        ty,
        code,
        i.checksum(),
        matches!(ty, 128 | 129),
    );
}

#[allow(clippy::too_many_arguments)]
fn icmp_common(
    t: &mut Tree<'_>,
    s: &[u8],
    proto: &'static str,
    title: String,
    ty: u8,
    code: u8,
    csum: u16,
    echo: bool,
) {
    let v6 = proto == "icmpv6";
    let mut l = Layer::new(Osi::Network, proto, title, t.range(s));
    let r = |at, n| t.sub(s, at, n);
    l.fields = vec![
        Field::new(
            if v6 { "icmpv6.type" } else { "icmp.type" },
            "Type",
            ty,
            r(0, 1),
        ),
        Field::new(
            if v6 { "icmpv6.code" } else { "icmp.code" },
            "Code",
            code,
            r(1, 1),
        ),
        Field::new(
            if v6 {
                "icmpv6.checksum"
            } else {
                "icmp.checksum"
            },
            "Checksum",
            format!("0x{csum:04x}"),
            r(2, 2),
        ),
    ];
    if echo && s.len() >= 8 {
        let id = u16::from_be_bytes([s[4], s[5]]);
        let seq = u16::from_be_bytes([s[6], s[7]]);
        let (idn, seqn) = if v6 {
            ("icmpv6.echo.identifier", "icmpv6.echo.sequence_number")
        } else {
            ("icmp.ident", "icmp.seq")
        };
        l.fields.push(Field::new(
            idn,
            "Identifier",
            format!("{id} (0x{id:04x})"),
            r(4, 2),
        ));
        l.fields
            .push(Field::new(seqn, "Sequence Number", seq, r(6, 2)));
    }
    if s.len() > 8 {
        let body = &s[8..];
        l.fields.push(Field::new(
            "data.data",
            "Data",
            hex(body, DATA_SHOWN),
            t.range(body),
        ));
    }
    t.layers.push(l);
}

fn igmp_layer(t: &mut Tree<'_>, g: &IgmpSlice<'_>, s: &[u8]) {
    let mut l = Layer::new(
        Osi::Network,
        "igmp",
        "Internet Group Management Protocol",
        t.range(s),
    );
    l.fields = vec![
        Field::new(
            "igmp.type",
            "Type",
            format!("0x{:02x}", g.type_u8()),
            t.sub(s, 0, 1),
        ),
        Field::new(
            "igmp.checksum",
            "Checksum",
            format!("0x{:04x}", g.checksum()),
            t.sub(s, 2, 2),
        ),
    ];
    t.layers.push(l);
}
