//! Where a capture's bytes live: a read-only memory map of the file, or an owned buffer.

use memmap2::Mmap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The whole file, mapped or owned.
pub(crate) enum Bytes {
    Map(Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Map(map) => map,
            Bytes::Owned(vec) => vec,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Bytes::Map(_) => "Map",
            Bytes::Owned(_) => "Owned",
        };
        write!(f, "Bytes::{kind}({} bytes)", self.len())
    }
}

/// Maps the file at `path`; anything that is not a regular file (pipe, FIFO, device) cannot be
/// mapped and is spooled instead.
pub(crate) fn map_file(path: &Path) -> io::Result<Bytes> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return spool(file);
    }
    map(&file)
}

/// Copies `reader` to its end into a fresh temporary file, maps that, and unlinks it: the map
/// keeps the data alive, and nothing is left behind in the temporary directory.
pub(crate) fn spool(reader: impl Read) -> io::Result<Bytes> {
    spool_in(&std::env::temp_dir(), reader)
}

fn spool_in(dir: &Path, mut reader: impl Read) -> io::Result<Bytes> {
    let (path, mut file) = create_spool_file(dir)?;
    // Unix: unlink it at once, before a byte is copied; the open file keeps the data, so no
    // signal (SIGINT, SIGTERM, SIGKILL) while standard input is read can leave it behind.
    #[cfg(unix)]
    std::fs::remove_file(&path)?;
    let _remove = RemoveOnDrop(path);
    io::copy(&mut reader, &mut file)?;
    file.flush()?;
    map(&file)
}

/// Maps an open file as it is now (a file still being written is mapped again when it grows).
pub(crate) fn map(file: &File) -> io::Result<Bytes> {
    if file.metadata()?.len() == 0 {
        // An empty file has nothing to map (mmap of length 0 is an error on most systems).
        return Ok(Bytes::Owned(Vec::new()));
    }
    // SAFETY: the mapping is read-only. If another process shrinks or rewrites the file while we
    // hold it, reads may see the new bytes or fault: the accepted caveat of every mmap-based
    // reader, traded for zero-copy access to captures far larger than memory.
    let map = unsafe { Mmap::map(file)? };
    // Indexing reads the file front to back; this is only a hint, so a failure is harmless.
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(Bytes::Map(map))
}

/// Creates a new, uniquely named file in `dir`, readable only by us.
pub(super) fn create_spool_file(dir: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last_err = None;
    for _ in 0..16 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("layerscope-stdin-{}-{nanos}-{n}.spool", std::process::id());
        let path = dir.join(name);
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        match opts.open(&path) {
            Ok(file) => return Ok((path, file)),
            // create_new refuses an existing name (another process's spool): try the next one.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free spool file name")))
}

/// Unlinks the spool file when dropped, whether spooling succeeded or not.
pub(super) struct RemoveOnDrop(pub(super) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        // On Unix the file was unlinked when created; this is for the other systems.
        // Unix unlinks a mapped file fine; where the OS refuses (Windows), the file stays behind
        // in the temporary directory, which is all we can do without keeping the map elsewhere.
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that yields some bytes, then fails.
    struct Failing(usize);

    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("boom"));
            }
            let n = self.0.min(buf.len());
            buf[..n].fill(0xab);
            self.0 -= n;
            Ok(n)
        }
    }

    /// A fresh directory of its own for one test, so parallel tests cannot see each other's files.
    fn test_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("layerscope-spool-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    fn files_in(dir: &Path) -> usize {
        std::fs::read_dir(dir).unwrap().count()
    }

    #[test]
    fn spool_copies_maps_and_unlinks() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let dir = test_dir("copy");
        let bytes = spool_in(&dir, io::Cursor::new(data.clone())).unwrap();
        assert!(matches!(bytes, Bytes::Map(_)));
        assert_eq!(files_in(&dir), 0, "spool file left behind");
        assert_eq!(&bytes[..], &data[..], "the map outlives the unlinked file");
        std::fs::remove_dir(&dir).unwrap();
    }

    /// The spool has no name while standard input is being read: a process killed then
    /// leaves nothing in the temporary folder.
    #[cfg(unix)]
    #[test]
    fn the_spool_is_unlinked_before_reading_starts() {
        struct Watch<'a>(&'a Path, usize);
        impl Read for Watch<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                assert_eq!(files_in(self.0), 0, "spool visible while reading");
                let n = self.1.min(buf.len());
                buf[..n].fill(7);
                self.1 -= n;
                Ok(n)
            }
        }
        let dir = test_dir("unlinked");
        let bytes = spool_in(&dir, Watch(&dir, 300_000)).unwrap();
        assert_eq!(bytes.len(), 300_000);
        assert!(bytes.iter().all(|&b| b == 7));
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn spool_of_nothing_is_empty() {
        let bytes = spool(io::empty()).unwrap();
        assert!(bytes.is_empty());
    }

    #[test]
    fn failed_spool_reports_and_cleans_up() {
        let dir = test_dir("fail");
        let err = spool_in(&dir, Failing(20_000)).unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(files_in(&dir), 0, "spool file left behind");
        std::fs::remove_dir(&dir).unwrap();
    }

    #[test]
    fn spool_names_are_unique() {
        let dir = test_dir("names");
        let (a, _fa) = create_spool_file(&dir).unwrap();
        let (b, _fb) = create_spool_file(&dir).unwrap();
        assert_ne!(a, b);
        assert_eq!(files_in(&dir), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
