//! Engine.IO sessions and Socket.IO packets, over both transports: WebSocket
//! messages and HTTP long-polling bodies. One Engine.IO session ties together
//! every TCP conversation that carries its `sid` (the polling requests and the
//! WebSocket). Socket.IO emits that ask for an acknowledgement are paired with
//! their ACK; binary attachments are joined to the packet that announced them.
//!
//! The byte-level parsers are [`super::engineio`] and [`super::socketio`]; this
//! module keeps the records, which point back at their carrier (a WebSocket
//! message or an HTTP body) and the packet that completed it.

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};

// Looked up once per Engine.IO message: foldhash, randomly seeded (see Cargo.toml).
type FastMap<K, V> = foldhash::HashMap<K, V>;

use serde::Serialize;

use super::engineio::{self as eio, PacketType};
use super::http::EioTarget;
use super::socketio::{self as sio, SioType};
use super::upper::{Keep, PayloadRef};
use crate::ids::Direction;

/// What carried an Engine.IO packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Carrier {
    /// A WebSocket message (index into `Upper::ws_messages`): one packet.
    WsMessage(u32),
    /// An HTTP long-polling body (HTTP message index; the body is in
    /// [`Realtime::body`]).
    HttpBody(u32),
}

/// One Engine.IO packet.
#[derive(Clone, Copy, Debug)]
pub struct EioRecord {
    pub session: u32,
    pub carrier: Carrier,
    /// Where it sits in the carrier's decoded payload.
    pub range: (u32, u32),
    pub kind: PacketType,
    pub binary: bool,
    pub dir: Direction,
    /// The packet that completed its carrier (its TCP conversation is the packet's).
    pub packet: u32,
    /// The Socket.IO packet it carries (index into `socketio`), if any.
    pub socketio: Option<u32>,
}

/// One Socket.IO packet.
#[derive(Clone, Debug)]
pub struct SioRecord {
    /// The Engine.IO message packet carrying it.
    pub eio: u32,
    pub kind: SioType,
    pub nsp: u16,
    pub ack_id: Option<u64>,
    /// Binary attachments announced (the Engine.IO packets that carried them:
    /// [`Realtime::attached`]).
    pub attachments: u32,
    /// For an emit that asked for an ack: the ACK packet (index into `socketio`).
    pub answered_by: Option<u32>,
    /// For an ACK: the emit it answers.
    pub answers: Option<u32>,
    /// Its data is plain JSON (see [`super::json_scan`]): its Info is written from
    /// the text without checking the JSON again.
    pub plain: bool,
}

/// One Engine.IO session.
#[derive(Clone, Debug, Default, Serialize)]
pub struct EioSession {
    pub sid: Option<String>,
    /// The server it was opened on, as the client named it (its requests' `Host`,
    /// lower case; empty without one): sids are unique on one server only.
    pub host: String,
    pub version: u8,
    /// TCP conversations that carried it, in order of first use.
    pub conversations: Vec<u32>,
    /// The WebSocket connection it upgraded to (or started on).
    pub websocket: Option<u32>,
    pub ping_interval_ms: Option<u64>,
    pub ping_timeout_ms: Option<u64>,
    pub max_payload: Option<u64>,
    pub upgrades: Vec<String>,
    pub packets: u64,
    pub first_packet: u32,
    pub last_packet: u32,
    /// Session health findings (late or missing pong...), filled by `finish`.
    pub health: Vec<String>,
}

/// Counters kept in both modes.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct RealtimeCounts {
    pub eio_sessions: u64,
    pub eio_packets: u64,
    pub sio_packets: u64,
    pub sio_events: u64,
    pub sio_acks: u64,
    pub sio_connects: u64,
    pub sio_disconnects: u64,
    pub sio_binary: u64,
    pub sio_errors: u64,
    pub namespaces: BTreeSet<String>,
    pub unanswered_acks: u64,
}

/// Engine.IO and Socket.IO over the whole capture.
#[derive(Default)]
pub struct Realtime {
    pub sessions: Vec<EioSession>,
    pub eio: Vec<EioRecord>,
    pub socketio: Vec<SioRecord>,
    pub namespaces: Vec<String>,
    pub counts: RealtimeCounts,
    /// Sessions by (host, sid).
    by_sid: HashMap<(String, String), u32>,
    acks: sio::AckTracker,
    /// Per (session, sender): the Socket.IO packet waiting for attachments.
    waiting: FastMap<(u32, Direction), (u32, u32)>,
    /// (packet, eio record) for the packet that completed each carrier.
    eio_at: super::packet_index::Index,
    /// The kept long-polling bodies, by HTTP message.
    bodies: HashMap<u32, PayloadRef>,
    /// (Socket.IO record, Engine.IO packet of one of its binary attachments),
    /// sorted when settled.
    attached: super::packet_index::Index,
    /// The session of each WebSocket connection (by connection), if it has one.
    ws_sessions: Vec<Option<u32>>,
}

impl Realtime {
    /// The session a request target names (`sid=`), made when first seen, for
    /// WebSocket `connection`. A target with `EIO=` but no `sid` (a WebSocket-only
    /// client) gets a session whose sid the open packet will fill in.
    pub fn websocket_session(&mut self, t: &EioTarget, conv: u32, connection: u32) {
        let version = eio::eio_version_from_query(&t.target).unwrap_or(4);
        let s = match eio::sid_from_query(&t.target) {
            Some(sid) => self.session_for(&t.host, sid, version),
            None => self.new_session(&t.host, None, version),
        };
        let sess = &mut self.sessions[s as usize];
        sess.websocket = Some(connection);
        if !sess.conversations.contains(&conv) {
            sess.conversations.push(conv);
        }
        let at = connection as usize;
        if self.ws_sessions.len() <= at {
            self.ws_sessions.resize(at + 1, None);
        }
        self.ws_sessions[at] = Some(s);
    }

    /// The Engine.IO session WebSocket connection `connection` carries, if any.
    pub fn websocket_session_of(&self, connection: u32) -> Option<u32> {
        self.ws_sessions.get(connection as usize).copied().flatten()
    }

    fn session_for(&mut self, host: &str, sid: &str, version: u8) -> u32 {
        if let Some(&s) = self.by_sid.get(&(host.to_string(), sid.to_string())) {
            return s;
        }
        self.new_session(host, Some(sid), version)
    }

    fn new_session(&mut self, host: &str, sid: Option<&str>, version: u8) -> u32 {
        let s = self.sessions.len() as u32;
        if let Some(sid) = sid {
            self.by_sid.insert((host.to_string(), sid.to_string()), s);
        }
        self.counts.eio_sessions += 1;
        self.sessions.push(EioSession {
            sid: sid.map(str::to_string),
            host: host.to_string(),
            version,
            first_packet: u32::MAX,
            ..Default::default()
        });
        s
    }

    /// A complete text or binary message of WebSocket connection `connection`,
    /// `len` bytes long; `payload` is all of it, or for a binary message at least
    /// its first byte (see [`super::realtime_feed::RealtimeFeed::ws_message`]).
    /// Nothing is done for a connection that carries no Engine.IO session.
    #[allow(clippy::too_many_arguments)]
    pub fn ws_message(
        &mut self,
        keep: Keep,
        (conv, connection): (u32, u32),
        dir: Direction,
        text: bool,
        (payload, len): (&[u8], u32),
        carrier: Carrier,
        packet: u32,
    ) {
        let Some(s) = self.websocket_session_of(connection) else {
            return;
        };
        let version = self.sessions.get(s as usize).map_or(4, |x| x.version);
        let p = if text {
            let Ok(p) = eio::parse_ws_text(payload) else {
                return;
            };
            p
        } else {
            eio::parse_ws_binary(payload, version)
        };
        self.packet(keep, s, conv, dir, &p, carrier, (0, len), packet);
    }

    /// A complete HTTP long-polling body (request or response) of `target`.
    #[allow(clippy::too_many_arguments)]
    pub fn polling_body(
        &mut self,
        keep: Keep,
        t: &EioTarget,
        conv: u32,
        dir: Direction,
        body: &[u8],
        carrier: Carrier,
        packet: u32,
    ) {
        let version = eio::eio_version_from_query(&t.target).unwrap_or(4);
        let mut session =
            eio::sid_from_query(&t.target).map(|sid| self.session_for(&t.host, sid, version));
        for p in eio::split_polling(body, version).into_iter().flatten() {
            let s = match session {
                Some(s) => s,
                // The handshake response: the open packet names the session.
                None => {
                    let sid = (p.kind == PacketType::Open)
                        .then(|| eio::parse_open(&p.data).ok())
                        .flatten()
                        .map(|o| o.sid);
                    let s = match sid {
                        Some(sid) => self.session_for(&t.host, &sid, version),
                        None => self.new_session(&t.host, None, version),
                    };
                    session = Some(s);
                    s
                }
            };
            let range = (p.range.0 as u32, p.range.1 as u32);
            self.packet(keep, s, conv, dir, &p, carrier, range, packet);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn packet(
        &mut self,
        keep: Keep,
        s: u32,
        conv: u32,
        dir: Direction,
        p: &eio::Packet<'_>,
        carrier: Carrier,
        range: (u32, u32),
        packet: u32,
    ) {
        self.counts.eio_packets += 1;
        let idx = self.eio.len() as u32;
        let sess = &mut self.sessions[s as usize];
        sess.packets += 1;
        sess.first_packet = sess.first_packet.min(packet);
        sess.last_packet = sess.last_packet.max(packet);
        if !sess.conversations.contains(&conv) {
            sess.conversations.push(conv);
        }
        if p.kind == PacketType::Open {
            if let Ok(o) = eio::parse_open(&p.data) {
                if sess.sid.is_none() {
                    self.by_sid.insert((sess.host.clone(), o.sid.clone()), s);
                    sess.sid = Some(o.sid.clone());
                }
                sess.ping_interval_ms = Some(o.ping_interval_ms);
                sess.ping_timeout_ms = Some(o.ping_timeout_ms);
                sess.max_payload = o.max_payload;
                sess.upgrades = o.upgrades;
            }
        }
        let records = keep == Keep::Records;
        if records {
            self.eio.push(EioRecord {
                session: s,
                carrier,
                range,
                kind: p.kind,
                binary: p.binary,
                dir,
                packet,
                socketio: None,
            });
            self.eio_at.push(packet, idx);
        }
        if p.kind != PacketType::Message {
            return;
        }
        if p.binary {
            self.attachment(s, dir, idx, records);
            return;
        }
        // A text message while attachments were still expected: the owner stays incomplete.
        self.waiting.remove(&(s, dir));
        if let Ok(sp) = sio::parse_head(&p.data) {
            self.socketio(s, dir, idx, &sp, records);
        } else {
            self.counts.sio_errors += 1;
        }
    }

    fn attachment(&mut self, s: u32, dir: Direction, eio_idx: u32, records: bool) {
        let Some((owner, left)) = self.waiting.get(&(s, dir)).copied() else {
            return;
        };
        if records {
            self.attached.push(owner, eio_idx);
        }
        if left <= 1 {
            self.waiting.remove(&(s, dir));
        } else {
            self.waiting.insert((s, dir), (owner, left - 1));
        }
    }

    fn socketio(
        &mut self,
        s: u32,
        dir: Direction,
        eio_idx: u32,
        p: &sio::SioHead<'_>,
        records: bool,
    ) {
        let c = &mut self.counts;
        c.sio_packets += 1;
        match p.kind {
            SioType::Event => c.sio_events += 1,
            SioType::BinaryEvent => {
                c.sio_events += 1;
                c.sio_binary += 1;
            }
            SioType::Ack => c.sio_acks += 1,
            SioType::BinaryAck => {
                c.sio_acks += 1;
                c.sio_binary += 1;
            }
            SioType::Connect => c.sio_connects += 1,
            SioType::Disconnect => c.sio_disconnects += 1,
            SioType::ConnectError => {}
        }
        if !c.namespaces.contains(p.nsp.as_ref()) {
            c.namespaces.insert(p.nsp.to_string());
        }
        let nsp = match self.namespaces.iter().position(|n| *n == p.nsp) {
            Some(i) => i as u16,
            None if self.namespaces.len() < u16::MAX as usize => {
                self.namespaces.push(p.nsp.to_string());
                (self.namespaces.len() - 1) as u16
            }
            None => u16::MAX,
        };
        // Asks are paired per session and namespace: the namespace's index goes in
        // the tracker's key with the session (no string to copy per packet), or,
        // past the last index, its name.
        let (key, nsp_name) = match nsp {
            u16::MAX => (u64::from(s) << 16 | u64::from(u16::MAX), p.nsp.as_ref()),
            i => (u64::from(s) << 16 | u64::from(i), ""),
        };
        let idx = self.socketio.len() as u32;
        let mut answers = None;
        match (p.kind, p.ack_id) {
            (SioType::Event | SioType::BinaryEvent, Some(id)) => {
                self.acks.ask(key, nsp_name, dir, id, idx, 0);
            }
            (SioType::Ack | SioType::BinaryAck, Some(id)) => {
                if let Some((asker, _)) = self.acks.answer(key, nsp_name, dir, id, idx, 0) {
                    answers = Some(asker);
                }
            }
            _ => {}
        }
        if p.attachments > 0 {
            self.waiting.insert((s, dir), (idx, p.attachments));
        }
        if !records {
            return;
        }
        if let Some(a) = answers {
            if let Some(r) = self.socketio.get_mut(a as usize) {
                r.answered_by = Some(idx);
            }
        }
        if let Some(x) = self.eio.get_mut(eio_idx as usize) {
            x.socketio = Some(idx);
        }
        self.socketio.push(SioRecord {
            eio: eio_idx,
            kind: p.kind,
            nsp,
            ack_id: p.ack_id,
            attachments: p.attachments,
            answered_by: None,
            answers,
            plain: p.plain,
        });
    }

    /// Sort the indexes and count what is still unanswered; called mid-pass
    /// and at the end, in time proportional to what came in since the last call.
    pub fn settle(&mut self) {
        self.counts.unanswered_acks = self.acks.unanswered_count() as u64;
        self.eio_at.settle();
        self.attached.settle();
    }

    /// The Engine.IO packets that carried the binary attachments of Socket.IO
    /// record `s`, in order.
    pub fn attached(&self, s: u32) -> impl Iterator<Item = u32> + '_ {
        let attached = self.attached.as_slice();
        let start = attached.partition_point(|&(x, _)| x < s);
        attached[start..]
            .iter()
            .take_while(move |&&(x, _)| x == s)
            .map(|&(_, e)| e)
    }

    /// Check each session's heartbeat against its announced interval and timeout
    /// (`ts(p)`: the timestamp of packet `p`); findings go to `EioSession::health`.
    pub fn check_health(&mut self, ts: impl Fn(u32) -> i64, end_ts_ns: i64) {
        let found = self.health(ts, end_ts_ns);
        self.set_health(found);
    }

    /// What [`Realtime::check_health`] finds, without changing anything (the store can
    /// be read meanwhile): each session's findings in words, by session.
    pub fn health(&self, ts: impl Fn(u32) -> i64, end_ts_ns: i64) -> Vec<(u32, Vec<String>)> {
        // By session: a session's packets are many, and the sessions few enough.
        let mut health: Vec<Option<eio::Health>> = vec![None; self.sessions.len()];
        for (i, r) in self.eio.iter().enumerate() {
            let Some(sess) = self.sessions.get(r.session as usize) else {
                continue;
            };
            let (Some(iv), Some(to)) = (sess.ping_interval_ms, sess.ping_timeout_ms) else {
                continue;
            };
            let h = health[r.session as usize]
                .get_or_insert_with(|| eio::Health::new(sess.version, iv, to));
            h.observe(r.dir, r.kind, i as u32, ts(r.packet).max(0) as u64);
        }
        let end = end_ts_ns.max(0) as u64;
        (health.into_iter().enumerate())
            .filter_map(|(s, h)| {
                let findings = h?.finish(end);
                Some((s as u32, findings.iter().map(|f| f.describe()).collect()))
            })
            .collect()
    }

    /// Puts what [`Realtime::health`] found in the sessions.
    pub fn set_health(&mut self, found: Vec<(u32, Vec<String>)>) {
        for (s, words) in found {
            if let Some(sess) = self.sessions.get_mut(s as usize) {
                sess.health = words;
            }
        }
    }

    /// The packets that complete an Engine.IO packet, in order (with repeats).
    pub fn eio_packets(&self) -> impl Iterator<Item = u32> + '_ {
        self.eio_at.as_slice().iter().map(|&(p, _)| p)
    }

    /// The Engine.IO packets whose carrier packet `p` completed.
    pub fn eio_at(&self, p: u32) -> impl Iterator<Item = (u32, &EioRecord)> {
        thread_local!(static HINT: Cell<usize> = const { Cell::new(0) });
        super::packet_index::entries_at(self.eio_at.as_slice(), p, &HINT)
            .filter_map(|e| Some((e, self.eio.get(e as usize)?)))
    }

    /// Where the long-polling body of HTTP message `m` is kept.
    pub fn body(&self, m: u32) -> Option<PayloadRef> {
        self.bodies.get(&m).copied()
    }

    /// Remember where the body of HTTP message `m` is kept.
    pub fn keep_body(&mut self, m: u32, at: PayloadRef) {
        self.bodies.insert(m, at);
    }

    /// The Socket.IO packet an Engine.IO packet carries.
    pub fn socketio_of(&self, eio_idx: u32) -> Option<(u32, &SioRecord)> {
        let s = self.eio.get(eio_idx as usize)?.socketio?;
        Some((s, self.socketio.get(s as usize)?))
    }

    pub fn namespace(&self, i: u16) -> &str {
        self.namespaces
            .get(usize::from(i))
            .map_or("/", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{FromClient, FromServer};

    /// A session is its sid on one server: the polling requests and the upgrade sent
    /// to the server that opened it join it, the same sid sent to another server is
    /// another session.
    #[test]
    fn a_session_is_its_sid_on_one_server() {
        let mut rt = Realtime::default();
        let open =
            br#"0{"sid":"S","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#;
        let poll = |host: &str, sid: Option<&str>| {
            let q = sid.map_or(String::new(), |s| format!("&sid={s}"));
            EioTarget::new(&format!("/socket.io/?EIO=4&transport=polling{q}"), host)
        };
        let mut packet = 0;
        let mut body = |rt: &mut Realtime, t: &EioTarget, conv: u32, dir, text: &[u8]| {
            let carrier = Carrier::HttpBody(packet);
            rt.polling_body(Keep::Records, t, conv, dir, text, carrier, packet);
            packet += 1;
        };
        // The handshake on a:3000 (the open packet names the session), then a poll.
        body(&mut rt, &poll("a:3000", None), 0, FromServer, open);
        body(&mut rt, &poll("a:3000", Some("S")), 1, FromClient, b"40");
        // Another server, the same sid: its own handshake and poll.
        body(&mut rt, &poll("b:3000", None), 2, FromServer, open);
        body(&mut rt, &poll("b:3000", Some("S")), 3, FromClient, b"40");
        // The upgrade to a:3000.
        let upgrade = EioTarget::new("/socket.io/?EIO=4&transport=websocket&sid=S", "a:3000");
        rt.websocket_session(&upgrade, 4, 0);
        assert_eq!(rt.sessions.len(), 2, "{:?}", rt.sessions);
        let [a, b] = [&rt.sessions[0], &rt.sessions[1]];
        assert_eq!((a.sid.as_deref(), a.host.as_str()), (Some("S"), "a:3000"));
        assert_eq!((b.sid.as_deref(), b.host.as_str()), (Some("S"), "b:3000"));
        assert_eq!(a.conversations, [0, 1, 4]);
        assert_eq!(b.conversations, [2, 3]);
        assert_eq!(a.websocket, Some(0));
        assert_eq!(b.websocket, None);
        assert_eq!((a.packets, b.packets), (2, 2));
        assert_eq!(rt.counts.eio_sessions, 2);
    }

    /// Two sessions over WebSocket, pinged every second by the server with 0.5 s to
    /// answer: the first never answers its second ping, the second answers each.
    #[test]
    fn heartbeat_findings_go_to_their_session() {
        let mut rt = Realtime::default();
        let open = br#"0{"sid":"S","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#;
        let mut packet = 0;
        let mut send = |rt: &mut Realtime, c: u32, dir: Direction, text: &[u8]| {
            let len = text.len() as u32;
            let carrier = Carrier::WsMessage(packet);
            rt.ws_message(
                Keep::Records,
                (c, c),
                dir,
                true,
                (text, len),
                carrier,
                packet,
            );
            packet += 1;
        };
        for c in 0..2 {
            let t = EioTarget::new("/socket.io/?EIO=4&transport=websocket", "");
            rt.websocket_session(&t, c, c);
            send(&mut rt, c, FromServer, open);
        }
        // Packets 2..: pings of both sessions, answered but for session 0's second.
        for round in 0..3 {
            for c in 0..2 {
                send(&mut rt, c, FromServer, b"2");
                if !(c == 0 && round == 1) {
                    send(&mut rt, c, FromClient, b"3");
                }
            }
        }
        // One packet a tenth of a second; the pings of a round a second apart.
        let ts = |p: u32| {
            let round = p.saturating_sub(2) / 4;
            1_000_000_000 * i64::from(round) + 100_000_000 * i64::from(p % 4)
        };
        let end = 3_000_000_000;
        let found = rt.health(ts, end);
        let of = |s: u32| found.iter().find(|(x, _)| *x == s).map(|(_, w)| w.clone());
        let words = of(0).expect("session 0 checked");
        assert!(
            words.iter().any(|w| w.contains("without an answer")),
            "{words:?}"
        );
        assert_eq!(of(1), Some(Vec::new()), "session 1 answered every ping");
        rt.check_health(ts, end);
        assert_eq!(rt.sessions[0].health, words);
        assert!(rt.sessions[1].health.is_empty());
    }
}
