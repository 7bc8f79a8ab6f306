//! A pcapng writer: a Section Header Block, Interface Description Blocks, Enhanced Packet
//! Blocks and Interface Statistics Blocks, in the machine's byte order, over any
//! [`std::io::Write`].
//!
//! Written by hand: four block layouts are all the live capture helper needs, and the
//! pcap-file crate would bring a duplicate `thiserror` 1 and extra proc-macro dependencies
//! for them. Our own reader (`capture::pcapng`) is the oracle in the tests below.
//!
//! Every block is built whole in a reused buffer and handed to the output in one
//! `write_all`, so a reader following the file (or a writer killed between flushes) sees
//! whole blocks up to the last flush.

use std::io::{self, Write};

const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 1;
const ISB_TYPE: u32 = 5;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// Option codes (pcapng draft, section 4).
const OPT_ENDOFOPT: u16 = 0;
const SHB_OS: u16 = 3;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;
const IF_TSRESOL: u16 = 9;
const IF_FILTER: u16 = 11;
const ISB_STARTTIME: u16 = 2;
const ISB_ENDTIME: u16 = 3;
const ISB_IFRECV: u16 = 4;
const ISB_IFDROP: u16 = 5;
const ISB_OSDROP: u16 = 7;

/// Largest block this writer makes (a field is 32 bits; keep well below it).
const MAX_BLOCK: usize = 1 << 30;

/// What an Interface Description Block says about one capture interface.
#[derive(Clone, Debug)]
pub struct IfaceDesc<'a> {
    /// `LINKTYPE_*` of the interface's packets.
    pub link_type: u16,
    /// Most bytes captured per packet.
    pub snaplen: u32,
    /// `if_name`, e.g. `lo`.
    pub name: &'a str,
    /// `if_description`.
    pub description: Option<&'a str>,
    /// `if_filter`: the capture filter in libpcap syntax.
    pub filter: Option<&'a str>,
}

/// Packet counters of one interface since the capture started (libpcap's `pcap_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IfStats {
    /// Packets the capture received (libpcap `ps_recv`).
    pub received: u64,
    /// Packets dropped for lack of room in the kernel's buffer (`ps_drop`; `isb_osdrop`).
    pub dropped: u64,
    /// Packets dropped by the interface or its driver (`ps_ifdrop`; `isb_ifdrop`).
    pub if_dropped: u64,
}

/// A pcapng file being written: one section, interfaces with nanosecond timestamps.
pub struct NgWriter<W: Write> {
    out: W,
    /// The block being built (kept to reuse its allocation).
    buf: Vec<u8>,
    interfaces: u32,
    written: u64,
}

impl<W: Write> NgWriter<W> {
    /// Writes the Section Header Block (`shb_os`, `shb_userappl`, section length unknown).
    pub fn new(out: W, user_appl: &str) -> io::Result<Self> {
        let mut w = NgWriter {
            out,
            buf: Vec::with_capacity(4096),
            interfaces: 0,
            written: 0,
        };
        w.start(SHB_TYPE);
        w.put32(BYTE_ORDER_MAGIC);
        w.put16(1); // major version
        w.put16(0); // minor version
        w.buf.extend_from_slice(&(-1i64).to_ne_bytes()); // section length: not given
        w.option(SHB_OS, os_name().as_bytes());
        w.option(SHB_USERAPPL, user_appl.as_bytes());
        w.end_options();
        w.finish()?;
        Ok(w)
    }

    /// Writes an Interface Description Block (timestamps in nanoseconds); returns the
    /// interface id that packets and statistics of this interface name.
    pub fn interface(&mut self, d: &IfaceDesc) -> io::Result<u32> {
        self.start(IDB_TYPE);
        self.put16(d.link_type);
        self.put16(0); // reserved
        self.put32(d.snaplen);
        if !d.name.is_empty() {
            self.option(IF_NAME, d.name.as_bytes());
        }
        if let Some(desc) = d.description {
            self.option(IF_DESCRIPTION, desc.as_bytes());
        }
        if let Some(filter) = d.filter {
            // First byte 0: a libpcap filter string follows.
            let mut value = Vec::with_capacity(filter.len() + 1);
            value.push(0);
            value.extend_from_slice(filter.as_bytes());
            self.option(IF_FILTER, &value);
        }
        self.option(IF_TSRESOL, &[9]);
        self.end_options();
        self.finish()?;
        let id = self.interfaces;
        self.interfaces += 1;
        Ok(id)
    }

    /// Writes an Enhanced Packet Block. `ts_ns` is nanoseconds since the epoch (times
    /// before 1970 are written as 1970); an `origlen` below the captured length is raised
    /// to it.
    pub fn packet(&mut self, if_id: u32, ts_ns: i64, data: &[u8], origlen: u32) -> io::Result<()> {
        self.check_iface(if_id)?;
        let caplen = u32::try_from(data.len())
            .ok()
            .filter(|&n| (n as usize) < MAX_BLOCK)
            .ok_or_else(|| invalid(format!("packet of {} bytes is too long", data.len())))?;
        self.start(EPB_TYPE);
        self.put32(if_id);
        self.put_ts(ts_ns);
        self.put32(caplen);
        self.put32(origlen.max(caplen));
        self.buf.extend_from_slice(data);
        self.pad();
        self.finish()
    }

    /// Writes an Interface Statistics Block: received, dropped by the kernel
    /// (`isb_osdrop`) and by the interface (`isb_ifdrop`), and when counting started and
    /// ended if known.
    pub fn stats(
        &mut self,
        if_id: u32,
        ts_ns: i64,
        s: &IfStats,
        start_ns: Option<i64>,
        end_ns: Option<i64>,
    ) -> io::Result<()> {
        self.check_iface(if_id)?;
        self.start(ISB_TYPE);
        self.put32(if_id);
        self.put_ts(ts_ns);
        for (code, ts) in [(ISB_STARTTIME, start_ns), (ISB_ENDTIME, end_ns)] {
            if let Some(ts) = ts {
                let mut v = Vec::with_capacity(8);
                let units = ts.max(0) as u64;
                v.extend_from_slice(&((units >> 32) as u32).to_ne_bytes());
                v.extend_from_slice(&(units as u32).to_ne_bytes());
                self.option(code, &v);
            }
        }
        self.option(ISB_IFRECV, &s.received.to_ne_bytes());
        self.option(ISB_IFDROP, &s.if_dropped.to_ne_bytes());
        self.option(ISB_OSDROP, &s.dropped.to_ne_bytes());
        self.end_options();
        self.finish()
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Bytes handed to the output so far (whole blocks only).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// The output.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The output, after a flush.
    pub fn into_inner(mut self) -> W {
        // The caller learns of a failed flush from its own next use of the output.
        let _ = self.out.flush();
        self.out
    }

    fn check_iface(&self, if_id: u32) -> io::Result<()> {
        if if_id < self.interfaces {
            Ok(())
        } else {
            Err(invalid(format!(
                "interface {if_id} was not described ({} interfaces)",
                self.interfaces
            )))
        }
    }

    /// Begins a block: type and a length to be filled in by `finish`.
    fn start(&mut self, block_type: u32) {
        self.buf.clear();
        self.put32(block_type);
        self.put32(0);
    }

    /// Ends the block (trailing length) and writes it whole.
    fn finish(&mut self) -> io::Result<()> {
        let len = self.buf.len() + 4;
        if len > MAX_BLOCK {
            return Err(invalid(format!("a block of {len} bytes is too long")));
        }
        let len32 = (len as u32).to_ne_bytes();
        self.buf[4..8].copy_from_slice(&len32);
        self.buf.extend_from_slice(&len32);
        self.out.write_all(&self.buf)?;
        self.written += len as u64;
        Ok(())
    }

    fn put16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_ne_bytes());
    }

    fn put32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_ne_bytes());
    }

    /// A 64-bit timestamp in nanoseconds as two 32-bit words, high first.
    fn put_ts(&mut self, ts_ns: i64) {
        let units = ts_ns.max(0) as u64;
        self.put32((units >> 32) as u32);
        self.put32(units as u32);
    }

    /// Zero bytes up to the next multiple of 4.
    fn pad(&mut self) {
        let n = self.buf.len().next_multiple_of(4);
        self.buf.resize(n, 0);
    }

    /// One option; values longer than an option can hold are cut at 65,532 bytes.
    fn option(&mut self, code: u16, value: &[u8]) {
        let value = &value[..value.len().min(0xFFFC)];
        self.put16(code);
        self.put16(value.len() as u16);
        self.buf.extend_from_slice(value);
        self.pad();
    }

    fn end_options(&mut self) {
        self.put16(OPT_ENDOFOPT);
        self.put16(0);
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// The operating system as `shb_os` names it.
fn os_name() -> &'static str {
    match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "macOS",
        "windows" => "Windows",
        "freebsd" => "FreeBSD",
        "openbsd" => "OpenBSD",
        "netbsd" => "NetBSD",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Capture, LinkType};

    /// Blocks of a little- or big-endian (native) single-section file: (type, body).
    fn blocks(bytes: &[u8]) -> Vec<(u32, &[u8])> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 12 <= bytes.len() {
            let t = u32::from_ne_bytes(bytes[pos..pos + 4].try_into().unwrap());
            let len = u32::from_ne_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
            assert!(
                len.is_multiple_of(4) && pos + len <= bytes.len(),
                "block at {pos}"
            );
            let trailer = u32::from_ne_bytes(bytes[pos + len - 4..pos + len].try_into().unwrap());
            assert_eq!(trailer as usize, len);
            out.push((t, &bytes[pos + 8..pos + len - 4]));
            pos += len;
        }
        assert_eq!(pos, bytes.len(), "trailing bytes");
        out
    }

    /// Options of a block body after its fixed part: (code, value).
    fn options(mut body: &[u8]) -> Vec<(u16, Vec<u8>)> {
        let mut out = Vec::new();
        while body.len() >= 4 {
            let code = u16::from_ne_bytes([body[0], body[1]]);
            let len = u16::from_ne_bytes([body[2], body[3]]) as usize;
            if code == 0 {
                assert_eq!(len, 0);
                assert_eq!(body.len(), 4, "end of options is last");
                return out;
            }
            out.push((code, body[4..4 + len].to_vec()));
            body = &body[4 + len.next_multiple_of(4)..];
        }
        panic!("no end of options");
    }

    /// A packet as written: interface, time, bytes, original length.
    type Written = (u32, i64, Vec<u8>, u32);

    fn sample() -> (Vec<u8>, Vec<Written>) {
        let mut w = NgWriter::new(Vec::new(), "layerscope-test 1.0").unwrap();
        assert_eq!(w.bytes_written(), w.get_ref().len() as u64);
        let lo = w
            .interface(&IfaceDesc {
                link_type: 1,
                snaplen: 262_144,
                name: "lo",
                description: Some("Loopback"),
                filter: Some("udp port 5353"),
            })
            .unwrap();
        let any = w
            .interface(&IfaceDesc {
                link_type: 276,
                snaplen: 96,
                name: "any",
                description: None,
                filter: None,
            })
            .unwrap();
        assert_eq!((lo, any), (0, 1));
        let packets = vec![
            (lo, 1_700_000_000_123_456_789, vec![1u8; 1], 1),
            (any, 1_700_000_000_123_456_790, vec![2u8; 2], 2),
            (lo, 1_700_000_001_000_000_001, vec![3u8; 3], 70),
            (any, 1_700_000_002_999_999_999, vec![4u8; 4], 4),
            (lo, 5, vec![5u8; 5], 5),
            (lo, 1_700_000_003_000_000_000, Vec::new(), 0),
        ];
        for (i, (if_id, ts, data, origlen)) in packets.iter().enumerate() {
            w.packet(*if_id, *ts, data, *origlen).unwrap();
            if i == 2 {
                let s = IfStats {
                    received: 3,
                    dropped: 1,
                    if_dropped: 0,
                };
                w.stats(lo, *ts, &s, Some(1_700_000_000_000_000_000), None)
                    .unwrap();
            }
        }
        let s = IfStats {
            received: 10,
            dropped: 2,
            if_dropped: 7,
        };
        w.stats(any, 1_700_000_004_000_000_000, &s, Some(1), Some(2))
            .unwrap();
        w.flush().unwrap();
        let written = w.bytes_written();
        let bytes = w.into_inner();
        assert_eq!(written, bytes.len() as u64);
        (bytes, packets)
    }

    #[test]
    fn our_reader_reads_back_interfaces_and_packets() {
        let (bytes, packets) = sample();
        let cap = Capture::from_bytes(bytes).unwrap();
        assert!(cap.damage.is_none(), "{:?}", cap.damage);
        // The statistics blocks are read back: the last one of each interface counts,
        // and drops are a warning about the file.
        assert_eq!(
            cap.warnings,
            ["the capture lost packets before they reached the file: 3 dropped by the kernel, 7 by the interface (its statistics blocks)"]
        );
        assert_eq!(cap.drops(), (3, 7));
        let counts = |i: usize| cap.interfaces[i].counts.unwrap();
        assert_eq!(
            (
                counts(0).received,
                counts(0).kernel_drops,
                counts(0).if_drops
            ),
            (Some(3), Some(1), Some(0))
        );
        assert_eq!(
            (
                counts(1).received,
                counts(1).kernel_drops,
                counts(1).if_drops
            ),
            (Some(10), Some(2), Some(7))
        );
        assert_eq!(cap.interfaces.len(), 2);
        let lo = &cap.interfaces[0];
        assert_eq!(
            (lo.link_type, lo.snaplen, lo.name.as_deref()),
            (LinkType::ETHERNET, 262_144, Some("lo"))
        );
        assert_eq!(lo.description.as_deref(), Some("Loopback"));
        let any = &cap.interfaces[1];
        assert_eq!(
            (any.link_type, any.snaplen, any.name.as_deref()),
            (LinkType::LINUX_SLL2, 96, Some("any"))
        );
        assert_eq!(any.description, None);
        assert_eq!(cap.encapsulation_name(), "per-packet");
        assert_eq!(cap.len(), packets.len());
        for (i, (if_id, ts, data, origlen)) in packets.iter().enumerate() {
            let rec = cap.record(i).unwrap();
            assert_eq!(cap.data(i), &data[..], "packet {i}");
            assert_eq!(rec.iface(), *if_id, "packet {i}");
            assert_eq!(rec.ts_ns, *ts, "packet {i}");
            assert_eq!(rec.origlen, *origlen, "packet {i}");
            assert_eq!(rec.caplen as usize, data.len(), "packet {i}");
        }
    }

    #[test]
    fn blocks_and_options_are_laid_out_as_the_format_says() {
        let (bytes, _) = sample();
        let blocks = blocks(&bytes);
        let types: Vec<u32> = blocks.iter().map(|b| b.0).collect();
        assert_eq!(types, [SHB_TYPE, 1, 1, 6, 6, 6, 5, 6, 6, 6, 5]);

        let shb = blocks[0].1;
        assert_eq!(&shb[..4], &BYTE_ORDER_MAGIC.to_ne_bytes());
        assert_eq!(&shb[8..16], &[0xff; 8]);
        let opts = options(&shb[16..]);
        assert_eq!(opts[0], (SHB_OS, os_name().as_bytes().to_vec()));
        assert_eq!(opts[1], (SHB_USERAPPL, b"layerscope-test 1.0".to_vec()));

        let opts = options(&blocks[1].1[8..]);
        assert_eq!(
            opts,
            [
                (IF_NAME, b"lo".to_vec()),
                (IF_DESCRIPTION, b"Loopback".to_vec()),
                (IF_FILTER, b"\0udp port 5353".to_vec()),
                (IF_TSRESOL, vec![9]),
            ]
        );
        assert_eq!(
            options(&blocks[2].1[8..]),
            [(IF_NAME, b"any".to_vec()), (IF_TSRESOL, vec![9])]
        );

        // The first ISB: interface 0, start time only.
        let isb = blocks[6].1;
        assert_eq!(u32::from_ne_bytes(isb[..4].try_into().unwrap()), 0);
        let start = 1_700_000_000_000_000_000u64;
        let mut start_v = ((start >> 32) as u32).to_ne_bytes().to_vec();
        start_v.extend_from_slice(&(start as u32).to_ne_bytes());
        assert_eq!(
            options(&isb[12..]),
            [
                (ISB_STARTTIME, start_v),
                (ISB_IFRECV, 3u64.to_ne_bytes().to_vec()),
                (ISB_IFDROP, 0u64.to_ne_bytes().to_vec()),
                (ISB_OSDROP, 1u64.to_ne_bytes().to_vec()),
            ]
        );
        // The last ISB: interface 1, both times, ifdrop and osdrop apart.
        let isb = blocks[10].1;
        assert_eq!(u32::from_ne_bytes(isb[..4].try_into().unwrap()), 1);
        let ts = 1_700_000_004_000_000_000u64;
        assert_eq!(
            u32::from_ne_bytes(isb[4..8].try_into().unwrap()),
            (ts >> 32) as u32
        );
        assert_eq!(
            u32::from_ne_bytes(isb[8..12].try_into().unwrap()),
            ts as u32
        );
        let opts = options(&isb[12..]);
        let codes: Vec<u16> = opts.iter().map(|o| o.0).collect();
        assert_eq!(
            codes,
            [
                ISB_STARTTIME,
                ISB_ENDTIME,
                ISB_IFRECV,
                ISB_IFDROP,
                ISB_OSDROP
            ]
        );
        assert_eq!(opts[3].1, 7u64.to_ne_bytes());
        assert_eq!(opts[4].1, 2u64.to_ne_bytes());

        // Odd lengths are padded with zeros to 4 bytes.
        let epb = blocks[5].1; // 3 bytes of data
        assert_eq!(epb.len(), 20 + 4);
        assert_eq!(&epb[20..], &[3, 3, 3, 0]);
    }

    #[test]
    fn undescribed_interfaces_and_bad_times_are_errors_or_clamped_not_panics() {
        let mut w = NgWriter::new(Vec::new(), "t").unwrap();
        let before = w.bytes_written();
        let err = w.packet(0, 1, b"x", 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(w.stats(3, 1, &IfStats::default(), None, None).is_err());
        assert_eq!(w.bytes_written(), before, "nothing written on error");
        let id = w
            .interface(&IfaceDesc {
                link_type: 101,
                snaplen: 0,
                name: "",
                description: None,
                filter: Some(""),
            })
            .unwrap();
        w.packet(id, -5, b"abc", 1).unwrap();
        let cap = Capture::from_bytes(w.into_inner()).unwrap();
        assert!(cap.damage.is_none());
        let rec = cap.record(0).unwrap();
        assert_eq!((rec.ts_ns, rec.caplen, rec.origlen), (0, 3, 3));
    }

    #[test]
    fn a_failing_output_reports_its_error() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let err = NgWriter::new(Full, "t").err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    }
}
