//! `layerscope stats` against `tshark`, side by side, on a synthetic capture.
//!
//! Run with `cargo bench --bench stats_vs_tshark` (or `benches/compare_tshark.sh [N]`).
//! Progress goes to stderr; the markdown report goes to stdout. See `benches/README.md`.
//!
//! * `LAYERSCOPE_BENCH_PACKETS` (default 1 000 000): frames in the synthetic capture, which
//!   is written once to `target/bench-data/synthetic-<N>.pcap` and reused afterwards.
//! * The CLI (`layerscope stats FILE --json`) and `tshark -n -r FILE` run alternately, three
//!   times each, under `/usr/bin/time -f '%e %M'`; medians are reported.
//! * `layerscope::stats::collect` runs in process under a counting global allocator, which
//!   gives the peak heap used while collecting, per packet.
//!
//! A missed target is reported, not turned into a failure; the process fails only when a
//! measurement could not be made (the CLI crashed, the library returned an error, ...).

mod gen;

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use gen::GenCounts;

// ---------------------------------------------------------------------------
// Counting allocator

/// Wraps the system allocator and keeps the bytes currently allocated and their peak.
struct CountingAlloc;

static HEAP_CURRENT: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);

fn heap_grew(n: usize) {
    let now = HEAP_CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
}

fn heap_shrank(n: usize) {
    HEAP_CURRENT.fetch_sub(n, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            heap_grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            heap_grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        heap_shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                heap_grew(new_size - layout.size());
            } else {
                heap_shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Starts a peak measurement: returns the bytes allocated now, and resets the peak to them.
fn heap_mark() -> usize {
    let now = HEAP_CURRENT.load(Ordering::Relaxed);
    HEAP_PEAK.store(now, Ordering::Relaxed);
    now
}

// ---------------------------------------------------------------------------
// Settings

const DEFAULT_PACKETS: usize = 1_000_000;
const SEED: u64 = 0x1A7E_5C0B_E000_0001;
const RUNS: usize = 3;
const TARGET_SPEEDUP: f64 = 20.0;
const TARGET_HEAP_PER_PACKET: f64 = 100.0;
const TIME_BIN: &str = "/usr/bin/time";

fn main() {
    // `cargo bench` passes `--bench` (and a filter, if one was given): nothing to do with them.
    let packets = match packet_count() {
        Ok(n) => n,
        Err(msg) => {
            eprintln!("error: {msg}");
            std::process::exit(2);
        }
    };
    match run(packets) {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn packet_count() -> Result<usize, String> {
    match std::env::var("LAYERSCOPE_BENCH_PACKETS") {
        Err(_) => Ok(DEFAULT_PACKETS),
        Ok(s) => {
            let digits: String = s.trim().chars().filter(|c| *c != '_').collect();
            match digits.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!(
                    "LAYERSCOPE_BENCH_PACKETS={s:?} is not a positive whole number"
                )),
            }
        }
    }
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

// ---------------------------------------------------------------------------
// The synthetic capture, made once

/// Returns the counts of `synthetic-<N>.pcap`, generating it unless a file made by the same
/// generator version and seed is already there (its `.counts` file says so, and the size
/// matches).
fn ensure_capture(dir: &Path, packets: usize) -> io::Result<(PathBuf, GenCounts, bool)> {
    fs::create_dir_all(dir)?;
    let pcap = dir.join(format!("synthetic-{packets}.pcap"));
    let sidecar = dir.join(format!("synthetic-{packets}.counts"));
    if let Some(counts) = read_sidecar(&sidecar, packets) {
        if fs::metadata(&pcap).map(|m| m.len()).ok() == Some(counts.file_bytes) {
            return Ok((pcap, counts, true));
        }
    }
    let tmp = dir.join(format!("synthetic-{packets}.pcap.tmp"));
    let started = Instant::now();
    let counts = gen::write_capture(&tmp, packets, SEED)?;
    fs::rename(&tmp, &pcap)?;
    eprintln!(
        "generated {} ({} packets, {:.1} MiB) in {:.2} s",
        pcap.display(),
        counts.packets,
        mib(counts.file_bytes),
        started.elapsed().as_secs_f64()
    );
    let mut text = format!("version {}\nseed {SEED}\n", gen::VERSION);
    for (name, value) in counts.fields() {
        let _ = writeln!(text, "{name} {value}");
    }
    fs::write(&sidecar, text)?;
    Ok((pcap, counts, false))
}

fn read_sidecar(path: &Path, packets: usize) -> Option<GenCounts> {
    let text = fs::read_to_string(path).ok()?;
    let mut counts = GenCounts::default();
    let (mut version, mut seed) = (None, None);
    for line in text.lines() {
        let (name, value) = line.split_once(' ')?;
        let value: u64 = value.trim().parse().ok()?;
        match name {
            "version" => version = Some(value),
            "seed" => seed = Some(value),
            _ => {
                if !counts.set(name, value) {
                    return None;
                }
            }
        }
    }
    let current = version == Some(u64::from(gen::VERSION)) && seed == Some(SEED);
    (current && counts.packets == packets as u64).then_some(counts)
}

/// Reads the whole file once so that every timed run starts with it in the page cache.
fn warm_up(path: &Path) -> io::Result<u64> {
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}

// ---------------------------------------------------------------------------
// External runs

#[derive(Clone, Copy)]
struct Sample {
    /// Wall time measured around the child (`/usr/bin/time` itself only has 10 ms resolution).
    wall: Duration,
    /// `%e` as `/usr/bin/time` reports it.
    time_e: Option<f64>,
    /// `%M`, KiB.
    max_rss_kib: Option<u64>,
}

/// Runs `program args` with stdout to /dev/null, under `/usr/bin/time` when available.
fn timed_run(
    program: &Path,
    args: &[&str],
    use_time: bool,
    scratch: &Path,
) -> Result<Sample, String> {
    let time_out = scratch.join("time.out");
    let mut cmd = if use_time {
        let _ = fs::remove_file(&time_out);
        let mut c = Command::new(TIME_BIN);
        c.arg("-f")
            .arg("%e %M")
            .arg("-o")
            .arg(&time_out)
            .arg(program);
        c
    } else {
        Command::new(program)
    };
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    let wall = started.elapsed();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        return Err(format!(
            "{} {} failed ({}): {}",
            program.display(),
            args.join(" "),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        ));
    }
    let (mut time_e, mut max_rss_kib) = (None, None);
    if use_time {
        let text = fs::read_to_string(&time_out).unwrap_or_default();
        if let Some(line) = text.lines().rev().find(|l| !l.trim().is_empty()) {
            let mut parts = line.split_whitespace();
            time_e = parts.next().and_then(|s| s.parse().ok());
            max_rss_kib = parts.next().and_then(|s| s.parse().ok());
        }
    }
    Ok(Sample {
        wall,
        time_e,
        max_rss_kib,
    })
}

struct Summary {
    wall_s: f64,
    time_e_s: Option<f64>,
    rss_mib: Option<f64>,
}

fn summarize(samples: &[Sample]) -> Summary {
    let mut walls: Vec<f64> = samples.iter().map(|s| s.wall.as_secs_f64()).collect();
    let mut es: Vec<f64> = samples.iter().filter_map(|s| s.time_e).collect();
    let mut rss: Vec<u64> = samples.iter().filter_map(|s| s.max_rss_kib).collect();
    Summary {
        wall_s: median_f64(&mut walls).unwrap_or(f64::NAN),
        time_e_s: median_f64(&mut es),
        rss_mib: {
            rss.sort_unstable();
            rss.get(rss.len() / 2).map(|k| *k as f64 / 1024.0)
        },
    }
}

fn median_f64(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// The first `tshark` on PATH, if any.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn tshark_version(tshark: &Path) -> String {
    Command::new(tshark)
        .arg("--version")
        .stderr(Stdio::null())
        .output()
        .ok()
        .and_then(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.lines()
                .next()
                .map(|l| l.trim().trim_end_matches('.').to_owned())
        })
        .unwrap_or_else(|| "tshark (version unknown)".into())
}

/// Follows a `/`-separated path of object keys in a JSON value.
fn json_u64(v: &serde_json::Value, path: &str) -> Option<u64> {
    path.split('/').try_fold(v, |v, key| v.get(key))?.as_u64()
}

fn show(v: Option<u64>) -> String {
    v.map_or_else(|| "absent".to_string(), |n| n.to_string())
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "MISS"
    }
}

// ---------------------------------------------------------------------------

/// Measures and prints the report. `Ok(false)`: a measurement failed (reported).
fn run(packets: usize) -> Result<bool, String> {
    let dir = data_dir();
    let (pcap, counts, reused) =
        ensure_capture(&dir, packets).map_err(|e| format!("generating the capture: {e}"))?;
    if reused {
        eprintln!("reusing {} ({} packets)", pcap.display(), counts.packets);
    }
    let file_arg = pcap.to_str().ok_or("capture path is not UTF-8")?.to_owned();
    let mut ok = true;
    let mut notes: Vec<String> = Vec::new();

    // -- in process: wall time and peak heap of stats::collect ---------------------------
    eprintln!("in process: layerscope::stats::collect x{RUNS}");
    let mut collect_walls = Vec::new();
    let mut heap_peak = 0usize;
    let mut heap_kept = 0usize;
    let mut lib_json = None;
    for _ in 0..RUNS {
        let base = heap_mark();
        let started = Instant::now();
        let result = layerscope::stats::collect(&pcap);
        let wall = started.elapsed();
        let peak = HEAP_PEAK.load(Ordering::Relaxed).saturating_sub(base);
        match result {
            Ok(stats) => {
                collect_walls.push(wall.as_secs_f64());
                heap_peak = heap_peak.max(peak);
                heap_kept =
                    heap_kept.max(HEAP_CURRENT.load(Ordering::Relaxed).saturating_sub(base));
                if lib_json.is_none() {
                    if stats.packets != packets as u64 {
                        notes.push(format!(
                            "stats::collect counted {} packets, the generator wrote {packets}",
                            stats.packets
                        ));
                        ok = false;
                    }
                    lib_json = serde_json::to_value(&stats).ok();
                }
            }
            Err(e) => {
                notes.push(format!("stats::collect failed: {e}"));
                ok = false;
                break;
            }
        }
    }
    let collect_wall = median_f64(&mut collect_walls);
    let heap_per_packet = heap_peak as f64 / packets as f64;

    // -- external: CLI vs tshark, alternating ---------------------------------------------
    let layerscope_bin = PathBuf::from(env!("CARGO_BIN_EXE_layerscope"));
    let have_time = Path::new(TIME_BIN).is_file();
    if !have_time {
        notes.push(format!(
            "{TIME_BIN} is missing, so peak RSS is not measured: install the `time` package \
             (apt-get install -y time)"
        ));
    }
    let tshark = find_on_path("tshark");
    let tshark_label = match &tshark {
        Some(t) => tshark_version(t),
        None => {
            notes.push(
                "tshark is not on PATH, so the tshark side was skipped and no speed ratio is \
                 given (apt-get install -y tshark)"
                    .into(),
            );
            "tshark: not installed".into()
        }
    };

    // The CLI's JSON, once, untimed: its packet count must match the file.
    let cli_json: Option<serde_json::Value> = match Command::new(&layerscope_bin)
        .args(["stats", &file_arg, "--json"])
        .stderr(Stdio::inherit())
        .output()
    {
        Ok(o) if o.status.success() => match serde_json::from_slice(&o.stdout) {
            Ok(v) => Some(v),
            Err(e) => {
                notes.push(format!(
                    "`layerscope stats --json` printed something that is not JSON: {e}"
                ));
                ok = false;
                None
            }
        },
        Ok(o) => {
            notes.push(format!("`layerscope stats --json` failed: {}", o.status));
            ok = false;
            None
        }
        Err(e) => {
            notes.push(format!("cannot run {}: {e}", layerscope_bin.display()));
            ok = false;
            None
        }
    };
    let cli_packets = cli_json.as_ref().and_then(|v| json_u64(v, "packets"));
    if cli_json.is_some() && cli_packets != Some(packets as u64) {
        notes.push(format!(
            "`layerscope stats --json` says packets = {}, the generator wrote {packets}",
            show(cli_packets)
        ));
        ok = false;
    }

    eprintln!("warm-up read of {}", pcap.display());
    warm_up(&pcap).map_err(|e| format!("reading {}: {e}", pcap.display()))?;

    let ls_args = ["stats", file_arg.as_str(), "--json"];
    let ts_args = ["-n", "-r", file_arg.as_str()];
    let mut ls_samples = Vec::new();
    let mut ts_samples = Vec::new();
    let mut ls_failed = None;
    let mut ts_failed = None;
    for round in 0..RUNS {
        // Alternate who goes first, so neither side always runs right after the other.
        let order: [bool; 2] = if round % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for is_ls in order {
            if is_ls && ls_failed.is_none() {
                eprintln!("run {}/{RUNS}: layerscope stats --json", round + 1);
                match timed_run(&layerscope_bin, &ls_args, have_time, &dir) {
                    Ok(s) => ls_samples.push(s),
                    Err(e) => ls_failed = Some(e),
                }
            } else if !is_ls && ts_failed.is_none() {
                if let Some(t) = &tshark {
                    eprintln!("run {}/{RUNS}: tshark -n -r", round + 1);
                    match timed_run(t, &ts_args, have_time, &dir) {
                        Ok(s) => ts_samples.push(s),
                        Err(e) => ts_failed = Some(e),
                    }
                }
            }
        }
    }
    let _ = fs::remove_file(dir.join("time.out"));
    if let Some(e) = &ls_failed {
        notes.push(format!("layerscope run failed: {e}"));
        ok = false;
    }
    if let Some(e) = &ts_failed {
        notes.push(format!(
            "tshark run failed, so no speed ratio is given: {e}"
        ));
    }
    let ls = (ls_failed.is_none() && !ls_samples.is_empty()).then(|| summarize(&ls_samples));
    let ts = (ts_failed.is_none() && !ts_samples.is_empty()).then(|| summarize(&ts_samples));
    let ratio = match (&ls, &ts) {
        (Some(l), Some(t)) if l.wall_s > 0.0 => Some(t.wall_s / l.wall_s),
        _ => None,
    };

    // -- report ---------------------------------------------------------------------------
    let mut r = String::new();
    let _ = writeln!(r, "## layerscope stats vs tshark\n");
    let _ = writeln!(
        r,
        "Capture: `{}`: {} packets, {:.1} MiB (synthetic, seed {SEED:#x}, generator v{}). \
         {} CPUs; {tshark_label}. Median of {RUNS} alternating runs after a warm-up read; \
         wall time measured around `/usr/bin/time -f '%e %M'`, RSS from its `%M`.\n",
        pcap.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        counts.packets,
        mib(counts.file_bytes),
        gen::VERSION,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let secs = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |s| format!("{s:.3}"));
    let mibs = |v: Option<f64>| v.map_or_else(|| "n/a".to_string(), |m| format!("{m:.1}"));
    let _ = writeln!(r, "| measure | layerscope | tshark | target | result |");
    let _ = writeln!(r, "|---|---:|---:|---|---|");
    let _ = writeln!(
        r,
        "| wall time, median (s) | {} | {} | | |",
        secs(ls.as_ref().map(|s| s.wall_s)),
        secs(ts.as_ref().map(|s| s.wall_s))
    );
    let _ = writeln!(
        r,
        "| `/usr/bin/time` %e, median (s) | {} | {} | | |",
        secs(ls.as_ref().and_then(|s| s.time_e_s)),
        secs(ts.as_ref().and_then(|s| s.time_e_s))
    );
    let _ = writeln!(
        r,
        "| peak RSS, median (MiB) | {} | {} | | |",
        mibs(ls.as_ref().and_then(|s| s.rss_mib)),
        mibs(ts.as_ref().and_then(|s| s.rss_mib))
    );
    let _ = writeln!(
        r,
        "| throughput (packets/s) | {} | {} | | |",
        ls.as_ref().map_or("n/a".into(), |s| format!(
            "{:.0}",
            packets as f64 / s.wall_s
        )),
        ts.as_ref().map_or("n/a".into(), |s| format!(
            "{:.0}",
            packets as f64 / s.wall_s
        )),
    );
    let _ = writeln!(
        r,
        "| speed ratio tshark / layerscope | {} | | >= {TARGET_SPEEDUP:.0}x | {} |",
        ratio.map_or("n/a".into(), |x| format!("{x:.1}x")),
        ratio.map_or("not measured", |x| verdict(x >= TARGET_SPEEDUP))
    );
    let heap_measured = !collect_walls.is_empty();
    let _ = writeln!(
        r,
        "| heap peak in `stats::collect` (MiB) | {} | | | |",
        if heap_measured {
            format!("{:.1}", mib(heap_peak as u64))
        } else {
            "n/a".into()
        }
    );
    let _ = writeln!(
        r,
        "| heap peak / packet (bytes) | {} | | < {TARGET_HEAP_PER_PACKET:.0} | {} |",
        if heap_measured {
            format!("{heap_per_packet:.1}")
        } else {
            "n/a".into()
        },
        if heap_measured {
            verdict(heap_per_packet < TARGET_HEAP_PER_PACKET)
        } else {
            "not measured"
        }
    );
    let _ = writeln!(
        r,
        "| heap still held by the returned `Stats` (bytes) | {} | | | |",
        if heap_measured {
            heap_kept.to_string()
        } else {
            "n/a".into()
        }
    );
    let _ = writeln!(
        r,
        "| `stats::collect` in process, median (s) | {} | | | |",
        secs(collect_wall)
    );
    let _ = writeln!(r);

    // Cross-checks against what the generator wrote.
    let lib_packets = lib_json.as_ref().and_then(|v| json_u64(v, "packets"));
    let cli_syn = cli_json.as_ref().and_then(|v| json_u64(v, "tcp/syn"));
    let cli_syn_ack = cli_json.as_ref().and_then(|v| json_u64(v, "tcp/syn_ack"));
    let _ = writeln!(
        r,
        "| count | generator | `stats --json` | `stats::collect` | check |"
    );
    let _ = writeln!(r, "|---|---:|---:|---:|---|");
    let _ = writeln!(
        r,
        "| packets | {} | {} | {} | {} |",
        counts.packets,
        show(cli_packets),
        show(lib_packets),
        if cli_packets == Some(counts.packets) && lib_packets == Some(counts.packets) {
            "same"
        } else {
            "DIFFERS"
        }
    );
    // Further counts the generator knows exactly; shown when the JSON has them.
    let rows: [(&str, &str, Option<u64>); 14] = [
        ("tcp.syn (SYN without ACK)", "tcp/syn", Some(counts.tcp_syn)),
        ("tcp.syn_ack", "tcp/syn_ack", Some(counts.tcp_syn_ack)),
        ("tcp.rst", "tcp/rst", Some(counts.tcp_rst)),
        ("tcp.fin", "tcp/fin", Some(counts.tcp_fin)),
        ("protocols.ipv4", "protocols/ipv4", Some(counts.ipv4)),
        ("protocols.ipv6", "protocols/ipv6", Some(counts.ipv6)),
        ("protocols.tcp", "protocols/tcp", Some(counts.tcp)),
        ("protocols.udp", "protocols/udp", Some(counts.udp)),
        // Every conversation has its own 5-tuple and starts with a SYN or a DNS query.
        (
            "flows",
            "flows",
            Some(counts.tcp_conversations + counts.dns_queries),
        ),
        (
            "tcp.handshakes_completed",
            "tcp/handshakes_completed",
            Some(counts.handshakes),
        ),
        (
            "http.upgrades (101)",
            "http/upgrades",
            Some(counts.http_101),
        ),
        (
            "http.websocket_upgrades",
            "http/websocket_upgrades",
            Some(counts.http_101),
        ),
        (
            "websocket.frames",
            "websocket/frames",
            Some(counts.websocket_frames),
        ),
        ("warnings", "warnings", None),
    ];
    for (label, key, expected) in rows {
        let cli_v = cli_json.as_ref().and_then(|v| json_u64(v, key));
        let lib_v = lib_json.as_ref().and_then(|v| json_u64(v, key));
        if cli_v.is_none() && lib_v.is_none() && !key.starts_with("tcp/syn") {
            continue;
        }
        let check = match expected {
            None => "",
            Some(_) if cli_v == expected && lib_v == expected => "same",
            Some(_) => "DIFFERS",
        };
        let _ = writeln!(
            r,
            "| {label} | {} | {} | {} | {check} |",
            expected.map_or_else(|| "-".to_string(), |n| n.to_string()),
            show(cli_v),
            show(lib_v),
        );
    }
    let _ = writeln!(r);
    let _ = writeln!(
        r,
        "Generator: {} IPv4 / {} IPv6 frames, {} TCP / {} UDP, {} completed handshakes, {} refused, \
         {} HTTP requests, {} `101` upgrades, {} WebSocket frames, {} DNS queries.",
        counts.ipv4,
        counts.ipv6,
        counts.tcp,
        counts.udp,
        counts.handshakes,
        counts.refused,
        counts.http_requests,
        counts.http_101,
        counts.websocket_frames,
        counts.dns_queries
    );
    if (cli_syn.is_some() && cli_syn != Some(counts.tcp_syn))
        || (cli_syn_ack.is_some() && cli_syn_ack != Some(counts.tcp_syn_ack))
    {
        notes.push("the CLI's tcp.syn / tcp.syn_ack differ from the generator's counts".into());
    }
    if cli_json.is_some() && (cli_syn.is_none() || cli_syn_ack.is_none()) {
        notes.push("the CLI's JSON has no tcp.syn / tcp.syn_ack numbers to compare".into());
    }
    if !notes.is_empty() {
        let _ = writeln!(r);
        for n in &notes {
            let _ = writeln!(r, "- {n}");
        }
    }
    print!("{r}");
    Ok(ok)
}
