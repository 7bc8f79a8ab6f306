//! The steps of an encapsulation put in words: one sentence for sending and one
//! for receiving per layer, written for someone meeting the OSI model for the
//! first time, with the values this packet carries.

use crate::dissect::fmt::thousands;
use crate::dissect::{fmt, tcp_flags_str, Dissection, Layer, Osi, Range, Value};

use super::{ip_of, len, mac_of, name_of, number, Addressing, Adds, Pdu, Span, Step};

/// How people call a protocol.
pub(super) fn display_name(protocol: &str) -> &str {
    match protocol {
        "eth" => "Ethernet",
        "vlan" => "802.1Q VLAN tag",
        "sll" => "Linux cooked capture",
        "null" | "loop" => "Loopback",
        "nflog" => "NFLOG",
        "arp" => "ARP",
        "ip" => "IPv4",
        "ipv6" => "IPv6",
        "ah" => "IP Authentication Header",
        "icmp" => "ICMP",
        "icmpv6" => "ICMPv6",
        "igmp" => "IGMP",
        "tcp" => "TCP",
        "udp" => "UDP",
        "http" => "HTTP",
        "websocket" | "websocket.message" => "WebSocket",
        "engineio" => "Engine.IO",
        "socketio" => "Socket.IO",
        "dns" => "DNS",
        "data" => "Data",
        "tcp.connection" => "TCP connection",
        "engineio.session" => "Engine.IO session",
        other => other,
    }
}

fn step(osi: Osi, protocol: &'static str, adds: Adds, pdu: Pdu) -> Step {
    Step {
        osi,
        protocol,
        name: display_name(protocol).to_string(),
        adds,
        pdu,
        header: [0, 0],
        trailer: [0, 0],
        layer: None,
        addressing: None,
        note: None,
        sending: String::new(),
        receiving: String::new(),
    }
}

/// Layer 7's message: the bytes the program hands down, named by the innermost
/// protocol that decoded them.
pub(super) fn message_step(top: Option<(usize, &Layer)>, r: Range) -> Step {
    let n = thousands(u64::from(len(r)));
    let protocol = top.map_or("data", |(_, l)| l.protocol);
    let mut s = step(Osi::Application, protocol, Adds::Message, Pdu::Message);
    s.header = r;
    s.layer = top.map(|(i, _)| i);
    match top.map(|(_, l)| l).filter(|l| l.protocol != "data") {
        Some(l) if l.protocol == "websocket" => {
            s.sending = format!("The program hands down {n} bytes of a WebSocket message.");
            s.receiving = format!("WebSocket hands the {n} bytes of the message to the program.");
        }
        Some(l) => {
            let title = fmt::one_line(&l.title, 80);
            s.sending = format!("The program hands down its message: {title} ({n} bytes).");
            s.receiving = format!(
                "{} reads the message: {title} ({n} bytes), for the program.",
                s.name
            );
        }
        None => {
            s.name = "Data".into();
            s.sending = format!("The program hands down {n} bytes of data (not decoded here).");
            s.receiving = format!("The {n} bytes of data reach the program.");
        }
    }
    s
}

/// A WebSocket frame header in front of its payload.
pub(super) fn ws_header_step((i, l): (usize, &Layer), h: Range, above: Option<&Layer>) -> Step {
    let mut s = step(Osi::Application, "websocket", Adds::Header, Pdu::Message);
    s.header = h;
    s.layer = Some(i);
    let n = len(h);
    let mut parts = Vec::new();
    if let Some(Value::Bool(true)) = l.find("websocket.fin").map(|f| &f.value) {
        parts.push("FIN (last frame of the message)".to_string());
    }
    if let Some(op) = name_of(l, "websocket.opcode") {
        parts.push(format!("opcode {op}"));
    }
    let key = l
        .find("websocket.masking_key")
        .and_then(|f| match &f.value {
            Value::Bytes(b) => Some(spaced_hex(b)),
            _ => None,
        });
    if let Some(k) = &key {
        parts.push(format!("masking key {k}"));
    }
    let plen = number(l, "websocket.payload_length");
    if let Some(p) = plen {
        parts.push(format!("payload length {}", thousands(p)));
    }
    s.sending = format!(
        "WebSocket adds a {n}-byte frame header: {}; the message becomes a WebSocket frame.",
        parts.join(", ")
    );
    let to = above.map_or("the program", |u| display_name(u.protocol));
    let unmasked = if key.is_some() { ", unmasked," } else { "" };
    s.receiving = format!(
        "WebSocket reads and removes its {n}-byte frame header: the {}-byte payload{unmasked} goes to {to}.",
        thousands(plen.unwrap_or(0))
    );
    s
}

/// `02 22 90 23`.
fn spaced_hex(b: &[u8]) -> String {
    let v: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    v.join(" ")
}

/// Layers 5 and 6: what the analysis knows there; they add no bytes.
pub(super) fn view_step(osi: Osi, layers: &[(usize, &Layer)]) -> Option<Step> {
    let (first, l) = *layers.first()?;
    let titles: Vec<String> = layers
        .iter()
        .map(|(_, l)| fmt::one_line(&l.title, 70))
        .collect();
    let titles = titles.join("; ");
    let mut s = step(osi, l.protocol, Adds::Nothing, Pdu::Message);
    s.layer = Some(first);
    if osi == Osi::Session {
        s.name = "Session".into();
        s.sending = format!(
            "Session: {titles}. No header of its own: both ends keep the connection's state."
        );
        s.receiving = format!("Session: this belongs to {titles}.");
    } else {
        s.name = "Presentation".into();
        s.sending = format!(
            "Presentation: {titles}. No header of its own: this is how the message's bytes are encoded."
        );
        s.receiving = format!("Presentation: the bytes are decoded ({titles}).");
    }
    Some(s)
}

/// The frame's bytes when nothing below them decoded.
pub(super) fn raw_step(r: Range) -> Step {
    let mut s = step(Osi::Application, "data", Adds::Message, Pdu::Message);
    s.name = "Undecoded bytes".into();
    s.header = r;
    s.sending = format!(
        "{} bytes that were not decoded.",
        thousands(u64::from(len(r)))
    );
    s.receiving = s.sending.clone();
    s
}

/// Layer 1: the frame as bits. A capture sees bytes, not signals.
pub(super) fn physical_step(d: &Dissection) -> Step {
    let mut s = step(Osi::Physical, "frame", Adds::Nothing, Pdu::Bits);
    s.name = "Physical".into();
    s.layer = d.layers.iter().position(|l| l.protocol == "frame");
    let bytes = thousands(u64::from(d.origlen));
    let bits = thousands(u64::from(d.origlen) * 8);
    let cut = if d.caplen < d.origlen {
        format!(
            " (the capture kept only its first {} bytes)",
            thousands(u64::from(d.caplen))
        )
    } else {
        String::new()
    };
    s.sending = format!(
        "The network card sends the {bytes}-byte frame{cut} as {bits} bits: the frame becomes bits."
    );
    s.receiving = format!(
        "{bits} bits arrive; the network card turns them back into a {bytes}-byte frame{cut} and hands it up."
    );
    s.note = Some(
        "A capture holds bytes, not signals: what the wire adds around a frame \
         (an Ethernet preamble, its checksum) is not in it."
            .into(),
    );
    s
}

/// A header of layers 2 to 4. `inner` is what the data was called before.
pub(super) fn header_step(
    (i, l): (usize, &Layer),
    header: Range,
    trailer: Range,
    inner: Option<Pdu>,
) -> Step {
    let pdu = match (l.osi, l.protocol) {
        (_, "tcp") => Pdu::Segment,
        (_, "udp") => Pdu::Datagram,
        (Osi::DataLink, p) if p != "arp" => Pdu::Frame,
        _ => Pdu::Packet,
    };
    let mut s = step(l.osi, l.protocol, Adds::Header, pdu);
    s.header = header;
    s.trailer = trailer;
    s.layer = Some(i);
    let n = len(header);
    let becomes = match inner {
        Some(p) if p != pdu => format!("; the {} becomes a {}", p.name(), pdu.name()),
        _ => String::new(),
    };
    match l.protocol {
        "tcp" => tcp_words(&mut s, l, n, &becomes),
        "udp" => udp_words(&mut s, l, n, &becomes),
        "ip" | "ipv6" => ip_words(&mut s, l, n, &becomes),
        "eth" => eth_words(&mut s, l, n, &becomes),
        "sll" | "null" | "loop" | "nflog" => capture_header_words(&mut s, l, n, &becomes),
        _ => {
            s.sending = format!("{} adds a {n}-byte header{becomes}.", s.name);
            s.receiving = format!("{} reads and removes its {n}-byte header.", s.name);
        }
    }
    if len(trailer) > 0 {
        let t = format!(
            " {} bytes after the packet (padding or a trailer) come with the frame.",
            len(trailer)
        );
        s.sending.push_str(&t);
        s.receiving.push_str(&t);
    }
    s
}

fn ports(s: &mut Step, l: &Layer, proto: &str) -> Option<(u64, u64)> {
    let sp = number(l, &format!("{proto}.srcport"))?;
    let dp = number(l, &format!("{proto}.dstport"))?;
    s.addressing = Some(Addressing::Ports {
        source: sp,
        destination: dp,
    });
    Some((sp, dp))
}

fn tcp_words(s: &mut Step, l: &Layer, n: u32, becomes: &str) {
    let (sp, dp) = ports(s, l, "tcp").unwrap_or((0, 0));
    let flags = number(l, "tcp.flags").unwrap_or(0) as u16;
    let data = number(l, "tcp.len").unwrap_or(0);
    let mut fields = format!("source port {sp}, destination port {dp}");
    if let Some(seq) = number(l, "tcp.seq") {
        fields.push_str(&format!(", sequence number {}", thousands(seq)));
    }
    if flags & 0x010 != 0 {
        if let Some(ack) = number(l, "tcp.ack") {
            fields.push_str(&format!(", acknowledgment number {}", thousands(ack)));
        }
    }
    fields.push_str(&format!(", flags {}", tcp_flags_str(flags)));
    let meaning = flags_meaning(flags);
    if data == 0 {
        s.sending = format!(
            "TCP builds a {n}-byte segment that is only a header, with no data: {fields}. {meaning}."
        );
        s.receiving = format!(
            "TCP reads and removes its {n}-byte header: there is no data to hand up. {meaning}, to port {dp}."
        );
    } else {
        s.sending = format!("TCP adds a {n}-byte header: {fields}{becomes}.");
        s.receiving = format!(
            "TCP reads and removes its {n}-byte header: the segment's {} bytes are handed to the program on port {dp}.",
            thousands(data)
        );
    }
}

/// What a segment's flags ask for, in words.
fn flags_meaning(flags: u16) -> &'static str {
    let (syn, ack, rst, fin) = (
        flags & 0x002 != 0,
        flags & 0x010 != 0,
        flags & 0x004 != 0,
        flags & 0x001 != 0,
    );
    match (syn, ack, rst, fin) {
        (_, _, true, _) => "A RST refuses or aborts the connection",
        (true, false, _, _) => "A SYN asks to open a connection",
        (true, true, _, _) => "A SYN-ACK accepts the connection",
        (_, _, _, true) => "A FIN says this side has finished sending",
        _ => "An ACK says which bytes arrived",
    }
}

fn udp_words(s: &mut Step, l: &Layer, n: u32, becomes: &str) {
    let (sp, dp) = ports(s, l, "udp").unwrap_or((0, 0));
    let length = number(l, "udp.length").unwrap_or(u64::from(n));
    s.sending = format!(
        "UDP adds an {n}-byte header: source port {sp}, destination port {dp}, length {}{becomes}.",
        thousands(length)
    );
    s.receiving = format!(
        "UDP reads and removes its {n}-byte header: the datagram's {} bytes are handed to the program on port {dp}.",
        thousands(length.saturating_sub(8))
    );
}

fn ip_words(s: &mut Step, l: &Layer, n: u32, becomes: &str) {
    let v6 = l.protocol == "ipv6";
    let p = if v6 { "ipv6" } else { "ip" };
    let (src, dst) = (ip_of(l, &format!("{p}.src")), ip_of(l, &format!("{p}.dst")));
    if let (Some(a), Some(b)) = (src, dst) {
        s.addressing = Some(Addressing::Ip {
            source: a,
            destination: b,
        });
    }
    let show = |a: Option<std::net::IpAddr>| a.map_or("?".to_string(), |a| a.to_string());
    let (ttl, (proto_words, proto)) = if v6 {
        (("hop limit", "ipv6.hlim"), ("next header", "ipv6.nxt"))
    } else {
        (("time to live", "ip.ttl"), ("protocol", "ip.proto"))
    };
    let next = name_of(l, proto).unwrap_or("unknown");
    let hops = number(l, ttl.1).map_or(String::new(), |t| format!(", {} {t}", ttl.0));
    s.sending = format!(
        "{} adds a {n}-byte header: from {} to {}{hops}, {proto_words} {next}{becomes}.",
        s.name,
        show(src),
        show(dst)
    );
    s.receiving = format!(
        "{} reads and removes its {n}-byte header: the packet is for {}, and {proto_words} {next} says what it carries goes to {next}.",
        s.name,
        show(dst)
    );
}

fn eth_words(s: &mut Step, l: &Layer, n: u32, becomes: &str) {
    let (src, dst) = (mac_of(l, "eth.src"), mac_of(l, "eth.dst"));
    s.addressing = Some(Addressing::Mac {
        source: src,
        destination: dst,
    });
    let show = |m: Option<[u8; 6]>| m.map_or("?".to_string(), |m| fmt::mac(&m));
    let ty = name_of(l, "eth.type").unwrap_or("unknown");
    s.sending = format!(
        "Ethernet adds a {n}-byte header: from MAC address {} to MAC address {}, type {ty}{becomes}.",
        show(src),
        show(dst)
    );
    s.receiving = format!(
        "Ethernet reads and removes its {n}-byte header: the frame is for MAC address {}, and type {ty} says the packet inside goes to {ty}.",
        show(dst)
    );
    let mut note = String::from(
        "Ethernet also ends a frame with a 4-byte checksum (the FCS); the network card checks \
         and removes it, so it is not in the capture.",
    );
    if src == Some([0; 6]) && dst == Some([0; 6]) {
        note.push_str(
            " Both addresses are all zeros: this frame went through the loopback interface \
             and never left the machine.",
        );
    }
    s.note = Some(note);
}

/// Headers the capturing machine writes in place of the link header.
fn capture_header_words(s: &mut Step, l: &Layer, n: u32, becomes: &str) {
    let (what, family) = match l.protocol {
        "sll" => (
            "Linux writes it when capturing on the \"any\" interface",
            ["sll.etype", "sll.ltype", "sll.gretype", "netlink.family"]
                .iter()
                .find_map(|f| name_of(l, f)),
        ),
        "nflog" => (
            "Linux's netfilter log (NFLOG) wraps the packet in it",
            name_of(l, "nflog.family"),
        ),
        _ => (
            "the loopback interface writes it to say which address family follows",
            name_of(l, "null.family").or_else(|| name_of(l, "loop.family")),
        ),
    };
    if let Some(m) = l.find("sll.src.eth").and_then(|f| match f.value {
        Value::Mac(m) => Some(m),
        _ => None,
    }) {
        s.addressing = Some(Addressing::Mac {
            source: Some(m),
            destination: None,
        });
    }
    let family = family.unwrap_or("unknown");
    s.sending = format!(
        "A {n}-byte {} header takes the link header's place ({what}), protocol {family}{becomes}.",
        s.name
    );
    s.receiving = format!(
        "The {n}-byte {} header is read and removed: protocol {family} says where the packet goes.",
        s.name
    );
    s.note = Some(
        "Not on any wire: the capturing machine writes this header in place of the real \
         link header, which it does not keep."
            .into(),
    );
}

/// Say on the message's step that the message spans several packets; bytes not
/// decoded on their own are named after the message they belong to.
pub(super) fn add_span(step: &mut Step, span: &Span, number: u64) {
    let n = thousands(u64::from(step.size()));
    let name = display_name(span.protocol);
    if step.protocol == "data" {
        let a = if span.protocol == "http" { "an" } else { "a" };
        step.name = name.to_string();
        step.sending = format!("The program hands down {n} bytes of {a} {}.", span.what);
        step.receiving = format!("{name} receives {n} bytes of {a} {}.", span.what);
    }
    let t = format!(
        " The {} is carried in several segments, packets {} to {}: this one, packet {number}, carries {n} bytes of it.",
        span.what, span.first, span.last,
    );
    step.sending.push_str(&t);
    step.receiving.push_str(&t);
}
