//! The Info text of packets that carry WebSocket, Engine.IO or Socket.IO records,
//! written into one `String` per row: no JSON is parsed for Socket.IO data that
//! can be written as it is ([`crate::analysis::sio_info`]).

use std::fmt::Write;

use super::{PacketId, Store};
use crate::analysis::engineio as eio;
use crate::analysis::sio_info;
use crate::analysis::socketio::{self as sio, SioType};
use crate::analysis::upper::WsMessage;
use crate::analysis::websocket as ws;

impl Store {
    /// `WebSocket Text [FIN] [MASKED] 42["chat message","hi"]` for one frame,
    /// with its message's decoded payload when the frame ends it.
    pub fn ws_frame_info(&self, fi: u32) -> String {
        let mut s = String::new();
        self.ws_frame_info_into(fi, &mut s);
        s
    }

    /// [`Store::ws_frame_info`], appended to `s`.
    fn ws_frame_info_into(&self, fi: u32, s: &mut String) {
        let up = &self.analysis.upper;
        let Some(f) = up.ws_frames.get(fi as usize) else {
            return;
        };
        s.push_str("WebSocket ");
        s.push_str(ws::opcode_name(f.opcode));
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
            self.ws_payload_text_into(f.message, m, 100, s);
        }
    }

    /// ` ` and the payload's text (a close's code and reason), when there is some.
    fn ws_payload_text_into(&self, mi: u32, m: &WsMessage, max: usize, s: &mut String) {
        let text = self.ws_payload_text(mi, m, max);
        if !text.is_empty() {
            s.push(' ');
            s.push_str(&text);
        }
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
        self.ws_payload_text_into(m, msg, 100, &mut s);
        s
    }

    /// Whether an Engine.IO packet's carrier is a whole WebSocket text message
    /// found valid UTF-8 (its text need not be checked again).
    pub(super) fn carried_by_utf8_text(&self, e: &crate::analysis::realtime::EioRecord) -> bool {
        let crate::analysis::realtime::Carrier::WsMessage(m) = e.carrier else {
            return false;
        };
        self.analysis
            .upper
            .ws_messages
            .get(m as usize)
            .is_some_and(|w| {
                w.opcode == ws::frame::OP_TEXT
                    && w.utf8_valid == Some(true)
                    && !w.truncated
                    && !w.incomplete
            })
    }

    /// `Socket.IO EVENT / "chat message" ["hi"]`, with its attachments joined and
    /// its ack pairing.
    pub fn sio_info(&self, s: u32) -> Option<String> {
        let mut text = String::new();
        self.sio_info_into(s, &mut text).then_some(text)
    }

    /// [`Store::sio_info`], appended to `out`; false (and nothing written) when
    /// the packet cannot be read again. Plain JSON data is written as it is
    /// read (`sio_info::info_plain`); other data is parsed, as for the tree.
    fn sio_info_into(&self, s: u32, out: &mut String) -> bool {
        let Some(r) = self.analysis.upper.realtime.socketio.get(s as usize) else {
            return false;
        };
        let plain = r.plain
            && self.with_eio_packet(r.eio, |e, p| {
                let utf8 = self.carried_by_utf8_text(e);
                sio::parse_head_known_plain(&p.data)
                    .is_ok_and(|h| sio_info::info_plain(&p.data, &h, utf8, out))
            }) == Some(true);
        let mut missing = 0;
        if !plain {
            let Some((_, view)) = self.sio_view(s) else {
                return false;
            };
            let mut p = view.packet;
            p.data = view.data;
            out.push_str(&sio::info(&p));
            missing = view.missing_attachments;
        }
        if let Some((_, ns)) = self.ack_latency_ns(s) {
            let _ = write!(out, " [acked in {:.3} ms]", ns as f64 / 1e6);
        } else if matches!(r.kind, SioType::Event | SioType::BinaryEvent) && r.ack_id.is_some() {
            out.push_str(" [no ack seen]");
        }
        if missing > 0 {
            let _ = write!(out, " [{missing} attachment(s) missing]");
        }
        true
    }

    /// The Info text and protocol of the records packet `id` completes, if any:
    /// Socket.IO, else Engine.IO, else WebSocket.
    pub fn app_info(&self, id: PacketId) -> Option<(&'static str, String)> {
        let mut s = String::new();
        let proto = self.app_info_into(id, &mut s)?;
        Some((proto, s))
    }

    /// [`Store::app_info`], the text appended to `out` (its parts joined by ` , `).
    pub fn app_info_into(&self, id: PacketId, out: &mut String) -> Option<&'static str> {
        let up = &self.analysis.upper;
        let rt = &up.realtime;
        let start = out.len();
        let mut proto = "";
        let rank = |p: &'static str, proto: &mut &'static str| {
            let order = ["", "WebSocket", "Engine.IO", "Socket.IO"];
            let at = |x: &str| order.iter().position(|o| *o == x).unwrap_or(0);
            if at(p) > at(proto) {
                *proto = p;
            }
        };
        let sep = |out: &mut String| {
            if out.len() > start {
                out.push_str(" , ");
            }
        };
        for (e, r) in rt.eio_at(id.0) {
            if let Some((s, _)) = rt.socketio_of(e) {
                let before = out.len();
                sep(out);
                if self.sio_info_into(s, out) {
                    rank("Socket.IO", &mut proto);
                    continue;
                }
                out.truncate(before);
            }
            if r.binary && r.kind == eio::PacketType::Message {
                sep(out);
                let _ = write!(
                    out,
                    "Engine.IO binary attachment ({} bytes)",
                    r.range.1 - r.range.0
                );
            } else if let Some(d) = self.with_eio_packet(e, |_, p| eio::describe(p)) {
                sep(out);
                out.push_str("Engine.IO ");
                out.push_str(&d);
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
            sep(out);
            self.ws_frame_info_into(fi, out);
            rank("WebSocket", &mut proto);
        }
        if out.len() == start {
            // Only part of a frame: a TCP segment, as Wireshark shows it, that says which.
            let (_, f) = up.frames_at(id.0).next()?;
            let _ = write!(
                out,
                "[TCP segment of a WebSocket {} frame of {} payload bytes that ends in packet {}]",
                ws::opcode_name(f.opcode),
                f.payload_len,
                u64::from(f.end_packet) + 1
            );
            return Some("TCP");
        }
        Some(proto)
    }
}
