//! Opening interfaces and reading them: one thread per interface hands the writer batches.

use super::*;

/// Read timeout of each interface: how long libpcap (the kernel's ring, on Linux) may sit on
/// packets before handing them over. Not immediate mode: that wakes the capture thread for
/// every packet, and on two busy cores it dropped 1.5% of 100,000 packets a second where
/// tcpdump dropped none; with a 10 ms timeout the ring hands over blocks of packets, drops
/// nothing at 200,000 a second (benches/live/run.sh), and a packet still reaches the file
/// within about 50 ms (this, then `FLUSH_EVERY`).
const READ_TIMEOUT_MS: i32 = 10;

/// Packets of one interface in arrival order, sent to the writer together: one allocation
/// and one channel message per batch rather than per packet, which is what lets the capture
/// thread keep up at 100,000 packets a second (it goes back to libpcap's ring sooner).
pub(crate) struct Batch {
    pub(crate) iface: u32,
    /// (timestamp ns, original length, end of the packet's bytes in `bytes`).
    heads: Vec<(i64, u32, usize)>,
    bytes: Vec<u8>,
}

impl Batch {
    /// A batch is sent when it holds this many packets or bytes, or when libpcap has
    /// nothing more to hand over right now (so a lone packet is not held back).
    const MAX_PACKETS: usize = 512;
    const MAX_BYTES: usize = 1 << 20;

    fn new(iface: u32) -> Batch {
        Batch {
            iface,
            heads: Vec::new(),
            bytes: Vec::new(),
        }
    }

    fn push(&mut self, ts_ns: i64, origlen: u32, data: &[u8]) {
        self.bytes.extend_from_slice(data);
        self.heads.push((ts_ns, origlen, self.bytes.len()));
    }

    fn is_full(&self) -> bool {
        self.heads.len() >= Self::MAX_PACKETS || self.bytes.len() >= Self::MAX_BYTES
    }

    fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// The batch so far, leaving an empty one.
    fn take(&mut self) -> Batch {
        std::mem::replace(self, Batch::new(self.iface))
    }

    /// (timestamp ns, original length, captured bytes) of each packet.
    pub(crate) fn packets(&self) -> impl Iterator<Item = (i64, u32, &[u8])> {
        let starts = std::iter::once(0).chain(self.heads.iter().map(|h| h.2));
        self.heads
            .iter()
            .zip(starts)
            .map(|(&(ts, orig, end), start)| (ts, orig, &self.bytes[start..end]))
    }
}

/// An opened interface, ready to capture.
pub(crate) struct Opened {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) cap: pcap::Capture<pcap::Active>,
    pub(crate) link_type: u16,
    pub(crate) nanos: bool,
}

/// Opens `name` with the options of `args` and sets the capture filter.
pub(crate) fn open_interface(
    name: &str,
    args: &Args,
    devices: &[pcap::Device],
) -> Result<Opened, Failure> {
    let snaplen = i32::try_from(args.snaplen).unwrap_or(i32::MAX);
    let buffer = i32::try_from(u64::from(args.buffer_mib) * 1024 * 1024).unwrap_or(i32::MAX);
    let cap = pcap::Capture::from_device(name)
        .map_err(|e| classify(name, &e, devices))?
        .promisc(!args.no_promisc)
        .snaplen(snaplen)
        .buffer_size(buffer)
        .timeout(READ_TIMEOUT_MS)
        // The pcap crate ignores libpcap's answer to this, so the precision actually in
        // force is asked after activation: where nanoseconds are refused, the handle stays
        // in microseconds and timestamps are read as such (the fallback).
        .precision(pcap::Precision::Nano);
    let mut cap = cap.open().map_err(|e| classify(name, &e, devices))?;
    let link_type = u16::try_from(cap.get_datalink().0).unwrap_or(u16::MAX);
    if let Some(filter) = &args.filter {
        cap.filter(filter, true).map_err(|e| {
            let msg = format!(
                "bad capture filter '{filter}' on {name}: {}",
                pcap_message(&e)
            );
            Failure::new(ErrorKind::BadFilter, Some(name), msg)
        })?;
    }
    let nanos = nanosecond_timestamps(&cap);
    let description = devices
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.desc.clone());
    Ok(Opened {
        name: name.to_string(),
        description,
        cap,
        link_type,
        nanos,
    })
}

/// True when the capture's timestamps are in nanoseconds (`PCAP_TSTAMP_PRECISION_NANO`).
fn nanosecond_timestamps(cap: &pcap::Capture<pcap::Active>) -> bool {
    // SAFETY: the handle is open for as long as `cap` lives; the call only reads it.
    unsafe { pcap_get_tstamp_precision(cap.as_ptr().cast()) == 1 }
}

/// libpcap's own words for an error.
fn pcap_message(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Turns a failure to open `name` into an error event.
fn classify(name: &str, e: &pcap::Error, devices: &[pcap::Device]) -> Failure {
    let msg = pcap_message(e);
    let lower = msg.to_lowercase();
    if lower.contains("permission") || lower.contains("operation not permitted") {
        let exe = std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .map_or_else(
                |_| "layerscope-capture".to_string(),
                |p| p.display().to_string(),
            );
        let message = format!(
            "{msg}. Capturing needs root, or these capabilities on this program: \
             sudo setcap cap_net_raw,cap_net_admin=eip {exe}"
        );
        return Failure::new(ErrorKind::Permission, Some(name), message);
    }
    if lower.contains("no such device") || !devices.iter().any(|d| d.name == name) {
        let mut f = Failure::new(
            ErrorKind::NoSuchInterface,
            Some(name),
            format!("no interface named '{name}' ({msg})"),
        );
        f.available = devices.iter().map(|d| d.name.clone()).collect();
        return f;
    }
    Failure::new(
        ErrorKind::Other,
        Some(name),
        format!("cannot capture on {name}: {msg}"),
    )
}

/// Reads one interface until the capture stops or the interface fails. In non-blocking
/// mode (`nonblocking`), an empty ring is waited on with poll(2) for at most `POLL_MS`, so
/// the thread sees a stop quickly without relying on breakloop; otherwise libpcap's read
/// timeout and breakloop do that.
pub(crate) fn capture_loop(
    iface: u32,
    mut cap: pcap::Capture<pcap::Active>,
    nanos: bool,
    nonblocking: bool,
    tx: &SyncSender<Msg>,
    stopper: &Stopper,
) {
    use std::os::unix::io::AsRawFd;
    let frac = if nanos { 1 } else { 1000 };
    let fd = cap.as_raw_fd();
    let mut last_stats = Instant::now();
    let mut batch = Batch::new(iface);
    while stopper.reason().is_none() {
        match cap.next_packet() {
            Ok(p) => {
                let ts = &p.header.ts;
                // time_t and suseconds_t are narrower than i64 on some targets.
                #[allow(clippy::useless_conversion)]
                let ts_ns = i64::from(ts.tv_sec)
                    .saturating_mul(1_000_000_000)
                    .saturating_add(i64::from(ts.tv_usec).saturating_mul(frac));
                batch.push(ts_ns, p.header.len, p.data);
                if batch.is_full() && tx.send(Msg::Packets(batch.take())).is_err() {
                    return;
                }
            }
            // Nothing more for now (the read timeout, breakloop, or an empty ring).
            Err(pcap::Error::TimeoutExpired | pcap::Error::NoMorePackets) => {
                if !batch.is_empty() && tx.send(Msg::Packets(batch.take())).is_err() {
                    return;
                }
                if nonblocking {
                    wait_readable(fd, POLL_MS);
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::Packets(batch.take()));
                let message = pcap_message(&e);
                let _ = tx.send(Msg::Down { iface, message });
                return;
            }
        }
        if last_stats.elapsed() >= STATS_EVERY / 2 {
            last_stats = Instant::now();
            if let Ok(stats) = cap.stats() {
                let stats = convert(stats);
                if tx.send(Msg::Stats { iface, stats }).is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx.send(Msg::Packets(batch.take()));
    if let Ok(stats) = cap.stats() {
        let _ = tx.send(Msg::Stats {
            iface,
            stats: convert(stats),
        });
    }
}

/// How long an idle capture thread waits for the ring before it looks at the stop flag.
const POLL_MS: i32 = 20;

/// Waits until `fd` is readable or `ms` have passed.
fn wait_readable(fd: std::os::unix::io::RawFd, ms: i32) {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call; an error or timeout only
    // means we look at the ring again.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

fn convert(s: pcap::Stat) -> IfStats {
    IfStats {
        received: u64::from(s.received),
        dropped: u64::from(s.dropped),
        if_dropped: u64::from(s.if_dropped),
    }
}

#[cfg(test)]
mod tests {
    use super::Batch;

    #[test]
    fn a_batch_gives_back_each_packet_whole() {
        let mut b = Batch::new(3);
        assert!(b.is_empty());
        b.push(10, 60, &[1; 60]);
        b.push(20, 1500, &[2; 4]);
        b.push(30, 0, &[]);
        let got: Vec<(i64, u32, Vec<u8>)> =
            b.packets().map(|(t, o, d)| (t, o, d.to_vec())).collect();
        assert_eq!(
            got,
            [
                (10, 60, vec![1; 60]),
                (20, 1500, vec![2; 4]),
                (30, 0, vec![])
            ]
        );
        let taken = b.take();
        assert!(b.is_empty() && b.iface == 3 && taken.packets().count() == 3);
        for _ in 0..Batch::MAX_PACKETS {
            b.push(0, 1, &[0]);
        }
        assert!(b.is_full());
    }
}
