//! `layerscope stats`: counts over a whole capture, from the per-packet summaries.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::analysis::tcp::note;
use crate::analysis::Keep;
use crate::capture::{Capture, OpenError};
use crate::dissect::{tcp_flags, Proto};
use crate::ids::PacketId;
use crate::store::Store;

/// Version of the `stats` JSON object; bumped when a field changes meaning.
pub const STATS_SCHEMA: u32 = 2;

/// TCP counts. `syn`: SYN set and ACK clear; `syn_ack`: both set (retransmissions included).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct TcpCounts {
    pub syn: u64,
    pub syn_ack: u64,
    pub rst: u64,
    pub fin: u64,
    /// TCP conversations (a flow, cut again where a port is reused): `tcp.stream` values.
    pub streams: u64,
    /// Conversations whose SYN, SYN-ACK and ACK came in capture order with the right numbers.
    pub handshakes_completed: u64,
    /// The same, whatever order the three segments were captured in.
    pub handshakes_completed_any_order: u64,
    /// Conversations whose SYN was answered by RST.
    pub refused: u64,
    /// SYNs sent again with the same ISN.
    pub syn_retransmissions: u64,
    /// Conversations ended by a RST after their handshake (refused ones not counted).
    pub resets: u64,
    /// Segments whose every byte was seen before.
    pub retransmissions: u64,
    /// Conversations whose streams were closed before their end, more than
    /// `MAX_OPEN_STREAMS` being open at once (the idle longest are closed)...
    pub closed_early: u64,
    /// ...and their segments with data that came after, not reassembled.
    pub segments_not_reassembled: u64,
}

/// HTTP counts from the stream analysis.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct HttpCounts {
    pub requests: u64,
    pub responses: u64,
    /// Requests carrying an `Upgrade` header.
    pub upgrade_requests: u64,
    /// `101 Switching Protocols` responses (to WebSocket or anything else).
    pub upgrades: u64,
    /// WebSocket opening handshakes (Upgrade: websocket answered by 101).
    pub websocket_upgrades: u64,
    /// Of those, how many had a wrong `Sec-WebSocket-Accept`.
    pub accept_mismatches: u64,
    /// Messages whose body the capture cut short (counted in requests/responses too).
    pub incomplete: u64,
    /// Messages whose chunked body had an invalid chunk size (the rest of their
    /// direction is not read as HTTP).
    pub invalid_chunks: u64,
    /// Engine.IO polling bodies not kept (the store of decoded payloads was full): their
    /// Engine.IO and Socket.IO packets are counted, not shown.
    pub bodies_not_kept: u64,
}

/// The object `layerscope stats --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    pub schema: u32,
    pub file: String,
    /// `pcap`, `nsecpcap`, `modified-pcap`, `pcapng`, or `empty`.
    pub format: String,
    pub packets: u64,
    /// Captured bytes (sum of captured lengths).
    pub bytes: u64,
    /// Bytes on the wire (sum of original lengths).
    pub wire_bytes: u64,
    pub first_ts_ns: Option<i64>,
    pub last_ts_ns: Option<i64>,
    pub interfaces: usize,
    /// Packets per link type name.
    pub link_types: BTreeMap<String, u64>,
    /// Packets containing each protocol (`eth`, `ipv4`, `tcp`, ...).
    pub protocols: BTreeMap<String, u64>,
    pub tcp: TcpCounts,
    pub http: HttpCounts,
    pub websocket: WsCounts,
    pub engineio: EioCounts,
    pub socketio: SioCounts,
    /// Flows (5-tuples, both directions together).
    pub flows: u64,
    /// Packets lost before they reached the file, as its pcapng statistics blocks say
    /// (summed over interfaces; 0 where the file has no such blocks).
    pub drops: Drops,
    /// Warnings on packets (one per anomaly) plus warnings about the file.
    pub warnings: u64,
    /// Why reading stopped early, if it did.
    pub errors: Vec<String>,
}

pub use crate::analysis::upper::WsCounts;

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Drops {
    /// Dropped by the operating system (`isb_osdrop`: its buffer was full).
    pub kernel: u64,
    /// Dropped by the interface (`isb_ifdrop`).
    pub interface: u64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct EioCounts {
    pub sessions: u64,
    pub packets: u64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SioCounts {
    pub packets: u64,
    /// EVENT and BINARY_EVENT.
    pub events: u64,
    /// ACK and BINARY_ACK.
    pub acks: u64,
    pub connects: u64,
    pub disconnects: u64,
    /// BINARY_EVENT and BINARY_ACK.
    pub binary: u64,
    pub namespaces: Vec<String>,
    /// Emits that asked for an acknowledgement no ACK answered.
    pub unanswered_acks: u64,
}

fn realtime_counts(up: &crate::analysis::upper::Upper) -> (EioCounts, SioCounts) {
    let c = &up.realtime.counts;
    (
        EioCounts {
            sessions: c.eio_sessions,
            packets: c.eio_packets,
        },
        SioCounts {
            packets: c.sio_packets,
            events: c.sio_events,
            acks: c.sio_acks,
            connects: c.sio_connects,
            disconnects: c.sio_disconnects,
            binary: c.sio_binary,
            namespaces: c.namespaces.iter().cloned().collect(),
            unanswered_acks: c.unanswered_acks,
        },
    )
}

fn http_counts(h: &crate::analysis::http::HttpAnalysis) -> HttpCounts {
    use crate::analysis::http::flag;
    let mut c = HttpCounts::default();
    for m in &h.messages {
        c.incomplete += u64::from(m.end_packet.is_none());
        c.invalid_chunks += u64::from(m.flags & flag::BAD_CHUNK != 0);
        c.bodies_not_kept += u64::from(m.flags & flag::BODY_NOT_KEPT != 0);
        if m.is_request() {
            c.requests += 1;
            c.upgrade_requests += u64::from(m.flags & flag::UPGRADE != 0);
        } else {
            c.responses += 1;
            c.upgrades += u64::from(m.code == 101);
        }
    }
    c.websocket_upgrades = h.websockets.len() as u64;
    c.accept_mismatches = h.websockets.iter().filter(|w| !w.accept_ok).count() as u64;
    c
}

/// What [`from_store`] counts packet by packet.
#[derive(Debug, Default, PartialEq, Eq)]
struct PacketCounts {
    bytes: u64,
    wire_bytes: u64,
    per_iface: Vec<u64>,
    per_proto: [u64; Proto::ALL.len()],
    warnings: u64,
    syn: u64,
    syn_ack: u64,
    rst: u64,
    fin: u64,
    not_reassembled: u64,
}

impl PacketCounts {
    fn add(&mut self, o: PacketCounts) {
        self.bytes += o.bytes;
        self.wire_bytes += o.wire_bytes;
        for (a, b) in self.per_iface.iter_mut().zip(o.per_iface) {
            *a += b;
        }
        for (a, b) in self.per_proto.iter_mut().zip(o.per_proto) {
            *a += b;
        }
        self.warnings += o.warnings;
        self.syn += o.syn;
        self.syn_ack += o.syn_ack;
        self.rst += o.rst;
        self.fin += o.fin;
        self.not_reassembled += o.not_reassembled;
    }
}

/// Packets from which [`packet_counts`] counts on two threads.
const COUNT_ON_TWO_FROM: usize = 1 << 16;

/// The per-packet counts of the whole store: in two halves at once for a large one,
/// unless `one_thread`.
fn packet_counts(store: &Store, one_thread: bool) -> PacketCounts {
    let n = store.len().min(store.capture.packets.len());
    if n < COUNT_ON_TWO_FROM || one_thread {
        return count_packets(store, 0..n);
    }
    std::thread::scope(|scope| {
        let second = std::thread::Builder::new()
            .name("layerscope-count".into())
            .spawn_scoped(scope, || count_packets(store, n / 2..n));
        match second {
            Ok(second) => {
                let mut counts = count_packets(store, 0..n / 2);
                match second.join() {
                    Ok(rest) => counts.add(rest),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
                counts
            }
            Err(_) => count_packets(store, 0..n),
        }
    })
}

/// The per-packet counts of the packets in `range`.
fn count_packets(store: &Store, range: std::ops::Range<usize>) -> PacketCounts {
    let cap = &store.capture;
    let mut c = PacketCounts {
        per_iface: vec![0; cap.interfaces.len()],
        ..PacketCounts::default()
    };
    let records = cap.packets.get(range.clone()).unwrap_or_default();
    let summaries = store.summaries.get(range.clone()).unwrap_or_default();
    for (i, (rec, sum)) in range.zip(records.iter().zip(summaries)) {
        c.bytes += u64::from(rec.caplen);
        c.wire_bytes += u64::from(rec.origlen);
        if let Some(n) = c.per_iface.get_mut(rec.iface() as usize) {
            *n += 1;
        }
        // The set's bit `p as usize` is protocol `p`: count the bits that are set.
        let mut bits = sum.protos.0;
        while bits != 0 {
            if let Some(n) = c.per_proto.get_mut(bits.trailing_zeros() as usize) {
                *n += 1;
            }
            bits &= bits - 1;
        }
        c.warnings += u64::from(sum.warning_count());
        if sum.protos.contains(Proto::Tcp) {
            let f = sum.tcp_flags;
            let syn = f & tcp_flags::SYN != 0;
            let ack = f & tcp_flags::ACK != 0;
            c.syn += u64::from(syn && !ack);
            c.syn_ack += u64::from(syn && ack);
            c.rst += u64::from(f & tcp_flags::RST != 0);
            c.fin += u64::from(f & tcp_flags::FIN != 0);
            let notes = store.analysis.tcp.notes(PacketId(i as u32));
            c.not_reassembled += u64::from(notes & note::CLOSED_EARLY != 0);
        }
    }
    c
}

/// Open `path` and count it.
pub fn collect(path: &Path) -> Result<Stats, OpenError> {
    let capture = Capture::open(path)?;
    Ok(from_store(
        &path.display().to_string(),
        &Store::build_keeping(capture, Keep::Counts),
    ))
}

/// Count a store that is already built.
pub fn from_store(file: &str, store: &Store) -> Stats {
    count(file, store, false)
}

/// [`from_store`] while the capture's file is being unmapped
/// ([`crate::capture::Capture::release_bytes`] said so): counted on the calling thread
/// alone. A second thread would wait for the unmapping to end before it could start, as
/// mapping its stack waits for the address space (20 ms for 300 MB; counting a million
/// packets on one thread takes less).
pub fn from_store_while_unmapping(file: &str, store: &Store) -> Stats {
    count(file, store, true)
}

fn count(file: &str, store: &Store, one_thread: bool) -> Stats {
    let cap = &store.capture;
    let (eio, sio) = realtime_counts(&store.analysis.upper);
    let mut st = Stats {
        schema: STATS_SCHEMA,
        file: file.to_string(),
        format: cap.format.map_or("empty", |f| f.name()).to_string(),
        packets: store.len() as u64,
        bytes: 0,
        wire_bytes: 0,
        first_ts_ns: cap.packets.first().map(|r| r.ts_ns),
        last_ts_ns: cap.packets.last().map(|r| r.ts_ns),
        interfaces: cap.interfaces.len(),
        link_types: BTreeMap::new(),
        protocols: BTreeMap::new(),
        tcp: TcpCounts::default(),
        http: http_counts(&store.analysis.upper.http),
        websocket: store.analysis.upper.ws.clone(),
        engineio: eio,
        socketio: sio,
        flows: store.flows.len() as u64,
        drops: {
            let (kernel, interface) = cap.drops();
            Drops { kernel, interface }
        },
        warnings: cap.warnings.len() as u64,
        errors: cap.damage.iter().map(|d| d.message()).collect(),
    };
    let counts = packet_counts(store, one_thread);
    st.bytes = counts.bytes;
    st.wire_bytes = counts.wire_bytes;
    st.warnings += counts.warnings;
    st.tcp.syn = counts.syn;
    st.tcp.syn_ack = counts.syn_ack;
    st.tcp.rst = counts.rst;
    st.tcp.fin = counts.fin;
    st.tcp.segments_not_reassembled = counts.not_reassembled;
    let (per_iface, per_proto) = (counts.per_iface, counts.per_proto);
    for c in &store.analysis.tcp.conversations {
        st.tcp.streams += 1;
        st.tcp.resets += u64::from(c.teardown.reset.is_some());
        st.tcp.retransmissions += u64::from(c.totals().retransmitted_segments);
        st.tcp.handshakes_completed += u64::from(c.completed_in_order());
        st.tcp.handshakes_completed_any_order += u64::from(c.completed());
        st.tcp.refused += u64::from(c.refused());
        st.tcp.syn_retransmissions += u64::from(c.syn_retransmissions);
        st.tcp.closed_early += u64::from(c.totals().closed_early.is_some());
    }
    for (iface, n) in cap.interfaces.iter().zip(per_iface) {
        if n > 0 {
            *st.link_types
                .entry(iface.link_type.name().to_string())
                .or_default() += n;
        }
    }
    for p in Proto::ALL {
        if p != Proto::Frame && per_proto[p as usize] > 0 {
            st.protocols
                .insert(p.key().to_string(), per_proto[p as usize]);
        }
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts of parts added up are the counts of the whole, wherever it is cut (as
    /// [`packet_counts`] cuts a large store in two); and they are not all zero.
    #[test]
    fn packet_counts_of_parts_add_up_to_the_whole() {
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let cap = Capture::open(&path).expect("opens");
            let store = Store::build_keeping(cap, Keep::Counts);
            let n = store.len();
            let whole = count_packets(&store, 0..n);
            assert_eq!(whole, packet_counts(&store, false), "{}", path.display());
            assert_eq!(whole, packet_counts(&store, true), "{}", path.display());
            assert!(n == 0 || whole.bytes > 0, "{}", path.display());
            for cut in [0, 1, n / 3, n / 2, n.saturating_sub(1), n] {
                let mut parts = count_packets(&store, 0..cut);
                parts.add(count_packets(&store, cut..n));
                assert_eq!(parts, whole, "{} cut at {cut}", path.display());
            }
        }
    }

    /// `stats` lets go of the file's bytes before it counts: the counts are the same.
    #[test]
    fn counting_needs_no_packet_bytes() {
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let cap = Capture::open(&path).expect("opens");
            let mut store = Store::build_keeping(cap, Keep::Counts);
            let before = serde_json::to_string(&from_store("f", &store)).expect("json");
            let cap = std::sync::Arc::get_mut(&mut store.capture).expect("not shared");
            let unmapping = cap.release_bytes();
            assert!(
                unmapping,
                "a file is mapped, and unmapped on a thread: {}",
                path.display()
            );
            assert!(cap.data(0).is_empty(), "the bytes are let go");
            let after = serde_json::to_string(&from_store_while_unmapping("f", &store));
            let after = after.expect("json");
            assert_eq!(before, after, "{}", path.display());
        }
    }
}
