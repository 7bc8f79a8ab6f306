//! `layerscope-capture`: the privileged capture helper, as Wireshark's dumpcap is.
//!
//! The only part of layerscope that opens capture devices, so the only file to give the
//! capture capabilities (`sudo setcap cap_net_raw,cap_net_admin=eip layerscope-capture`).
//! It captures on one or more interfaces into one pcapng file (or standard output) and
//! reports what happens on standard error, as JSON lines with `--status`
//! (`layerscope::capture::status`) or as plain lines otherwise.
//!
//! Threads: one per interface (`capture-N`, `device.rs`) reads packets without blocking
//! (poll(2) on libpcap's descriptor) and hands them in batches through a bounded channel to
//! the main thread, which alone writes the file (`writer.rs`); `signals` waits for SIGINT
//! and SIGTERM; `stdin` (with `--stop-on-stdin`) waits for `stop` or the end of standard
//! input. Whatever stops the capture also calls libpcap's breakloop on every interface, for
//! an interface read in blocking mode.

mod device;
mod writer;

use clap::Parser;
use device::{capture_loop, open_interface, Batch};
use layerscope::capture::ngwrite::{IfStats, IfaceDesc, NgWriter};
use layerscope::capture::status::{ErrorKind, IfaceStats, StartedIface, Status, StopReason};
use std::io::{self, BufRead, BufWriter, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use writer::write_loop;

/// How often statistics blocks and `stats` events are written.
const STATS_EVERY: Duration = Duration::from_secs(1);
/// Batches in flight between the capture threads and the writer (at most 512 packets or
/// 1 MiB each, so at most 64 MiB). A capture thread waits only when the writer is this far
/// behind; then the kernel's buffer takes the slack (and
/// its drops are counted in the statistics).
const QUEUE: usize = 64;

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
    Packets(Batch),
    Stats { iface: u32, stats: IfStats },
    Down { iface: u32, message: String },
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
            .spawn(move || {
                // Non-blocking reads with poll(2) let a thread batch what the ring holds
                // and send it as soon as the ring is empty; where libpcap refuses, the
                // blocking read with its timeout is used.
                match o.cap.setnonblock() {
                    Ok(cap) => capture_loop(i as u32, cap, o.nanos, true, &tx, &s),
                    Err(e) => {
                        let message = format!("cannot read it without blocking: {e}");
                        let _ = tx.send(Msg::Down {
                            iface: i as u32,
                            message,
                        });
                    }
                }
            });
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

extern "C" {
    // libpcap >= 1.5, which the pcap crate's `precision` needs too; not exported by the crate.
    fn pcap_get_tstamp_precision(p: *mut libc::c_void) -> libc::c_int;
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

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
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
