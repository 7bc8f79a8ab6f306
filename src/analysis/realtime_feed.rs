//! What the WebSocket and HTTP parsers hand to [`Realtime`], in order, so that
//! Engine.IO and Socket.IO (with the JSON check of every Socket.IO packet, the
//! larger part of their cost) can run on a thread of their own, a batch behind.
//!
//! Nothing flows back: the session of a WebSocket connection is known to
//! [`Realtime`] alone while the pass runs ([`Realtime::websocket_session_of`]),
//! and is copied to the connection's record when the feed has been applied.

use super::engineio::PacketType;
use super::http::EioTarget;
use super::realtime::{Carrier, Realtime};
use super::upper::{Keep, PayloadRef};
use crate::ids::Direction;

/// One call on [`Realtime`], waiting in a [`RealtimeFeed`].
#[derive(Debug)]
enum Call {
    /// A WebSocket connection whose handshake named an Engine.IO target.
    WebSocket {
        target: EioTarget,
        conv: u32,
        connection: u32,
    },
    /// A complete message of such a connection; its payload (or, for a binary
    /// message, the part Engine.IO reads) is `bytes` in the feed.
    WsMessage {
        connection: u32,
        conv: u32,
        dir: Direction,
        text: bool,
        bytes: (usize, usize),
        len: u32,
        carrier: Carrier,
        packet: u32,
    },
    /// Where a long-polling body is kept.
    KeepBody { message: u32, at: PayloadRef },
    /// A complete long-polling body.
    PollingBody {
        target: EioTarget,
        conv: u32,
        dir: Direction,
        body: Vec<u8>,
        carrier: Carrier,
        packet: u32,
    },
}

/// Calls on [`Realtime`] waiting to be applied, with the payload bytes they
/// need copied in one buffer (reused batch after batch).
#[derive(Debug, Default)]
pub struct RealtimeFeed {
    calls: Vec<Call>,
    bytes: Vec<u8>,
}

impl RealtimeFeed {
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// See [`Realtime::websocket_session`].
    pub fn websocket(&mut self, target: &EioTarget, conv: u32, connection: u32) {
        self.calls.push(Call::WebSocket {
            target: target.clone(),
            conv,
            connection,
        });
    }

    /// See [`Realtime::ws_message`]. Of a binary message only the type byte is
    /// copied, unless it could be an Engine.IO v3 open packet: the rest is an
    /// attachment, of which Engine.IO keeps only the length.
    #[allow(clippy::too_many_arguments)]
    pub fn ws_message(
        &mut self,
        (conv, connection): (u32, u32),
        dir: Direction,
        text: bool,
        payload: &[u8],
        carrier: Carrier,
        packet: u32,
    ) {
        let read = match payload.first() {
            Some(&t) if !text && PacketType::from_number(t) != Some(PacketType::Open) => 1,
            _ => payload.len(),
        };
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&payload[..read]);
        self.calls.push(Call::WsMessage {
            connection,
            conv,
            dir,
            text,
            bytes: (start, read),
            len: u32::try_from(payload.len()).unwrap_or(u32::MAX),
            carrier,
            packet,
        });
    }

    /// See [`Realtime::keep_body`].
    pub fn keep_body(&mut self, message: u32, at: PayloadRef) {
        self.calls.push(Call::KeepBody { message, at });
    }

    /// See [`Realtime::polling_body`].
    pub fn polling_body(
        &mut self,
        target: EioTarget,
        (conv, dir): (u32, Direction),
        body: Vec<u8>,
        carrier: Carrier,
        packet: u32,
    ) {
        self.calls.push(Call::PollingBody {
            target,
            conv,
            dir,
            body,
            carrier,
            packet,
        });
    }

    /// Make every call, in order, and empty the feed (its buffers stay).
    pub fn apply(&mut self, rt: &mut Realtime, keep: Keep) {
        for call in self.calls.drain(..) {
            match call {
                Call::WebSocket {
                    target,
                    conv,
                    connection,
                } => rt.websocket_session(&target, conv, connection),
                Call::WsMessage {
                    connection,
                    conv,
                    dir,
                    text,
                    bytes: (start, n),
                    len,
                    carrier,
                    packet,
                } => {
                    let payload = self.bytes.get(start..start + n).unwrap_or_default();
                    let msg = (payload, len);
                    rt.ws_message(keep, (conv, connection), dir, text, msg, carrier, packet);
                }
                Call::KeepBody { message, at } => rt.keep_body(message, at),
                Call::PollingBody {
                    target,
                    conv,
                    dir,
                    body,
                    carrier,
                    packet,
                } => rt.polling_body(keep, &target, conv, dir, &body, carrier, packet),
            }
        }
        self.bytes.clear();
    }
}
