//! permessage-deflate (RFC 7692): the negotiated parameters, read from the
//! server's `Sec-WebSocket-Extensions`, and a per-direction inflater.

use flate2::{Decompress, FlushDecompress, Status};
use serde::Serialize;

use crate::ids::Direction;

/// RFC 7692 §7.2.1: the 4 octets removed from the end of each compressed
/// message, appended back before inflating (§7.2.2).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// Output chunk handed to the decompressor at a time.
const CHUNK: usize = 32 * 1024;

/// The parameters of permessage-deflate agreed in the handshake (RFC 7692 §7.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeflateParams {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: Option<u8>,
    pub client_max_window_bits: Option<u8>,
}

impl DeflateParams {
    /// RFC 7692 §7.1.1: the client's messages are compressed under the
    /// `client_*` parameters, the server's under the `server_*` ones.
    pub fn no_context_takeover(&self, dir: Direction) -> bool {
        if dir == Direction::FromClient {
            self.client_no_context_takeover
        } else {
            self.server_no_context_takeover
        }
    }

    pub fn max_window_bits(&self, dir: Direction) -> Option<u8> {
        if dir == Direction::FromClient {
            self.client_max_window_bits
        } else {
            self.server_max_window_bits
        }
    }
}

/// The extensions in use on a connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Extensions {
    /// permessage-deflate, when the server accepted it.
    pub deflate: Option<DeflateParams>,
    /// Every extension name, in order (including "permessage-deflate").
    pub names: Vec<String>,
}

/// Splits `s` at `sep` outside quoted strings (RFC 7230 §3.2.6 quoted-string,
/// with backslash escapes).
fn split_outside_quotes(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(s.get(start..i).unwrap_or_default());
            start = i + c.len_utf8();
        }
    }
    parts.push(s.get(start..).unwrap_or_default());
    parts
}

/// A token or a quoted-string, unquoted.
fn unquote(v: &str) -> String {
    let v = v.trim();
    match v.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::with_capacity(inner.len());
            let mut escaped = false;
            for c in inner.chars() {
                if !escaped && c == '\\' {
                    escaped = true;
                } else {
                    out.push(c);
                    escaped = false;
                }
            }
            out
        }
        None => v.to_string(),
    }
}

/// Window bits are 8 to 15 (RFC 7692 §7.1.2).
fn window_bits(v: Option<&str>) -> Option<u8> {
    v.and_then(|v| v.parse::<u8>().ok())
        .filter(|b| (8..=15).contains(b))
}

/// Reads the `Sec-WebSocket-Extensions` value of the 101 response (several
/// header lines may be joined with ","). RFC 6455 §9.1:
///
/// ```text
/// extension-list = 1#extension
/// extension = extension-token *( ";" extension-param )
/// extension-param = token [ "=" (token | quoted-string) ]
/// ```
///
/// The first permessage-deflate is the accepted one (RFC 7692 §5); its
/// unknown parameters are ignored.
pub fn parse_extensions(response_header: &str) -> Extensions {
    let mut ext = Extensions::default();
    for item in split_outside_quotes(response_header, ',') {
        let mut parts = split_outside_quotes(item, ';').into_iter();
        let name = parts.next().unwrap_or_default().trim();
        if name.is_empty() {
            continue;
        }
        ext.names.push(name.to_string());
        if !name.eq_ignore_ascii_case("permessage-deflate") || ext.deflate.is_some() {
            continue;
        }
        let mut p = DeflateParams::default();
        for param in parts {
            let (k, v) = match param.split_once('=') {
                Some((k, v)) => (k.trim(), Some(unquote(v))),
                None => (param.trim(), None),
            };
            // RFC 7692 §7.1.1, §7.1.2.
            match k.to_ascii_lowercase().as_str() {
                "server_no_context_takeover" => p.server_no_context_takeover = true,
                "client_no_context_takeover" => p.client_no_context_takeover = true,
                "server_max_window_bits" => p.server_max_window_bits = window_bits(v.as_deref()),
                "client_max_window_bits" => p.client_max_window_bits = window_bits(v.as_deref()),
                _ => {}
            }
        }
        ext.deflate = Some(p);
    }
    ext
}

/// Why a message could not be (fully) inflated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// The output reached `cap` bytes: what was produced is a prefix.
    #[error("inflated message larger than {cap} bytes")]
    TooBig { cap: usize },
    /// The compressed data is not valid DEFLATE.
    #[error("corrupt compressed data: {0}")]
    Corrupt(String),
    /// An earlier message failed while the LZ77 window is shared across
    /// messages (context takeover): this one cannot be decoded reliably.
    #[error("an earlier message failed to inflate; the shared window is lost")]
    BrokenContext,
}

/// Inflates one direction's messages (RFC 7692 §7.2.2), keeping the LZ77
/// window from message to message ("context takeover") unless the sender
/// declared no_context_takeover, in which case every message starts afresh.
///
/// Always a 15-bit window: it inflates correctly whatever smaller window the
/// sender used (RFC 7692 §7.1.2.1 only bounds the sender).
pub struct Inflater {
    dec: Decompress,
    no_context_takeover: bool,
    /// A failure with a shared window: later messages are refused.
    broken: bool,
    /// The stream ended with a BFINAL block (RFC 7692 §7.2.3.4): the next
    /// message starts a new DEFLATE stream.
    ended: bool,
    chunk: Vec<u8>,
}

impl std::fmt::Debug for Inflater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inflater")
            .field("no_context_takeover", &self.no_context_takeover)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Inflater {
    pub fn new(no_context_takeover: bool) -> Inflater {
        Inflater {
            dec: Decompress::new(false),
            no_context_takeover,
            broken: false,
            ended: false,
            chunk: Vec::new(),
        }
    }

    /// The inflater for messages sent `dir` (by the client or the server).
    pub fn for_sender(params: &DeflateParams, dir: Direction) -> Inflater {
        Inflater::new(params.no_context_takeover(dir))
    }

    /// Whether later messages will be refused with [`InflateError::BrokenContext`].
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Inflates a whole message (the joined payloads of its frames), at most `cap` bytes.
    pub fn inflate_message(
        &mut self,
        compressed: &[u8],
        cap: usize,
    ) -> Result<Vec<u8>, InflateError> {
        let mut out = Vec::new();
        self.inflate_into(compressed, cap, &mut out)?;
        Ok(out)
    }

    /// Like [`Inflater::inflate_message`], appending to `out`, which keeps what
    /// was produced before an error (the prefix of a too-big message).
    pub fn inflate_into(
        &mut self,
        compressed: &[u8],
        cap: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        self.run(compressed, true, cap, out)
    }

    /// Inflates what there is of a message that was cut (end of capture, lost
    /// bytes): the output is a prefix, and with context takeover the window can
    /// no longer be trusted afterwards.
    pub fn inflate_partial(
        &mut self,
        compressed: &[u8],
        cap: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        let r = self.run(compressed, false, cap, out);
        if !self.no_context_takeover {
            self.broken = true;
        }
        r
    }

    fn run(
        &mut self,
        compressed: &[u8],
        complete: bool,
        cap: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        if self.broken && !self.no_context_takeover {
            return Err(InflateError::BrokenContext);
        }
        // RFC 7692 §7.2.2: with no_context_takeover the sender resets its
        // compressor before each message; so do we.
        if self.no_context_takeover || self.ended {
            self.dec.reset(false);
            self.ended = false;
        }
        let r = self.inflate_parts(compressed, complete, cap, out);
        // A message over the cap was inflated to its end (the rest thrown away), so
        // the window is still right: only a corrupt stream, or a bomb past
        // MAX_DISCARDED, loses it (`inflate_parts` says so).
        if matches!(r, Err(InflateError::Corrupt(_))) && !self.no_context_takeover {
            self.broken = true;
        }
        r
    }

    fn inflate_parts(
        &mut self,
        compressed: &[u8],
        complete: bool,
        cap: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        if self.chunk.len() != CHUNK {
            self.chunk = vec![0; CHUNK];
        }
        let base = out.len();
        // Past the cap, inflating goes on with the output thrown away, so that the
        // LZ77 window shared with later messages stays right (context takeover).
        let mut over = false;
        let mut discarded = 0usize;
        // RFC 7692 §7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail
        // end of the payload of the message. Decompress the resulting data
        // using DEFLATE."
        let tail: &[u8] = if complete { &TAIL } else { &[] };
        for part in [compressed, tail] {
            let mut rest = part;
            loop {
                let (in0, out0) = (self.dec.total_in(), self.dec.total_out());
                let status = self
                    .dec
                    .decompress(rest, &mut self.chunk, FlushDecompress::Sync)
                    .map_err(|e| InflateError::Corrupt(e.to_string()))?;
                let consumed = usize::try_from(self.dec.total_in() - in0).unwrap_or(usize::MAX);
                let produced = usize::try_from(self.dec.total_out() - out0).unwrap_or(usize::MAX);
                rest = rest.get(consumed..).unwrap_or_default();
                let produced_bytes = self.chunk.get(..produced).unwrap_or_default();
                if over {
                    discarded = discarded.saturating_add(produced);
                    if discarded > MAX_DISCARDED {
                        // A bomb: stop, and say the shared window is lost.
                        self.broken = !self.no_context_takeover;
                        return Err(InflateError::TooBig { cap });
                    }
                } else if !super::push_bounded(out, produced_bytes, base.saturating_add(cap)) {
                    over = true;
                }
                if status == Status::StreamEnd {
                    // RFC 7692 §7.2.3.4: a block with BFINAL set ends the
                    // stream; what follows (the appended tail) is ignored.
                    self.ended = true;
                    return if over {
                        Err(InflateError::TooBig { cap })
                    } else {
                        Ok(())
                    };
                }
                if produced == 0 && (consumed == 0 || rest.is_empty()) {
                    break;
                }
            }
        }
        if over {
            return Err(InflateError::TooBig { cap });
        }
        Ok(())
    }
}

/// How much inflated output past a message's cap is thrown away to keep the shared
/// window right before giving up on it (the context is then lost, and said to be):
/// 1 GiB, about a second of CPU, where a DEFLATE bomb of 1 MiB inflates to 1 GiB.
pub const MAX_DISCARDED: usize = 1 << 30;

#[cfg(test)]
pub(crate) mod testutil {
    use flate2::{Compress, Compression, FlushCompress};

    /// Compresses `data` as one permessage-deflate message: sync flush, then
    /// the trailing 00 00 ff ff removed (RFC 7692 §7.2.1).
    pub fn deflate_message(c: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut input = data;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let before = c.total_in();
            c.compress_vec(input, &mut out, FlushCompress::Sync)
                .unwrap();
            input = &input[(c.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        out
    }

    /// Compresses messages in sequence, with or without context takeover.
    pub fn deflate_messages(msgs: &[&[u8]], takeover: bool) -> Vec<Vec<u8>> {
        let mut c = Compress::new(Compression::default(), false);
        msgs.iter()
            .map(|m| {
                if !takeover {
                    c.reset();
                }
                deflate_message(&mut c, m)
            })
            .collect()
    }

    /// `n` MiB of zeros as one compressed message, without holding them.
    pub fn zero_bomb(mib: usize) -> Vec<u8> {
        let mut c = Compress::new(Compression::best(), false);
        let zeros = vec![0u8; 1 << 20];
        let mut out = Vec::with_capacity(mib * 1100 + 1024);
        for _ in 0..mib {
            let mut input = &zeros[..];
            while !input.is_empty() {
                if out.capacity() - out.len() < 1024 {
                    out.reserve(64 * 1024);
                }
                let before = c.total_in();
                c.compress_vec(input, &mut out, FlushCompress::None)
                    .unwrap();
                input = &input[(c.total_in() - before) as usize..];
            }
        }
        let mut tail = deflate_message(&mut c, &[]);
        out.append(&mut tail);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn extensions_header() {
        let e = parse_extensions(
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        );
        assert_eq!(e.names, vec!["permessage-deflate"]);
        assert_eq!(
            e.deflate,
            Some(DeflateParams {
                server_max_window_bits: Some(12),
                client_max_window_bits: Some(12),
                ..Default::default()
            })
        );
        let e = parse_extensions(
            "x-webkit-foo; a=\"q,;\\\"x\", PerMessage-Deflate;client_no_context_takeover;server_no_context_takeover; server_max_window_bits=\"10\" ,permessage-deflate; server_max_window_bits=9",
        );
        assert_eq!(
            e.names,
            vec!["x-webkit-foo", "PerMessage-Deflate", "permessage-deflate"]
        );
        let p = e.deflate.unwrap();
        assert!(p.client_no_context_takeover && p.server_no_context_takeover);
        assert_eq!(p.server_max_window_bits, Some(10));
        assert_eq!(p.client_max_window_bits, None);
        assert!(
            p.no_context_takeover(Direction::FromClient)
                && p.no_context_takeover(Direction::FromServer)
        );
        assert_eq!(p.max_window_bits(Direction::FromServer), Some(10));
        let e = parse_extensions(
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=99",
        );
        let p = e.deflate.unwrap();
        assert!(
            p.no_context_takeover(Direction::FromClient)
                && !p.no_context_takeover(Direction::FromServer)
        );
        assert_eq!(p.server_max_window_bits, None);
        assert_eq!(parse_extensions(""), Extensions::default());
        assert_eq!(parse_extensions(" , ,"), Extensions::default());
        let e = parse_extensions("foo, bar; x=1");
        assert_eq!(e.names, vec!["foo", "bar"]);
        assert_eq!(e.deflate, None);
    }

    #[test]
    fn rfc7692_examples() {
        // §7.2.3.1: "Hello" in one compressed frame.
        let mut i = Inflater::new(false);
        assert_eq!(
            i.inflate_message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 100)
                .unwrap(),
            b"Hello"
        );
        // §7.2.3.2: the second "Hello", with the window shared.
        assert_eq!(
            i.inflate_message(&[0xf2, 0x00, 0x11, 0x00, 0x00], 100)
                .unwrap(),
            b"Hello"
        );
        // §7.2.3.1 fragmented: the two frames' payloads joined.
        let mut i = Inflater::new(false);
        assert_eq!(
            i.inflate_message(&[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00], 100)
                .unwrap(),
            b"Hello"
        );
        // §7.2.3.3: a "no compression" (stored) block.
        let mut i = Inflater::new(false);
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(i.inflate_message(&stored, 100).unwrap(), b"Hello");
        // §7.2.3.4: a block with BFINAL set; the next message is a new stream.
        let bfinal = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        assert_eq!(i.inflate_message(&bfinal, 100).unwrap(), b"Hello");
        assert_eq!(i.inflate_message(&bfinal, 100).unwrap(), b"Hello");
        // §7.2.3.5: two DEFLATE blocks in one message.
        let two = [
            0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
        ];
        assert_eq!(i.inflate_message(&two, 100).unwrap(), b"Hello");
        assert!(!i.is_broken());
    }

    #[test]
    fn context_takeover_across_messages() {
        let msgs: [&[u8]; 3] = [
            b"hello websocket world",
            b"hello websocket world!",
            b"hello again websocket world",
        ];
        let c = deflate_messages(&msgs, true);
        // The repeats are back-references into the previous message.
        assert!(c[1].len() < c[0].len());
        let mut i = Inflater::new(false);
        for (m, z) in msgs.iter().zip(&c) {
            assert_eq!(&i.inflate_message(z, 1000).unwrap(), m);
        }
        // Without the window, the second message cannot be decoded right.
        let mut fresh = Inflater::new(true);
        assert_ne!(
            fresh.inflate_message(&c[1], 1000).ok().as_deref(),
            Some(msgs[1])
        );
    }

    #[test]
    fn no_context_takeover_resets_each_message() {
        let msgs: [&[u8]; 3] = [b"abcabcabc", b"abcabcabc", b"xyz"];
        let c = deflate_messages(&msgs, false);
        assert_eq!(c[0], c[1]);
        let mut i = Inflater::new(true);
        for (m, z) in msgs.iter().zip(&c) {
            assert_eq!(&i.inflate_message(z, 1000).unwrap(), m);
        }
        // A corrupt message does not break the next one.
        assert!(matches!(
            i.inflate_message(&[0xff, 0xff, 0xff], 1000),
            Err(InflateError::Corrupt(_))
        ));
        assert!(!i.is_broken());
        assert_eq!(i.inflate_message(&c[2], 1000).unwrap(), b"xyz");
    }

    #[test]
    fn corrupt_breaks_a_shared_context() {
        let c = deflate_messages(&[b"one", b"two"], true);
        let mut i = Inflater::new(false);
        assert_eq!(i.inflate_message(&c[0], 100).unwrap(), b"one");
        // BTYPE 11 is reserved: an error.
        assert!(matches!(
            i.inflate_message(&[0x07, 0x00], 100),
            Err(InflateError::Corrupt(_))
        ));
        assert!(i.is_broken());
        assert_eq!(
            i.inflate_message(&c[1], 100),
            Err(InflateError::BrokenContext)
        );
    }

    /// A message over the cap is cut, inflated to its end all the same, and the
    /// next one in the same context still inflates (issue 11, point 4).
    #[test]
    fn cap_truncates_and_keeps_the_context() {
        let data = vec![b'a'; 5000];
        let c = deflate_messages(&[&data, b"next"], true);
        let mut i = Inflater::new(false);
        let mut out = Vec::new();
        assert_eq!(
            i.inflate_into(&c[0], 1000, &mut out),
            Err(InflateError::TooBig { cap: 1000 })
        );
        assert_eq!(out, vec![b'a'; 1000]);
        assert!(!i.is_broken());
        assert_eq!(i.inflate_message(&c[1], 1000).unwrap(), b"next");
        // Exactly at the cap is fine.
        let mut i = Inflater::new(false);
        assert_eq!(i.inflate_message(&c[0], 5000).unwrap(), data);
        assert_eq!(i.inflate_message(&c[1], 5000).unwrap(), b"next");
        // With no_context_takeover, the next message is independent.
        let c = deflate_messages(&[&data, b"next"], false);
        let mut i = Inflater::new(true);
        assert_eq!(
            i.inflate_message(&c[0], 10),
            Err(InflateError::TooBig { cap: 10 })
        );
        assert_eq!(i.inflate_message(&c[1], 10).unwrap(), b"next");
    }

    #[test]
    fn bomb_stops_at_the_cap() {
        let bomb = zero_bomb(64);
        assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
        let mut i = Inflater::new(false);
        let mut out = Vec::new();
        let cap = crate::analysis::websocket::MAX_MESSAGE_BYTES;
        assert_eq!(
            i.inflate_into(&bomb, cap, &mut out),
            Err(InflateError::TooBig { cap })
        );
        assert_eq!(out.len(), cap);
        assert!(out.capacity() <= cap + 4096);
        assert!(out.iter().all(|&b| b == 0));
        // 64 MiB were inflated and thrown away: the window is still right.
        assert!(!i.is_broken());
    }

    #[test]
    fn partial_message_gives_a_prefix() {
        let c = deflate_messages(&[b"the quick brown fox jumps over the lazy dog"], true);
        let mut i = Inflater::new(false);
        let mut out = Vec::new();
        i.inflate_partial(&c[0][..c[0].len() / 2], 1000, &mut out)
            .unwrap();
        assert!(b"the quick brown fox jumps over the lazy dog".starts_with(&out));
        assert!(i.is_broken());
    }
}
