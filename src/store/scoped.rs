//! A store analysed only where a question needs it. `inspect -Y 'tcp.port == 8080'`
//! prints a quarter of the reference workload, yet a whole build analyses every
//! conversation (reassembly, HTTP, WebSocket, Engine.IO, Socket.IO). For a filter the
//! summaries answer alone (addresses, ports, flags, lengths, protocol presence), a
//! scoped build instead:
//!
//! 1. summarizes every packet and fills the flow table (no analysis);
//! 2. asks which packets the filter may pass: their flows are needed, and so is every
//!    TCP flow that shares an endpoint (address and port) with one of them, so that an
//!    Engine.IO session's polling and WebSocket connections to the same server are
//!    analysed together;
//! 3. analyses the packets of those flows only, in capture order, the TCP half on a
//!    second thread as in a whole build ([`super::ingest`]); the others get no
//!    conversation, as packets that are not TCP.
//!
//! What a needed flow's packets show is then what a whole build shows: the analysis of
//! a conversation reads only its own packets and, through Engine.IO session ids, those
//! of the conversations to the same server. A scoped store is complete only for the
//! needed flows: `tcp.stream` numbers, totals and other flows' records differ from a
//! whole build's, so it serves one-line rows only, and nothing else reads it. Where the
//! two could differ, the scoped build shows more, never less: it reaches the limits on
//! open streams (`analysis::tcp::MAX_OPEN_STREAMS`) and on kept payloads
//! (`analysis::upper::MAX_KEPT_PAYLOADS`) later, as it holds fewer conversations. A test
//! compares its rows with a whole build's on every sample and corpus file.

use std::collections::HashSet;
use std::net::IpAddr;
use std::ops::Range;
use std::sync::mpsc;
use std::sync::Arc;

use super::deferred::{recv_or_work, send_or_work, Deferred};
use super::ingest::summary_of;
use super::{Keep, PacketId, Store, StorePass, Threads};
use crate::analysis::halves::{Queue, TcpHalf};
use crate::capture::Capture;
use crate::dissect::{Endpoints, Summary};

/// IP protocol number of TCP.
const TCP: u8 = 6;

impl Store {
    /// Build a store of `capture` analysing only the flows of the packets for which
    /// `may_pass(store, packet)` is true (with the flows to the same endpoints), once
    /// every packet is summarized. Returns the store and those packets, in order.
    /// `threads` as in [`StorePass::set_threads`].
    pub fn build_scoped(
        capture: Arc<Capture>,
        (keep, threads): (Keep, Threads),
        may_pass: impl Fn(&Store, PacketId) -> bool,
    ) -> (Store, Vec<u32>) {
        let (mut store, mut pass) = Store::start(capture, keep);
        pass.set_threads(threads);
        let candidates = store.summarize_all(threads, may_pass);
        let needed = store.flows_needed(&candidates);
        store.analyse_flows(&mut pass, &needed);
        store.finish(pass);
        (store, candidates)
    }

    /// Summarize every packet of the capture and put it in its flow (nothing is
    /// analysed); returns the packets for which `may_pass` is true. On two threads a
    /// second one slices the packets, batch by batch, while this one puts them in
    /// their flows and asks `may_pass`.
    fn summarize_all(
        &mut self,
        threads: Threads,
        may_pass: impl Fn(&Store, PacketId) -> bool,
    ) -> Vec<u32> {
        let mut candidates = Vec::new();
        let n = self.capture.len();
        let mut take = |store: &mut Store, (mut sum, ep): (Summary, Option<Endpoints>)| {
            let i = store.summaries.len();
            if let Some(ep) = ep {
                store.flows.assign(&mut sum, &ep, i as u32);
            }
            store.summaries.push(sum);
            if may_pass(store, PacketId(i as u32)) {
                candidates.push(i as u32);
            }
        };
        if let Some(size) = batch_size(threads, n) {
            let capture = Arc::clone(&self.capture);
            let slice = move |at: Range<usize>, batch: &mut Vec<_>| {
                batch.clear();
                batch.extend(at.map(|i| summary_of(&capture, i)));
            };
            let put = |batch: &mut Vec<_>| {
                for one in batch.drain(..) {
                    take(self, one);
                }
            };
            if in_batches((n, size), "layerscope-summarize", slice, put, &|| false) {
                return candidates;
            }
        }
        for i in self.summaries.len()..n {
            let one = summary_of(&self.capture, i);
            take(self, one);
        }
        candidates
    }

    /// By flow id: whether the flow holds one of `packets`, or is a TCP flow with an
    /// endpoint of such a TCP flow.
    fn flows_needed(&self, packets: &[u32]) -> Vec<bool> {
        let mut needed = vec![false; self.flows.len()];
        for &p in packets {
            let flow = self.summaries[p as usize].flow;
            if flow != Summary::NO_FLOW {
                needed[flow as usize] = true;
            }
        }
        let tcp = |id: usize| {
            self.flows
                .get(super::FlowId(id as u32))
                .filter(|f| f.key.proto == TCP)
        };
        let ends: HashSet<(IpAddr, u16)> = (0..needed.len())
            .filter(|&id| needed[id])
            .filter_map(tcp)
            .flat_map(|f| [(f.key.src, f.key.sport), (f.key.dst, f.key.dport)])
            .collect();
        for (id, need) in needed.iter_mut().enumerate() {
            if let Some(f) = tcp(id).filter(|_| !*need) {
                *need = ends.contains(&(f.key.src, f.key.sport))
                    || ends.contains(&(f.key.dst, f.key.dport));
            }
        }
        needed
    }

    /// Analyse the packets of the `needed` flows (by flow id), every packet being
    /// summarized already.
    fn analyse_flows<'a>(&'a mut self, pass: &'a mut StorePass, needed: &[bool]) {
        let Store {
            capture,
            summaries,
            analysis,
            ..
        } = self;
        let capture: &Capture = capture;
        let summaries: &[Summary] = summaries;
        let step = |tcp: &mut TcpHalf<'_>, i: usize, q: &mut Queue<'a>| {
            step_needed(tcp, (capture, summaries, needed), i, q);
        };
        let n = summaries.len();
        if let Some(size) = batch_size(pass.1, n) {
            // Engine.IO and Socket.IO on whichever thread would wait, as in a whole build.
            let deferred = Deferred::new(analysis.take_realtime(), analysis.upper.keep);
            let (mut tcp, mut upper) = analysis.halves(&mut pass.0);
            let tcp = &mut tcp;
            let follow = |at: Range<usize>, q: &mut Queue<'a>| {
                for i in at {
                    step(tcp, i, q);
                }
            };
            let upper_half = |q: &mut Queue<'a>| {
                let mut feed = deferred.spare();
                upper.apply_but_realtime(q, &mut feed);
                deferred.push(feed);
            };
            let idle = || deferred.apply_waiting();
            let ran = in_batches((n, size), "layerscope-tcp", follow, upper_half, &idle);
            analysis.put_realtime(deferred.finish());
            if ran {
                return;
            }
        }
        // One thread: a small capture, or the second thread could not be started
        // (then nothing was analysed).
        let (mut tcp, mut upper) = analysis.halves(&mut pass.0);
        let mut q = Queue::default();
        for i in 0..n {
            step(&mut tcp, i, &mut q);
            upper.apply(&mut q);
        }
    }
}

/// Packets `0..n` in batches of `size`: `produce` fills each batch on a thread named
/// `name`, `consume` takes them here in order, and the batches' buffers go back to be
/// filled again (two at most wait). A thread that would wait (for a batch, or for
/// room for one) calls `idle` first, and again while it says it did something.
/// Returns false, having done nothing, when the thread could not be started.
fn in_batches<B: Default + Send>(
    (n, size): (usize, usize),
    name: &str,
    mut produce: impl FnMut(Range<usize>, &mut B) + Send,
    mut consume: impl FnMut(&mut B),
    idle: &(impl Fn() -> bool + Sync),
) -> bool {
    let (full_tx, full_rx) = mpsc::sync_channel::<B>(2);
    let (empty_tx, empty_rx) = mpsc::channel::<B>();
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name(name.into())
            .spawn_scoped(scope, move || {
                for from in (0..n).step_by(size) {
                    let mut batch = empty_rx.try_recv().unwrap_or_default();
                    produce(from..n.min(from + size), &mut batch);
                    if !send_or_work(&full_tx, batch, idle) {
                        return;
                    }
                }
            });
        if worker.is_err() {
            return false;
        }
        while let Some(mut batch) = recv_or_work(&full_rx, idle) {
            consume(&mut batch);
            let _ = empty_tx.send(batch);
        }
        true
    })
}

/// The batch size of a run of `n` packets on `threads`: `None` for one thread (as
/// [`Store::ingest`], when there are fewer than two batches).
fn batch_size(threads: Threads, n: usize) -> Option<usize> {
    match threads {
        Threads::Two { batch } if n >= 2 * batch.max(1) => Some(batch.max(1)),
        _ => None,
    }
}

/// Packet `i` through the TCP half when its flow is needed, else passed over.
fn step_needed<'c>(
    tcp: &mut TcpHalf<'_>,
    (capture, summaries, needed): (&'c Capture, &[Summary], &[bool]),
    i: usize,
    q: &mut Queue<'c>,
) {
    let sum = &summaries[i];
    match needed.get(sum.flow as usize) {
        Some(true) => tcp.step(capture, (i, sum), q),
        _ => tcp.skip(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Filter;

    /// A whole build of `cap`, as `inspect` makes for other filters.
    fn whole_build(cap: &Arc<Capture>) -> Store {
        let no = std::sync::atomic::AtomicBool::new(false);
        Store::build_shared(cap.clone(), &no, |_, _| {}, Keep::Records)
    }

    /// The rows `filter` passes, as `inspect` prints them.
    fn rows(store: &Store, packets: impl Iterator<Item = u32>, filter: &Filter) -> Vec<String> {
        packets
            .map(PacketId)
            .filter(|&id| filter.matches_packet(store, id))
            .map(|id| crate::export::text::row(store, id))
            .collect()
    }

    /// Filters that pick part of `store`'s conversations: the ports and an address
    /// of some of its TCP flows, and some fixed ones.
    fn filters_for(store: &Store) -> Vec<String> {
        let mut v: Vec<String> = [
            "tcp.flags.syn == 1",
            "!tcp",
            "tcp.len > 0 && ip",
            "udp || arp",
            "frame.len > 200",
            "ipv6",
            "tcp.port in {80 443 3000 8080}",
            "tcp.port == 80 || dns",
        ]
        .map(String::from)
        .to_vec();
        let tcp_flows = store.flows.iter().filter(|(_, f)| f.key.proto == TCP);
        for (_, f) in tcp_flows.step_by(3).take(3) {
            v.push(format!("tcp.port == {}", f.key.dport));
            v.push(format!("tcp.srcport == {}", f.key.sport));
            let family = if f.key.src.is_ipv4() { "ip" } else { "ipv6" };
            v.push(format!("{family}.addr == {}", f.key.src));
        }
        v
    }

    /// On every sample and corpus capture, for filters of addresses, ports, flags,
    /// lengths and protocols: a scoped build (on one thread and on two, in small
    /// batches) prints the rows a whole build prints, and for some filters it did
    /// analyse fewer conversations.
    #[test]
    fn scoped_rows_are_the_whole_builds_rows() {
        let mut fewer = 0;
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let name = path.display().to_string();
            let cap = Arc::new(Capture::open(&path).expect("capture"));
            let whole = whole_build(&cap);
            for text in filters_for(&whole) {
                let filter = crate::filter::parse(&text).expect("filter");
                assert!(filter.without_analysis(), "{text}");
                let want = rows(&whole, 0..whole.len() as u32, &filter);
                for threads in [Threads::One, Threads::Two { batch: 3 }] {
                    let may_pass = |s: &Store, id| filter.quick(s, id) != Some(false);
                    let (scoped, packets) =
                        Store::build_scoped(cap.clone(), (Keep::Records, threads), may_pass);
                    assert_eq!(scoped.len(), whole.len(), "{name}");
                    let got = rows(&scoped, packets.iter().copied(), &filter);
                    assert_eq!(got, want, "{name}: {text} ({threads:?})");
                    let (s, w) = (&scoped.analysis.tcp, &whole.analysis.tcp);
                    fewer += usize::from(s.conversations.len() < w.conversations.len());
                }
            }
        }
        assert!(
            fewer > 20,
            "scoped builds analysed fewer conversations {fewer} times"
        );
    }

    /// Conversations to one server endpoint are analysed together: with a filter on
    /// the two ports of the Socket.IO sample's WebSocket connection, its rows name
    /// Socket.IO, and every conversation with the server's address and port (the
    /// session's polling requests) is analysed too.
    #[test]
    fn a_session_s_connections_are_analysed_together() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join("samples/socketio-chat.pcap");
        let cap = Arc::new(Capture::open(&path).expect("sample"));
        let whole = whole_build(&cap);
        let ws = (whole.analysis.upper.ws_connections.first()).expect("a WebSocket connection");
        let conv = &whole.analysis.tcp.conversations[ws.conversation as usize];
        let key = whole.flows.get(conv.flow).expect("flow").key;
        let text = format!("tcp.port == {} && tcp.port == {}", key.sport, key.dport);
        let filter = crate::filter::parse(&text).expect("filter");
        let may_pass = |s: &Store, id| filter.quick(s, id) != Some(false);
        let (scoped, packets) = Store::build_scoped(cap, (Keep::Records, Threads::One), may_pass);
        let got = rows(&scoped, packets.iter().copied(), &filter);
        assert!(
            got.iter().any(|r| r.contains("Socket.IO EVENT")),
            "{got:#?}"
        );
        assert_eq!(got, rows(&whole, 0..whole.len() as u32, &filter));
        let to_server = |s: &Store| {
            let server = [(key.src, key.sport), (key.dst, key.dport)];
            (s.analysis.tcp.conversations.iter())
                .filter_map(|c| s.flows.get(c.flow))
                .filter(|f| {
                    server.contains(&(f.key.src, f.key.sport))
                        || server.contains(&(f.key.dst, f.key.dport))
                })
                .count()
        };
        assert!(
            to_server(&whole) > 1,
            "the sample's session has polling requests"
        );
        assert_eq!(to_server(&scoped), to_server(&whole));
        assert!(scoped.analysis.tcp.conversations.len() <= whole.analysis.tcp.conversations.len());
    }
}
