//! Follow TCP Stream: a conversation's bytes put back in order, both
//! directions interleaved in the order the packets delivered them.

use serde::Serialize;

use super::{conversation_packets, sender};
use crate::analysis::tcp::reassembly::{Delivery, DEFAULT_MAX_BUFFERED};
use crate::analysis::tcp::{Reassembler, TcpConversation};
use crate::dissect::tcp_flags;
use crate::ids::Direction;
use crate::store::{PacketId, Store};

/// Bytes never captured, noted where they would have been.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GapMark {
    /// The chunk holding the marker text, and where the text starts in it.
    pub chunk: usize,
    pub offset: usize,
    /// Bytes missing.
    pub len: u64,
}

/// A conversation's reassembled streams.
///
/// A hole that was never captured is written inline as the text
/// `[N bytes missing]` in its direction's chunk, and listed in `gap_marks`
/// (so a viewer can show it apart from real bytes); `gaps` is their total.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FollowStream {
    /// (sender, bytes), consecutive deliveries of one direction merged.
    pub chunks: Vec<(Direction, Vec<u8>)>,
    /// For each chunk, the packet (0-based index) that delivered its first byte.
    pub chunk_packets: Vec<u32>,
    /// The `max_bytes` limit was reached: the rest is left out.
    pub truncated: bool,
    /// Bytes never captured, in both directions.
    pub gaps: u64,
    pub gap_marks: Vec<GapMark>,
    /// Bytes in `chunks` (gap markers included).
    pub total_bytes: usize,
}

impl FollowStream {
    /// Append `bytes` from one direction, delivered by `packet`, up to `max` in total.
    fn add(&mut self, dir: Direction, packet: u32, bytes: &[u8], max: usize) {
        if self.truncated || bytes.is_empty() {
            return;
        }
        let room = max.saturating_sub(self.total_bytes);
        let take = bytes.len().min(room);
        if take < bytes.len() {
            self.truncated = true;
        }
        if take == 0 {
            return;
        }
        let part = bytes.get(..take).unwrap_or_default();
        match self.chunks.last_mut() {
            Some((c, v)) if *c == dir => v.extend_from_slice(part),
            _ => {
                self.chunks.push((dir, part.to_vec()));
                self.chunk_packets.push(packet);
            }
        }
        self.total_bytes += take;
    }

    fn gap(&mut self, dir: Direction, packet: u32, len: u64, max: usize) {
        self.gaps = self.gaps.saturating_add(len);
        if self.truncated {
            return;
        }
        let text = format!("[{len} bytes missing]");
        let (chunk, offset) = match self.chunks.last() {
            Some((c, v)) if *c == dir => (self.chunks.len() - 1, v.len()),
            _ => (self.chunks.len(), 0),
        };
        let before = self.total_bytes;
        self.add(dir, packet, text.as_bytes(), max);
        if self.total_bytes > before {
            self.gap_marks.push(GapMark { chunk, offset, len });
        }
    }

    fn deliver(&mut self, dir: Direction, out: Vec<Delivery<'_>>, at: u32, max: usize) {
        for d in out {
            match d {
                Delivery::Data { packet, bytes, .. } => self.add(dir, packet, &bytes, max),
                Delivery::Gap { len } => self.gap(dir, at, len, max),
            }
        }
    }
}

/// Replay conversation `c`'s reassembly, handing each delivery to `sink` with
/// its direction and the packet it came at, in the order [`follow_stream`]
/// lists them. Once `sink` returns false no further packet is read (what the
/// packets read so far left held is still handed on). `tick(done, total)` is
/// called every few thousand packets (of the capture's range the conversation
/// spans); when it returns false the replay stops at once and gives false.
pub(super) fn replay<'s>(
    store: &'s Store,
    conversation: u32,
    c: &TcpConversation,
    mut sink: impl FnMut(Direction, u32, Delivery<'s>) -> bool,
    mut tick: impl FnMut(u64, u64) -> bool,
) -> bool {
    let mut dirs = [
        Reassembler::new(DEFAULT_MAX_BUFFERED),
        Reassembler::new(DEFAULT_MAX_BUFFERED),
    ];
    let first = c.first_packet.0;
    let total = u64::from(c.last_packet.0.saturating_sub(first)) + 1;
    let mut last = first;
    let mut out = Vec::new();
    let mut more = true;
    for (n, p) in conversation_packets(store, conversation, c).enumerate() {
        if !more {
            break;
        }
        if n.is_multiple_of(1024) && !tick(u64::from(p - first), total) {
            return false;
        }
        last = p;
        let id = PacketId(p);
        let Some(sum) = store.summary(id) else {
            continue;
        };
        let dir = sender(store, c, p);
        let r = &mut dirs[dir.index()];
        let mut seq = sum.seq;
        if sum.tcp_flags & tcp_flags::SYN != 0 {
            r.start_after_syn(sum.seq);
            seq = seq.wrapping_add(1);
        }
        if sum.payload_len == 0 || sum.tcp_flags & tcp_flags::RST != 0 {
            continue;
        }
        let payload = store.tcp_payload(id);
        r.push(p, seq, payload, &mut out);
        for d in out.drain(..) {
            more &= sink(dir, p, d);
        }
    }
    // End of the conversation: what is still held, both directions, by delivering packet.
    let mut rest: Vec<(u32, Direction, Delivery<'_>)> = Vec::new();
    for dir in Direction::BOTH {
        dirs[dir.index()].finish(&mut out);
        let mut at = last;
        for d in out.drain(..) {
            if let Delivery::Data { packet, .. } = &d {
                at = *packet;
            }
            rest.push((at, dir, d));
        }
    }
    rest.sort_by_key(|x| x.0);
    for (at, dir, d) in rest {
        sink(dir, at, d);
    }
    true
}

/// The reassembled bytes of conversation `conversation` (`tcp.stream`), at most
/// `max_bytes` of them; empty when there is no such conversation. Out-of-order
/// segments are held up to 4 MiB per direction before a hole is given up as a gap.
pub fn follow_stream(store: &Store, conversation: u32, max_bytes: usize) -> FollowStream {
    let mut fs = FollowStream::default();
    let Some(c) = store.analysis.tcp.conversations.get(conversation as usize) else {
        return fs;
    };
    replay(
        store,
        conversation,
        c,
        |dir, at, d| {
            fs.deliver(dir, vec![d], at, max_bytes);
            !fs.truncated
        },
        |_, _| true,
    );
    fs
}

/// The streams as text, like Wireshark's Follow TCP Stream ASCII view: printable
/// ASCII, tabs and line breaks as they are, anything else as `.`; each chunk
/// starts on a new line.
pub fn follow_text(fs: &FollowStream) -> String {
    let mut s = String::with_capacity(fs.total_bytes + fs.chunks.len());
    for (_, bytes) in &fs.chunks {
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        let mut it = bytes.iter().peekable();
        while let Some(&b) = it.next() {
            match b {
                b'\r' if it.peek() == Some(&&b'\n') => {}
                b'\n' | b'\t' | 0x20..=0x7e => s.push(char::from(b)),
                _ => s.push('.'),
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::testutil::sample;
    use super::*;

    #[test]
    fn polling_stream_starts_with_the_get_then_the_answer() {
        let store = sample("socketio-chat.pcap");
        let fs = follow_stream(&store, 0, 1 << 20);
        assert!(!fs.truncated);
        assert_eq!(fs.gaps, 0);
        assert_eq!(fs.chunks.len(), 2);
        let (c0, b0) = &fs.chunks[0];
        assert_eq!(*c0, Direction::FromClient);
        assert!(b0.starts_with(b"GET /socket.io/?EIO=4&transport=polling"));
        let (c1, b1) = &fs.chunks[1];
        assert_eq!(*c1, Direction::FromServer);
        assert!(b1.starts_with(b"HTTP/1.1 200 OK"));
        assert_eq!(fs.chunk_packets, [3, 5]);
        let conv = &store.analysis.tcp.conversations[0];
        assert_eq!(b0.len() as u64, conv.totals().bytes[0]);
        assert_eq!(b1.len() as u64, conv.totals().bytes[1]);
        assert_eq!(fs.total_bytes, b0.len() + b1.len());
    }

    #[test]
    fn http_get_text_and_truncation_and_unknown() {
        let store = sample("http-get.pcap");
        let fs = follow_stream(&store, 0, usize::MAX);
        let text = follow_text(&fs);
        assert!(text.starts_with("GET /"), "{text}");
        assert!(text.contains("Hello from layerscope!"), "{text}");
        assert!(!text.contains('\r'));

        let cut = follow_stream(&store, 0, 10);
        assert!(cut.truncated);
        assert_eq!(cut.total_bytes, 10);
        assert_eq!(
            cut.chunks,
            vec![(Direction::FromClient, b"GET /hello".to_vec())]
        );
        let none = follow_stream(&store, 0, 0);
        assert!(none.chunks.is_empty() && none.truncated);

        let empty = follow_stream(&store, 42, 100);
        assert!(empty.chunks.is_empty() && !empty.truncated);
        assert_eq!(follow_text(&empty), "");
    }

    #[test]
    fn binary_websocket_bytes_render_as_dots() {
        let store = sample("websocket-deflate.pcap");
        let fs = follow_stream(&store, 0, 1 << 20);
        let text = follow_text(&fs);
        assert!(text.contains("Upgrade: websocket"));
        assert!(text.contains('.'));
        assert!(text
            .chars()
            .all(|c| c == '\n' || c == '\t' || (' '..='~').contains(&c)));
    }

    #[test]
    fn gaps_are_marked_inline() {
        let mut fs = FollowStream::default();
        fs.add(Direction::FromClient, 0, b"abc", 100);
        fs.gap(Direction::FromClient, 1, 5, 100);
        fs.add(Direction::FromServer, 2, b"xyz", 100);
        assert_eq!(fs.gaps, 5);
        assert_eq!(
            fs.gap_marks,
            [GapMark {
                chunk: 0,
                offset: 3,
                len: 5
            }]
        );
        assert_eq!(follow_text(&fs), "abc[5 bytes missing]\nxyz");
    }
}
