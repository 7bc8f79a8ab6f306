//! Engine.IO and Socket.IO a batch behind the rest of the analysis, on whichever
//! of a build's two threads would otherwise wait ([`Deferred`]).

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};

use crate::analysis::realtime::Realtime;
use crate::analysis::realtime_feed::RealtimeFeed;
use crate::analysis::Keep;

/// Feeds waiting for Engine.IO and Socket.IO at most; past it the thread that
/// adds one applies the oldest first, waiting its turn if need be. Small: the
/// upper half's thread then does about half of the work, while the payloads it
/// copied are still in its cache (on the reference workload, 1 to 3 took a
/// sixth off the build, 16 or more less than half of that).
const MAX_WAITING_FEEDS: usize = 2;

/// Engine.IO and Socket.IO taken out of an analysis pass, fed batch by batch
/// ([`RealtimeFeed`]) and applied in order, a feed at a time, by whichever thread
/// has nothing else to do: two threads share three stages without a third
/// thread competing with them for two cores.
pub(super) struct Deferred {
    realtime: Mutex<Realtime>,
    keep: Keep,
    waiting: Mutex<VecDeque<RealtimeFeed>>,
    spares: Mutex<Vec<RealtimeFeed>>,
}

/// A lock, whether or not a thread panicked holding it (the scope reports the panic).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Deferred {
    pub(super) fn new(realtime: Realtime, keep: Keep) -> Self {
        Deferred {
            realtime: Mutex::new(realtime),
            keep,
            waiting: Mutex::default(),
            spares: Mutex::default(),
        }
    }

    /// An empty feed to fill.
    pub(super) fn spare(&self) -> RealtimeFeed {
        lock(&self.spares).pop().unwrap_or_default()
    }

    /// Queue a filled feed; when too many wait, apply the oldest first.
    pub(super) fn push(&self, feed: RealtimeFeed) {
        let waiting = {
            let mut w = lock(&self.waiting);
            w.push_back(feed);
            w.len()
        };
        if waiting > MAX_WAITING_FEEDS {
            self.apply_next(lock(&self.realtime));
        }
    }

    /// Apply the oldest waiting feed, waiting for the other thread to end the
    /// one it is applying if need be. Whether there was one.
    pub(super) fn apply_waiting(&self) -> bool {
        // The queue's lock is let go before the other is taken (`apply_next` takes it again).
        let any = !lock(&self.waiting).is_empty();
        any && self.apply_next(lock(&self.realtime))
    }

    /// Apply the oldest waiting feed unless another thread is applying one.
    /// Whether one was applied.
    pub(super) fn apply_one(&self) -> bool {
        match self.realtime.try_lock() {
            Ok(rt) => self.apply_next(rt),
            Err(TryLockError::Poisoned(p)) => self.apply_next(p.into_inner()),
            Err(TryLockError::WouldBlock) => false,
        }
    }

    /// Apply the oldest waiting feed, if any, holding the lock on Engine.IO and
    /// Socket.IO (feeds are taken and applied under it: in order).
    fn apply_next(&self, mut rt: MutexGuard<'_, Realtime>) -> bool {
        let Some(mut feed) = lock(&self.waiting).pop_front() else {
            return false;
        };
        feed.apply(&mut rt, self.keep);
        lock(&self.spares).push(feed);
        true
    }

    /// Everything still waiting applied: Engine.IO and Socket.IO, up to date.
    pub(super) fn finish(self) -> Realtime {
        let mut rt = self
            .realtime
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let waiting = self
            .waiting
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        for mut feed in waiting {
            feed.apply(&mut rt, self.keep);
        }
        rt
    }
}

/// Send `item`, first calling `idle` while the channel is full and it says it did
/// something. False when the receiver is gone.
pub(super) fn send_or_work<T>(tx: &SyncSender<T>, mut item: T, idle: impl Fn() -> bool) -> bool {
    loop {
        match tx.try_send(item) {
            Ok(()) => return true,
            Err(TrySendError::Full(back)) if idle() => item = back,
            Err(TrySendError::Full(back)) => return tx.send(back).is_ok(),
            Err(TrySendError::Disconnected(_)) => return false,
        }
    }
}

/// The next item, first calling `idle` while there is none and it says it did
/// something. `None` when the sender is gone.
pub(super) fn recv_or_work<T>(rx: &Receiver<T>, idle: impl Fn() -> bool) -> Option<T> {
    loop {
        match rx.try_recv() {
            Ok(item) => return Some(item),
            Err(TryRecvError::Empty) if idle() => {}
            Err(TryRecvError::Empty) => return rx.recv().ok(),
            Err(TryRecvError::Disconnected) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::analysis::http::EioTarget;

    /// Feeds of one Engine.IO session: emits that ask for acks, their acks, and a
    /// binary event with its attachment, `n` of each, a feed per round.
    fn session_feeds(n: u32) -> Vec<RealtimeFeed> {
        use crate::analysis::realtime::Carrier;
        use crate::ids::Direction::{FromClient, FromServer};
        let mut feeds = Vec::new();
        let mut first = RealtimeFeed::default();
        first.websocket(
            &EioTarget::new("/socket.io/?EIO=4&transport=websocket", ""),
            0,
            0,
        );
        feeds.push(first);
        let mut m = 0;
        for i in 0..n {
            let mut f = RealtimeFeed::default();
            let mut msg = |dir, text, payload: &[u8]| {
                f.ws_message((0, 0), dir, text, payload, Carrier::WsMessage(m), m);
                m += 1;
            };
            if i == 0 {
                msg(
                    FromServer,
                    true,
                    br#"0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#,
                );
            }
            msg(
                FromClient,
                true,
                format!(r#"42{i}["ask",{{"n":{i}}}]"#).as_bytes(),
            );
            msg(FromServer, true, format!(r#"43{i}["ok",{i}]"#).as_bytes());
            msg(
                FromClient,
                true,
                br#"451-["up",{"_placeholder":true,"num":0}]"#,
            );
            msg(FromClient, false, &[7; 300]);
            msg(FromServer, true, b"42[\"bad\",");
            feeds.push(f);
        }
        feeds
    }

    fn realtime_text(rt: &Realtime) -> String {
        let attached: Vec<Vec<u32>> = (0..rt.socketio.len() as u32)
            .map(|s| rt.attached(s).collect())
            .collect();
        format!(
            "{:?} {:?} {:?} {:?} {attached:?} {:?}",
            rt.sessions,
            rt.eio,
            rt.socketio,
            rt.counts,
            rt.websocket_session_of(0)
        )
    }

    /// Feeds pushed on one thread while another applies what waits, as the
    /// two threads of a build do, give what applying them in order gives.
    #[test]
    fn deferred_feeds_are_applied_in_order_whichever_thread_applies_them() {
        let mut alone = Realtime::default();
        for mut f in session_feeds(200) {
            f.apply(&mut alone, Keep::Records);
        }
        alone.settle();
        assert_eq!(alone.counts.sio_acks, 200);
        assert_eq!(alone.counts.unanswered_acks, 0);
        assert_eq!(alone.counts.sio_errors, 200);
        assert_eq!(alone.attached(2).count(), 1);
        for _ in 0..4 {
            let deferred = Deferred::new(Realtime::default(), Keep::Records);
            let done = AtomicBool::new(false);
            std::thread::scope(|scope| {
                scope.spawn(|| {
                    while !done.load(Ordering::Acquire) {
                        deferred.apply_waiting();
                    }
                });
                for f in session_feeds(200) {
                    deferred.push(f);
                }
                done.store(true, Ordering::Release);
            });
            let mut rt = deferred.finish();
            rt.settle();
            assert_eq!(realtime_text(&rt), realtime_text(&alone));
        }
    }

    /// Of a binary message only what Engine.IO reads is copied into a feed;
    /// Engine.IO v3 reads its first byte as a packet type, and an open
    /// packet's data.
    #[test]
    fn a_feed_keeps_what_engineio_reads_of_a_binary_message() {
        use crate::analysis::engineio::PacketType;
        use crate::analysis::realtime::Carrier;
        use crate::ids::Direction::FromServer;
        let open = br#"0{"sid":"v3","upgrades":[],"pingInterval":25000,"pingTimeout":5000}"#;
        let mut binary_open = vec![0];
        binary_open.extend_from_slice(&open[1..]);
        let mut f = RealtimeFeed::default();
        f.websocket(
            &EioTarget::new("/socket.io/?EIO=3&transport=websocket", ""),
            0,
            0,
        );
        f.ws_message(
            (0, 0),
            FromServer,
            false,
            &binary_open,
            Carrier::WsMessage(0),
            1,
        );
        f.ws_message(
            (0, 0),
            FromServer,
            false,
            &[4, 1, 2, 3],
            Carrier::WsMessage(1),
            2,
        );
        f.ws_message((0, 0), FromServer, false, &[], Carrier::WsMessage(2), 3);
        let mut rt = Realtime::default();
        f.apply(&mut rt, Keep::Records);
        assert_eq!(rt.sessions[0].sid.as_deref(), Some("v3"));
        assert_eq!(rt.sessions[0].ping_timeout_ms, Some(5000));
        let kinds: Vec<_> = rt.eio.iter().map(|e| (e.kind, e.binary, e.range)).collect();
        assert_eq!(
            kinds,
            [
                (PacketType::Open, true, (0, binary_open.len() as u32)),
                (PacketType::Message, true, (0, 4)),
                (PacketType::Message, true, (0, 0)),
            ]
        );
    }
}
