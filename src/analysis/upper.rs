//! The parsers above TCP, wired together: reassembled bytes go to HTTP; after a
//! WebSocket `101` they go to the WebSocket parser of that connection; WebSocket
//! messages and Engine.IO polling bodies go on to Engine.IO and Socket.IO
//! ([`super::realtime`]). A conversation that starts mid-stream with WebSocket
//! framing and no handshake is followed too, marked as a guess.
//!
//! Everything found is stored as compact records pointing back at the packets
//! that carried them ([`WsFrame`], [`WsMessage`]); decoded payloads (unmasked,
//! joined, inflated) go to one bounded [`Payloads`] arena so the detail views
//! never need to replay a compressed stream.

use std::borrow::Cow;
use std::cell::Cell;

use serde::Serialize;

use super::http::{HttpAnalysis, HttpConversation};
use super::realtime::{Carrier, Realtime};
use super::realtime_feed::RealtimeFeed;
use super::tcp::StreamSink;
use super::websocket::{self as ws, DirectionParser, Event};
use crate::ids::Direction;

/// Most decoded payload bytes kept for the detail views, over the whole capture.
/// Payloads past it are parsed and counted but not kept: their message is flagged
/// [`ws::warn::NOT_KEPT`], counted in `stats` (`websocket.payloads_not_kept`), and
/// decoded again from its packets when shown, where that can be done alone (not
/// for a message inflated with a context shared with earlier messages).
pub const MAX_KEPT_PAYLOADS: usize = 512 << 20;

/// Whether the pass keeps records for the detail views or only counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Every record and payload (the GUI, `inspect`, `messages`).
    Records,
    /// Only the counters (`stats`): every parser still runs, nothing is stored per frame.
    Counts,
}

/// Decoded payloads, one after the other in a bounded arena.
#[derive(Debug)]
pub struct Payloads {
    bytes: Vec<u8>,
    /// Bytes the arena holds, or would hold when only counting ([`Keep::Counts`]
    /// keeps nothing, but reaches the limit where [`Keep::Records`] does).
    used: usize,
    /// [`MAX_KEPT_PAYLOADS`], lower in tests.
    cap: usize,
}

impl Default for Payloads {
    fn default() -> Self {
        Payloads {
            bytes: Vec::new(),
            used: 0,
            cap: MAX_KEPT_PAYLOADS,
        }
    }
}

/// Where one payload sits in [`Payloads`] (under 4 GiB: the arena is capped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PayloadRef {
    pub start: u32,
    pub len: u32,
}

impl Payloads {
    /// Lower the limit (tests reach it with small captures).
    #[cfg(test)]
    pub(crate) fn limit_to(&mut self, cap: usize) {
        self.cap = cap;
    }

    /// Whether `len` more bytes fit, counting them when they do.
    fn room(&mut self, len: usize) -> bool {
        let fits = self.used.saturating_add(len) <= self.cap;
        if fits {
            self.used += len;
        }
        fits
    }

    /// Keep `data` (after [`Payloads::room`] said it fits).
    fn keep(&mut self, data: &[u8]) -> Option<PayloadRef> {
        if self.bytes.len() + data.len() > self.cap {
            return None;
        }
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(data);
        Some(PayloadRef {
            start,
            len: data.len() as u32,
        })
    }

    pub fn get(&self, r: PayloadRef) -> Option<&[u8]> {
        let s = r.start as usize;
        self.bytes.get(s..s + r.len as usize)
    }

    fn shrink(&mut self) {
        self.bytes.shrink_to_fit();
    }
}

/// One WebSocket connection: the TCP conversation after its `101`, or one taken
/// for WebSocket by its framing alone.
#[derive(Clone, Debug, Serialize)]
pub struct WsConnection {
    pub conversation: u32,
    /// The opening handshake (index into `HttpAnalysis::websockets`); `None` for a guess.
    pub handshake: Option<u32>,
    /// Found by the framing heuristic, with no handshake seen.
    pub guessed: bool,
    /// permessage-deflate was negotiated.
    pub deflate: bool,
    /// The Engine.IO session it carries, if any.
    pub engineio: Option<u32>,
}

/// A WebSocket frame as stored for every frame.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct WsFrame {
    /// The message it belongs to (its connection is the message's) (index into [`Upper::ws_messages`]).
    pub message: u32,
    /// (packet, offset in its TCP payload) of the first header byte.
    pub start: (u32, u32),
    /// (packet, offset) of the first payload byte.
    pub payload_start: (u32, u32),
    /// The packet carrying the last byte.
    pub end_packet: u32,
    pub payload_len: u64,
    pub mask: Option<[u8; 4]>,
    pub fin: bool,
    pub rsv: u8,
    pub opcode: u8,
    pub header_len: u8,
    #[serde(
        rename = "from_client",
        serialize_with = "crate::ids::serialize_from_client"
    )]
    pub dir: Direction,
    pub incomplete: bool,
    /// `websocket::warn` bits.
    pub warnings: u32,
}

/// A WebSocket message as stored for every message: one data message (its
/// fragments joined) or one control frame. Kept small (a capture can hold
/// millions); the payload is in the arena when it took work to decode, and the
/// close code and reason are read from it when shown (`Store::ws_close`).
#[derive(Clone, Debug, Serialize)]
pub struct WsMessage {
    pub connection: u32,
    /// Its first frame (index into `ws_frames`); the others follow, with control
    /// frames of the same direction possibly interleaved.
    pub first_frame: u32,
    pub frames: u32,
    pub first_packet: u32,
    pub last_packet: u32,
    /// Payload bytes on the wire (compressed when `compressed`).
    pub wire_len: u64,
    /// Decoded length.
    pub len: u64,
    /// The decoded payload, if kept.
    pub payload: Option<PayloadRef>,
    /// For a pong: the ping it answers.
    pub answers: Option<u32>,
    /// `websocket::warn` bits.
    pub warnings: u32,
    /// The first frame's opcode.
    pub opcode: u8,
    #[serde(
        rename = "from_client",
        serialize_with = "crate::ids::serialize_from_client"
    )]
    pub dir: Direction,
    pub compressed: bool,
    /// Over the 16 MiB cap: the payload is a prefix.
    pub truncated: bool,
    /// Some of it was not captured.
    pub incomplete: bool,
    /// For text messages and close reasons.
    pub utf8_valid: Option<bool>,
}

/// WebSocket counters, kept in both [`Keep`] modes: every frame (several in one
/// segment included), by opcode.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct WsCounts {
    pub connections: u64,
    pub frames: u64,
    pub masked: u64,
    pub compressed: u64,
    pub text: u64,
    pub binary: u64,
    pub continuation: u64,
    pub close: u64,
    pub ping: u64,
    pub pong: u64,
    pub messages: u64,
    /// Messages (a control frame is a message) with at least one conformance
    /// warning, their frames' included: the messages that `messages` flags.
    pub warnings: u64,
    /// Close codes, in capture order.
    pub close_codes: Vec<u16>,
    /// Messages whose decoded payload was not kept: [`MAX_KEPT_PAYLOADS`] reached.
    pub payloads_not_kept: u64,
    /// Frames on connections taken for WebSocket by their framing alone (no
    /// handshake seen): counted here only, not in the counts above.
    pub guessed_frames: u64,
}

/// Per-conversation state of the parsers above TCP.
#[derive(Default)]
pub struct UpperConv {
    http: HttpConversation,
    ws: Option<Box<WsState>>,
    /// Nothing above TCP recognised yet, and the first bytes were not HTTP:
    /// offered to the WebSocket heuristic once.
    probed: [bool; 2],
}

struct WsState {
    connection: u32,
    dirs: [DirectionParser; 2],
    /// Per direction: the packets that delivered bytes since the last frame ended
    /// (a frame spanning many segments has bytes in each of them).
    recent: [Vec<u32>; 2],
}

/// Most packets one frame is indexed under (a frame can span a whole stream).
const MAX_PACKETS_PER_FRAME: usize = 65_536;

/// All records of the parsers above TCP.
pub struct Upper {
    pub keep: Keep,
    pub http: HttpAnalysis,
    pub ws_connections: Vec<WsConnection>,
    pub ws_frames: Vec<WsFrame>,
    pub ws_messages: Vec<WsMessage>,
    pub ws: WsCounts,
    pub payloads: Payloads,
    /// Engine.IO and Socket.IO: fed by [`Self::feed`], on the same thread or another.
    pub realtime: Realtime,
    /// What the parsers here found for [`Self::realtime`] and it has not seen yet.
    pub(crate) feed: RealtimeFeed,
    /// Whether each WebSocket connection carries an Engine.IO session (known
    /// here before [`Self::realtime`] has numbered it).
    ws_engineio: Vec<bool>,
    /// Connections whose `engineio` has been copied from [`Self::realtime`].
    ws_synced: usize,
    pings: ws::PingTracker,
    /// (packet, frame) for every packet a frame has bytes in, sorted when settled.
    frames_at: super::packet_index::Index,
    /// Frames not yet given their message: (frame, the message's index in its
    /// direction, connection, from client).
    open_frames: Vec<(u32, u32, u32, Direction)>,
}

impl Default for Upper {
    fn default() -> Self {
        Upper::new(Keep::Records)
    }
}

impl Upper {
    pub fn new(keep: Keep) -> Self {
        Upper {
            keep,
            http: HttpAnalysis::default(),
            ws_connections: Vec::new(),
            ws_frames: Vec::new(),
            ws_messages: Vec::new(),
            ws: WsCounts::default(),
            payloads: Payloads::default(),
            realtime: Realtime::default(),
            feed: RealtimeFeed::default(),
            ws_engineio: Vec::new(),
            ws_synced: 0,
            pings: ws::PingTracker::default(),
            frames_at: Default::default(),
            open_frames: Vec::new(),
        }
    }

    fn records(&self) -> bool {
        self.keep == Keep::Records
    }

    /// Hand what the parsers found since the last call to [`Self::realtime`], here.
    pub(crate) fn feed_realtime(&mut self) {
        if !self.feed.is_empty() {
            self.feed.apply(&mut self.realtime, self.keep);
        }
        self.sync_engineio();
    }

    /// Copy each new WebSocket connection's Engine.IO session from
    /// [`Self::realtime`], which must have been fed up to here.
    pub(crate) fn sync_engineio(&mut self) {
        let rt = &self.realtime;
        for (c, conn) in self
            .ws_connections
            .iter_mut()
            .enumerate()
            .skip(self.ws_synced)
        {
            conn.engineio = rt.websocket_session_of(c as u32);
        }
        self.ws_synced = self.ws_connections.len();
    }

    /// Sort the packet indexes so far, mid-pass (a capture still loading is
    /// being shown), in time proportional to the entries added since the last call
    /// ([`super::packet_index::Index`]).
    pub fn settle(&mut self) {
        self.feed_realtime();
        self.http.settle();
        self.sort_indexes();
    }

    fn sort_indexes(&mut self) {
        self.frames_at.settle_dedup();
        self.realtime.settle();
    }

    /// Sort the packet indexes; call once after the pass.
    pub fn finish(&mut self) {
        self.feed_realtime();
        self.http.finish();
        self.sort_indexes();
        self.payloads.shrink();
    }

    /// The packets that hold bytes of a WebSocket frame, in order (with repeats).
    pub fn frame_packets(&self) -> impl Iterator<Item = u32> + '_ {
        self.frames_at.as_slice().iter().map(|&(p, _)| p)
    }

    /// The frames packet `p` carries bytes of.
    pub fn frames_at(&self, p: u32) -> impl Iterator<Item = (u32, &WsFrame)> {
        thread_local!(static HINT: Cell<usize> = const { Cell::new(0) });
        super::packet_index::entries_at(self.frames_at.as_slice(), p, &HINT)
            .filter_map(|f| Some((f, self.ws_frames.get(f as usize)?)))
    }

    /// The messages packet `p` completed.
    pub fn messages_at(&self, p: u32) -> impl Iterator<Item = (u32, &WsMessage)> {
        // A message completes in the packet of its last frame: found through the
        // frames, so no second per-packet index is kept.
        let mut last = None;
        self.frames_at(p).filter_map(move |(_, f)| {
            let m = self.ws_messages.get(f.message as usize)?;
            (m.last_packet == p && last != Some(f.message)).then(|| {
                last = Some(f.message);
                (f.message, m)
            })
        })
    }

    /// The connection a frame belongs to (through its message).
    pub fn frame_connection(&self, f: &WsFrame) -> Option<u32> {
        self.ws_messages
            .get(f.message as usize)
            .map(|m| m.connection)
    }

    /// The frames of message `m`, in order.
    pub fn frames_of(&self, m: u32) -> impl Iterator<Item = (u32, &WsFrame)> {
        let msg = self.ws_messages.get(m as usize);
        let (first, n) = msg.map_or((u32::MAX, 0), |x| (x.first_frame, x.frames as usize));
        (self
            .ws_frames
            .get(first as usize..)
            .unwrap_or_default()
            .iter())
        .zip(first..)
        .filter(move |(f, _)| f.message == m)
        .take(n)
        .map(|(f, i)| (i, f))
    }

    /// The decoded payload of message `m`, when kept: messages that need work to
    /// decode (joined, inflated, spanning packets). A single frame inside one
    /// packet is read again from that packet: see `Store::ws_payload`.
    pub fn payload(&self, m: u32) -> Option<&[u8]> {
        let r = self.ws_messages.get(m as usize)?.payload?;
        self.payloads.get(r)
    }

    fn start_ws(&mut self, st: &mut UpperConv, conv: u32, handshake: Option<u32>) {
        let ext = handshake
            .and_then(|h| self.http.websockets.get(h as usize))
            .and_then(|w| w.extensions.as_deref())
            .map(ws::parse_extensions)
            .unwrap_or_default();
        let connection = self.ws_connections.len() as u32;
        let target = handshake.and_then(|h| {
            let w = self.http.websockets.get(h as usize)?;
            self.http.engineio_targets.get(&w.request)
        });
        if let Some(target) = target {
            self.feed.websocket(target, conv, connection);
        }
        self.ws_engineio.push(target.is_some());
        self.ws.connections += u64::from(handshake.is_some());
        self.ws_connections.push(WsConnection {
            conversation: conv,
            handshake,
            guessed: handshake.is_none(),
            deflate: ext.deflate.is_some(),
            // Copied from `realtime` once it has seen the connection (`sync_engineio`).
            engineio: None,
        });
        st.ws = Some(Box::new(WsState {
            connection,
            dirs: Direction::BOTH.map(|d| DirectionParser::new(d, &ext)),
            recent: [Vec::new(), Vec::new()],
        }));
    }

    fn ws_feed(&mut self, st: &mut WsState, dir: Direction, at: (u32, u32), bytes: &[u8]) {
        let connection = st.connection;
        let pos = ws::Pos {
            packet: at.0,
            offset: at.1,
        };
        let WsState { dirs, recent, .. } = st;
        let recent = &mut recent[dir.index()];
        if recent.last() != Some(&at.0) && recent.len() < MAX_PACKETS_PER_FRAME {
            recent.push(at.0);
        }
        let mut ended = false;
        let carried: &[u32] = recent;
        dirs[dir.index()].feed(pos, bytes, &mut |e| {
            ended |= matches!(e, Event::Frame(_));
            self.ws_event(connection, dir, carried, e);
        });
        if ended {
            // The last packet may hold the start of the next frame.
            recent.retain(|&p| p == at.0);
        }
    }

    fn ws_event(&mut self, connection: u32, dir: Direction, recent: &[u32], e: Event<'_>) {
        match e {
            Event::Frame(f) => self.ws_frame(connection, dir, recent, f),
            Event::Message(m, payload) => self.ws_message(connection, dir, m, payload),
        }
    }

    fn ws_frame(&mut self, connection: u32, dir: Direction, recent: &[u32], f: ws::FrameRecord) {
        let h = &f.header;
        let c = &mut self.ws;
        if self.ws_connections[connection as usize].guessed {
            c.guessed_frames += 1;
        } else {
            c.frames += 1;
            c.masked += u64::from(h.masked);
            c.compressed += u64::from(h.rsv & 0b100 != 0);
            use ws::frame::{OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT};
            match h.opcode {
                OP_CONTINUATION => c.continuation += 1,
                OP_TEXT => c.text += 1,
                OP_BINARY => c.binary += 1,
                OP_CLOSE => c.close += 1,
                OP_PING => c.ping += 1,
                OP_PONG => c.pong += 1,
                _ => {}
            }
        }
        if !self.records() {
            return;
        }
        let idx = self.ws_frames.len() as u32;
        // The message index is fixed up when the message is emitted; until then
        // frames point at the next message of their direction.
        self.ws_frames.push(WsFrame {
            message: u32::MAX,
            start: (f.start.packet, f.start.offset),
            payload_start: (f.payload_start.packet, f.payload_start.offset),
            end_packet: f.end_packet,
            payload_len: h.payload_len,
            mask: h.masked.then_some(h.mask),
            fin: h.fin,
            rsv: h.rsv,
            opcode: h.opcode,
            header_len: h.header_len,
            dir,
            incomplete: f.incomplete,
            warnings: f.warnings,
        });
        let carried = recent
            .iter()
            .filter(|&&p| (f.start.packet..=f.end_packet).contains(&p));
        for &p in carried {
            self.frames_at.push(p, idx);
        }
        self.open_frames.push((idx, f.message, connection, dir));
    }

    fn ws_message(
        &mut self,
        connection: u32,
        dir: Direction,
        m: ws::MessageRecord,
        payload: &[u8],
    ) {
        self.ws.messages += 1;
        // A payload that can be read again from its packets as sent (joined and
        // unmasked: `Store::ws_payload`) is not kept; only inflated ones, which
        // depend on every earlier message of their direction, go to the arena while
        // it has room.
        let derivable = !m.compressed && !m.truncated && !m.incomplete;
        let mut m = m;
        if !derivable && !self.payloads.room(payload.len()) {
            m.warnings |= ws::warn::NOT_KEPT;
            self.ws.payloads_not_kept += 1;
        }
        // Counted per message, as `messages` shows them: a message carries its
        // frames' warnings and its own (inflating, size, UTF-8, close code, limits).
        self.ws.warnings += u64::from(m.warnings != 0);
        if let Some((code, _)) = &m.close {
            self.ws.close_codes.push(*code);
        }
        let idx = self.ws_messages.len() as u32;
        let answers = (self
            .pings
            .observe(dir, m.opcode, payload, 0, u64::from(idx)))
        .map(|(ping, _)| ping as u32);
        let carrier = Carrier::WsMessage(idx);
        let conv = self.ws_connections[connection as usize].conversation;
        let text = m.opcode == ws::frame::OP_TEXT;
        let engineio = self.ws_engineio.get(connection as usize) == Some(&true);
        if engineio && matches!(m.opcode, 1 | 2) && !m.truncated {
            let at = (conv, connection);
            (self.feed).ws_message(at, dir, text, payload, carrier, m.last_packet);
        }
        if !self.records() {
            return;
        }
        // The frames of this message: same connection and direction, same index.
        let frames = &mut self.ws_frames;
        let mut first_frame = u32::MAX;
        self.open_frames.retain(|&(f, dir_index, conn, sent)| {
            let Some(x) = frames.get_mut(f as usize) else {
                return false;
            };
            let mine = conn == connection && sent == dir && dir_index == m.index;
            if mine {
                x.message = idx;
                first_frame = first_frame.min(f);
            }
            !mine
        });
        let payload = if derivable || m.warnings & ws::warn::NOT_KEPT != 0 {
            None
        } else {
            self.payloads.keep(payload)
        };
        self.ws_messages.push(WsMessage {
            connection,
            first_frame,
            frames: m.frames,
            first_packet: m.first_packet,
            last_packet: m.last_packet,
            wire_len: m.wire_len,
            len: m.len,
            payload,
            answers,
            warnings: m.warnings,
            opcode: m.opcode,
            dir,
            compressed: m.compressed,
            truncated: m.truncated,
            incomplete: m.incomplete,
            utf8_valid: m.utf8_valid,
        });
    }

    /// Engine.IO polling bodies completed by the last HTTP delivery.
    fn bodies(&mut self, conv: u32) {
        for b in self.http.take_bodies() {
            let Some(msg) = self.http.messages.get(b.message as usize) else {
                continue;
            };
            let dir = msg.dir;
            let shown = msg.end_packet.unwrap_or(msg.head_packets.1);
            let request = if dir == Direction::FromClient {
                Some(b.message)
            } else {
                msg.answers
            };
            let target = request.and_then(|r| self.http.engineio_targets.get(&r));
            let Some(target) = target.cloned() else {
                continue;
            };
            // Counted alike in both modes; flagged on the message when it does not fit.
            if !self.payloads.room(b.bytes.len()) {
                if let Some(m) = self.http.messages.get_mut(b.message as usize) {
                    m.flags |= crate::analysis::http::flag::BODY_NOT_KEPT;
                }
            } else if self.records() {
                if let Some(at) = self.payloads.keep(&b.bytes) {
                    self.feed.keep_body(b.message, at);
                }
            }
            let carrier = Carrier::HttpBody(b.message);
            (self.feed).polling_body(target, (conv, dir), b.bytes, carrier, shown);
        }
    }
}

impl<'a> StreamSink<'a> for Upper {
    type Conv = UpperConv;

    fn data(
        &mut self,
        st: &mut UpperConv,
        conv: u32,
        dir: Direction,
        at: (u32, u32),
        bytes: Cow<'a, [u8]>,
    ) {
        self.bytes(st, conv, dir, at, &bytes);
    }

    fn gap(&mut self, st: &mut UpperConv, conv: u32, dir: Direction, len: u64) {
        self.lost(st, conv, dir, len);
    }

    fn end(&mut self, st: UpperConv, conv: u32) {
        self.ended(st, conv);
    }
}

impl Upper {
    /// In-order bytes of one direction of conversation `conv` (see [`StreamSink::data`]).
    pub fn bytes(
        &mut self,
        st: &mut UpperConv,
        conv: u32,
        dir: Direction,
        at: (u32, u32),
        bytes: &[u8],
    ) {
        if let Some(mut w) = st.ws.take() {
            self.ws_feed(&mut w, dir, at, bytes);
            st.ws = Some(w);
            return;
        }
        if !st.probed[dir.index()] {
            st.probed[dir.index()] = true;
            if ws::looks_like_websocket(bytes, dir).is_some() {
                self.start_ws(st, conv, None);
                if let Some(mut w) = st.ws.take() {
                    self.ws_feed(&mut w, dir, at, bytes);
                    st.ws = Some(w);
                }
                return;
            }
        }
        let used = (self.http).data(&mut st.http, conv, dir, at, bytes);
        self.bodies(conv);
        if let Some(h) = st.http.websocket() {
            self.start_ws(st, conv, Some(h));
            if used < bytes.len() {
                let at = (at.0, at.1 + used as u32);
                if let Some(mut w) = st.ws.take() {
                    self.ws_feed(&mut w, dir, at, &bytes[used..]);
                    st.ws = Some(w);
                }
            }
        }
    }

    /// `len` bytes of one direction that were never captured.
    pub fn lost(&mut self, st: &mut UpperConv, _conv: u32, dir: Direction, len: u64) {
        if let Some(mut w) = st.ws.take() {
            let connection = w.connection;
            w.dirs[dir.index()].gap(len, &mut |e| self.ws_event(connection, dir, &[], e));
            st.ws = Some(w);
        } else {
            self.http.gap(&mut st.http, dir, len);
        }
    }

    /// The conversation's streams ended.
    pub fn ended(&mut self, st: UpperConv, _conv: u32) {
        if let Some(mut w) = st.ws {
            let connection = w.connection;
            let WsState { dirs, recent, .. } = &mut *w;
            for d in Direction::BOTH {
                let carried: &[u32] = &recent[d.index()];
                dirs[d.index()].finish(&mut |e| self.ws_event(connection, d, carried, e));
            }
        }
    }
}

#[cfg(test)]
#[path = "upper_tests.rs"]
mod tests;
