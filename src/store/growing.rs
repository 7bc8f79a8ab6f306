//! A store that fills while it is read: a loading thread adds packets in short
//! slices under a write lock, and a viewer reads what is in between slices, so
//! conversations, ladders and transcripts grow while a big file is still
//! loading. A slice ends as soon as a reader asks (after a few milliseconds at
//! most), and the writer lets readers in before it takes the lock again.

use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::{Store, StorePass};
use crate::analysis::Keep;
use crate::capture::Capture;

/// A [`Store`] being filled by one thread and read by others.
pub struct Growing {
    store: RwLock<Store>,
    /// Bumped each time more is readable; readers rebuild what they derived.
    generation: AtomicU64,
    finished: AtomicBool,
    /// How long the last settle took (ns): a slice is never shorter than four
    /// settles, so sorting the indexes stays a small part of loading.
    settle_ns: AtomicU64,
    /// Readers waiting for the lock, and holding it.
    waiting: AtomicU32,
    active: AtomicU32,
}

/// A look at a [`Growing`] store: the packets in so far.
pub struct GrowingRead<'a> {
    guard: RwLockReadGuard<'a, Store>,
    active: &'a AtomicU32,
}

impl Deref for GrowingRead<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.guard
    }
}

impl Drop for GrowingRead<'_> {
    fn drop(&mut self) {
        self.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Growing {
    /// An empty store over `capture`, and the pass that fills it (owned by the
    /// loading thread).
    pub fn start(capture: Arc<Capture>, keep: Keep) -> (Growing, StorePass) {
        let (store, pass) = Store::start(capture, keep);
        let g = Growing {
            store: RwLock::new(store),
            generation: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            settle_ns: AtomicU64::new(0),
            waiting: AtomicU32::new(0),
            active: AtomicU32::new(0),
        };
        (g, pass)
    }

    /// What is in so far. Waits while a slice is being added (a few ms). Do not
    /// hold two of these on one thread: a writer waiting between them would
    /// block the second.
    pub fn read(&self) -> GrowingRead<'_> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let g = self.store.read();
        self.active.fetch_add(1, Ordering::AcqRel);
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        GrowingRead {
            // A loading thread that panicked left a store that is still whole
            // (each packet goes in completely or not at all): keep showing it.
            guard: g.unwrap_or_else(|e| e.into_inner()),
            active: &self.active,
        }
    }

    fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes each time more is readable.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Every packet is in and the pass has ended.
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Add packets for at most `slice`, or until a reader asks, make them
    /// readable, and let readers in. Returns the number of packets in.
    pub fn grow(&self, pass: &mut StorePass, slice: Duration) -> usize {
        self.add(pass, slice, usize::MAX)
    }

    /// Add at most `packets` packets (however long it takes), make them
    /// readable, and let readers in. Returns the number of packets in.
    pub fn grow_by(&self, pass: &mut StorePass, packets: usize) -> usize {
        self.add(pass, Duration::MAX, packets)
    }

    /// Run `more` on the store (e.g. read what a capture still being written has
    /// gained: [`Store::grow_capture`]), then add packets as [`Growing::grow`].
    pub fn grow_with<R>(
        &self,
        pass: &mut StorePass,
        slice: Duration,
        more: impl FnOnce(&mut Store) -> R,
    ) -> (usize, R) {
        self.add_after(pass, slice, usize::MAX, more)
    }

    fn add(&self, pass: &mut StorePass, slice: Duration, packets: usize) -> usize {
        self.add_after(pass, slice, packets, |_| ()).0
    }

    fn add_after<R>(
        &self,
        pass: &mut StorePass,
        slice: Duration,
        packets: usize,
        first: impl FnOnce(&mut Store) -> R,
    ) -> (usize, R) {
        // Readers first: the writer does not queue behind a reader (the lock
        // would then hold back every new reader too, the window among them) and
        // does not take the lock straight back from readers about to wake. It
        // waits a little, not for ever.
        let t = Instant::now();
        while self.waiting.load(Ordering::Acquire) + self.active.load(Ordering::Acquire) > 0
            && t.elapsed() < Duration::from_millis(20)
        {
            std::thread::sleep(Duration::from_micros(200));
        }
        let mut store = self.write();
        let out = first(&mut store);
        // The slice ends early when a reader starts waiting, once it is `least`
        // long, so that sorting the indexes (each time the lock is let go) stays
        // a small part of loading; and always after one batch, so loading moves on.
        let least = Duration::from_nanos(self.settle_ns.load(Ordering::Relaxed).saturating_mul(2));
        let t = Instant::now();
        if packets > 0 && t.elapsed() < slice {
            store.ingest_while(pass, packets, |_| {
                t.elapsed() < slice
                    && !(self.waiting.load(Ordering::Relaxed) > 0 && t.elapsed() >= least)
            });
        }
        let t = Instant::now();
        store.settle();
        let settle = t.elapsed().as_nanos().min(u128::from(u64::MAX)) as u64;
        self.settle_ns.store(settle, Ordering::Relaxed);
        let len = store.len();
        drop(store);
        self.generation.fetch_add(1, Ordering::AcqRel);
        (len, out)
    }

    /// End the pass (all packets in, or loading cancelled).
    pub fn finish(&self, pass: StorePass) {
        // The heartbeat check reads the whole store (12 ms on a million packets): it is
        // done under a read lock, which lets the window read on, and only its findings
        // are put in under the write lock (the window's frame that waited for it took
        // over 10 ms).
        self.write().finish_pass(pass);
        let found = self.read().health_findings();
        self.write().set_health(found);
        self.finished.store(true, Ordering::Release);
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Take the store out, leaving an empty one in its place (once finished, a
    /// viewer keeps the store itself and reads it without a lock).
    pub fn take(&self) -> Store {
        let mut w = self.write();
        let empty = Store::empty(w.capture.clone());
        std::mem::replace(&mut *w, empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Arc<Capture> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        Arc::new(Capture::open(&path).expect("sample opens"))
    }

    /// A sample, and its store built in one go.
    fn sample_and_store(name: &str) -> (Arc<Capture>, Store) {
        let cap = sample(name);
        let whole = Store::build_shared(
            cap.clone(),
            &AtomicBool::new(false),
            |_, _| {},
            Keep::Records,
        );
        (cap, whole)
    }

    /// Filled slice by slice, the store ends equal to one built in one go; in
    /// between, what is readable covers a growing prefix, and every index lookup
    /// works on it.
    #[test]
    fn grown_in_slices_equals_built_at_once() {
        let (cap, whole) = sample_and_store("socketio-chat.pcap");
        let (g, mut pass) = Growing::start(cap.clone(), Keep::Records);
        let mut seen = Vec::new();
        loop {
            let before = g.read().len();
            if g.grow_by(&mut pass, 7) == before {
                break;
            }
            let r = g.read();
            seen.push(r.len());
            // Everything readable mid-pass answers without panicking.
            for p in 0..r.len() as u32 {
                let id = super::super::PacketId(p);
                let _ = r.columns(id);
                let _ = r.dissect(id);
            }
            // Every HTTP message so far is shown once, where it completed, or at
            // its head while incomplete (the index is kept up incrementally).
            let http = &r.analysis.upper.http;
            for (m, msg) in http.messages.iter().enumerate() {
                let at = msg.end_packet.unwrap_or(msg.head_packets.1);
                let shown: Vec<u32> = http.messages_at(at).map(|(x, _)| x).collect();
                assert_eq!(shown.iter().filter(|&&x| x == m as u32).count(), 1, "{m}");
            }
            let total: usize = (0..r.len() as u32)
                .map(|p| http.messages_at(p).count())
                .sum();
            assert_eq!(total, http.messages.len());
            let _ = crate::story::conversations(&r);
            let _ = crate::story::transcript(&r, Some(0), None);
        }
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        assert_eq!(seen.last(), Some(&cap.len()));
        let before = g.generation();
        g.finish(pass);
        assert!(g.is_finished() && g.generation() > before);
        let grown = g.take();
        assert_eq!(g.read().len(), 0, "an empty store is left behind");
        assert_eq!(grown.len(), whole.len());
        assert_eq!(
            grown.analysis.upper.ws_frames.len(),
            whole.analysis.upper.ws_frames.len()
        );
        assert_eq!(
            grown.analysis.upper.realtime.socketio.len(),
            whole.analysis.upper.realtime.socketio.len()
        );
        for p in 0..whole.len() as u32 {
            let id = super::super::PacketId(p);
            assert_eq!(grown.columns(id).info, whole.columns(id).info, "packet {p}");
        }
    }

    /// Mid-pass, a Socket.IO event already in is shown as one: the records of a
    /// conversation still open are readable before the capture ends.
    #[test]
    fn events_are_readable_before_the_capture_ends() {
        let (cap, whole) = sample_and_store("socketio-chat.pcap");
        let last_event = (0..whole.len() as u32)
            .rev()
            .find(|&p| whole.columns(super::super::PacketId(p)).protocol == "Socket.IO")
            .expect("the sample has Socket.IO events");
        let (g, mut pass) = Growing::start(cap.clone(), Keep::Records);
        g.grow_by(&mut pass, last_event as usize + 1);
        let r = g.read();
        assert!(r.len() < cap.len(), "the capture is not all in yet");
        let info = r.columns(super::super::PacketId(last_event)).info;
        assert!(info.starts_with("Socket.IO"), "{info}");
        let first_event = (0..=last_event)
            .find(|&p| r.columns(super::super::PacketId(p)).protocol == "Socket.IO")
            .expect("found above");
        assert!(first_event <= last_event);
        let lines = crate::story::transcript(&r, None, Some(0));
        assert!(
            !lines.is_empty(),
            "the session's transcript grows while loading"
        );
    }

    /// A capture file written a few packets at a time while it is followed (as a live
    /// capture's spool is) ends with the same rows, records and stats as the same file
    /// loaded at once, and shows the analysis so far in between.
    #[test]
    fn a_followed_file_fed_packet_by_packet_equals_the_file_loaded_at_once() {
        use std::io::Write;
        for name in [
            "socketio-chat.pcap",
            "websocket-deflate.pcap",
            "http-get.pcap",
        ] {
            let (cap, whole) = sample_and_store(name);
            let bytes = std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("samples")
                    .join(name),
            )
            .unwrap();
            let path = std::env::temp_dir()
                .join(format!("layerscope-followed-{}-{name}", std::process::id()));
            let mut f = std::fs::File::create(&path).unwrap();
            let live = Arc::new(Capture::follow(&path).unwrap());
            let (g, mut pass) = Growing::start(live, Keep::Records);
            // Packet boundaries and arbitrary cuts alike: 97 bytes at a time.
            for chunk in bytes.chunks(97) {
                f.write_all(chunk).unwrap();
                f.flush().unwrap();
                let (len, grew) = g.grow_with(&mut pass, Duration::MAX, |s| s.grow_capture(false));
                grew.unwrap();
                assert!(len <= cap.len());
                let r = g.read();
                assert!(
                    r.capture.damage.is_none(),
                    "a half-written packet is not damage"
                );
                if let Some(p) = r.len().checked_sub(1) {
                    let id = super::super::PacketId(p as u32);
                    assert_eq!(r.columns(id).src, whole.columns(id).src);
                }
            }
            let (_, ended) = g.grow_with(&mut pass, Duration::MAX, |s| s.grow_capture(true));
            ended.unwrap();
            g.finish(pass);
            let grown = g.take();
            assert!(!grown.capture.is_growing());
            assert_eq!(grown.len(), whole.len(), "{name}");
            for p in 0..whole.len() as u32 {
                let id = super::super::PacketId(p);
                assert_eq!(grown.columns(id).info, whole.columns(id).info, "{name} {p}");
                assert_eq!(
                    crate::export::text::row(&grown, id),
                    crate::export::text::row(&whole, id)
                );
            }
            let stats =
                |s: &Store| serde_json::to_value(crate::stats::from_store(name, s)).unwrap();
            assert_eq!(stats(&grown), stats(&whole), "{name}");
            assert_eq!(
                crate::export::messages::lines(&grown).len(),
                crate::export::messages::lines(&whole).len()
            );
            std::fs::remove_file(&path).unwrap();
        }
    }

    /// `grow` adds packets in time slices and says how many are in.
    #[test]
    fn grow_reports_the_packets_in() {
        let cap = sample("socketio-chat.pcap");
        let (g, mut pass) = Growing::start(cap.clone(), Keep::Records);
        let gen0 = g.generation();
        let n = g.grow(&mut pass, Duration::from_millis(50));
        assert_eq!(n, cap.len(), "a small capture goes in in one slice");
        assert!(g.generation() > gen0);
        assert!(!g.is_finished());
        assert_eq!(g.grow(&mut pass, Duration::ZERO), cap.len());
        g.finish(pass);
        assert!(g.is_finished());
    }
}
