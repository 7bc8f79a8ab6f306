//! A fuzzing harness that runs on the stable toolchain: property-based mutation of
//! whole captures (every sample, every corpus file and the crafted hostile captures
//! as seeds: bit flips, byte overwrites, truncations, duplicated and dropped ranges,
//! corrupted record lengths) pushed through everything a user can reach: the
//! pcap/pcapng readers, the per-packet dissector, the TCP reassembler, HTTP,
//! WebSocket framing and permessage-deflate, Engine.IO and Socket.IO, `stats`,
//! `messages` and HAR; and random text through the display-filter parser.
//!
//! A property holds when nothing panics, every packet the reader indexed is
//! summarized, and the outputs are self-consistent. In CI each property runs a
//! bounded number of cases (`PROPTEST_CASES`, default below); to fuzz for hours:
//!
//! ```sh
//! PROPTEST_CASES=2000000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! A failing case is shrunk and its seed saved by proptest in
//! `tests/fuzz.proptest-regressions`, which is committed: every crash found stays a
//! test case.

use std::path::{Path, PathBuf};

use layerscope::capture::Capture;
use layerscope::export::{har, messages};
use layerscope::filter;
use layerscope::stats;
use layerscope::store::{PacketId, Store};
use proptest::prelude::*;

/// Cases per property when `PROPTEST_CASES` is not set: a few seconds in a debug build.
const CI_CASES: u32 = 256;

fn seeds() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["samples", "tests/corpus", "tests/hostile"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .expect("seed directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| {
                let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
                matches!(ext, "pcap" | "pcapng")
            })
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).expect("seed reads");
            // Large seeds slow every case down without finding more.
            if bytes.len() <= 256 * 1024 {
                out.push((p.file_name().unwrap().to_string_lossy().into_owned(), bytes));
            }
        }
    }
    out
}

/// One change to a capture's bytes.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(usize, u8),
    Set(usize, u8),
    /// A 32-bit little- or big-endian length field set to a hostile value.
    Length(usize, u32, bool),
    Truncate(usize),
    Duplicate(usize, usize),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(a, b)| Mutation::FlipBit(a, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, v)| Mutation::Set(a, v)),
        (
            any::<usize>(),
            prop_oneof![
                Just(0u32),
                Just(u32::MAX),
                Just(0x7fff_ffff),
                Just(65_536),
                any::<u32>()
            ],
            any::<bool>()
        )
            .prop_map(|(a, v, be)| Mutation::Length(a, v, be)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..2048).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<usize>(), 1usize..2048).prop_map(|(a, n)| Mutation::Remove(a, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let at = |a: usize| a % bytes.len();
    match *m {
        Mutation::FlipBit(a, b) => {
            let i = at(a);
            bytes[i] ^= 1 << b;
        }
        Mutation::Set(a, v) => {
            let i = at(a);
            bytes[i] = v;
        }
        Mutation::Length(a, v, be) => {
            let i = at(a).min(bytes.len().saturating_sub(4));
            let b = if be { v.to_be_bytes() } else { v.to_le_bytes() };
            for (k, x) in b.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = *x;
                }
            }
        }
        Mutation::Truncate(a) => {
            let n = at(a);
            bytes.truncate(n);
        }
        Mutation::Duplicate(a, n) => {
            let i = at(a);
            let end = (i + n).min(bytes.len());
            let copy = bytes[i..end].to_vec();
            bytes.splice(i..i, copy);
        }
        Mutation::Remove(a, n) => {
            let i = at(a);
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
    }
}

/// Everything a user can do with a capture, on `bytes`.
fn exercise(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let Ok(capture) = Capture::from_bytes(bytes) else {
        // A clear error is a fine answer to garbage.
        return Ok(());
    };
    let indexed = capture.len();
    let store = Store::build(capture);
    prop_assert_eq!(store.len(), indexed, "every indexed packet is summarized");
    for i in 0..store.len().min(2000) {
        let id = PacketId(i as u32);
        let d = store.dissect(id);
        prop_assert!(d.is_some(), "packet {} has a tree", i + 1);
        let _ = layerscope::export::text::row(&store, id);
    }
    let st = stats::from_store("fuzz", &store);
    prop_assert_eq!(st.packets, indexed as u64);
    let lines = messages::lines(&store);
    let ws_lines = lines.iter().filter(|l| l.websocket.is_some()).count() as u64;
    prop_assert!(
        ws_lines <= st.websocket.messages,
        "messages shows no message stats missed"
    );
    let mut har_out = Vec::new();
    har::write_har(&store, &mut har_out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        serde_json::from_slice::<serde_json::Value>(&har_out).is_ok(),
        "HAR is JSON"
    );
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CI_CASES)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/fuzz.proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_captures_are_read_without_panic(
        seed in any::<prop::sample::Index>(),
        muts in prop::collection::vec(mutation(), 1..8),
    ) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let (_, bytes) = &seeds[seed.index(seeds.len())];
        let mut bytes = bytes.clone();
        for m in &muts {
            apply(&mut bytes, m);
        }
        exercise(bytes)?;
    }

    #[test]
    fn any_filter_text_parses_or_says_why(text in "[ -~]{0,64}|(tcp|http|websocket|socketio|ip|frame)[.a-z_]{0,12} *(==|!=|<|>|contains|matches|in) *[ -~]{0,24}") {
        match filter::parse(&text) {
            Ok(f) => prop_assert_eq!(f.text(), text.as_str()),
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                prop_assert!(e.len >= 1);
            }
        }
    }
}
