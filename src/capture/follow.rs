//! Following a capture file that is still being written: a live capture's spool (the capture
//! helper appends pcapng blocks to it) or standard input spooled to disk. The packets are
//! indexed as they arrive, and their bytes stay in the file: only the index is in memory.
//!
//! The file is mapped again each time it has grown (a map is cheap: pages load on demand), so
//! [`Capture::data`] keeps returning slices of one map. A block the writer has only half
//! written waits for the next look; once the writer is done ([`Capture::end`]) such a block
//! is damage, as in any file.

use std::fs::File;
use std::io;
use std::path::Path;

use super::index::{self, Cursor, Index};
use super::{source, Capture, OpenError};

/// What a growing capture keeps between looks at its file.
#[derive(Debug)]
pub(crate) struct Follow {
    file: File,
    cursor: Cursor,
    /// Warnings the index dropped past its limit (the rest of [`Index`]'s state).
    index_rest: Index,
}

impl std::fmt::Debug for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cursor::Start => "Start",
            Cursor::Pcap(..) => "Pcap",
            Cursor::PcapNg(..) => "PcapNg",
        })
    }
}

impl Capture {
    /// Opens a capture file that another process is still writing, indexing what is there
    /// now (possibly nothing, not even the file header). [`Capture::grow`] reads what was
    /// appended since; [`Capture::end`] when the writer is done.
    pub fn follow(path: &Path) -> Result<Capture, OpenError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| OpenError::Io {
            path: name.clone(),
            source,
        })?;
        Self::follow_file(file, &name)
    }

    /// [`Capture::follow`] over a file already open (standard input's spool, which has no
    /// name); `name` says what it is in errors.
    pub fn follow_file(file: File, name: &str) -> Result<Capture, OpenError> {
        let io_err = |source| OpenError::Io {
            path: name.to_string(),
            source,
        };
        let mut cap = Capture {
            bytes: source::Bytes::Owned(Vec::new()),
            format: None,
            interfaces: Vec::new(),
            packets: Vec::new(),
            comments: Vec::new(),
            damage: None,
            warnings: Vec::new(),
            follow: Some(Box::new(Follow {
                file,
                cursor: Cursor::Start,
                index_rest: Index {
                    growing: true,
                    ..Index::default()
                },
            })),
        };
        cap.look(false).map_err(|e| match e {
            OpenError::Io { source, .. } => io_err(source),
            other => other,
        })?;
        Ok(cap)
    }

    /// A capture of its own over the same growing file, with the same index (for a second
    /// holder while the first goes on growing).
    pub fn fork(&self) -> Result<Capture, OpenError> {
        let Some(follow) = &self.follow else {
            return Err(io_error(io::Error::other("the capture is not growing")));
        };
        let file = follow.file.try_clone().map_err(io_error)?;
        let bytes = if self.bytes.is_empty() {
            source::Bytes::Owned(Vec::new())
        } else {
            source::map(&file).map_err(io_error)?
        };
        Ok(Capture {
            bytes,
            format: self.format,
            interfaces: self.interfaces.clone(),
            packets: self.packets.clone(),
            comments: self.comments.clone(),
            damage: self.damage.clone(),
            warnings: self.warnings.clone(),
            follow: Some(Box::new(Follow {
                file,
                cursor: follow.cursor.clone(),
                index_rest: follow.index_rest.clone(),
            })),
        })
    }

    /// Whether the file is still being followed (not yet [`Capture::end`]ed).
    pub fn is_growing(&self) -> bool {
        self.follow.is_some()
    }

    /// Indexes the packets appended since the last look; returns how many there are. A
    /// block the writer has not finished waits for the next call.
    pub fn grow(&mut self) -> Result<usize, OpenError> {
        self.look(false)
    }

    /// The writer is done: indexes the rest, and a block cut short at the end of the file is
    /// now damage. Returns the packets added; the capture no longer grows.
    pub fn end(&mut self) -> Result<usize, OpenError> {
        let n = self.look(true);
        if let Some(follow) = self.follow.take() {
            let mut idx = self.take_index(follow.index_rest);
            idx.growing = false;
            self.put_index(idx.finish());
        }
        n
    }

    fn look(&mut self, at_end: bool) -> Result<usize, OpenError> {
        let Some(mut follow) = self.follow.take() else {
            return Ok(0);
        };
        let before = self.packets.len();
        let result = self.look_with(&mut follow, at_end);
        self.follow = Some(follow);
        result.map(|()| self.packets.len() - before)
    }

    fn look_with(&mut self, follow: &mut Follow, at_end: bool) -> Result<(), OpenError> {
        let len = follow.file.metadata().map_err(io_error)?.len();
        if len > self.bytes.len() as u64 {
            self.bytes = source::map(&follow.file).map_err(io_error)?;
        }
        let rest = std::mem::take(&mut follow.index_rest);
        let mut idx = self.take_index(rest);
        let result = index::advance(&self.bytes, &mut idx, &mut follow.cursor, at_end);
        // Keep the index's own state (format, dropped warnings) for next time.
        let (parts, rest) = split_index(idx);
        follow.index_rest = rest;
        self.put_index(parts);
        result
    }

    /// Moves the capture's tables into an index (no copy), with `rest`'s other state.
    fn take_index(&mut self, rest: Index) -> Index {
        Index {
            format: self.format.or(rest.format),
            interfaces: std::mem::take(&mut self.interfaces),
            packets: std::mem::take(&mut self.packets),
            comments: std::mem::take(&mut self.comments),
            damage: self.damage.take(),
            warnings: std::mem::take(&mut self.warnings),
            ..rest
        }
    }

    /// Moves an index's tables back into the capture.
    fn put_index(&mut self, idx: Index) {
        self.format = idx.format;
        self.interfaces = idx.interfaces;
        self.packets = idx.packets;
        self.comments = idx.comments;
        self.damage = idx.damage;
        self.warnings = idx.warnings;
    }
}

/// An index's tables, and the rest of its state with empty tables.
fn split_index(mut idx: Index) -> (Index, Index) {
    let parts = Index {
        format: idx.format,
        interfaces: std::mem::take(&mut idx.interfaces),
        packets: std::mem::take(&mut idx.packets),
        comments: std::mem::take(&mut idx.comments),
        damage: idx.damage.take(),
        warnings: std::mem::take(&mut idx.warnings),
        ..Index::default()
    };
    (parts, idx)
}

fn io_error(source: io::Error) -> OpenError {
    OpenError::Io {
        path: String::new(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{NgWriter, PcapWriter};
    use super::*;
    use std::io::Write;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("layerscope-follow-{name}-{}", std::process::id()))
    }

    /// A file written a few bytes at a time is indexed packet by packet as its blocks
    /// complete, and ends equal to the same file opened whole.
    fn grows_like_the_whole(bytes: &[u8], name: &str) {
        let path = temp(name);
        let mut f = File::create(&path).unwrap();
        let mut cap = Capture::follow(&path).unwrap();
        assert_eq!(cap.len(), 0);
        let whole = Capture::from_bytes(bytes.to_vec()).unwrap();
        let mut seen = vec![];
        for chunk in bytes.chunks(7) {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            cap.grow().unwrap();
            assert!(cap.damage.is_none(), "a half-written block is not damage");
            // Only whole packets: a half-written one is not listed with what is there.
            assert_eq!(cap.packets, whole.packets[..cap.len()]);
            seen.push(cap.len());
        }
        assert!(cap.is_growing());
        cap.end().unwrap();
        assert!(!cap.is_growing());
        assert_eq!(cap.packets, whole.packets);
        assert_eq!(cap.interfaces, whole.interfaces);
        assert_eq!(cap.format, whole.format);
        assert!(cap.damage.is_none());
        for i in 0..whole.len() {
            assert_eq!(cap.data(i), whole.data(i));
        }
        assert!(seen.windows(2).all(|w| w[0] <= w[1]));
        assert!(seen.iter().filter(|&&n| n > 0 && n < whole.len()).count() > 0);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn pcapng_written_in_pieces() {
        let mut w = NgWriter::new();
        w.shb(false, &[(1, b"live")]);
        w.idb(1, 0, &[(2, b"lo")]);
        for i in 0..20u64 {
            w.epb(0, i * 1000, &[i as u8; 61], 61, &[]);
        }
        w.idb(101, 0, &[]);
        w.epb(1, 99_000, &[0x45; 40], 40, &[(1, b"note")]);
        grows_like_the_whole(&w.buf, "ng");
    }

    #[test]
    fn pcap_written_in_pieces() {
        let mut w = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        for i in 0..20u32 {
            w.record(i, 0, &[i as u8; 33], 33);
        }
        grows_like_the_whole(&w.buf, "pcap");
    }

    /// Ended inside a block, the file is damaged there, with every packet before it.
    #[test]
    fn a_block_cut_at_the_end_is_damage_once_the_writer_is_done() {
        let mut w = NgWriter::new();
        w.shb(false, &[]);
        w.idb(1, 0, &[]);
        w.epb(0, 1, &[1; 60], 60, &[]);
        let cut_at = w.epb(0, 2, &[2; 60], 60, &[]) + 20;
        let path = temp("cut");
        std::fs::write(&path, &w.buf[..cut_at]).unwrap();
        let mut cap = Capture::follow(&path).unwrap();
        assert_eq!(cap.len(), 1);
        assert!(cap.damage.is_none());
        cap.end().unwrap();
        let d = cap.damage.as_ref().expect("damage at the cut block");
        assert_eq!(d.packets_before, 1);
        assert!(
            d.message().contains("file ends inside packet 2"),
            "{}",
            d.message()
        );
        // Cut inside its fixed header, the packet has nothing to show: not listed.
        assert!(d.cut_packet.is_none());
        assert_eq!(cap.len(), 1);
        std::fs::remove_file(&path).unwrap();
    }

    /// A packet the file cuts inside its data waits while the file grows (nothing listed,
    /// no damage), and is listed with the bytes that are there only once the writer is done,
    /// as the whole file opened at once lists it.
    #[test]
    fn a_packet_cut_in_its_data_is_listed_only_at_the_end() {
        let mut ng = NgWriter::new();
        ng.shb(false, &[]);
        ng.idb(1, 0, &[]);
        ng.epb(0, 1, &[1; 60], 60, &[]);
        let ng_cut = ng.epb(0, 2, &[2; 60], 60, &[]) + 28 + 25;
        let mut pcap = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        pcap.record(1, 0, &[1; 60], 60);
        pcap.record(2, 0, &[2; 60], 60);
        let pcap_cut = pcap.buf.len() - 35;
        for (name, bytes) in [
            ("ng-data", &ng.buf[..ng_cut]),
            ("pcap-data", &pcap.buf[..pcap_cut]),
        ] {
            let path = temp(name);
            std::fs::write(&path, bytes).unwrap();
            let mut cap = Capture::follow(&path).unwrap();
            cap.grow().unwrap();
            assert_eq!(cap.len(), 1, "{name}: listed while growing");
            assert!(cap.damage.is_none(), "{name}");
            assert_eq!(cap.cut_len(1), None);
            cap.end().unwrap();
            assert_eq!(cap.len(), 2, "{name}");
            assert_eq!(cap.data(1), &[2; 25], "{name}");
            assert_eq!(cap.packets[1].origlen, 60, "{name}");
            assert_eq!(cap.cut_len(1), Some(60), "{name}");
            let whole = Capture::from_bytes(bytes.to_vec()).unwrap();
            assert_eq!(cap.packets, whole.packets, "{name}");
            assert_eq!(cap.damage, whole.damage, "{name}");
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn not_a_capture_is_refused_once_there_are_enough_bytes() {
        let path = temp("html");
        std::fs::write(&path, b"<!DOC").unwrap();
        let mut cap = Capture::follow(&path).unwrap();
        std::fs::write(&path, b"<!DOCTYPE html><html>").unwrap();
        let err = cap.grow().unwrap_err();
        assert!(matches!(err, OpenError::NotCapture { .. }), "{err:?}");
        std::fs::remove_file(&path).unwrap();
    }
}
