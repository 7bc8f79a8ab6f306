//! Live capture as the window drives it. Something writes packets to a spool file (the
//! capture helper, [`HelperSource`], or a test, [`ManualSource`]); a worker thread
//! (`layerscope-live`) follows the file into a [`Growing`] store, exactly as a file being
//! loaded, and keeps the counters the status bar shows. The window never waits: it reads
//! the store between growths and the counters from a mutex.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::loader::SLICE;
use crate::analysis::Keep;
use crate::capture::status::{Status, StopReason};
use crate::capture::{Capture, OpenError, PipeSpool};
use crate::live::{spool, Event, Helper, LiveError, Options, Output};
use crate::store::Growing;

/// What the capturing side reports, in the window's terms.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceEvent {
    /// Its counters: packets written, dropped by the kernel, dropped by the interface.
    Stats {
        packets: u64,
        kernel_drops: u64,
        if_drops: u64,
    },
    /// It stopped, and why.
    Stopped {
        reason: String,
        kernel_drops: u64,
        if_drops: u64,
    },
    /// Something went wrong while capturing (an interface went down): the capture ends.
    Error(String),
    /// Other words it printed.
    Text(String),
}

/// Something that writes a capture to a spool file the window follows.
pub trait PacketSource: Send {
    /// The pcapng (or pcap) file it writes, when the file has a name (standard input's
    /// spool has none: it is unlinked at once).
    fn spool(&self) -> Option<&Path>;
    /// The capture of the spool, to follow as it grows.
    fn follow(&self) -> Result<Capture, OpenError> {
        match self.spool() {
            Some(p) => Capture::follow(p),
            None => Err(OpenError::Io {
                path: String::new(),
                source: std::io::Error::other("the spool has no name"),
            }),
        }
    }
    /// The spool's size in bytes.
    fn spool_bytes(&self) -> u64 {
        self.spool()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len())
    }
    /// What it reported since the last call.
    fn poll(&mut self) -> Vec<SourceEvent>;
    /// Ask it to stop (it finishes the file and ends).
    fn stop(&mut self);
    /// It has ended: the file will not grow any more.
    fn ended(&mut self) -> bool;
}

/// Why a capture did not start.
#[derive(Debug)]
pub enum Failure {
    /// What the helper (or looking for it) said.
    Live(LiveError),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Live(e) => write!(f, "{e}"),
            Failure::Other(s) => f.write_str(s),
        }
    }
}

/// Starts a source for some options (on the worker thread: starting may take a while).
pub type Factory =
    Arc<dyn Fn(&Options) -> Result<Box<dyn PacketSource>, Failure> + Send + Sync + 'static>;

/// The real thing: the capture helper writing to a new spool in [`spool::dir`].
pub struct HelperSource {
    helper: Helper,
    spool: PathBuf,
}

/// How long the helper has to say it is capturing.
const START_TIMEOUT: Duration = Duration::from_secs(10);

impl HelperSource {
    pub fn start(opts: &Options) -> Result<Box<dyn PacketSource>, Failure> {
        let dir = spool::dir();
        let path = spool::new_path(&dir).map_err(|e| {
            Failure::Other(format!(
                "cannot create the capture folder {}: {e}",
                dir.display()
            ))
        })?;
        let mut helper = Helper::spawn(opts, &Output::File(path.clone())).map_err(Failure::Live)?;
        match helper.started(START_TIMEOUT) {
            Ok(_) => Ok(Box::new(HelperSource {
                helper,
                spool: path,
            })),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(Failure::Live(e))
            }
        }
    }

    /// The factory the window uses unless a test gives its own.
    pub fn factory() -> Factory {
        Arc::new(HelperSource::start)
    }
}

impl PacketSource for HelperSource {
    fn spool(&self) -> Option<&Path> {
        Some(&self.spool)
    }

    fn poll(&mut self) -> Vec<SourceEvent> {
        let mut out = Vec::new();
        while let Some(ev) = self.helper.try_event() {
            out.push(match ev {
                Event::Status(Status::Stats {
                    packets,
                    interfaces,
                    ..
                }) => SourceEvent::Stats {
                    packets,
                    kernel_drops: interfaces.iter().map(|i| i.stats.dropped).sum(),
                    if_drops: interfaces.iter().map(|i| i.stats.if_dropped).sum(),
                },
                Event::Status(Status::Stopped {
                    reason,
                    dropped,
                    if_dropped,
                    ..
                }) => SourceEvent::Stopped {
                    reason: match reason {
                        StopReason::Count | StopReason::Packets => "packet count reached",
                        StopReason::Duration => "duration reached",
                        StopReason::Filesize => "file size reached",
                        StopReason::Signal => "interrupted",
                        StopReason::Stdin => "stopped",
                        StopReason::Error => "stopped by an error",
                    }
                    .to_string(),
                    kernel_drops: dropped,
                    if_drops: if_dropped,
                },
                Event::Status(Status::Error { message, .. }) => SourceEvent::Error(message),
                Event::Status(Status::Started { .. }) | Event::Closed => continue,
                Event::Text(t) => SourceEvent::Text(t),
            });
        }
        out
    }

    fn stop(&mut self) {
        self.helper.stop();
    }

    fn ended(&mut self) -> bool {
        self.helper.try_exit().is_some()
    }
}

/// A source driven by hand (tests, demos): whoever holds the [`ManualHandle`] appends to
/// the spool file and says when it has ended. Stopping ends it at once, as the helper
/// does once it has written its last block.
pub struct ManualSource {
    spool: PathBuf,
    state: Arc<ManualState>,
}

#[derive(Default)]
pub struct ManualState {
    ended: AtomicBool,
    stop_asked: AtomicBool,
    events: Mutex<Vec<SourceEvent>>,
}

/// The other end of a [`ManualSource`].
#[derive(Clone)]
pub struct ManualHandle(Arc<ManualState>);

impl ManualSource {
    pub fn new(spool: PathBuf) -> (ManualSource, ManualHandle) {
        let state = Arc::new(ManualState::default());
        (
            ManualSource {
                spool,
                state: state.clone(),
            },
            ManualHandle(state),
        )
    }
}

impl ManualHandle {
    /// Report something, as the helper would.
    pub fn report(&self, e: SourceEvent) {
        if let Ok(mut v) = self.0.events.lock() {
            v.push(e);
        }
    }
    /// The writer is done (the file will not grow).
    pub fn end(&self) {
        self.0.ended.store(true, Ordering::Release);
    }
    /// The window asked it to stop.
    pub fn stop_asked(&self) -> bool {
        self.0.stop_asked.load(Ordering::Acquire)
    }
}

impl PacketSource for ManualSource {
    fn spool(&self) -> Option<&Path> {
        Some(&self.spool)
    }
    fn poll(&mut self) -> Vec<SourceEvent> {
        self.state
            .events
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
    fn stop(&mut self) {
        self.state.stop_asked.store(true, Ordering::Release);
        self.state.ended.store(true, Ordering::Release);
    }
    fn ended(&mut self) -> bool {
        self.state.ended.load(Ordering::Acquire)
    }
}

/// Standard input (or a test's pipe) read as a stream: a thread copies it into a spool that
/// has no name ([`PipeSpool`]), followed like a capture's. It ends with the input; a stop
/// keeps what was read.
pub struct ReaderSource {
    spool: PipeSpool,
    /// The end (or its error) was reported.
    told: bool,
    stopped: bool,
}

/// What standard input is called in the window.
pub const STDIN_NAME: &str = "standard input";

impl ReaderSource {
    /// A factory that starts reading `reader` once (the window reads standard input once).
    pub fn factory(reader: impl std::io::Read + Send + 'static) -> Factory {
        let slot = Mutex::new(Some(reader));
        Arc::new(move |_: &Options| {
            let reader = (slot.lock().ok().and_then(|mut r| r.take()))
                .ok_or_else(|| Failure::Other(format!("{STDIN_NAME} was read already")))?;
            let spool = PipeSpool::start(reader).map_err(|e| {
                Failure::Other(format!(
                    "cannot create the spool file in the temporary folder: {e}"
                ))
            })?;
            Ok(Box::new(ReaderSource {
                spool,
                told: false,
                stopped: false,
            }) as Box<dyn PacketSource>)
        })
    }
}

impl PacketSource for ReaderSource {
    fn spool(&self) -> Option<&Path> {
        None
    }
    fn follow(&self) -> Result<Capture, OpenError> {
        self.spool.capture(STDIN_NAME)
    }
    fn spool_bytes(&self) -> u64 {
        self.spool.len()
    }
    fn poll(&mut self) -> Vec<SourceEvent> {
        if self.told || !self.spool.ended() {
            return Vec::new();
        }
        self.told = true;
        vec![match self.spool.error() {
            Some(e) => SourceEvent::Error(e),
            None => SourceEvent::Stopped {
                reason: if self.stopped {
                    "stopped"
                } else {
                    "end of input"
                }
                .into(),
                kernel_drops: 0,
                if_drops: 0,
            },
        }]
    }
    fn stop(&mut self) {
        self.stopped |= !self.spool.ended();
        self.spool.stop();
    }
    fn ended(&mut self) -> bool {
        self.spool.ended()
    }
}

/// Counters for the status bar, updated by the worker.
#[derive(Clone, Debug, Default)]
pub struct LiveStats {
    /// Packets the capturing side says it wrote.
    pub written: u64,
    pub kernel_drops: u64,
    pub if_drops: u64,
    /// Packets per second arriving in the store, over the last second or so.
    pub pps: f32,
    pub spool_bytes: u64,
    /// Why it ended early (an interface went down, the file could not be read).
    pub error: Option<String>,
    /// How it stopped, when it has.
    pub stopped: Option<String>,
    /// The last other thing it said.
    pub text: Option<String>,
}

impl LiveStats {
    fn apply(&mut self, e: SourceEvent) {
        match e {
            SourceEvent::Stats {
                packets,
                kernel_drops,
                if_drops,
            } => {
                self.written = packets;
                self.kernel_drops = kernel_drops;
                self.if_drops = if_drops;
            }
            SourceEvent::Stopped {
                reason,
                kernel_drops,
                if_drops,
            } => {
                self.stopped = Some(reason);
                self.kernel_drops = self.kernel_drops.max(kernel_drops);
                self.if_drops = self.if_drops.max(if_drops);
            }
            SourceEvent::Error(m) => self.error = Some(m),
            SourceEvent::Text(t) => self.text = Some(t),
        }
    }
}

/// What the worker tells the window.
pub enum LiveEvent {
    /// Capturing: the store fills from the spool; the counter is the packets indexed in
    /// the capture (read without the store's lock).
    Started {
        growing: Arc<Growing>,
        indexed: Arc<AtomicUsize>,
        /// The spool, when it has a name.
        spool: Option<PathBuf>,
    },
    /// The source ended and every packet is in: take the store out of the `Growing`.
    Done,
    /// It never started.
    Failed(Failure),
}

/// A live capture in progress.
pub struct Live {
    pub options: Options,
    /// It reads standard input (not interfaces).
    pub stdin: bool,
    pub started: Instant,
    rx: Receiver<LiveEvent>,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<LiveStats>>,
}

/// How long a source has to end after it was asked to stop.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The pause when nothing new was written.
const IDLE: Duration = Duration::from_millis(25);

impl Live {
    /// Start capturing with `factory`'s source on a worker thread; `wake` asks for a repaint.
    pub fn start(options: Options, factory: Factory, wake: impl Fn() + Send + 'static) -> Live {
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(LiveStats::default()));
        let (o, s, st) = (options.clone(), stop.clone(), stats.clone());
        let fail_tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("layerscope-live".into())
            .spawn(move || work(o, factory, tx, s, st, wake));
        if let Err(e) = spawned {
            let _ = fail_tx.send(LiveEvent::Failed(Failure::Other(format!(
                "cannot start the capture thread: {e}"
            ))));
        }
        Live {
            options,
            stdin: false,
            started: Instant::now(),
            rx,
            stop,
            stats,
        }
    }

    /// Read `factory`'s source (standard input) as a live capture.
    pub fn read(factory: Factory, wake: impl Fn() + Send + 'static) -> Live {
        Live {
            stdin: true,
            ..Live::start(Options::default(), factory, wake)
        }
    }

    /// The interfaces (or standard input), as the title and status bar name them.
    pub fn iface(&self) -> String {
        if self.stdin {
            return STDIN_NAME.into();
        }
        self.options.interfaces.join(", ")
    }

    pub fn poll(&self) -> Option<LiveEvent> {
        self.rx.try_recv().ok()
    }

    /// Wait up to `timeout` for the next message (tests).
    pub fn wait(&self, timeout: Duration) -> Option<LiveEvent> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Ask the source to stop; `Done` follows once it has.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Release);
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    pub fn stats(&self) -> LiveStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn work(
    options: Options,
    factory: Factory,
    tx: Sender<LiveEvent>,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<LiveStats>>,
    wake: impl Fn(),
) {
    let note = |f: &dyn Fn(&mut LiveStats)| {
        if let Ok(mut s) = stats.lock() {
            f(&mut s);
        }
    };
    let mut src = match factory(&options) {
        Ok(s) => s,
        Err(f) => {
            let _ = tx.send(LiveEvent::Failed(f));
            wake();
            return;
        }
    };
    let spool = src.spool().map(Path::to_path_buf);
    let what = if spool.is_some() {
        "the capture file"
    } else {
        STDIN_NAME
    };
    // The helper has created the file when it says it started; a test source may be a
    // moment behind.
    let t0 = Instant::now();
    let cap = loop {
        match src.follow() {
            Ok(c) => break c,
            Err(e) if src.ended() || stop.load(Ordering::Acquire) || t0.elapsed() > STOP_GRACE => {
                src.stop();
                let _ = tx.send(LiveEvent::Failed(Failure::Other(match &spool {
                    Some(p) => format!("cannot follow the capture file {}: {e}", p.display()),
                    None => e.to_string(),
                })));
                wake();
                return;
            }
            Err(_) => std::thread::sleep(IDLE),
        }
    };
    let (growing, mut pass) = Growing::start(Arc::new(cap), Keep::Records);
    let growing = Arc::new(growing);
    let indexed = Arc::new(AtomicUsize::new(0));
    let _ = tx.send(LiveEvent::Started {
        growing: growing.clone(),
        indexed: indexed.clone(),
        spool: spool.clone(),
    });
    wake();
    let mut asked: Option<Instant> = None;
    let mut rate = (Instant::now(), 0usize);
    let mut woken = Instant::now();
    // The spool's size is first read at once.
    let mut sized = Instant::now()
        .checked_sub(Duration::from_secs(1))
        .unwrap_or_else(Instant::now);
    loop {
        if stop.load(Ordering::Acquire) && asked.is_none() {
            src.stop();
            asked = Some(Instant::now());
        }
        let ended = src.ended() || asked.is_some_and(|t| t.elapsed() > STOP_GRACE);
        for e in src.poll() {
            if let SourceEvent::Error(_) = e {
                // The capture cannot go on (an interface went down): end it.
                if asked.is_none() {
                    src.stop();
                    asked = Some(Instant::now());
                }
            }
            note(&|s| s.apply(e.clone()));
        }
        if ended {
            break;
        }
        let before = indexed.load(Ordering::Acquire);
        let (done, grew) = growing.grow_with(&mut pass, SLICE, |s| {
            let r = s.grow_capture(false);
            indexed.store(s.capture.len(), Ordering::Release);
            r
        });
        if let Err(e) = grew {
            note(&|s| s.error = Some(format!("{what} cannot be read: {e}")));
            if asked.is_none() {
                src.stop();
                asked = Some(Instant::now());
            }
        }
        let now_indexed = indexed.load(Ordering::Acquire);
        if rate.0.elapsed() >= Duration::from_secs(1) {
            let secs = rate.0.elapsed().as_secs_f32();
            let pps = now_indexed.saturating_sub(rate.1) as f32 / secs;
            note(&|s| s.pps = pps);
            rate = (Instant::now(), now_indexed);
        }
        if sized.elapsed() >= Duration::from_millis(250) {
            let bytes = src.spool_bytes();
            note(&|s| s.spool_bytes = bytes);
            sized = Instant::now();
        }
        let behind = done < now_indexed;
        if (now_indexed > before || behind) && woken.elapsed() >= Duration::from_millis(30) {
            wake();
            woken = Instant::now();
        }
        if !behind && now_indexed == before {
            std::thread::sleep(IDLE);
        }
    }
    // The writer is done: what is left of the file, a half-written last block as damage.
    let (_, ended) = growing.grow_with(&mut pass, SLICE, |s| {
        let r = s.grow_capture(true);
        indexed.store(s.capture.len(), Ordering::Release);
        r
    });
    if let Err(e) = ended {
        note(&|s| s.error = Some(format!("the end of {what} cannot be read: {e}")));
    }
    while growing.grow(&mut pass, SLICE) < indexed.load(Ordering::Acquire) {}
    growing.finish(pass);
    let bytes = src.spool_bytes();
    note(&|s| {
        s.spool_bytes = bytes;
        s.pps = 0.0;
    });
    let _ = tx.send(LiveEvent::Done);
    wake();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worker follows a spool written by hand: packets arrive, stop ends it, and the
    /// store holds them all.
    #[test]
    fn the_worker_follows_a_spool_until_the_source_stops() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
        let bytes = std::fs::read(&src).unwrap();
        let whole = Capture::open(&src).unwrap();
        let dir = std::env::temp_dir().join(format!("ls-live-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spool = dir.join("spool.pcap");
        std::fs::write(&spool, &bytes[..24]).unwrap();
        let (source, handle) = ManualSource::new(spool.clone());
        let slot = Mutex::new(Some(source));
        let factory: Factory = Arc::new(move |_: &Options| {
            let s = slot.lock().unwrap().take();
            s.map(|s| Box::new(s) as Box<dyn PacketSource>)
                .ok_or_else(|| Failure::Other("once".into()))
        });
        let live = Live::start(Options::default(), factory, || {});
        let Some(LiveEvent::Started { indexed, .. }) = live.wait(Duration::from_secs(5)) else {
            panic!("not started");
        };
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&spool)
                .unwrap();
            f.write_all(&bytes[24..]).unwrap();
        }
        let t = Instant::now();
        while indexed.load(Ordering::Acquire) < whole.len() && t.elapsed().as_secs() < 5 {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(indexed.load(Ordering::Acquire), whole.len());
        handle.report(SourceEvent::Stats {
            packets: 3,
            kernel_drops: 2,
            if_drops: 1,
        });
        live.stop();
        assert!(matches!(
            live.wait(Duration::from_secs(5)),
            Some(LiveEvent::Done)
        ));
        assert!(handle.stop_asked());
        let st = live.stats();
        assert_eq!((st.kernel_drops, st.if_drops), (2, 1));
        assert_eq!(st.spool_bytes, bytes.len() as u64);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
