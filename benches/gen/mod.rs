//! Deterministic synthetic capture generator for the layerscope benchmarks.
//!
//! `write_capture` writes a classic pcap file (little-endian, microsecond
//! timestamps, LINKTYPE_ETHERNET) holding exactly the requested number of
//! frames of plausible client-side traffic:
//!
//! * TCP conversations with a full three-way handshake (the SYN carries MSS,
//!   SACK-permitted, timestamps and window scale), payload, and FIN teardown:
//!   - plain HTTP/1.1 keep-alive exchanges (GET + `200 OK`, bodies split into
//!     MSS-sized segments, the client acknowledging every second segment);
//!   - HTTP/1.1 upgrades to WebSocket (`Sec-WebSocket-Accept` computed from
//!     the key as RFC 6455 says) followed by Engine.IO / Socket.IO style
//!     frames both ways: masked client frames, text and binary, some with
//!     16-bit extended lengths, ping/pong, and a close handshake;
//! * refused connections (SYN answered by RST/ACK);
//! * DNS queries and responses over UDP port 53 (A, AAAA, CNAME chains,
//!   NXDOMAIN).
//!
//! About 12 % of conversations run over IPv6. IPv4 header checksums and
//! TCP/UDP checksums (with the IPv4 or IPv6 pseudo-header) are correct,
//! sequence and acknowledgement numbers are consistent, and timestamps
//! increase, so Wireshark/tshark decodes every frame without warnings other
//! than the "Connection reset" note it attaches to every RST.
//!
//! Conversations are interleaved (about 40 are in flight at any time). When
//! the frame budget runs out the capture simply stops, so the last few
//! conversations are cut short, as in any real capture. The output depends
//! only on `packets` and `seed`.
//!
//! This is test tooling: std only, with a small SplitMix64 PRNG, SHA-1 and
//! base64 of its own.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What `write_capture` wrote. Every counter counts frames actually written
/// (conversations cut short by the end of the capture count only the frames
/// that made it into the file).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GenCounts {
    /// Frames written (always equal to the `packets` argument).
    pub packets: u64,
    /// Sum of the frame lengths (captured = original length; no truncation).
    pub bytes: u64,
    /// Size of the pcap file: global header, record headers and frames.
    pub file_bytes: u64,
    /// Frames carrying IPv4.
    pub ipv4: u64,
    /// Frames carrying IPv6.
    pub ipv6: u64,
    /// TCP segments.
    pub tcp: u64,
    /// UDP datagrams (all DNS).
    pub udp: u64,
    /// Segments with SYN set and ACK clear.
    pub tcp_syn: u64,
    /// Segments with SYN and ACK set.
    pub tcp_syn_ack: u64,
    /// Segments with FIN set.
    pub tcp_fin: u64,
    /// Segments with RST set (all are RST/ACK answers to refused SYNs).
    pub tcp_rst: u64,
    /// Completed three-way handshakes (the final ACK was written).
    pub handshakes: u64,
    /// TCP conversations started (SYN written).
    pub tcp_conversations: u64,
    /// Refused TCP conversations started.
    pub refused: u64,
    /// HTTP requests written (each fits in one segment), upgrades included.
    pub http_requests: u64,
    /// HTTP responses whose last segment was written (101 included).
    pub http_responses: u64,
    /// `101 Switching Protocols` responses written.
    pub http_101: u64,
    /// WebSocket frames written (exactly one frame per TCP segment).
    pub websocket_frames: u64,
    /// WebSocket frames sent by clients (masked).
    pub websocket_client_frames: u64,
    /// WebSocket frames using the 16-bit extended payload length.
    pub websocket_len16_frames: u64,
    /// DNS queries written.
    pub dns_queries: u64,
    /// DNS responses written.
    pub dns_responses: u64,
}

impl GenCounts {
    /// Every counter with its name, in declaration order (used to cache the
    /// counts next to a generated file, and to print them).
    pub fn fields(&self) -> [(&'static str, u64); 22] {
        [
            ("packets", self.packets),
            ("bytes", self.bytes),
            ("file_bytes", self.file_bytes),
            ("ipv4", self.ipv4),
            ("ipv6", self.ipv6),
            ("tcp", self.tcp),
            ("udp", self.udp),
            ("tcp_syn", self.tcp_syn),
            ("tcp_syn_ack", self.tcp_syn_ack),
            ("tcp_fin", self.tcp_fin),
            ("tcp_rst", self.tcp_rst),
            ("handshakes", self.handshakes),
            ("tcp_conversations", self.tcp_conversations),
            ("refused", self.refused),
            ("http_requests", self.http_requests),
            ("http_responses", self.http_responses),
            ("http_101", self.http_101),
            ("websocket_frames", self.websocket_frames),
            ("websocket_client_frames", self.websocket_client_frames),
            ("websocket_len16_frames", self.websocket_len16_frames),
            ("dns_queries", self.dns_queries),
            ("dns_responses", self.dns_responses),
        ]
    }

    /// Sets the counter called `name`; false if there is no such counter.
    pub fn set(&mut self, name: &str, value: u64) -> bool {
        let slot = match name {
            "packets" => &mut self.packets,
            "bytes" => &mut self.bytes,
            "file_bytes" => &mut self.file_bytes,
            "ipv4" => &mut self.ipv4,
            "ipv6" => &mut self.ipv6,
            "tcp" => &mut self.tcp,
            "udp" => &mut self.udp,
            "tcp_syn" => &mut self.tcp_syn,
            "tcp_syn_ack" => &mut self.tcp_syn_ack,
            "tcp_fin" => &mut self.tcp_fin,
            "tcp_rst" => &mut self.tcp_rst,
            "handshakes" => &mut self.handshakes,
            "tcp_conversations" => &mut self.tcp_conversations,
            "refused" => &mut self.refused,
            "http_requests" => &mut self.http_requests,
            "http_responses" => &mut self.http_responses,
            "http_101" => &mut self.http_101,
            "websocket_frames" => &mut self.websocket_frames,
            "websocket_client_frames" => &mut self.websocket_client_frames,
            "websocket_len16_frames" => &mut self.websocket_len16_frames,
            "dns_queries" => &mut self.dns_queries,
            "dns_responses" => &mut self.dns_responses,
            _ => return false,
        };
        *slot = value;
        true
    }
}

/// Bumped whenever the output for a given (packets, seed) changes, so cached
/// files made by an older generator are not reused.
pub const VERSION: u32 = 1;

/// The key GUID of RFC 6455, section 1.3.
pub const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Writes `packets` frames to `path` (created or truncated).
pub fn write_capture(path: &Path, packets: usize, seed: u64) -> io::Result<GenCounts> {
    let file = File::create(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let counts = Generator::new(seed).run(&mut out, packets)?;
    out.flush()?;
    Ok(counts)
}

/// Writes a capture of one Socket.IO chat over WebSocket (handshake, Upgrade,
/// Engine.IO open, then `exchanges` exchanges: chat messages both ways, pings,
/// long updates, binary uploads; then the close handshake and teardown), about
/// 1.2 WebSocket messages and 2.3 packets per exchange: one very long
/// conversation, for the window's views of long conversations.
pub fn write_chat(path: &Path, exchanges: u64, seed: u64) -> io::Result<GenCounts> {
    let file = File::create(path)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let counts = Generator::new(seed).run_chat(&mut out, exchanges)?;
    out.flush()?;
    Ok(counts)
}

/// Writes the capture to any writer (the file-less core of `write_capture`).
pub fn write_capture_to<W: Write>(out: &mut W, packets: usize, seed: u64) -> io::Result<GenCounts> {
    Generator::new(seed).run(out, packets)
}

// ---------------------------------------------------------------------------
// PRNG

/// SplitMix64: tiny, fast, good enough for test data.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

// ---------------------------------------------------------------------------
// SHA-1 and base64 (for Sec-WebSocket-Accept)

/// SHA-1 digest (FIPS 180-4).
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = Vec::with_capacity(data.len() + 72);
    msg.extend_from_slice(data);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    let mut w = [0u32; 80];
    for block in msg.chunks_exact(64) {
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (hv, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hv = hv.wrapping_add(v);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

/// Standard base64 with padding (RFC 4648, section 4).
pub fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        s.push(ALPHABET[(n >> 18) as usize & 63] as char);
        s.push(ALPHABET[(n >> 12) as usize & 63] as char);
        s.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        s.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63] as char
        } else {
            '='
        });
    }
    s
}

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (RFC 6455, section 4.2.2).
pub fn websocket_accept(key: &str) -> String {
    let mut input = String::with_capacity(key.len() + WS_GUID.len());
    input.push_str(key);
    input.push_str(WS_GUID);
    base64(&sha1(input.as_bytes()))
}

// ---------------------------------------------------------------------------
// Wire formats

const ETH_IPV4: u16 = 0x0800;
const ETH_IPV6: u16 = 0x86DD;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;

/// MSS announced in SYNs, and the payload that fits in a segment once the
/// 12-byte timestamp option is taken off.
const MSS_V4: u16 = 1460;
const MSS_V6: u16 = 1440;
const TS_OPT_LEN: usize = 12;

const GATEWAY_MAC: [u8; 6] = [0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e];

#[derive(Clone, Copy)]
enum Addr {
    V4([u8; 4]),
    V6([u8; 16]),
}

impl Addr {
    fn bytes(&self) -> &[u8] {
        match self {
            Addr::V4(a) => a,
            Addr::V6(a) => a,
        }
    }
}

#[derive(Clone, Copy)]
struct Endpoint {
    mac: [u8; 6],
    addr: Addr,
    port: u16,
    /// TTL / hop limit seen on packets sent from this end.
    ttl: u8,
}

/// Ones' complement sum of 16-bit big-endian words, not yet folded.
fn sum16(data: &[u8], mut acc: u64) -> u64 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
    while acc > 0xFFFF {
        acc = (acc & 0xFFFF) + (acc >> 16);
    }
    !(acc as u16)
}

/// Checksum of a TCP/UDP segment (checksum field zeroed) with its pseudo-header.
fn l4_checksum(src: &Addr, dst: &Addr, proto: u8, segment: &[u8]) -> u16 {
    let mut acc = sum16(src.bytes(), 0);
    acc = sum16(dst.bytes(), acc);
    // IPv4: zero, protocol, TCP length (16 bits). IPv6: 32-bit length, three
    // zero bytes, next header. Both sum to the same ones' complement value.
    acc += u64::from(proto);
    acc += segment.len() as u64;
    fold(sum16(segment, acc))
}

// ---------------------------------------------------------------------------
// Conversations as scripts of segments

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ev {
    None,
    HandshakeDone,
    HttpRequest,
    HttpResponse,
    Http101,
    WsFrame { client: bool, len16: bool },
    DnsQuery,
    DnsResponse,
}

struct Step {
    /// 0 = client to server, 1 = server to client.
    dir: usize,
    flags: u8,
    payload: Vec<u8>,
    ev: Ev,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Http,
    WebSocket,
    Refused,
    Dns,
}

struct Script {
    steps: VecDeque<Step>,
    /// `owes_ack[d]`: side `d` has received data it has not acknowledged.
    owes_ack: [bool; 2],
}

impl Script {
    fn new() -> Self {
        Script {
            steps: VecDeque::new(),
            owes_ack: [false; 2],
        }
    }

    fn push(&mut self, dir: usize, flags: u8, payload: Vec<u8>, ev: Ev) {
        if flags & ACK != 0 {
            self.owes_ack[dir] = false;
        }
        if !payload.is_empty() || flags & (SYN | FIN) != 0 {
            self.owes_ack[1 - dir] = true;
        }
        self.steps.push_back(Step {
            dir,
            flags,
            payload,
            ev,
        });
    }

    fn data(&mut self, dir: usize, payload: Vec<u8>, ev: Ev) {
        self.push(dir, ACK | PSH, payload, ev);
    }

    /// A pure ACK from `dir`, only if it has something new to acknowledge
    /// (so no duplicate ACKs are ever produced).
    fn ack(&mut self, dir: usize) {
        if self.owes_ack[dir] {
            self.push(dir, ACK, Vec::new(), Ev::None);
        }
    }

    fn handshake(&mut self) {
        self.push(0, SYN, Vec::new(), Ev::None);
        self.push(1, SYN | ACK, Vec::new(), Ev::None);
        self.push(0, ACK, Vec::new(), Ev::HandshakeDone);
    }

    /// FIN/ACK from `first`, FIN/ACK back, final ACK.
    fn teardown(&mut self, first: usize) {
        self.push(first, FIN | ACK, Vec::new(), Ev::None);
        self.push(1 - first, FIN | ACK, Vec::new(), Ev::None);
        self.push(first, ACK, Vec::new(), Ev::None);
    }
}

struct Flow {
    kind: Kind,
    ends: [Endpoint; 2],
    /// Next sequence number of each side.
    seq: [u32; 2],
    /// Offset added to the millisecond clock for each side's TSval.
    ts_offset: [u32; 2],
    /// Last TSval sent by each side (echoed as TSecr by the other).
    last_ts: [u32; 2],
    /// Receive window (already scaled down by the window-scale shift 7).
    window: [u16; 2],
    ip_id: [u16; 2],
    flow_label: [u32; 2],
    script: Script,
}

// ---------------------------------------------------------------------------
// Content

const HOSTS: &[&str] = &[
    "example.com",
    "www.example.com",
    "www.example.org",
    "api.example.net",
    "cdn.example.com",
    "static.example.org",
    "chat.example.com",
    "news.example.net",
    "img.example.org",
    "updates.example.com",
    "mail.example.net",
    "shop.example.org",
];

const PATHS: &[&str] = &[
    "/",
    "/index.html",
    "/about",
    "/news/today",
    "/api/v1/items",
    "/api/v1/users/42",
    "/static/app.js",
    "/static/style.css",
    "/search?q=packet+capture",
    "/docs/networking/tcp.html",
    "/downloads/firmware.bin",
    "/status.json",
];

const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    "curl/8.5.0",
    "Wget/1.21.3",
    "python-requests/2.31.0",
];

const SERVERS: &[&str] = &[
    "nginx/1.24.0",
    "Apache/2.4.57 (Debian)",
    "Caddy",
    "gunicorn",
];

const CHAT_LINES: &[&str] = &[
    "hi",
    "hello there",
    "how are you?",
    "brb",
    "see you at 5",
    "did the build pass?",
    "ça marche",
    "lol",
    "ok",
    "on my way",
    "check the capture, frame 1337",
    "thanks!",
];

const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud \
exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. ";

fn html_body(rng: &mut Rng, target: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target + 256);
    s.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Page ");
    s.push_str(&rng.below(10_000).to_string());
    s.push_str("</title></head>\n<body>\n");
    let mut n = 0;
    while s.len() < target {
        n += 1;
        s.push_str("<p id=\"p");
        s.push_str(&n.to_string());
        s.push_str("\">");
        s.push_str(LOREM);
        s.push_str("</p>\n");
    }
    s.push_str("</body></html>\n");
    s.into_bytes()
}

fn json_body(rng: &mut Rng, target: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target + 128);
    s.push_str("{\"items\":[");
    let mut i = 0u64;
    while s.len() < target {
        if i > 0 {
            s.push(',');
        }
        let id = rng.below(1_000_000);
        s.push_str("{\"id\":");
        s.push_str(&id.to_string());
        s.push_str(",\"name\":\"item-");
        s.push_str(&id.to_string());
        s.push_str("\",\"price\":");
        s.push_str(&rng.below(100_000).to_string());
        s.push_str(",\"in_stock\":");
        s.push_str(if rng.chance(700) { "true" } else { "false" });
        s.push('}');
        i += 1;
    }
    s.push_str("],\"count\":");
    s.push_str(&i.to_string());
    s.push_str("}\n");
    s.into_bytes()
}

fn http_request(rng: &mut Rng, host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {}\r\n\
         Accept: text/html,application/json;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n\
         Connection: keep-alive\r\n\r\n",
        rng.pick(USER_AGENTS)
    )
    .into_bytes()
}

fn http_response(rng: &mut Rng) -> Vec<u8> {
    // Mostly small pages, a long tail of larger ones (up to ~60 kB).
    let size = match rng.below(100) {
        0..=59 => rng.range(200, 3_000),
        60..=89 => rng.range(3_000, 15_000),
        _ => rng.range(15_000, 60_000),
    } as usize;
    let (ctype, body) = match rng.below(10) {
        0..=5 => ("text/html; charset=utf-8", html_body(rng, size)),
        6..=8 => ("application/json", json_body(rng, size)),
        _ => {
            let mut b = vec![0u8; size];
            rng.fill(&mut b);
            ("application/octet-stream", b)
        }
    };
    let mut msg = format!(
        "HTTP/1.1 200 OK\r\nServer: {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
         Cache-Control: max-age=3600\r\nConnection: keep-alive\r\n\r\n",
        rng.pick(SERVERS),
        body.len()
    )
    .into_bytes();
    msg.extend_from_slice(&body);
    msg
}

/// One WebSocket frame (FIN set). Client frames are masked.
fn ws_frame(rng: &mut Rng, opcode: u8, payload: &[u8], client: bool) -> (Vec<u8>, bool) {
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push(0x80 | opcode);
    let mask_bit = if client { 0x80 } else { 0 };
    let len16 = payload.len() > 125;
    if payload.len() <= 125 {
        f.push(mask_bit | payload.len() as u8);
    } else {
        assert!(payload.len() <= 0xFFFF);
        f.push(mask_bit | 126);
        f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    }
    if client {
        let key = rng.next_u32().to_be_bytes();
        f.extend_from_slice(&key);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i & 3]));
    } else {
        f.extend_from_slice(payload);
    }
    (f, len16)
}

fn random_token(rng: &mut Rng, len: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..len).map(|_| *rng.pick(CHARS) as char).collect()
}

fn dns_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

// ---------------------------------------------------------------------------
// The generator

struct Generator {
    rng: Rng,
    /// Capture clock, microseconds since the Unix epoch.
    now_us: u64,
    /// Conversation counter; gives every conversation a distinct
    /// (client address, client port) pair, so 4-tuples are never reused.
    next_conv: u64,
    active: Vec<Flow>,
    counts: GenCounts,
    seg: Vec<u8>,
    frame: Vec<u8>,
}

/// Conversations in flight at any time.
const CONCURRENCY: usize = 40;
const CLIENT_HOSTS: u64 = 200;

impl Generator {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        // Some time in November 2025, shifted by the seed.
        let now_us = (1_763_000_000 + rng.below(86_400)) * 1_000_000;
        Generator {
            rng,
            now_us,
            next_conv: 0,
            active: Vec::with_capacity(CONCURRENCY),
            counts: GenCounts::default(),
            seg: Vec::with_capacity(2048),
            frame: Vec::with_capacity(2048),
        }
    }

    /// The pcap global header: magic, version 2.4, thiszone, sigfigs, snaplen, linktype.
    fn header<W: Write>(&mut self, out: &mut W) -> io::Result<()> {
        let mut hdr = Vec::with_capacity(24);
        hdr.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
        hdr.extend_from_slice(&2u16.to_le_bytes());
        hdr.extend_from_slice(&4u16.to_le_bytes());
        hdr.extend_from_slice(&0i32.to_le_bytes());
        hdr.extend_from_slice(&0u32.to_le_bytes());
        hdr.extend_from_slice(&262_144u32.to_le_bytes());
        hdr.extend_from_slice(&1u32.to_le_bytes());
        out.write_all(&hdr)?;
        self.counts.file_bytes = hdr.len() as u64;
        Ok(())
    }

    /// One WebSocket chat of `exchanges` exchanges, alone in the capture.
    fn run_chat<W: Write>(mut self, out: &mut W, exchanges: u64) -> io::Result<GenCounts> {
        self.header(out)?;
        let flow = self.flow(Some(exchanges));
        self.active.push(flow);
        while let Some(step) = self.active[0].script.steps.pop_front() {
            self.now_us += self.rng.range(1, 300);
            self.emit(out, 0, step)?;
        }
        Ok(self.counts)
    }

    fn run<W: Write>(mut self, out: &mut W, packets: usize) -> io::Result<GenCounts> {
        self.header(out)?;

        while (self.counts.packets as usize) < packets {
            while self.active.len() < CONCURRENCY {
                let flow = self.new_flow();
                self.active.push(flow);
            }
            let i = self.rng.below(self.active.len() as u64) as usize;
            let step = self.active[i]
                .script
                .steps
                .pop_front()
                .expect("flows are never empty");
            // Inter-frame gap: 1..=300 us, occasionally a pause.
            self.now_us += if self.rng.chance(5) {
                self.rng.range(1_000, 50_000)
            } else {
                self.rng.range(1, 300)
            };
            self.emit(out, i, step)?;
            if self.active[i].script.steps.is_empty() {
                self.active.swap_remove(i);
            }
        }
        Ok(self.counts)
    }

    fn new_flow(&mut self) -> Flow {
        self.flow(None)
    }

    /// A new conversation of a kind drawn at random, or with `chat: Some(n)` a
    /// WebSocket chat of `n` exchanges.
    fn flow(&mut self, chat: Option<u64>) -> Flow {
        let rng = &mut self.rng;
        let conv = self.next_conv;
        self.next_conv += 1;
        let host = conv % CLIENT_HOSTS;
        // Ephemeral ports: each client host walks its own sequence from its own
        // starting point, so a (host, port) pair only repeats after 28,000
        // conversations of that host.
        let port = 32768 + ((conv / CLIENT_HOSTS + host * 1_237) % 28_000) as u16;
        let v6 = rng.chance(120);
        let kind = match chat {
            Some(_) => Kind::WebSocket,
            None => match rng.below(100) {
                0..=33 => Kind::Dns,
                34..=73 => Kind::Http,
                74..=79 => Kind::WebSocket,
                _ => Kind::Refused,
            },
        };
        let client_mac = [0x02, 0x42, 0xac, 0x11, (host >> 8) as u8, host as u8];
        let (caddr, saddr) = if v6 {
            let mut c = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
            c[14] = (host >> 8) as u8;
            c[15] = 0x10 + host as u8;
            let mut s = [
                0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ];
            if kind == Kind::Dns {
                s = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
            } else {
                s[15] = 1 + rng.below(64) as u8;
            }
            (Addr::V6(c), Addr::V6(s))
        } else {
            let c = [192, 168, (host >> 8) as u8 + 1, 10 + (host % 240) as u8];
            let s = if kind == Kind::Dns {
                [192, 168, 1, 1]
            } else if rng.chance(500) {
                [203, 0, 113, 1 + rng.below(200) as u8]
            } else {
                [198, 51, 100, 1 + rng.below(200) as u8]
            };
            (Addr::V4(c), Addr::V4(s))
        };
        let sport = match kind {
            Kind::Dns => 53,
            Kind::Http => *rng.pick(&[80, 80, 80, 8080]),
            Kind::WebSocket => *rng.pick(&[80, 8080]),
            Kind::Refused => *rng.pick(&[22, 25, 443, 3306, 5432, 6379, 8443, 9000]),
        };
        let server_ttl = if kind == Kind::Dns {
            64
        } else {
            40 + rng.below(20) as u8
        };
        let ends = [
            Endpoint {
                mac: client_mac,
                addr: caddr,
                port,
                ttl: 64,
            },
            Endpoint {
                mac: GATEWAY_MAC,
                addr: saddr,
                port: sport,
                ttl: server_ttl,
            },
        ];
        let mss_payload = usize::from(if v6 { MSS_V6 } else { MSS_V4 }) - TS_OPT_LEN;
        let script = match kind {
            Kind::Dns => Self::dns_script(rng),
            Kind::Http => Self::http_script(rng, mss_payload),
            Kind::WebSocket => Self::websocket_script(rng, chat),
            Kind::Refused => {
                let mut s = Script::new();
                s.push(0, SYN, Vec::new(), Ev::None);
                s.push(1, RST | ACK, Vec::new(), Ev::None);
                s
            }
        };
        let seq = [
            rng.next_u32(),
            if kind == Kind::Refused {
                0
            } else {
                rng.next_u32()
            },
        ];
        Flow {
            kind,
            ends,
            seq,
            ts_offset: [rng.next_u32(), rng.next_u32()],
            last_ts: [0, 0],
            window: [502, 509],
            ip_id: [rng.next_u32() as u16, rng.next_u32() as u16],
            flow_label: [rng.next_u32() & 0xF_FFFF, rng.next_u32() & 0xF_FFFF],
            script,
        }
    }

    fn dns_script(rng: &mut Rng) -> Script {
        let name = *rng.pick(HOSTS);
        let id = rng.next_u32() as u16;
        let qtype: u16 = if rng.chance(650) { 1 } else { 28 };
        let nxdomain = rng.chance(60);
        let qname = if nxdomain {
            format!(
                "{}.{}",
                random_token(rng, 8).to_lowercase().replace(['-', '_'], "x"),
                name
            )
        } else {
            name.to_string()
        };

        let mut q = Vec::with_capacity(64);
        q.extend_from_slice(&id.to_be_bytes());
        q.extend_from_slice(&0x0100u16.to_be_bytes()); // standard query, RD
        q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD=1
        dns_name(&mut q, &qname);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        let question_end = q.len();

        let mut r = q.clone();
        r[2..4].copy_from_slice(&(if nxdomain { 0x8183u16 } else { 0x8180u16 }).to_be_bytes());
        if !nxdomain {
            let mut answers = 0u16;
            // Name of the records that follow: the question (offset 12) or a CNAME target.
            let mut owner_ptr: u16 = 0xC000 | 12;
            if rng.chance(300) {
                r.extend_from_slice(&owner_ptr.to_be_bytes());
                r.extend_from_slice(&5u16.to_be_bytes()); // CNAME
                r.extend_from_slice(&1u16.to_be_bytes());
                r.extend_from_slice(&(rng.range(60, 3600) as u32).to_be_bytes());
                let target = format!("edge-{}.cdn.example.net", rng.below(100));
                let mut rdata = Vec::new();
                dns_name(&mut rdata, &target);
                r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                owner_ptr = 0xC000 | r.len() as u16;
                r.extend_from_slice(&rdata);
                answers += 1;
            }
            let n = rng.range(1, 3) as u16;
            let ttl = rng.range(30, 86_400) as u32;
            for _ in 0..n {
                r.extend_from_slice(&owner_ptr.to_be_bytes());
                r.extend_from_slice(&qtype.to_be_bytes());
                r.extend_from_slice(&1u16.to_be_bytes());
                r.extend_from_slice(&ttl.to_be_bytes());
                if qtype == 1 {
                    r.extend_from_slice(&4u16.to_be_bytes());
                    r.extend_from_slice(&[198, 51, 100, rng.range(1, 254) as u8]);
                } else {
                    r.extend_from_slice(&16u16.to_be_bytes());
                    r.extend_from_slice(&[
                        0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    ]);
                    r.push(rng.range(1, 254) as u8);
                }
                answers += 1;
            }
            r[6..8].copy_from_slice(&answers.to_be_bytes());
        }
        debug_assert!(r.len() >= question_end);
        let mut s = Script::new();
        s.push(0, 0, q, Ev::DnsQuery);
        s.push(1, 0, r, Ev::DnsResponse);
        s
    }

    fn http_script(rng: &mut Rng, mss_payload: usize) -> Script {
        let mut s = Script::new();
        s.handshake();
        let host = *rng.pick(HOSTS);
        let requests = rng.range(1, 3);
        for _ in 0..requests {
            let path = *rng.pick(PATHS);
            s.data(0, http_request(rng, host, path), Ev::HttpRequest);
            let resp = http_response(rng);
            let chunks: Vec<&[u8]> = resp.chunks(mss_payload).collect();
            let last = chunks.len() - 1;
            for (i, chunk) in chunks.into_iter().enumerate() {
                let flags = if i == last { ACK | PSH } else { ACK };
                let ev = if i == last {
                    Ev::HttpResponse
                } else {
                    Ev::None
                };
                s.push(1, flags, chunk.to_vec(), ev);
                if i % 2 == 1 && i != last {
                    s.ack(0);
                }
            }
            s.ack(0);
        }
        s.teardown(if rng.chance(700) { 0 } else { 1 });
        s
    }

    /// A Socket.IO chat over WebSocket: `exchanges` of them, or 8 to 80 at random.
    fn websocket_script(rng: &mut Rng, exchanges: Option<u64>) -> Script {
        let mut s = Script::new();
        s.handshake();
        let host = *rng.pick(HOSTS);
        let mut key_bytes = [0u8; 16];
        rng.fill(&mut key_bytes);
        let key = base64(&key_bytes);
        let req = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Version: 13\r\nOrigin: http://{host}\r\n\r\n",
            rng.pick(USER_AGENTS)
        );
        s.data(0, req.into_bytes(), Ev::HttpRequest);
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            websocket_accept(&key)
        );
        s.data(1, resp.into_bytes(), Ev::Http101);

        let sid = random_token(rng, 20);
        let frame = |s: &mut Script, rng: &mut Rng, dir: usize, opcode: u8, payload: &[u8]| {
            let client = dir == 0;
            let (f, len16) = ws_frame(rng, opcode, payload, client);
            s.data(dir, f, Ev::WsFrame { client, len16 });
            // The peer usually acknowledges at once; sometimes it waits.
            if rng.chance(700) {
                s.ack(1 - dir);
            }
        };
        let open = format!(
            "0{{\"sid\":\"{sid}\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}}"
        );
        frame(&mut s, rng, 1, 1, open.as_bytes());
        frame(&mut s, rng, 0, 1, b"40");
        let connect = format!("40{{\"sid\":\"{}\"}}", random_token(rng, 20));
        frame(&mut s, rng, 1, 1, connect.as_bytes());

        let messages = exchanges.unwrap_or_else(|| rng.range(8, 80));
        let mut counter = rng.below(100);
        for _ in 0..messages {
            let dir = rng.below(2) as usize;
            counter += 1;
            match rng.below(100) {
                0..=54 => {
                    let text = format!(
                        "42[\"chat message\",\"{} {counter}\"]",
                        rng.pick(CHAT_LINES)
                    );
                    frame(&mut s, rng, dir, 1, text.as_bytes());
                }
                55..=64 => {
                    frame(&mut s, rng, 1, 1, b"2");
                    frame(&mut s, rng, 0, 1, b"3");
                }
                65..=74 => {
                    let text = format!(
                        "42[\"typing\",{{\"user\":\"u{}\",\"room\":\"general\"}}]",
                        rng.below(500)
                    );
                    frame(&mut s, rng, dir, 1, text.as_bytes());
                }
                75..=87 => {
                    // Long text: 16-bit extended length.
                    let target = rng.range(130, 1200) as usize;
                    let mut text = format!("42[\"update\",{{\"seq\":{counter},\"data\":\"");
                    while text.len() < target {
                        text.push_str(&random_token(rng, 16));
                    }
                    text.push_str("\"}]");
                    frame(&mut s, rng, dir, 1, text.as_bytes());
                }
                _ => {
                    // Socket.IO binary event: placeholder text frame, then the attachment.
                    let text = "451-[\"upload\",{\"_placeholder\":true,\"num\":0}]";
                    frame(&mut s, rng, dir, 1, text.as_bytes());
                    let mut bin = vec![0u8; rng.range(16, 1300) as usize];
                    rng.fill(&mut bin);
                    frame(&mut s, rng, dir, 2, &bin);
                }
            }
        }
        // Close handshake (status 1000), then the server closes TCP first.
        frame(&mut s, rng, 0, 8, &1000u16.to_be_bytes());
        frame(&mut s, rng, 1, 8, &1000u16.to_be_bytes());
        s.ack(0);
        s.teardown(1);
        s
    }

    fn emit<W: Write>(&mut self, out: &mut W, i: usize, step: Step) -> io::Result<()> {
        let flow = &mut self.active[i];
        let d = step.dir;
        let p = 1 - d;
        let (src, dst) = (flow.ends[d], flow.ends[p]);
        let c = &mut self.counts;
        let seg = &mut self.seg;
        seg.clear();

        let proto = if flow.kind == Kind::Dns {
            seg.extend_from_slice(&src.port.to_be_bytes());
            seg.extend_from_slice(&dst.port.to_be_bytes());
            seg.extend_from_slice(&((8 + step.payload.len()) as u16).to_be_bytes());
            seg.extend_from_slice(&[0, 0]);
            seg.extend_from_slice(&step.payload);
            let mut sum = l4_checksum(&src.addr, &dst.addr, PROTO_UDP, seg);
            if sum == 0 {
                sum = 0xFFFF;
            }
            seg[6..8].copy_from_slice(&sum.to_be_bytes());
            c.udp += 1;
            PROTO_UDP
        } else {
            let flags = step.flags;
            let seq = flow.seq[d];
            let ack = if flags & ACK != 0 { flow.seq[p] } else { 0 };
            let tsval = flow.ts_offset[d].wrapping_add((self.now_us / 1000) as u32);
            let tsecr = if flags & ACK != 0 { flow.last_ts[p] } else { 0 };
            let (opts_len, window) = if flags & RST != 0 {
                (0, 0)
            } else if flags & SYN != 0 {
                (20, if flags & ACK != 0 { 65_160 } else { 64_240 })
            } else {
                (12, flow.window[d])
            };
            seg.extend_from_slice(&src.port.to_be_bytes());
            seg.extend_from_slice(&dst.port.to_be_bytes());
            seg.extend_from_slice(&seq.to_be_bytes());
            seg.extend_from_slice(&ack.to_be_bytes());
            seg.push((((20 + opts_len) / 4) << 4) as u8);
            seg.push(flags);
            seg.extend_from_slice(&window.to_be_bytes());
            seg.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
            if flags & SYN != 0 {
                let mss = if matches!(src.addr, Addr::V6(_)) {
                    MSS_V6
                } else {
                    MSS_V4
                };
                seg.extend_from_slice(&[2, 4]);
                seg.extend_from_slice(&mss.to_be_bytes());
                seg.extend_from_slice(&[4, 2, 8, 10]);
                seg.extend_from_slice(&tsval.to_be_bytes());
                seg.extend_from_slice(&tsecr.to_be_bytes());
                seg.extend_from_slice(&[1, 3, 3, 7]);
            } else if opts_len == 12 {
                seg.extend_from_slice(&[1, 1, 8, 10]);
                seg.extend_from_slice(&tsval.to_be_bytes());
                seg.extend_from_slice(&tsecr.to_be_bytes());
            }
            seg.extend_from_slice(&step.payload);
            let sum = l4_checksum(&src.addr, &dst.addr, PROTO_TCP, seg);
            seg[16..18].copy_from_slice(&sum.to_be_bytes());

            if opts_len > 0 {
                flow.last_ts[d] = tsval;
            }
            let consumed = step.payload.len() as u32 + u32::from(flags & (SYN | FIN) != 0);
            flow.seq[d] = seq.wrapping_add(consumed);

            c.tcp += 1;
            if flags & SYN != 0 {
                if flags & ACK != 0 {
                    c.tcp_syn_ack += 1;
                } else {
                    c.tcp_syn += 1;
                    c.tcp_conversations += 1;
                    if flow.kind == Kind::Refused {
                        c.refused += 1;
                    }
                }
            }
            if flags & FIN != 0 {
                c.tcp_fin += 1;
            }
            if flags & RST != 0 {
                c.tcp_rst += 1;
            }
            PROTO_TCP
        };

        match step.ev {
            Ev::None => {}
            Ev::HandshakeDone => c.handshakes += 1,
            Ev::HttpRequest => c.http_requests += 1,
            Ev::HttpResponse => c.http_responses += 1,
            Ev::Http101 => {
                c.http_101 += 1;
                c.http_responses += 1;
            }
            Ev::WsFrame { client, len16 } => {
                c.websocket_frames += 1;
                c.websocket_client_frames += u64::from(client);
                c.websocket_len16_frames += u64::from(len16);
            }
            Ev::DnsQuery => c.dns_queries += 1,
            Ev::DnsResponse => c.dns_responses += 1,
        }

        // Ethernet + IP around the segment.
        let frame = &mut self.frame;
        frame.clear();
        let (dst_mac, src_mac) = if d == 0 {
            (GATEWAY_MAC, src.mac)
        } else {
            (dst.mac, GATEWAY_MAC)
        };
        frame.extend_from_slice(&dst_mac);
        frame.extend_from_slice(&src_mac);
        let id = flow.ip_id[d];
        flow.ip_id[d] = id.wrapping_add(1);
        match (src.addr, dst.addr) {
            (Addr::V4(s4), Addr::V4(d4)) => {
                frame.extend_from_slice(&ETH_IPV4.to_be_bytes());
                let start = frame.len();
                frame.extend_from_slice(&[0x45, 0]);
                frame.extend_from_slice(&((20 + seg.len()) as u16).to_be_bytes());
                frame.extend_from_slice(&id.to_be_bytes());
                frame.extend_from_slice(&0x4000u16.to_be_bytes()); // DF
                frame.push(src.ttl);
                frame.push(proto);
                frame.extend_from_slice(&[0, 0]);
                frame.extend_from_slice(&s4);
                frame.extend_from_slice(&d4);
                let sum = fold(sum16(&frame[start..start + 20], 0));
                frame[start + 10..start + 12].copy_from_slice(&sum.to_be_bytes());
                c.ipv4 += 1;
            }
            (Addr::V6(s6), Addr::V6(d6)) => {
                frame.extend_from_slice(&ETH_IPV6.to_be_bytes());
                frame.extend_from_slice(&(0x6000_0000u32 | flow.flow_label[d]).to_be_bytes());
                frame.extend_from_slice(&(seg.len() as u16).to_be_bytes());
                frame.push(proto);
                frame.push(src.ttl);
                frame.extend_from_slice(&s6);
                frame.extend_from_slice(&d6);
                c.ipv6 += 1;
            }
            _ => unreachable!("both ends of a flow use the same IP version"),
        }
        frame.extend_from_slice(seg);

        let len = frame.len() as u32;
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&((self.now_us / 1_000_000) as u32).to_le_bytes());
        rec[4..8].copy_from_slice(&((self.now_us % 1_000_000) as u32).to_le_bytes());
        rec[8..12].copy_from_slice(&len.to_le_bytes());
        rec[12..16].copy_from_slice(&len.to_le_bytes());
        out.write_all(&rec)?;
        out.write_all(frame)?;
        c.packets += 1;
        c.bytes += u64::from(len);
        c.file_bytes += 16 + u64::from(len);
        Ok(())
    }
}
