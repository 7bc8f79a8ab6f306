//! The story of a capture, told per conversation: what a packet list makes you
//! piece together by hand, computed once for the GUI (and the tests) to draw.
//!
//! - [`conversations`]: one row per TCP conversation (endpoints, handshake,
//!   teardown, what rides on it), and [`sessions`]: Engine.IO sessions that
//!   span several connections.
//! - [`ladder()`]: a sequence diagram of one conversation, one arrow per packet,
//!   grouped into phases (handshake, HTTP, upgrade, WebSocket, Socket.IO, teardown).
//! - [`transcript()`]: a conversation or session read like a chat.
//! - [`follow_stream`]: the reassembled bytes of both directions, like
//!   Wireshark's *Follow TCP Stream*.
//! - [`tcp_states::timeline`]: both endpoints' RFC 9293 states through a
//!   conversation, each transition tied to the segment that caused it, seen or inferred.
//! - [`replay`]: the steps of a conversation, a session or the capture for a
//!   classroom replay, each with its one-sentence story and its milestone.
//! - [`conversation_filter`]: the display filter for "Apply as filter".
//! - [`encapsulation::encapsulation_of`]: one packet's headers added layer by layer
//!   (sending) and removed (receiving), in sentences, for the Encapsulation view.
//!
//! Everything here is plain data (`Serialize`), no GUI types. Packet numbers in
//! these records are 0-based indexes ([`crate::store::PacketId`]); people see
//! `index + 1`. Unknown conversation or session ids give empty results.

pub mod conversations;
pub mod encapsulation;
pub mod follow;
pub mod follow_index;
pub mod ladder;
pub mod replay;
pub mod tcp_states;
pub mod transcript;
pub mod worked;

pub use conversations::{
    carried, conversation_row, conversations, sessions, sorted, Carried, ConversationRow,
    SessionRow, SortBy,
};
pub use follow::{follow_stream, follow_text, FollowStream, GapMark};
pub use follow_index::{FollowIndex, FollowLine};
pub use ladder::{ladder, Arrow, ArrowKind, Ladder, Phase, PhaseSpan};
pub use transcript::{transcript, ChatLine, Transcript};

use std::net::SocketAddr;

use crate::analysis::tcp::TcpConversation;
use crate::ids::{Direction, FlowSide};
use crate::store::{FlowId, PacketId, Store};

/// The display filter selecting one TCP conversation (`tcp.stream == N`);
/// empty when there is no such conversation.
pub fn conversation_filter(store: &Store, conversation: u32) -> String {
    match store.analysis.tcp.conversations.get(conversation as usize) {
        Some(_) => format!("tcp.stream == {conversation}"),
        None => String::new(),
    }
}

/// The packets of conversation `conv`, in capture order.
pub(crate) fn conversation_packets<'a>(
    store: &'a Store,
    conv: u32,
    c: &TcpConversation,
) -> impl Iterator<Item = u32> + 'a {
    let tcp = &store.analysis.tcp;
    (c.first_packet.0..=c.last_packet.0).filter(move |&p| {
        tcp.conversation_of(PacketId(p))
            .is_some_and(|(id, _)| id.0 == conv)
    })
}

/// Client and server of a conversation.
pub(crate) fn endpoint_addrs(
    store: &Store,
    c: &TcpConversation,
) -> Option<(SocketAddr, SocketAddr)> {
    let f = store.flows.get(c.flow)?;
    let a = SocketAddr::new(f.key.src, f.key.sport);
    let b = SocketAddr::new(f.key.dst, f.key.dport);
    Some(if c.client_side == FlowSide::AsKey {
        (a, b)
    } else {
        (b, a)
    })
}

/// Client and server of a conversation as `addr:port` (`[v6]:port`).
pub(crate) fn endpoints(store: &Store, c: &TcpConversation) -> (String, String) {
    endpoint_addrs(store, c).map_or((String::new(), String::new()), |(a, b)| {
        (a.to_string(), b.to_string())
    })
}

/// Who sent packet `p` of `c` (a packet outside `c`'s flow counts as the server's).
pub(crate) fn sender(store: &Store, c: &TcpConversation, p: u32) -> Direction {
    Direction::of(
        store.summary(PacketId(p)).is_some_and(|s| {
            s.dir == c.client_side && s.flow != u32::MAX && FlowId(s.flow) == c.flow
        }),
    )
}

/// `text` cut to at most `max` characters, ending in `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Seconds between two capture timestamps.
pub(crate) fn secs(from_ns: i64, to_ns: i64) -> f64 {
    to_ns.saturating_sub(from_ns) as f64 / 1e9
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::capture::Capture;
    use crate::store::Store;

    /// A sample capture from `samples/`, summarized.
    pub fn sample(name: &str) -> Store {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/").to_string() + name;
        Store::build(Capture::open(std::path::Path::new(&path)).expect("sample opens"))
    }

    /// The conversation of `store` that was upgraded to WebSocket (the chat sample has one).
    pub fn websocket_conversation(store: &Store) -> u32 {
        (0..store.analysis.tcp.conversations.len() as u32)
            .find(|&c| {
                (super::ladder(store, c).arrows.iter()).any(|a| a.phase == super::Phase::Upgrade)
            })
            .expect("the sample has a WebSocket conversation")
    }

    /// The name of every capture in `samples/`, sorted (a new sample joins every test
    /// that walks them all).
    pub fn every_sample() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
        let mut v: Vec<String> = (std::fs::read_dir(dir).expect("samples/"))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
            .collect();
        v.sort();
        assert!(v.len() >= 9, "samples/ lost captures: {v:?}");
        v
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::{every_sample, sample};
    use super::*;

    #[test]
    fn filter_names_the_stream_and_unknown_ids_give_nothing() {
        let store = sample("socketio-chat.pcap");
        assert_eq!(conversation_filter(&store, 2), "tcp.stream == 2");
        assert_eq!(conversation_filter(&store, 99), "");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    /// Every view over every sample and every id (and some past the end) stays
    /// consistent and never panics.
    #[test]
    fn every_view_of_every_sample() {
        for name in every_sample() {
            let name = name.as_str();
            let store = sample(name);
            let rows = conversations(&store);
            let n = rows.len() as u32;
            for c in 0..n + 2 {
                let l = ladder(&store, c);
                assert_eq!(l.arrows.is_empty(), c >= n, "{name} {c}");
                let covered: u32 = l
                    .phases
                    .iter()
                    .map(|s| s.last_arrow - s.first_arrow + 1)
                    .sum();
                assert_eq!(covered as usize, l.arrows.len());
                if let Some(r) = rows.get(c as usize) {
                    assert_eq!(l.arrows.len(), r.packets as usize, "{name} {c}");
                    let fs = follow_stream(&store, c, 1 << 20);
                    assert_eq!(fs.total_bytes as u64, r.stream_bytes[0] + r.stream_bytes[1]);
                    assert_eq!(fs.chunks.len(), fs.chunk_packets.len());
                }
                let _ = transcript(&store, Some(c), None);
            }
            for s in 0..sessions(&store).len() as u32 + 1 {
                let _ = transcript(&store, None, Some(s));
            }
        }
    }
}
