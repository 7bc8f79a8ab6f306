//! Save As: write some or all packets of a capture to a new pcap or pcapng file,
//! byte for byte as captured (timestamps to the microsecond in pcap, to the
//! nanosecond in pcapng; pcapng keeps the source's interfaces, names included).

use std::io::{self, Write};
use std::path::Path;

use std::collections::HashMap;

use crate::capture::ngwrite::{IfaceDesc, NgWriter};
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

/// pcapng through the capture helper's writer: one interface per interface of the source
/// that a saved packet came from, with its name, description, snaplen and link type.
fn write_pcapng(cap: &Capture, which: &[u32], out: &mut impl Write) -> io::Result<()> {
    let appl = concat!("layerscope ", env!("CARGO_PKG_VERSION"));
    let mut w = NgWriter::new(out, appl)?;
    // Source interface → interface id in the new file.
    let mut ids: HashMap<u32, u32> = HashMap::new();
    for &i in which {
        let i = i as usize;
        let Some(r) = cap.record(i) else { continue };
        let id = match ids.get(&r.iface()) {
            Some(&id) => id,
            None => {
                let src = cap.interfaces.get(r.iface() as usize);
                let id = w.interface(&IfaceDesc {
                    link_type: cap.link_type(i).0 as u16,
                    snaplen: src.map_or(0, |f| f.snaplen),
                    name: src.and_then(|f| f.name.as_deref()).unwrap_or(""),
                    description: src.and_then(|f| f.description.as_deref()),
                    filter: None,
                })?;
                ids.insert(r.iface(), id);
                id
            }
        };
        w.packet(id, r.ts_ns, cap.data(i), r.origlen)?;
    }
    w.flush()
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

    /// pcapng keeps each saved packet's interface, with its name and link type.
    #[test]
    fn pcapng_keeps_the_interfaces_of_the_saved_packets() {
        let mut src = Vec::new();
        let mut w = NgWriter::new(&mut src, "test").unwrap();
        let desc = |name, link_type| IfaceDesc {
            link_type,
            snaplen: 1500,
            name,
            description: None,
            filter: None,
        };
        let lo = w.interface(&desc("lo", 1)).unwrap();
        let any = w.interface(&desc("any", 113)).unwrap();
        w.packet(lo, 1_000, &[1; 60], 60).unwrap();
        w.packet(any, 2_000, &[2; 50], 50).unwrap();
        w.packet(lo, 3_000, &[3; 70], 70).unwrap();
        w.flush().unwrap();
        drop(w);
        let cap = Capture::from_bytes(src).unwrap();
        let mut out = Vec::new();
        write(&cap, &[1, 2], SaveFormat::PcapNg, &mut out).unwrap();
        let back = Capture::from_bytes(out).unwrap();
        let names: Vec<_> = back.interfaces.iter().map(|i| i.name.as_deref()).collect();
        assert_eq!(names, [Some("any"), Some("lo")]);
        assert_eq!(back.link_type(0).0, 113);
        assert_eq!(back.link_type(1).0, 1);
        assert_eq!(
            (back.data(0), back.data(1)),
            (&[2u8; 50][..], &[3u8; 70][..])
        );
        assert_eq!(back.packets[1].ts_ns, 3_000);
    }
}
