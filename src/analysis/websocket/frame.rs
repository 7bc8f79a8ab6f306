//! The WebSocket frame header (RFC 6455 §5.2), parsed without copying:
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! ```

use serde::Serialize;

pub const OP_CONTINUATION: u8 = 0x0;
pub const OP_TEXT: u8 = 0x1;
pub const OP_BINARY: u8 = 0x2;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// Longest header: 2 + 8 (64-bit length) + 4 (masking key).
pub const MAX_HEADER_LEN: usize = 14;

/// Which encoding the payload length used (RFC 6455 §5.2 "Payload length").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LenForm {
    /// 0-125 in the 7-bit field.
    Short7,
    /// 126, then a 16-bit length.
    Ext16,
    /// 127, then a 64-bit length.
    Ext64,
}

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV1..RSV3 as 3 bits: RSV1 = 0b100, RSV2 = 0b010, RSV3 = 0b001.
    pub rsv: u8,
    pub opcode: u8,
    pub masked: bool,
    /// The masking key; zeros when not masked.
    pub mask: [u8; 4],
    pub payload_len: u64,
    /// Bytes of header: 2 to 14.
    pub header_len: u8,
    pub len_form: LenForm,
}

impl FrameHeader {
    /// RFC 6455 §5.5: opcodes with the high bit set are control frames.
    pub fn is_control(&self) -> bool {
        is_control(self.opcode)
    }

    /// RFC 6455 §5.2: "the minimal number of bytes MUST be used to encode the
    /// length" (a conformance warning, not a parse error).
    pub fn non_minimal_length(&self) -> bool {
        match self.len_form {
            LenForm::Short7 => false,
            LenForm::Ext16 => self.payload_len < 126,
            LenForm::Ext64 => self.payload_len <= u64::from(u16::MAX),
        }
    }

    pub fn rsv1(&self) -> bool {
        self.rsv & 0b100 != 0
    }
}

/// A header that can never be valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// RFC 6455 §5.2: "the most significant bit MUST be 0" in the 64-bit length.
    #[error("64-bit payload length with the most significant bit set")]
    LengthMsbSet(FrameHeader),
}

/// RFC 6455 §5.5: control opcodes are 0x8-0xF.
pub fn is_control(op: u8) -> bool {
    op & 0x8 != 0
}

/// RFC 6455 §5.2: 0x3-0x7 and 0xB-0xF are reserved for further frames.
pub fn is_reserved(op: u8) -> bool {
    matches!(op, 0x3..=0x7 | 0xB..=0xF)
}

/// Parses a frame header at the start of `buf`.
///
/// `Ok(None)`: more bytes are needed. `Ok(Some(h))`: the header takes
/// `h.header_len` bytes, the payload follows. `Err`: a 64-bit length with its
/// most significant bit set (RFC 6455 §5.2), reported as soon as the length is seen.
pub fn parse_header(buf: &[u8]) -> Result<Option<FrameHeader>, FrameError> {
    let (b0, b1) = match buf {
        [b0, b1, ..] => (*b0, *b1),
        _ => return Ok(None),
    };
    // RFC 6455 §5.2: FIN, RSV1-3, opcode; MASK, payload len.
    let fin = b0 & 0x80 != 0;
    let rsv = (b0 >> 4) & 0b111;
    let opcode = b0 & 0x0F;
    let masked = b1 & 0x80 != 0;
    let len7 = b1 & 0x7F;
    let rest = buf.get(2..).unwrap_or_default();
    // "If 126, the following 2 bytes interpreted as a 16-bit unsigned integer are
    // the payload length. If 127, the following 8 bytes interpreted as a 64-bit
    // unsigned integer (the most significant bit MUST be 0) are the payload length.
    // Multibyte length quantities are expressed in network byte order."
    let (payload_len, ext_len, len_form) = match len7 {
        126 => match rest.first_chunk::<2>() {
            Some(b) => (u64::from(u16::from_be_bytes(*b)), 2usize, LenForm::Ext16),
            None => return Ok(None),
        },
        127 => match rest.first_chunk::<8>() {
            Some(b) => {
                let n = u64::from_be_bytes(*b);
                if n >> 63 != 0 {
                    // The header as far as it goes (the masking key is not read).
                    return Err(FrameError::LengthMsbSet(FrameHeader {
                        fin,
                        rsv,
                        opcode,
                        masked,
                        mask: [0; 4],
                        payload_len: n,
                        header_len: 10,
                        len_form: LenForm::Ext64,
                    }));
                }
                (n, 8, LenForm::Ext64)
            }
            None => return Ok(None),
        },
        n => (u64::from(n), 0, LenForm::Short7),
    };
    // "Masking-key: 0 or 4 bytes ... present if the mask bit is set to 1".
    let mut mask = [0u8; 4];
    if masked {
        match rest.get(ext_len..).and_then(|r| r.first_chunk::<4>()) {
            Some(m) => mask = *m,
            None => return Ok(None),
        }
    }
    let header_len = 2 + ext_len + if masked { 4 } else { 0 };
    Ok(Some(FrameHeader {
        fin,
        rsv,
        opcode,
        masked,
        mask,
        payload_len,
        header_len: header_len as u8,
        len_form,
    }))
}

/// The opcode's name (RFC 6455 §5.2, §11.8); "Reserved" for 0x3-0x7, 0xB-0xF.
pub fn opcode_name(op: u8) -> &'static str {
    match op {
        OP_CONTINUATION => "Continuation",
        OP_TEXT => "Text",
        OP_BINARY => "Binary",
        OP_CLOSE => "Close",
        OP_PING => "Ping",
        OP_PONG => "Pong",
        _ => "Reserved",
    }
}

/// Like [`opcode_name`], with the value for reserved opcodes: "Reserved (0x3)".
pub fn opcode_label(op: u8) -> String {
    if is_reserved(op) || op > 0xF {
        format!("Reserved (0x{op:X})")
    } else {
        opcode_name(op).to_string()
    }
}

/// RFC 6455 §5.3: "Octet i of the transformed data is the XOR of octet i of the
/// original data with octet at index i modulo 4 of the masking key."
/// `offset` is the position of `data[0]` within the frame payload, so a payload
/// can be unmasked in pieces.
pub fn unmask(data: &mut [u8], mask: [u8; 4], offset: u64) {
    let rot = (offset % 4) as u32;
    // The key as seen from `data[0]`, twice, applied 8 bytes at a time (4 at a time, a
    // byte each, was 1% of `stats`'s instructions).
    let [a, b, c, d] = u32::from_be_bytes(mask).rotate_left(8 * rot).to_be_bytes();
    let key = [a, b, c, d, a, b, c, d];
    let wide = u64::from_ne_bytes(key);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut eight = [0; 8];
        eight.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(eight) ^ wide).to_ne_bytes());
    }
    for (byte, k) in chunks.into_remainder().iter_mut().zip(key) {
        *byte ^= k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_form_unmasked() {
        // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
        let b = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
        let h = parse_header(&b).unwrap().unwrap();
        assert!(h.fin);
        assert_eq!(h.rsv, 0);
        assert_eq!(h.opcode, OP_TEXT);
        assert!(!h.masked);
        assert_eq!(h.mask, [0; 4]);
        assert_eq!(h.payload_len, 5);
        assert_eq!(h.header_len, 2);
        assert_eq!(h.len_form, LenForm::Short7);
        assert!(!h.non_minimal_length());
        assert_eq!(parse_header(&b[..1]), Ok(None));
        assert_eq!(parse_header(&[]), Ok(None));
    }

    #[test]
    fn short_form_masked_and_unmasking() {
        // RFC 6455 §5.7: a single-frame masked text message "Hello".
        let b = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let h = parse_header(&b).unwrap().unwrap();
        assert!(h.masked);
        assert_eq!(h.mask, [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(h.header_len, 6);
        assert_eq!(h.payload_len, 5);
        for cut in 0..6 {
            assert_eq!(parse_header(&b[..cut]), Ok(None), "cut at {cut}");
        }
        let mut p = b[6..].to_vec();
        unmask(&mut p, h.mask, 0);
        assert_eq!(p, b"Hello");
    }

    #[test]
    fn ext16_form() {
        // RFC 6455 §5.7: 256 bytes binary message in a single unmasked frame.
        let mut b = vec![0x82, 0x7E, 0x01, 0x00];
        b.extend(std::iter::repeat_n(0xAB, 256));
        let h = parse_header(&b).unwrap().unwrap();
        assert_eq!(h.opcode, OP_BINARY);
        assert_eq!(h.payload_len, 256);
        assert_eq!(h.header_len, 4);
        assert_eq!(h.len_form, LenForm::Ext16);
        assert!(!h.non_minimal_length());
        for cut in 0..4 {
            assert_eq!(parse_header(&b[..cut]), Ok(None));
        }
        // Masked 16-bit form: 8 bytes of header.
        let m = [0x82, 0xFE, 0x01, 0x00, 1, 2, 3, 4];
        let h = parse_header(&m).unwrap().unwrap();
        assert_eq!(
            (h.header_len, h.mask, h.payload_len),
            (8, [1, 2, 3, 4], 256)
        );
        for cut in 0..8 {
            assert_eq!(parse_header(&m[..cut]), Ok(None));
        }
    }

    #[test]
    fn ext64_form() {
        // RFC 6455 §5.7: 64KiB binary message in a single unmasked frame.
        let b = [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00];
        let h = parse_header(&b).unwrap().unwrap();
        assert_eq!(h.payload_len, 65536);
        assert_eq!(h.header_len, 10);
        assert_eq!(h.len_form, LenForm::Ext64);
        assert!(!h.non_minimal_length());
        for cut in 0..10 {
            assert_eq!(parse_header(&b[..cut]), Ok(None));
        }
        let m = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 9, 8, 7, 6];
        let h = parse_header(&m).unwrap().unwrap();
        assert_eq!(
            (h.header_len, h.mask, h.payload_len),
            (14, [9, 8, 7, 6], 65536)
        );
        for cut in 0..14 {
            assert_eq!(parse_header(&m[..cut]), Ok(None));
        }
        let max = [0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
        assert_eq!(
            parse_header(&max).unwrap().unwrap().payload_len,
            (1 << 63) - 1
        );
    }

    #[test]
    fn msb_set_is_an_error_even_before_the_mask() {
        let b = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1];
        let Err(FrameError::LengthMsbSet(h)) = parse_header(&b) else {
            panic!("not an error");
        };
        assert_eq!(
            (h.opcode, h.payload_len, h.header_len),
            (2, (1 << 63) + 1, 10)
        );
        assert_eq!(parse_header(&b[..9]), Ok(None));
    }

    #[test]
    fn non_minimal_lengths() {
        let h = parse_header(&[0x82, 0x7E, 0x00, 0x05]).unwrap().unwrap();
        assert_eq!(h.payload_len, 5);
        assert!(h.non_minimal_length());
        let h = parse_header(&[0x82, 0x7E, 0x00, 0x7E]).unwrap().unwrap();
        assert!(!h.non_minimal_length());
        let h = parse_header(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF])
            .unwrap()
            .unwrap();
        assert!(h.non_minimal_length());
    }

    #[test]
    fn bits() {
        let h = parse_header(&[0x79, 0x00]).unwrap().unwrap();
        assert!(!h.fin);
        assert_eq!(h.rsv, 0b111);
        assert_eq!(h.opcode, OP_PING);
        assert!(h.is_control());
        assert!(h.rsv1());
        let h = parse_header(&[0x41, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b100);
        let h = parse_header(&[0x21, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b010);
        assert!(!h.rsv1());
        let h = parse_header(&[0x11, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, 0b001);
    }

    #[test]
    fn names() {
        let names: Vec<_> = (0..16).map(opcode_name).collect();
        assert_eq!(names[0], "Continuation");
        assert_eq!(names[1], "Text");
        assert_eq!(names[2], "Binary");
        assert_eq!(names[3], "Reserved");
        assert_eq!(names[8], "Close");
        assert_eq!(names[9], "Ping");
        assert_eq!(names[10], "Pong");
        assert_eq!(names[11], "Reserved");
        assert_eq!(opcode_label(3), "Reserved (0x3)");
        assert_eq!(opcode_label(0xB), "Reserved (0xB)");
        assert_eq!(opcode_label(9), "Ping");
        assert!(is_reserved(7) && is_reserved(0xF) && !is_reserved(0xA) && !is_reserved(2));
    }

    #[test]
    fn unmask_in_pieces_equals_whole() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let orig: Vec<u8> = (0..23u8).map(|i| i.wrapping_mul(37)).collect();
        let mut whole = orig.clone();
        unmask(&mut whole, mask, 0);
        // Byte-wise reference from the RFC's definition.
        let reference: Vec<u8> = orig
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        assert_eq!(whole, reference);
        for a in 0..=orig.len() {
            for b in a..=orig.len() {
                let mut p = orig.clone();
                let (x, rest) = p.split_at_mut(a);
                let (y, z) = rest.split_at_mut(b - a);
                unmask(x, mask, 0);
                unmask(y, mask, a as u64);
                unmask(z, mask, b as u64);
                assert_eq!(p, whole, "split at {a},{b}");
            }
        }
        // Unmasking twice restores the data; offsets beyond u32 work.
        let mut p = whole.clone();
        unmask(&mut p, mask, 0);
        assert_eq!(p, orig);
        let mut q = orig.clone();
        unmask(&mut q, mask, (1u64 << 40) + 1);
        let mut r = orig.clone();
        unmask(&mut r, mask, 1);
        assert_eq!(q, r);
    }
}
