//! `layerscope interfaces` and `layerscope capture`: live capture from the command line,
//! through the capture helper (this process opens no device).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::Keep;
use crate::capture::status::{ErrorKind, Status, StopReason};
use crate::capture::Capture;
use crate::export::text;
use crate::live::{spool, Event, Helper, LiveError, Options, Output};
use crate::store::{PacketId, Store};

#[derive(clap::Args, Debug)]
pub struct InterfacesArgs {
    /// One JSON array of interfaces instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct CaptureArgs {
    /// Interface to capture on (`layerscope interfaces` lists them); repeat for several.
    #[arg(short = 'i', long = "interface", value_name = "IFACE", required = true)]
    pub interfaces: Vec<String>,
    /// Capture filter (BPF syntax, as tcpdump: `tcp port 8080`), checked before the capture starts.
    #[arg(short = 'f', value_name = "BPF")]
    pub filter: Option<String>,
    /// Bytes kept of each packet.
    #[arg(short = 's', long = "snapshot-length", default_value_t = 262_144)]
    pub snaplen: u32,
    /// Do not put the interface in promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous-mode")]
    pub no_promisc: bool,
    /// Kernel buffer size, MiB.
    #[arg(
        short = 'B',
        long = "buffer-size",
        value_name = "MIB",
        default_value_t = 2
    )]
    pub buffer_mib: u32,
    /// Stop after this many packets.
    #[arg(short = 'c', value_name = "COUNT")]
    pub count: Option<u64>,
    /// Stop when a condition is met: `duration:SEC`, `filesize:KB` or `packets:N`.
    #[arg(short = 'a', long = "autostop", value_name = "COND")]
    pub autostop: Vec<String>,
    /// Write the packets to this pcapng file (`-` for standard output) instead of printing them.
    #[arg(short = 'w', value_name = "FILE")]
    pub write: Option<PathBuf>,
}

impl CaptureArgs {
    pub fn options(&self) -> Options {
        Options {
            interfaces: self.interfaces.clone(),
            filter: self.filter.clone(),
            snaplen: self.snaplen,
            promisc: !self.no_promisc,
            buffer_mib: self.buffer_mib,
            count: self.count,
            autostop: self.autostop.clone(),
        }
    }
}

/// `layerscope interfaces`: like `tshark -D`, loopback first.
pub fn interfaces(a: &InterfacesArgs) -> ExitCode {
    let list = match crate::live::devices::list() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("layerscope: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    let written = if a.json {
        serde_json::to_string_pretty(&list)
            .map_err(io::Error::other)
            .and_then(|s| writeln!(out, "{s}"))
    } else {
        list.iter().try_for_each(|i| {
            let desc = i
                .description
                .as_deref()
                .map_or(String::new(), |d| format!(" ({d})"));
            let addrs = if i.addresses.is_empty() {
                String::new()
            } else {
                format!(" [{}]", i.addresses.join(", "))
            };
            let flags = i.flags_text();
            writeln!(out, "{}. {}{desc}{addrs} {{{flags}}}", i.index, i.name)
        })
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("layerscope: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}

/// `layerscope capture`.
pub fn capture(a: &CaptureArgs) -> ExitCode {
    if let Some(f) = &a.filter {
        for iface in &a.interfaces {
            if let Err(e) = crate::live::devices::check_filter(f, iface) {
                eprintln!("layerscope: the capture filter does not compile for {iface}: {e}");
                eprintln!("  {f}");
                return ExitCode::from(2);
            }
        }
    }
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, interrupted.clone());
    }
    let (out, spool_path) = match a.write.as_deref() {
        Some(p) if p.as_os_str() == "-" => (Output::Stdout, None),
        Some(p) => (Output::File(p.to_path_buf()), None),
        None => match spool::new_path(&spool::dir()) {
            Ok(p) => (Output::File(p.clone()), Some(p)),
            Err(e) => {
                eprintln!(
                    "layerscope: cannot create the spool file in {}: {e}",
                    spool::dir().display()
                );
                return ExitCode::from(2);
            }
        },
    };
    let code = match run(a, &out, spool_path.as_ref(), &interrupted) {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    };
    if let Some(p) = &spool_path {
        // The packets were printed; the spool goes as tshark's temporary file does. A
        // capture killed before this line keeps its spool, offered for recovery.
        let _ = std::fs::remove_file(p);
    }
    code
}

/// Says what went wrong and what to do.
fn report(e: &LiveError) {
    eprintln!("layerscope: {e}");
    if let LiveError::Helper {
        kind: ErrorKind::NoSuchInterface,
        available,
        ..
    } = e
    {
        if !available.is_empty() {
            eprintln!("  interfaces here: {}", available.join(", "));
            eprintln!("  (`layerscope interfaces` lists them with their addresses)");
        }
    }
}

fn run(
    a: &CaptureArgs,
    out: &Output,
    spool_path: Option<&PathBuf>,
    interrupted: &AtomicBool,
) -> Result<ExitCode, LiveError> {
    let mut helper = Helper::spawn(&a.options(), out)?;
    if let Status::Started { interfaces, .. } = helper.started(Duration::from_secs(15))? {
        let names: Vec<String> = interfaces.iter().map(|i| format!("'{}'", i.name)).collect();
        eprintln!("Capturing on {}", names.join(", "));
    }
    let mut printer = match spool_path {
        Some(p) => Some(Printer::open(p)?),
        None => None,
    };
    let mut last: Option<Status> = None;
    let mut helper_error: Option<String> = None;
    let mut stop_asked = false;
    loop {
        if interrupted.load(Ordering::Relaxed) && !stop_asked {
            helper.stop();
            stop_asked = true;
        }
        let mut closed = false;
        while let Some(ev) = helper.event_timeout(Duration::from_millis(50)) {
            match ev {
                Event::Status(s @ Status::Stopped { .. }) => last = Some(s),
                Event::Status(Status::Error { message, .. }) => helper_error = Some(message),
                Event::Status(_) => {}
                Event::Text(t) => eprintln!("{t}"),
                Event::Closed => {
                    closed = true;
                    break;
                }
            }
        }
        if let Some(p) = &mut printer {
            p.more(false);
        }
        if closed || helper.try_exit().is_some() {
            break;
        }
    }
    let status = helper.wait_for(Duration::from_secs(3));
    if let Some(p) = &mut printer {
        p.more(true);
    }
    if let Some(msg) = &helper_error {
        eprintln!("layerscope: {msg}");
    }
    match last {
        Some(Status::Stopped {
            reason,
            packets,
            dropped,
            if_dropped,
        }) => {
            eprintln!(
                "{packets} packets captured, {dropped} dropped by the kernel, {if_dropped} dropped by the interface"
            );
            Ok(if reason == StopReason::Error {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        _ => match helper_error {
            Some(_) => Ok(ExitCode::from(1)),
            None => Err(LiveError::Exited(
                status.map_or_else(|| "killed".into(), |s| s.to_string()),
            )),
        },
    }
}

/// Prints the rows of a spool as its packets arrive, with the analysis so far.
struct Printer {
    store: Store,
    pass: Option<crate::store::StorePass>,
    printed: usize,
    out: BufWriter<io::Stdout>,
    broken: bool,
    last_flush: Instant,
}

impl Printer {
    fn open(path: &std::path::Path) -> Result<Printer, LiveError> {
        let cap = Capture::follow(path).map_err(|e| LiveError::Exited(e.to_string()))?;
        let (store, pass) = Store::start(Arc::new(cap), Keep::Records);
        Ok(Printer {
            store,
            pass: Some(pass),
            printed: 0,
            out: BufWriter::new(io::stdout()),
            broken: false,
            last_flush: Instant::now(),
        })
    }

    /// Reads what the spool gained and prints the new rows; `end`: the helper is done.
    fn more(&mut self, end: bool) {
        let Some(pass) = self.pass.as_mut() else {
            return;
        };
        if let Err(e) = self.store.grow_capture(end) {
            eprintln!("layerscope: the spool cannot be read: {e}");
        }
        while self.store.ingest(pass, 4096) > 0 {}
        if end {
            if let Some(pass) = self.pass.take() {
                self.store.finish(pass);
            }
            if let Some(d) = &self.store.capture.damage {
                eprintln!("layerscope: warning: {}", d);
            }
        } else {
            self.store.settle();
        }
        while self.printed < self.store.len() && !self.broken {
            let row = text::row(&self.store, PacketId(self.printed as u32));
            self.broken = writeln!(self.out, "{row}").is_err();
            self.printed += 1;
        }
        if end || self.last_flush.elapsed() > Duration::from_millis(100) {
            self.broken |= self.out.flush().is_err();
            self.last_flush = Instant::now();
        }
    }
}
