//! What the window shows of a capture: the rows of the packet list, from the
//! index alone while the store is still being built, then from the store with
//! everything the stream analysis found. Rows are described only when shown and
//! kept in a small cache.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::theme::RowKind;
use crate::analysis::http::flag as http_flag;
use crate::analysis::tcp::Role;
use crate::capture::Capture;
use crate::dissect::fmt::secs6;
use crate::dissect::{self, tcp_flags, Proto};
use crate::store::{Growing, GrowingRead, PacketId, Store};

/// The data behind the window.
#[derive(Clone)]
pub enum Source {
    /// The index is read; the store is not started: rows decode each packet alone.
    Capture(Arc<Capture>),
    /// The store is filling: what is in so far can be read between slices.
    Growing(Arc<Capture>, Arc<Growing>),
    /// A live capture: the store grows with the file being written. The capture is
    /// read through the store only (another holder would make each growth copy the
    /// index); the counter is the packets indexed so far, readable without the lock.
    Live(Arc<Growing>, Arc<AtomicUsize>),
    /// Everything is in.
    Store(Arc<Store>),
}

/// A store to read: the finished one, or what a growing one holds so far.
pub enum StoreRef<'a> {
    Done(&'a Store),
    Growing(GrowingRead<'a>),
}

impl Deref for StoreRef<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        match self {
            StoreRef::Done(s) => s,
            StoreRef::Growing(g) => g,
        }
    }
}

impl Source {
    /// The capture, unless it is live (then it is read through [`Source::read`]).
    pub fn capture(&self) -> Option<&Capture> {
        match self {
            Source::Capture(c) | Source::Growing(c, _) => Some(c),
            Source::Store(s) => Some(&s.capture),
            Source::Live(..) => None,
        }
    }

    /// Whether this is a capture still being written.
    pub fn is_live(&self) -> bool {
        matches!(self, Source::Live(..))
    }

    /// The finished store.
    pub fn store(&self) -> Option<&Arc<Store>> {
        match self {
            Source::Store(s) => Some(s),
            _ => None,
        }
    }

    /// The store being filled (while a file loads, or a live capture runs).
    pub fn growing(&self) -> Option<&Arc<Growing>> {
        match self {
            Source::Growing(_, g) | Source::Live(g, _) => Some(g),
            _ => None,
        }
    }

    /// The store as far as it is filled. A growing store is locked while the
    /// returned value lives: hold one at a time, and not across frames.
    pub fn read(&self) -> Option<StoreRef<'_>> {
        match self {
            Source::Capture(_) => None,
            Source::Growing(_, g) | Source::Live(g, _) => Some(StoreRef::Growing(g.read())),
            Source::Store(s) => Some(StoreRef::Done(s)),
        }
    }

    /// Changes whenever what [`Source::read`] gives changes.
    pub fn generation(&self) -> u64 {
        match self {
            Source::Capture(_) => 0,
            Source::Growing(_, g) | Source::Live(g, _) => 1 + g.generation(),
            Source::Store(_) => u64::MAX,
        }
    }

    /// The packets in the file (all listed, decoded alone until analysed).
    pub fn len(&self) -> usize {
        match self {
            Source::Live(_, n) => n.load(Ordering::Acquire),
            _ => self.capture().map_or(0, Capture::len),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How the Time column reads.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, Default,
)]
pub enum TimeFormat {
    /// Seconds since the first packet.
    #[default]
    Relative,
    /// Date and time of day (UTC).
    Absolute,
    /// Seconds since the previous packet.
    Delta,
}

/// One packet-list row, as shown.
#[derive(Clone, Debug)]
pub struct Row {
    pub number: u64,
    pub time: String,
    pub src: String,
    pub dst: String,
    pub protocol: &'static str,
    pub len: u32,
    pub info: String,
    pub kind: RowKind,
    /// `1/3`, `2/3`, `3/3` for handshake segments.
    pub badge: Option<&'static str>,
}

/// Rows described so far (cleared when it grows past a few screens).
#[derive(Default)]
pub struct RowCache {
    rows: HashMap<(u32, TimeFormat), Row>,
}

impl RowCache {
    const MAX: usize = 1024;

    pub fn clear(&mut self) {
        self.rows.clear();
    }

    pub fn get(
        &mut self,
        cap: &Capture,
        store: Option<&Store>,
        index: u32,
        time: TimeFormat,
    ) -> Row {
        if self.rows.len() > Self::MAX {
            self.rows.clear();
        }
        self.rows
            .entry((index, time))
            .or_insert_with(|| row(cap, store, index, time))
            .clone()
    }
}

fn time_text(cap: &Capture, index: u32, fmt: TimeFormat) -> String {
    let i = index as usize;
    let ts = cap.record(i).map_or(0, |r| r.ts_ns);
    match fmt {
        TimeFormat::Relative => secs6(ts - cap.packets.first().map_or(0, |r| r.ts_ns)),
        TimeFormat::Absolute => dissect::fmt::utc(ts)
            .trim_end_matches(" UTC")
            .chars()
            .skip(11)
            .take(15)
            .collect(),
        TimeFormat::Delta => {
            let prev = i
                .checked_sub(1)
                .and_then(|p| cap.record(p))
                .map_or(ts, |r| r.ts_ns);
            secs6(ts - prev)
        }
    }
}

/// Describe row `index`: from the store when the packet is in it, else from
/// its own bytes.
pub fn row(cap: &Capture, store: Option<&Store>, index: u32, time: TimeFormat) -> Row {
    let i = index as usize;
    let len = cap.record(i).map_or(0, |r| r.origlen);
    let time = time_text(cap, index, time);
    let number = u64::from(index) + 1;
    let (cols, kind, badge) = match store.filter(|s| i < s.len()) {
        None => {
            let data = cap.data(i);
            let cols = dissect::columns(cap.link_type(i), data, len, None, true);
            let (sum, _) = dissect::summarize(cap.link_type(i), data, len);
            let kind = plain_kind(&sum, cols.protocol);
            (cols, kind, None)
        }
        Some(s) => {
            let id = PacketId(index);
            let cols = s.columns(id);
            let role = s.analysis.tcp.role(id);
            let badge = match role {
                Role::Syn => Some("1/3"),
                Role::SynAck => Some("2/3"),
                Role::HandshakeAck => Some("3/3"),
                _ => None,
            };
            let kind = store_kind(s, id, role, cols.protocol);
            (cols, kind, badge)
        }
    };
    Row {
        number,
        time,
        src: cols.src,
        dst: cols.dst,
        protocol: cols.protocol,
        len,
        info: cols.info,
        kind,
        badge,
    }
}

/// The colour of a row known only from its own bytes.
fn plain_kind(sum: &dissect::Summary, protocol: &str) -> RowKind {
    let f = sum.tcp_flags;
    if sum.anomalies != 0 {
        return RowKind::Warning;
    }
    if sum.protos.contains(Proto::Tcp) {
        if f & tcp_flags::RST != 0 {
            return RowKind::Reset;
        }
        if f & tcp_flags::SYN != 0 {
            return RowKind::Handshake;
        }
        if f & tcp_flags::FIN != 0 {
            return RowKind::Teardown;
        }
    }
    match protocol {
        "DNS" => RowKind::Dns,
        _ => RowKind::Plain,
    }
}

/// The colour of a row once the stream analysis has run.
fn store_kind(s: &Store, id: PacketId, role: Role, protocol: &str) -> RowKind {
    match role {
        Role::Syn | Role::SynAck | Role::HandshakeAck => return RowKind::Handshake,
        Role::Refused | Role::Reset => return RowKind::Reset,
        Role::Fin => return RowKind::Teardown,
        Role::SynRetransmission | Role::SynAckRetransmission => return RowKind::Warning,
        Role::Segment => {}
    }
    match protocol {
        "Socket.IO" => return RowKind::SocketIo,
        "Engine.IO" => return RowKind::EngineIo,
        "WebSocket" => {
            let up = &s.analysis.upper;
            let op = up.frames_at(id.0).map(|(_, f)| f.opcode).last();
            return match op {
                Some(1) => RowKind::WsText,
                Some(2) => RowKind::WsBinary,
                _ => RowKind::WsControl,
            };
        }
        "HTTP" => {
            // An Upgrade request, or its 101: from the records, not the Info text.
            let upgrade = (s.analysis.upper.http.messages_at(id.0)).any(|(_, m)| {
                m.code == 101 || (m.is_request() && m.flags & http_flag::UPGRADE != 0)
            });
            return if upgrade {
                RowKind::Upgrade
            } else {
                RowKind::Http
            };
        }
        "DNS" => return RowKind::Dns,
        _ => {}
    }
    let warn = s.summary(id).is_some_and(|x| x.anomalies != 0);
    if warn || s.analysis.tcp.notes(id) != 0 {
        return RowKind::Warning;
    }
    RowKind::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows shown before the store has a packet come from the index alone;
    /// once the packet is in the store, they gain the stream analysis. A growing
    /// store gives the analysed rows for the packets in it and plain ones after.
    #[test]
    fn rows_from_the_index_then_from_the_store() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
        let cap = Arc::new(Capture::open(&path).unwrap());
        let early = row(&cap, None, 0, TimeFormat::Relative);
        assert_eq!((early.number, early.protocol), (1, "TCP"));
        assert_eq!(early.kind, RowKind::Handshake);
        assert_eq!(early.badge, None);
        let store = Arc::new(Store::build(Capture::open(&path).unwrap()));
        let src = Source::Store(store);
        let done = src.read();
        let s = done.as_deref();
        let syn = row(&cap, s, 0, TimeFormat::Relative);
        assert_eq!((syn.kind, syn.badge), (RowKind::Handshake, Some("1/3")));
        // Relative sequence numbers need the flow table: absolute until then.
        assert!(
            early.info.contains("[SYN] Seq=2514827940"),
            "{}",
            early.info
        );
        assert!(syn.info.contains("[SYN] Seq=0 "), "{}", syn.info);
        let event = row(&cap, s, 40, TimeFormat::Delta);
        assert_eq!(event.kind, RowKind::SocketIo);
        assert!(event.info.starts_with("Socket.IO EVENT / \"chat message\""));
        assert_eq!(
            row(&cap, s, 28, TimeFormat::Relative).kind,
            RowKind::Upgrade
        );
        assert_eq!(row(&cap, s, 0, TimeFormat::Relative).time, "0.000000");
        let mut cache = RowCache::default();
        assert_eq!(cache.get(&cap, s, 40, TimeFormat::Delta).info, event.info);

        // Half the packets in: analysed rows up to there, plain ones after.
        let (g, mut pass) = Growing::start(cap.clone(), crate::analysis::Keep::Records);
        let g = Arc::new(g);
        let growing = Source::Growing(cap.clone(), g.clone());
        let gen0 = growing.generation();
        // Packet 2 is the final ACK of the first handshake: not in yet.
        assert_eq!(g.grow_by(&mut pass, 2), 2);
        assert!(growing.generation() > gen0);
        let r = growing.read().expect("a growing store reads");
        assert_eq!(
            row(&cap, Some(&r), 0, TimeFormat::Relative).badge,
            Some("1/3")
        );
        assert_eq!(
            row(&cap, Some(&r), 1, TimeFormat::Relative).badge,
            Some("2/3")
        );
        assert_eq!(row(&cap, Some(&r), 2, TimeFormat::Relative).badge, None);
        assert_eq!(
            growing.len(),
            cap.len(),
            "every packet is listed while loading"
        );
        drop(r);
        g.grow_by(&mut pass, 1);
        let r = growing.read().expect("a growing store reads");
        assert_eq!(
            row(&cap, Some(&r), 2, TimeFormat::Relative).badge,
            Some("3/3")
        );
    }
}
