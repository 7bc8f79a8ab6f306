//! `layerscope-capture`: the privileged capture helper, as Wireshark's dumpcap is.
//!
//! The only part of layerscope that opens capture devices, so the only file to give the
//! capture capabilities (`sudo setcap cap_net_raw,cap_net_admin=eip layerscope-capture`).
//! It captures on one or more interfaces into one pcapng file (or standard output) and
//! reports what happens on standard error, as JSON lines with `--status`
//! (`layerscope::capture::status`) or as plain lines otherwise.
//!
//! Threads: one per interface (`capture-N`) reads packets and hands them through a bounded
//! channel to the main thread, which alone writes the file; `signals` waits for SIGINT and
//! SIGTERM; `stdin` (with `--stop-on-stdin`) waits for `stop` or the end of standard input.
//! Whatever stops the capture calls libpcap's breakloop on every interface, since a read
//! can block on an idle interface however short its timeout.

use clap::Parser;
use layerscope::capture::ngwrite::{IfStats, IfaceDesc, NgWriter};
use layerscope::capture::status::{ErrorKind, IfaceStats, StartedIface, Status, StopReason};
use std::io::{self, BufRead, BufWriter, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Read timeout of each interface: how long libpcap may sit on packets before handing them.
const READ_TIMEOUT_MS: i32 = 100;
/// Longest time a written packet waits in our buffer before it reaches the file.
const FLUSH_EVERY: Duration = Duration::from_millis(150);
/// How often statistics blocks and `stats` events are written.
const STATS_EVERY: Duration = Duration::from_secs(1);
/// Packets in flight between the capture threads and the writer. A capture thread waits
/// only when the writer is this far behind; then the kernel's buffer takes the slack (and
/// its drops are counted in the statistics).
const QUEUE: usize = 2048;

#[derive(Parser, Debug)]
#[command(
    name = "layerscope-capture",
    version,
    about = "Capture packets from network interfaces into a pcapng file (layerscope's privileged helper).",
    after_help = "Exit status: 0 when the capture stopped normally, 2 on an error.\n\
                  Capturing needs root or: sudo setcap cap_net_raw,cap_net_admin=eip <this program>"
)]
struct Args {
    /// Interface to capture on; repeat for several (one pcapng file, one interface block each)
    #[arg(short = 'i', long = "interface", value_name = "IFACE", required = true)]
    interfaces: Vec<String>,
    /// Capture filter in libpcap (BPF) syntax, e.g. 'udp port 53'
    #[arg(short = 'f', value_name = "BPF")]
    filter: Option<String>,
    /// Most bytes captured per packet
    #[arg(short = 's', long = "snapshot-length", value_name = "SNAPLEN", default_value_t = 262_144,
          value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    snaplen: u32,
    /// Do not put the interface in promiscuous mode
    #[arg(short = 'p', long = "no-promiscuous-mode")]
    no_promisc: bool,
    /// Kernel buffer size in MiB
    #[arg(short = 'B', long = "buffer-size", value_name = "MIB", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=2047))]
    buffer_mib: u32,
    /// Stop after COUNT packets
    #[arg(short = 'c', value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    /// Stop when a condition is met: duration:SEC, filesize:KB (1 kB = 1000 bytes) or
    /// packets:N; repeatable, the first one reached stops
    #[arg(short = 'a', long = "autostop", value_name = "COND", value_parser = parse_autostop)]
    autostop: Vec<Autostop>,
    /// Output pcapng file; - for standard output
    #[arg(short = 'w', value_name = "FILE", required = true)]
    write: String,
    /// Report on standard error as JSON lines (one status event per line)
    #[arg(long)]
    status: bool,
    /// Stop when standard input reaches its end or reads the line `stop`
    #[arg(long)]
    stop_on_stdin: bool,
}

#[derive(Clone, Copy, Debug)]
enum Autostop {
    Duration(Duration),
    Filesize(u64),
    Packets(u64),
}

fn parse_autostop(s: &str) -> Result<Autostop, String> {
    let (key, value) = s
        .split_once(':')
        .ok_or_else(|| format!("expected duration:SEC, filesize:KB or packets:N, got '{s}'"))?;
    let positive = || -> Result<u64, String> {
        value
            .parse::<u64>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("'{value}' is not a positive whole number"))
    };
    match key {
        "duration" => value
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite() && *d >= 0.0 && *d < 1e12)
            .map(|d| Autostop::Duration(Duration::from_secs_f64(d)))
            .ok_or_else(|| format!("'{value}' is not a number of seconds")),
        "filesize" => positive().map(Autostop::Filesize),
        "packets" => positive().map(Autostop::Packets),
        _ => Err(format!(
            "unknown condition '{key}' (expected duration, filesize or packets)"
        )),
    }
}

/// The stop conditions, folded from `-c` and `-a`.
#[derive(Default)]
struct Limits {
    duration: Option<Duration>,
    filesize: Option<u64>,
    count: Option<u64>,
    packets: Option<u64>,
}

impl Limits {
    fn new(args: &Args) -> Limits {
        let mut l = Limits {
            count: args.count,
            ..Limits::default()
        };
        fn min<T: Ord + Copy>(a: Option<T>, b: T) -> Option<T> {
            Some(a.map_or(b, |a| a.min(b)))
        }
        for a in &args.autostop {
            match *a {
                Autostop::Duration(d) => l.duration = min(l.duration, d),
                Autostop::Filesize(kb) => l.filesize = min(l.filesize, kb.saturating_mul(1000)),
                Autostop::Packets(n) => l.packets = min(l.packets, n),
            }
        }
        l
    }

    /// The limit a file of `packets` packets and `bytes` bytes has reached, if any.
    fn reached(&self, packets: u64, bytes: u64) -> Option<StopReason> {
        if self.count.is_some_and(|n| packets >= n) {
            Some(StopReason::Count)
        } else if self.packets.is_some_and(|n| packets >= n) {
            Some(StopReason::Packets)
        } else if self.filesize.is_some_and(|n| bytes >= n) {
            Some(StopReason::Filesize)
        } else {
            None
        }
    }
}

/// Writes status events on standard error, as JSON lines or for a person.
struct Report {
    json: bool,
}

impl Report {
    fn emit(&self, s: &Status) {
        let text = if self.json { s.to_line() } else { human(s) };
        let mut err = io::stderr().lock();
        // Nobody to tell if standard error is gone.
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }

    fn error(&self, f: &Failure) {
        self.emit(&Status::Error {
            kind: f.kind,
            interface: f.interface.clone(),
            message: f.message.clone(),
            available: f.available.clone(),
        });
    }
}

fn human(s: &Status) -> String {
    match s {
        Status::Started { interfaces, file } => {
            let names: Vec<String> = interfaces.iter().map(|i| format!("'{}'", i.name)).collect();
            format!("Capturing on {}\nFile: {file}", names.join(" and "))
        }
        Status::Stats {
            packets,
            bytes,
            file_bytes,
            ..
        } => format!("Packets: {packets} ({bytes} bytes captured, file {file_bytes} bytes)"),
        Status::Error {
            message, available, ..
        } => {
            let mut m = format!("layerscope-capture: {message}");
            if !available.is_empty() {
                m.push_str(&format!("\nAvailable interfaces: {}", available.join(", ")));
            }
            m
        }
        Status::Stopped {
            packets,
            dropped,
            if_dropped,
            ..
        } => format!(
            "{packets} packets captured, {dropped} dropped by the kernel, {if_dropped} dropped by the interface"
        ),
    }
}

/// An error to report as an `error` event.
struct Failure {
    kind: ErrorKind,
    interface: Option<String>,
    message: String,
    available: Vec<String>,
}

impl Failure {
    fn new(kind: ErrorKind, interface: Option<&str>, message: String) -> Failure {
        Failure {
            kind,
            interface: interface.map(str::to_string),
            message,
            available: Vec::new(),
        }
    }
}

/// What stops the capture: the first reason wins; every stop breaks every read loop.
struct Stopper {
    reason: OnceLock<StopReason>,
    breakers: Mutex<Vec<pcap::BreakLoop>>,
}

impl Stopper {
    fn stop(&self, reason: StopReason) {
        let _ = self.reason.set(reason);
        let breakers = self.breakers.lock().unwrap_or_else(|p| p.into_inner());
        for b in breakers.iter() {
            b.breakloop();
        }
    }

    fn reason(&self) -> Option<StopReason> {
        self.reason.get().copied()
    }
}

/// From a capture thread to the writer.
enum Msg {
    Packet {
        iface: u32,
        ts_ns: i64,
        data: Vec<u8>,
        origlen: u32,
    },
    Stats {
        iface: u32,
        stats: IfStats,
    },
    Down {
        iface: u32,
        message: String,
    },
}

/// An opened interface, ready to capture.
struct Opened {
    name: String,
    description: Option<String>,
    cap: pcap::Capture<pcap::Active>,
    link_type: u16,
    nanos: bool,
}

fn main() {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            if !usage {
                std::process::exit(0); // --help, --version
            }
            if std::env::args().any(|a| a == "--status") {
                let msg = e.render().to_string().trim().to_string();
                Report { json: true }.error(&Failure::new(ErrorKind::Other, None, msg));
            }
            std::process::exit(2);
        }
    };
    let code = run(&args);
    std::process::exit(code);
}

fn run(args: &Args) -> i32 {
    let report = Report { json: args.status };
    let stopper = Arc::new(Stopper {
        reason: OnceLock::new(),
        breakers: Mutex::new(Vec::new()),
    });
    // Before any other thread exists, so that every thread inherits the blocked mask and
    // the signals reach only the `signals` thread.
    if let Err(e) = watch_signals(&stopper) {
        report.error(&Failure::new(
            ErrorKind::Other,
            None,
            format!("cannot watch signals: {e}"),
        ));
        return 2;
    }
    if args.stop_on_stdin {
        let s = Arc::clone(&stopper);
        let spawned = thread::Builder::new()
            .name("stdin".into())
            .spawn(move || watch_stdin(&s));
        if let Err(e) = spawned {
            let msg = format!("cannot start the stdin thread: {e}");
            report.error(&Failure::new(ErrorKind::Other, None, msg));
            return 2;
        }
    }

    let devices = pcap::Device::list().unwrap_or_default();
    let mut opened = Vec::new();
    for name in &args.interfaces {
        match open_interface(name, args, &devices) {
            Ok(o) => opened.push(o),
            Err(f) => {
                report.error(&f);
                return 2;
            }
        }
    }

    let out: Box<dyn Write> = if args.write == "-" {
        Box::new(io::stdout())
    } else {
        match std::fs::File::create(&args.write) {
            Ok(f) => Box::new(f),
            Err(e) => {
                let msg = format!("cannot create {}: {e}", args.write);
                report.error(&Failure::new(ErrorKind::Io, None, msg));
                return 2;
            }
        }
    };
    let user_appl = concat!("layerscope-capture ", env!("CARGO_PKG_VERSION"));
    let header =
        NgWriter::new(BufWriter::with_capacity(256 * 1024, out), user_appl).and_then(|mut w| {
            for o in &opened {
                w.interface(&IfaceDesc {
                    link_type: o.link_type,
                    snaplen: args.snaplen,
                    name: &o.name,
                    description: o.description.as_deref(),
                    filter: args.filter.as_deref(),
                })?;
            }
            w.flush()?;
            Ok(w)
        });
    let writer = match header {
        Ok(w) => w,
        Err(e) => {
            let msg = format!("cannot write {}: {e}", args.write);
            report.error(&Failure::new(ErrorKind::Io, None, msg));
            return 2;
        }
    };

    report.emit(&Status::Started {
        interfaces: opened
            .iter()
            .map(|o| StartedIface {
                name: o.name.clone(),
                link_type: o.link_type,
                snaplen: args.snaplen,
                filter: args.filter.clone(),
            })
            .collect(),
        file: args.write.clone(),
    });

    let names: Vec<String> = opened.iter().map(|o| o.name.clone()).collect();
    let (tx, rx) = mpsc::sync_channel(QUEUE);
    for (i, mut o) in opened.into_iter().enumerate() {
        stopper
            .breakers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(o.cap.breakloop_handle());
        let (tx, s) = (tx.clone(), Arc::clone(&stopper));
        let spawned = thread::Builder::new()
            .name(format!("capture-{i}"))
            .spawn(move || capture_loop(i as u32, o.cap, o.nanos, &tx, &s));
        if let Err(e) = spawned {
            // The file so far stays valid: stop the others and finish it.
            let msg = format!("cannot start a capture thread: {e}");
            report.error(&Failure::new(ErrorKind::Other, Some(&o.name), msg));
            stopper.stop(StopReason::Error);
            break;
        }
    }
    drop(tx);
    write_loop(args, writer, rx, &names, &stopper, &report)
}

/// Opens `name` with the options of `args` and sets the capture filter.
fn open_interface(name: &str, args: &Args, devices: &[pcap::Device]) -> Result<Opened, Failure> {
    let snaplen = i32::try_from(args.snaplen).unwrap_or(i32::MAX);
    let buffer = i32::try_from(u64::from(args.buffer_mib) * 1024 * 1024).unwrap_or(i32::MAX);
    let cap = pcap::Capture::from_device(name)
        .map_err(|e| classify(name, &e, devices))?
        .promisc(!args.no_promisc)
        .snaplen(snaplen)
        .buffer_size(buffer)
        .timeout(READ_TIMEOUT_MS)
        .immediate_mode(true)
        // The pcap crate ignores libpcap's answer to this, so the precision actually in
        // force is asked after activation: where nanoseconds are refused, the handle stays
        // in microseconds and timestamps are read as such (the fallback).
        .precision(pcap::Precision::Nano);
    let mut cap = cap.open().map_err(|e| classify(name, &e, devices))?;
    let link_type = u16::try_from(cap.get_datalink().0).unwrap_or(u16::MAX);
    if let Some(filter) = &args.filter {
        cap.filter(filter, true).map_err(|e| {
            let msg = format!(
                "bad capture filter '{filter}' on {name}: {}",
                pcap_message(&e)
            );
            Failure::new(ErrorKind::BadFilter, Some(name), msg)
        })?;
    }
    let nanos = nanosecond_timestamps(&cap);
    let description = devices
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.desc.clone());
    Ok(Opened {
        name: name.to_string(),
        description,
        cap,
        link_type,
        nanos,
    })
}

extern "C" {
    // libpcap >= 1.5, which the pcap crate's `precision` needs too; not exported by the crate.
    fn pcap_get_tstamp_precision(p: *mut libc::c_void) -> libc::c_int;
}

/// True when the capture's timestamps are in nanoseconds (`PCAP_TSTAMP_PRECISION_NANO`).
fn nanosecond_timestamps(cap: &pcap::Capture<pcap::Active>) -> bool {
    // SAFETY: the handle is open for as long as `cap` lives; the call only reads it.
    unsafe { pcap_get_tstamp_precision(cap.as_ptr().cast()) == 1 }
}

/// libpcap's own words for an error.
fn pcap_message(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Turns a failure to open `name` into an error event.
fn classify(name: &str, e: &pcap::Error, devices: &[pcap::Device]) -> Failure {
    let msg = pcap_message(e);
    let lower = msg.to_lowercase();
    if lower.contains("permission") || lower.contains("operation not permitted") {
        let exe = std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .map_or_else(
                |_| "layerscope-capture".to_string(),
                |p| p.display().to_string(),
            );
        let message = format!(
            "{msg}. Capturing needs root, or these capabilities on this program: \
             sudo setcap cap_net_raw,cap_net_admin=eip {exe}"
        );
        return Failure::new(ErrorKind::Permission, Some(name), message);
    }
    if lower.contains("no such device") || !devices.iter().any(|d| d.name == name) {
        let mut f = Failure::new(
            ErrorKind::NoSuchInterface,
            Some(name),
            format!("no interface named '{name}' ({msg})"),
        );
        f.available = devices.iter().map(|d| d.name.clone()).collect();
        return f;
    }
    Failure::new(
        ErrorKind::Other,
        Some(name),
        format!("cannot capture on {name}: {msg}"),
    )
}

/// Blocks SIGINT and SIGTERM in this thread (and so in every thread started later) and
/// starts the `signals` thread, which takes them with `sigwait`.
///
/// libc rather than signal-hook: libc is already built for the pcap crate, and a thread
/// in `sigwait` needs no async-signal-safe handler code at all.
fn watch_signals(stopper: &Arc<Stopper>) -> io::Result<()> {
    // SAFETY: plain libc calls on a zeroed, then initialised, local signal set.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        set
    };
    let s = Arc::clone(stopper);
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || loop {
            let mut sig: libc::c_int = 0;
            // SAFETY: `set` is a valid signal set and `sig` a valid place to write.
            if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
                return;
            }
            if s.reason().is_some() {
                // A second signal while stopping: leave at once.
                std::process::exit(2);
            }
            s.stop(StopReason::Signal);
        })?;
    Ok(())
}

/// Stops the capture at the end of standard input or at a line `stop`.
fn watch_stdin(stopper: &Stopper) {
    let stdin = io::stdin();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim() == "stop" => break,
            Ok(_) => {}
        }
    }
    stopper.stop(StopReason::Stdin);
}

/// Reads one interface until the capture stops or the interface fails.
fn capture_loop(
    iface: u32,
    mut cap: pcap::Capture<pcap::Active>,
    nanos: bool,
    tx: &SyncSender<Msg>,
    stopper: &Stopper,
) {
    let frac = if nanos { 1 } else { 1000 };
    let mut last_stats = Instant::now();
    while stopper.reason().is_none() {
        match cap.next_packet() {
            Ok(p) => {
                let ts = &p.header.ts;
                // time_t and suseconds_t are narrower than i64 on some targets.
                #[allow(clippy::useless_conversion)]
                let ts_ns = i64::from(ts.tv_sec)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(ts.tv_usec).saturating_mul(frac));
                let msg = Msg::Packet {
                    iface,
                    ts_ns,
                    data: p.data.to_vec(),
                    origlen: p.header.len,
                };
                if tx.send(msg).is_err() {
                    return;
                }
            }
            // The read timeout, or breakloop.
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => {}
            Err(e) => {
                let message = pcap_message(&e);
                let _ = tx.send(Msg::Down { iface, message });
                break;
            }
        }
        if last_stats.elapsed() >= STATS_EVERY / 2 {
            last_stats = Instant::now();
            if let Ok(stats) = cap.stats() {
                if tx
                    .send(Msg::Stats {
                        iface,
                        stats: convert(stats),
                    })
                    .is_err()
                {
                    return;
                }
            }
        }
    }
    if let Ok(stats) = cap.stats() {
        let _ = tx.send(Msg::Stats {
            iface,
            stats: convert(stats),
        });
    }
}

fn convert(s: pcap::Stat) -> IfStats {
    IfStats {
        received: u64::from(s.received),
        dropped: u64::from(s.dropped),
        if_dropped: u64::from(s.if_dropped),
    }
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// The writer: packets into the file, flushes, statistics blocks and events, until every
/// capture thread has ended. Returns the exit code.
fn write_loop<W: Write>(
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
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Msg::Packet {
                iface,
                ts_ns,
                data,
                origlen,
            }) => {
                if !full && !io_failed {
                    match w.packet(iface, ts_ns, &data, origlen) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autostop_conditions_parse() {
        assert!(
            matches!(parse_autostop("duration:1.5"), Ok(Autostop::Duration(d)) if d == Duration::from_millis(1500))
        );
        assert!(matches!(
            parse_autostop("filesize:10"),
            Ok(Autostop::Filesize(10))
        ));
        assert!(matches!(
            parse_autostop("packets:3"),
            Ok(Autostop::Packets(3))
        ));
        for bad in [
            "duration",
            "duration:x",
            "duration:-1",
            "packets:0",
            "size:3",
            "",
        ] {
            assert!(parse_autostop(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_first_limit_reached_stops() {
        let args = Args::try_parse_from([
            "x",
            "-i",
            "lo",
            "-w",
            "-",
            "-c",
            "5",
            "-a",
            "packets:3",
            "-a",
            "packets:4",
            "-a",
            "filesize:1",
        ])
        .unwrap();
        let l = Limits::new(&args);
        assert_eq!(l.reached(2, 10), None);
        assert_eq!(l.reached(3, 10), Some(StopReason::Packets));
        assert_eq!(l.reached(2, 1000), Some(StopReason::Filesize));
        assert_eq!(l.reached(5, 0), Some(StopReason::Count));
    }
}
