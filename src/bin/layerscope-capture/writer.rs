//! The writer: packets into the file, flushes, statistics blocks and events.

use super::*;

/// Flushes are at least this far apart; a written packet waits in our buffer at most about
/// twice this (the writer wakes every `FLUSH_EVERY` when idle), so a window following the file
/// draws it well within 100 ms, with at most 50 writes a second however fast packets come.
const FLUSH_EVERY: Duration = Duration::from_millis(20);

/// The writer: packets into the file, flushes, statistics blocks and events, until every
/// capture thread has ended. Returns the exit code.
pub(crate) fn write_loop<W: Write>(
    args: &Args,
    mut w: NgWriter<W>,
    rx: Receiver<Msg>,
    names: &[String],
    stopper: &Stopper,
    report: &Report,
) -> i32 {
    let limits = Limits::new(args);
    let started = Instant::now();
    let start_ns = now_ns();
    let mut stats = vec![IfStats::default(); names.len()];
    let (mut packets, mut bytes) = (0u64, 0u64);
    let (mut last_flush, mut last_stats) = (Instant::now(), Instant::now());
    let mut dirty = false;
    // A limit was reached: packets still in flight are not written.
    let mut full = false;
    // The first error; once the file cannot be written, packets are drained and dropped.
    let mut failed = false;
    let mut io_failed = false;

    let io_error = |e: io::Error, failed: &mut bool, io_failed: &mut bool| {
        if !*io_failed {
            let msg = format!("cannot write {}: {e}", args.write);
            report.error(&Failure::new(ErrorKind::Io, None, msg));
        }
        *failed = true;
        *io_failed = true;
        stopper.stop(StopReason::Error);
    };

    loop {
        match rx.recv_timeout(FLUSH_EVERY) {
            Ok(Msg::Packets(batch)) => {
                for (ts_ns, origlen, data) in batch.packets() {
                    if full || io_failed {
                        break;
                    }
                    match w.packet(batch.iface, ts_ns, data, origlen) {
                        Ok(()) => {
                            packets += 1;
                            bytes += data.len() as u64;
                            dirty = true;
                            if let Some(reason) = limits.reached(packets, w.bytes_written()) {
                                full = true;
                                stopper.stop(reason);
                            }
                        }
                        Err(e) => io_error(e, &mut failed, &mut io_failed),
                    }
                }
            }
            Ok(Msg::Stats { iface, stats: s }) => {
                if let Some(slot) = stats.get_mut(iface as usize) {
                    *slot = s;
                }
            }
            Ok(Msg::Down { iface, message }) => {
                let name = names.get(iface as usize).map(String::as_str);
                let msg = format!(
                    "capture on {} stopped: {message}",
                    name.unwrap_or("an interface")
                );
                report.error(&Failure::new(ErrorKind::InterfaceDown, name, msg));
                failed = true;
                stopper.stop(StopReason::Error);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if limits.duration.is_some_and(|d| started.elapsed() >= d) {
            stopper.stop(StopReason::Duration);
        }
        if !io_failed && last_stats.elapsed() >= STATS_EVERY {
            last_stats = Instant::now();
            let now = now_ns();
            let written = stats
                .iter()
                .enumerate()
                .try_for_each(|(i, s)| w.stats(i as u32, now, s, Some(start_ns), None));
            match written {
                Ok(()) => dirty = true,
                Err(e) => io_error(e, &mut failed, &mut io_failed),
            }
            report.emit(&Status::Stats {
                ts_ns: now,
                packets,
                bytes,
                file_bytes: w.bytes_written(),
                interfaces: iface_stats(names, &stats),
            });
        }
        if dirty && !io_failed && last_flush.elapsed() >= FLUSH_EVERY {
            last_flush = Instant::now();
            dirty = false;
            if let Err(e) = w.flush() {
                io_error(e, &mut failed, &mut io_failed);
            }
        }
    }

    if !io_failed {
        let now = now_ns();
        let end = stats
            .iter()
            .enumerate()
            .try_for_each(|(i, s)| w.stats(i as u32, now, s, Some(start_ns), Some(now)))
            .and_then(|()| w.flush());
        if let Err(e) = end {
            io_error(e, &mut failed, &mut io_failed);
        }
    }
    drop(w); // closes the file
    let reason = if failed {
        StopReason::Error
    } else {
        stopper.reason().unwrap_or(StopReason::Error)
    };
    report.emit(&Status::Stopped {
        reason,
        packets,
        dropped: stats.iter().map(|s| s.dropped).sum(),
        if_dropped: stats.iter().map(|s| s.if_dropped).sum(),
    });
    if reason == StopReason::Error {
        2
    } else {
        0
    }
}

fn iface_stats(names: &[String], stats: &[IfStats]) -> Vec<IfaceStats> {
    names
        .iter()
        .zip(stats)
        .map(|(name, s)| IfaceStats {
            name: name.clone(),
            stats: *s,
        })
        .collect()
}
