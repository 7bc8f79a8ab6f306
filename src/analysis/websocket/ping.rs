//! Pairing pongs with pings across the two directions (RFC 6455 §5.5.2,
//! §5.5.3): "A Pong frame sent in response to a Ping frame must have identical
//! "Application data" as found in the message body of the Ping frame being
//! replied to", and an endpoint "MAY elect to send a Pong frame for only the
//! most recently processed Ping frame". A pong matching no ping is an
//! unsolicited heartbeat.

use std::collections::VecDeque;

use super::frame::{OP_PING, OP_PONG};
use crate::ids::Direction;

/// Most unanswered pings remembered per direction; older ones are dropped.
pub const MAX_PENDING_PINGS: usize = 1024;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Ping {
    id: u64,
    ts_ns: u64,
    /// Control payloads are at most 125 bytes (RFC 6455 §5.5); longer ones are
    /// compared on their first 125 bytes and their length.
    len: usize,
    payload: Vec<u8>,
}

/// Pairs each pong with the ping it answers.
#[derive(Clone, Debug, Default)]
pub struct PingTracker {
    /// Unanswered pings, by sender ([`Direction::index`]).
    pending: [VecDeque<Ping>; 2],
    dropped: u64,
}

impl PingTracker {
    pub fn new() -> PingTracker {
        PingTracker::default()
    }

    /// A control message: who sent it, its opcode, decoded payload, time and
    /// the caller's id for it. For a pong answering a ping of the other side,
    /// returns that ping's id and the round-trip time (pong time − ping time).
    pub fn observe(
        &mut self,
        dir: Direction,
        opcode: u8,
        payload: &[u8],
        ts_ns: u64,
        id: u64,
    ) -> Option<(u64, u64)> {
        let stored = payload.get(..payload.len().min(125)).unwrap_or_default();
        match opcode {
            OP_PING => {
                let q = &mut self.pending[dir.index()];
                if q.len() >= MAX_PENDING_PINGS {
                    q.pop_front();
                    self.dropped += 1;
                }
                q.push_back(Ping {
                    id,
                    ts_ns,
                    len: payload.len(),
                    payload: stored.to_vec(),
                });
                None
            }
            OP_PONG => {
                // The pong answers a ping sent the other way: the most recent
                // unanswered one with the same payload.
                let q = &mut self.pending[dir.reverse().index()];
                let at = q
                    .iter()
                    .rposition(|p| p.len == payload.len() && p.payload == stored)?;
                let ping = q.remove(at)?;
                Some((ping.id, ts_ns.saturating_sub(ping.ts_ns)))
            }
            _ => None,
        }
    }

    /// Pings never answered: `(sender, id, ts_ns)`, client's first, each
    /// side in order.
    pub fn unanswered(&self) -> impl Iterator<Item = (Direction, u64, u64)> + '_ {
        Direction::BOTH.into_iter().flat_map(move |d| {
            self.pending[d.index()]
                .iter()
                .map(move |p| (d, p.id, p.ts_ns))
        })
    }

    /// Pings forgotten because too many were pending.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Direction = Direction::FromClient;
    const S: Direction = Direction::FromServer;

    #[test]
    fn pong_answers_the_latest_matching_ping_of_the_other_side() {
        let mut t = PingTracker::new();
        assert_eq!(t.observe(C, OP_PING, b"a", 1_000, 1), None);
        assert_eq!(t.observe(C, OP_PING, b"b", 2_000, 2), None);
        assert_eq!(t.observe(C, OP_PING, b"a", 3_000, 3), None);
        // A pong from the client does not answer the client's pings.
        assert_eq!(t.observe(C, OP_PONG, b"a", 3_500, 4), None);
        assert_eq!(t.observe(S, OP_PONG, b"a", 4_000, 5), Some((3, 1_000)));
        assert_eq!(t.observe(S, OP_PONG, b"b", 4_500, 6), Some((2, 2_500)));
        // Unsolicited pong.
        assert_eq!(t.observe(S, OP_PONG, b"zz", 5_000, 7), None);
        assert_eq!(t.observe(S, OP_PING, b"", 6_000, 8), None);
        assert_eq!(t.observe(S, 0x1, b"", 6_000, 9), None);
        assert_eq!(
            t.unanswered().collect::<Vec<_>>(),
            vec![(C, 1, 1_000), (S, 8, 6_000)]
        );
        assert_eq!(t.observe(C, OP_PONG, b"", 7_000, 10), Some((8, 1_000)));
        // A clock going backwards gives 0, not a wrap.
        assert_eq!(t.observe(S, OP_PONG, b"a", 10, 11), Some((1, 0)));
        assert_eq!(t.unanswered().count(), 0);
    }

    #[test]
    fn pending_is_bounded() {
        let mut t = PingTracker::new();
        for i in 0..(MAX_PENDING_PINGS as u64 + 10) {
            t.observe(S, OP_PING, &i.to_be_bytes(), i, i);
        }
        assert_eq!(t.unanswered().count(), MAX_PENDING_PINGS);
        assert_eq!(t.dropped(), 10);
        assert_eq!(t.unanswered().next(), Some((S, 10, 10)));
        // Over-long payloads compare on length too.
        let long = vec![7u8; 200];
        t.observe(C, OP_PING, &long, 0, 99);
        assert_eq!(t.observe(S, OP_PONG, &long[..150], 5, 100), None);
        assert_eq!(t.observe(S, OP_PONG, &long, 5, 100), Some((99, 5)));
    }
}
