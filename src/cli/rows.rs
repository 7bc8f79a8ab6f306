//! `inspect`'s output: once the store is built it is only read, so the packets
//! are filtered and described (row, tree or JSON line) in chunks on two threads,
//! a `layerscope-rows` thread taking every other chunk, and written in capture
//! order, stopping at `-c`.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use super::{print_packet, InspectArgs};
use crate::filter::Filter;
use crate::store::{PacketId, Store, Threads};

/// Packets per chunk of one-line rows.
const CHUNK_PACKETS: usize = 2048;

/// Packets per chunk of trees (`--json`, `-V`, `--worked`): a packet's tree is some
/// kilobytes of text, and about four chunks are in flight at once: chunks of 2048 held
/// 100 MB on the reference workload (`inspect --json` then peaked at 596 MB RSS, 497 MB now).
const CHUNK_TREES: usize = 64;

/// What one chunk of packets printed: the bytes, and where each packet's ends.
#[derive(Default)]
struct Chunk {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

/// What `print_packet` reads besides the packet, and the chunks' size.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    store: &'a Store,
    args: &'a InspectArgs,
    filter: &'a Filter,
    /// The packets to look at, in order (`None`: all of them).
    only: Option<&'a [u32]>,
    chunk: usize,
}

impl Ctx<'_> {
    /// Describe chunk `k` into `c` (emptied first).
    fn describe(&self, k: usize, c: &mut Chunk) -> io::Result<()> {
        c.bytes.clear();
        c.ends.clear();
        let from = k * self.chunk;
        let to = self.len().min(from + self.chunk);
        for i in from..to {
            let id = PacketId(self.only.map_or(i as u32, |o| o[i]));
            if print_packet(&mut c.bytes, self.store, id, self.args, self.filter)? {
                c.ends.push(c.bytes.len());
            }
        }
        Ok(())
    }

    /// How many packets there are to look at.
    fn len(&self) -> usize {
        self.only.map_or(self.store.len(), <[u32]>::len)
    }
}

/// Write `c`, or as much of it as `limit` allows; returns true once `limit` packets are out.
fn write_chunk(
    out: &mut impl Write,
    c: &Chunk,
    printed: &mut usize,
    limit: usize,
) -> io::Result<bool> {
    let left = limit.saturating_sub(*printed);
    if c.ends.len() >= left {
        let end = left.checked_sub(1).map_or(0, |l| c.ends[l]);
        out.write_all(&c.bytes[..end])?;
        *printed = limit;
        return Ok(true);
    }
    out.write_all(&c.bytes)?;
    *printed += c.ends.len();
    Ok(false)
}

/// Print every packet of `store` (or of `only`, packets in capture order) that passes
/// `filter`, at most `limit`, in order.
pub(super) fn print_all(
    out: &mut impl Write,
    (store, only): (&Store, Option<&[u32]>),
    args: &InspectArgs,
    filter: &Filter,
    limit: usize,
) -> io::Result<()> {
    let threads = Threads::for_this_machine();
    let chunk = match args.json || args.verbose || args.worked {
        true => CHUNK_TREES,
        false => CHUNK_PACKETS,
    };
    print_in_chunks(out, (store, only), (args, filter), limit, (chunk, threads))
}

/// [`print_all`] in chunks of `chunk` packets, on two threads when `threads` says so
/// (and there are two chunks or more and the limit is not under one chunk).
fn print_in_chunks(
    out: &mut impl Write,
    (store, only): (&Store, Option<&[u32]>),
    (args, filter): (&InspectArgs, &Filter),
    limit: usize,
    (chunk, threads): (usize, Threads),
) -> io::Result<()> {
    let ctx = Ctx {
        store,
        args,
        filter,
        only,
        chunk: chunk.max(1),
    };
    let chunks = ctx.len().div_ceil(ctx.chunk);
    let two = threads != Threads::One && chunks >= 2 && limit >= ctx.chunk;
    if !two || !print_on_two_threads(out, ctx, chunks, limit)? {
        let mut printed = 0;
        let mut c = Chunk::default();
        for k in 0..chunks {
            ctx.describe(k, &mut c)?;
            if write_chunk(out, &c, &mut printed, limit)? {
                break;
            }
        }
    }
    Ok(())
}

/// The odd chunks on a second thread, the even ones here. Returns false (nothing
/// written) when that thread could not be started.
fn print_on_two_threads(
    out: &mut impl Write,
    ctx: Ctx<'_>,
    chunks: usize,
    limit: usize,
) -> io::Result<bool> {
    let stop = AtomicBool::new(false);
    let (full_tx, full_rx) = mpsc::sync_channel::<io::Result<Chunk>>(2);
    let (empty_tx, empty_rx) = mpsc::channel::<Chunk>();
    std::thread::scope(|scope| {
        let stop = &stop;
        let worker = std::thread::Builder::new()
            .name("layerscope-rows".into())
            .spawn_scoped(scope, move || {
                for k in (1..chunks).step_by(2) {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let mut c = empty_rx.try_recv().unwrap_or_default();
                    let r = ctx.describe(k, &mut c).map(|()| c);
                    if full_tx.send(r).is_err() {
                        return;
                    }
                }
            });
        if worker.is_err() {
            return Ok(false);
        }
        let mut printed = 0;
        let mut mine = Chunk::default();
        let mut result = Ok(true);
        for k in 0..chunks {
            let done = if k % 2 == 0 {
                ctx.describe(k, &mut mine)
                    .and_then(|()| write_chunk(out, &mine, &mut printed, limit))
            } else {
                match full_rx.recv() {
                    Ok(Ok(c)) => {
                        let done = write_chunk(out, &c, &mut printed, limit);
                        let _ = empty_tx.send(c);
                        done
                    }
                    Ok(Err(e)) => Err(e),
                    Err(_) => Err(io::Error::other("the rows thread stopped")),
                }
            };
            match done {
                Ok(false) => {}
                Ok(true) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // A worker waiting to send sees the channel closed; one about to start a chunk, the flag.
        stop.store(true, Ordering::Release);
        drop(full_rx);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On two threads, in chunks of any size, with or without a limit, a filter, a
    /// tree or JSON: the bytes one thread prints.
    #[test]
    fn two_threads_print_what_one_prints() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
        let store = Store::build(crate::capture::Capture::open(&path).expect("sample"));
        for (verbose, json, filter, worked) in [
            (false, false, "", false),
            (false, false, "tcp.port == 3000 && socketio", false),
            (true, false, "websocket", false),
            (false, true, "", false),
            (false, false, "", true),
        ] {
            let args = InspectArgs {
                file: path.clone(),
                verbose,
                json,
                worked,
                count: None,
                filter: None,
            };
            let f = crate::filter::parse(filter).expect("filter");
            let print = |limit, chunk, threads| {
                let mut out = Vec::new();
                print_in_chunks(
                    &mut out,
                    (&store, None),
                    (&args, &f),
                    limit,
                    (chunk, threads),
                )
                .expect("printed");
                out
            };
            for limit in [0, 1, 5, 17, usize::MAX] {
                let one = print(limit, 4096, Threads::One);
                for chunk in [1, 3, 7] {
                    let two = print(limit, chunk, Threads::Two { batch: 1 });
                    assert!(one == two, "{filter} -c {limit}, chunks of {chunk}");
                }
            }
        }
    }
}
