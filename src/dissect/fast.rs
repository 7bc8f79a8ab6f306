//! The summary of the common packet read straight from its bytes: an Ethernet II frame
//! carrying IPv4 (not fragmented) or IPv6 (no extension header), carrying a whole TCP
//! header, every length consistent and all of it captured, not on a DNS port. That is
//! nearly every packet of a WebSocket capture, and summarizing is what every load does
//! for every packet first.
//!
//! Written by hand because etherparse's lax slicer, which the rest of `dissect` uses and
//! which this must agree with, builds and copies a structure of some hundred bytes per
//! packet for all it can describe: slicing was 19% of `stats` on the reference workload.
//! Anything else (VLAN tags, IP options are fine but not AH, fragments, cut or
//! inconsistent lengths, other protocols) returns `None` and goes etherparse's way.
//! A test compares both on every packet of every sample and corpus file, and on
//! mutations of such frames.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::net::internet_checksum;
use super::slice::{is_dns_port, offset_in, TcpBytes};
use super::summary::{anomaly, bad_tcp_flags, Endpoints, Proto, Summary};
use crate::capture::LinkType;

const ETHERNET_LEN: usize = 14;
const TCP: u8 = 6;

/// [`super::summarize`] of the common packet, or `None` to go etherparse's way.
pub(super) fn summarize(
    link_type: LinkType,
    data: &[u8],
    origlen: u32,
) -> Option<(Summary, Option<Endpoints>)> {
    if link_type != LinkType::ETHERNET {
        return None;
    }
    let ether_type = u16::from_be_bytes([*data.get(12)?, *data.get(13)?]);
    let ip = data.get(ETHERNET_LEN..)?;
    let (net, src, dst, transport, checksum_bad) = match ether_type {
        0x0800 => {
            let &[version_ihl, _, l0, l1, _, _, f0, f1, ..] = ip else {
                return None;
            };
            let header_len = usize::from(version_ihl & 0x0f) * 4;
            let total_len = usize::from(u16::from_be_bytes([l0, l1]));
            let more_fragments = f0 & 0x20 != 0;
            let offset = u16::from_be_bytes([f0 & 0x1f, f1]);
            if version_ihl >> 4 != 4
                || header_len < 20
                || total_len < header_len
                || total_len > ip.len()
                || more_fragments
                || offset != 0
                || ip[9] != TCP
            {
                return None;
            }
            let header = &ip[..header_len];
            let checksum = u16::from_be_bytes([ip[10], ip[11]]);
            let bad = checksum != 0 && internet_checksum(header) != 0;
            let addr = |at: usize| {
                let b: [u8; 4] = ip[at..at + 4].try_into().unwrap_or_default();
                IpAddr::V4(Ipv4Addr::from(b))
            };
            (
                Proto::Ipv4,
                addr(12),
                addr(16),
                &ip[header_len..total_len],
                bad,
            )
        }
        0x86dd => {
            let header = ip.get(..40)?;
            let payload_len = usize::from(u16::from_be_bytes([header[4], header[5]]));
            if header[0] >> 4 != 6
                || header[6] != TCP
                || payload_len == 0
                || 40 + payload_len > ip.len()
            {
                return None;
            }
            let addr = |at: usize| {
                let b: [u8; 16] = header[at..at + 16].try_into().unwrap_or_default();
                IpAddr::V6(Ipv6Addr::from(b))
            };
            (
                Proto::Ipv6,
                addr(8),
                addr(24),
                &ip[40..40 + payload_len],
                false,
            )
        }
        _ => return None,
    };
    let tcp_len = usize::from(*transport.get(12)? >> 4) * 4;
    if tcp_len < 20 || tcp_len > transport.len() {
        return None;
    }
    let t = TcpBytes {
        header: &transport[..tcp_len],
        payload: &transport[tcp_len..],
        cut_at: None,
        wire_len: transport.len() - tcp_len,
    };
    if is_dns_port(t.sport()) || is_dns_port(t.dport()) {
        return None;
    }
    let mut sum = Summary {
        flow: Summary::NO_FLOW,
        top: Proto::Tcp,
        tcp_flags: t.flags(),
        seq: t.seq(),
        ack: t.ack(),
        payload_len: t.wire_len as u32,
        ..Summary::default()
    };
    for p in [Proto::Frame, Proto::Eth, net, Proto::Tcp] {
        sum.protos.insert(p);
    }
    if (data.len() as u64) < u64::from(origlen) {
        sum.anomalies |= anomaly::SNAPLEN_TRUNCATED;
    }
    if checksum_bad {
        sum.anomalies |= anomaly::BAD_IPV4_CHECKSUM;
    }
    if bad_tcp_flags(sum.tcp_flags) {
        sum.anomalies |= anomaly::TCP_BAD_FLAGS;
    }
    if !t.payload.is_empty() {
        sum.payload_off = u16::try_from(offset_in(data, t.payload)).unwrap_or(0);
    }
    let ep = Endpoints {
        proto: TCP,
        src,
        dst,
        sport: t.sport(),
        dport: t.dport(),
    };
    Some((sum, Some(ep)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::summary::from_sliced;
    use proptest::prelude::*;

    /// etherparse's way, as `dissect::summarize` went before this path.
    fn sliced(link_type: LinkType, data: &[u8], origlen: u32) -> (Summary, Option<Endpoints>) {
        from_sliced(
            &crate::dissect::slice::slice(link_type, data),
            origlen,
            data,
        )
    }

    fn same(link_type: LinkType, data: &[u8], origlen: u32) -> bool {
        let Some(fast) = summarize(link_type, data, origlen) else {
            return false;
        };
        assert_eq!(
            format!("{fast:?}"),
            format!("{:?}", sliced(link_type, data, origlen)),
            "{data:02x?}"
        );
        true
    }

    /// On every packet of every sample and corpus file, the summary read here is
    /// etherparse's; and most TCP packets are read here.
    #[test]
    fn every_sample_packet_summarizes_as_etherparse_slices_it() {
        let (mut fast, mut tcp) = (0, 0);
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let Ok(cap) = crate::capture::Capture::open(&path) else {
                continue;
            };
            for i in 0..cap.len() {
                let (data, lt) = (cap.data(i), cap.link_type(i));
                let origlen = cap.record(i).map_or(0, |r| r.origlen);
                fast += usize::from(same(lt, data, origlen));
                tcp += usize::from(sliced(lt, data, origlen).0.protos.contains(Proto::Tcp));
            }
        }
        assert!(fast * 10 > tcp * 8, "{fast} of {tcp} TCP packets read here");
    }

    /// An Ethernet II frame with IPv4 (with options when `ihl` > 5) or IPv6, and TCP.
    fn frame(v6: bool, ihl: u8, payload: usize) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        let tcp_len = 32;
        if v6 {
            f.extend([0x86, 0xdd, 0x60, 0, 0, 0]);
            f.extend(((tcp_len + payload) as u16).to_be_bytes());
            f.extend([TCP, 64]);
            f.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[1]));
            f.extend([0x20, 0x01, 0x0d, 0xb8].iter().chain(&[0; 11]).chain(&[2]));
        } else {
            let hl = usize::from(ihl) * 4;
            f.extend([0x08, 0x00, 0x40 | ihl, 0]);
            f.extend(((hl + tcp_len + payload) as u16).to_be_bytes());
            f.extend([
                0x12, 0x34, 0x40, 0, 64, TCP, 0, 0, 10, 0, 0, 1, 192, 168, 1, 2,
            ]);
            f.extend(std::iter::repeat_n(1u8, hl - 20));
            let sum = internet_checksum(&f[14..14 + hl]);
            f[24..26].copy_from_slice(&sum.to_be_bytes());
        }
        f.extend([
            0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 2, 0x80, 0x18, 0x01, 0xf6,
        ]);
        f.extend([0, 0, 0, 0, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]);
        f.extend((0..payload).map(|i| i as u8));
        f
    }

    #[test]
    fn plain_frames_are_read_here() {
        for v6 in [false, true] {
            for payload in [0, 1, 100] {
                assert!(same(LinkType::ETHERNET, &frame(v6, 5, payload), 0));
            }
        }
        assert!(same(LinkType::ETHERNET, &frame(false, 7, 10), 0));
        let mut padded = frame(false, 5, 0);
        padded.extend([0; 6]);
        assert!(same(LinkType::ETHERNET, &padded, 0));
        let plain = summarize(LinkType::ETHERNET, &frame(false, 5, 0), 0).expect("read here");
        assert_eq!(plain.0.anomalies, 0, "a correct checksum");
        // A fragment (more to come, or at an offset) goes etherparse's way.
        for (at, b) in [(20, 0x20), (21, 1)] {
            let mut f = frame(false, 5, 8);
            f[at] = b;
            assert!(summarize(LinkType::ETHERNET, &f, 0).is_none(), "{at}");
            let slow = sliced(LinkType::ETHERNET, &f, 0).0;
            assert_ne!(slow.anomalies & anomaly::IP_FRAGMENT, 0);
        }
    }

    proptest! {
        /// Any byte of such a frame changed, and the frame cut or padded anywhere: what is
        /// read here (when it is) is etherparse's summary.
        #[test]
        fn mutated_frames_summarize_as_etherparse_slices_them(
            v6 in any::<bool>(),
            ihl in 5u8..8,
            payload in 0usize..64,
            changes in proptest::collection::vec(
                (0usize..100, prop_oneof![any::<u8>(), 0u8..3, Just(0x20), Just(0x45), Just(0x60)]),
                0..4,
            ),
            keep in 0usize..200,
            origlen in 0u32..200,
        ) {
            let mut f = frame(v6, ihl, payload);
            for (at, b) in changes {
                if let Some(x) = f.get_mut(at) {
                    *x = b;
                }
            }
            f.resize(keep, 0);
            same(LinkType::ETHERNET, &f, origlen);
        }
    }
}
