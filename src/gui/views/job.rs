//! Something the views build from the store (a ladder, a transcript's index,
//! Follow Stream's lines), kept with what it was built for. A small one is built
//! at once; a large one on a worker thread while the window keeps drawing, with
//! its progress shown and the build cancelled when it is no longer wanted.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};
use std::sync::Arc;

use crate::store::Store;

/// How a builder reports progress (done, total) and learns it should stop
/// (it returns false, then the builder gives `None`).
pub type Tick<'a> = &'a mut dyn FnMut(u64, u64) -> bool;

/// A builder: from the store and what to build, the thing (or `None` if stopped).
pub type BuildFn<K, T> = fn(&Store, K, Tick<'_>) -> Option<T>;

/// A build running on a worker thread.
struct Worker<T> {
    rx: Receiver<Option<T>>,
    done: Arc<AtomicU64>,
    total: Arc<AtomicU64>,
    cancel: Arc<AtomicBool>,
}

impl<T> Drop for Worker<T> {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

enum State<T> {
    Empty,
    Building(Worker<T>),
    Ready(T),
    /// Too large to build while the capture loads (the store is not shared yet).
    AfterLoading,
}

/// What there is to show.
pub enum Look<'a, T> {
    Ready(&'a T),
    /// Being built: the fraction done.
    Building(f32),
    /// Large, and the capture is still loading: built when it has loaded.
    AfterLoading,
}

/// A value built from the store for a key, built again when the key changes.
pub struct Built<K, T> {
    key: Option<K>,
    state: State<T>,
}

impl<K, T> Default for Built<K, T> {
    fn default() -> Self {
        Built {
            key: None,
            state: State::Empty,
        }
    }
}

/// Where a build reads the store: the frame's look at it, and the finished store
/// when there is one (only that can be handed to a worker thread).
pub struct Stores<'a> {
    pub now: &'a Store,
    pub shared: Option<&'a Arc<Store>>,
}

impl<K: PartialEq + Copy + Send + 'static, T: Send + 'static> Built<K, T> {
    /// Forget what was built (a running build is cancelled).
    pub fn reset(&mut self) {
        *self = Built::default();
    }

    /// The value for `key`: built now when small, on a worker when `large`.
    pub fn get(
        &mut self,
        key: K,
        large: bool,
        stores: &Stores<'_>,
        ctx: &egui::Context,
        build: BuildFn<K, T>,
    ) -> Look<'_, T> {
        if self.key != Some(key) {
            self.key = Some(key);
            self.state = match (large, stores.shared) {
                (false, _) => Self::inline(stores.now, key, build),
                (true, Some(s)) => Self::spawn(s.clone(), key, ctx.clone(), build),
                (true, None) => State::AfterLoading,
            };
        }
        if let State::Building(w) = &self.state {
            match w.rx.try_recv() {
                Ok(Some(v)) => self.state = State::Ready(v),
                Ok(None) | Err(TryRecvError::Disconnected) => self.state = State::Empty,
                Err(TryRecvError::Empty) => {}
            }
        }
        match &self.state {
            State::Ready(v) => Look::Ready(v),
            State::Building(w) => {
                let total = w.total.load(Ordering::Relaxed).max(1);
                Look::Building(w.done.load(Ordering::Relaxed) as f32 / total as f32)
            }
            State::AfterLoading => Look::AfterLoading,
            // A build stopped before its end (it is asked for again with a new key).
            State::Empty => Look::Building(0.0),
        }
    }

    fn inline(store: &Store, key: K, build: BuildFn<K, T>) -> State<T> {
        match build(store, key, &mut |_, _| true) {
            Some(v) => State::Ready(v),
            None => State::Empty,
        }
    }

    fn spawn(store: Arc<Store>, key: K, ctx: egui::Context, build: BuildFn<K, T>) -> State<T> {
        let (tx, rx) = sync_channel(1);
        let done = Arc::new(AtomicU64::new(0));
        let total = Arc::new(AtomicU64::new(1));
        let cancel = Arc::new(AtomicBool::new(false));
        let (d, t, c) = (done.clone(), total.clone(), cancel.clone());
        let fallback = store.clone();
        let spawned = std::thread::Builder::new()
            .name("layerscope-views".into())
            .spawn(move || {
                let mut tick = |x: u64, n: u64| {
                    d.store(x, Ordering::Relaxed);
                    t.store(n, Ordering::Relaxed);
                    ctx.request_repaint();
                    !c.load(Ordering::Relaxed)
                };
                let v = build(&store, key, &mut tick);
                let _ = tx.send(v);
                ctx.request_repaint();
            });
        match spawned {
            Ok(_) => State::Building(Worker {
                rx,
                done,
                total,
                cancel,
            }),
            // No thread to be had: build it here rather than not at all.
            Err(_) => Self::inline(&fallback, key, build),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Arc<Store> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/http-get.pcap");
        let cap = crate::capture::Capture::open(std::path::Path::new(path)).unwrap();
        Arc::new(Store::build(cap))
    }

    fn count(s: &Store, k: u32, tick: Tick<'_>) -> Option<usize> {
        tick(1, 2).then(|| s.len() + k as usize)
    }

    /// Small builds are there at once; large ones arrive from the worker; a large
    /// one over a store still loading waits; a new key builds again.
    #[test]
    fn built_now_on_a_worker_or_after_loading() {
        let s = store();
        let ctx = egui::Context::default();
        let shared = Stores {
            now: &s,
            shared: Some(&s),
        };
        let mut b: Built<u32, usize> = Built::default();
        assert!(
            matches!(b.get(1, false, &shared, &ctx, count), Look::Ready(&n) if n == s.len() + 1)
        );
        let mut waited = 0;
        loop {
            match b.get(2, true, &shared, &ctx, count) {
                Look::Ready(&n) => {
                    assert_eq!(n, s.len() + 2);
                    break;
                }
                Look::Building(f) => assert!((0.0..=1.0).contains(&f)),
                Look::AfterLoading => panic!("the store is shared"),
            }
            waited += 1;
            assert!(waited < 10_000, "the worker never answered");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let loading = Stores {
            now: &s,
            shared: None,
        };
        assert!(matches!(
            b.get(3, true, &loading, &ctx, count),
            Look::AfterLoading
        ));
        b.reset();
        assert!(matches!(
            b.get(3, false, &loading, &ctx, count),
            Look::Ready(_)
        ));
    }
}
