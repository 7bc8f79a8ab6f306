//! Where the bytes of a field above TCP are, for a packet being shown: in the
//! frame itself when they are there as they are, else in a buffer derived from the
//! capture ([`Dissection::derive`]): a WebSocket payload unmasked, joined or
//! inflated, an HTTP body, a head or frame header that began in an earlier packet.

use crate::analysis::realtime::Carrier;
use crate::analysis::upper::WsFrame;
use crate::dissect::{Dissection, Src};
use crate::ids::Direction;

use super::{PacketId, Store};

/// Bytes in `src` from offset `base` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Place {
    pub src: Src,
    pub base: u32,
}

impl Place {
    fn frame(base: u32) -> Place {
        Place {
            src: Src::Frame,
            base,
        }
    }

    fn derived(i: u16) -> Place {
        Place {
            src: Src::Derived(i),
            base: 0,
        }
    }

    /// The range of `len` bytes at `at` from the base.
    pub fn at(self, at: u32, len: u32) -> (Src, [u32; 2]) {
        let s = self.base.saturating_add(at);
        (self.src, [s, s.saturating_add(len)])
    }

    /// The range `[a, b)` from the base.
    pub fn span(self, [a, b]: [u32; 2]) -> (Src, [u32; 2]) {
        self.at(a, b.saturating_sub(a))
    }
}

impl Store {
    /// `len` bytes of a TCP stream, from offset `offset` of packet `first`'s payload
    /// on, joined with the payloads of the packets up to `last` that travel the same
    /// conversation the same way (fewer when the capture lacks some).
    pub(crate) fn stream_bytes(
        &self,
        (first, last): (u32, u32),
        offset: u32,
        len: usize,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(len.min(1 << 16));
        self.stream_bytes_into((first, last), offset, len, &mut out);
        out
    }

    /// [`Self::stream_bytes`] appended to `out`.
    pub(crate) fn stream_bytes_into(
        &self,
        (first, last): (u32, u32),
        offset: u32,
        len: usize,
        out: &mut Vec<u8>,
    ) {
        let tcp = &self.analysis.tcp;
        let side = |p: u32| {
            let id = PacketId(p);
            let (conv, c) = tcp.conversation_of(id)?;
            Some((conv.0, self.summary(id)?.dir == c.client_side))
        };
        let want = side(first);
        let start = out.len();
        let head = self.tcp_payload(PacketId(first));
        out.extend_from_slice(head.get(offset as usize..).unwrap_or_default());
        for p in first.saturating_add(1)..=last {
            if out.len() - start >= len {
                break;
            }
            if want.is_some() && side(p) == want {
                out.extend_from_slice(self.tcp_payload(PacketId(p)));
            }
        }
        out.truncate(start + len.min(out.len() - start));
    }

    /// Where the header of WebSocket frame `f`, shown at packet `id`, is: in this frame
    /// when it is whole here, else joined from the packets that carried it.
    pub(crate) fn ws_header_place(
        &self,
        id: PacketId,
        f: &WsFrame,
        d: &mut Dissection,
    ) -> Option<Place> {
        let pl_off = u32::from(self.summary(id)?.payload_off);
        if f.start.0 == id.0 && f.payload_start.0 == id.0 {
            return Some(Place::frame(pl_off + f.start.1));
        }
        let bytes = self.stream_bytes(
            (f.start.0, f.payload_start.0),
            f.start.1,
            usize::from(f.header_len),
        );
        let name = format!(
            "WebSocket frame header, from packet {} ({} bytes)",
            f.start.0 + 1,
            bytes.len()
        );
        d.derive(name, &bytes).map(Place::derived)
    }

    /// Where the decoded payload of WebSocket message `mi` is: the frame's own bytes
    /// when they are it as is (one unmasked, uncompressed frame whole in packet `id`),
    /// else a derived buffer with the payload unmasked, joined or inflated.
    pub(crate) fn ws_payload_place(
        &self,
        id: PacketId,
        mi: u32,
        d: &mut Dissection,
    ) -> Option<Place> {
        let up = &self.analysis.upper;
        let m = up.ws_messages.get(mi as usize)?;
        let frames: Vec<&WsFrame> = up.frames_of(mi).map(|(_, f)| f).collect();
        if let [f] = frames[..] {
            let whole_here = f.payload_start.0 == id.0 && f.end_packet == id.0;
            if whole_here && f.mask.is_none() && !m.compressed && !f.incomplete {
                let pl_off = u32::from(self.summary(id)?.payload_off);
                return Some(Place::frame(pl_off + f.payload_start.1));
            }
        }
        let p = self.ws_payload(mi)?;
        let what = match (m.compressed, m.frames > 1, m.dir) {
            (true, _, _) => "inflated",
            (false, true, _) => "reassembled",
            (false, false, Direction::FromClient) => "unmasked",
            (false, false, Direction::FromServer) => "payload",
        };
        let name = format!("WebSocket message, {what} ({} bytes)", p.len());
        d.derive(name, &p).map(Place::derived)
    }

    /// Where the bytes that carried an Engine.IO packet are: a WebSocket message's
    /// payload, or an HTTP polling body (always a derived buffer: it is dechunked).
    pub(crate) fn carrier_place(
        &self,
        id: PacketId,
        c: Carrier,
        d: &mut Dissection,
    ) -> Option<Place> {
        match c {
            Carrier::WsMessage(m) => self.ws_payload_place(id, m, d),
            Carrier::HttpBody(m) => {
                let body = self.carrier_bytes(c)?;
                let name = format!("HTTP body of message {} ({} bytes)", m + 1, body.len());
                d.derive(name, &body).map(Place::derived)
            }
        }
    }
}
