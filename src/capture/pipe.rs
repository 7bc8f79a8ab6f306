//! Standard input read as a stream. A thread (`layerscope-stdin`) copies what arrives into
//! a spool file that has no name (it is unlinked as soon as it is created), and the capture
//! follows that file as it grows ([`Capture::follow_file`]), exactly as a live capture's
//! spool is followed. Nothing is left in the temporary folder, even by a process killed
//! while it reads; the data lives as long as the open file and its maps.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{source, Capture, OpenError};

/// Bytes asked of the reader at a time.
const READ_BYTES: usize = 256 * 1024;

/// A reader being copied into an unnamed spool file, and that file.
pub struct PipeSpool {
    file: File,
    shared: Arc<Shared>,
    /// Where the file is unlinked only once dropped (not Unix).
    _remove: source::RemoveOnDrop,
}

/// What the copying thread tells the others.
struct Shared {
    /// Bytes written to the spool so far.
    bytes: AtomicU64,
    /// The reader ended (end of input, an error, or a stop): the file grows no more.
    ended: AtomicBool,
    /// Asked to stop: bytes read from now on are not written.
    stop: AtomicBool,
    /// Why reading or writing failed.
    error: Mutex<Option<String>>,
    /// When bytes last arrived, in ms after `t0`.
    last_ms: AtomicU64,
    t0: Instant,
}

impl PipeSpool {
    /// Start copying `reader` (standard input) into a spool in the temporary folder.
    pub fn start(reader: impl Read + Send + 'static) -> io::Result<PipeSpool> {
        Self::start_in(&std::env::temp_dir(), reader)
    }

    /// [`PipeSpool::start`] with the spool in `dir`.
    pub fn start_in(dir: &Path, reader: impl Read + Send + 'static) -> io::Result<PipeSpool> {
        let (path, file) = source::create_spool_file(dir)?;
        let remove = source::RemoveOnDrop(path);
        // Unix: no name from the start, so no signal can leave the file behind.
        #[cfg(unix)]
        std::fs::remove_file(&remove.0)?;
        let writer = file.try_clone()?;
        let shared = Arc::new(Shared {
            bytes: AtomicU64::new(0),
            ended: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            error: Mutex::new(None),
            last_ms: AtomicU64::new(0),
            t0: Instant::now(),
        });
        let sh = shared.clone();
        std::thread::Builder::new()
            .name("layerscope-stdin".into())
            .spawn(move || copy(reader, writer, &sh))?;
        Ok(PipeSpool {
            file,
            shared,
            _remove: remove,
        })
    }

    /// The capture of what arrives, to grow with [`Capture::grow`] (or
    /// [`crate::store::Store::grow_capture`]); `name` says what it is in errors.
    pub fn capture(&self, name: &str) -> Result<Capture, OpenError> {
        let file = self.file.try_clone().map_err(|source| OpenError::Io {
            path: name.to_string(),
            source,
        })?;
        Capture::follow_file(file, name)
    }

    /// Bytes spooled so far.
    pub fn len(&self) -> u64 {
        self.shared.bytes.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The input has ended (or failed, or was stopped): every byte read is in the file.
    pub fn ended(&self) -> bool {
        self.shared.ended.load(Ordering::Acquire)
    }

    /// Why reading the input or writing the spool failed, if it did.
    pub fn error(&self) -> Option<String> {
        self.shared.error.lock().ok().and_then(|e| e.clone())
    }

    /// How long since bytes last arrived (since the start, before any did).
    pub fn quiet_for(&self) -> Duration {
        let last = self.shared.last_ms.load(Ordering::Acquire);
        self.shared
            .t0
            .elapsed()
            .saturating_sub(Duration::from_millis(last))
    }

    /// Stop reading: what is in the file stays, nothing more is added. The copying thread
    /// may still wait for the reader's next bytes (a read cannot be interrupted); it writes
    /// none of them and ends.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.ended.store(true, Ordering::Release);
    }
}

/// The copying thread: `reader` to its end into `out`.
fn copy(mut reader: impl Read, mut out: File, sh: &Shared) {
    let mut buf = vec![0u8; READ_BYTES];
    let fail = |what: &str, e: io::Error| {
        if let Ok(mut slot) = sh.error.lock() {
            *slot = Some(format!("{what}: {e}"));
        }
    };
    loop {
        if sh.stop.load(Ordering::Acquire) {
            break;
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                fail("cannot read standard input", e);
                break;
            }
        };
        if sh.stop.load(Ordering::Acquire) {
            break;
        }
        // The arrival is noted before the bytes can be seen in the file: whoever sees
        // them also sees that the input was not quiet.
        let ms = sh.t0.elapsed().as_millis().min(u128::from(u64::MAX)) as u64;
        sh.last_ms.store(ms, Ordering::Release);
        if let Err(e) = out.write_all(&buf[..n]) {
            fail("cannot write the spool file in the temporary folder", e);
            break;
        }
        sh.bytes.fetch_add(n as u64, Ordering::AcqRel);
    }
    sh.ended.store(true, Ordering::Release);
}

#[cfg(test)]
mod tests {
    use super::super::testutil::PcapWriter;
    use super::*;
    use std::io::pipe;

    fn test_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("layerscope-pipe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
        let t = Instant::now();
        while !f() {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{what} never happened"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Packets are indexed while the writer is still writing; nothing is ever visible in
    /// the folder; the end of input ends the capture with every packet.
    #[test]
    fn packets_are_read_as_they_arrive_from_an_unnamed_file() {
        let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        for i in 0..10u32 {
            w.record(i, 0, &[i as u8; 60], 60);
        }
        let whole = Capture::from_bytes(w.buf.clone()).unwrap();
        let half = 24 + 5 * (16 + 60);
        let dir = test_dir("stream");
        let (reader, mut writer) = pipe().unwrap();
        let spool = PipeSpool::start_in(&dir, reader).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        let mut cap = spool.capture("-").unwrap();
        writer.write_all(&w.buf[..half + 7]).unwrap();
        wait_until("5 packets", || {
            cap.grow().unwrap();
            cap.len() == 5
        });
        assert!(!spool.ended());
        assert_eq!(spool.len(), (half + 7) as u64);
        writer.write_all(&w.buf[half + 7..]).unwrap();
        drop(writer);
        wait_until("the end", || spool.ended());
        cap.end().unwrap();
        assert_eq!(cap.packets, whole.packets);
        assert!(spool.error().is_none());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir(&dir).unwrap();
    }

    /// A stop keeps what was read and ends the spool at once, the writer still open.
    #[test]
    fn stop_ends_the_spool_with_what_was_read() {
        let (reader, mut writer) = pipe().unwrap();
        let spool = PipeSpool::start(reader).unwrap();
        writer.write_all(&[1; 100]).unwrap();
        wait_until("100 bytes", || spool.len() == 100);
        assert!(spool.quiet_for() < Duration::from_secs(10));
        spool.stop();
        assert!(spool.ended());
        writer.write_all(&[2; 100]).unwrap();
        drop(writer);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(spool.len(), 100, "nothing is added after a stop");
    }

    /// A reader that fails says why, and what came before stays.
    #[test]
    fn a_failing_reader_ends_with_its_error() {
        struct Failing(bool);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    return Err(io::Error::other("boom"));
                }
                buf[..3].copy_from_slice(b"abc");
                Ok(3)
            }
        }
        let spool = PipeSpool::start(Failing(false)).unwrap();
        wait_until("the end", || spool.ended());
        assert_eq!(spool.len(), 3);
        assert_eq!(
            spool.error().as_deref(),
            Some("cannot read standard input: boom")
        );
    }
}
