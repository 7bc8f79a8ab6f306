//! Test messages, and the DNS layer made for them, for the tests of every file of `dns`.

use super::dns_layer;
use crate::dissect::tree::{Field, Layer, Tree};

/// Message bytes from hex (spaces ignored), `=dotted.name` (labels and the root)
/// and `+dotted.name` (labels only, for a pointer to follow).
pub(super) fn msg(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        if let Some(name) = part.strip_prefix(['=', '+']) {
            for label in name.split('.').filter(|l| !l.is_empty()) {
                out.push(label.len() as u8);
                out.extend(label.bytes());
            }
            if part.starts_with('=') {
                out.push(0);
            }
            continue;
        }
        let hex: Vec<u8> = part.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        for pair in hex.chunks(2) {
            let pair = std::str::from_utf8(pair).unwrap();
            out.push(u8::from_str_radix(pair, 16).unwrap());
        }
    }
    out
}

pub(super) const AT: u32 = 8;

/// The DNS layer and warnings for `dns` placed `AT` bytes into a frame.
pub(super) fn layer(dns: &[u8]) -> (Layer, Vec<String>) {
    let mut frame = vec![0xee; AT as usize];
    frame.extend_from_slice(dns);
    let mut t = Tree {
        frame: &frame,
        layers: vec![],
        warnings: vec![],
        stop: None,
    };
    dns_layer(&mut t, &frame[AT as usize..]);
    let warnings = t.warnings.iter().map(|w| w.message.clone()).collect();
    (t.layers.pop().unwrap(), warnings)
}

/// Value and range (in the message, not the frame) of a field.
pub(super) fn at(f: &Field) -> (&str, [u32; 2]) {
    (
        Box::leak(f.shown().into_boxed_str()),
        [f.range[0] - AT, f.range[1] - AT],
    )
}

pub(super) fn query() -> Vec<u8> {
    msg(&["1a2b 0100 0001 0000 0000 0000", "=example.org", "0001 0001"])
}

/// A CNAME, an A and an AAAA answer, with names compressed.
pub(super) fn response() -> Vec<u8> {
    msg(&[
        "1a2b 8180 0001 0003 0000 0000",
        "=www.example.org",
        "0001 0001",
        "c00c 0005 0001 0000012c 000f",
        "=x.example.net",
        "c02d 0001 0001 0000003c 0004 5db8d822",
        "c02d 001c 0001 0000003c 0010 26062800 02200001 02481893 25c81946",
    ])
}

pub(super) fn nxdomain() -> Vec<u8> {
    msg(&[
        "beef 8183 0001 0000 0001 0000",
        "=nx.example.org",
        "0001 0001",
        "c00f 0006 0001 00000384 0026",
        "+ns",
        "c00f",
        "+hostmaster",
        "c00f 78a3f175 00001c20 00000e10 00127500 0000012c",
    ])
}

pub(super) fn with_opt() -> Vec<u8> {
    let opt = "00 0029 04d0 00008000 000c 000a 0008 0102030405060708";
    msg(&[
        "1a2b 0120 0001 0000 0000 0001",
        "=example.org",
        "0001 0001",
        opt,
    ])
}

pub(super) fn assorted() -> Vec<u8> {
    msg(&[
        "0001 8580 0001 0006 0000 0000",
        "=example.org",
        "00ff 0001",
        "c00c 0002 0001 00015180 0005 026e73 c00c",
        "c00c 000f 0001 00000e10 0009 000a 046d61696c c00c",
        "c00c 0010 0001 00000e10 0010 0b763d73706631202d616c6c 03616263",
        "c00c 000c 0001 00000e10 0012",
        "=host.example.org",
        "c00c 0021 0001 00000e10 000c 0001 0005 13c4 03736970 c00c",
        "c00c 0041 0001 00000e10 000a 0001 00 0001 0003 026832",
    ])
}
