//! Reading records again from the store: the payload of a WebSocket message,
//! the Engine.IO and Socket.IO packets re-parsed from their carrier, their
//! timestamps and latencies. Records keep only positions; the text is derived
//! here, on demand, for the rows and trees being shown.

use std::borrow::Cow;

use serde_json::Value;

use super::{PacketId, Store};
use crate::analysis::engineio as eio;
use crate::analysis::realtime::{Carrier, EioRecord, SioRecord};
use crate::analysis::socketio::{self as sio, SioPacket};

/// A Socket.IO packet read again, its attachments joined.
#[derive(Clone, Debug)]
pub struct SioView {
    pub packet: SioPacket,
    /// The data with each binary placeholder replaced by its attachment.
    pub data: Option<Value>,
    /// Announced attachments that never came.
    pub missing_attachments: u32,
}

impl Store {
    /// Capture timestamp of packet `p` in nanoseconds since the epoch.
    pub fn ts_ns(&self, p: u32) -> i64 {
        self.capture.record(p as usize).map_or(0, |r| r.ts_ns)
    }

    /// The decoded payload of WebSocket message `m`: kept by the analysis when it
    /// took work to decode, else read again from the one packet that carried its
    /// frame and unmasked.
    pub fn ws_payload(&self, m: u32) -> Option<Cow<'_, [u8]>> {
        let up = &self.analysis.upper;
        if let Some(p) = up.payload(m) {
            return Some(Cow::Borrowed(p));
        }
        let msg = up.ws_messages.get(m as usize)?;
        let whole_in_one = msg.frames == 1 && msg.first_packet == msg.last_packet;
        if msg.warnings & crate::analysis::websocket::warn::NOT_KEPT != 0 || !whole_in_one {
            return self.ws_payload_again(m).map(Cow::Owned);
        }
        let (_, f) = up.frames_of(m).next()?;
        let (packet, offset) = f.payload_start;
        let payload = self.tcp_payload(PacketId(packet));
        let start = offset as usize;
        let bytes = payload.get(start..start.checked_add(usize::try_from(msg.len).ok()?)?)?;
        Some(match f.mask {
            Some(key) => {
                let mut v = bytes.to_vec();
                crate::analysis::websocket::unmask(&mut v, key, 0);
                Cow::Owned(v)
            }
            None => Cow::Borrowed(bytes),
        })
    }

    /// The payload of message `m`, which was not kept, decoded again from its packets:
    /// each frame's payload joined and unmasked. `None` for a compressed message: its
    /// inflater's window depends on every earlier message of its direction.
    fn ws_payload_again(&self, m: u32) -> Option<Vec<u8>> {
        let up = &self.analysis.upper;
        let msg = up.ws_messages.get(m as usize)?;
        if msg.compressed {
            return None;
        }
        let max = crate::analysis::websocket::MAX_MESSAGE_BYTES;
        // Room for the length the frames claim, up to what a usual message needs
        // (a hostile claim gets no more).
        let mut out = Vec::with_capacity(usize::try_from(msg.len).unwrap_or(max).min(1 << 16));
        for (_, f) in up.frames_of(m) {
            let room = max.saturating_sub(out.len());
            let len = usize::try_from(f.payload_len)
                .unwrap_or(usize::MAX)
                .min(room);
            let at = out.len();
            let packets = (f.payload_start.0, f.end_packet);
            self.stream_bytes_into(packets, f.payload_start.1, len, &mut out);
            if let Some(key) = f.mask {
                crate::analysis::websocket::unmask(&mut out[at..], key, 0);
            }
        }
        Some(out)
    }

    /// The close code and reason of close message `m` (none for an empty body).
    pub fn ws_close(&self, m: u32) -> Option<(u16, String)> {
        use crate::analysis::websocket::close::{parse_close, CloseBody};
        if self.analysis.upper.ws_messages.get(m as usize)?.opcode
            != crate::analysis::websocket::frame::OP_CLOSE
        {
            return None;
        }
        match parse_close(&self.ws_payload(m)?) {
            CloseBody::Code { code, reason, .. } => Some((code, reason)),
            CloseBody::Empty | CloseBody::OneByte(_) => None,
        }
    }

    /// The decoded bytes an Engine.IO record's carrier holds.
    pub(super) fn carrier_bytes(&self, c: Carrier) -> Option<Cow<'_, [u8]>> {
        let up = &self.analysis.upper;
        match c {
            Carrier::WsMessage(m) => self.ws_payload(m),
            Carrier::HttpBody(m) => up.payloads.get(up.realtime.body(m)?).map(Cow::Borrowed),
        }
    }

    /// Engine.IO record `e`, parsed again from its carrier.
    pub fn eio_packet(&self, e: u32) -> Option<(EioRecord, eio::Packet<'static>)> {
        self.with_eio_packet(e, |r, p| {
            let owned = eio::Packet {
                kind: p.kind,
                binary: p.binary,
                data: Cow::Owned(p.data.to_vec()),
                range: p.range,
            };
            (*r, owned)
        })
    }

    /// Engine.IO record `e` parsed again from its carrier and handed to `f`,
    /// its data borrowed from the carrier (not copied).
    pub fn with_eio_packet<T>(
        &self,
        e: u32,
        f: impl FnOnce(&EioRecord, &eio::Packet<'_>) -> T,
    ) -> Option<T> {
        let r = self.analysis.upper.realtime.eio.get(e as usize)?;
        let bytes = self.carrier_bytes(r.carrier)?;
        let bytes: &[u8] = &bytes;
        let version = (self.analysis.upper.realtime.sessions)
            .get(r.session as usize)
            .map_or(4, |s| s.version);
        let p = match r.carrier {
            Carrier::WsMessage(m) => {
                let text = self.analysis.upper.ws_messages.get(m as usize)?.opcode
                    == crate::analysis::websocket::frame::OP_TEXT;
                if text {
                    eio::parse_ws_text(bytes).ok()?
                } else {
                    eio::parse_ws_binary(bytes, version)
                }
            }
            Carrier::HttpBody(..) => eio::split_polling(bytes, version)
                .into_iter()
                .flatten()
                .find(|p| p.range.0 as u32 == r.range.0)?,
        };
        Some(f(r, &p))
    }

    /// Socket.IO record `s`, parsed again, its binary attachments joined.
    pub fn sio_view(&self, s: u32) -> Option<(SioRecord, SioView)> {
        let rt = &self.analysis.upper.realtime;
        let r = rt.socketio.get(s as usize)?.clone();
        let (_, p) = self.eio_packet(r.eio)?;
        let packet = sio::parse(&p.data).ok()?;
        let attachments: Vec<Vec<u8>> = (rt.attached(s))
            .filter_map(|a| self.eio_packet(a).map(|(_, p)| p.data.into_owned()))
            .collect();
        let mut data = packet.data.clone();
        if let Some(d) = data.as_mut() {
            sio::replace_placeholders(d, &attachments);
        }
        let missing_attachments = r.attachments.saturating_sub(attachments.len() as u32);
        Some((
            r,
            SioView {
                packet,
                data,
                missing_attachments,
            },
        ))
    }

    /// For an emit answered by an ACK: the ACK's record and the latency in ns.
    pub fn ack_latency_ns(&self, s: u32) -> Option<(u32, i64)> {
        let rt = &self.analysis.upper.realtime;
        let r = rt.socketio.get(s as usize)?;
        let a = r.answered_by?;
        let ask = rt.eio.get(r.eio as usize)?.packet;
        let ans = rt
            .eio
            .get(rt.socketio.get(a as usize)?.eio as usize)?
            .packet;
        Some((a, self.ts_ns(ans) - self.ts_ns(ask)))
    }

    /// The TCP conversation (`tcp.stream`) of the packet that carried Engine.IO record `r`.
    pub fn eio_conversation(&self, r: &EioRecord) -> u32 {
        self.analysis
            .tcp
            .conversation_of(PacketId(r.packet))
            .map_or(u32::MAX, |(c, _)| c.0)
    }

    /// The packet number (1-based) that completed Socket.IO record `s`; 0 if unknown.
    pub fn sio_packet_number(&self, s: u32) -> u64 {
        let rt = &self.analysis.upper.realtime;
        rt.socketio
            .get(s as usize)
            .and_then(|x| rt.eio.get(x.eio as usize))
            .map_or(0, |x| u64::from(x.packet) + 1)
    }

    /// Seconds since the first packet, of packet `p`.
    pub fn rel_secs(&self, p: u32) -> f64 {
        self.relative_ns(PacketId(p)) as f64 / 1e9
    }
}
