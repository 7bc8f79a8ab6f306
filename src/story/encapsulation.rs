//! The encapsulation of one packet, told as steps: sending, from layer 7 down, each
//! layer adds its header (the message becomes a segment, a packet, a frame, bits);
//! receiving, from layer 1 up, each layer reads and removes it. Plain data for the
//! window's Encapsulation view (and the tests); the sentences are in [`words`].
//!
//! Every byte of the captured frame is in exactly one step (a header, a trailer, or
//! the message itself), so the steps' sizes add up to the captured length.

mod words;

use std::net::IpAddr;

use serde::Serialize;

use crate::dissect::{Dissection, Layer, Osi, Range, Src, Value};
use crate::store::{PacketId, Store};

/// What the data is called once a layer is done with it (sending).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pdu {
    /// What the program says (OSI's "data" at layers 5 to 7).
    Message,
    /// A TCP segment.
    Segment,
    /// A UDP datagram.
    Datagram,
    /// An IP packet (ICMP, ARP and other layer-3 messages are packets too).
    Packet,
    /// A link-layer frame.
    Frame,
    /// What the wire carries.
    Bits,
}

impl Pdu {
    pub fn name(self) -> &'static str {
        match self {
            Pdu::Message => "message",
            Pdu::Segment => "segment",
            Pdu::Datagram => "datagram",
            Pdu::Packet => "packet",
            Pdu::Frame => "frame",
            Pdu::Bits => "bits",
        }
    }
}

/// The addresses a layer puts in its header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Addressing {
    /// TCP or UDP ports: which program on each machine.
    Ports { source: u64, destination: u64 },
    /// IP addresses: which machine.
    Ip { source: IpAddr, destination: IpAddr },
    /// Link-layer (MAC) addresses: which network card on the link; a Linux cooked
    /// header keeps only the source.
    Mac {
        source: Option<[u8; 6]>,
        destination: Option<[u8; 6]>,
    },
}

impl Addressing {
    /// What kind of address it is (`port`, `IP address`, `MAC address`).
    pub fn kind(&self) -> &'static str {
        match self {
            Addressing::Ports { .. } => "port",
            Addressing::Ip { .. } => "IP address",
            Addressing::Mac { .. } => "MAC address",
        }
    }
}

/// What a step puts around the data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adds {
    /// The message itself: the bytes the program hands down (layer 7).
    Message,
    /// A header in front (and sometimes a trailer behind).
    Header,
    /// No bytes of its own (session, presentation, physical).
    Nothing,
}

/// One layer's part in the encapsulation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub osi: Osi,
    /// The protocol's filter name (`tcp`, `eth`), empty for the physical layer.
    pub protocol: &'static str,
    /// How people call it (`TCP`, `IPv4`, `Socket.IO`).
    pub name: String,
    pub adds: Adds,
    /// What the data is called once this layer is done with it (sending).
    pub pdu: Pdu,
    /// The bytes this step adds in front: its header, or at layer 7 the message.
    pub header: Range,
    /// The bytes it adds at the end (Ethernet padding); empty when none.
    pub trailer: Range,
    /// The dissection's layer this step is, to select it.
    pub layer: Option<usize>,
    pub addressing: Option<Addressing>,
    /// Something the capture does not show or that is not on any wire.
    pub note: Option<String>,
    /// One sentence for sending (layer 7 down) and one for receiving (layer 1 up).
    pub sending: String,
    pub receiving: String,
}

impl Step {
    /// The bytes it adds: header and trailer (at layer 7, the message).
    pub fn size(&self) -> u32 {
        len(self.header) + len(self.trailer)
    }
}

/// Packets that carry the one message (or frame) this packet holds part of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    /// The protocol's filter name (`http`, `websocket`).
    pub protocol: &'static str,
    /// `HTTP message`, `WebSocket message`.
    pub what: &'static str,
    /// Packet numbers, from 1.
    pub first: u64,
    pub last: u64,
}

/// The encapsulation of one packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Encapsulation {
    /// Packet number, from 1.
    pub number: u64,
    pub caplen: u32,
    pub origlen: u32,
    /// Sending order: layer 7 first. Receiving is the same steps from the end.
    pub steps: Vec<Step>,
    /// When the message is carried in several packets.
    pub span: Option<Span>,
}

impl Encapsulation {
    /// The steps in `sending` order (layer 7 first) or receiving order (layer 1 first).
    pub fn ordered(&self, sending: bool) -> Vec<&Step> {
        match sending {
            true => self.steps.iter().collect(),
            false => self.steps.iter().rev().collect(),
        }
    }

    /// What the steps add, in bytes: the captured length.
    pub fn total(&self) -> u32 {
        self.steps.iter().map(Step::size).sum()
    }
}

fn len(r: Range) -> u32 {
    r[1].saturating_sub(r[0])
}

/// The encapsulation of packet `id` of `store`, with the packets its message spans.
pub fn encapsulation_of(store: &Store, id: PacketId) -> Option<Encapsulation> {
    let d = store.dissect(id)?;
    let mut e = encapsulation(&d);
    if let Some(s) = span_in_store(store, id) {
        e.set_span(s);
    }
    Some(e)
}

/// The encapsulation of a dissected packet. Spans known from the tree alone (a
/// WebSocket message joined from several frames) are set; [`encapsulation_of`] adds
/// the others, which need the analysis.
pub fn encapsulation(d: &Dissection) -> Encapsulation {
    let caplen = d.caplen;
    let lower = lower_layers(d);
    let data_start = lower.last().map_or(0, |(_, _, r)| r[1]);
    let data_end = data_end(d, data_start).min(caplen).max(data_start);
    let mut steps = Vec::new();
    app_steps(d, [data_start, data_end], &mut steps);
    upper_views(d, Osi::Presentation, &mut steps);
    upper_views(d, Osi::Session, &mut steps);
    let after = [data_end, caplen];
    let outer = lower.first().map(|(i, _, _)| *i);
    let mut inner = steps.first().map(|s| s.pdu);
    for (i, l, header) in lower.iter().rev() {
        let trailer = match Some(*i) == outer && after[1] > after[0] {
            true => after,
            false => [0, 0],
        };
        let s = words::header_step((*i, l), *header, trailer, inner);
        inner = Some(s.pdu);
        steps.push(s);
    }
    if lower.is_empty() && after[1] > after[0] {
        // Nothing decoded below the data: the frame's bytes as they are.
        steps.push(words::raw_step(after));
    }
    steps.push(words::physical_step(d));
    let mut e = Encapsulation {
        number: d.number,
        caplen,
        origlen: d.origlen,
        steps,
        span: None,
    };
    if let Some(s) = ws_message_span(d) {
        e.set_span(s);
    }
    e
}

impl Encapsulation {
    /// Say on the message's step that it spans several packets.
    pub fn set_span(&mut self, s: Span) {
        if let Some(step) = self.steps.iter_mut().find(|s| s.adds == Adds::Message) {
            words::add_span(step, &s, self.number);
        }
        self.span = Some(s);
    }
}

/// The headers of layers 2 to 4 in the frame, outermost first: (layer index, layer,
/// header bytes). Each header runs to the start of the next, so that extension
/// headers and options belong to the header they extend; a layer inside another's
/// bytes (the headers an ICMP error quotes) is part of that one's data.
fn lower_layers(d: &Dissection) -> Vec<(usize, &Layer, Range)> {
    let mut v: Vec<(usize, &Layer)> = (d.layers.iter().enumerate())
        .filter(|(_, l)| matches!(l.osi, Osi::DataLink | Osi::Network | Osi::Transport))
        .filter(|(_, l)| l.range[1] > l.range[0] && l.range[1] <= d.caplen)
        .collect();
    v.sort_by_key(|(i, l)| (l.range[0], *i));
    let mut out: Vec<(usize, &Layer, Range)> = Vec::new();
    for (i, l) in v {
        if out.last().is_some_and(|(_, _, r)| l.range[0] < r[1]) {
            continue;
        }
        if let Some(last) = out.last_mut() {
            last.2[1] = l.range[0];
        } else if l.range[0] > 0 {
            // Bytes before the first header we know (never in practice): its own.
            out.push((i, l, [0, l.range[1]]));
            continue;
        }
        out.push((i, l, l.range));
    }
    out
}

/// Where the data the lowest headers carry ends: the transport payload, or the
/// application layers' bytes in the frame.
fn data_end(d: &Dissection, start: u32) -> u32 {
    let payload = (d.layers.iter())
        .flat_map(|l| &l.fields)
        .filter(|f| f.name == "tcp.payload" && f.src == Src::Frame)
        .map(|f| f.range[1]);
    let app = (d.layers.iter())
        .filter(|l| l.osi == Osi::Application && l.range[0] >= start)
        .map(|l| l.range[1]);
    payload.chain(app).fold(start, u32::max)
}

/// Layer 7: the message, and a WebSocket frame header split from it when the
/// packet holds exactly one whole frame.
fn app_steps(d: &Dissection, data: Range, steps: &mut Vec<Step>) {
    let app: Vec<(usize, &Layer)> = (d.layers.iter().enumerate())
        .filter(|(_, l)| l.osi == Osi::Application)
        .collect();
    let ws: Vec<&(usize, &Layer)> = app
        .iter()
        .filter(|(_, l)| l.protocol == "websocket")
        .collect();
    let ws_header = match ws.as_slice() {
        [(i, l)] if l.range == data => ws_header_end(l).map(|end| (*i, *l, [data[0], end])),
        _ => None,
    };
    let message = match ws_header {
        Some((_, _, h)) => [h[1], data[1]],
        None => data,
    };
    if message[1] > message[0] {
        let top = app.last().copied();
        steps.push(words::message_step(top, message));
    }
    if let Some((i, l, h)) = ws_header {
        // What the payload goes to: the next layer the tree decoded from it.
        let above = (app.iter())
            .map(|(_, l)| *l)
            .find(|u| !u.protocol.starts_with("websocket") && u.range[0] >= l.range[0]);
        steps.push(words::ws_header_step((i, l), h, above));
    }
}

/// The end of a WebSocket frame's header in the frame: its last header field's.
fn ws_header_end(l: &Layer) -> Option<u32> {
    const HEADER: [&str; 6] = [
        "websocket.fin",
        "websocket.rsv",
        "websocket.opcode",
        "websocket.mask",
        "websocket.payload_length",
        "websocket.masking_key",
    ];
    (l.fields.iter())
        .filter(|f| HEADER.contains(&f.name) && f.src == Src::Frame)
        .map(|f| f.range[1])
        .max()
        .filter(|&end| end > l.range[0] && end <= l.range[1])
}

/// Layers 5 and 6: what the analysis says there, no bytes of their own.
fn upper_views(d: &Dissection, osi: Osi, steps: &mut Vec<Step>) {
    let layers: Vec<(usize, &Layer)> = (d.layers.iter().enumerate())
        .filter(|(_, l)| l.osi == osi)
        .collect();
    if let Some(step) = words::view_step(osi, &layers) {
        steps.push(step);
    }
}

/// A WebSocket message joined from frames in several packets (known from the tree).
fn ws_message_span(d: &Dissection) -> Option<Span> {
    let f = d.field("websocket.message.frames")?;
    let packets = f.value.links();
    let (first, last) = (packets.iter().min()?, packets.iter().max()?);
    (first != last).then_some(Span {
        protocol: "websocket",
        what: "WebSocket message",
        first: *first,
        last: *last,
    })
}

/// The HTTP message or WebSocket frame packet `id` carries part of, when it is
/// carried in several packets (from the analysis records).
pub fn span_in_store(store: &Store, id: PacketId) -> Option<Span> {
    let up = &store.analysis.upper;
    let p = id.0;
    let ws = up.frames_at(p).find_map(|(_, f)| {
        let m = up.ws_messages.get(f.message as usize)?;
        let (first, last) = (
            f.start.0.min(m.first_packet),
            f.end_packet.max(m.last_packet),
        );
        (first != last).then_some((first, last, ("websocket", "WebSocket message")))
    });
    let http = || {
        let (conv, c) = store.analysis.tcp.conversation_of(id)?;
        let side = store.summary(id)?.dir;
        let dir = c.direction_of(side);
        (up.http.messages.iter())
            .filter(|m| m.conversation == conv.0 && m.dir == dir)
            .map(|m| {
                (
                    m.head_packets.0,
                    m.end_packet
                        .unwrap_or(m.head_packets.1)
                        .max(m.head_packets.1),
                )
            })
            .find(|&(a, b)| a <= p && p <= b && a != b)
            .map(|(a, b)| (a, b, ("http", "HTTP message")))
    };
    let (first, last, (protocol, what)) = ws.or_else(http)?;
    Some(Span {
        protocol,
        what,
        first: u64::from(first) + 1,
        last: u64::from(last) + 1,
    })
}

/// A field's number (unsigned or named).
fn number(l: &Layer, name: &str) -> Option<u64> {
    match &l.find(name)?.value {
        Value::Unsigned(v) | Value::Named(v, _) => Some(*v),
        _ => None,
    }
}

/// A named number's name (`IPv4`, `TCP`).
fn name_of(l: &Layer, name: &str) -> Option<&'static str> {
    match l.find(name)?.value {
        Value::Named(_, n) => Some(n),
        _ => None,
    }
}

fn ip_of(l: &Layer, name: &str) -> Option<IpAddr> {
    match l.find(name)?.value {
        Value::Ipv4(a) => Some(IpAddr::V4(a)),
        Value::Ipv6(a) => Some(IpAddr::V6(a)),
        _ => None,
    }
}

fn mac_of(l: &Layer, name: &str) -> Option<[u8; 6]> {
    match l.find(name)?.value {
        Value::Mac(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
