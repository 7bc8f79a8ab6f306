//! WebSocket (RFC 6455) with permessage-deflate (RFC 7692): a pure, incremental
//! parser that knows nothing about packets storage, capture or display.
//!
//! The caller feeds each direction's reassembled TCP bytes (after the HTTP
//! upgrade) to a [`stream::DirectionParser`], in chunks of any size, and receives
//! [`stream::Event`]s: every frame as soon as it ends, and every message
//! (unmasked, defragmented, inflated, checked) as soon as its last frame ends.
//!
//! - [`frame`]: the frame header (RFC 6455 §5.2), `try_parse` style.
//! - [`deflate`]: `Sec-WebSocket-Extensions` and the per-direction inflater.
//! - [`stream`]: per-direction state machine and message assembly.
//! - [`close`]: close codes (RFC 6455 §7.4).
//! - [`ping`]: ping/pong pairing (RFC 6455 §5.5.2, §5.5.3).
//! - [`heuristic`]: recognising WebSocket frames when the handshake was missed.
//!
//! Memory is bounded: a message is held up to [`MAX_MESSAGE_BYTES`] (raw and
//! decoded), and bytes are released as soon as they are consumed. Per
//! direction at most: a partial header (≤ 14 bytes), the raw message in
//! progress (≤ the cap), one control frame interrupting it (≤ the cap, ≤ 125
//! bytes when conformant), while a message is inflated its output (≤ the cap),
//! and once a compressed message was seen an inflater (the 32 KiB LZ77 window,
//! its tables and a 32 KiB output chunk).

pub mod close;
pub mod deflate;
pub mod frame;
pub mod heuristic;
pub mod message;
pub mod ping;
pub mod stream;

#[cfg(test)]
mod stream_tests;

pub use close::{close_code_name, close_code_valid};
pub use deflate::{parse_extensions, DeflateParams, Extensions, InflateError, Inflater};
pub use frame::{
    opcode_label, opcode_name, parse_header, unmask, FrameError, FrameHeader, LenForm,
};
pub use heuristic::{looks_like_websocket, Confidence};
pub use ping::PingTracker;
pub use stream::{DirectionParser, Event, FrameRecord, LostReason, MessageRecord, Pos};

/// Largest message payload held, raw (as accumulated from the wire) and
/// decoded (after inflating): beyond it, the message is flagged
/// [`warn::TOO_BIG`] and its payload is a truncated prefix.
pub const MAX_MESSAGE_BYTES: usize = 16 << 20;

/// Conformance warnings, as bit flags on frames and messages.
pub mod warn {
    /// RFC 6455 §5.1: a client MUST mask every frame it sends.
    pub const CLIENT_UNMASKED: u32 = 1 << 0;
    /// RFC 6455 §5.1: a server MUST NOT mask any frame it sends.
    pub const SERVER_MASKED: u32 = 1 << 1;
    /// RFC 6455 §5.2: RSV1 without a negotiated extension, or RSV2/RSV3 set.
    pub const RSV_WITHOUT_EXTENSION: u32 = 1 << 2;
    /// RFC 7692 §6.1: RSV1 is only allowed on the first frame of a data message.
    pub const RSV1_ON_CONTINUATION: u32 = 1 << 3;
    /// RFC 6455 §5.5: control frame payload longer than 125 bytes.
    pub const CONTROL_TOO_LONG: u32 = 1 << 4;
    /// RFC 6455 §5.5: control frames MUST NOT be fragmented.
    pub const CONTROL_FRAGMENTED: u32 = 1 << 5;
    /// RFC 6455 §5.2: opcodes 0x3-0x7 and 0xB-0xF are reserved.
    pub const RESERVED_OPCODE: u32 = 1 << 6;
    /// RFC 6455 §7.4: a close code that must not appear on the wire.
    pub const INVALID_CLOSE_CODE: u32 = 1 << 7;
    /// RFC 6455 §5.5.1: a close body is empty or at least a 2-byte code.
    pub const CLOSE_PAYLOAD_ONE_BYTE: u32 = 1 << 8;
    /// RFC 6455 §5.6, §5.5.1: text and close reasons MUST be UTF-8.
    pub const INVALID_UTF8: u32 = 1 << 9;
    /// RFC 6455 §5.4: a continuation frame with no message in progress.
    pub const UNEXPECTED_CONTINUATION: u32 = 1 << 10;
    /// RFC 6455 §5.4: a new data message started before the previous one ended.
    pub const INTERRUPTED_MESSAGE: u32 = 1 << 11;
    /// RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the length".
    pub const NON_MINIMAL_LENGTH: u32 = 1 << 12;
    /// RFC 7692: the compressed payload could not be inflated (corrupt data,
    /// or an earlier failure broke the shared LZ77 window).
    pub const INFLATE_FAILED: u32 = 1 << 13;
    /// The message is over [`super::MAX_MESSAGE_BYTES`]: its payload is truncated.
    pub const TOO_BIG: u32 = 1 << 14;
    /// RFC 6455 §5.5.1: nothing may be sent after a close frame.
    pub const DATA_AFTER_CLOSE: u32 = 1 << 15;
    /// RFC 6455 §5.2: a 64-bit payload length whose most significant bit is set.
    /// No valid frame has it, so where the next frame starts is not known: the
    /// rest of this direction is not decoded.
    pub const INVALID_LENGTH: u32 = 1 << 16;
    /// Not a protocol error but a limit of this tool: the decoded payload was not
    /// kept in memory ([`crate::analysis::upper::MAX_KEPT_PAYLOADS`] reached).
    pub const NOT_KEPT: u32 = 1 << 17;

    const TEXTS: [(u32, &str); 18] = [
        (CLIENT_UNMASKED, "client frame not masked (RFC 6455 §5.1)"),
        (SERVER_MASKED, "server frame masked (RFC 6455 §5.1)"),
        (
            RSV_WITHOUT_EXTENSION,
            "reserved bit set without a negotiated extension (RFC 6455 §5.2)",
        ),
        (
            RSV1_ON_CONTINUATION,
            "RSV1 set on a continuation or control frame (RFC 7692 §6.1)",
        ),
        (
            CONTROL_TOO_LONG,
            "control frame payload longer than 125 bytes (RFC 6455 §5.5)",
        ),
        (
            CONTROL_FRAGMENTED,
            "control frame fragmented (RFC 6455 §5.5)",
        ),
        (RESERVED_OPCODE, "reserved opcode (RFC 6455 §5.2)"),
        (INVALID_CLOSE_CODE, "invalid close code (RFC 6455 §7.4)"),
        (
            CLOSE_PAYLOAD_ONE_BYTE,
            "close payload of a single byte (RFC 6455 §5.5.1)",
        ),
        (INVALID_UTF8, "text is not valid UTF-8 (RFC 6455 §5.6)"),
        (
            UNEXPECTED_CONTINUATION,
            "continuation frame without a message in progress (RFC 6455 §5.4)",
        ),
        (
            INTERRUPTED_MESSAGE,
            "message interrupted by a new message before its final frame (RFC 6455 §5.4)",
        ),
        (
            NON_MINIMAL_LENGTH,
            "payload length not minimally encoded (RFC 6455 §5.2)",
        ),
        (
            INFLATE_FAILED,
            "compressed payload could not be inflated (RFC 7692)",
        ),
        (TOO_BIG, "message too big: payload truncated"),
        (
            DATA_AFTER_CLOSE,
            "frame sent after a close frame (RFC 6455 §5.5.1)",
        ),
        (
            INVALID_LENGTH,
            "64-bit payload length with its most significant bit set (RFC 6455 §5.2): \
             not a valid frame, so the rest of this direction cannot be split into \
             frames and is not decoded",
        ),
        (
            NOT_KEPT,
            "decoded payload not kept: the 512 MiB store of decoded payloads is full \
             (decoded again from its packets where that can be done alone)",
        ),
    ];

    /// Plain-English text of every bit set in `bits`, lowest bit first.
    pub fn warning_texts(bits: u32) -> Vec<&'static str> {
        TEXTS
            .iter()
            .filter(|(b, _)| bits & b != 0)
            .map(|(_, t)| *t)
            .collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn every_bit_has_a_distinct_text() {
            assert_eq!(warning_texts(u32::MAX).len(), TEXTS.len());
            assert!(warning_texts(0).is_empty());
            for i in 0..TEXTS.len() {
                let t = warning_texts(1 << i);
                assert_eq!(t.len(), 1, "bit {i}");
            }
            assert_eq!(
                warning_texts(CLIENT_UNMASKED | TOO_BIG),
                vec![
                    "client frame not masked (RFC 6455 §5.1)",
                    "message too big: payload truncated"
                ]
            );
        }
    }
}

/// Appends `data` to `buf` while keeping `buf.len() <= cap`; the capacity grows
/// geometrically but never beyond `cap`, so a capped buffer never reserves twice
/// its limit. Returns false when some bytes did not fit.
pub(crate) fn push_bounded(buf: &mut Vec<u8>, data: &[u8], cap: usize) -> bool {
    let room = cap.saturating_sub(buf.len());
    let take = data.len().min(room);
    let needed = buf.len() + take;
    if needed > buf.capacity() {
        let target = needed
            .max(buf.capacity().saturating_mul(2))
            .max(4096)
            .min(cap)
            .max(needed);
        buf.reserve_exact(target - buf.len());
    }
    buf.extend_from_slice(data.get(..take).unwrap_or_default());
    take == data.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_bounded_stops_at_cap_without_over_reserving() {
        let mut v = Vec::new();
        assert!(push_bounded(&mut v, &[1; 3000], 10_000));
        assert!(push_bounded(&mut v, &[2; 5000], 10_000));
        assert!(!push_bounded(&mut v, &[3; 5000], 10_000));
        assert_eq!(v.len(), 10_000);
        assert!(v.capacity() <= 10_000 + 64);
        assert_eq!(v.get(7999), Some(&2));
        assert_eq!(v.get(8000), Some(&3));
        assert!(!push_bounded(&mut v, &[4], 10_000));
        assert_eq!(v.len(), 10_000);
    }
}
