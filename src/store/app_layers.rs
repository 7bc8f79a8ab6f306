//! Layers 5 to 7 of a packet that carries WebSocket, Engine.IO or Socket.IO: the
//! Engine.IO session (5, in `realtime_layers.rs`), masking, permessage-deflate, UTF-8 and
//! JSON (6), the WebSocket frames and message (7, here), the Engine.IO and Socket.IO
//! packets (7, in `realtime_layers.rs`). Their Info text is in `info.rs`.

use crate::analysis::engineio as eio;
use crate::analysis::json_scan;
use crate::analysis::upper::{WsFrame, WsMessage};
use crate::analysis::websocket as ws;
use crate::dissect::{Dissection, Layer, Osi, Show, Value};

type Range = [u32; 2];

use super::{PacketId, RecordParts, Store};

/// Longest payload text shown in a tree field (characters).
pub(super) const MAX_FIELD_TEXT: u16 = 4096;
/// Longest payload kept in a tree field's value (bytes): a filter on the payload sees
/// this much of a longer one, and the field says it was cut.
pub(crate) const MAX_FIELD_BYTES: usize = 64 << 10;

/// The WebSocket fields (Wireshark's names where Wireshark has them).
pub(crate) mod hf {
    crate::dissect::fields! {
        WEBSOCKET = "websocket", "WebSocket frame", None;
        PRESENTATION = "websocket.presentation", "WebSocket payload encoding", None;
        FIN = "websocket.fin", "Fin", Bool;
        RSV = "websocket.rsv", "Reserved", Unsigned;
        OPCODE = "websocket.opcode", "Opcode", Named;
        MASK = "websocket.mask", "Mask", Bool;
        PAYLOAD_LENGTH = "websocket.payload_length", "Payload length", Unsigned;
        MASKING_KEY = "websocket.masking_key", "Masking-Key", Bytes;
        PMD = "websocket.pmd", "permessage-deflate", None;
        UTF8 = "websocket.utf8", "UTF-8", Bool;
        JSON = "json", "JSON", Bool, "JSON (whether the text payload is valid JSON)";
        GUESS = "websocket.guess", "Found by", None;
        PAYLOAD = "websocket.payload", "Payload (unmasked)", Bytes;
        PAYLOAD_PART = "websocket.payload.part", "Payload", Unsigned,
            "Payload bytes of a frame whose message is reassembled below";
        CLOSE_CODE = "websocket.close.code", "Close code", Named;
        CLOSE_REASON = "websocket.close.reason", "Close reason", Text;
        PONG_ANSWERS = "websocket.pong.answers", "Answers the ping in", Frame;
        INCOMPLETE = "websocket.incomplete", "Incomplete", None;
        WARNING = "websocket.warning", "Warning", Text;
        MESSAGE = "websocket.message", "WebSocket message (reassembled)", None;
        MESSAGE_FRAMES = "websocket.message.frames", "Frames", Frames;
        MESSAGE_LENGTH = "websocket.message.length", "Length", Unsigned;
        REASSEMBLED_IN = "tcp.reassembled_in", "Reassembled PDU in frame", Frame,
            "The packet that completes the WebSocket frame this segment carries part of";
    }
}

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

    /// Add the WebSocket, Engine.IO and Socket.IO layers of packet `id` to `d` (those of
    /// `want`).
    pub(super) fn add_app_layers(&self, id: PacketId, d: &mut Dissection, want: RecordParts) {
        let up = &self.analysis.upper;
        // As in Wireshark, a frame's layer (and what filters see of it) is at the packet
        // that completes it; the earlier segments carrying its bytes say where that is.
        let (frames, passing): (Vec<_>, Vec<_>) = up
            .frames_at(id.0)
            .map(|(i, f)| (i, *f))
            .partition(|(_, f)| f.end_packet == id.0);
        if let Some((_, f)) = passing.first().filter(|_| want.websocket) {
            let link = Value::Frame(u64::from(f.end_packet) + 1);
            if let Some(tcp) = d.layers.iter_mut().find(|l| l.protocol == "tcp") {
                let field = hf::REASSEMBLED_IN.at(link, tcp.range).show(Show::Packet);
                tcp.fields.push(field.generated());
            }
        }
        if frames.is_empty() && passing.is_empty() {
            return;
        }
        // The payload is WebSocket's, not undecoded data, here and in the segments.
        let data = d.layers.iter().position(|l| l.protocol == "data");
        if let Some(i) = data {
            d.layers.remove(i);
        }
        if frames.is_empty() {
            return;
        }
        let Some(pl_off) = self.summary(id).map(|s| u32::from(s.payload_off)) else {
            return;
        };
        let frame_len = self.capture.data(id.index()).len() as u32;
        let all: Range = [pl_off.min(frame_len), frame_len];
        // Layer 5: the Engine.IO session.
        let connection = up.frame_connection(&frames[0].1).unwrap_or(u32::MAX);
        if want.engineio {
            if let Some(l) = self.eio_session_layer(connection, all) {
                d.layers.push(l);
            }
        }
        if want.websocket {
            self.add_ws_layers(id, &frames, (pl_off, frame_len), d, want.titles);
        }
        if want.engineio || want.socketio {
            let eios: Vec<u32> = up.realtime.eio_at(id.0).map(|(e, _)| e).collect();
            self.add_realtime_layers(id, &eios, all, d, want);
        }
    }

    /// Layer 6 (how the payloads are encoded), then each frame and each message completed
    /// here (layer 7).
    fn add_ws_layers(
        &self,
        id: PacketId,
        frames: FramesAt<'_>,
        (pl_off, frame_len): (u32, u32),
        d: &mut Dissection,
        titles: bool,
    ) {
        let up = &self.analysis.upper;
        let all: Range = [pl_off.min(frame_len), frame_len];
        let msgs: Vec<(u32, WsMessage)> =
            up.messages_at(id.0).map(|(i, m)| (i, m.clone())).collect();
        let pres = self.presentation_layer(id, (frames, &msgs), all, d);
        if !pres.fields.is_empty() {
            d.layers.push(pres);
        }
        for (fi, f) in frames {
            let mut l = self.ws_frame_layer(id, f, (pl_off, frame_len), d);
            if titles {
                l.title = self.ws_frame_info(*fi) + &l.title;
            }
            d.layers.push(l);
        }
        for (mi, m) in &msgs {
            if m.frames > 1 || m.compressed {
                let l = self.ws_message_layer(id, *mi, m, all, d);
                d.layers.push(l);
            }
        }
    }

    /// Layer 6: the masking keys, permessage-deflate, UTF-8 and JSON of the frames and
    /// messages at packet `id`.
    fn presentation_layer(
        &self,
        id: PacketId,
        (frames, msgs): (FramesAt<'_>, MessagesAt<'_>),
        all: Range,
        d: &mut Dissection,
    ) -> Layer {
        let mut pres = Layer::new(
            Osi::Presentation,
            "websocket.presentation",
            presentation_title(frames, msgs),
            all,
        );
        for (_, f) in frames {
            if let (Some(key), Some(h)) = (f.mask, self.ws_header_place(id, f, d)) {
                let at = h.at(u32::from(f.header_len) - 4, 4);
                let note = " (payload XOR key, byte i with key[i mod 4])";
                pres.fields.push(
                    hf::MASKING_KEY
                        .at(Value::bytes(&key), all)
                        .labelled("Masking key")
                        .show(Show::HexSpaced)
                        .note(note)
                        .placed(Some(at)),
                );
            }
        }
        for (mi, m) in msgs {
            if m.compressed {
                let cap = if m.truncated {
                    " (stopped at the 16 MiB cap)"
                } else {
                    ""
                };
                let note = format!(
                    "{} compressed bytes inflated to {} bytes{cap}",
                    m.wire_len, m.len
                );
                pres.fields
                    .push(hf::PMD.at(Value::None, all).note(note).generated());
            }
            if let Some(ok) = m.utf8_valid {
                let words = Show::Words("valid", "INVALID UTF-8");
                pres.fields
                    .push(hf::UTF8.at(ok, all).show(words).generated());
            }
            if m.opcode == crate::analysis::websocket::frame::OP_TEXT {
                if let Some(p) = self.ws_payload(*mi) {
                    let json = p
                        .iter()
                        .position(|b| matches!(b, b'{' | b'['))
                        .map(|at| json_scan::parses_as_value(&p[at..], m.utf8_valid == Some(true)));
                    if let Some(ok) = json {
                        let words = Show::Words("valid JSON", "not valid JSON");
                        pres.fields
                            .push(hf::JSON.at(ok, all).show(words).generated());
                    }
                }
            }
        }
        pres
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

    /// The layer of frame `f`; its title is left to the caller (only ` [guess]` is put
    /// there, for a frame found by its framing alone).
    fn ws_frame_layer(
        &self,
        id: PacketId,
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
        let mut l = Layer::new(Osi::Application, "websocket", "", r.whole);
        l.fields.push(hf::FIN.at(f.fin, r.whole).placed(b0));
        let rsv = hf::RSV.at(f.rsv, r.whole).show(Show::Hex(1)).placed(b0);
        l.fields.push(match f.rsv & 4 {
            0 => rsv,
            _ => rsv.note(" (RSV1: compressed message)"),
        });
        l.fields
            .push(hf::OPCODE.at(opcode(f.opcode), r.whole).placed(b0));
        l.fields
            .push(hf::MASK.at(f.mask.is_some(), r.whole).placed(b1));
        l.fields
            .push(hf::PAYLOAD_LENGTH.at(f.payload_len, r.whole).placed(len_r));
        if let Some(k) = f.mask {
            let key = hf::MASKING_KEY.at(Value::bytes(&k), r.whole);
            l.fields.push(key.placed(at(hl - 4, 4)));
        }
        let up = &self.analysis.upper;
        let connection = up.frame_connection(f).unwrap_or(u32::MAX);
        if up
            .ws_connections
            .get(connection as usize)
            .is_some_and(|c| c.guessed)
        {
            l.title = " [guess]".into();
            let why = "no opening handshake in the capture: taken for WebSocket by its framing alone (a guess)";
            l.fields
                .push(hf::GUESS.at(Value::None, r.whole).note(why).generated());
        }
        if let Some(m) = up.ws_messages.get(f.message as usize) {
            self.ws_payload_fields(id, f, m, r.payload, d, &mut l);
        }
        if f.incomplete {
            let why = "the capture does not hold the whole frame";
            l.fields.push(
                hf::INCOMPLETE
                    .at(Value::None, r.payload)
                    .note(why)
                    .generated(),
            );
        }
        for w in ws::warn::warning_texts(f.warnings) {
            l.fields.push(hf::WARNING.at(w, r.whole).placed(at(0, hl)));
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
            let field = self.ws_payload_field(f.message, m, in_frame);
            l.fields.push(field.placed(payload_at));
        } else {
            let note = format!(
                "{} bytes (part of a {}-frame message, see the message below)",
                f.payload_len, m.frames
            );
            let part = hf::PAYLOAD_PART.at(f.payload_len, in_frame);
            l.fields.push(part.show(Show::Hidden).note(note));
        }
        if let Some((code, reason)) = self.ws_close(f.message) {
            // RFC 6455 §5.5.1: a 2-byte code, then the reason in UTF-8.
            let name = ws::close_code_name(code).unwrap_or("unknown");
            let at = place.map(|p| p.at(0, 2));
            let value = Value::Named(u64::from(code), name);
            l.fields.push(hf::CLOSE_CODE.at(value, in_frame).placed(at));
            if !reason.is_empty() {
                let at = place.map(|p| p.at(2, reason.len() as u32));
                l.fields
                    .push(hf::CLOSE_REASON.at(reason, in_frame).placed(at));
            }
        }
        if let Some(p) = m.answers {
            let ping = up.ws_messages.get(p as usize).map_or(0, |x| x.last_packet);
            let rtt = self.ts_ns(m.last_packet) - self.ts_ns(ping);
            let note = format!(" ({:.3} ms)", rtt as f64 / 1e6);
            let link = Value::Frame(u64::from(ping) + 1);
            l.fields.push(
                hf::PONG_ANSWERS
                    .at(link, in_frame)
                    .show(Show::Packet)
                    .note(note)
                    .generated(),
            );
        }
    }

    /// The `websocket.payload` fields the layers of packet `id` hold (see
    /// [`Store::add_app_layers`]), without building the layers: a frame's payload where
    /// the packet completes a frame that is its whole message, and the reassembled
    /// payload of each message of several frames, or compressed, completed here.
    pub(crate) fn ws_payload_fields_at(&self, id: PacketId) -> Vec<crate::dissect::Field> {
        let up = &self.analysis.upper;
        let mut out = Vec::new();
        let mut frames = up.frames_at(id.0).filter(|(_, f)| f.end_packet == id.0);
        let Some(first) = frames.next() else {
            return out;
        };
        if self.summary(id).is_none() {
            return out;
        }
        for (_, f) in std::iter::once(first).chain(frames) {
            if let Some(m) = up.ws_messages.get(f.message as usize) {
                if m.frames == 1 && !m.compressed {
                    out.push(self.ws_payload_field(f.message, m, [0, 0]));
                }
            }
        }
        for (mi, m) in up.messages_at(id.0) {
            if m.frames > 1 || m.compressed {
                let field = self.ws_payload_field(mi, m, [0, 0]);
                out.push(field.labelled("Reassembled payload"));
            }
        }
        out
    }

    /// The decoded payload of message `mi` as a field: its bytes (up to
    /// [`MAX_FIELD_BYTES`]), shown as text for text, close, ping and pong messages.
    fn ws_payload_field(&self, mi: u32, m: &WsMessage, range: Range) -> crate::dissect::Field {
        let payload = self.ws_payload(mi).unwrap_or_default();
        let kept = &payload[..payload.len().min(MAX_FIELD_BYTES)];
        let text = matches!(m.opcode, 1 | 8 | 9 | 10);
        let show = Show::Preview {
            text,
            max: MAX_FIELD_TEXT,
        };
        let f = hf::PAYLOAD.at(Value::bytes(kept), range).show(show);
        match payload.len() > kept.len() {
            true => f.note(format!(" [{} of {} bytes kept]", kept.len(), payload.len())),
            false => f,
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
        let packets: Vec<u64> = up
            .frames_of(mi)
            .map(|(_, f)| u64::from(f.end_packet) + 1)
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
        let frames = Value::Frames(packets.into());
        l.fields.push(
            hf::MESSAGE_FRAMES
                .at(frames, range)
                .show(Show::InPackets)
                .generated(),
        );
        l.fields.push(
            hf::MESSAGE_LENGTH
                .at(m.len, range)
                .show(Show::Unit(" bytes"))
                .generated(),
        );
        let at = self
            .ws_payload_place(id, mi, d)
            .map(|p| p.at(0, m.len.min(u64::from(u32::MAX)) as u32));
        let payload = self.ws_payload_field(mi, m, range);
        l.fields
            .push(payload.labelled("Reassembled payload").placed(at));
        for w in ws::warn::warning_texts(m.warnings) {
            l.fields.push(hf::WARNING.at(w, range).generated());
        }
        l
    }
}

/// A WebSocket opcode as a named value: `Text (1)`.
pub fn opcode(op: u8) -> Value {
    Value::Named(u64::from(op), ws::opcode_name(op))
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

/// The WebSocket frames (and messages) a packet holds bytes of, with their indexes.
type FramesAt<'a> = &'a [(u32, WsFrame)];
type MessagesAt<'a> = &'a [(u32, WsMessage)];

struct FrameRanges {
    payload: Range,
    whole: Range,
}
