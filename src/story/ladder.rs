//! A sequence diagram of one TCP conversation: client on the left, server on
//! the right, one arrow per packet, each labelled by what it carries, and the
//! arrows grouped into phases (handshake, HTTP, upgrade, WebSocket, Socket.IO,
//! teardown).

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use super::{conversation_packets, endpoints, secs, sender, shorten};
use crate::analysis::http::{flag, StartLine};
use crate::analysis::realtime::Carrier;
use crate::analysis::socketio::SioType;
use crate::analysis::tcp::{note, Role};
use crate::dissect::tcp_flags::{ACK, FIN, RST, SYN};
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// Most arrows in one ladder; longer conversations are cut (`Ladder::truncated`).
pub const MAX_ARROWS: usize = 1_000_000;

/// Longest arrow label, in characters.
pub const MAX_LABEL: usize = 80;

/// What part of the conversation's life an arrow belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// SYN, SYN-ACK, ACK (and their retransmissions).
    TcpHandshake,
    /// Plain HTTP requests and responses.
    Http,
    /// A WebSocket upgrade: the request through the `101`.
    Upgrade,
    /// WebSocket frames not carrying Engine.IO / Socket.IO.
    WebSocket,
    /// Engine.IO and Socket.IO, over WebSocket or HTTP long-polling.
    SocketIo,
    /// Anything else.
    Data,
    /// The first FIN or RST, and everything after it.
    Teardown,
}

impl Phase {
    /// What the phase is called in a ladder's legend.
    pub fn name(self) -> &'static str {
        match self {
            Phase::TcpHandshake => "TCP handshake",
            Phase::Upgrade => "HTTP Upgrade",
            Phase::Http => "HTTP",
            Phase::WebSocket => "WebSocket",
            Phase::SocketIo => "Engine.IO / Socket.IO",
            Phase::Data => "data",
            Phase::Teardown => "teardown",
        }
    }
}

/// What an arrow is, for drawing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrowKind {
    /// SYN, FIN or RST set, or the handshake's ACK.
    Control,
    /// No payload, only an acknowledgment.
    Ack,
    /// Payload that completes no message (part of one, or unrecognized data).
    Data,
    /// Payload completing at least one HTTP / WebSocket / Engine.IO / Socket.IO message.
    Message,
}

/// One packet of the conversation.
#[derive(Clone, Debug, Serialize)]
pub struct Arrow {
    /// Packet index (0-based).
    pub packet: u32,
    pub ts_ns: i64,
    /// Seconds since the conversation's first packet.
    pub rel_s: f64,
    /// Who sent it (in JSON: `"from_client": true|false`).
    #[serde(
        rename = "from_client",
        serialize_with = "crate::ids::serialize_from_client"
    )]
    pub dir: Direction,
    /// `SYN Seq=0`, `GET /chat [Upgrade: websocket]`, `Socket.IO EVENT "chat message" ["hi"]`...
    pub label: String,
    pub phase: Phase,
    pub kind: ArrowKind,
    /// TCP payload bytes (on the wire).
    pub len: u32,
    /// Every byte of it had been seen before.
    pub retransmission: bool,
}

/// A maximal run of consecutive arrows in one phase (indexes into `arrows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PhaseSpan {
    pub phase: Phase,
    pub first_arrow: u32,
    pub last_arrow: u32,
}

/// The sequence diagram of one conversation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ladder {
    /// `127.0.0.1:46262`.
    pub client: String,
    pub server: String,
    pub arrows: Vec<Arrow>,
    /// Contiguous, in order, covering every arrow.
    pub phases: Vec<PhaseSpan>,
    /// More than [`MAX_ARROWS`] packets: the rest are left out.
    pub truncated: bool,
}

use crate::dissect::tcp_flags_str as flags_text;

/// `1.23 ms` with a precision that suits the size.
pub(crate) fn ms_text(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `Socket.IO EVENT "chat message" ["hi"]`, `Socket.IO ACK 0 [...] (0.62 ms)`.
fn sio_label(store: &Store, s: u32) -> Option<String> {
    let (r, view) = store.sio_view(s)?;
    let pk = &view.packet;
    let mut out = format!("Socket.IO {}", pk.kind.name());
    if pk.nsp != "/" {
        out.push(' ');
        out.push_str(&pk.nsp);
    }
    let items = match &view.data {
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
        None => Vec::new(),
    };
    match pk.kind {
        SioType::Event | SioType::BinaryEvent => {
            let mut it = items.into_iter();
            if let Some(name) = it.next() {
                out.push(' ');
                out.push_str(&json(&name));
            }
            let rest: Vec<Value> = it.collect();
            out.push(' ');
            out.push_str(&json(&Value::Array(rest)));
            if let Some(id) = pk.ack_id {
                out.push_str(&format!(" ack={id}"));
            }
        }
        SioType::Ack | SioType::BinaryAck => {
            if let Some(id) = pk.ack_id {
                out.push_str(&format!(" {id}"));
            }
            out.push(' ');
            out.push_str(&json(&Value::Array(items)));
            let lat = r.answers.and_then(|e| store.ack_latency_ns(e));
            if let Some((_, ns)) = lat {
                out.push_str(&format!(" ({})", ms_text(ns as f64 / 1e6)));
            }
        }
        _ => {
            if let Some(d) = &view.data {
                out.push(' ');
                out.push_str(&json(d));
            }
        }
    }
    Some(out)
}

/// `WS Text "hello"`, `WS Binary 16 bytes`, `WS Close 1000`, `WS Ping`.
fn ws_label(store: &Store, m: u32) -> Option<String> {
    let up = &store.analysis.upper;
    let msg = up.ws_messages.get(m as usize)?;
    let payload = store.ws_payload(m).unwrap_or_default();
    use crate::analysis::websocket::frame::{
        OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT,
    };
    Some(match msg.opcode {
        OP_TEXT => {
            let text = String::from_utf8_lossy(&payload);
            format!("WS Text {:?}", shorten(&text, 24))
        }
        OP_BINARY => format!("WS Binary {} bytes", msg.len),
        OP_CLOSE => match &store.ws_close(m) {
            Some((code, reason)) if reason.is_empty() => format!("WS Close {code}"),
            Some((code, reason)) => format!("WS Close {code} {:?}", shorten(reason, 24)),
            None => "WS Close".into(),
        },
        OP_PING => "WS Ping".into(),
        OP_PONG => "WS Pong".into(),
        OP_CONTINUATION => "WS Continuation".into(),
        op => format!("WS opcode {op}"),
    })
}

/// The phase an HTTP message belongs to.
fn http_phase(store: &Store, m: u32) -> Phase {
    let http = &store.analysis.upper.http;
    let Some(msg) = http.messages.get(m as usize) else {
        return Phase::Http;
    };
    if msg.flags & flag::UPGRADE != 0 || msg.code == 101 {
        Phase::Upgrade
    } else if msg.flags & flag::ENGINEIO != 0 {
        Phase::SocketIo
    } else {
        Phase::Http
    }
}

/// `GET /socket.io/?EIO=4&transport=websocket… [Upgrade: websocket]`, `HTTP/1.1 200 OK`.
fn http_label(store: &Store, m: u32) -> Option<String> {
    let msg = store.analysis.upper.http.messages.get(m as usize)?;
    let head = store.http_head(m)?;
    let mut s = match &head.start {
        StartLine::Request { method, target, .. } => {
            let mut s = format!("{method} {}", shorten(target, 40));
            if let Some(u) = head.header("Upgrade") {
                s.push_str(&format!(" [Upgrade: {u}]"));
            }
            s
        }
        StartLine::Response {
            version,
            code,
            reason,
        } => format!("HTTP/1.{version} {code} {reason}"),
    };
    if msg.end_packet.is_none() {
        s.push_str(" [incomplete]");
    }
    Some(s)
}

/// What completes in packet `p` of conversation `conv`: the labels and the phase.
fn messages_in(store: &Store, conv: u32, p: u32) -> (Vec<String>, Option<Phase>) {
    let up = &store.analysis.upper;
    let rt = &up.realtime;
    let mut parts = Vec::new();
    let mut phase: Option<Phase> = None;
    let rank = |ph: Phase| match ph {
        Phase::Upgrade => 4,
        Phase::SocketIo => 3,
        Phase::WebSocket => 2,
        Phase::Http => 1,
        _ => 0,
    };
    let set = |ph: Phase, phase: &mut Option<Phase>| {
        if phase.is_none_or(|old| rank(ph) > rank(old)) {
            *phase = Some(ph);
        }
    };
    for (m, msg) in up.http.messages_at(p) {
        if msg.conversation != conv {
            continue;
        }
        if let Some(l) = http_label(store, m) {
            parts.push(l);
        }
        set(http_phase(store, m), &mut phase);
    }
    let mut carried = HashSet::new();
    for (e, r) in rt.eio_at(p) {
        if store.eio_conversation(r) != conv {
            continue;
        }
        if let Carrier::WsMessage(m) = r.carrier {
            carried.insert(m);
        }
        let sio = rt.socketio_of(e).and_then(|(s, _)| sio_label(store, s));
        let label = match sio {
            Some(l) => Some(l),
            None if r.binary => Some(format!(
                "Engine.IO binary ({} bytes)",
                r.range.1.saturating_sub(r.range.0)
            )),
            None => store
                .eio_packet(e)
                .map(|(_, pk)| format!("Engine.IO {}", crate::analysis::engineio::describe(&pk))),
        };
        parts.extend(label);
        set(Phase::SocketIo, &mut phase);
    }
    for (m, msg) in up.messages_at(p) {
        let on_conv = (up.ws_connections.get(msg.connection as usize))
            .is_some_and(|c| c.conversation == conv);
        if !on_conv || carried.contains(&m) {
            continue;
        }
        parts.extend(ws_label(store, m));
        set(Phase::WebSocket, &mut phase);
    }
    (parts, phase)
}

/// A segment completing no message: the WebSocket frames in it, or its flags and length.
fn data_label(store: &Store, p: u32, f: u16, len: u32) -> String {
    let up = &store.analysis.upper;
    let mut frames = up.frames_at(p).map(|(_, fr)| fr).peekable();
    let Some(first) = frames.peek().copied() else {
        return format!("{} Len={len}", flags_text(f));
    };
    let name = crate::analysis::websocket::opcode_name(first.opcode);
    let ended = frames.filter(|fr| fr.end_packet == p).count();
    match ended {
        0 => format!("WS {name} (part of a frame)"),
        1 => format!("WS {name} frame"),
        n => format!("WS {name} frame + {} more", n - 1),
    }
}

/// HTTP messages of one direction as (first packet, last packet, phase), by start.
type Spans = Vec<(u32, u32, Phase)>;

fn http_spans(store: &Store, conv: u32, last: u32) -> [Spans; 2] {
    let mut spans: [Spans; 2] = Default::default();
    for (i, m) in store.analysis.upper.http.messages.iter().enumerate() {
        if m.conversation == conv {
            let end = m.end_packet.unwrap_or(last).max(m.head_packets.1);
            spans[m.dir.index()].push((m.head_packets.0, end, http_phase(store, i as u32)));
        }
    }
    for s in &mut spans {
        s.sort_unstable_by_key(|x| x.0);
    }
    spans
}

fn covering(spans: &Spans, p: u32) -> Option<Phase> {
    let i = spans.partition_point(|x| x.0 <= p).checked_sub(1)?;
    spans.get(i).filter(|x| x.1 >= p).map(|x| x.2)
}

/// The sequence diagram of conversation `conversation` (`tcp.stream`); empty
/// when there is no such conversation.
pub fn ladder(store: &Store, conversation: u32) -> Ladder {
    let tcp = &store.analysis.tcp;
    let up = &store.analysis.upper;
    let Some(c) = tcp.conversations.get(conversation as usize) else {
        return Ladder::default();
    };
    let (client, server) = endpoints(store, c);
    let spans = http_spans(store, conversation, c.last_packet.0);
    let t0 = store.ts_ns(c.first_packet.0);
    let mut arrows: Vec<Arrow> = Vec::new();
    let mut truncated = false;
    let mut teardown = false;
    for p in conversation_packets(store, conversation, c) {
        if arrows.len() >= MAX_ARROWS {
            truncated = true;
            break;
        }
        let id = PacketId(p);
        let Some(sum) = store.summary(id) else {
            continue;
        };
        let dir = sender(store, c, p);
        let role = tcp.role(id);
        let f = sum.tcp_flags;
        let control = f & (SYN | FIN | RST) != 0 || role == Role::HandshakeAck;
        let (parts, msg_phase) = if sum.payload_len > 0 {
            messages_in(store, conversation, p)
        } else {
            (Vec::new(), None)
        };
        let rel = store.tcp_rel(id);
        let seq = sum.seq.wrapping_sub(rel.map_or(sum.seq, |r| r.seq_base));
        let control_text = || {
            let mut s = format!("{} Seq={seq}", flags_text(f));
            if f & ACK != 0 {
                let base = rel.and_then(|r| r.ack_base).unwrap_or(sum.ack);
                s.push_str(&format!(" Ack={}", sum.ack.wrapping_sub(base)));
            }
            if sum.payload_len > 0 {
                s.push_str(&format!(" Len={}", sum.payload_len));
            }
            s
        };
        let (mut label, kind) = match (control, parts.is_empty()) {
            (true, true) => (control_text(), ArrowKind::Control),
            (true, false) => (
                format!("{} · {}", parts.join(" · "), flags_text(f)),
                ArrowKind::Control,
            ),
            (false, false) => (parts.join(" · "), ArrowKind::Message),
            (false, true) if sum.payload_len > 0 => {
                (data_label(store, p, f, sum.payload_len), ArrowKind::Data)
            }
            (false, true) => (flags_text(f), ArrowKind::Ack),
        };
        let retransmission = tcp.notes(id) & note::RETRANSMISSION != 0;
        if retransmission {
            label.push_str(" [retransmission]");
        }
        let previous = arrows.last().map(|a| a.phase);
        let phase = if matches!(
            role,
            Role::Syn
                | Role::SynAck
                | Role::HandshakeAck
                | Role::SynRetransmission
                | Role::SynAckRetransmission
        ) && !teardown
        {
            Phase::TcpHandshake
        } else if teardown
            || f & (FIN | RST) != 0
            || matches!(role, Role::Fin | Role::Reset | Role::Refused)
        {
            teardown = true;
            Phase::Teardown
        } else if let Some(ph) = msg_phase {
            ph
        } else if sum.payload_len == 0 {
            previous.unwrap_or(Phase::Data)
        } else if let Some((_, fr)) = up.frames_at(p).next() {
            let conn = up.frame_connection(fr).unwrap_or(u32::MAX);
            let eio =
                (up.ws_connections.get(conn as usize)).is_some_and(|wc| wc.engineio.is_some());
            if eio && matches!(fr.opcode, 0..=2) {
                Phase::SocketIo
            } else {
                Phase::WebSocket
            }
        } else {
            covering(&spans[dir.index()], p).unwrap_or(Phase::Data)
        };
        let ts_ns = store.ts_ns(p);
        arrows.push(Arrow {
            packet: p,
            ts_ns,
            rel_s: secs(t0, ts_ns),
            dir,
            label: shorten(&label, MAX_LABEL),
            phase,
            kind,
            len: sum.payload_len,
            retransmission,
        });
    }
    let phases = phase_spans(&arrows);
    Ladder {
        client,
        server,
        arrows,
        phases,
        truncated,
    }
}

/// Maximal runs of consecutive arrows with the same phase.
pub fn phase_spans(arrows: &[Arrow]) -> Vec<PhaseSpan> {
    let mut out: Vec<PhaseSpan> = Vec::new();
    for (i, a) in arrows.iter().enumerate() {
        let i = i as u32;
        match out.last_mut() {
            Some(s) if s.phase == a.phase => s.last_arrow = i,
            _ => out.push(PhaseSpan {
                phase: a.phase,
                first_arrow: i,
                last_arrow: i,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testutil::sample;
    use super::*;

    fn check_spans(l: &Ladder) {
        let mut next = 0;
        for s in &l.phases {
            assert_eq!(s.first_arrow, next);
            assert!(s.last_arrow >= s.first_arrow);
            for a in &l.arrows[s.first_arrow as usize..=s.last_arrow as usize] {
                assert_eq!(a.phase, s.phase);
            }
            next = s.last_arrow + 1;
        }
        assert_eq!(next as usize, l.arrows.len());
        for w in l.phases.windows(2) {
            assert_ne!(w[0].phase, w[1].phase);
        }
    }

    #[test]
    fn websocket_conversation_of_the_chat() {
        let store = sample("socketio-chat.pcap");
        let l = ladder(&store, 2);
        assert_eq!(l.client, "127.0.0.1:46262");
        assert_eq!(l.server, "127.0.0.1:18300");
        let a = &l.arrows;
        assert_eq!(a.len(), 28);
        assert_eq!(a[0].label, "SYN Seq=0");
        assert_eq!(a[1].label, "SYN, ACK Seq=0 Ack=1");
        assert_eq!(a[2].label, "ACK Seq=1 Ack=1");
        assert!(a[..3].iter().all(|x| x.phase == Phase::TcpHandshake));
        let dirs: Vec<_> = a.iter().take(3).map(|x| x.dir).collect();
        let (c, s) = (Direction::FromClient, Direction::FromServer);
        assert_eq!(dirs, [c, s, c]);
        assert_eq!(a[0].rel_s, 0.0);
        let get = &a[3];
        assert!(get
            .label
            .starts_with("GET /socket.io/?EIO=4&transport=websocket"));
        assert!(get.label.ends_with("[Upgrade: websocket]"), "{}", get.label);
        assert_eq!(get.phase, Phase::Upgrade);
        assert_eq!(get.kind, ArrowKind::Message);
        let ok = a.iter().find(|x| x.label.contains("101")).unwrap();
        assert_eq!(ok.label, "HTTP/1.1 101 Switching Protocols");
        assert_eq!(ok.phase, Phase::Upgrade);
        assert_eq!(ok.dir, Direction::FromServer);
        let chat = (a.iter())
            .find(|x| x.label.starts_with("Socket.IO EVENT \"chat message\""))
            .unwrap();
        assert_eq!(chat.label, "Socket.IO EVENT \"chat message\" [\"hi\"]");
        assert_eq!(chat.phase, Phase::SocketIo);
        assert!(a.iter().any(|x| x.label == "Engine.IO ping probe"));
        let ack = a
            .iter()
            .find(|x| x.label.starts_with("Socket.IO ACK 0"))
            .unwrap();
        assert!(ack.label.ends_with(" ms)"), "{}", ack.label);
        assert!(a
            .iter()
            .any(|x| x.label == "WS Close" && x.phase == Phase::WebSocket));
        // A pure ACK takes the phase of the traffic around it.
        let after_chat = a.iter().position(|x| x.packet == chat.packet).unwrap() + 1;
        assert_eq!(a[after_chat].kind, ArrowKind::Ack);
        assert_eq!(a[after_chat].label, "ACK");
        assert_eq!(a[after_chat].phase, Phase::SocketIo);
        assert!(a.last().unwrap().phase == Phase::Teardown);
        assert!(a[a.len() - 3].label.starts_with("FIN, ACK"));
        check_spans(&l);
        let order: Vec<Phase> = l.phases.iter().map(|s| s.phase).collect();
        assert_eq!(
            order[..3],
            [Phase::TcpHandshake, Phase::Upgrade, Phase::SocketIo]
        );
        assert_eq!(order.last(), Some(&Phase::Teardown));
        assert!(a.windows(2).all(|w| w[0].packet < w[1].packet));
    }

    #[test]
    fn polling_conversation_is_socketio() {
        let store = sample("socketio-chat.pcap");
        let l = ladder(&store, 0);
        check_spans(&l);
        let get = &l.arrows[3];
        assert!(get
            .label
            .starts_with("GET /socket.io/?EIO=4&transport=polling"));
        assert_eq!(get.phase, Phase::SocketIo);
        let open = &l.arrows[5];
        assert!(
            open.label.starts_with("HTTP/1.1 200 OK · Engine.IO open"),
            "{}",
            open.label
        );
        assert!(open.label.chars().count() <= MAX_LABEL);
    }

    #[test]
    fn refused_and_plain_http_and_unknown() {
        let store = sample("tcp-refused.pcap");
        let l = ladder(&store, 0);
        assert_eq!(l.arrows.len(), 2);
        assert!(l.arrows[0].label.starts_with("SYN"));
        assert!(l.arrows[1].label.starts_with("RST, ACK"));
        assert_eq!(l.arrows[1].phase, Phase::Teardown);
        assert_eq!(l.arrows[1].kind, ArrowKind::Control);
        check_spans(&l);

        let store = sample("http-get.pcap");
        let l = ladder(&store, 0);
        check_spans(&l);
        assert!(l
            .arrows
            .iter()
            .any(|a| a.label.starts_with("GET /") && a.phase == Phase::Http));
        assert!(l.arrows.iter().any(|a| a.label.contains(" 200 OK")));
        assert!(ladder(&store, 7).arrows.is_empty());
        assert!(ladder(&store, u32::MAX).phases.is_empty());
    }

    #[test]
    fn websocket_deflate_labels() {
        let store = sample("websocket-deflate.pcap");
        let l = ladder(&store, 0);
        check_spans(&l);
        assert!(l
            .arrows
            .iter()
            .any(|a| a.label == "WS Text \"Hello, layerscope!\""));
        assert!(l.arrows.iter().any(|a| a.label == "WS Ping"));
        assert!(l.arrows.iter().any(|a| a.label == "WS Continuation frame"));
        assert!(l.arrows.iter().any(|a| a.label == "WS Close 1000 \"bye\""));
        assert!(l.arrows.iter().any(|a| a.phase == Phase::WebSocket));
    }
}
