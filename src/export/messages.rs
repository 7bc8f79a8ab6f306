//! `layerscope messages`: the message-level view of a capture, one record per
//! HTTP message, WebSocket message, Engine.IO packet and Socket.IO packet, in
//! time order, each with its conversation, direction, time and the packets
//! that carried it. A WebSocket message that carries Engine.IO (and Socket.IO)
//! is one line, named by its innermost protocol, with the WebSocket details
//! beside it.

use serde::Serialize;
use serde_json::Value;

use crate::analysis::engineio::{self as eio, PacketType};
use crate::analysis::realtime::Carrier;
use crate::analysis::socketio::{self as sio, SioType};
use crate::analysis::upper::WsMessage;
use crate::analysis::websocket as ws;
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// Version of the `messages --json` objects.
pub const MESSAGES_SCHEMA: u32 = 1;

/// Longest text payload shown in full in a record (longer ones are cut, marked).
const MAX_TEXT: usize = 64 * 1024;

/// One line of `layerscope messages`.
#[derive(Clone, Debug, Serialize)]
pub struct MessageLine {
    /// `http`, `websocket`, `engineio` or `socketio`.
    pub kind: &'static str,
    /// Seconds since the first packet.
    pub time: f64,
    pub ts_ns: i64,
    /// TCP conversation (`tcp.stream`).
    pub conversation: u32,
    /// `client` or `server`.
    pub from: &'static str,
    /// Packet numbers (1-based) that carried it.
    pub packets: Vec<u64>,
    /// One line in words.
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpPart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WsPart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engineio: Option<EioPart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub socketio: Option<SioPart>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HttpPart {
    pub start_line: String,
    pub headers: Vec<(String, String)>,
    pub body_len: u64,
    pub complete: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct WsPart {
    pub opcode: &'static str,
    pub frames: u32,
    pub len: u64,
    pub wire_len: u64,
    pub compressed: bool,
    /// The payload as text (text messages, close reasons), or hex for binary.
    pub data: String,
    pub binary: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_code: Option<u16>,
    /// False when some of it was not captured (the capture ended, or bytes were
    /// missing, before its last byte): `len` is then what was seen.
    pub complete: bool,
    pub warnings: Vec<&'static str>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EioPart {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub transport: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub session: u32,
    pub data: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SioPart {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub nsp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub args: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_id: Option<u64>,
    /// For an emit with an ack id: the packet number of its ACK and the latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_packet: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_latency_ms: Option<f64>,
    /// For an emit with an ack id that no ACK answered.
    pub unanswered: bool,
    /// For an ACK: the packet number of the emit it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers_packet: Option<u64>,
    pub attachments: u32,
    pub missing_attachments: u32,
}

/// Where a line comes from, so that it can be built again.
#[derive(Clone, Copy, Debug)]
enum Source {
    Http(u32),
    /// An Engine.IO packet in an HTTP polling body.
    Polling(u32),
    /// A WebSocket message, and the Engine.IO packet it carried, if any.
    Ws(u32, Option<u32>),
}

fn build(store: &Store, s: Source) -> Option<MessageLine> {
    match s {
        Source::Http(i) => http_line(store, i),
        Source::Polling(e) => eio_line(store, e, None),
        Source::Ws(m, e) => ws_line(store, m, e),
    }
}

/// One message of the capture, not yet put in words: where its line comes from
/// and the packet it is placed at in time. A list of them is small (a few
/// bytes per message) where a list of lines is not; [`line_of`] builds one line.
#[derive(Clone, Copy, Debug)]
pub struct MessageRef {
    /// The last packet the line lists (0-based), if any.
    at: Option<u32>,
    source: Source,
}

impl MessageRef {
    /// The packet (0-based index) the message is placed at in time: the last
    /// packet that carried it.
    pub fn packet(&self) -> Option<u32> {
        self.at
    }
}

/// The line of one message (`None` when its records no longer make one).
pub fn line_of(store: &Store, r: MessageRef) -> Option<MessageLine> {
    build(store, r.source)
}

/// How often [`refs_where`] reports its progress, in messages looked at.
const TICK: usize = 4096;

/// The messages `keep(conversation, Engine.IO session)` accepts, in the order
/// [`for_each_line`] lists them (time order), without building their lines.
/// `tick(done, total)` is called every few thousand messages looked at; when it
/// returns false the search stops and gives `None`.
pub fn refs_where(
    store: &Store,
    keep: impl Fn(u32, Option<u32>) -> bool,
    mut tick: impl FnMut(usize, usize) -> bool,
) -> Option<Vec<MessageRef>> {
    let up = &store.analysis.upper;
    let rt = &up.realtime;
    let total = up.http.messages.len() + rt.eio.len() + up.ws_messages.len();
    let mut done = 0;
    let mut step = |done: &mut usize| {
        *done += 1;
        !done.is_multiple_of(TICK) || tick(*done, total)
    };
    let mut out = Vec::new();
    let push = |out: &mut Vec<MessageRef>, source: Source| {
        out.push(MessageRef {
            at: last_packet(store, source),
            source,
        })
    };
    // Listed as HTTP, then Engine.IO packets in polling bodies, then WebSocket
    // messages, before the (stable) sort by time.
    for (i, m) in up.http.messages.iter().enumerate() {
        if !step(&mut done) {
            return None;
        }
        if keep(m.conversation, None) {
            push(&mut out, Source::Http(i as u32));
        }
    }
    // The Engine.IO packet each WebSocket message carried (the last one, if several).
    let mut eio_of_ws: Vec<(u32, u32)> = Vec::new();
    for (i, e) in rt.eio.iter().enumerate() {
        if !step(&mut done) {
            return None;
        }
        match e.carrier {
            Carrier::WsMessage(m) => eio_of_ws.push((m, i as u32)),
            Carrier::HttpBody(..) => {
                if keep(store.eio_conversation(e), Some(e.session)) {
                    push(&mut out, Source::Polling(i as u32));
                }
            }
        }
    }
    eio_of_ws.sort_by_key(|&(m, _)| m);
    let eio_of = |m: u32| {
        let end = eio_of_ws.partition_point(|&(x, _)| x <= m);
        end.checked_sub(1)
            .and_then(|i| eio_of_ws.get(i))
            .filter(|&&(x, _)| x == m)
            .map(|&(_, e)| e)
    };
    for (m, msg) in up.ws_messages.iter().enumerate() {
        if !step(&mut done) {
            return None;
        }
        let Some(conn) = up.ws_connections.get(msg.connection as usize) else {
            continue;
        };
        let e = eio_of(m as u32);
        let session = e.and_then(|e| rt.eio.get(e as usize)).map(|r| r.session);
        if keep(conn.conversation, session) {
            push(&mut out, Source::Ws(m as u32, e));
        }
    }
    // Each line's place in time is its last packet (the one its `time` is taken
    // from); stable: within one packet, HTTP first, then the packets its body carried.
    out.sort_by_key(|r| r.at);
    Some(out)
}

/// Every message of the capture in time order, handed to `f` one at a time as it
/// is built: memory holds a small sort key per message and one line, never every
/// line (a capture can hold millions of messages).
pub fn for_each_line(store: &Store, mut f: impl FnMut(MessageLine)) {
    let refs = refs_where(store, |_, _| true, |_, _| true).unwrap_or_default();
    for r in refs {
        if let Some(l) = line_of(store, r) {
            f(l);
        }
    }
}

/// Every message of the capture, in time order (see [`for_each_line`]).
pub fn lines(store: &Store) -> Vec<MessageLine> {
    let mut out = Vec::new();
    for_each_line(store, |l| out.push(l));
    out
}

/// Most packets listed for one message (a message can span a whole capture).
const MAX_LISTED: u32 = 100_000;

/// Whether packet `p` belongs to conversation `conv` and was sent `dir`.
fn on_side(store: &Store, conv: u32, dir: Direction, p: u32) -> bool {
    let tcp = &store.analysis.tcp;
    tcp.conversation_of(PacketId(p)).is_some_and(|(c, tc)| {
        c.0 == conv
            && store
                .summary(PacketId(p))
                .is_some_and(|s| tc.direction_of(s.dir) == dir)
    })
}

/// The packets from `first` to `last` of conversation `conv` in one direction.
fn packets_between(store: &Store, conv: u32, dir: Direction, first: u32, last: u32) -> Vec<u64> {
    let last = last.min(first.saturating_add(MAX_LISTED));
    (first..=last)
        .filter(|&p| on_side(store, conv, dir, p))
        .map(|p| u64::from(p) + 1)
        .collect()
}

/// The last of [`packets_between`], found from the end.
fn last_between(store: &Store, conv: u32, dir: Direction, first: u32, last: u32) -> Option<u32> {
    let last = last.min(first.saturating_add(MAX_LISTED));
    (first..=last).rev().find(|&p| on_side(store, conv, dir, p))
}

/// The packet a source's line is placed at in time (the last it lists), without
/// building the line.
fn last_packet(store: &Store, s: Source) -> Option<u32> {
    let up = &store.analysis.upper;
    match s {
        Source::Http(i) => {
            let m = up.http.messages.get(i as usize)?;
            let last = m.end_packet.unwrap_or(m.head_packets.1);
            last_between(store, m.conversation, m.dir, m.head_packets.0, last)
        }
        Source::Polling(e) => up.realtime.eio.get(e as usize).map(|r| r.packet),
        Source::Ws(m, _) => {
            let (msg, conv, first) = ws_span(store, m)?;
            last_between(store, conv, msg.dir, first, msg.last_packet)
        }
    }
}

fn line(
    store: &Store,
    kind: &'static str,
    conv: u32,
    dir: Direction,
    packets: Vec<u64>,
) -> MessageLine {
    let last = packets.last().map_or(0, |p| (p - 1) as u32);
    MessageLine {
        kind,
        time: store.rel_secs(last),
        ts_ns: store.ts_ns(last),
        conversation: conv,
        from: dir.sender(),
        packets,
        summary: String::new(),
        http: None,
        websocket: None,
        engineio: None,
        socketio: None,
    }
}

fn http_line(store: &Store, i: u32) -> Option<MessageLine> {
    let http = &store.analysis.upper.http;
    let m = http.messages.get(i as usize)?;
    let head = store.http_head(i)?;
    let last = m.end_packet.unwrap_or(m.head_packets.1);
    let packets = packets_between(store, m.conversation, m.dir, m.head_packets.0, last);
    let mut l = line(store, "http", m.conversation, m.dir, packets);
    l.summary = http.info(i, &head);
    l.http = Some(HttpPart {
        start_line: head.summary(),
        headers: head
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body_len: m.body_len,
        complete: m.end_packet.is_some(),
    });
    Some(l)
}

fn text_or_hex(bytes: &[u8], text: bool) -> (String, bool) {
    let cut = &bytes[..bytes.len().min(MAX_TEXT)];
    let more = if bytes.len() > MAX_TEXT { "…" } else { "" };
    match (text, std::str::from_utf8(cut)) {
        (true, Ok(s)) => (format!("{s}{more}"), false),
        _ => (crate::dissect::fmt::hex(bytes, MAX_TEXT), true),
    }
}

/// WebSocket message `m`, its TCP conversation, and the packet its first frame starts in.
fn ws_span(store: &Store, m: u32) -> Option<(&WsMessage, u32, u32)> {
    let up = &store.analysis.upper;
    let msg = up.ws_messages.get(m as usize)?;
    let conv = up.ws_connections.get(msg.connection as usize)?.conversation;
    let first = up
        .frames_of(m)
        .next()
        .map_or(msg.first_packet, |(_, f)| f.start.0);
    Some((msg, conv, first))
}

fn ws_line(store: &Store, m: u32, eio_idx: Option<u32>) -> Option<MessageLine> {
    let (msg, conv, first) = ws_span(store, m)?;
    let packets = packets_between(store, conv, msg.dir, first, msg.last_packet);
    let payload = store.ws_payload(m).unwrap_or_default();
    use crate::analysis::websocket::frame::{OP_CLOSE, OP_PING, OP_PONG, OP_TEXT};
    let (data, binary) = match msg.opcode {
        OP_CLOSE => (
            store
                .ws_close(m)
                .map_or(String::new(), |(c, r)| format!("{c} {r}")),
            false,
        ),
        op => text_or_hex(&payload, matches!(op, OP_TEXT | OP_PING | OP_PONG)),
    };
    let mut l = line(store, "websocket", conv, msg.dir, packets);
    l.websocket = Some(WsPart {
        opcode: ws::opcode_name(msg.opcode),
        frames: msg.frames,
        len: msg.len,
        wire_len: msg.wire_len,
        compressed: msg.compressed,
        data: data.clone(),
        binary,
        close_code: store.ws_close(m).map(|c| c.0),
        complete: !msg.incomplete,
        warnings: ws::warn::warning_texts(msg.warnings),
    });
    l.summary = store.ws_message_info(m);
    if let Some(e) = eio_idx {
        if let Some(inner) = eio_line(store, e, Some(l.clone())) {
            return Some(inner);
        }
    }
    Some(l)
}

/// The line of Engine.IO record `e`: Socket.IO when it carries a Socket.IO packet.
/// `base` is the WebSocket line of its carrier, if it rode on WebSocket.
fn eio_line(store: &Store, e: u32, base: Option<MessageLine>) -> Option<MessageLine> {
    let rt = &store.analysis.upper.realtime;
    let (r, p) = store.eio_packet(e)?;
    let mut l = match base {
        Some(b) => b,
        None => {
            let packets = vec![u64::from(r.packet) + 1];
            let conv = store.eio_conversation(&r);
            line(store, "engineio", conv, r.dir, packets)
        }
    };
    l.kind = "engineio";
    let sess = rt.sessions.get(r.session as usize);
    let transport = match r.carrier {
        Carrier::WsMessage(_) => "websocket",
        Carrier::HttpBody(..) => "polling",
    };
    l.engineio = Some(EioPart {
        kind: p.kind.name(),
        transport,
        sid: sess.and_then(|s| s.sid.clone()),
        session: r.session,
        data: text_or_hex(&p.data, !p.binary).0,
    });
    l.summary = format!("Engine.IO {}", eio::describe(&p));
    if r.kind != PacketType::Message || r.binary {
        return Some(l);
    }
    let Some((s, _)) = rt.socketio_of(e) else {
        return Some(l);
    };
    let (sr, view) = store.sio_view(s)?;
    l.kind = "socketio";
    let pk = &view.packet;
    let args = match (&view.data, pk.kind) {
        (Some(Value::Array(a)), SioType::Event | SioType::BinaryEvent) => {
            a.iter().skip(1).cloned().collect()
        }
        (Some(Value::Array(a)), _) => a.clone(),
        (Some(v), _) => vec![v.clone()],
        (None, _) => Vec::new(),
    };
    let ack = store.ack_latency_ns(s);
    let pkt_of = |x: u32| Some(store.sio_packet_number(x)).filter(|&n| n > 0);
    let asks = matches!(pk.kind, SioType::Event | SioType::BinaryEvent) && pk.ack_id.is_some();
    l.socketio = Some(SioPart {
        kind: pk.kind.name(),
        nsp: pk.nsp.clone(),
        event: pk.event_name().map(str::to_string),
        args,
        ack_id: pk.ack_id,
        ack_packet: ack.and_then(|(a, _)| pkt_of(a)),
        ack_latency_ms: ack.map(|(_, ns)| ns as f64 / 1e6),
        unanswered: asks && sr.answered_by.is_none(),
        answers_packet: sr.answers.and_then(pkt_of),
        attachments: sr.attachments,
        missing_attachments: view.missing_attachments,
    });
    l.summary = store.sio_info(s).unwrap_or_else(|| sio::info(pk));
    Some(l)
}

/// The text form: one line per message.
pub fn text_line(l: &MessageLine) -> String {
    let arrow = if l.from == "client" { "→" } else { "←" };
    let pk = match l.packets.as_slice() {
        [] => String::new(),
        [p] => format!("#{p}"),
        [a, .., b] => format!("#{a}-{b}"),
    };
    format!(
        "{:>11.6}  tcp.stream {:<3} {} {:<9} {}  [{}]",
        l.time, l.conversation, arrow, l.kind, l.summary, pk
    )
}
