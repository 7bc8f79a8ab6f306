//! Recognising WebSocket frames in a TCP payload when the capture started
//! after the handshake. The result is a guess; callers should show it as one.

use serde::Serialize;

use crate::ids::Direction;

use super::close::{close_code_valid, parse_close, CloseBody};
use super::frame::{is_reserved, parse_header, unmask, OP_CLOSE, OP_CONTINUATION, OP_TEXT};

/// How sure the guess is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Confidence {
    /// One frame that says little (empty, or a continuation).
    Low,
    /// One complete, plausible frame with a payload.
    Medium,
    /// Several frames back to back, or a frame with valid non-trivial text.
    High,
}

/// Whether `data` (one TCP payload sent `dir`, by the client or the server)
/// is made of one or more complete, plausible WebSocket frames back to back.
///
/// Plausible (RFC 6455 §5.2-§5.5): a defined opcode; RSV2/RSV3 clear; RSV1
/// only on a Text/Binary frame; masked exactly when sent by the client; a
/// minimal length encoding; control frames unfragmented and ≤ 125 bytes;
/// Text payloads (uncompressed) valid UTF-8; close codes valid. The lengths
/// must account for the payload exactly. A frame continuing into the next
/// segment is not recognised.
pub fn looks_like_websocket(data: &[u8], dir: Direction) -> Option<Confidence> {
    let mut rest = data;
    let mut frames = 0u32;
    let mut good_text = false;
    let mut informative = false;
    while !rest.is_empty() {
        let h = parse_header(rest).ok()??;
        let control = h.is_control();
        if is_reserved(h.opcode)
            || h.rsv & 0b011 != 0
            || h.masked != dir.from_client()
            || h.non_minimal_length()
        {
            return None;
        }
        if h.rsv1() && (control || h.opcode == OP_CONTINUATION) {
            return None;
        }
        if control && (h.payload_len > 125 || !h.fin) {
            return None;
        }
        let hl = usize::from(h.header_len);
        let pl = usize::try_from(h.payload_len).ok()?;
        let end = hl.checked_add(pl)?;
        let payload = rest.get(hl..end)?;
        if (h.opcode == OP_TEXT && !h.rsv1()) || h.opcode == OP_CLOSE {
            // Bounded by the input's size.
            let mut p = payload.to_vec();
            if h.masked {
                unmask(&mut p, h.mask, 0);
            }
            if h.opcode == OP_TEXT {
                match std::str::from_utf8(&p) {
                    Ok(_) => {}
                    // An unfinished fragment may end inside a character.
                    Err(e) if !h.fin && e.error_len().is_none() => {}
                    Err(_) => return None,
                }
                good_text |= p.len() >= 4;
            } else {
                match parse_close(&p) {
                    CloseBody::Empty => {}
                    CloseBody::OneByte(_) => return None,
                    CloseBody::Code {
                        code, utf8_valid, ..
                    } => {
                        if !close_code_valid(code) || !utf8_valid {
                            return None;
                        }
                    }
                }
            }
        }
        informative |= h.opcode != OP_CONTINUATION && pl > 0;
        frames += 1;
        rest = rest.get(end..)?;
    }
    match frames {
        0 => None,
        1 if good_text => Some(Confidence::High),
        1 if informative => Some(Confidence::Medium),
        1 => Some(Confidence::Low),
        _ => Some(Confidence::High),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Direction = Direction::FromClient;
    const S: Direction = Direction::FromServer;
    use proptest::prelude::*;

    #[test]
    fn positives() {
        // RFC 6455 §5.7 examples.
        let hello = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        assert_eq!(looks_like_websocket(&hello, S), Some(Confidence::High));
        assert_eq!(looks_like_websocket(&hello, C), None);
        let masked = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(looks_like_websocket(&masked, C), Some(Confidence::High));
        assert_eq!(looks_like_websocket(&masked, S), None);
        let frags = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
        assert_eq!(looks_like_websocket(&frags, S), Some(Confidence::High));
        let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        assert_eq!(looks_like_websocket(&ping, S), Some(Confidence::Medium));
        let mut bin = vec![0x82, 0x7E, 0x01, 0x00];
        bin.extend([0u8; 256]);
        assert_eq!(looks_like_websocket(&bin, S), Some(Confidence::Medium));
        // RFC 7692 §7.2.3.1: compressed "Hello".
        let z = [0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(looks_like_websocket(&z, S), Some(Confidence::Medium));
        assert_eq!(
            looks_like_websocket(&[0x88, 0x02, 0x03, 0xE8], S),
            Some(Confidence::Medium)
        );
        assert_eq!(
            looks_like_websocket(&[0x82, 0x00], S),
            Some(Confidence::Low)
        );
        assert_eq!(
            looks_like_websocket(&[0x80, 0x01, 0x00], S),
            Some(Confidence::Low)
        );
    }

    #[test]
    fn negatives() {
        assert_eq!(
            looks_like_websocket(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", C),
            None
        );
        assert_eq!(looks_like_websocket(b"GET / HTTP/1.1\r\n", S), None);
        assert_eq!(looks_like_websocket(b"HTTP/1.1 200 OK\r\n\r\n", S), None);
        // TLS ClientHello record start.
        let tls = [
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ];
        assert_eq!(looks_like_websocket(&tls, C), None);
        assert_eq!(looks_like_websocket(&tls, S), None);
        assert_eq!(looks_like_websocket(&[], S), None);
        assert_eq!(looks_like_websocket(&[0x81], S), None);
        // Lengths must match exactly.
        assert_eq!(looks_like_websocket(&[0x81, 0x05, b'H', b'e'], S), None);
        assert_eq!(looks_like_websocket(&[0x81, 0x01, b'H', b'e'], S), None);
        // Invalid UTF-8 text, oversize or fragmented control, bad close.
        assert_eq!(looks_like_websocket(&[0x81, 0x02, 0xff, 0xfe], S), None);
        assert_eq!(looks_like_websocket(&[0x09, 0x00], S), None);
        assert_eq!(looks_like_websocket(&[0x88, 0x01, 0x03], S), None);
        assert_eq!(looks_like_websocket(&[0x88, 0x02, 0x03, 0xED], S), None);
        assert_eq!(looks_like_websocket(&[0xC9, 0x00], S), None);
        assert_eq!(looks_like_websocket(&[0xA2, 0x00], S), None);
        assert_eq!(
            looks_like_websocket(&[0x82, 0x7E, 0x00, 0x01, 0x00], S),
            None
        );
    }

    #[test]
    fn random_bytes_rarely_match() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut hits = 0;
        for i in 0..20_000 {
            let len = 8 + i % 300;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            hits += usize::from(looks_like_websocket(&buf, Direction::of(i % 2 == 0)).is_some());
        }
        assert!(hits < 40, "{hits} of 20000 random buffers matched");
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..600), from_client in any::<bool>()) {
            let _ = looks_like_websocket(&data, Direction::of(from_client));
        }
    }
}
