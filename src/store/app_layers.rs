//! Layers 5 to 7 of a packet that carries WebSocket, Engine.IO or Socket.IO:
//! the Engine.IO session (5), masking, permessage-deflate, UTF-8 and JSON (6),
//! the WebSocket frames and message, the Engine.IO packet and the Socket.IO
//! packet (7); and the Info text of such packets.

use crate::analysis::engineio as eio;
use crate::analysis::socketio::{self as sio, SioType};
use crate::analysis::socketio_spans as spans;
use crate::analysis::upper::{WsFrame, WsMessage};
use crate::analysis::websocket as ws;
use crate::dissect::{Dissection, Field, Layer, Osi, Src};

type Range = [u32; 2];

use super::{PacketId, Store};

/// Longest payload text put in a tree field.
const MAX_FIELD_TEXT: usize = 4096;

fn cut(s: &str, max: usize) -> String {
    eio::one_line(s, max)
}

fn preview(bytes: &[u8], text: bool, max: usize) -> String {
    match (text, std::str::from_utf8(bytes)) {
        (true, Ok(s)) => cut(s, max),
        _ => {
            let hex: String = bytes
                .iter()
                .take(max / 3)
                .map(|b| format!("{b:02x} "))
                .collect();
            let more = if bytes.len() > max / 3 { "…" } else { "" };
            format!("{}{more}", hex.trim_end())
        }
    }
}

impl Store {
    /// `WebSocket Text [FIN] [MASKED] 42["chat message","hi"]` for one frame,
    /// with its message's decoded payload when the frame ends it.
    pub fn ws_frame_info(&self, fi: u32) -> String {
        let up = &self.analysis.upper;
        let Some(f) = up.ws_frames.get(fi as usize) else {
            return String::new();
        };
        let mut s = format!("WebSocket {}", ws::opcode_name(f.opcode));
        if f.fin {
            s.push_str(" [FIN]");
        }
        if f.rsv & 0b100 != 0 {
            s.push_str(" [RSV1]");
        }
        if f.mask.is_some() {
            s.push_str(" [MASKED]");
        }
        if f.incomplete {
            s.push_str(&format!(
                " [incomplete: {} payload bytes declared, not all captured]",
                f.payload_len
            ));
        }
        let msg = up.ws_messages.get(f.message as usize);
        if let Some(m) = msg.filter(|m| m.last_packet == f.end_packet && f.fin) {
            let text = self.ws_payload_text(f.message, m, 100);
            if !text.is_empty() {
                s.push(' ');
                s.push_str(&text);
            }
        }
        s
    }

    fn ws_payload_text(&self, mi: u32, m: &WsMessage, max: usize) -> String {
        if let Some((code, reason)) = self.ws_close(mi) {
            let name = ws::close_code_name(code).unwrap_or("unknown");
            return format!("{code} ({name}) {reason}").trim_end().to_string();
        }
        let payload = self.ws_payload(mi).unwrap_or_default();
        preview(&payload, matches!(m.opcode, 1 | 8 | 9 | 10), max)
    }

    /// The Info text of WebSocket message `m`, decoded as deep as it goes.
    pub fn ws_message_info(&self, m: u32) -> String {
        let up = &self.analysis.upper;
        let Some(msg) = up.ws_messages.get(m as usize) else {
            return String::new();
        };
        let mut s = format!("WebSocket {}", ws::opcode_name(msg.opcode));
        if msg.frames > 1 {
            s.push_str(&format!(" ({} frames)", msg.frames));
        }
        if msg.compressed {
            s.push_str(" [deflate]");
        }
        if msg.incomplete {
            s.push_str(" [incomplete]");
        }
        let text = self.ws_payload_text(m, msg, 100);
        if !text.is_empty() {
            s.push(' ');
            s.push_str(&text);
        }
        s
    }

    /// `Socket.IO EVENT / "chat message" ["hi"]`, with its attachments joined and
    /// its ack pairing.
    pub fn sio_info(&self, s: u32) -> Option<String> {
        let (r, view) = self.sio_view(s)?;
        let mut p = view.packet.clone();
        p.data = view.data.clone();
        let mut text = sio::info(&p);
        if let Some((_, ns)) = self.ack_latency_ns(s) {
            text.push_str(&format!(" [acked in {:.3} ms]", ns as f64 / 1e6));
        } else if matches!(p.kind, SioType::Event | SioType::BinaryEvent) && p.ack_id.is_some() {
            text.push_str(" [no ack seen]");
        }
        if view.missing_attachments > 0 {
            text.push_str(&format!(
                " [{} attachment(s) missing]",
                view.missing_attachments
            ));
        }
        let _ = r;
        Some(text)
    }

    /// The Info text and protocol of the records packet `id` completes, if any:
    /// Socket.IO, else Engine.IO, else WebSocket.
    pub fn app_info(&self, id: PacketId) -> Option<(&'static str, String)> {
        let up = &self.analysis.upper;
        let rt = &up.realtime;
        let mut proto = "";
        let mut parts = Vec::new();
        let rank = |p: &'static str, proto: &mut &'static str| {
            let order = ["", "WebSocket", "Engine.IO", "Socket.IO"];
            let at = |x: &str| order.iter().position(|o| *o == x).unwrap_or(0);
            if at(p) > at(proto) {
                *proto = p;
            }
        };
        let mut eio_shown = std::collections::HashSet::new();
        for (e, r) in rt.eio_at(id.0) {
            eio_shown.insert(e);
            if let Some((s, _)) = rt.socketio_of(e) {
                if let Some(t) = self.sio_info(s) {
                    parts.push(t);
                    rank("Socket.IO", &mut proto);
                    continue;
                }
            }
            if r.binary && r.kind == eio::PacketType::Message {
                parts.push(format!(
                    "Engine.IO binary attachment ({} bytes)",
                    r.range.1 - r.range.0
                ));
            } else if let Some((_, p)) = self.eio_packet(e) {
                parts.push(format!("Engine.IO {}", eio::describe(&p)));
            }
            rank("Engine.IO", &mut proto);
        }
        // Frames that end in this packet whose message carried no Engine.IO packet.
        for (fi, f) in up.frames_at(id.0) {
            if f.end_packet != id.0 {
                continue;
            }
            let carried = rt.eio_at(id.0).any(|(_, r)| {
                matches!(r.carrier, crate::analysis::realtime::Carrier::WsMessage(m) if m == f.message)
            });
            if carried {
                continue;
            }
            parts.push(self.ws_frame_info(fi));
            rank("WebSocket", &mut proto);
        }
        if parts.is_empty() {
            // Only part of a frame: say so.
            let (_, f) = up.frames_at(id.0).next()?;
            return Some((
                "WebSocket",
                format!(
                    "WebSocket {} [part of a frame of {} payload bytes that ends in packet {}]",
                    ws::opcode_name(f.opcode),
                    f.payload_len,
                    u64::from(f.end_packet) + 1
                ),
            ));
        }
        Some((proto, parts.join(" , ")))
    }

    /// Add the WebSocket, Engine.IO and Socket.IO layers of packet `id` to `d`.
    pub(super) fn add_app_layers(&self, id: PacketId, d: &mut Dissection) {
        let up = &self.analysis.upper;
        let frames: Vec<(u32, WsFrame)> = up.frames_at(id.0).map(|(i, f)| (i, *f)).collect();
        if frames.is_empty() {
            return;
        }
        let Some(pl_off) = self.summary(id).map(|s| u32::from(s.payload_off)) else {
            return;
        };
        let frame_len = self.capture.data(id.index()).len() as u32;
        let data = d.layers.iter().position(|l| l.protocol == "data");
        if let Some(i) = data {
            d.layers.remove(i);
        }
        let all: Range = [pl_off.min(frame_len), frame_len];
        // Layer 5: the Engine.IO session.
        let connection = up.frame_connection(&frames[0].1).unwrap_or(u32::MAX);
        if let Some(l) = self.eio_session_layer(connection, all) {
            d.layers.push(l);
        }
        // Layer 6: how the payloads are encoded.
        let mut pres = Layer::new(
            Osi::Presentation,
            "websocket.presentation",
            "WebSocket payload encoding",
            all,
        );
        for (_, f) in &frames {
            if let (Some(key), Some(h)) = (f.mask, self.ws_header_place(id, f, d)) {
                let at = h.at(u32::from(f.header_len) - 4, 4);
                pres.fields.push(
                    Field::new(
                        "websocket.masking_key",
                        "Masking key",
                        format!(
                            "{:02x} {:02x} {:02x} {:02x} (payload XOR key, byte i with key[i mod 4])",
                            key[0], key[1], key[2], key[3]
                        ),
                        all,
                    )
                    .placed(Some(at)),
                );
            }
        }
        let msgs: Vec<(u32, WsMessage)> =
            up.messages_at(id.0).map(|(i, m)| (i, m.clone())).collect();
        for (mi, m) in &msgs {
            if m.compressed {
                pres.fields.push(
                    Field::new(
                        "websocket.pmd",
                        "permessage-deflate",
                        format!(
                            "{} compressed bytes inflated to {} bytes{}",
                            m.wire_len,
                            m.len,
                            if m.truncated {
                                " (stopped at the 16 MiB cap)"
                            } else {
                                ""
                            }
                        ),
                        all,
                    )
                    .generated(),
                );
            }
            if let Some(ok) = m.utf8_valid {
                let v = if ok { "valid" } else { "INVALID UTF-8" };
                pres.fields
                    .push(Field::new("websocket.utf8", "UTF-8", v, all).generated());
            }
            if m.opcode == crate::analysis::websocket::frame::OP_TEXT {
                if let Some(p) = self.ws_payload(*mi) {
                    let json = p
                        .iter()
                        .position(|b| matches!(b, b'{' | b'['))
                        .map(|at| serde_json::from_slice::<serde_json::Value>(&p[at..]).is_ok());
                    if let Some(ok) = json {
                        let v = if ok { "valid JSON" } else { "not valid JSON" };
                        pres.fields
                            .push(Field::new("json", "JSON", v, all).generated());
                    }
                }
            }
        }
        if !pres.fields.is_empty() {
            pres.title = presentation_title(&frames, &msgs);
            d.layers.push(pres);
        }
        // Layer 7: each frame, then each message completed here, then Engine.IO / Socket.IO.
        for (fi, f) in &frames {
            let l = self.ws_frame_layer(id, *fi, f, (pl_off, frame_len), d);
            d.layers.push(l);
        }
        for (mi, m) in &msgs {
            if m.frames > 1 || m.compressed {
                let l = self.ws_message_layer(id, *mi, m, all, d);
                d.layers.push(l);
            }
        }
        let rt = &up.realtime;
        let eios: Vec<u32> = rt.eio_at(id.0).map(|(e, _)| e).collect();
        for e in eios {
            if let Some(l) = self.eio_layer(id, e, all, d) {
                d.layers.push(l);
            }
            if let Some((s, _)) = rt.socketio_of(e) {
                if let Some(l) = self.sio_layer(id, s, all, d) {
                    d.layers.push(l);
                }
            }
        }
    }

    /// The part of packet `id`'s frame that holds frame `f`'s payload bytes (all of
    /// them when the frame is whole here; else what this segment has of it), and the
    /// whole frame's part.
    fn frame_ranges(
        &self,
        id: PacketId,
        f: &WsFrame,
        (pl_off, frame_len): (u32, u32),
    ) -> FrameRanges {
        let hs = if f.start.0 == id.0 {
            pl_off + f.start.1
        } else {
            pl_off
        };
        let ps = if f.payload_start.0 == id.0 {
            pl_off + f.payload_start.1
        } else {
            pl_off
        };
        // The payload ends here when the frame does; when it began in an earlier
        // packet, the end is not known to the byte: the rest of this segment.
        let pe = if f.end_packet == id.0 && f.payload_start.0 == id.0 {
            u64::from(ps)
                .saturating_add(f.payload_len)
                .min(u64::from(frame_len)) as u32
        } else {
            frame_len
        };
        FrameRanges {
            payload: [ps.min(frame_len), pe.max(ps).min(frame_len)],
            whole: [hs.min(ps).min(frame_len), pe.max(ps).min(frame_len)],
        }
    }

    fn ws_frame_layer(
        &self,
        id: PacketId,
        fi: u32,
        f: &WsFrame,
        frame: (u32, u32),
        d: &mut Dissection,
    ) -> Layer {
        let r = self.frame_ranges(id, f, frame);
        let hl = u32::from(f.header_len);
        let head = self.ws_header_place(id, f, d);
        // RFC 6455 §5.2: byte 0 holds FIN, RSV1-3 and the opcode; byte 1 the MASK bit
        // and the 7-bit length, followed by 2 or 8 length bytes, then the 4-byte key.
        let key_len = if f.mask.is_some() { 4 } else { 0 };
        let at = |off: u32, len: u32| head.map(|h| h.at(off, len));
        let (b0, b1, len_r) = (at(0, 1), at(1, 1), at(1, hl - 1 - key_len));
        let mut l = Layer::new(
            Osi::Application,
            "websocket",
            self.ws_frame_info(fi),
            r.whole,
        );
        let yes = |b: bool| if b { "True" } else { "False" };
        let field = |name, label, value: String, at: Option<(crate::dissect::Src, Range)>| {
            Field::new(name, label, value, r.whole).placed(at)
        };
        l.fields
            .push(field("websocket.fin", "Fin", yes(f.fin).into(), b0));
        let rsv = format!(
            "0x{:x}{}",
            f.rsv,
            if f.rsv & 4 != 0 {
                " (RSV1: compressed message)"
            } else {
                ""
            }
        );
        l.fields.push(field("websocket.rsv", "Reserved", rsv, b0));
        let op = format!("{} ({})", ws::opcode_name(f.opcode), f.opcode);
        l.fields.push(field("websocket.opcode", "Opcode", op, b0));
        let mask = yes(f.mask.is_some()).into();
        l.fields.push(field("websocket.mask", "Mask", mask, b1));
        let len = f.payload_len.to_string();
        l.fields.push(field(
            "websocket.payload_length",
            "Payload length",
            len,
            len_r,
        ));
        if let Some(k) = f.mask {
            let key = format!("{:02x}{:02x}{:02x}{:02x}", k[0], k[1], k[2], k[3]);
            l.fields.push(field(
                "websocket.masking_key",
                "Masking-Key",
                key,
                at(hl - 4, 4),
            ));
        }
        let up = &self.analysis.upper;
        let connection = up.frame_connection(f).unwrap_or(u32::MAX);
        if up
            .ws_connections
            .get(connection as usize)
            .is_some_and(|c| c.guessed)
        {
            l.title = format!("{} [guess]", l.title);
            l.fields.push(Field::new(
                "websocket.guess",
                "Found by",
                "no opening handshake in the capture: taken for WebSocket by its framing alone (a guess)",
                r.whole,
            ).generated());
        }
        if let Some(m) = up.ws_messages.get(f.message as usize) {
            self.ws_payload_fields(id, f, m, r.payload, d, &mut l);
        }
        if f.incomplete {
            l.fields.push(
                Field::new(
                    "websocket.incomplete",
                    "Incomplete",
                    "the capture does not hold the whole frame",
                    r.payload,
                )
                .generated(),
            );
        }
        for w in ws::warn::warning_texts(f.warnings) {
            l.fields.push(field(
                "websocket.warning",
                "Warning",
                w.to_string(),
                at(0, hl),
            ));
        }
        l
    }

    /// The payload of frame `f` (the decoded payload when the frame is its message),
    /// a close frame's code and reason, and the ping a pong answers.
    fn ws_payload_fields(
        &self,
        id: PacketId,
        f: &WsFrame,
        m: &WsMessage,
        in_frame: Range,
        d: &mut Dissection,
        l: &mut Layer,
    ) {
        let up = &self.analysis.upper;
        let whole = m.frames == 1 && !m.compressed && f.end_packet == id.0;
        let place = if whole {
            self.ws_payload_place(id, f.message, d)
        } else {
            None
        };
        let payload_at = place.map(|p| p.at(0, m.len.min(u64::from(u32::MAX)) as u32));
        if whole {
            let text = self.ws_payload_text(f.message, m, MAX_FIELD_TEXT);
            l.fields.push(
                Field::new("websocket.payload", "Payload (unmasked)", text, in_frame)
                    .placed(payload_at),
            );
        } else {
            l.fields.push(Field::new(
                "websocket.payload",
                "Payload",
                format!(
                    "{} bytes (part of a {}-frame message, see the message below)",
                    f.payload_len, m.frames
                ),
                in_frame,
            ));
        }
        if let Some((code, reason)) = self.ws_close(f.message) {
            // RFC 6455 §5.5.1: a 2-byte code, then the reason in UTF-8.
            let name = ws::close_code_name(code).unwrap_or("unknown");
            let at = place.map(|p| p.at(0, 2));
            l.fields.push(
                Field::new(
                    "websocket.close.code",
                    "Close code",
                    format!("{code} ({name})"),
                    in_frame,
                )
                .placed(at),
            );
            if !reason.is_empty() {
                let at = place.map(|p| p.at(2, reason.len() as u32));
                l.fields.push(
                    Field::new("websocket.close.reason", "Close reason", reason, in_frame)
                        .placed(at),
                );
            }
        }
        if let Some(p) = m.answers {
            let ping = up.ws_messages.get(p as usize).map_or(0, |x| x.last_packet);
            let rtt = self.ts_ns(m.last_packet) - self.ts_ns(ping);
            l.fields.push(
                Field::new(
                    "websocket.pong.answers",
                    "Answers the ping in",
                    format!("packet {} ({:.3} ms)", ping + 1, rtt as f64 / 1e6),
                    in_frame,
                )
                .generated(),
            );
        }
    }

    fn ws_message_layer(
        &self,
        id: PacketId,
        mi: u32,
        m: &WsMessage,
        range: Range,
        d: &mut Dissection,
    ) -> Layer {
        let up = &self.analysis.upper;
        let packets: Vec<String> = up
            .frames_of(mi)
            .map(|(_, f)| (f.end_packet + 1).to_string())
            .collect();
        let mut l = Layer::new(
            Osi::Application,
            "websocket.message",
            format!(
                "WebSocket message: {} from {} frame(s)",
                ws::opcode_name(m.opcode),
                m.frames
            ),
            range,
        );
        l.fields.push(
            Field::new(
                "websocket.message.frames",
                "Frames",
                format!("{} (in packets {})", m.frames, packets.join(", ")),
                range,
            )
            .generated(),
        );
        l.fields.push(
            Field::new(
                "websocket.message.length",
                "Length",
                format!("{} bytes", m.len),
                range,
            )
            .generated(),
        );
        let text = self.ws_payload_text(mi, m, MAX_FIELD_TEXT);
        let at = self
            .ws_payload_place(id, mi, d)
            .map(|p| p.at(0, m.len.min(u64::from(u32::MAX)) as u32));
        l.fields
            .push(Field::new("websocket.payload", "Reassembled payload", text, range).placed(at));
        for w in ws::warn::warning_texts(m.warnings) {
            l.fields
                .push(Field::new("websocket.warning", "Warning", w, range).generated());
        }
        l
    }

    fn eio_session_layer(&self, connection: u32, range: Range) -> Option<Layer> {
        let up = &self.analysis.upper;
        let s = up.ws_connections.get(connection as usize)?.engineio?;
        self.session_layer_of(s, range)
    }

    /// The Engine.IO session (layer 5): what the analysis knows of it, gathered from
    /// many packets (so its fields have no bytes of their own here).
    fn session_layer_of(&self, s: u32, range: Range) -> Option<Layer> {
        let sess = self.analysis.upper.realtime.sessions.get(s as usize)?;
        let sid = sess.sid.clone().unwrap_or_else(|| "(not seen)".into());
        let mut l = Layer::new(
            Osi::Session,
            "engineio.session",
            format!("Engine.IO session {sid}"),
            range,
        );
        let mut push = |name, label, value: String| {
            l.fields
                .push(Field::new(name, label, value, range).generated())
        };
        push("engineio.sid", "Session id", sid.clone());
        push(
            "engineio.version",
            "Protocol version",
            sess.version.to_string(),
        );
        let convs: Vec<String> = sess.conversations.iter().map(|c| c.to_string()).collect();
        push(
            "engineio.conversations",
            "TCP streams carrying it",
            convs.join(", "),
        );
        if let (Some(i), Some(t)) = (sess.ping_interval_ms, sess.ping_timeout_ms) {
            push(
                "engineio.ping",
                "Ping interval / timeout",
                format!("{i} ms / {t} ms"),
            );
        }
        push(
            "engineio.packets",
            "Packets in the session",
            sess.packets.to_string(),
        );
        for h in &sess.health {
            push("engineio.health", "Health", h.to_string());
        }
        Some(l)
    }

    fn eio_layer(&self, id: PacketId, e: u32, range: Range, d: &mut Dissection) -> Option<Layer> {
        let (r, p) = self.eio_packet(e)?;
        let place = self.carrier_place(id, r.carrier, d);
        // A text packet is its type digit, then its data; a binary one is all data.
        let (start, end) = r.range;
        let (type_at, data_at) = if p.binary {
            (None, place.map(|pl| pl.span([start, end])))
        } else {
            let t = place.map(|pl| pl.at(start, 1));
            (t, place.map(|pl| pl.span([start + 1, end])))
        };
        let mut l = Layer::new(
            Osi::Application,
            "engineio",
            format!("Engine.IO {}", eio::describe(&p)),
            range,
        );
        let f = |name, label, value: String, at: Option<(Src, Range)>| match at {
            Some(_) => Field::new(name, label, value, range).placed(at),
            None => Field::new(name, label, value, range).generated(),
        };
        let kind = format!("{} ({})", p.kind.name(), p.kind.number());
        l.fields
            .push(f("engineio.type", "Packet type", kind, type_at));
        let transport = match r.carrier {
            crate::analysis::realtime::Carrier::WsMessage(_) => "websocket",
            crate::analysis::realtime::Carrier::HttpBody(..) => "polling",
        };
        l.fields
            .push(f("engineio.transport", "Transport", transport.into(), None));
        if p.binary {
            let n = format!("{} bytes", p.data.len());
            l.fields
                .push(f("engineio.binary", "Binary data", n, data_at));
        } else if !p.data.is_empty() {
            let v = preview(&p.data, true, MAX_FIELD_TEXT);
            l.fields.push(f("engineio.data", "Data", v, data_at));
        }
        if p.kind == eio::PacketType::Open {
            if let Ok(o) = eio::parse_open(&p.data) {
                let member = |key| {
                    let m = spans::object_member(&p.data, key)?;
                    place.map(|pl| pl.span([start + 1 + m[0], start + 1 + m[1]]))
                };
                let fields = [
                    ("engineio.open.sid", "sid", o.sid.clone(), "sid"),
                    (
                        "engineio.open.upgrades",
                        "upgrades",
                        o.upgrades.join(", "),
                        "upgrades",
                    ),
                    (
                        "engineio.open.ping_interval",
                        "pingInterval",
                        format!("{} ms", o.ping_interval_ms),
                        "pingInterval",
                    ),
                    (
                        "engineio.open.ping_timeout",
                        "pingTimeout",
                        format!("{} ms", o.ping_timeout_ms),
                        "pingTimeout",
                    ),
                ];
                for (name, label, value, key) in fields {
                    l.fields.push(f(name, label, value, member(key)));
                }
                if let Some(m) = o.max_payload {
                    let at = member("maxPayload");
                    l.fields.push(f(
                        "engineio.open.max_payload",
                        "maxPayload",
                        m.to_string(),
                        at,
                    ));
                }
            }
        }
        if eio::is_probe(&p) {
            l.fields.push(f(
                "engineio.probe",
                "Upgrade probe",
                "the client tests the new transport before switching".into(),
                data_at,
            ));
        }
        Some(l)
    }

    fn sio_layer(&self, id: PacketId, s: u32, range: Range, d: &mut Dissection) -> Option<Layer> {
        let (r, view) = self.sio_view(s)?;
        let p = &view.packet;
        let e = self
            .analysis
            .upper
            .realtime
            .eio
            .get(r.eio as usize)
            .copied();
        let (eio_r, p_eio) = self.eio_packet(r.eio)?;
        // The Socket.IO text is the Engine.IO message's data, after its type digit.
        let place = e.and_then(|e| self.carrier_place(id, e.carrier, d));
        let base = eio_r.range.0 + 1;
        let sp = spans::sio_spans(&p_eio.data);
        let at = |span: Option<[u32; 2]>| {
            let [a, b] = span?;
            place.map(|pl| pl.span([base + a, base + b]))
        };
        let f = |name, label, value: String, span: Option<[u32; 2]>| match at(span) {
            Some(x) => Field::new(name, label, value, range).placed(Some(x)),
            None => Field::new(name, label, value, range).generated(),
        };
        let mut l = Layer::new(Osi::Application, "socketio", self.sio_info(s)?, range);
        let kind = format!("{} ({})", p.kind.name(), p.kind as u8);
        l.fields
            .push(f("socketio.type", "Packet type", kind, Some(sp.kind)));
        l.fields
            .push(f("socketio.nsp", "Namespace", p.nsp.clone(), sp.nsp));
        let event = matches!(p.kind, SioType::Event | SioType::BinaryEvent);
        if let Some(ev) = p.event_name() {
            // Inside the quotes of the array's first element.
            let span = sp
                .elements
                .first()
                .map(|&[a, b]| [a + 1, b.saturating_sub(1).max(a + 1)]);
            l.fields
                .push(f("socketio.event", "Event", ev.to_string(), span));
        }
        if let Some(n) = p.ack_id {
            l.fields
                .push(f("socketio.ack_id", "Ack id", n.to_string(), sp.ack_id));
        }
        if let Some(data) = &view.data {
            let skip = usize::from(event);
            let args = match (data, event) {
                (serde_json::Value::Array(a), true) => {
                    serde_json::Value::Array(a.iter().skip(1).cloned().collect())
                }
                (v, _) => v.clone(),
            };
            let elements = sp.elements.get(skip..).unwrap_or_default();
            let whole = match (elements.first(), elements.last()) {
                (Some(a), Some(b)) => Some([a[0], b[1]]),
                _ if elements.is_empty() && !event => sp.data,
                _ => None,
            };
            let children = elements
                .iter()
                .map(|&[a, b]| {
                    let raw = p_eio.data.get(a as usize..b as usize).unwrap_or_default();
                    let text = cut(&String::from_utf8_lossy(raw), MAX_FIELD_TEXT);
                    f("socketio.arg", "Argument", text, Some([a, b]))
                })
                .collect();
            l.fields.push(
                f(
                    "socketio.args",
                    "Arguments",
                    cut(&args.to_string(), MAX_FIELD_TEXT),
                    whole,
                )
                .with(children),
            );
        }
        if p.attachments > 0 {
            let v = format!(
                "{} announced, {} joined",
                p.attachments,
                self.analysis.upper.realtime.attached(s).count()
            );
            l.fields.push(f(
                "socketio.attachments",
                "Binary attachments",
                v,
                sp.attachments,
            ));
        }
        if let Some((a, ns)) = self.ack_latency_ns(s) {
            let pk = self.sio_packet_number(a);
            let v = format!("ACK in packet {pk} after {:.3} ms", ns as f64 / 1e6);
            l.fields.push(f("socketio.ack", "Acknowledged by", v, None));
        }
        if let Some(a) = r.answers {
            let pk = self.sio_packet_number(a);
            l.fields.push(f(
                "socketio.answers",
                "Answers the emit in",
                format!("packet {pk}"),
                None,
            ));
        }
        Some(l)
    }

    /// Engine.IO and Socket.IO layers of HTTP polling bodies completed at `id`.
    pub(super) fn add_polling_layers(&self, id: PacketId, d: &mut Dissection) {
        let rt = &self.analysis.upper.realtime;
        let eios: Vec<(u32, u32)> = rt
            .eio_at(id.0)
            .filter(|(_, r)| matches!(r.carrier, crate::analysis::realtime::Carrier::HttpBody(..)))
            .map(|(e, r)| (e, r.session))
            .collect();
        if eios.is_empty() {
            return;
        }
        let range = d.layers.last().map_or([0, 0], |l| l.range);
        if let Some(l) = self.session_layer_of(eios[0].1, range) {
            let at = d
                .layers
                .iter()
                .position(|l| l.osi > Osi::Session)
                .unwrap_or(d.layers.len());
            d.layers.insert(at, l);
        }
        for (e, _) in eios {
            if let Some(l) = self.eio_layer(id, e, range, d) {
                d.layers.push(l);
            }
            if let Some((s, _)) = rt.socketio_of(e) {
                if let Some(l) = self.sio_layer(id, s, range, d) {
                    d.layers.push(l);
                }
            }
        }
    }
}

/// `masked (key 3f 2a 91 c0), UTF-8, JSON`: what was done to the payloads, in words.
fn presentation_title(frames: &[(u32, WsFrame)], msgs: &[(u32, WsMessage)]) -> String {
    let mut parts = Vec::new();
    for (_, f) in frames {
        if let Some(k) = f.mask {
            parts.push(format!(
                "masked (key {:02x} {:02x} {:02x} {:02x})",
                k[0], k[1], k[2], k[3]
            ));
        }
    }
    for (_, m) in msgs {
        if m.compressed {
            parts.push(format!(
                "permessage-deflate {} → {} bytes",
                m.wire_len, m.len
            ));
        }
        match m.utf8_valid {
            Some(true) => parts.push("UTF-8".into()),
            Some(false) => parts.push("invalid UTF-8".into()),
            None => {}
        }
    }
    if parts.is_empty() {
        "WebSocket payload encoding".into()
    } else {
        parts.dedup();
        parts.join(", ")
    }
}

struct FrameRanges {
    payload: Range,
    whole: Range,
}
