//! Builders of tiny pcap and pcapng files for tests, and the captures tests run over.

/// Every sample and corpus capture (`samples/`, `tests/corpus/`), sorted.
pub(crate) fn sample_and_corpus_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = ["samples", "tests/corpus"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).expect("dir"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    files.sort();
    assert!(files.len() > 10, "{files:?}");
    files
}

/// Appends `v` in the chosen byte order.
pub(crate) fn put16(buf: &mut Vec<u8>, v: u16, be: bool) {
    buf.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

/// Appends `v` in the chosen byte order.
pub(crate) fn put32(buf: &mut Vec<u8>, v: u32, be: bool) {
    buf.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

/// `v` as 8 bytes in the chosen byte order (an option value).
pub(crate) fn bytes64(v: i64, be: bool) -> Vec<u8> {
    if be { v.to_be_bytes() } else { v.to_le_bytes() }.to_vec()
}

/// A classic pcap file being written.
pub(crate) struct PcapWriter {
    pub buf: Vec<u8>,
    be: bool,
    modified: bool,
}

impl PcapWriter {
    /// The file header: `magic` (a1b2c3d4, a1b23c4d or a1b2cd34) written in the chosen order.
    pub fn new(magic: u32, be: bool, link_type: u32, snaplen: u32) -> PcapWriter {
        let mut buf = Vec::new();
        put32(&mut buf, magic, be);
        put16(&mut buf, 2, be);
        put16(&mut buf, 4, be);
        put32(&mut buf, 0, be); // thiszone
        put32(&mut buf, 0, be); // sigfigs
        put32(&mut buf, snaplen, be);
        put32(&mut buf, link_type, be);
        PcapWriter {
            buf,
            be,
            modified: magic == 0xa1b2_cd34,
        }
    }

    /// A record header only, with any caplen.
    pub fn raw_record_header(&mut self, sec: u32, frac: u32, caplen: u32, origlen: u32) {
        for v in [sec, frac, caplen, origlen] {
            put32(&mut self.buf, v, self.be);
        }
        if self.modified {
            // ifindex, protocol, packet type, padding
            put32(&mut self.buf, 3, self.be);
            put16(&mut self.buf, 0x0800, self.be);
            self.buf.extend_from_slice(&[4, 0]);
        }
    }

    /// A whole record.
    pub fn record(&mut self, sec: u32, frac: u32, data: &[u8], origlen: u32) -> &mut Self {
        self.raw_record_header(sec, frac, data.len() as u32, origlen);
        self.buf.extend_from_slice(data);
        self
    }
}

/// A pcapng file being written; `be` is the byte order of the current section.
pub(crate) struct NgWriter {
    pub buf: Vec<u8>,
    pub be: bool,
}

/// A pcapng option: code and value (padding added when written).
pub(crate) type Opt<'a> = (u16, &'a [u8]);

impl NgWriter {
    pub fn new() -> NgWriter {
        NgWriter {
            buf: Vec::new(),
            be: false,
        }
    }

    /// Any block: type, length, body padded to 4 bytes, length again. Returns its offset.
    pub fn block(&mut self, block_type: u32, body: &[u8]) -> usize {
        let at = self.buf.len();
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        put32(&mut self.buf, block_type, self.be);
        put32(&mut self.buf, len, self.be);
        self.buf.extend_from_slice(body);
        self.buf.resize(at + 8 + padded, 0);
        put32(&mut self.buf, len, self.be);
        at
    }

    /// Encoded options, ended by opt_endofopt; empty if there are none.
    fn options(&self, opts: &[Opt<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        if opts.is_empty() {
            return out;
        }
        for (code, value) in opts {
            put16(&mut out, *code, self.be);
            put16(&mut out, value.len() as u16, self.be);
            out.extend_from_slice(value);
            out.resize(out.len().div_ceil(4) * 4, 0);
        }
        put32(&mut out, 0, self.be);
        out
    }

    /// A Section Header Block starting a section in byte order `be`.
    pub fn shb(&mut self, be: bool, opts: &[Opt<'_>]) -> usize {
        self.be = be;
        let mut body = Vec::new();
        put32(&mut body, 0x1a2b_3c4d, be);
        put16(&mut body, 1, be);
        put16(&mut body, 0, be);
        body.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
        body.extend(self.options(opts));
        self.block(0x0a0d_0d0a, &body)
    }

    /// An Interface Description Block.
    pub fn idb(&mut self, link_type: u16, snaplen: u32, opts: &[Opt<'_>]) -> usize {
        let mut body = Vec::new();
        put16(&mut body, link_type, self.be);
        put16(&mut body, 0, self.be);
        put32(&mut body, snaplen, self.be);
        body.extend(self.options(opts));
        self.block(1, &body)
    }

    /// An Enhanced Packet Block; `ts` in the interface's units. Returns the block offset.
    pub fn epb(
        &mut self,
        if_id: u32,
        ts: u64,
        data: &[u8],
        origlen: u32,
        opts: &[Opt<'_>],
    ) -> usize {
        let mut body = Vec::new();
        let fixed = [
            if_id,
            (ts >> 32) as u32,
            ts as u32,
            data.len() as u32,
            origlen,
        ];
        for v in fixed {
            put32(&mut body, v, self.be);
        }
        body.extend_from_slice(data);
        body.resize(body.len().div_ceil(4) * 4, 0);
        body.extend(self.options(opts));
        self.block(6, &body)
    }

    /// A Simple Packet Block holding `data` (padded).
    pub fn spb(&mut self, origlen: u32, data: &[u8]) -> usize {
        let mut body = Vec::new();
        put32(&mut body, origlen, self.be);
        body.extend_from_slice(data);
        self.block(3, &body)
    }

    /// An obsolete Packet Block (type 2).
    pub fn pb(&mut self, if_id: u16, ts: u64, data: &[u8], origlen: u32) -> usize {
        let mut body = Vec::new();
        put16(&mut body, if_id, self.be);
        put16(&mut body, 0, self.be); // drops
        for v in [(ts >> 32) as u32, ts as u32, data.len() as u32, origlen] {
            put32(&mut body, v, self.be);
        }
        body.extend_from_slice(data);
        self.block(2, &body)
    }
}
