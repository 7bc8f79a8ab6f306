//! Follow Stream for a viewer: where each line of a conversation's reassembled
//! text is, not the text. The bytes stay in the capture (memory-mapped) and are
//! read again from their packets for the lines on screen, so a conversation of
//! hundreds of megabytes costs a few bytes per line and per segment.

use std::borrow::Cow;

use super::follow::replay;
use crate::analysis::tcp::reassembly::Delivery;
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// A run of the text: bytes of one packet's TCP payload, or a gap's marker.
#[derive(Clone, Copy, Debug)]
enum Piece {
    Data {
        packet: u32,
        offset: u32,
        len: u32,
    },
    /// Bytes never captured, written `[N bytes missing]`; `at` is the packet
    /// the reassembly gave it up at.
    Gap {
        len: u64,
        at: u32,
    },
}

fn gap_text(len: u64) -> String {
    format!("[{len} bytes missing]")
}

/// One line of the text: where it starts, its length in bytes (without its
/// line break: `\n` or `\r\n`), and who sent it. A line never mixes directions:
/// each direction's turn starts on a new line, as in [`super::follow_text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowLine {
    pub start: u64,
    pub len: u32,
    pub dir: Direction,
}

/// A conversation's Follow Stream as lines, with the bytes left in the packets.
#[derive(Debug, Default)]
pub struct FollowIndex {
    pieces: Vec<Piece>,
    /// Where each piece starts in the text.
    starts: Vec<u64>,
    lines: Vec<FollowLine>,
    /// Bytes of text (gap markers included, line breaks included).
    pub total_bytes: u64,
    /// Bytes never captured, both directions.
    pub gaps: u64,
    /// The byte limit was reached: the rest is left out.
    pub truncated: bool,
    /// The line being read: its start and direction, and whether the last
    /// byte read was a `\r`.
    open: Option<(u64, Direction)>,
    last_cr: bool,
}

impl FollowIndex {
    /// The lines of conversation `conversation`'s reassembled text, up to
    /// `max_bytes` (at most 4 GiB) of it; empty for an unknown conversation.
    /// `tick(done, total)` is called as the packets are read; returning false
    /// stops (`None`).
    pub fn build(
        store: &Store,
        conversation: u32,
        max_bytes: u64,
        tick: impl FnMut(u64, u64) -> bool,
    ) -> Option<FollowIndex> {
        let mut ix = FollowIndex::default();
        let Some(c) = store.analysis.tcp.conversations.get(conversation as usize) else {
            return Some(ix);
        };
        let max = max_bytes.min(u64::from(u32::MAX));
        let done = replay(
            store,
            conversation,
            c,
            |dir, at, d| ix.add(dir, at, d, max),
            tick,
        );
        if !done {
            return None;
        }
        ix.close_line();
        Some(ix)
    }

    /// Add one delivery; false once the limit is reached.
    fn add(&mut self, dir: Direction, at: u32, d: Delivery<'_>, max: u64) -> bool {
        let (piece, bytes): (Piece, Cow<[u8]>) = match d {
            Delivery::Data {
                packet,
                offset,
                bytes,
            } => {
                let len = bytes.len() as u32;
                (
                    Piece::Data {
                        packet,
                        offset,
                        len,
                    },
                    bytes,
                )
            }
            Delivery::Gap { len } => {
                self.gaps = self.gaps.saturating_add(len);
                (
                    Piece::Gap { len, at },
                    Cow::Owned(gap_text(len).into_bytes()),
                )
            }
        };
        if self.truncated || bytes.is_empty() {
            return !self.truncated;
        }
        let room = max.saturating_sub(self.total_bytes);
        let take = (bytes.len() as u64).min(room) as usize;
        if take < bytes.len() {
            self.truncated = true;
            // A gap's marker is all or nothing.
            if matches!(piece, Piece::Gap { .. }) || take == 0 {
                return false;
            }
        }
        let piece = match piece {
            Piece::Data { packet, offset, .. } => Piece::Data {
                packet,
                offset,
                len: take as u32,
            },
            gap => gap,
        };
        self.lines_of(dir, &bytes[..take]);
        self.starts.push(self.total_bytes);
        self.pieces.push(piece);
        self.total_bytes += take as u64;
        !self.truncated
    }

    /// Cut `bytes` (the next ones of the text, sent `dir`) into lines.
    fn lines_of(&mut self, dir: Direction, bytes: &[u8]) {
        let pos = self.total_bytes;
        if self.open.is_some_and(|(_, d)| d != dir) {
            self.close_line();
        }
        if self.open.is_none() {
            self.open = Some((pos, dir));
            self.last_cr = false;
        }
        for (i, _) in bytes.iter().enumerate().filter(|(_, &b)| b == b'\n') {
            let end = pos + i as u64;
            let (start, _) = self.open.expect("a line is open");
            let cr = match i.checked_sub(1) {
                Some(j) => bytes[j] == b'\r',
                None => self.last_cr,
            };
            let len = end - start - u64::from(cr && end > start);
            self.lines.push(FollowLine {
                start,
                len: len as u32,
                dir,
            });
            self.open = Some((end + 1, dir));
        }
        self.last_cr = bytes.last() == Some(&b'\r');
    }

    /// End the line being read (a line break ends none: the next byte starts one).
    fn close_line(&mut self) {
        if let Some((start, dir)) = self.open.take() {
            if self.total_bytes > start {
                self.lines.push(FollowLine {
                    start,
                    len: (self.total_bytes - start) as u32,
                    dir,
                });
            }
        }
    }

    pub fn lines(&self) -> &[FollowLine] {
        &self.lines
    }

    /// The piece holding byte `at` of the text.
    fn piece_at(&self, at: u64) -> Option<usize> {
        let i = self.starts.partition_point(|&s| s <= at).checked_sub(1)?;
        (at < self.total_bytes).then_some(i)
    }

    /// The packet (0-based index) that delivered byte `at` of the text.
    pub fn packet_at(&self, at: u64) -> Option<u32> {
        match self.pieces.get(self.piece_at(at)?)? {
            Piece::Data { packet, .. } => Some(*packet),
            Piece::Gap { at, .. } => Some(*at),
        }
    }

    /// Bytes `[start, start + len)` of the text, read from the packets.
    pub fn bytes(&self, store: &Store, start: u64, len: u64) -> Vec<u8> {
        let end = start.saturating_add(len).min(self.total_bytes);
        let mut out = Vec::with_capacity(end.saturating_sub(start) as usize);
        let Some(mut i) = self.piece_at(start) else {
            return out;
        };
        let mut at = start;
        while at < end {
            let (Some(&p), Some(&p_start)) = (self.pieces.get(i), self.starts.get(i)) else {
                break;
            };
            let whole: Cow<[u8]> = match p {
                Piece::Data {
                    packet,
                    offset,
                    len,
                } => {
                    let (a, n) = (offset as usize, len as usize);
                    let payload = store.tcp_payload(PacketId(packet));
                    match payload.get(a..a + n) {
                        Some(b) => Cow::Borrowed(b),
                        // Not where the reassembly found it: keep the length.
                        None => Cow::Owned(vec![b'?'; n]),
                    }
                }
                Piece::Gap { len, .. } => Cow::Owned(gap_text(len).into_bytes()),
            };
            let from = (at - p_start) as usize;
            let to = ((end - p_start) as usize).min(whole.len());
            out.extend_from_slice(whole.get(from..to).unwrap_or_default());
            at = p_start + to as u64;
            i += 1;
        }
        out
    }

    /// Characters `[from, to)` of line `l` as text: printable ASCII and tabs as
    /// they are, anything else as `.` (one character per byte).
    pub fn text(&self, store: &Store, l: &FollowLine, from: u32, to: u32) -> String {
        let to = to.min(l.len);
        let from = from.min(to);
        let b = self.bytes(store, l.start + u64::from(from), u64::from(to - from));
        b.iter()
            .map(|&c| match c {
                b'\t' | 0x20..=0x7e => char::from(c),
                _ => '.',
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::follow::{follow_stream, follow_text};
    use super::super::testutil::{every_sample, sample};
    use super::*;

    /// The lines, joined, are the text of `follow_text`, on every conversation
    /// of every sample with a stream.
    #[test]
    fn lines_are_the_follow_text() {
        for name in every_sample() {
            let name = name.as_str();
            let store = sample(name);
            for c in 0..store.analysis.tcp.conversations.len() as u32 {
                let ix = FollowIndex::build(&store, c, u64::MAX, |_, _| true).unwrap();
                let fs = follow_stream(&store, c, usize::MAX);
                assert_eq!(ix.total_bytes, fs.total_bytes as u64, "{name} {c}");
                let joined: Vec<String> = (ix.lines().iter())
                    .map(|l| ix.text(&store, l, 0, l.len))
                    .collect();
                let joined = joined.join("\n");
                let text = follow_text(&fs);
                assert!(
                    text == joined || text == joined.clone() + "\n",
                    "{name} {c}:\n{text:?}\n{joined:?}"
                );
                // Each turn of the conversation starts a line of its own.
                let runs = match ix.lines() {
                    [] => 0,
                    l => 1 + l.windows(2).filter(|w| w[0].dir != w[1].dir).count(),
                };
                assert_eq!(runs, fs.chunks.len(), "{name} {c}");
            }
        }
    }

    #[test]
    fn a_limit_cuts_the_text_and_a_range_reads_across_pieces() {
        let store = sample("http-get.pcap");
        let ix = FollowIndex::build(&store, 0, 10, |_, _| true).unwrap();
        assert!(ix.truncated);
        assert_eq!(ix.total_bytes, 10);
        assert_eq!(ix.lines().len(), 1);
        assert_eq!(ix.text(&store, &ix.lines()[0], 0, 99), "GET /hello");
        let whole = FollowIndex::build(&store, 0, u64::MAX, |_, _| true).unwrap();
        let all = whole.bytes(&store, 0, whole.total_bytes);
        assert_eq!(all.len() as u64, whole.total_bytes);
        assert_eq!(whole.bytes(&store, 4, 6), b"/hello");
        assert_eq!(whole.packet_at(0), Some(3));
        assert_eq!(whole.packet_at(whole.total_bytes), None);
        // Stopped by its caller: no index.
        assert!(FollowIndex::build(&store, 0, u64::MAX, |_, _| false).is_none());
        assert!(FollowIndex::build(&store, 42, 10, |_, _| true)
            .unwrap()
            .lines()
            .is_empty());
    }

    #[test]
    fn crlf_and_turns_split_lines() {
        let mut ix = FollowIndex::default();
        let data = |b: &'static [u8]| Delivery::Data {
            packet: 0,
            offset: 0,
            bytes: Cow::Borrowed(b),
        };
        ix.add(Direction::FromClient, 0, data(b"ab\r"), u64::MAX);
        ix.add(Direction::FromClient, 0, data(b"\ncd"), u64::MAX);
        ix.add(Direction::FromServer, 1, data(b"\nx\r\n"), u64::MAX);
        ix.add(Direction::FromServer, 1, Delivery::Gap { len: 5 }, u64::MAX);
        ix.close_line();
        let got: Vec<(u64, u32, Direction)> =
            ix.lines().iter().map(|l| (l.start, l.len, l.dir)).collect();
        use Direction::{FromClient as C, FromServer as S};
        assert_eq!(
            got,
            [(0, 2, C), (4, 2, C), (6, 0, S), (7, 1, S), (10, 17, S)]
        );
        assert_eq!(ix.gaps, 5);
        assert_eq!(ix.packet_at(12), Some(1));
    }
}
