//! Packets per second of each interface, read from the kernel's counters (`/proc/net/dev`)
//! without privileges and without opening a device: the interface list's sparklines.

use std::collections::BTreeMap;
use std::time::Instant;

/// Received plus sent packets of every interface, from `/proc/net/dev` text.
pub fn parse_proc_net_dev(text: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in text.lines().skip(2) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let cols: Vec<u64> = rest
            .split_whitespace()
            .filter_map(|c| c.parse().ok())
            .collect();
        // Columns: rx bytes, packets, errs, drop, fifo, frame, compressed, multicast,
        // then tx bytes, packets, ...
        if cols.len() >= 10 {
            out.insert(name.trim().to_string(), cols[1] + cols[9]);
        }
    }
    out
}

/// Samples the counters and keeps a short history of rates per interface.
#[derive(Default)]
pub struct Rates {
    last: Option<(Instant, BTreeMap<String, u64>)>,
    /// Packets per second, newest last, at most [`Rates::HISTORY`] each.
    pub history: BTreeMap<String, Vec<f32>>,
}

impl Rates {
    pub const HISTORY: usize = 60;

    /// Reads the counters now (Linux); elsewhere nothing changes.
    pub fn sample(&mut self) {
        if let Ok(text) = std::fs::read_to_string("/proc/net/dev") {
            self.add(Instant::now(), parse_proc_net_dev(&text));
        }
    }

    /// Adds a reading taken at `at`.
    pub fn add(&mut self, at: Instant, counts: BTreeMap<String, u64>) {
        if let Some((t0, before)) = &self.last {
            let secs = at.duration_since(*t0).as_secs_f32().max(1e-3);
            for (name, &n) in &counts {
                let prev = before.get(name).copied().unwrap_or(n);
                let h = self.history.entry(name.clone()).or_default();
                h.push(n.saturating_sub(prev) as f32 / secs);
                if h.len() > Self::HISTORY {
                    h.remove(0);
                }
            }
        }
        self.last = Some((at, counts));
    }

    /// The latest rate of `name` (0 before two readings).
    pub fn latest(&self, name: &str) -> f32 {
        self.history
            .get(name)
            .and_then(|h| h.last().copied())
            .unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
  eth0: 9999 7 0 0 0 0 0 0 5555 3 0 0 0 0 0 0
";

    #[test]
    fn counters_and_rates() {
        let c = parse_proc_net_dev(DEV);
        assert_eq!(c.get("lo"), Some(&200));
        assert_eq!(c.get("eth0"), Some(&10));
        let mut r = Rates::default();
        let t = Instant::now();
        r.add(t, c);
        assert_eq!(r.latest("lo"), 0.0);
        let mut later = BTreeMap::new();
        later.insert("lo".to_string(), 400);
        r.add(t + Duration::from_secs(2), later);
        assert!((r.latest("lo") - 100.0).abs() < 0.01, "{}", r.latest("lo"));
    }
}
