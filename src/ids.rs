//! Ids shared by the layers of the library: a packet's position and a flow's, as typed
//! numbers, and the two ways of saying which way something travels. They sit below
//! `analysis` and `store`, which both use them, so neither imports the other for them.
//!
//! Direction has two typed names, because there are two different questions:
//! - [`Direction`] (`FromClient` / `FromServer`): which end of a TCP conversation sent a
//!   segment or a record (an HTTP message, a WebSocket frame, an Engine.IO packet...).
//!   Every record and every function above TCP speaks this one; per-direction arrays
//!   are indexed with [`Direction::index`].
//! - [`FlowSide`] (`AsKey` / `Reversed`): which way a packet travels relative to its
//!   flow's key, known as soon as the packet is put into its flow, before any
//!   conversation decides who the client is. It lives in the per-packet
//!   [`crate::dissect::Summary`] (one byte, like the `u8` it replaced) and is turned into
//!   a [`Direction`] by the packet's TCP conversation, which knows the client's side.

use serde::Serialize;

/// A packet's position in the capture (0-based; users see `index + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PacketId(pub u32);

impl PacketId {
    /// The number shown to people (1-based).
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A flow's position in the store's flow table ([`crate::store::FlowTable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FlowId(pub u32);

/// Which end of a TCP conversation sent something: the client (the side that sent the
/// SYN, or the first sender when the handshake was not captured) or the server.
///
/// One byte. Per-direction arrays (`[T; 2]`, such as a conversation's `stream_bytes`)
/// are indexed with [`Direction::index`]: 0 client → server, 1 server → client.
/// Records whose JSON says `"from_client": true|false` keep saying it through
/// [`serialize_from_client`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Direction {
    FromClient,
    FromServer,
}

impl Direction {
    /// Both directions, in index order.
    pub const BOTH: [Direction; 2] = [Direction::FromClient, Direction::FromServer];

    /// From a flag (kept as a `bool` on purpose: the one conversion from the old spelling).
    pub fn of(from_client: bool) -> Self {
        if from_client {
            Direction::FromClient
        } else {
            Direction::FromServer
        }
    }

    pub fn from_client(self) -> bool {
        self == Direction::FromClient
    }

    /// The index into a per-direction array: 0 client → server, 1 server → client.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The other direction.
    pub fn reverse(self) -> Self {
        match self {
            Direction::FromClient => Direction::FromServer,
            Direction::FromServer => Direction::FromClient,
        }
    }

    /// `client → server` or `server → client`.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::FromClient => "client → server",
            Direction::FromServer => "server → client",
        }
    }

    /// The sender: `client` or `server`.
    pub fn sender(self) -> &'static str {
        match self {
            Direction::FromClient => "client",
            Direction::FromServer => "server",
        }
    }
}

/// Serializes a [`Direction`] as the boolean `from_client`, for records whose JSON
/// field predates the type: `#[serde(rename = "from_client", serialize_with = ...)]`.
pub fn serialize_from_client<S: serde::Serializer>(d: &Direction, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(d.from_client())
}

/// Which way a packet travels relative to its flow's key (the store's flow table keys a
/// flow by its first packet's source and destination): as the key (`src → dst`) or
/// reversed. This is not [`Direction`]: the flow key's source is whoever was seen
/// first, which is the client only when the capture starts with the SYN; a TCP
/// conversation maps one to the other with its `client_side`
/// ([`crate::analysis::tcp::TcpConversation::direction_of`]). One byte, kept in the
/// packed per-packet [`crate::dissect::Summary`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum FlowSide {
    /// Source and destination as in the flow key.
    #[default]
    AsKey = 0,
    /// From the key's destination to its source.
    Reversed = 1,
}

impl FlowSide {
    /// `Reversed` when `reversed`.
    pub fn of(reversed: bool) -> Self {
        if reversed {
            FlowSide::Reversed
        } else {
            FlowSide::AsKey
        }
    }

    /// The index into a per-side array (such as a flow's `isn`): 0 as the key, 1 reversed.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The other side.
    pub fn reverse(self) -> Self {
        match self {
            FlowSide::AsKey => FlowSide::Reversed,
            FlowSide::Reversed => FlowSide::AsKey,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_round_trips_and_indexes() {
        for d in Direction::BOTH {
            assert_eq!(Direction::of(d.from_client()), d);
            assert_eq!(d.reverse().reverse(), d);
            assert_ne!(d.reverse(), d);
            assert_eq!(Direction::BOTH[d.index()], d);
        }
        assert_eq!(Direction::FromClient.index(), 0);
        assert_eq!(Direction::FromServer.arrow(), "server → client");
        assert_eq!(std::mem::size_of::<Direction>(), 1);
        assert_eq!(std::mem::size_of::<FlowSide>(), 1);
        assert_eq!(FlowSide::of(true).index(), 1);
        assert_eq!(FlowSide::default().reverse(), FlowSide::Reversed);
    }
}
