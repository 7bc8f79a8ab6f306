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
