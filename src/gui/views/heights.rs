//! Heights of rows of different heights (chat bubbles), for drawing only the
//! rows on screen: each row's height is measured when it is first drawn (until
//! then it is a guess), and a Fenwick tree of them gives the top of any row and
//! the row at any height in O(log n), so a list of a million rows costs a few
//! bytes per row and a few lookups per frame.

#[derive(Default)]
pub struct RowHeights {
    /// Each row's height (measured or guessed).
    h: Vec<f64>,
    /// Fenwick tree over `h` (1-based).
    tree: Vec<f64>,
    /// The width the heights were measured at.
    width: f32,
}

impl RowHeights {
    /// Start over with `n` rows of height `guess`, measured at `width`.
    pub fn reset(&mut self, n: usize, guess: f32, width: f32) {
        self.h = vec![f64::from(guess); n];
        self.width = width;
        self.tree = vec![0.0; n + 1];
        for i in 1..=n {
            self.tree[i] += self.h[i - 1];
            let j = i + (i & i.wrapping_neg());
            if j <= n {
                self.tree[j] += self.tree[i];
            }
        }
    }

    /// Whether these are the heights of `n` rows at `width` (widths within half
    /// a point count as one: text wraps the same).
    pub fn fits(&self, n: usize, width: f32) -> bool {
        self.h.len() == n && (self.width - width).abs() < 0.5
    }

    /// Row `i`'s height.
    pub fn get(&self, i: usize) -> f32 {
        self.h.get(i).copied().unwrap_or(0.0) as f32
    }

    /// Row `i` measured `height` tall.
    pub fn set(&mut self, i: usize, height: f32) {
        let Some(old) = self.h.get(i).copied() else {
            return;
        };
        let delta = f64::from(height) - old;
        if delta == 0.0 {
            return;
        }
        self.h[i] = f64::from(height);
        let mut j = i + 1;
        while j < self.tree.len() {
            self.tree[j] += delta;
            j += j & j.wrapping_neg();
        }
    }

    /// The top of row `i` (the heights of rows `0..i`).
    pub fn top(&self, i: usize) -> f32 {
        let mut j = i.min(self.h.len());
        let mut sum = 0.0;
        while j > 0 {
            sum += self.tree[j];
            j -= j & j.wrapping_neg();
        }
        sum as f32
    }

    pub fn total(&self) -> f32 {
        self.top(self.h.len())
    }

    /// The row at height `y` (the last one if `y` is past the end; 0 if empty).
    pub fn row_at(&self, y: f32) -> usize {
        let n = self.h.len();
        let mut pos = 0;
        let mut rest = f64::from(y.max(0.0));
        let mut step = n.checked_next_power_of_two().unwrap_or(0);
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step /= 2;
        }
        pos.min(n.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tops_and_rows_follow_the_measured_heights() {
        let mut r = RowHeights::default();
        r.reset(5, 10.0, 300.0);
        assert!(r.fits(5, 300.2) && !r.fits(5, 301.0) && !r.fits(6, 300.0));
        assert_eq!(r.total(), 50.0);
        assert_eq!(r.row_at(0.0), 0);
        assert_eq!(r.row_at(25.0), 2);
        r.set(1, 30.0);
        assert_eq!((r.top(1), r.top(2), r.total()), (10.0, 40.0, 70.0));
        assert_eq!(r.row_at(9.9), 0);
        assert_eq!(r.row_at(10.0), 1);
        assert_eq!(r.row_at(39.9), 1);
        assert_eq!(r.row_at(40.0), 2);
        assert_eq!(r.row_at(1e9), 4);
        r.set(4, 5.0);
        assert_eq!(r.total(), 65.0);
        let mut empty = RowHeights::default();
        empty.reset(0, 10.0, 1.0);
        assert_eq!((empty.total(), empty.row_at(5.0)), (0.0, 0));
    }

    /// Against a plain prefix sum, on many rows.
    #[test]
    fn agrees_with_a_prefix_sum() {
        let mut r = RowHeights::default();
        let n = 1000;
        r.reset(n, 20.0, 100.0);
        let mut h = vec![20.0f32; n];
        for i in (0..n).step_by(7) {
            let x = 10.0 + (i % 13) as f32 * 3.0;
            r.set(i, x);
            h[i] = x;
        }
        let mut top = 0.0;
        for (i, &x) in h.iter().enumerate() {
            assert!((r.top(i) - top).abs() < 1e-3, "{i}");
            assert_eq!(r.row_at(top + x / 2.0), i);
            top += x;
        }
    }
}
