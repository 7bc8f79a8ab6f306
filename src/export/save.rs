//! Save As: write some or all packets of a capture to a new pcap or pcapng file,
//! byte for byte as captured (timestamps to the microsecond in pcap, to the
//! nanosecond in pcapng; pcapng keeps one interface per link type).

use std::io::{self, Write};
use std::path::Path;

use crate::capture::Capture;

/// The file format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveFormat {
    Pcap,
    PcapNg,
}

impl SaveFormat {
    /// From a file name: `.pcapng` / `.ntar` → pcapng, anything else pcap.
    pub fn from_path(p: &Path) -> SaveFormat {
        match p.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("pcapng") || e.eq_ignore_ascii_case("ntar") => {
                SaveFormat::PcapNg
            }
            _ => SaveFormat::Pcap,
        }
    }
}

/// Write packets `which` (indexes) of `cap` to `out`. A pcap file has one link
/// type: packets of other link types are skipped and counted in the result.
pub fn write(
    cap: &Capture,
    which: &[u32],
    format: SaveFormat,
    out: &mut impl Write,
) -> io::Result<usize> {
    match format {
        SaveFormat::Pcap => write_pcap(cap, which, out),
        SaveFormat::PcapNg => write_pcapng(cap, which, out).map(|()| 0),
    }
}

/// Write to a file, through a temporary name renamed at the end so a failed
/// save never leaves half a file under the chosen name.
pub fn save(cap: &Capture, which: &[u32], path: &Path) -> io::Result<usize> {
    let tmp = path.with_extension("layerscope-partial");
    let mut f = io::BufWriter::new(std::fs::File::create(&tmp)?);
    let skipped = write(cap, which, SaveFormat::from_path(path), &mut f)?;
    f.flush()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    Ok(skipped)
}

fn write_pcap(cap: &Capture, which: &[u32], out: &mut impl Write) -> io::Result<usize> {
    let link = which.first().map_or(1, |&i| cap.link_type(i as usize).0);
    let snap = cap.interfaces.iter().map(|i| i.snaplen).max().unwrap_or(0);
    out.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    out.write_all(&2u16.to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&0i32.to_le_bytes())?;
    out.write_all(&0u32.to_le_bytes())?;
    out.write_all(&(if snap == 0 { 262_144 } else { snap }).to_le_bytes())?;
    out.write_all(&link.to_le_bytes())?;
    let mut skipped = 0;
    for &i in which {
        let i = i as usize;
        let Some(r) = cap.record(i) else { continue };
        if cap.link_type(i).0 != link {
            skipped += 1;
            continue;
        }
        let data = cap.data(i);
        let secs = r.ts_ns.div_euclid(1_000_000_000);
        let us = r.ts_ns.rem_euclid(1_000_000_000) / 1000;
        out.write_all(&(secs as u32).to_le_bytes())?;
        out.write_all(&(us as u32).to_le_bytes())?;
        out.write_all(&(data.len() as u32).to_le_bytes())?;
        out.write_all(&r.origlen.to_le_bytes())?;
        out.write_all(data)?;
    }
    Ok(skipped)
}

fn block(out: &mut impl Write, kind: u32, body: &[u8]) -> io::Result<()> {
    let pad = (4 - body.len() % 4) % 4;
    let len = (12 + body.len() + pad) as u32;
    out.write_all(&kind.to_le_bytes())?;
    out.write_all(&len.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&[0u8; 3][..pad])?;
    out.write_all(&len.to_le_bytes())
}

fn write_pcapng(cap: &Capture, which: &[u32], out: &mut impl Write) -> io::Result<()> {
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(out, 0x0a0d_0d0a, &shb)?;
    // One interface per link type, with nanosecond timestamps (if_tsresol = 9).
    let mut links: Vec<u32> = Vec::new();
    for &i in which {
        let l = cap.link_type(i as usize).0;
        if !links.contains(&l) {
            links.push(l);
            let mut idb = Vec::new();
            idb.extend_from_slice(&(l as u16).to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&0u32.to_le_bytes());
            idb.extend_from_slice(&9u16.to_le_bytes());
            idb.extend_from_slice(&1u16.to_le_bytes());
            idb.extend_from_slice(&[9, 0, 0, 0]);
            idb.extend_from_slice(&[0, 0, 0, 0]);
            block(out, 1, &idb)?;
        }
    }
    for &i in which {
        let i = i as usize;
        let Some(r) = cap.record(i) else { continue };
        let data = cap.data(i);
        let iface = links
            .iter()
            .position(|&l| l == cap.link_type(i).0)
            .unwrap_or(0) as u32;
        let ts = r.ts_ns.max(0) as u64;
        let mut epb = Vec::with_capacity(20 + data.len());
        epb.extend_from_slice(&iface.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&r.origlen.to_le_bytes());
        epb.extend_from_slice(data);
        epb.extend_from_slice(&[0u8; 3][..(4 - data.len() % 4) % 4]);
        block(out, 6, &epb)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Saving some packets in either format and reading the file back gives
    /// the same bytes, lengths and times.
    #[test]
    fn saved_packets_read_back_the_same() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
        let cap = Capture::open(&path).unwrap();
        let which = [0u32, 3, 5, 40, 57];
        for format in [SaveFormat::Pcap, SaveFormat::PcapNg] {
            let mut buf = Vec::new();
            assert_eq!(write(&cap, &which, format, &mut buf).unwrap(), 0);
            let back = Capture::from_bytes(buf).unwrap();
            assert_eq!(back.len(), which.len(), "{format:?}");
            assert!(back.damage.is_none(), "{format:?}");
            for (j, &i) in which.iter().enumerate() {
                assert_eq!(back.data(j), cap.data(i as usize), "{format:?} packet {i}");
                let (a, b) = (back.record(j).unwrap(), cap.record(i as usize).unwrap());
                assert_eq!(a.origlen, b.origlen);
                let resolution = if format == SaveFormat::Pcap { 1000 } else { 1 };
                assert_eq!(a.ts_ns / resolution, b.ts_ns / resolution);
            }
        }
        assert_eq!(
            SaveFormat::from_path(Path::new("x.pcapng")),
            SaveFormat::PcapNg
        );
        assert_eq!(SaveFormat::from_path(Path::new("x.pcap")), SaveFormat::Pcap);
    }
}
