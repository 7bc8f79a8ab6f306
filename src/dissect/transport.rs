//! ICMP (layer 3), TCP and UDP (layer 4) and the payload (layer 7) of the field tree.

use etherparse::{
    Icmpv4Slice, Icmpv6Slice, IgmpSlice, LaxSlicedPacket, TcpOptionElement, TcpOptionReadError,
    TcpOptionsIterator, TransportSlice, UdpSlice,
};

use super::info::{icmp_type_name, icmpv6_type_name, tcp_flags_str, TcpRel};
use super::net::ip_proto_str;
use super::slice::TcpBytes;
use super::tree::{Field, Layer, Tree};
use super::value::{Show, Value};
use super::{FieldDef, Osi};

/// The fields of TCP, UDP, ICMP, IGMP and undecoded data (Wireshark's names).
pub(crate) mod hf {
    crate::dissect::fields! {
        DATA = "data", "Data", None, "Undecoded payload bytes";
        DATA_DATA = "data.data", "Data", Bytes;
        DATA_LEN = "data.len", "Length", Unsigned;
        TCP = "tcp", "Transmission Control Protocol", None;
        PORT = "tcp.port", "Port", Unsigned, "Source or destination TCP port";
        SRCPORT = "tcp.srcport", "Source Port", Unsigned;
        DSTPORT = "tcp.dstport", "Destination Port", Unsigned;
        LEN = "tcp.len", "TCP Segment Len", Unsigned;
        SEQ = "tcp.seq", "Sequence Number (relative)", Unsigned;
        SEQ_RAW = "tcp.seq_raw", "Sequence Number (raw)", Unsigned;
        ACK = "tcp.ack", "Acknowledgment Number (relative)", Unsigned;
        ACK_RAW = "tcp.ack_raw", "Acknowledgment Number (raw)", Unsigned;
        HDR_LEN = "tcp.hdr_len", "Header Length", Unsigned;
        FLAGS = "tcp.flags", "Flags", Unsigned;
        FLAGS_RES = "tcp.flags.res", "Reserved", Bool;
        FLAGS_AE = "tcp.flags.ae", "Accurate ECN", Bool;
        FLAGS_CWR = "tcp.flags.cwr", "Congestion Window Reduced", Bool;
        FLAGS_ECE = "tcp.flags.ece", "ECN-Echo", Bool;
        FLAGS_URG = "tcp.flags.urg", "Urgent", Bool;
        FLAGS_ACK = "tcp.flags.ack", "Acknowledgment", Bool;
        FLAGS_PUSH = "tcp.flags.push", "Push", Bool;
        FLAGS_RESET = "tcp.flags.reset", "Reset", Bool;
        FLAGS_SYN = "tcp.flags.syn", "Syn", Bool;
        FLAGS_FIN = "tcp.flags.fin", "Fin", Bool;
        WINDOW_SIZE_VALUE = "tcp.window_size_value", "Window", Unsigned;
        WINDOW_SIZE = "tcp.window_size", "Calculated window size", Unsigned;
        WINDOW_SCALEFACTOR = "tcp.window_size_scalefactor", "Window size scaling factor", Signed,
            "Window size scaling factor (-1: unknown)";
        CHECKSUM = "tcp.checksum", "Checksum", Unsigned;
        URGENT_POINTER = "tcp.urgent_pointer", "Urgent Pointer", Unsigned;
        PAYLOAD = "tcp.payload", "TCP payload", Bytes;
        OPTIONS = "tcp.options", "Options", Bytes;
        OPTION_KIND = "tcp.option_kind", "Option kind", Unsigned;
        OPT_NOP = "tcp.options.nop", "No-Operation (NOP)", None;
        OPT_MSS = "tcp.options.mss", "Maximum segment size", Unsigned;
        OPT_MSS_VAL = "tcp.options.mss_val", "MSS Value", Unsigned;
        OPT_WSCALE = "tcp.options.wscale", "Window scale", Unsigned;
        OPT_WSCALE_SHIFT = "tcp.options.wscale.shift", "Shift count", Unsigned;
        OPT_WSCALE_MULT = "tcp.options.wscale.multiplier", "Multiplier", Unsigned;
        OPT_SACK_PERM = "tcp.options.sack_perm", "SACK permitted", None;
        OPT_SACK = "tcp.options.sack", "SACK", Unsigned;
        OPT_SACK_LE = "tcp.options.sack_le", "left edge", Unsigned;
        OPT_SACK_RE = "tcp.options.sack_re", "right edge", Unsigned;
        OPT_TIMESTAMP = "tcp.options.timestamp", "Timestamps", None;
        OPT_TSVAL = "tcp.options.timestamp.tsval", "Timestamp value", Unsigned;
        OPT_TSECR = "tcp.options.timestamp.tsecr", "Timestamp echo reply", Unsigned;
        UDP = "udp", "User Datagram Protocol", None;
        UDP_PORT = "udp.port", "Port", Unsigned, "Source or destination UDP port";
        UDP_SRCPORT = "udp.srcport", "Source Port", Unsigned;
        UDP_DSTPORT = "udp.dstport", "Destination Port", Unsigned;
        UDP_LENGTH = "udp.length", "Length", Unsigned;
        UDP_CHECKSUM = "udp.checksum", "Checksum", Unsigned;
        ICMP = "icmp", "Internet Control Message Protocol", None;
        ICMP_TYPE = "icmp.type", "Type", Unsigned;
        ICMP_CODE = "icmp.code", "Code", Unsigned;
        ICMP_CHECKSUM = "icmp.checksum", "Checksum", Unsigned;
        ICMP_IDENT = "icmp.ident", "Identifier", Unsigned;
        ICMP_SEQ = "icmp.seq", "Sequence Number", Unsigned;
        ICMPV6 = "icmpv6", "Internet Control Message Protocol v6", None;
        ICMPV6_TYPE = "icmpv6.type", "Type", Unsigned;
        ICMPV6_CODE = "icmpv6.code", "Code", Unsigned;
        ICMPV6_CHECKSUM = "icmpv6.checksum", "Checksum", Unsigned;
        ICMPV6_IDENT = "icmpv6.echo.identifier", "Identifier", Unsigned;
        ICMPV6_SEQ = "icmpv6.echo.sequence_number", "Sequence Number", Unsigned;
        IGMP = "igmp", "Internet Group Management Protocol", None;
        IGMP_TYPE = "igmp.type", "Type", Unsigned;
        IGMP_CHECKSUM = "igmp.checksum", "Checksum", Unsigned;
    }
}

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
        hf::DATA_DATA.at(Value::bytes(payload), r),
        hf::DATA_LEN.at(payload.len(), r),
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
    let flag_fields = [
        (&hf::FLAGS_RES, 0x0e00),
        (&hf::FLAGS_AE, 0x0100),
        (&hf::FLAGS_CWR, 0x0080),
        (&hf::FLAGS_ECE, 0x0040),
        (&hf::FLAGS_URG, 0x0020),
        (&hf::FLAGS_ACK, 0x0010),
        (&hf::FLAGS_PUSH, 0x0008),
        (&hf::FLAGS_RESET, 0x0004),
        (&hf::FLAGS_SYN, 0x0002),
        (&hf::FLAGS_FIN, 0x0001),
    ]
    .iter()
    .map(|(def, m)| def.at(flags & m != 0, r(12, 2)).show(Show::SetNotSet))
    .collect();
    let seq_f = hf::SEQ.at(rel_seq, r(4, 4));
    let seq_f = match rel {
        Some(_) => seq_f,
        None => seq_f.labelled("Sequence Number"),
    };
    let ack_f = hf::ACK.at(rel_ack, r(8, 4));
    let ack_f = match ack_base {
        Some(_) => ack_f,
        None => ack_f.labelled("Acknowledgment Number"),
    };
    let scale = match rel.and_then(|r| r.win_shift) {
        Some(s) if flags & 0x002 == 0 => hf::WINDOW_SCALEFACTOR.at(Value::Signed(1 << s), r(14, 2)),
        Some(_) => hf::WINDOW_SCALEFACTOR
            .at(Value::Signed(1), r(14, 2))
            .note(" (not applied to SYN)"),
        None => hf::WINDOW_SCALEFACTOR
            .at(Value::Signed(-1), r(14, 2))
            .show(Show::Hidden)
            .note("unknown (handshake not seen)"),
    };
    l.fields = vec![
        hf::SRCPORT.at(sp, r(0, 2)),
        hf::DSTPORT.at(dp, r(2, 2)),
        hf::LEN.at(len, t.sub(h, h.len(), tcp.payload.len())),
        seq_f,
        hf::SEQ_RAW.at(seq, r(4, 4)),
        ack_f,
        hf::ACK_RAW.at(ack, r(8, 4)),
        hf::HDR_LEN
            .at(usize::from(tcp.data_offset()) * 4, r(12, 1))
            .show(Show::Unit(" bytes"))
            .note(format!(" ({})", tcp.data_offset())),
        hf::FLAGS
            .at(flags, r(12, 2))
            .show(Show::Hex(3))
            .note(format!(" ({})", tcp_flags_str(flags)))
            .with(flag_fields),
        hf::WINDOW_SIZE_VALUE.at(tcp.window(), r(14, 2)),
        hf::WINDOW_SIZE.at(TcpRel::window(rel, tcp.window(), flags), r(14, 2)),
        scale,
        hf::CHECKSUM
            .at(tcp.checksum(), r(16, 2))
            .show(Show::Hex(4))
            .note(" [unverified]"),
        hf::URGENT_POINTER.at(tcp.urgent(), r(18, 2)),
    ];
    if h.len() > 20 {
        l.fields.push(tcp_options(t, &h[20..]));
    }
    if !tcp.payload.is_empty() {
        let pr = t.range(tcp.payload);
        l.fields.push(
            hf::PAYLOAD
                .at(Value::bytes(tcp.payload), pr)
                .show(Show::ByteCount),
        );
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
                        children.push(
                            hf::OPTION_KIND
                                .at(0u8, r)
                                .show(Show::Hidden)
                                .labelled("End of Option List (EOL)"),
                        );
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
                        children.push(option_kind(kind, r, "Malformed option", String::new()));
                        break 'outer;
                    }
                    let r = t.sub(opts, at, len);
                    let more = format!(", {len} bytes");
                    children.push(option_kind(kind, r, "Unknown option", more));
                    start = at + len;
                    continue 'outer;
                }
                Some(Err(e)) => {
                    let r = t.sub(opts, at, opts.len() - at);
                    let kind = opts.get(at).copied().unwrap_or(0);
                    children.push(
                        hf::OPTION_KIND
                            .at(kind, r)
                            .labelled("Malformed option")
                            .show(Show::Hidden)
                            .note(e.to_string()),
                    );
                    break 'outer;
                }
            }
        }
    }
    hf::OPTIONS
        .at(Value::bytes(opts), t.range(opts))
        .show(Show::Hidden)
        .note(format!("({} bytes)", opts.len()))
        .with(children)
}

/// An option of kind `kind` that etherparse does not read: `kind 30, 4 bytes`.
fn option_kind(kind: u8, r: [u32; 2], label: &'static str, more: String) -> Field {
    hf::OPTION_KIND
        .at(kind, r)
        .labelled(label)
        .show(Show::Hidden)
        .note(format!("kind {kind}{more}"))
}

fn tcp_option(t: &Tree<'_>, e: &TcpOptionElement, r: [u32; 2]) -> Field {
    let _ = t;
    match e {
        TcpOptionElement::Noop => hf::OPT_NOP.at(Value::None, r),
        TcpOptionElement::MaximumSegmentSize(v) => hf::OPT_MSS
            .at(*v, r)
            .show(Show::Unit(" bytes"))
            .with(vec![hf::OPT_MSS_VAL.at(*v, r)]),
        TcpOptionElement::WindowScale(s) => {
            let mult = 1u64 << u32::from(*s).min(14);
            hf::OPT_WSCALE
                .at(*s, r)
                .note(format!(" (multiply by {mult})"))
                .with(vec![
                    hf::OPT_WSCALE_SHIFT.at(*s, r),
                    hf::OPT_WSCALE_MULT.at(mult, r),
                ])
        }
        TcpOptionElement::SelectiveAcknowledgementPermitted => hf::OPT_SACK_PERM.at(Value::None, r),
        TcpOptionElement::SelectiveAcknowledgement(first, rest) => {
            let blocks: Vec<(u32, u32)> = std::iter::once(*first)
                .chain(rest.iter().flatten().copied())
                .collect();
            let kids = blocks
                .iter()
                .flat_map(|(le, re)| [hf::OPT_SACK_LE.at(*le, r), hf::OPT_SACK_RE.at(*re, r)])
                .collect();
            hf::OPT_SACK
                .at(blocks.len(), r)
                .show(Show::Unit(" block(s)"))
                .with(kids)
        }
        TcpOptionElement::Timestamp(v, e) => hf::OPT_TIMESTAMP
            .at(Value::None, r)
            .note(format!("TSval {v}, TSecr {e}"))
            .with(vec![hf::OPT_TSVAL.at(*v, r), hf::OPT_TSECR.at(*e, r)]),
    }
}

fn udp_layer(t: &mut Tree<'_>, udp: &UdpSlice<'_>) {
    let h = udp.header_slice();
    let (sp, dp) = (udp.source_port(), udp.destination_port());
    let title = format!("User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}");
    let mut l = Layer::new(Osi::Transport, "udp", title, t.range(h));
    let r = |at, n| t.sub(h, at, n);
    l.fields = vec![
        hf::UDP_SRCPORT.at(sp, r(0, 2)),
        hf::UDP_DSTPORT.at(dp, r(2, 2)),
        hf::UDP_LENGTH.at(udp.length(), r(4, 2)),
        hf::UDP_CHECKSUM
            .at(udp.checksum(), r(6, 2))
            .show(Show::Hex(4))
            .note(" [unverified]"),
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
    let pick = |a: &'static FieldDef, b: &'static FieldDef| if v6 { b } else { a };
    l.fields = vec![
        pick(&hf::ICMP_TYPE, &hf::ICMPV6_TYPE).at(ty, r(0, 1)),
        pick(&hf::ICMP_CODE, &hf::ICMPV6_CODE).at(code, r(1, 1)),
        pick(&hf::ICMP_CHECKSUM, &hf::ICMPV6_CHECKSUM)
            .at(csum, r(2, 2))
            .show(Show::Hex(4)),
    ];
    if echo && s.len() >= 8 {
        let id = u16::from_be_bytes([s[4], s[5]]);
        let seq = u16::from_be_bytes([s[6], s[7]]);
        l.fields.push(
            pick(&hf::ICMP_IDENT, &hf::ICMPV6_IDENT)
                .at(id, r(4, 2))
                .show(Show::DecHex(4)),
        );
        l.fields
            .push(pick(&hf::ICMP_SEQ, &hf::ICMPV6_SEQ).at(seq, r(6, 2)));
    }
    if s.len() > 8 {
        let body = &s[8..];
        l.fields
            .push(hf::DATA_DATA.at(Value::bytes(body), t.range(body)));
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
        hf::IGMP_TYPE
            .at(g.type_u8(), t.sub(s, 0, 1))
            .show(Show::Hex(2)),
        hf::IGMP_CHECKSUM
            .at(g.checksum(), t.sub(s, 2, 2))
            .show(Show::Hex(4)),
    ];
    t.layers.push(l);
}
