//! Layers 5 to 7 of a packet that carries WebSocket, Engine.IO or Socket.IO:
//! the Engine.IO session (5), masking, permessage-deflate, UTF-8 and JSON (6),
//! the WebSocket frames and message, the Engine.IO packet and the Socket.IO
//! packet (7). Their Info text is in `info.rs`.

use crate::analysis::engineio as eio;
use crate::analysis::socketio::SioType;
use crate::analysis::upper::{WsFrame, WsMessage};
use crate::analysis::websocket as ws;
use crate::dissect::{Dissection, Field, Layer, Osi};

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
    /// The payload's text for a field or the Info column: a close's code and reason,
    /// else the payload (text, or hex), cut after `max` characters.
    pub(super) fn ws_payload_text(&self, mi: u32, m: &WsMessage, max: usize) -> String {
        if let Some((code, reason)) = self.ws_close(mi) {
            let name = ws::close_code_name(code).unwrap_or("unknown");
            return format!("{code} ({name}) {reason}").trim_end().to_string();
        }
        let payload = self.ws_payload(mi).unwrap_or_default();
        preview(&payload, matches!(m.opcode, 1 | 8 | 9 | 10), max)
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
            let r = self.frame_ranges(id, f, pl_off, frame_len);
            if let Some(key) = f.mask {
                pres.fields.push(Field::new(
                    "websocket.masking_key",
                    "Masking key",
                    format!(
                        "{:02x} {:02x} {:02x} {:02x} (payload XOR key, byte i with key[i mod 4])",
                        key[0], key[1], key[2], key[3]
                    ),
                    r.mask,
                ));
            }
        }
        let msgs: Vec<(u32, WsMessage)> =
            up.messages_at(id.0).map(|(i, m)| (i, m.clone())).collect();
        for (mi, m) in &msgs {
            if m.compressed {
                pres.fields.push(Field::new(
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
                ));
            }
            if let Some(ok) = m.utf8_valid {
                pres.fields.push(Field::new(
                    "websocket.utf8",
                    "UTF-8",
                    if ok { "valid" } else { "INVALID UTF-8" },
                    all,
                ));
            }
            if m.opcode == crate::analysis::websocket::frame::OP_TEXT {
                if let Some(p) = self.ws_payload(*mi) {
                    let json = p
                        .iter()
                        .position(|b| matches!(b, b'{' | b'['))
                        .map(|at| serde_json::from_slice::<serde_json::Value>(&p[at..]).is_ok());
                    if let Some(ok) = json {
                        pres.fields.push(Field::new(
                            "json",
                            "JSON",
                            if ok { "valid JSON" } else { "not valid JSON" },
                            all,
                        ));
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
            d.layers
                .push(self.ws_frame_layer(id, *fi, f, pl_off, frame_len));
        }
        for (mi, m) in &msgs {
            if m.frames > 1 || m.compressed {
                d.layers.push(self.ws_message_layer(*mi, m, all));
            }
        }
        let rt = &up.realtime;
        let eios: Vec<u32> = rt.eio_at(id.0).map(|(e, _)| e).collect();
        for e in eios {
            if let Some(l) = self.eio_layer(e, all) {
                d.layers.push(l);
            }
            if let Some((s, _)) = rt.socketio_of(e) {
                if let Some(l) = self.sio_layer(s, all) {
                    d.layers.push(l);
                }
            }
        }
    }

    fn frame_ranges(&self, id: PacketId, f: &WsFrame, pl_off: u32, frame_len: u32) -> FrameRanges {
        let here = f.start.0 == id.0;
        let hs = pl_off + f.start.1;
        let hdr = if here {
            [
                hs.min(frame_len),
                (hs + u32::from(f.header_len)).min(frame_len),
            ]
        } else {
            [pl_off, pl_off]
        };
        let mask = if here && f.mask.is_some() {
            [hdr[1].saturating_sub(4), hdr[1]]
        } else {
            hdr
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
            header: hdr,
            mask,
            payload: [ps.min(frame_len), pe.max(ps).min(frame_len)],
            whole: [hdr[0].min(ps), pe.max(ps).min(frame_len)],
        }
    }

    fn ws_frame_layer(
        &self,
        id: PacketId,
        fi: u32,
        f: &WsFrame,
        pl_off: u32,
        frame_len: u32,
    ) -> Layer {
        let r = self.frame_ranges(id, f, pl_off, frame_len);
        let h0 = [r.header[0], (r.header[0] + 1).min(r.header[1])];
        let h1 = [h0[1], (h0[1] + 1).min(r.header[1])];
        let len_r = [
            h1[0],
            r.header[1].saturating_sub(if f.mask.is_some() { 4 } else { 0 }),
        ];
        let mut l = Layer::new(
            Osi::Application,
            "websocket",
            self.ws_frame_info(fi),
            r.whole,
        );
        let yes = |b: bool| if b { "True" } else { "False" };
        l.fields
            .push(Field::new("websocket.fin", "Fin", yes(f.fin), h0));
        l.fields.push(Field::new(
            "websocket.rsv",
            "Reserved",
            format!(
                "0x{:x}{}",
                f.rsv,
                if f.rsv & 4 != 0 {
                    " (RSV1: compressed message)"
                } else {
                    ""
                }
            ),
            h0,
        ));
        l.fields.push(Field::new(
            "websocket.opcode",
            "Opcode",
            format!("{} ({})", ws::opcode_name(f.opcode), f.opcode),
            h0,
        ));
        l.fields.push(Field::new(
            "websocket.mask",
            "Mask",
            yes(f.mask.is_some()),
            h1,
        ));
        l.fields.push(Field::new(
            "websocket.payload_length",
            "Payload length",
            f.payload_len,
            len_r,
        ));
        if let Some(k) = f.mask {
            l.fields.push(Field::new(
                "websocket.masking_key",
                "Masking-Key",
                format!("{:02x}{:02x}{:02x}{:02x}", k[0], k[1], k[2], k[3]),
                r.mask,
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
                r.header,
            ));
        }
        if let Some(m) = up.ws_messages.get(f.message as usize) {
            if m.frames == 1 && !m.compressed && f.end_packet == id.0 {
                let text = self.ws_payload_text(f.message, m, MAX_FIELD_TEXT);
                l.fields.push(Field::new(
                    "websocket.payload",
                    "Payload (unmasked)",
                    text,
                    r.payload,
                ));
            } else {
                l.fields.push(Field::new(
                    "websocket.payload",
                    "Payload",
                    format!(
                        "{} bytes (part of a {}-frame message, see the message below)",
                        f.payload_len, m.frames
                    ),
                    r.payload,
                ));
            }
            if let Some((code, reason)) = self.ws_close(f.message) {
                l.fields.push(Field::new(
                    "websocket.close.code",
                    "Close code",
                    format!(
                        "{code} ({})",
                        ws::close_code_name(code).unwrap_or("unknown")
                    ),
                    r.payload,
                ));
                if !reason.is_empty() {
                    l.fields.push(Field::new(
                        "websocket.close.reason",
                        "Close reason",
                        reason,
                        r.payload,
                    ));
                }
            }
            if let Some(p) = m.answers {
                let ping = up.ws_messages.get(p as usize).map_or(0, |x| x.last_packet);
                let rtt = self.ts_ns(m.last_packet) - self.ts_ns(ping);
                l.fields.push(Field::new(
                    "websocket.pong.answers",
                    "Answers the ping in",
                    format!("packet {} ({:.3} ms)", ping + 1, rtt as f64 / 1e6),
                    r.payload,
                ));
            }
        }
        if f.incomplete {
            l.fields.push(Field::new(
                "websocket.incomplete",
                "Incomplete",
                "the capture does not hold the whole frame",
                r.payload,
            ));
        }
        for w in ws::warn::warning_texts(f.warnings) {
            l.fields
                .push(Field::new("websocket.warning", "Warning", w, r.header));
        }
        l
    }

    fn ws_message_layer(&self, mi: u32, m: &WsMessage, range: Range) -> Layer {
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
        l.fields.push(Field::new(
            "websocket.message.frames",
            "Frames",
            format!("{} (in packets {})", m.frames, packets.join(", ")),
            range,
        ));
        l.fields.push(Field::new(
            "websocket.message.length",
            "Length",
            format!("{} bytes", m.len),
            range,
        ));
        let text = self.ws_payload_text(mi, m, MAX_FIELD_TEXT);
        l.fields.push(Field::new(
            "websocket.payload",
            "Reassembled payload",
            text,
            range,
        ));
        for w in ws::warn::warning_texts(m.warnings) {
            l.fields
                .push(Field::new("websocket.warning", "Warning", w, range));
        }
        l
    }

    fn eio_session_layer(&self, connection: u32, range: Range) -> Option<Layer> {
        let up = &self.analysis.upper;
        let s = up.ws_connections.get(connection as usize)?.engineio?;
        self.session_layer_of(s, range)
    }

    fn session_layer_of(&self, s: u32, range: Range) -> Option<Layer> {
        let sess = self.analysis.upper.realtime.sessions.get(s as usize)?;
        let sid = sess.sid.clone().unwrap_or_else(|| "(not seen)".into());
        let mut l = Layer::new(
            Osi::Session,
            "engineio.session",
            format!("Engine.IO session {sid}"),
            range,
        );
        l.fields
            .push(Field::new("engineio.sid", "Session id", &sid, range));
        l.fields.push(Field::new(
            "engineio.version",
            "Protocol version",
            sess.version,
            range,
        ));
        let convs: Vec<String> = sess.conversations.iter().map(|c| c.to_string()).collect();
        l.fields.push(Field::new(
            "engineio.conversations",
            "TCP streams carrying it",
            convs.join(", "),
            range,
        ));
        if let (Some(i), Some(t)) = (sess.ping_interval_ms, sess.ping_timeout_ms) {
            l.fields.push(Field::new(
                "engineio.ping",
                "Ping interval / timeout",
                format!("{i} ms / {t} ms"),
                range,
            ));
        }
        l.fields.push(Field::new(
            "engineio.packets",
            "Packets in the session",
            sess.packets,
            range,
        ));
        for h in &sess.health {
            l.fields
                .push(Field::new("engineio.health", "Health", h, range));
        }
        Some(l)
    }

    fn eio_layer(&self, e: u32, range: Range) -> Option<Layer> {
        let (r, p) = self.eio_packet(e)?;
        let mut l = Layer::new(
            Osi::Application,
            "engineio",
            format!("Engine.IO {}", eio::describe(&p)),
            range,
        );
        l.fields.push(Field::new(
            "engineio.type",
            "Packet type",
            format!("{} ({})", p.kind.name(), p.kind.number()),
            range,
        ));
        let transport = match r.carrier {
            crate::analysis::realtime::Carrier::WsMessage(_) => "websocket",
            crate::analysis::realtime::Carrier::HttpBody(..) => "polling",
        };
        l.fields.push(Field::new(
            "engineio.transport",
            "Transport",
            transport,
            range,
        ));
        if p.binary {
            l.fields.push(Field::new(
                "engineio.binary",
                "Binary data",
                format!("{} bytes", p.data.len()),
                range,
            ));
        } else if !p.data.is_empty() {
            l.fields.push(Field::new(
                "engineio.data",
                "Data",
                preview(&p.data, true, MAX_FIELD_TEXT),
                range,
            ));
        }
        if p.kind == eio::PacketType::Open {
            if let Ok(o) = eio::parse_open(&p.data) {
                l.fields
                    .push(Field::new("engineio.open.sid", "sid", &o.sid, range));
                l.fields.push(Field::new(
                    "engineio.open.upgrades",
                    "upgrades",
                    o.upgrades.join(", "),
                    range,
                ));
                l.fields.push(Field::new(
                    "engineio.open.ping_interval",
                    "pingInterval",
                    format!("{} ms", o.ping_interval_ms),
                    range,
                ));
                l.fields.push(Field::new(
                    "engineio.open.ping_timeout",
                    "pingTimeout",
                    format!("{} ms", o.ping_timeout_ms),
                    range,
                ));
                if let Some(m) = o.max_payload {
                    l.fields.push(Field::new(
                        "engineio.open.max_payload",
                        "maxPayload",
                        m,
                        range,
                    ));
                }
            }
        }
        if eio::is_probe(&p) {
            l.fields.push(Field::new(
                "engineio.probe",
                "Upgrade probe",
                "the client tests the new transport before switching",
                range,
            ));
        }
        Some(l)
    }

    fn sio_layer(&self, s: u32, range: Range) -> Option<Layer> {
        let (r, view) = self.sio_view(s)?;
        let p = &view.packet;
        let mut l = Layer::new(Osi::Application, "socketio", self.sio_info(s)?, range);
        l.fields.push(Field::new(
            "socketio.type",
            "Packet type",
            format!("{} ({})", p.kind.name(), p.kind as u8),
            range,
        ));
        l.fields
            .push(Field::new("socketio.nsp", "Namespace", &p.nsp, range));
        if let Some(ev) = p.event_name() {
            l.fields
                .push(Field::new("socketio.event", "Event", ev, range));
        }
        if let Some(id) = p.ack_id {
            l.fields
                .push(Field::new("socketio.ack_id", "Ack id", id, range));
        }
        if let Some(data) = &view.data {
            let args = match (data, p.kind) {
                (serde_json::Value::Array(a), SioType::Event | SioType::BinaryEvent) => {
                    serde_json::Value::Array(a.iter().skip(1).cloned().collect())
                }
                (v, _) => v.clone(),
            };
            l.fields.push(Field::new(
                "socketio.args",
                "Arguments",
                cut(&args.to_string(), MAX_FIELD_TEXT),
                range,
            ));
        }
        if p.attachments > 0 {
            l.fields.push(Field::new(
                "socketio.attachments",
                "Binary attachments",
                format!(
                    "{} announced, {} joined",
                    p.attachments,
                    self.analysis.upper.realtime.attached(s).count()
                ),
                range,
            ));
        }
        if let Some((a, ns)) = self.ack_latency_ns(s) {
            let pk = self.sio_packet_number(a);
            l.fields.push(Field::new(
                "socketio.ack",
                "Acknowledged by",
                format!("ACK in packet {pk} after {:.3} ms", ns as f64 / 1e6),
                range,
            ));
        }
        if let Some(a) = r.answers {
            let pk = self.sio_packet_number(a);
            l.fields.push(Field::new(
                "socketio.answers",
                "Answers the emit in",
                format!("packet {pk}"),
                range,
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
            if let Some(l) = self.eio_layer(e, range) {
                d.layers.push(l);
            }
            if let Some((s, _)) = rt.socketio_of(e) {
                if let Some(l) = self.sio_layer(s, range) {
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
    header: Range,
    mask: Range,
    payload: Range,
    whole: Range,
}
