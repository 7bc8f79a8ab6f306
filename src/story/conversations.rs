//! The conversation list: one row per TCP conversation, and one per Engine.IO
//! session (which can span several conversations).

use serde::Serialize;

use super::{endpoints, secs};
use crate::analysis::realtime::Carrier;
use crate::analysis::tcp::{Handshake, TcpConversation};
use crate::store::Store;

/// One TCP conversation, in words.
#[derive(Clone, Debug, Serialize)]
pub struct ConversationRow {
    /// `tcp.stream`.
    pub id: u32,
    /// `127.0.0.1:46262`, `[::1]:18086`.
    pub client: String,
    pub server: String,
    /// `completed`, `refused`, `half-open`, `joined mid-stream`...
    pub handshake: &'static str,
    /// SYN → SYN-ACK → ACK, in milliseconds, when the whole handshake was seen.
    pub initial_rtt_ms: Option<f64>,
    pub packets: u32,
    /// Captured bytes of its packets (frames, headers included).
    pub bytes: u64,
    /// Reassembled payload bytes, client → server and server → client.
    pub stream_bytes: [u64; 2],
    /// Payload bytes never captured, per direction.
    pub missing_bytes: [u64; 2],
    /// First and last packet (0-based indexes).
    pub first_packet: u32,
    pub last_packet: u32,
    /// Seconds from the capture's first packet to this conversation's first.
    pub start_s: f64,
    pub duration_s: f64,
    /// `FIN from client first`, `reset by server`, `open at end of capture`...
    pub teardown: String,
    /// What rides on it: `HTTP`, `WebSocket`, `WebSocket (deflate)`,
    /// `Engine.IO <sid>`, `Socket.IO /, /admin`.
    pub tags: Vec<String>,
}

/// One Engine.IO session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionRow {
    /// Index into the capture's sessions.
    pub id: u32,
    pub sid: Option<String>,
    /// The server, as its requests named it (`Host`); empty without one.
    pub host: String,
    /// Engine.IO protocol version (3 or 4).
    pub version: u8,
    /// TCP conversations that carried it, in order of first use.
    pub conversations: Vec<u32>,
    /// `polling`, `websocket`, in order of first use.
    pub transports: Vec<&'static str>,
    /// Engine.IO packets.
    pub packets: u64,
    pub first_packet: u32,
    pub last_packet: u32,
    pub duration_s: f64,
    pub ping_interval_ms: Option<u64>,
    pub ping_timeout_ms: Option<u64>,
    /// Heartbeat findings (late or missing pong...); empty when healthy.
    pub health: Vec<String>,
    /// Socket.IO namespaces used, in order of first use.
    pub namespaces: Vec<String>,
}

/// The handshake outcome in a few words.
pub fn handshake_words(h: Handshake) -> &'static str {
    match h {
        Handshake::Start => "no segment",
        Handshake::SynSent { .. } => "half-open (SYN unanswered)",
        Handshake::SynReceived { .. } => "half-open (final ACK not seen)",
        Handshake::SynAckFirst { .. } => "half-open (SYN-ACK before SYN)",
        Handshake::Established {
            in_capture_order: true,
        } => "completed",
        Handshake::Established {
            in_capture_order: false,
        } => "completed (out of order)",
        Handshake::Refused => "refused",
        Handshake::SimultaneousOpen => "simultaneous open",
        Handshake::MidStream => "joined mid-stream",
    }
}

/// How the conversation ended, in words.
pub fn teardown_words(store: &Store, c: &TcpConversation) -> String {
    if c.refused() {
        return "refused (RST answered the SYN)".into();
    }
    let t = &c.teardown;
    let reset = t.reset.map(|p| super::sender(store, c, p.0).sender());
    match (t.first_fin, reset) {
        (Some((f, by)), Some(r)) if t.reset.is_some_and(|p| p > f) => {
            format!("FIN from {} first, then reset by {r}", by.sender())
        }
        (_, Some(r)) => format!("reset by {r}"),
        (Some((_, by)), None) if t.fins == [true, true] => {
            format!("FIN from {} first", by.sender())
        }
        (Some((_, by)), None) => {
            format!("FIN from {} only, open at end of capture", by.sender())
        }
        (None, None) => "open at end of capture".into(),
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// What rides on each TCP conversation, found in one pass over the records and
/// kept compact (a few bytes per conversation): a list of a big capture's
/// conversations puts a row in words only when it is shown
/// ([`conversation_row`]).
#[derive(Default)]
pub struct Carried {
    /// Per conversation: `carried::*` bits.
    kinds: Vec<u8>,
    /// (conversation, Engine.IO session), by conversation, sessions in order.
    sessions: Vec<(u32, u32)>,
    /// (conversation, Socket.IO namespace), by conversation, in order of first use.
    namespaces: Vec<(u32, u16)>,
}

mod carried {
    pub const HTTP: u8 = 1;
    pub const WEBSOCKET: u8 = 2;
    pub const WEBSOCKET_DEFLATE: u8 = 4;
    pub const WEBSOCKET_GUESSED: u8 = 8;
}

impl Carried {
    /// The conversations of `store` so far.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    fn of<T: Copy>(v: &[(u32, T)], conv: u32) -> impl Iterator<Item = T> + '_ {
        let start = v.partition_point(|&(c, _)| c < conv);
        v[start..]
            .iter()
            .take_while(move |&&(c, _)| c == conv)
            .map(|&(_, x)| x)
    }
}

/// What rides on every conversation of `store` (see [`Carried`]).
pub fn carried(store: &Store) -> Carried {
    let tcp = &store.analysis.tcp;
    let up = &store.analysis.upper;
    let rt = &up.realtime;
    let mut kinds = vec![0u8; tcp.conversations.len()];
    let mut set = |conv: u32, bit: u8| {
        if let Some(k) = kinds.get_mut(conv as usize) {
            *k |= bit;
        }
    };
    for m in &up.http.messages {
        set(m.conversation, carried::HTTP);
    }
    for w in &up.ws_connections {
        let bit = match (w.deflate, w.guessed) {
            (true, _) => carried::WEBSOCKET_DEFLATE,
            (false, true) => carried::WEBSOCKET_GUESSED,
            (false, false) => carried::WEBSOCKET,
        };
        set(w.conversation, bit);
    }
    let mut sessions: Vec<(u32, u32)> = (rt.sessions.iter().enumerate())
        .flat_map(|(i, s)| s.conversations.iter().map(move |&c| (c, i as u32)))
        .collect();
    // Stable: each conversation's sessions stay in session order.
    sessions.sort_by_key(|&(c, _)| c);
    sessions.dedup();
    // Runs of records on one conversation and namespace are the rule: one
    // entry per run, then each namespace's first use in its conversation.
    let mut namespaces: Vec<(u32, u16)> = Vec::new();
    for s in &rt.socketio {
        let Some(e) = rt.eio.get(s.eio as usize) else {
            continue;
        };
        let x = (store.eio_conversation(e), s.nsp);
        if namespaces.last() != Some(&x) {
            namespaces.push(x);
        }
    }
    namespaces.sort_by_key(|&(c, _)| c);
    let mut kept = 0;
    for i in 0..namespaces.len() {
        let x = namespaces[i];
        let group = namespaces[..kept]
            .iter()
            .rev()
            .take_while(|&&(c, _)| c == x.0);
        if !group.into_iter().any(|&y| y == x) {
            namespaces[kept] = x;
            kept += 1;
        }
    }
    namespaces.truncate(kept);
    Carried {
        kinds,
        sessions,
        namespaces,
    }
}

/// What rides on conversation `i`: `HTTP`, `WebSocket`, `Engine.IO <sid>`, `Socket.IO /`...
fn tags(store: &Store, carried: &Carried, i: u32) -> Vec<String> {
    let rt = &store.analysis.upper.realtime;
    let mut tags: Vec<String> = Vec::new();
    let kinds = carried.kinds.get(i as usize).copied().unwrap_or(0);
    for (bit, name) in [
        (carried::HTTP, "HTTP"),
        (carried::WEBSOCKET, "WebSocket"),
        (carried::WEBSOCKET_DEFLATE, "WebSocket (deflate)"),
        (carried::WEBSOCKET_GUESSED, "WebSocket (guessed)"),
    ] {
        if kinds & bit != 0 {
            tags.push(name.into());
        }
    }
    for s in Carried::of(&carried.sessions, i) {
        let t = match rt.sessions.get(s as usize).and_then(|s| s.sid.as_ref()) {
            Some(sid) => format!("Engine.IO {sid}"),
            None => "Engine.IO".into(),
        };
        push_unique(&mut tags, t);
    }
    let names: Vec<&str> = Carried::of(&carried.namespaces, i)
        .map(|n| rt.namespace(n))
        .collect();
    if !names.is_empty() {
        tags.push(format!("Socket.IO {}", names.join(", ")));
    }
    tags
}

/// The row of conversation `i`, put in words.
pub fn conversation_row(store: &Store, carried: &Carried, i: u32) -> Option<ConversationRow> {
    let c = store.analysis.tcp.conversations.get(i as usize)?;
    let tags = tags(store, carried, i);
    let (client, server) = endpoints(store, c);
    let (first, last) = (c.first_packet.0, c.last_packet.0);
    Some(ConversationRow {
        id: i,
        client,
        server,
        handshake: handshake_words(c.handshake),
        initial_rtt_ms: c
            .rtt_syn_ns()
            .zip(c.rtt_ack_ns())
            .map(|(a, b)| a.saturating_add(b) as f64 / 1e6),
        packets: c.packets,
        bytes: c.frame_bytes,
        stream_bytes: c.totals().bytes,
        missing_bytes: c.totals().gap_bytes,
        first_packet: first,
        last_packet: last,
        start_s: secs(store.first_ts_ns(), store.ts_ns(first)),
        duration_s: secs(store.ts_ns(first), store.ts_ns(last)),
        teardown: teardown_words(store, c),
        tags,
    })
}

/// A column of the conversation list, to sort it by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortBy {
    /// `tcp.stream`.
    #[default]
    Id,
    /// Client, then server (addresses as numbers, then ports).
    Endpoints,
    /// The handshake's outcome in words, then its round-trip time.
    Handshake,
    Packets,
    Bytes,
    Duration,
    /// What rides on it, in words.
    Carries,
}

/// `ids` ordered by `key`, ties kept in order, descending when asked.
fn order_by<K: Ord>(
    ids: impl Iterator<Item = u32>,
    key: impl Fn(u32) -> K,
    descending: bool,
) -> Vec<u32> {
    let mut v: Vec<(K, u32)> = ids.map(|i| (key(i), i)).collect();
    if descending {
        v.sort_by(|a, b| b.0.cmp(&a.0));
    } else {
        v.sort_by(|a, b| a.0.cmp(&b.0));
    }
    v.into_iter().map(|(_, i)| i).collect()
}

/// The conversations of `store` (`tcp.stream` numbers) in the order of column
/// `by`, ties in `tcp.stream` order. Only the Carries column puts rows in
/// words; the others read the records.
pub fn sorted(store: &Store, carried: &Carried, by: SortBy, descending: bool) -> Vec<u32> {
    let convs = &store.analysis.tcp.conversations;
    let ids = 0..carried.len().min(convs.len()) as u32;
    let conv = |i: u32| &convs[i as usize];
    match by {
        SortBy::Id => order_by(ids, |i| i, descending),
        SortBy::Endpoints => order_by(ids, |i| super::endpoint_addrs(store, conv(i)), descending),
        SortBy::Handshake => order_by(
            ids,
            |i| {
                let c = conv(i);
                let rtt = c
                    .rtt_syn_ns()
                    .zip(c.rtt_ack_ns())
                    .map(|(a, b)| a.saturating_add(b));
                (handshake_words(c.handshake), rtt)
            },
            descending,
        ),
        SortBy::Packets => order_by(ids, |i| conv(i).packets, descending),
        SortBy::Bytes => order_by(ids, |i| conv(i).frame_bytes, descending),
        SortBy::Duration => order_by(
            ids,
            |i| {
                let c = conv(i);
                store
                    .ts_ns(c.last_packet.0)
                    .saturating_sub(store.ts_ns(c.first_packet.0))
            },
            descending,
        ),
        SortBy::Carries => order_by(ids, |i| tags(store, carried, i), descending),
    }
}

/// One row per TCP conversation, in `tcp.stream` order.
pub fn conversations(store: &Store) -> Vec<ConversationRow> {
    let carried = carried(store);
    (0..carried.len() as u32)
        .filter_map(|i| conversation_row(store, &carried, i))
        .collect()
}

/// One row per Engine.IO session, in order of first appearance.
pub fn sessions(store: &Store) -> Vec<SessionRow> {
    let rt = &store.analysis.upper.realtime;
    let n = rt.sessions.len();
    let mut transports: Vec<Vec<&'static str>> = vec![Vec::new(); n];
    for e in &rt.eio {
        let t = match e.carrier {
            Carrier::WsMessage(_) => "websocket",
            Carrier::HttpBody(..) => "polling",
        };
        if let Some(v) = transports.get_mut(e.session as usize) {
            push_unique(v, t);
        }
    }
    let mut nsps: Vec<Vec<u16>> = vec![Vec::new(); n];
    for s in &rt.socketio {
        let sess = rt.eio.get(s.eio as usize).map(|e| e.session);
        if let Some(v) = sess.and_then(|x| nsps.get_mut(x as usize)) {
            push_unique(v, s.nsp);
        }
    }
    (rt.sessions.iter().enumerate())
        .map(|(i, s)| {
            let mut tr = transports
                .get_mut(i)
                .map(std::mem::take)
                .unwrap_or_default();
            if s.websocket.is_some() {
                push_unique(&mut tr, "websocket");
            }
            SessionRow {
                id: i as u32,
                sid: s.sid.clone(),
                host: s.host.clone(),
                version: s.version,
                conversations: s.conversations.clone(),
                transports: tr,
                packets: s.packets,
                first_packet: s.first_packet,
                last_packet: s.last_packet,
                duration_s: secs(store.ts_ns(s.first_packet), store.ts_ns(s.last_packet)),
                ping_interval_ms: s.ping_interval_ms,
                ping_timeout_ms: s.ping_timeout_ms,
                health: s.health.clone(),
                namespaces: (nsps.get(i).into_iter().flatten())
                    .map(|&x| rt.namespace(x).to_string())
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::sample;
    use super::*;

    /// Each column orders the rows by what it shows; ties stay in `tcp.stream` order.
    #[test]
    fn sorted_by_each_column() {
        let store = sample("socketio-chat.pcap");
        let carried = carried(&store);
        let rows = conversations(&store);
        let by = |b, desc| sorted(&store, &carried, b, desc);
        assert_eq!(by(SortBy::Id, false), [0, 1, 2, 3]);
        assert_eq!(by(SortBy::Id, true), [3, 2, 1, 0]);
        let packets = by(SortBy::Packets, true);
        assert_ne!(
            packets,
            [0, 1, 2, 3],
            "the WebSocket conversation has most packets"
        );
        assert_eq!(packets[0], 2);
        let counts: Vec<u32> = packets.iter().map(|&i| rows[i as usize].packets).collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
        let bytes = by(SortBy::Bytes, false);
        let b: Vec<u64> = bytes.iter().map(|&i| rows[i as usize].bytes).collect();
        assert!(b.windows(2).all(|w| w[0] <= w[1]), "{b:?}");
        let ends = by(SortBy::Endpoints, false);
        let e: Vec<u16> = (ends.iter())
            .map(|&i| {
                rows[i as usize]
                    .client
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(e.windows(2).all(|w| w[0] <= w[1]), "{e:?}");
        let d = by(SortBy::Duration, true);
        let secs: Vec<f64> = d.iter().map(|&i| rows[i as usize].duration_s).collect();
        assert!(secs.windows(2).all(|w| w[0] >= w[1]), "{secs:?}");
        let tags = by(SortBy::Carries, false);
        let t: Vec<&Vec<String>> = tags.iter().map(|&i| &rows[i as usize].tags).collect();
        assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
        assert_eq!(by(SortBy::Handshake, false).len(), 4);
    }

    #[test]
    fn socketio_chat_has_four_conversations_and_one_session() {
        let store = sample("socketio-chat.pcap");
        let rows = conversations(&store);
        assert_eq!(rows.len(), 4);
        let ws = &rows[2];
        assert_eq!(ws.id, 2);
        assert_eq!(ws.client, "127.0.0.1:46262");
        assert_eq!(ws.server, "127.0.0.1:18300");
        assert_eq!(ws.handshake, "completed");
        assert!(ws.initial_rtt_ms.is_some_and(|r| r > 0.0 && r < 1.0));
        assert!(ws.tags.iter().any(|t| t == "WebSocket"), "{:?}", ws.tags);
        assert!(ws
            .tags
            .contains(&"Engine.IO KX86owTm70Tuehy3AAAA".to_string()));
        assert!(ws.tags.contains(&"Socket.IO /".to_string()));
        assert_eq!(ws.teardown, "FIN from server first");
        assert_eq!((ws.first_packet, ws.last_packet), (13, 57));
        assert_eq!(ws.packets, rows[2].packets);
        assert!(ws.bytes > 0 && ws.duration_s > 0.0);
        assert_eq!(rows[0].tags[0], "HTTP");
        assert_eq!(rows[0].teardown, "FIN from server first");
        assert_eq!(rows[3].teardown, "FIN from client first");

        let s = sessions(&store);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].sid.as_deref(), Some("KX86owTm70Tuehy3AAAA"));
        assert_eq!(s[0].conversations.len(), 4);
        assert_eq!(s[0].transports, ["polling", "websocket"]);
        assert_eq!(s[0].namespaces, ["/"]);
        assert_eq!(s[0].ping_interval_ms, Some(25000));
    }

    #[test]
    fn refused_and_ipv6_endpoints() {
        let store = sample("tcp-refused.pcap");
        let rows = conversations(&store);
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.handshake == "refused"));
        assert!(rows[0].teardown.starts_with("refused"));
        assert!(rows[1].client.starts_with("[::1]:"));
        assert_eq!(rows[1].server, "[::1]:18099");
        assert!(sessions(&store).is_empty());

        let polling = sample("socketio-polling.pcap");
        let s = sessions(&polling);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].transports, ["polling"]);
        assert_eq!(s[0].namespaces, ["/", "/admin"]);
        let rows = conversations(&polling);
        assert!(rows
            .iter()
            .any(|r| r.tags.contains(&"Socket.IO /, /admin".to_string())));
        assert!(rows
            .iter()
            .all(|r| !r.tags.iter().any(|t| t.starts_with("WebSocket"))));

        let deflate = sample("socketio-deflate.pcap");
        let rows = conversations(&deflate);
        assert!(
            rows[0].tags.contains(&"WebSocket (deflate)".to_string()),
            "{:?}",
            rows[0].tags
        );

        let v6 = sample("http-get-ipv6.pcap");
        let rows = conversations(&v6);
        assert_eq!(rows[0].server, "[::1]:18086");
        assert_eq!(rows[0].tags, ["HTTP"]);
    }
}
