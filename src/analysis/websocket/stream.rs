//! One direction of a WebSocket connection, parsed incrementally: frames are
//! reported as they end, messages (RFC 6455 §5.4 fragments joined, unmasked,
//! inflated per RFC 7692) as their final frame ends.
//!
//! Bytes are consumed as they come: the parser holds at most a partial frame
//! header (≤ 14 bytes) and the message in progress (≤ the cap, raw), plus one
//! control or reserved-opcode frame's payload (≤ the cap) when it interrupts a
//! fragmented message, and the emptied buffer of the last message (≤ 4 KiB).
//!
//! Lost bytes ([`DirectionParser::gap`]): inside a frame payload they are counted as
//! missing (frame and message marked incomplete, later frames still parse);
//! anywhere else the frame boundaries are unknown, so the direction stops
//! ([`DirectionParser::lost`]) after reporting what was in progress as incomplete.

use serde::Serialize;
use std::borrow::Cow;

use super::deflate::{DeflateParams, Extensions, Inflater};
use super::frame::{
    self, parse_header, unmask, FrameError, FrameHeader, MAX_HEADER_LEN, OP_CLOSE, OP_CONTINUATION,
};
pub use super::message::MessageRecord;
use super::message::Msg;
use super::{push_bounded, warn, MAX_MESSAGE_BYTES};
use crate::ids::Direction;

/// Where a byte was captured: packet number and offset in its TCP payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub packet: u32,
    pub offset: u32,
}

impl Pos {
    fn advance(self, n: usize) -> Pos {
        Pos {
            packet: self.packet,
            offset: self
                .offset
                .saturating_add(u32::try_from(n).unwrap_or(u32::MAX)),
        }
    }
}

/// What the parser reports.
#[derive(Debug)]
pub enum Event<'a> {
    /// A frame ended (or was cut).
    Frame(FrameRecord),
    /// A message ended (or was cut), with its decoded payload: unmasked,
    /// joined and inflated; a prefix when `truncated`.
    Message(MessageRecord, &'a [u8]),
}

/// One frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameRecord {
    pub header: FrameHeader,
    /// Where the frame's first header byte is.
    pub start: Pos,
    /// The packet carrying the frame's last byte.
    pub end_packet: u32,
    /// Where the first payload byte is (just after the header when empty).
    pub payload_start: Pos,
    /// [`warn`] bits about this frame.
    pub warnings: u32,
    /// Index (per direction, from 0) of the message this frame belongs to;
    /// control and reserved-opcode frames are messages of their own.
    pub message: u32,
    /// Some of the frame was not captured.
    pub incomplete: bool,
}

/// Why a direction stopped being parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LostReason {
    /// Bytes were lost outside a frame payload.
    Gap,
    /// A 64-bit length with the most significant bit set (RFC 6455 §5.2).
    InvalidLength,
}

/// Which message the frame in progress feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// The (possibly fragmented) data message.
    Data,
    /// A control or reserved-opcode frame: a message of its own.
    Single,
}

/// A frame whose payload is being read.
#[derive(Debug)]
struct Cur {
    rec: FrameRecord,
    remaining: u64,
    /// Payload bytes passed so far (for unmasking, RFC 6455 §5.3).
    offset: u64,
    started: bool,
    slot: Slot,
}

#[derive(Debug)]
enum State {
    Header,
    Payload(Cur),
    Lost(LostReason),
    Done,
}

/// The parser for one direction of one connection.
#[derive(Debug)]
pub struct DirectionParser {
    dir: Direction,
    deflate: Option<DeflateParams>,
    /// Created at the first compressed message.
    inflater: Option<Inflater>,
    cap: usize,
    hbuf: [u8; MAX_HEADER_LEN],
    hlen: usize,
    hstart: Pos,
    state: State,
    data: Option<Msg>,
    single: Option<Msg>,
    next_index: u32,
    closed: bool,
    /// The buffer of the last message decoded, emptied, for the next one (at
    /// most [`MAX_SPARE_BYTES`]): no allocation per message.
    spare: Vec<u8>,
}

/// Largest buffer kept from one message for the next.
const MAX_SPARE_BYTES: usize = 4096;

impl DirectionParser {
    /// The parser for the bytes sent `dir` (by the client or the server), with
    /// the extensions the server accepted.
    pub fn new(dir: Direction, ext: &Extensions) -> DirectionParser {
        DirectionParser::with_cap(dir, ext, MAX_MESSAGE_BYTES)
    }

    /// Like [`DirectionParser::new`], holding messages up to `cap` bytes.
    pub fn with_cap(dir: Direction, ext: &Extensions, cap: usize) -> DirectionParser {
        DirectionParser {
            dir,
            deflate: ext.deflate,
            inflater: None,
            cap,
            hbuf: [0; MAX_HEADER_LEN],
            hlen: 0,
            hstart: Pos::default(),
            state: State::Header,
            data: None,
            single: None,
            next_index: 0,
            closed: false,
            spare: Vec::new(),
        }
    }

    /// Parsing stopped because frame boundaries were lost.
    pub fn lost(&self) -> bool {
        matches!(self.state, State::Lost(_))
    }

    pub fn lost_reason(&self) -> Option<LostReason> {
        match self.state {
            State::Lost(r) => Some(r),
            _ => None,
        }
    }

    /// This direction sent a close frame.
    pub fn closed(&self) -> bool {
        self.closed
    }

    /// Messages started so far (the next message index).
    pub fn messages(&self) -> u32 {
        self.next_index
    }

    /// Bytes held: a partial header and the messages in progress.
    pub fn buffered_bytes(&self) -> usize {
        self.hlen
            + self.data.as_ref().map_or(0, |m| m.buf.capacity())
            + self.single.as_ref().map_or(0, |m| m.buf.capacity())
    }

    /// The next bytes of the direction, which start at `pos`.
    pub fn feed(&mut self, pos: Pos, bytes: &[u8], sink: &mut impl FnMut(Event<'_>)) {
        let mut i = 0;
        while let Some(rest) = bytes.get(i..).filter(|r| !r.is_empty()) {
            let here = pos.advance(i);
            i += match self.state {
                State::Header => self.feed_header(here, rest, sink),
                State::Payload(_) => self.feed_payload(here, rest, sink),
                State::Lost(_) | State::Done => return,
            };
        }
    }

    /// `len` bytes of the direction were not captured.
    pub fn gap(&mut self, len: u64, sink: &mut impl FnMut(Event<'_>)) {
        if len == 0 {
            return;
        }
        match std::mem::replace(&mut self.state, State::Header) {
            s @ (State::Lost(_) | State::Done) => self.state = s,
            State::Payload(mut cur) if len <= cur.remaining => {
                // Missing payload bytes: the frame boundaries are still known.
                cur.remaining -= len;
                cur.offset += len;
                cur.rec.incomplete = true;
                if let Some(m) = self.msg(cur.slot) {
                    m.hole = true;
                    m.incomplete = true;
                }
                if cur.remaining == 0 {
                    self.end_frame(cur, sink);
                } else {
                    self.state = State::Payload(cur);
                }
            }
            s => {
                self.state = s;
                self.stop(State::Lost(LostReason::Gap), sink);
            }
        }
    }

    /// End of capture: what is in progress is reported as incomplete.
    pub fn finish(&mut self, sink: &mut impl FnMut(Event<'_>)) {
        if !matches!(self.state, State::Lost(_) | State::Done) {
            self.stop(State::Done, sink);
        }
        self.spare = Vec::new();
    }

    fn stop(&mut self, end: State, sink: &mut impl FnMut(Event<'_>)) {
        self.hlen = 0;
        if let State::Payload(mut cur) = std::mem::replace(&mut self.state, State::Header) {
            cur.rec.incomplete = true;
            self.end_frame(cur, sink);
        }
        if let Some(mut m) = self.data.take() {
            m.incomplete = true;
            self.emit_message(m, sink);
        }
        self.state = end;
    }

    fn msg(&mut self, slot: Slot) -> Option<&mut Msg> {
        match slot {
            Slot::Data => self.data.as_mut(),
            Slot::Single => self.single.as_mut(),
        }
    }

    fn alloc_index(&mut self) -> u32 {
        let i = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        i
    }

    fn feed_header(&mut self, here: Pos, rest: &[u8], sink: &mut impl FnMut(Event<'_>)) -> usize {
        if self.hlen == 0 {
            self.hstart = here;
        }
        let mut take = 0;
        for (d, s) in self.hbuf.iter_mut().skip(self.hlen).zip(rest) {
            *d = *s;
            take += 1;
        }
        let have = self.hlen + take;
        match parse_header(self.hbuf.get(..have).unwrap_or_default()) {
            Ok(None) => {
                self.hlen = have;
                take
            }
            Ok(Some(h)) => {
                let used = usize::from(h.header_len).saturating_sub(self.hlen).max(1);
                self.hlen = 0;
                self.start_frame(h, here.advance(used - 1), sink);
                used
            }
            Err(FrameError::LengthMsbSet(h)) => {
                // The frame is shown, flagged, and cut here: with no valid length,
                // where the next frame starts is unknown.
                let used = usize::from(h.header_len).saturating_sub(self.hlen).max(1);
                self.hlen = 0;
                self.start_frame(h, here.advance(used - 1), sink);
                if let State::Payload(cur) = &mut self.state {
                    cur.rec.warnings |= warn::INVALID_LENGTH;
                    let slot = cur.slot;
                    if let Some(m) = self.msg(slot) {
                        m.warnings |= warn::INVALID_LENGTH;
                    }
                }
                self.stop(State::Lost(LostReason::InvalidLength), sink);
                rest.len()
            }
        }
    }

    /// A header was read; `last` is the position of its last byte.
    fn start_frame(&mut self, h: FrameHeader, last: Pos, sink: &mut impl FnMut(Event<'_>)) {
        let control = h.is_control();
        let reserved = frame::is_reserved(h.opcode);
        let mut w = 0;
        // RFC 6455 §5.1: "a client MUST mask all frames that it sends to the
        // server ... A server MUST NOT mask any frames that it sends".
        if self.dir == Direction::FromClient && !h.masked {
            w |= warn::CLIENT_UNMASKED;
        }
        if self.dir == Direction::FromServer && h.masked {
            w |= warn::SERVER_MASKED;
        }
        // RFC 6455 §5.2: "RSV1, RSV2, RSV3: MUST be 0 unless an extension is
        // negotiated that defines meanings for non-zero values".
        if h.rsv & 0b011 != 0 {
            w |= warn::RSV_WITHOUT_EXTENSION;
        }
        if h.rsv1() {
            // RFC 7692 §6.1: "An endpoint MUST NOT set the "Per-Message
            // Compressed" bit of control frames and non-first fragments".
            if control || h.opcode == OP_CONTINUATION {
                w |= warn::RSV1_ON_CONTINUATION;
            } else if self.deflate.is_none() {
                w |= warn::RSV_WITHOUT_EXTENSION;
            }
        }
        // RFC 6455 §5.5: "All control frames MUST have a payload length of 125
        // bytes or less and MUST NOT be fragmented."
        if control && h.payload_len > 125 {
            w |= warn::CONTROL_TOO_LONG;
        }
        if control && !h.fin {
            w |= warn::CONTROL_FRAGMENTED;
        }
        if reserved {
            w |= warn::RESERVED_OPCODE;
        }
        if h.non_minimal_length() {
            w |= warn::NON_MINIMAL_LENGTH;
        }
        // RFC 6455 §5.5.1: "the endpoint MUST NOT send any more data frames
        // after sending a Close frame" (nor anything else, per §1.4).
        if self.closed {
            w |= warn::DATA_AFTER_CLOSE;
        }

        let packet = self.hstart.packet;
        let slot = if control || reserved {
            let i = self.alloc_index();
            self.single = Some(self.new_msg(i, h.opcode, packet, false));
            Slot::Single
        } else if h.opcode == OP_CONTINUATION {
            // RFC 6455 §5.4: fragments after the first have opcode 0.
            if self.data.is_none() {
                w |= warn::UNEXPECTED_CONTINUATION;
                let i = self.alloc_index();
                let mut m = self.new_msg(i, OP_CONTINUATION, packet, false);
                m.incomplete = true;
                self.data = Some(m);
            }
            Slot::Data
        } else {
            // RFC 6455 §5.4: "the fragments of one message MUST NOT be
            // interleaved between the fragments of another message".
            if let Some(mut old) = self.data.take() {
                old.warnings |= warn::INTERRUPTED_MESSAGE;
                old.incomplete = true;
                self.emit_message(old, sink);
            }
            // RFC 7692 §6: RSV1 on the first frame marks a compressed message.
            let compressed = h.rsv1() && self.deflate.is_some();
            let i = self.alloc_index();
            self.data = Some(self.new_msg(i, h.opcode, packet, compressed));
            Slot::Data
        };
        let mut message = 0;
        if let Some(m) = self.msg(slot) {
            m.frames = m.frames.saturating_add(1);
            m.warnings |= w;
            m.wire_len = m.wire_len.saturating_add(h.payload_len);
            message = m.index;
        }
        let cur = Cur {
            rec: FrameRecord {
                header: h,
                start: self.hstart,
                end_packet: last.packet,
                payload_start: last.advance(1),
                warnings: w,
                message,
                incomplete: false,
            },
            remaining: h.payload_len,
            offset: 0,
            started: false,
            slot,
        };
        if cur.remaining == 0 {
            self.end_frame(cur, sink);
        } else {
            self.state = State::Payload(cur);
        }
    }

    fn feed_payload(&mut self, here: Pos, rest: &[u8], sink: &mut impl FnMut(Event<'_>)) -> usize {
        let State::Payload(mut cur) = std::mem::replace(&mut self.state, State::Header) else {
            return 0;
        };
        let n = usize::try_from(cur.remaining)
            .unwrap_or(usize::MAX)
            .min(rest.len());
        let chunk = rest.get(..n).unwrap_or_default();
        if !cur.started {
            cur.rec.payload_start = here;
            cur.started = true;
        }
        cur.rec.end_packet = here.packet;
        let cap = self.cap;
        let (masked, mask, offset) = (cur.rec.header.masked, cur.rec.header.mask, cur.offset);
        // A whole unmasked message in this chunk (one final frame, its payload all here):
        // handed on from the capture's bytes, not copied (half of the frames, the server's,
        // are unmasked).
        let whole_here = matches!(cur.slot, Slot::Data)
            && cur.rec.header.fin
            && !masked
            && offset == 0
            && n as u64 == cur.remaining
            && n <= cap;
        let mut whole = None;
        if let Some(m) = self.msg(cur.slot) {
            if whole_here && !m.hole && !m.truncated && !m.compressed && m.buf.is_empty() {
                whole = Some(chunk);
            } else if !m.hole && !m.truncated {
                let before = m.buf.len();
                if !push_bounded(&mut m.buf, chunk, cap) {
                    m.truncated = true;
                    m.warnings |= warn::TOO_BIG;
                }
                if masked {
                    // RFC 6455 §5.3: the whole payload is masked, whatever its size.
                    unmask(m.buf.get_mut(before..).unwrap_or_default(), mask, offset);
                }
            }
        }
        cur.remaining -= n as u64;
        cur.offset += n as u64;
        if cur.remaining == 0 {
            self.end_frame_with(cur, whole, sink);
        } else {
            self.state = State::Payload(cur);
        }
        n
    }

    /// The frame's payload ended (or was cut: `rec.incomplete`).
    fn end_frame(&mut self, cur: Cur, sink: &mut impl FnMut(Event<'_>)) {
        self.end_frame_with(cur, None, sink);
    }

    /// [`Self::end_frame`]; `whole`: the message's whole payload, not copied (see
    /// [`Self::feed_payload`]).
    fn end_frame_with(&mut self, cur: Cur, whole: Option<&[u8]>, sink: &mut impl FnMut(Event<'_>)) {
        let mut rec = cur.rec;
        match cur.slot {
            Slot::Single => {
                let Some(mut m) = self.single.take() else {
                    sink(Event::Frame(rec));
                    return;
                };
                m.last_packet = rec.end_packet;
                m.incomplete |= rec.incomplete;
                let (mrec, payload) = self.build_message(m);
                // The close body is this frame's: its warnings show on it too.
                rec.warnings |= mrec.warnings
                    & (warn::INVALID_CLOSE_CODE
                        | warn::CLOSE_PAYLOAD_ONE_BYTE
                        | warn::INVALID_UTF8);
                if mrec.opcode == OP_CLOSE {
                    self.closed = true;
                }
                sink(Event::Frame(rec));
                sink(Event::Message(mrec, &payload));
                self.recycle(payload);
            }
            Slot::Data => {
                let fin = rec.header.fin;
                if let Some(m) = self.data.as_mut() {
                    m.last_packet = rec.end_packet;
                    m.incomplete |= rec.incomplete;
                }
                sink(Event::Frame(rec));
                // RFC 6455 §5.4: the message ends with the frame that has FIN set.
                if fin {
                    if let Some(m) = self.data.take() {
                        self.emit_message_with(m, whole, sink);
                    }
                }
            }
        }
    }

    fn emit_message(&mut self, m: Msg, sink: &mut impl FnMut(Event<'_>)) {
        self.emit_message_with(m, None, sink);
    }

    fn emit_message_with(
        &mut self,
        mut m: Msg,
        whole: Option<&[u8]>,
        sink: &mut impl FnMut(Event<'_>),
    ) {
        // The spare buffer the message was given is kept for the next one.
        let spare = whole.map(|_| std::mem::take(&mut m.buf));
        let (rec, payload) = self.build_message_from(m, whole);
        sink(Event::Message(rec, &payload));
        if let Cow::Owned(p) = payload {
            self.recycle(p);
        }
        if let Some(b) = spare {
            self.recycle(b);
        }
    }

    /// A message with the spare buffer.
    fn new_msg(&mut self, index: u32, opcode: u8, packet: u32, compressed: bool) -> Msg {
        let mut m = Msg::new(index, opcode, packet, compressed);
        m.buf = std::mem::take(&mut self.spare);
        m
    }

    /// Keep a decoded message's buffer for the next message, if small.
    fn recycle(&mut self, mut buf: Vec<u8>) {
        if buf.capacity() <= MAX_SPARE_BYTES && buf.capacity() > self.spare.capacity() {
            buf.clear();
            self.spare = buf;
        }
    }

    /// Decodes a message that ended, with this direction's inflater.
    fn build_message(&mut self, m: Msg) -> (MessageRecord, Vec<u8>) {
        let (rec, payload) = self.build_message_from(m, None);
        (rec, payload.into_owned())
    }

    /// [`Self::build_message`] of `whole` when given (see [`Msg::decode_from`]).
    fn build_message_from<'p>(
        &mut self,
        m: Msg,
        whole: Option<&'p [u8]>,
    ) -> (MessageRecord, Cow<'p, [u8]>) {
        let (deflate, dir) = (self.deflate, self.dir);
        let inflater = match deflate {
            // RFC 7692 §7.1.1: the sender's own parameters apply.
            Some(p) if m.compressed => Some(
                self.inflater
                    .get_or_insert_with(|| Inflater::for_sender(&p, dir)),
            ),
            _ => None,
        };
        m.decode_from(whole, inflater, self.cap)
    }
}
