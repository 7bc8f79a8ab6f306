//! A message being assembled and its decoding once it ended: inflating
//! (RFC 7692 §7.2.2), the UTF-8 check (RFC 6455 §5.6, §8.1) and the close
//! body (RFC 6455 §5.5.1, §7.4).

use std::borrow::Cow;

use serde::Serialize;

use super::close::{close_code_valid, parse_close, CloseBody};
use super::deflate::{InflateError, Inflater};
use super::frame::{OP_CLOSE, OP_TEXT};
use super::warn;

/// One message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageRecord {
    pub index: u32,
    /// The first frame's opcode: Text or Binary, a control opcode, a reserved
    /// one, or Continuation when the message's start was not seen.
    pub opcode: u8,
    pub frames: u32,
    pub first_packet: u32,
    pub last_packet: u32,
    /// Sum of the frames' payload lengths.
    pub wire_len: u64,
    /// Decoded length: `wire_len` when not compressed, else the inflated
    /// length (then a lower bound when `truncated`); for an incomplete message,
    /// the bytes that were captured.
    pub len: u64,
    pub compressed: bool,
    /// For Text messages (after inflating) and close reasons.
    pub utf8_valid: Option<bool>,
    /// Close frames: code and reason (RFC 6455 §5.5.1).
    pub close: Option<(u16, String)>,
    /// [`warn`] bits: every frame's, and the message's own.
    pub warnings: u32,
    /// Over the cap: the payload given is a prefix.
    pub truncated: bool,
    /// Some of the message was not captured (gap, end of capture, interrupted).
    pub incomplete: bool,
}

/// A message being assembled.
#[derive(Debug)]
pub(super) struct Msg {
    pub(super) index: u32,
    pub(super) opcode: u8,
    pub(super) frames: u32,
    pub(super) first_packet: u32,
    pub(super) last_packet: u32,
    pub(super) wire_len: u64,
    pub(super) compressed: bool,
    pub(super) warnings: u32,
    pub(super) truncated: bool,
    pub(super) incomplete: bool,
    /// Bytes are missing: `buf` holds what came before them.
    pub(super) hole: bool,
    pub(super) buf: Vec<u8>,
}

impl Msg {
    pub(super) fn new(index: u32, opcode: u8, first_packet: u32, compressed: bool) -> Msg {
        Msg {
            index,
            opcode,
            frames: 0,
            first_packet,
            last_packet: first_packet,
            wire_len: 0,
            compressed,
            warnings: 0,
            truncated: false,
            incomplete: false,
            hole: false,
            buf: Vec::new(),
        }
    }

    /// Decodes a message that ended: inflate, UTF-8 check, close body.
    /// Its payload (`whole` when given, else `buf`) and record: `whole` is the message's
    /// whole payload as it is in the capture (one unmasked frame whose payload sits in
    /// one segment), never copied.
    pub(super) fn decode_from<'p>(
        self,
        whole: Option<&'p [u8]>,
        inflater: Option<&mut Inflater>,
        cap: usize,
    ) -> (MessageRecord, Cow<'p, [u8]>) {
        let m = self;
        let mut warnings = m.warnings;
        let mut truncated = m.truncated;
        let partial = m.incomplete || m.hole || m.truncated;
        let mut decoded_ok = true;
        let inflated = inflater.is_some();
        let payload = match inflater {
            Some(inf) => {
                let mut out = Vec::new();
                // RFC 7692 §7.2.2: the joined payloads are inflated once.
                let input = whole.unwrap_or(&m.buf);
                let r = if partial {
                    inf.inflate_partial(input, cap, &mut out)
                } else {
                    inf.inflate_into(input, cap, &mut out)
                };
                match r {
                    Ok(()) => {}
                    Err(InflateError::TooBig { .. }) => {
                        warnings |= warn::TOO_BIG;
                        truncated = true;
                    }
                    Err(InflateError::Corrupt(_) | InflateError::BrokenContext) => {
                        warnings |= warn::INFLATE_FAILED;
                        decoded_ok = false;
                    }
                }
                Cow::Owned(out)
            }
            None => match whole {
                Some(w) => Cow::Borrowed(w),
                None => Cow::Owned(m.buf),
            },
        };
        let partial = partial || truncated;
        let mut utf8_valid = None;
        let mut close = None;
        if m.opcode == OP_TEXT && decoded_ok {
            utf8_valid = Some(utf8_ok(&payload, partial));
        } else if m.opcode == OP_CLOSE {
            // RFC 6455 §5.5.1: empty, or a 2-byte status code then a UTF-8 reason.
            match parse_close(&payload) {
                CloseBody::Empty => {}
                CloseBody::OneByte(_) => warnings |= warn::CLOSE_PAYLOAD_ONE_BYTE,
                CloseBody::Code { code, reason, .. } => {
                    // RFC 6455 §7.4: codes that must not be sent.
                    if !close_code_valid(code) {
                        warnings |= warn::INVALID_CLOSE_CODE;
                    }
                    utf8_valid = Some(utf8_ok(payload.get(2..).unwrap_or_default(), partial));
                    close = Some((code, reason));
                }
            }
        }
        if utf8_valid == Some(false) {
            warnings |= warn::INVALID_UTF8;
        }
        let rec = MessageRecord {
            index: m.index,
            opcode: m.opcode,
            frames: m.frames,
            first_packet: m.first_packet,
            last_packet: m.last_packet,
            wire_len: m.wire_len,
            // A message cut short counts the bytes that were there, not the ones its
            // frames declared (`wire_len`): those may be 2^63 - 1.
            len: if inflated || m.incomplete || m.hole {
                payload.len() as u64
            } else {
                m.wire_len
            },
            compressed: m.compressed,
            utf8_valid,
            close,
            warnings,
            truncated,
            incomplete: m.incomplete || m.hole,
        };
        (rec, payload)
    }
}

/// RFC 6455 §5.6 / §8.1: valid UTF-8; a prefix may end inside a character.
fn utf8_ok(b: &[u8], prefix: bool) -> bool {
    match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => prefix && e.error_len().is_none(),
    }
}
