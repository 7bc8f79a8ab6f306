//! The index under construction, format detection, and small byte readers shared by the
//! pcap and pcapng indexers.

use super::{
    pcap, pcapng, Comment, CutPacket, Damage, DamageKind, Format, Interface, OpenError,
    PacketRecord,
};
use std::sync::atomic::{AtomicBool, Ordering};

/// At most this many warnings are kept; one more line says how many were dropped.
const MAX_WARNINGS: usize = 100;

/// Records reserved are estimated from the file size, never from a header field. The first
/// records are reserved from the file size alone (one per 64 bytes, at most `SAMPLE`); after
/// them, from the average record size seen so far, so a big file neither over-reserves nor
/// doubles its index while growing. `SAMPLE` is also the smallest step.
const SAMPLE: usize = 1024;

/// The most records reserved ahead of need (128 MiB of records).
const MAX_RESERVE: usize = 1 << 22;

/// Why indexing stopped: the data ends inside a record (which a file still being written
/// will complete), or a record is bad (damage, whatever comes later).
pub(crate) enum Halt {
    Cut(DamageKind),
    Bad(DamageKind),
}

impl Halt {
    pub fn into_kind(self) -> DamageKind {
        match self {
            Halt::Cut(k) | Halt::Bad(k) => k,
        }
    }
}

/// What indexing a file produced; becomes the public fields of a `Capture`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    pub format: Option<Format>,
    pub interfaces: Vec<Interface>,
    pub packets: Vec<PacketRecord>,
    pub comments: Vec<Comment>,
    pub damage: Option<Damage>,
    pub warnings: Vec<String>,
    pub dropped_warnings: usize,
    /// The file is still being written: grow the reservation by a share of what is there,
    /// since the file's size says nothing of what is to come.
    pub growing: bool,
}

impl Index {
    /// An empty index for a file of `file_len` bytes in `format`.
    pub fn new(format: Format, file_len: usize) -> Index {
        Index {
            format: Some(format),
            packets: Vec::with_capacity((file_len / 64).min(SAMPLE)),
            ..Index::default()
        }
    }

    /// Adds a record; `consumed` is how far into the file of `file_len` bytes indexing got.
    /// When the reservation is used up, the rest of the file is estimated from the average
    /// record size so far (plus 1/32), instead of doubling.
    pub fn push(&mut self, rec: PacketRecord, consumed: usize, file_len: usize) {
        if self.packets.len() == self.packets.capacity() && consumed > 0 {
            let avg = (consumed / self.packets.len().max(1)).max(1);
            let rest = file_len.saturating_sub(consumed) / avg;
            let mut want = rest.saturating_add(rest / 32);
            if self.growing {
                // A quarter more each time: amortized appends, at most 25% unused.
                want = want.max(self.packets.len() / 4);
            }
            let want = want.clamp(SAMPLE, MAX_RESERVE);
            self.packets.reserve_exact(want);
        }
        self.packets.push(rec);
    }

    /// The 1-based number the next packet will have, as damage messages count.
    pub fn next_number(&self) -> usize {
        self.packets.len() + 1
    }

    /// Records a warning, keeping at most `MAX_WARNINGS` of them.
    pub fn warn(&mut self, message: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(message);
        } else {
            self.dropped_warnings += 1;
        }
    }

    /// Records why reading stopped at file offset `offset`.
    pub fn stop(&mut self, kind: DamageKind, offset: usize) {
        self.damage = Some(Damage {
            kind,
            packets_before: self.packets.len(),
            offset: offset as u64,
            cut_packet: None,
        });
    }

    /// Records that the file ends inside the captured bytes of the packet at file offset
    /// `offset`, and lists the packet with the bytes that are there (`rec`, whose header
    /// claimed `claimed_caplen`). Only for the end of a whole file, never while it grows.
    pub fn stop_in_packet(
        &mut self,
        kind: DamageKind,
        offset: usize,
        rec: PacketRecord,
        claimed_caplen: u32,
    ) {
        self.stop(kind, offset);
        let index = self.packets.len();
        self.packets.push(rec);
        if let Some(d) = &mut self.damage {
            d.cut_packet = Some(CutPacket {
                index,
                claimed_caplen,
            });
        }
    }

    /// Releases a large over-estimate of the reservation and summarizes dropped warnings.
    pub fn finish(mut self) -> Index {
        let (kernel, iface) = super::total_drops(&self.interfaces);
        if kernel.saturating_add(iface) > 0 {
            self.warn(format!(
                "the capture lost packets before they reached the file: {kernel} dropped by the kernel, {iface} by the interface (its statistics blocks)"
            ));
        }
        if self.packets.capacity() > self.packets.len() + self.packets.len() / 16 + SAMPLE {
            self.packets.shrink_to_fit();
        }
        if self.dropped_warnings > 0 {
            let n = self.dropped_warnings;
            self.warnings.push(format!("{n} more warnings not shown"));
        }
        self
    }
}

/// Reads the file ahead of the indexer, one cache line at a time.
///
/// Indexing is a chain of dependent loads (each record's length gives the next record's
/// position), so without help every record header costs a full memory-latency cache miss.
/// Asking for the lines ahead in order lets them load in parallel, and in a stream the
/// hardware prefetcher recognizes. On x86-64 they are prefetch hints, which do not hold
/// the indexer up as loads do (the reference workload's 1,000,000 records: 67 ms to index
/// instead of 75, and 89 with no reading ahead).
#[derive(Default)]
pub(crate) struct ReadAhead {
    next: usize,
}

impl From<usize> for ReadAhead {
    /// Reading ahead from file offset `pos`.
    fn from(pos: usize) -> ReadAhead {
        ReadAhead { next: pos }
    }
}

impl ReadAhead {
    const DISTANCE: usize = 4096;
    const LINE: usize = 64;

    /// Touches the lines of `data` up to `DISTANCE` bytes past `pos`.
    #[inline]
    pub fn advance(&mut self, data: &[u8], pos: usize) {
        let end = pos.saturating_add(Self::DISTANCE).min(data.len());
        while self.next < end {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a prefetch is a hint; it never faults, whatever the address.
            unsafe {
                use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
                _mm_prefetch::<_MM_HINT_T0>(data.as_ptr().add(self.next).cast());
            }
            #[cfg(not(target_arch = "x86_64"))]
            std::hint::black_box(data[self.next]);
            self.next += Self::LINE;
        }
    }
}

/// Where indexing of a file got to: before the format is known, or the next record of a
/// pcap or pcapng file. Kept between calls while a file grows (a live capture's spool).
#[derive(Clone, Default)]
pub(crate) enum Cursor {
    #[default]
    Start,
    Pcap(pcap::Layout, usize),
    PcapNg(Box<pcapng::Reader>, usize),
}

/// Detects the format from the magic number and indexes the whole file.
pub(crate) fn build(data: &[u8]) -> Result<Index, OpenError> {
    let mut idx = Index::default();
    if data.len() < PREFAULT_FROM {
        advance(data, &mut idx, &mut Cursor::Start, true)?;
        return Ok(idx.finish());
    }
    // Most of indexing a mapped file is the kernel mapping its pages in as the records are
    // read. A second thread reads one byte of each page ahead of the indexer, so that work
    // runs on the other core (72–103 ms → 45–65 ms for the 307 MB reference workload).
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let _ = std::thread::Builder::new()
            .name("layerscope-prefault".into())
            .spawn_scoped(scope, || {
                for page in data.chunks(4096) {
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    std::hint::black_box(page[0]);
                }
            });
        let r = advance(data, &mut idx, &mut Cursor::Start, true);
        done.store(true, Ordering::Relaxed);
        r
    })?;
    Ok(idx.finish())
}

/// Files from this size are indexed with a second thread mapping their pages in.
const PREFAULT_FROM: usize = 16 << 20;

/// Indexes what `data` holds past `cur` into `idx`. With `at_end` false the file is still
/// being written: a record it cuts short, or a header too short to tell the format, waits for
/// the next call; with `at_end` true they are damage (or not a capture). Nothing is read once
/// `idx` has damage.
pub(crate) fn advance(
    data: &[u8],
    idx: &mut Index,
    cur: &mut Cursor,
    at_end: bool,
) -> Result<(), OpenError> {
    if idx.damage.is_some() {
        return Ok(());
    }
    if let Cursor::Start = cur {
        if data.is_empty() || (data.len() < 12 && !at_end) {
            return Ok(());
        }
        let Some(magic) = data.first_chunk::<4>() else {
            return Err(not_capture(data));
        };
        let format = if let Some(layout) = pcap::detect(*magic) {
            *cur = Cursor::Pcap(layout, 0);
            layout.format()
        } else if *magic == pcapng::SHB_BYTES && pcapng::is_pcapng(data) != Some(false) {
            *cur = Cursor::PcapNg(Box::default(), 0);
            Format::PcapNg
        } else {
            return Err(not_capture(data));
        };
        let growing = idx.growing;
        *idx = Index::new(format, data.len());
        idx.growing = growing;
    }
    match cur {
        Cursor::Start => {}
        Cursor::Pcap(layout, pos) => *pos = pcap::index_from(data, *layout, idx, *pos, at_end),
        Cursor::PcapNg(reader, pos) => {
            // The reader keeps its own index between calls; lend it ours for this one.
            std::mem::swap(&mut reader.idx, idx);
            *pos = reader.run(data, *pos, at_end);
            std::mem::swap(&mut reader.idx, idx);
        }
    }
    Ok(())
}

/// `NotCapture` naming the first (up to) 4 bytes of `data`.
pub(crate) fn not_capture(data: &[u8]) -> OpenError {
    let hex: Vec<String> = data.iter().take(4).map(|b| format!("{b:02x}")).collect();
    OpenError::NotCapture { hex: hex.join(" ") }
}

/// The u16 at `at` in the given byte order; 0 if out of range (callers check lengths first).
pub(crate) fn u16_at(data: &[u8], at: usize, big_endian: bool) -> u16 {
    let Some(b) = data.get(at..).and_then(|d| d.first_chunk::<2>()) else {
        return 0;
    };
    if big_endian {
        u16::from_be_bytes(*b)
    } else {
        u16::from_le_bytes(*b)
    }
}

/// The u32 at `at` in the given byte order; 0 if out of range (callers check lengths first).
pub(crate) fn u32_at(data: &[u8], at: usize, big_endian: bool) -> u32 {
    let Some(b) = data.get(at..).and_then(|d| d.first_chunk::<4>()) else {
        return 0;
    };
    if big_endian {
        u32::from_be_bytes(*b)
    } else {
        u32::from_le_bytes(*b)
    }
}

/// Option or string bytes as text: invalid UTF-8 replaced, trailing NUL padding dropped.
pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches('\0')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file large enough to be indexed with the prefaulting thread (and cut inside
    /// its last record) gives the index and the damage of the one-thread way.
    #[test]
    fn a_large_file_indexes_as_a_small_one_does() {
        let mut w = crate::capture::testutil::PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        let mut i = 0u32;
        while w.buf.len() <= PREFAULT_FROM {
            let len = 60 + (i % 1400) as usize;
            w.record(i, i % 1_000_000, &vec![(i % 251) as u8; len], len as u32);
            i += 1;
        }
        w.buf.truncate(w.buf.len() - 7);
        let big = build(&w.buf).expect("indexed");
        let mut one = Index::default();
        advance(&w.buf, &mut one, &mut Cursor::Start, true).expect("indexed");
        let one = one.finish();
        assert!(big.packets.len() > 20_000);
        assert_eq!(format!("{:?}", big.packets), format!("{:?}", one.packets));
        assert_eq!(format!("{:?}", big.damage), format!("{:?}", one.damage));
        assert!(big.damage.is_some());
    }

    #[test]
    fn warnings_are_capped() {
        let mut idx = Index::new(Format::PcapNg, 0);
        for i in 0..MAX_WARNINGS + 5 {
            idx.warn(format!("w{i}"));
        }
        let idx = idx.finish();
        assert_eq!(idx.warnings.len(), MAX_WARNINGS + 1);
        assert_eq!(idx.warnings.last().unwrap(), "5 more warnings not shown");
    }

    #[test]
    fn reservation_follows_file_size_not_headers() {
        assert_eq!(Index::new(Format::PcapNg, 6400).packets.capacity(), 100);
        let huge = Index::new(Format::PcapNg, usize::MAX);
        assert_eq!(huge.packets.capacity(), SAMPLE);
        assert!(
            huge.finish().packets.capacity() < 2048,
            "unused reservation kept"
        );
    }

    #[test]
    fn reservation_after_the_sample_follows_the_average_record() {
        // 100-byte records in a 1,000,000-byte file: about 10,000 records.
        let mut idx = Index::new(Format::PcapNg, 1_000_000);
        let rec = PacketRecord::new(0, 0, 84, 84, 0);
        for i in 0..=SAMPLE {
            idx.push(rec, (i + 1) * 100, 1_000_000);
        }
        let cap = idx.packets.capacity();
        assert!((10_000..=11_000).contains(&cap), "{cap}");
        // A bogus file size cannot make it reserve more than MAX_RESERVE.
        let mut idx = Index::new(Format::PcapNg, usize::MAX);
        for _ in 0..=SAMPLE {
            idx.push(rec, 1, usize::MAX);
        }
        assert!(idx.packets.capacity() <= MAX_RESERVE + SAMPLE);
    }

    #[test]
    fn an_underestimate_grows_by_the_rest_not_by_doubling() {
        // 200-byte records first, then 100-byte ones: the first estimate is too small.
        let rec = PacketRecord::new(0, 0, 84, 84, 0);
        let mut idx = Index::new(Format::PcapNg, 1_000_000);
        let mut pos = 0;
        while pos < 1_000_000 {
            pos += if idx.packets.len() < SAMPLE { 200 } else { 100 };
            idx.push(rec, pos, 1_000_000);
        }
        let n = idx.packets.len();
        let cap = idx.finish().packets.capacity();
        assert!(cap <= n + n / 16 + SAMPLE, "{n} records, capacity {cap}");
    }

    #[test]
    fn readers_do_not_panic_past_the_end() {
        let d = [1, 2, 3, 4, 5];
        assert_eq!(u32_at(&d, 0, false), 0x0403_0201);
        assert_eq!(u32_at(&d, 1, true), 0x0203_0405);
        assert_eq!(u32_at(&d, 2, true), 0);
        assert_eq!(u16_at(&d, 3, true), 0x0405);
        assert_eq!(u16_at(&d, usize::MAX, true), 0);
        assert_eq!(text(b"eth0\0\0\0"), "eth0");
        assert_eq!(text(b"a\xffb"), "a\u{fffd}b");
    }
}
