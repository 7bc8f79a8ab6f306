//! Property tests: arbitrary bytes as a packet of any link type never panic,
//! every range stays inside the frame, and the tree's warnings are the
//! summary's anomalies.

use proptest::prelude::*;

use super::{columns, dissect, summarize, Field, FrameMeta};
use crate::capture::LinkType;

const LINK_TYPES: [LinkType; 11] = [
    LinkType::ETHERNET,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::NULL,
    LinkType::LOOP,
    LinkType::NFLOG,
    LinkType::RAW,
    LinkType::RAW_12,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType(147),
];

/// An Ethernet + IPv4 + TCP SYN with options, from samples/http-get.pcap packet 1.
pub(crate) const SYN: [u8; 74] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x45, 0x00,
    0x00, 0x3c, 0x0e, 0x9e, 0x40, 0x00, 0x40, 0x06, 0x2e, 0x1c, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00,
    0x00, 0x01, 0x9a, 0x7c, 0x46, 0xa0, 0xfb, 0x8b, 0x9d, 0x4f, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02,
    0xff, 0xd7, 0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a, 0x26, 0xee,
    0xae, 0x13, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
];

fn meta(link_type: LinkType, len: usize, origlen: usize) -> FrameMeta {
    FrameMeta::alone(link_type, len, origlen)
}

fn check_ranges(f: &Field, len: u32) {
    assert!(
        f.range[0] <= f.range[1] && f.range[1] <= len,
        "{} {:?} outside 0..{len}",
        f.name,
        f.range
    );
    for c in &f.children {
        check_ranges(c, len);
    }
}

fn check(link_type: LinkType, data: &[u8], origlen: usize) {
    let d = dissect(&meta(link_type, data.len(), origlen), data, None);
    assert!(!d.layers.is_empty(), "the frame layer is always there");
    for l in &d.layers {
        assert!(l.range[1] <= data.len() as u32, "{l:?}");
        for f in &l.fields {
            check_ranges(f, data.len() as u32);
        }
    }
    let (sum, _) = summarize(link_type, data, origlen as u32);
    assert_eq!(
        d.warnings.len() as u32,
        sum.warning_count(),
        "{:?}",
        d.warnings
    );
    // The payload the summary points at is the one slicing finds.
    if let Some(p) = sum.tcp_payload(data) {
        assert_eq!(p, super::tcp_payload(link_type, data));
    }
    // Columns without the TCP line (the caller has one from above TCP) differ from the
    // whole ones only in that line.
    let whole = columns(link_type, data, origlen as u32, None, true);
    let lean = columns(link_type, data, origlen as u32, None, false);
    assert_eq!((&whole.src, &whole.dst), (&lean.src, &lean.dst));
    assert_eq!(whole.protocol, lean.protocol);
    if whole.protocol != "TCP" {
        assert_eq!(whole.info, lean.info);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(lt in 0..LINK_TYPES.len(), data in proptest::collection::vec(any::<u8>(), 0..200), extra in 0usize..100) {
        check(LINK_TYPES[lt], &data, data.len() + extra);
    }

    #[test]
    fn mutated_syn_never_panics(flips in proptest::collection::vec((0usize..74, any::<u8>()), 1..8), cut in 0usize..=74) {
        let mut f = SYN;
        for (i, b) in flips {
            f[i] = b;
        }
        check(LinkType::ETHERNET, &f[..cut], 74);
    }
}

#[test]
fn syn_cut_at_every_length_keeps_the_layers_before_the_cut() {
    for cut in 0..=SYN.len() {
        let d = dissect(&meta(LinkType::ETHERNET, cut, 74), &SYN[..cut], None);
        let has = |p: &str| d.layer(p).is_some();
        assert_eq!(has("eth"), cut >= 14, "cut {cut}");
        assert_eq!(has("ip"), cut >= 34, "cut {cut}");
        assert_eq!(has("tcp"), cut >= 54, "cut {cut}");
        if cut < 74 {
            assert!(d.stop.is_some(), "cut {cut} must say where it stopped");
            assert!(
                d.warnings.iter().any(|w| w.message.contains("snaplen")),
                "cut {cut}"
            );
        } else {
            assert!(
                d.stop.is_none() && d.warnings.is_empty(),
                "{:?} {:?}",
                d.stop,
                d.warnings
            );
        }
    }
}

#[test]
fn syn_fields_have_wireshark_names_values_and_ranges() {
    let d = dissect(&meta(LinkType::ETHERNET, 74, 74), &SYN, None);
    let f = |n: &str| d.field(n).unwrap_or_else(|| panic!("{n} missing"));
    assert_eq!(f("eth.type").shown(), "IPv4 (0x0800)");
    assert_eq!(f("ip.src").shown(), "127.0.0.1");
    assert_eq!(f("ip.src").range, [26, 30]);
    assert_eq!(f("ip.checksum").shown(), "0x2e1c [correct]");
    assert_eq!(f("ip.flags.df").shown(), "Set");
    assert_eq!(f("tcp.srcport").shown(), "39548");
    assert_eq!(f("tcp.dstport").shown(), "18080");
    assert_eq!(f("tcp.flags.syn").shown(), "Set");
    assert_eq!(f("tcp.flags.ack").shown(), "Not set");
    assert_eq!(f("tcp.options.mss_val").shown(), "65495");
    assert_eq!(f("tcp.options.mss").range, [54, 58]);
    assert_eq!(f("tcp.options.timestamp.tsecr").shown(), "0");
    assert_eq!(f("tcp.options.wscale.multiplier").shown(), "1024");
    assert!(d.field("tcp.options.sack_perm").is_some());
    let (sum, _) = summarize(LinkType::ETHERNET, &SYN, 74);
    assert_eq!(
        sum.tcp_payload(&SYN),
        None,
        "a SYN without data has no payload"
    );
    let osis: Vec<u8> = d.layers.iter().map(|l| l.osi.number()).collect();
    assert_eq!(osis, vec![1, 2, 3, 4]);
}

#[test]
fn bad_checksum_and_syn_fin_are_warnings_not_errors() {
    let mut f = SYN;
    f[25] ^= 0xff; // IPv4 checksum
    f[47] |= 0x01; // FIN with SYN
    let d = dissect(&meta(LinkType::ETHERNET, 74, 74), &f, None);
    assert!(d.layer("tcp").is_some());
    let msgs: Vec<&str> = d.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("checksum") && m.contains("incorrect")),
        "{msgs:?}"
    );
    assert!(msgs.iter().any(|m| m.contains("SYN and FIN")), "{msgs:?}");
    assert_eq!(summarize(LinkType::ETHERNET, &f, 74).0.warning_count(), 2);
}

#[test]
fn unknown_ethertype_and_link_type_stop_with_a_reason() {
    let mut f = SYN;
    f[12] = 0x88;
    f[13] = 0xcc;
    let d = dissect(&meta(LinkType::ETHERNET, 74, 74), &f, None);
    assert_eq!(
        d.stop.as_ref().unwrap().reason,
        "EtherType 0x88cc is not decoded"
    );
    assert!(d.layer("data").is_some());
    let d = dissect(&meta(LinkType(147), 74, 74), &SYN, None);
    assert!(d
        .stop
        .as_ref()
        .unwrap()
        .reason
        .contains("link type 147 is not decoded"));
    assert_eq!(d.layer("data").unwrap().range, [0, 74]);
}
