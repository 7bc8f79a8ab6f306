//! Lookups in the analysis's per-packet indexes: (packet, record) pairs sorted by packet.
//!
//! Rows are described in packet order, a few lookups a row (frames, Engine.IO packets,
//! HTTP messages), and a binary search over an index of 400,000 entries per lookup was a
//! sixth of writing the rows of `inspect -Y 'websocket.opcode == 1'`. So each lookup
//! starts where the last one of its index ended on this thread, and gallops forward from
//! there; a lookup behind it searches the whole index. The hint is only where to start:
//! any hint gives the same answer.

use std::cell::Cell;
use std::thread::LocalKey;

/// A (packet, record) index filled mostly in packet order and sorted when asked
/// ([`Index::settle`], [`Index::settle_dedup`]), mid-pass as often as a growing capture
/// is shown: in time proportional to what came in since the last time, and to how far
/// back it reaches, not to the whole index (sorting it all took 3 ms at 900,000 packets,
/// under the lock the window waits on).
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    entries: Vec<(u32, u32)>,
    /// How many entries at the front are sorted and without repeats.
    settled: usize,
}

impl Index {
    pub(crate) fn push(&mut self, packet: u32, record: u32) {
        self.entries.push((packet, record));
    }

    /// Sort the entries (keeping repeats).
    pub(crate) fn settle(&mut self) {
        self.sort_new();
        self.settled = self.entries.len();
    }

    /// Sort the entries and drop repeats.
    pub(crate) fn settle_dedup(&mut self) {
        let from = self.sort_new();
        // `v[..from]` has no repeats: keep each entry of the rest unless it repeats
        // the one kept before it.
        let v = &mut self.entries;
        let start = from.max(1).min(v.len());
        let mut kept = start;
        for i in start..v.len() {
            if v[i] != v[kept - 1] {
                v[kept] = v[i];
                kept += 1;
            }
        }
        v.truncate(kept);
        self.settled = v.len();
    }

    /// Sort what came in since the last settling into the rest; returns the first
    /// position that changed.
    fn sort_new(&mut self) -> usize {
        let v = &mut self.entries;
        let settled = self.settled.min(v.len());
        v[settled..].sort_unstable();
        // Where the first new entry goes among the settled ones: from there on, two
        // sorted runs, which the stable sort merges in linear time.
        let from = match v.get(settled) {
            Some(first) => v[..settled].partition_point(|e| e <= first),
            None => settled,
        };
        if from < settled {
            v[from..].sort();
        }
        from
    }

    pub(crate) fn as_slice(&self) -> &[(u32, u32)] {
        &self.entries
    }
}

/// Where a lookup of an index last ended on this thread.
pub(crate) type Hint = LocalKey<Cell<usize>>;

/// The first entry of `index` (sorted by packet) whose packet is not below `packet`.
fn first_at(index: &[(u32, u32)], packet: u32, hint: &'static Hint) -> usize {
    hint.with(|h| {
        let start = first_from(index, packet, h.get());
        h.set(start);
        start
    })
}

/// [`first_at`] from position `from`.
fn first_from(index: &[(u32, u32)], packet: u32, from: usize) -> usize {
    let below = |i: usize| index.get(i).is_some_and(|&(p, _)| p < packet);
    let from = from.min(index.len());
    if from > 0 && !below(from - 1) {
        return index.partition_point(|&(p, _)| p < packet);
    }
    // Every entry before `lo` is below `packet`: look 1, 2, 4... entries further until
    // one is not, then search between.
    let (mut lo, mut step) = (from, 1usize);
    let hi = loop {
        let probe = lo.saturating_add(step - 1);
        if probe >= index.len() {
            break index.len();
        }
        if !below(probe) {
            break probe + 1;
        }
        lo = probe + 1;
        step = step.saturating_mul(2);
    };
    lo + index[lo..hi].partition_point(|&(p, _)| p < packet)
}

/// The entries of `packet` in `index`: from [`first_at`], while the packet is the same.
pub(crate) fn entries_at<'a>(
    index: &'a [(u32, u32)],
    packet: u32,
    hint: &'static Hint,
) -> impl Iterator<Item = u32> + 'a {
    let start = first_at(index, packet, hint);
    index[start..]
        .iter()
        .take_while(move |&&(p, _)| p == packet)
        .map(|&(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local!(static HINT: Cell<usize> = const { Cell::new(0) });

    /// Settled after every few entries, in any order and with repeats, the index
    /// ends as the whole of it sorted once without repeats.
    #[test]
    fn settling_piecewise_equals_sorting_once() {
        // A small deterministic generator: mostly ascending packets, some far back.
        let mut x = 12345u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (every, dedup) in [1usize, 2, 3, 7, 50, 1000]
            .into_iter()
            .flat_map(|e| [(e, true), (e, false)])
        {
            let mut index = Index::default();
            let mut all = Vec::new();
            let mut packet = 0u32;
            for i in 0..3000 {
                let r = next();
                packet += (r % 3) as u32;
                let p = match r % 10 {
                    0 => packet.saturating_sub((r >> 8) as u32 % 200),
                    1 => (r >> 8) as u32 % (packet + 1),
                    _ => packet,
                };
                let e = (p, (r >> 32) as u32 % 4);
                index.push(e.0, e.1);
                all.push(e);
                if i % every == 0 {
                    let mut want = all.clone();
                    want.sort();
                    if dedup {
                        index.settle_dedup();
                        want.dedup();
                    } else {
                        index.settle();
                    }
                    assert_eq!(
                        index.as_slice(),
                        &want[..],
                        "every {every}, at {i}, {dedup}"
                    );
                }
            }
        }
    }

    /// From any starting point, the answer is the whole search's.
    #[test]
    fn any_hint_gives_the_whole_search() {
        let index: Vec<(u32, u32)> = [1u32, 1, 3, 4, 4, 4, 9, 10, 10, 200, 201]
            .iter()
            .enumerate()
            .map(|(r, &p)| (p, r as u32))
            .collect();
        for packet in 0..=205 {
            let want = index.partition_point(|&(p, _)| p < packet);
            for from in 0..=index.len() + 3 {
                assert_eq!(
                    first_from(&index, packet, from),
                    want,
                    "{packet} from {from}"
                );
            }
        }
        assert_eq!(first_from(&[], 7, 3), 0);
        // In order, out of order, and the entries of each packet.
        for packet in [0u32, 1, 4, 4, 5, 200, 3, 10, 300, 1] {
            let got: Vec<u32> = entries_at(&index, packet, &HINT).collect();
            let want: Vec<u32> = index
                .iter()
                .filter(|e| e.0 == packet)
                .map(|e| e.1)
                .collect();
            assert_eq!(got, want, "{packet}");
        }
    }
}
