//! The display filter's tiers on a big capture (not a timed test): for each filter, the
//! time `filter::filter_all` takes over every packet of an already built store (what the
//! window's filter bar runs, on all cores), the matches, and how many packets each tier
//! answered (summary, records, dissection). Loading the store is timed apart.
//!
//!     cargo bench --bench filter_tiers                       # /tmp/big.pcap
//!     LAYERSCOPE_FILTER_BENCH_FILE=some.pcap cargo bench --bench filter_tiers
//!
//! The reference file is `python3 ../shared/bench/gen_pcap.py /tmp/big.pcap 1000000 pcap
//! --seed 2` (1,000,000 packets, WebSocket and Socket.IO heavy). Targets (issue 10): a
//! summary-tier filter in at most 0.3 s, a record-tier filter in at most 1 s.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use layerscope::capture::Capture;
use layerscope::filter;
use layerscope::store::{PacketId, Store};

/// (filter, the tier it is meant to exercise, target in seconds).
const FILTERS: &[(&str, &str, f64)] = &[
    ("tcp.port == 8080", "summary", 0.3),
    ("tcp.flags.syn == 1 && tcp.flags.ack == 0", "summary", 0.3),
    (
        "ip.addr == 10.0.0.0/8 or frame.time_delta > 0.5",
        "summary",
        0.3,
    ),
    ("websocket.opcode == 1", "records", 1.0),
    ("websocket.opcode == 7", "records", 1.0),
    ("tcp.port == 8080 && websocket.mask == 1", "records", 1.0),
    ("http.request.method == \"GET\"", "records", 1.0),
    ("socketio.event == \"chat message\"", "records", 1.0),
    ("socketio.type == 2", "records", 1.0),
    ("socketio.ack_id && tcp.port == 8080", "records", 1.0),
    ("engineio.type == 4", "records", 1.0),
    ("socketio.args contains \"hello\"", "records", 1.0),
    ("socketio.arg contains \"hello\"", "records", 1.0),
    ("engineio.data contains \"hello\"", "records", 1.0),
    ("engineio.sid", "records", 1.0),
    ("websocket.payload contains \"hello\"", "records", 1.0),
    ("http.host contains \"example\"", "records", 1.0),
    ("json", "records", 1.0),
    ("tcp.window_size_value < 100", "dissection", f64::INFINITY),
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let file = std::env::var_os("LAYERSCOPE_FILTER_BENCH_FILE")
        .map_or_else(|| PathBuf::from("/tmp/big.pcap"), PathBuf::from);
    if !file.exists() {
        eprintln!(
            "{} is missing: make it with `python3 ../shared/bench/gen_pcap.py {} 1000000 pcap --seed 2` \
             or set LAYERSCOPE_FILTER_BENCH_FILE",
            file.display(),
            file.display()
        );
        std::process::exit(2);
    }
    let t = Instant::now();
    let cap = Capture::open(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let store = Store::build(cap);
    let load = t.elapsed();
    println!(
        "{}: {} packets, store built in {:.2} s\n",
        file.display(),
        store.len(),
        load.as_secs_f64()
    );
    println!("| filter | tier | matches | summary | records | dissected | median of 3 | target |");
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    for &(text, tier, target) in FILTERS {
        let f = filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let runs: Vec<(Duration, usize)> = (0..3)
            .map(|_| {
                let t = Instant::now();
                let hits = filter::filter_all(&store, &f, &AtomicBool::new(false), |_, _| {});
                (t.elapsed(), hits.len())
            })
            .collect();
        let matches = runs[0].1;
        let took = median(runs.iter().map(|r| r.0).collect());
        let (mut summary, mut records, mut dissected) = (0usize, 0usize, 0usize);
        for i in 0..store.len() as u32 {
            let id = PacketId(i);
            if f.rules_out(&store, id) || f.quick(&store, id).is_some() {
                summary += 1;
            } else if f.without_dissection(&store, id).is_some() {
                records += 1;
            } else {
                dissected += 1;
            }
        }
        let secs = took.as_secs_f64();
        let verdict = match target.is_finite() {
            true if secs <= target => format!("≤ {target} s: ok"),
            true => format!("≤ {target} s: MISS"),
            false => "-".to_string(),
        };
        println!(
            "| `{text}` | {tier} | {matches} | {summary} | {records} | {dissected} | {secs:.3} s | {verdict} |"
        );
    }
}
