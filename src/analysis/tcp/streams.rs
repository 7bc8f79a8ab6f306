//! The stream state of the conversations still open during an analysis pass: a
//! reassembler per direction and the parsers above it. State is allocated only for a
//! conversation that carries data (a SYN alone costs nothing here), dropped as soon as
//! the conversation closes, and capped at [`MAX_OPEN_STREAMS`] at once: past the cap,
//! the conversations idle the longest are closed early and marked, so no capture can
//! exhaust memory through its number of connections.

use super::reassembly::{self, Delivery, Reassembler};
use super::{note, tcp_flags, Seg, StreamSink, StreamTotals, TcpConversation, MAX_TOTAL_HELD};
use crate::ids::{Direction, PacketId};

/// Conversations whose streams are followed at once. Past it, the eighth idle the
/// longest are closed early: their holes are given up, the parsers above see the end,
/// and their later segments are marked as not reassembled.
pub const MAX_OPEN_STREAMS: usize = 1_000_000;

/// The stream state of one open conversation: a reassembler per direction
/// (by [`Direction::index`]) and the parsers fed by them.
struct Active<C> {
    dirs: [Reassembler; 2],
    up: C,
}

/// Stream state of the conversations still open, alive only during the analysis pass.
pub(super) struct Streams<C> {
    /// By conversation (ids are dense): a pointer per conversation, no hashing per segment.
    open: Vec<Option<Box<Active<C>>>>,
    /// How many of `open` are `Some`.
    open_count: usize,
    /// At most this many open at once ([`MAX_OPEN_STREAMS`]; smaller in tests).
    limit: usize,
    held_total: usize,
}

impl<C> Default for Streams<C> {
    fn default() -> Self {
        Streams::with_limit(MAX_OPEN_STREAMS)
    }
}

impl<C> Streams<C> {
    pub(super) fn with_limit(limit: usize) -> Self {
        Streams {
            open: Vec::new(),
            open_count: 0,
            limit: limit.max(1),
            held_total: 0,
        }
    }

    /// Conversations whose stream state is held now.
    pub(super) fn open_count(&self) -> usize {
        self.open_count
    }
}

impl<C: Default> Streams<C> {
    /// Feed segment `i` of conversation `conv`; returns its reassembly notes.
    pub(super) fn feed<'a>(
        &mut self,
        c: &mut TcpConversation,
        conv: u32,
        (i, payload): (usize, &'a [u8]),
        s: &Seg,
        http: &mut impl StreamSink<'a, Conv = C>,
    ) -> u8 {
        let at = conv as usize;
        let d = s.dir.index();
        if s.flags & tcp_flags::SYN != 0 && c.syn_seq[d].is_none() {
            c.syn_seq[d] = Some(s.seq);
        }
        let open = self.open.get(at).is_some_and(Option::is_some);
        if !open {
            if s.len == 0 || c.closed() {
                return 0; // nothing to reassemble yet, or nothing left
            }
            if c.totals().closed_early.is_some() {
                return note::CLOSED_EARLY;
            }
            self.open_state(c, at);
        }
        let Some(Active { dirs, up }) = self.open[at].as_deref_mut() else {
            return 0;
        };
        let r = &mut dirs[d];
        let mut seq = s.seq;
        if s.flags & tcp_flags::SYN != 0 {
            r.start_after_syn(s.seq);
            seq = s.seq.wrapping_add(1);
        }
        let mut n = reassembly::SegmentNote::default();
        if s.len > 0 {
            // Handed on as they come: no list of deliveries per segment.
            let mut out = Handoff {
                sink: &mut *http,
                st: up,
                conv,
                dir: s.dir,
            };
            let before = r.held_bytes();
            n = r.push(i as u32, seq, payload, &mut out);
            self.held_total = self.held_total + r.held_bytes() - before;
            if self.held_total > MAX_TOTAL_HELD {
                let before = r.held_bytes();
                r.finish(&mut out);
                self.held_total -= before;
            }
        }
        if c.closed() {
            // Closed: flush both directions and free their state now, not at the end.
            self.flush(c, conv, http);
        }
        let t = c.streams.get_or_insert_with(Box::default);
        t.retransmitted_segments += u32::from(n.retransmission);
        t.out_of_order_segments += u32::from(n.out_of_order);
        let bit = |on: bool, b: u8| if on { b } else { 0 };
        bit(n.retransmission, note::RETRANSMISSION)
            | bit(n.overlap, note::OVERLAP)
            | bit(n.out_of_order, note::OUT_OF_ORDER)
            | bit(n.late, note::LATE)
    }

    /// Allocate the stream state of conversation `at`, its first data arriving: each
    /// direction whose SYN was seen starts after its initial sequence number.
    fn open_state(&mut self, c: &mut TcpConversation, at: usize) {
        if self.open.len() <= at {
            self.open.resize_with(at + 1, || None);
        }
        let mut a = Box::new(Active {
            dirs: Default::default(),
            up: C::default(),
        });
        for d in Direction::BOTH {
            if let Some(isn) = c.syn_seq[d.index()] {
                a.dirs[d.index()].start_after_syn(isn);
            }
        }
        self.open[at] = Some(a);
        self.open_count += 1;
        c.streams.get_or_insert_with(Box::default);
    }

    /// Over the limit: close early the eighth of the open conversations idle the longest
    /// (their last packet the oldest), marking each with `now`, the packet that found
    /// the limit reached. Deterministic: it depends on the packets alone.
    pub(super) fn enforce_limit<'a>(
        &mut self,
        convs: &mut [TcpConversation],
        now: PacketId,
        http: &mut impl StreamSink<'a, Conv = C>,
    ) {
        if self.open_count <= self.limit {
            return;
        }
        let mut idle: Vec<(u32, u32)> = (self.open.iter().enumerate())
            .filter(|(_, a)| a.is_some())
            .map(|(conv, _)| (convs[conv].last_packet.0, conv as u32))
            .collect();
        let n = (self.limit / 8).clamp(1, idle.len());
        idle.select_nth_unstable(n - 1);
        for &(_, conv) in &idle[..n] {
            let c = &mut convs[conv as usize];
            self.flush(c, conv, http);
            c.streams.get_or_insert_with(Box::default).closed_early = Some(now);
        }
    }

    /// End of capture: give up remaining holes and record each direction's totals.
    pub(super) fn finish<'a>(
        &mut self,
        convs: &mut [TcpConversation],
        http: &mut impl StreamSink<'a, Conv = C>,
    ) {
        let open: Vec<u32> = (0..self.open.len() as u32)
            .filter(|&c| self.open[c as usize].is_some())
            .collect();
        for conv in open {
            self.flush(&mut convs[conv as usize], conv, http);
        }
    }

    /// Give up the holes of both directions of `conv`, add their totals to `c`,
    /// and drop its state.
    fn flush<'a>(
        &mut self,
        c: &mut TcpConversation,
        conv: u32,
        http: &mut impl StreamSink<'a, Conv = C>,
    ) {
        let Some(mut st) = self.open.get_mut(conv as usize).and_then(Option::take) else {
            return;
        };
        self.open_count -= 1;
        let t: &mut StreamTotals = c.streams.get_or_insert_with(Box::default);
        for dir in Direction::BOTH {
            let r = &mut st.dirs[dir.index()];
            let before = r.held_bytes();
            r.finish(&mut Handoff {
                sink: &mut *http,
                st: &mut st.up,
                conv,
                dir,
            });
            self.held_total -= before;
            t.bytes[dir.index()] += r.delivered_bytes;
            t.gap_bytes[dir.index()] += r.gap_bytes;
            t.late_bytes[dir.index()] += r.late_bytes;
        }
        http.end(st.up, conv);
    }
}

/// Hands reassembled bytes and gaps of one direction on to the parsers above,
/// each as the reassembler gives it.
struct Handoff<'s, 'a, S: StreamSink<'a>> {
    sink: &'s mut S,
    st: &'s mut S::Conv,
    conv: u32,
    dir: Direction,
}

impl<'a, S: StreamSink<'a>> Extend<Delivery<'a>> for Handoff<'_, 'a, S> {
    fn extend<I: IntoIterator<Item = Delivery<'a>>>(&mut self, deliveries: I) {
        for d in deliveries {
            match d {
                Delivery::Data {
                    packet,
                    offset,
                    bytes,
                } => (self.sink).data(self.st, self.conv, self.dir, (packet, offset), bytes),
                Delivery::Gap { len } => self.sink.gap(self.st, self.conv, self.dir, len),
            }
        }
    }
}
