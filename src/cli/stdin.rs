//! `inspect -`, `stats -` and `messages -`: standard input read as a stream, as a live
//! capture's spool is followed ([`PipeSpool`], [`Store::grow_capture`]). What arrives is
//! indexed and analysed at once; `inspect` prints rows before the input ends when that
//! cannot change what it prints (see [`may_show`]); once the input ends (or Ctrl+C), the
//! store is finished exactly as a file's, so the rest is what `inspect FILE` prints.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::CliError;
use crate::analysis::Keep;
use crate::capture::{OpenError, PipeSpool};
use crate::store::Store;

/// The name standard input goes by in messages.
const NAME: &str = "-";
/// The pause when nothing new came.
const IDLE: Duration = Duration::from_millis(20);
/// Packets summarized between two looks at the input.
const INGEST_PACKETS: usize = 4096;
/// Input that has paused this long is being written as it happens (a capture, not a file
/// being copied): the rows of what came are printed.
const QUIET: Duration = Duration::from_millis(200);
/// Packets whose time is this close to the clock are being captured now: their rows are
/// printed as they arrive, without waiting for a pause.
const LIVE_WINDOW_NS: i64 = 10_000_000_000;

/// Whether the rows of the packets in may be printed before the input ends: the input has
/// paused for [`QUIET`], or its newest packet was captured within [`LIVE_WINDOW_NS`] of
/// now. A capture file copied to the pipe (old packets, no pause) waits for its end, so
/// its rows carry what later packets say about them (an ack, the end of a message) as
/// `inspect FILE` prints them; rows printed earlier carry the analysis so far.
fn may_show(quiet: Duration, newest_ts_ns: Option<i64>, now_ns: i64) -> bool {
    quiet >= QUIET || newest_ts_ns.is_some_and(|ts| ts.abs_diff(now_ns) <= LIVE_WINDOW_NS as u64)
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

fn open_error(e: io::Error) -> CliError {
    CliError::Open(OpenError::Io {
        path: NAME.into(),
        source: e,
    })
}

/// Read standard input to its end (or Ctrl+C) into a store kept as `keep` says. `show` is
/// called with the store (settled, its pass still open) whenever what it holds may be
/// printed, and says whether to go on reading; the store is returned finished, or `None`
/// when `show` stopped it.
pub(super) fn read(
    keep: Keep,
    mut show: impl FnMut(&Store) -> io::Result<bool>,
) -> Result<Option<Store>, CliError> {
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second Ctrl+C ends the process at once, as without a handler.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, interrupted.clone());
        let _ = signal_hook::flag::register(sig, interrupted.clone());
    }
    let spool = PipeSpool::start(io::stdin()).map_err(open_error)?;
    let cap = spool.capture(NAME).map_err(CliError::Open)?;
    let (mut store, mut pass) = Store::start(Arc::new(cap), keep);
    let mut shown = 0;
    loop {
        let end = spool.ended() || interrupted.load(Ordering::Relaxed);
        let before = store.len();
        store.grow_capture(end).map_err(CliError::Open)?;
        while store.ingest(&mut pass, INGEST_PACKETS) > 0 {}
        if end {
            break;
        }
        let newest = store.capture.packets.last().map(|r| r.ts_ns);
        if store.len() > shown && may_show(spool.quiet_for(), newest, now_ns()) {
            store.settle();
            shown = store.len();
            if !show(&store)? {
                spool.stop();
                return Ok(None);
            }
        }
        if store.len() == before {
            std::thread::sleep(IDLE);
        }
    }
    if let Some(e) = spool.error() {
        eprintln!("layerscope: {e}; what came before is read");
    }
    store.finish(pass);
    Ok(Some(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_wait_for_a_pause_unless_the_packets_are_live() {
        let now = 1_800_000_000_000_000_000;
        let busy = Duration::from_millis(5);
        let old = Some(now - 3_600_000_000_000);
        assert!(!may_show(busy, old, now), "a file copied in waits");
        assert!(!may_show(busy, None, now));
        assert!(may_show(QUIET, old, now), "a pause shows what came");
        assert!(may_show(busy, Some(now - 1_000_000), now), "live packets");
        assert!(
            may_show(busy, Some(now + 1_000_000), now),
            "a clock a bit behind"
        );
        assert!(!may_show(busy, Some(now - 2 * LIVE_WINDOW_NS), now));
        assert!(!may_show(busy, Some(i64::MIN), now), "no overflow");
    }
}
