//! Filling a store: each packet is summarized and put in its flow, then
//! analysed, in capture order. On a machine with more than one core the work
//! runs on two threads: a `layerscope-summarize` thread summarizes batches of
//! packets, assigns their flows and runs the TCP half of the analysis over them
//! (conversations, roles, reassembly: `analysis::halves`), while the calling
//! thread runs the upper half (HTTP, WebSocket) over the batch before, the
//! batches going over a bounded channel in capture order. Engine.IO and
//! Socket.IO, the upper half's own upper part, are fed a batch at a time
//! (`analysis::realtime_feed`) and the feeds applied in order by whichever
//! thread would otherwise wait ([`Deferred`]). The analysis only reads the
//! summaries (never the flow table), only the summarizing thread writes the
//! flow table and the TCP records, and nothing goes back from an upper stage to
//! the one below it, so the result is the one a single thread gets, packet for
//! packet.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use super::deferred::{recv_or_work, send_or_work, Deferred};
use super::{FlowTable, Store, StorePass};
use crate::analysis::halves::Queue;
use crate::capture::Capture;
use crate::dissect::{self, Endpoints, Summary};

/// Packets summarized per batch handed to the analysis. A pass stops only between
/// batches, after the ones summarized ahead are in: a window waiting to read a
/// growing store waits for that (with 1,024 packets a batch, 2 to 4 ms of each
/// frame while the reference workload loaded, 0.2 to 0.8 ms with 256). Passes that
/// do not stop (`stats`, `inspect`) take as long with either.
pub const BATCH_PACKETS: usize = 256;
/// Batches summarized ahead of the analysis at most (the channel's bound).
const BATCHES_AHEAD: usize = 2;

/// How a pass spreads its work over threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Summaries and analysis one after the other on the calling thread.
    One,
    /// Summaries on a second thread, `batch` packets at a time; runs of fewer
    /// than two batches are done on the calling thread.
    Two { batch: usize },
}

impl Threads {
    /// Two threads where the machine has two cores or more.
    pub fn for_this_machine() -> Threads {
        match std::thread::available_parallelism() {
            Ok(n) if n.get() > 1 => Threads::Two {
                batch: BATCH_PACKETS,
            },
            _ => Threads::One,
        }
    }
}

/// The summary of packet `i`, put in its flow.
fn summarize(capture: &Capture, flows: &mut FlowTable, i: usize) -> Summary {
    let (mut sum, ep) = summary_of(capture, i);
    if let Some(ep) = ep {
        flows.assign(&mut sum, &ep, i as u32);
    }
    sum
}

/// The summary of packet `i` and the endpoints of its flow, not yet put in it.
pub(super) fn summary_of(capture: &Capture, i: usize) -> (Summary, Option<Endpoints>) {
    let data = capture.data(i);
    let origlen = capture.record(i).map_or(0, |r| r.origlen);
    let (mut sum, ep) = dissect::summarize(capture.link_type(i), data, origlen);
    if let Some(claimed) = capture.cut_len(i) {
        // Cut by the end of the file, not by the snaplen (unless that too).
        sum.anomalies &= !dissect::anomaly::SNAPLEN_TRUNCATED;
        if claimed < origlen {
            sum.anomalies |= dissect::anomaly::SNAPLEN_TRUNCATED;
        }
        sum.anomalies |= dissect::anomaly::CUT_BY_END_OF_FILE;
    }
    (sum, ep)
}

impl Store {
    /// Summarize and analyse up to `max` more packets; returns how many went in
    /// (0 once every packet is in). What is read mid-pass is exact for the packets
    /// in, except records of streams still open: call [`Store::settle`] first.
    pub fn ingest(&mut self, pass: &mut StorePass, max: usize) -> usize {
        self.ingest_while(pass, max, |_| true)
    }

    /// [`Store::ingest`], asking `go_on(packets in so far)` between batches
    /// whether to go on: a loader stops when a reader waits, a build when it is
    /// cancelled. Every packet is in whole or not at all.
    pub fn ingest_while(
        &mut self,
        pass: &mut StorePass,
        max: usize,
        mut go_on: impl FnMut(usize) -> bool,
    ) -> usize {
        let from = self.summaries.len();
        let to = self.capture.len().min(from.saturating_add(max));
        let batch = match pass.1 {
            Threads::Two { batch } if to - from >= 2 * batch.max(1) => batch.max(1),
            _ => usize::MAX,
        };
        if batch == usize::MAX || !self.ingest_on_two_threads(pass, to, batch, &mut go_on) {
            self.ingest_here(pass, to, &mut go_on);
        }
        self.summaries.len() - from
    }

    /// Packets up to `to` on the calling thread, asking `go_on` every
    /// [`BATCH_PACKETS`].
    fn ingest_here(
        &mut self,
        pass: &mut StorePass,
        to: usize,
        go_on: &mut impl FnMut(usize) -> bool,
    ) {
        let Store {
            capture,
            summaries,
            flows,
            analysis,
            ..
        } = self;
        let capture: &Capture = capture;
        let (mut tcp, mut upper) = analysis.halves(&mut pass.0);
        let mut q = Queue::default();
        let mut i = summaries.len();
        while i < to {
            let sum = summarize(capture, flows, i);
            tcp.step(capture, (i, &sum), &mut q);
            upper.apply(&mut q);
            summaries.push(sum);
            i += 1;
            if i.is_multiple_of(BATCH_PACKETS) && i < to && !go_on(i) {
                break;
            }
        }
    }

    /// Packets up to `to` on two threads, batch by batch: the summaries, the flows
    /// and the TCP half of the analysis on a second thread, the upper half here
    /// but for Engine.IO and Socket.IO, which are [`Deferred`] to whichever thread
    /// would otherwise wait. Returns false (nothing done) when the second thread
    /// could not be started.
    fn ingest_on_two_threads(
        &mut self,
        pass: &mut StorePass,
        to: usize,
        batch: usize,
        go_on: &mut impl FnMut(usize) -> bool,
    ) -> bool {
        let Store {
            capture,
            summaries,
            flows,
            analysis,
            ..
        } = self;
        let capture: &Capture = capture;
        let deferred = Deferred::new(analysis.take_realtime(), analysis.upper.keep);
        let (mut tcp, mut upper) = analysis.halves(&mut pass.0);
        let from = summaries.len();
        let stop = AtomicBool::new(false);
        let (full_tx, full_rx) = mpsc::sync_channel::<Batch<'_>>(BATCHES_AHEAD);
        let (empty_tx, empty_rx) = mpsc::channel::<Batch<'_>>();
        let started = std::thread::scope(|scope| {
            let stop = &stop;
            let deferred = &deferred;
            let worker = std::thread::Builder::new()
                .name("layerscope-summarize".into())
                .spawn_scoped(scope, move || {
                    let mut at = from;
                    while at < to && !stop.load(Ordering::Acquire) {
                        let end = to.min(at + batch);
                        let (mut sums, mut q) = empty_rx
                            .try_recv()
                            .unwrap_or_else(|_| (Vec::with_capacity(batch), Queue::default()));
                        sums.clear();
                        for i in at..end {
                            let sum = summarize(capture, flows, i);
                            tcp.step(capture, (i, &sum), &mut q);
                            sums.push(sum);
                        }
                        // While the other thread is behind, Engine.IO and Socket.IO here.
                        if !send_or_work(&full_tx, (sums, q), || deferred.apply_waiting()) {
                            return;
                        }
                        at = end;
                    }
                });
            if worker.is_err() {
                return false;
            }
            // Every batch summarized goes in (its flows and TCP records are in
            // already), even after `go_on` said stop: the worker stops before the
            // next one. While the worker is behind, Engine.IO and Socket.IO here.
            while let Some((sums, mut q)) = recv_or_work(&full_rx, || deferred.apply_one()) {
                let mut feed = deferred.spare();
                upper.apply_but_realtime(&mut q, &mut feed);
                deferred.push(feed);
                summaries.extend_from_slice(&sums);
                let _ = empty_tx.send((sums, q));
                if !stop.load(Ordering::Relaxed) && summaries.len() < to && !go_on(summaries.len())
                {
                    stop.store(true, Ordering::Release);
                }
            }
            true
        });
        analysis.put_realtime(deferred.finish());
        started
    }
}

/// One batch from the summarizing thread: the packets' summaries and what the
/// TCP half reassembled from them.
type Batch<'a> = (Vec<Summary>, Queue<'a>);

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::Keep;
    use crate::capture::Capture;
    use crate::store::PacketId;

    fn open(path: &std::path::Path) -> Arc<Capture> {
        Arc::new(Capture::open(path).expect("opens"))
    }

    fn build(cap: &Arc<Capture>, threads: Threads, chunk: usize) -> Store {
        let (mut store, mut pass) = Store::start(cap.clone(), Keep::Records);
        pass.set_threads(threads);
        while store.ingest(&mut pass, chunk) > 0 {}
        store.finish(pass);
        store
    }

    /// Everything the store holds, as text: summaries, flows, the analysis
    /// records, each packet's row, the messages and the stats.
    fn everything(name: &str, s: &Store) -> Vec<String> {
        let up = &s.analysis.upper;
        let rt = &up.realtime;
        let tcp = &s.analysis.tcp;
        let mut out = vec![
            format!("{:?}", s.summaries),
            format!("{:?}", s.flows.iter().collect::<Vec<_>>()),
            format!("{:?}", tcp.conversations),
            format!("{:?}", up.http.messages),
            format!("{:?}", up.ws_connections),
            format!("{:?}", up.ws_frames),
            format!("{:?}", up.ws_messages),
            format!("{:?}", up.ws),
            format!("{:?} {:?}", rt.sessions, rt.eio),
            format!("{:?} {:?}", rt.socketio, rt.counts),
            serde_json::to_string(&crate::stats::from_store(name, s)).expect("stats"),
        ];
        for p in 0..s.len() as u32 {
            let id = PacketId(p);
            out.push(format!(
                "{} {:?} {:?} {}",
                crate::export::text::row(s, id),
                tcp.role(id),
                tcp.conversation_of(id).map(|(c, _)| c),
                tcp.notes(id)
            ));
        }
        out.extend(
            crate::export::messages::lines(s)
                .iter()
                .map(|l| format!("{l:?}")),
        );
        out
    }

    /// Every sample and corpus capture, built on one thread and on two (with
    /// batches of several sizes, in ingest calls of several sizes), gives the
    /// same summaries, flows, records, rows, messages and stats.
    #[test]
    fn two_threads_build_the_same_store_as_one() {
        let files = crate::capture::testutil::sample_and_corpus_files();
        for path in files {
            let name = path.display().to_string();
            let cap = open(&path);
            let one = everything(&name, &build(&cap, Threads::One, usize::MAX));
            for (batch, chunk) in [(1, usize::MAX), (7, 100), (64, usize::MAX)] {
                let two = everything(&name, &build(&cap, Threads::Two { batch }, chunk));
                assert_eq!(one.len(), two.len(), "{name}");
                for (a, b) in one.iter().zip(&two) {
                    assert_eq!(a, b, "{name}, batches of {batch}");
                }
            }
        }
    }

    /// Stopping between batches leaves whole packets in, and the pass goes on
    /// from there to the same end.
    #[test]
    fn stopping_between_batches_then_going_on_ends_the_same() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
        let cap = open(&path);
        let whole = everything("x", &build(&cap, Threads::One, usize::MAX));
        let (mut store, mut pass) = Store::start(cap.clone(), Keep::Records);
        pass.set_threads(Threads::Two { batch: 5 });
        let mut asked = 0;
        let n = store.ingest_while(&mut pass, usize::MAX, |_| {
            asked += 1;
            asked < 3
        });
        assert!(n < cap.len() && n >= 15, "{n}");
        assert_eq!(n, store.len());
        while store.ingest(&mut pass, usize::MAX) > 0 {}
        store.finish(pass);
        assert_eq!(everything("x", &store), whole);
    }
}
