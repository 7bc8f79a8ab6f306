//! Loading off the UI thread: a named worker opens and indexes the file (the
//! rows can be shown from then on), then fills the store (summaries and the
//! stream analysis) in slices of a few milliseconds, with progress and a
//! Cancel. Between slices the window reads what is in: rows gain their analysis
//! and the conversations, ladder and transcripts grow while the file loads.
//! Messages go through a channel; the worker asks egui to repaint.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::analysis::Keep;
use crate::capture::Capture;
use crate::store::Growing;

/// How far a worker is, shared with the window: (done, total) in one atomic
/// word, so the pair is always read as written.
#[derive(Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    pub fn set(&self, done: usize, total: usize) {
        let (d, t) = (done.min(u32::MAX as usize), total.min(u32::MAX as usize));
        self.0
            .store(((d as u64) << 32) | t as u64, Ordering::Relaxed);
    }

    /// (done, total).
    pub fn get(&self) -> (u64, u64) {
        let v = self.0.load(Ordering::Relaxed);
        (v >> 32, v & 0xffff_ffff)
    }

    /// Done as a fraction of the total (0 while the total is unknown).
    pub fn fraction(&self) -> f32 {
        match self.get() {
            (_, 0) => 0.0,
            (d, t) => d as f32 / t as f32,
        }
    }
}

/// What to open.
#[derive(Clone, Debug)]
pub enum Input {
    File(PathBuf),
    /// Bytes in memory (the bundled sample), with a name to show.
    Bytes(&'static str, &'static [u8]),
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Bytes(name, _) => (*name).to_string(),
        }
    }

    /// The file's name without its folder, as window titles name files.
    pub fn file_name(&self) -> String {
        match self {
            Input::File(p) => p
                .file_name()
                .map_or_else(|| self.name(), |n| n.to_string_lossy().into_owned()),
            Input::Bytes(name, _) => (*name).to_string(),
        }
    }
}

/// What the worker reports.
pub enum LoadEvent {
    /// The index is read: rows can be shown from it, and the store is filling.
    Indexed(Arc<Capture>, Arc<Growing>),
    /// Everything is in the store (or loading was cancelled): take it out of the
    /// [`Growing`] sent before.
    Done,
    Failed(String),
}

/// The longest the worker holds the store (a slice ends sooner when the window
/// asks to read it); progress and Cancel are looked at between slices.
pub const SLICE: Duration = Duration::from_millis(100);

/// A load in progress.
pub struct Loader {
    pub input: Input,
    pub started: Instant,
    rx: Receiver<LoadEvent>,
    cancel: Arc<AtomicBool>,
    /// Packets analysed, of the total.
    progress: Progress,
}

impl Loader {
    /// Start loading `input`; `wake` is called after every message (repaint).
    pub fn start(input: Input, wake: impl Fn() + Send + 'static) -> Loader {
        let (tx, rx) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let progress = Progress::default();
        let (c, p, inp) = (cancel.clone(), progress.clone(), input.clone());
        let spawned = std::thread::Builder::new()
            .name("layerscope-load".into())
            .spawn(move || {
                let opened = match &inp {
                    Input::File(path) => Capture::open(path),
                    Input::Bytes(_, b) => Capture::from_bytes(b.to_vec()),
                };
                let capture = match opened {
                    Ok(c) => Arc::new(c),
                    Err(e) => {
                        let _ = tx.send(LoadEvent::Failed(e.to_string()));
                        wake();
                        return;
                    }
                };
                let total = capture.len();
                let (growing, mut pass) = Growing::start(capture.clone(), Keep::Records);
                let growing = Arc::new(growing);
                let _ = tx.send(LoadEvent::Indexed(capture, growing.clone()));
                wake();
                let mut last = Instant::now();
                loop {
                    if c.load(Ordering::Relaxed) {
                        break;
                    }
                    let done = growing.grow(&mut pass, SLICE);
                    p.set(done, total);
                    if done >= total {
                        break;
                    }
                    if last.elapsed() > Duration::from_millis(100) {
                        last = Instant::now();
                        wake();
                    }
                }
                growing.finish(pass);
                let _ = tx.send(LoadEvent::Done);
                wake();
            });
        // A thread that cannot start is a load that failed, with the reason.
        let rx = match spawned {
            Ok(_) => rx,
            Err(e) => {
                let (tx, rx) = channel();
                let _ = tx.send(LoadEvent::Failed(format!(
                    "cannot start the loading thread: {e}"
                )));
                rx
            }
        };
        Loader {
            input,
            started: Instant::now(),
            rx,
            cancel,
            progress,
        }
    }

    /// The next message, if any; `None` also once the worker is gone.
    pub fn poll(&self) -> Option<LoadEvent> {
        self.rx.try_recv().ok()
    }

    /// Wait for the next message (tests and the UI benchmark).
    pub fn wait(&self) -> Option<LoadEvent> {
        self.rx.recv().ok()
    }

    /// (packets analysed, total).
    pub fn progress(&self) -> (u64, u64) {
        self.progress.get()
    }

    /// Stop building; what was summarized so far is kept and shown.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}
