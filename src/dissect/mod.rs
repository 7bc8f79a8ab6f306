//! Per-packet, stateless decoding.
//!
//! Two products come out of the same slicing step ([`slice::slice`]):
//! - a compact [`Summary`] for every packet (the hot path: no allocation);
//! - a [`Dissection`], the full field tree of one packet, built on demand when
//!   a packet is printed, selected or exported.
//!
//! Decoding is lax: any byte sequence yields the layers that decoded, a
//! structured [`Stop`] saying where and why decoding ended early, and
//! [`Warning`]s for anomalies. Nothing here returns `Err` or panics.

mod dns;
mod fast;
pub mod fmt;
mod info;
mod link;
mod net;
mod osi;
#[cfg(test)]
pub(crate) mod proptests;
pub mod slice;
mod summary;
mod transport;
mod tree;
mod value;

pub use info::{tcp_flags_str, Columns, TcpRel};
pub(crate) use link::hf as frame_hf;
pub use osi::Osi;
pub use summary::{anomaly, tcp_flags, Endpoints, Proto, ProtoSet, Summary};
pub use tree::{Derived, Dissection, Field, Layer, Range, Src, Stop, Warning};
pub(crate) use value::fields;
pub use value::{FieldDef, Kind, Show, Value};

use crate::capture::{LinkType, PacketRecord};

/// What the dissector needs to know about the frame besides its bytes.
#[derive(Clone, Copy, Debug)]
pub struct FrameMeta {
    /// 1-based packet number, as shown to users.
    pub number: u64,
    pub ts_ns: i64,
    /// Timestamp of the first packet, for the relative time.
    pub first_ts_ns: i64,
    /// Timestamp of the packet before (this one's for the first), for `frame.time_delta`.
    pub prev_ts_ns: i64,
    pub caplen: u32,
    pub origlen: u32,
    pub iface: u32,
    pub link_type: LinkType,
    /// The captured length the record claimed, when the end of the file cut the packet
    /// short (`caplen` is then the bytes that are there); see [`crate::capture::CutPacket`].
    pub cut_from: Option<u32>,
}

impl FrameMeta {
    pub fn new(number: u64, rec: &PacketRecord, first_ts_ns: i64, link_type: LinkType) -> Self {
        FrameMeta {
            number,
            ts_ns: rec.ts_ns,
            first_ts_ns,
            prev_ts_ns: rec.ts_ns,
            caplen: rec.caplen,
            origlen: rec.origlen,
            iface: rec.iface(),
            link_type,
            cut_from: None,
        }
    }

    /// The same frame, after a packet captured at `prev_ts_ns` (if `Some`).
    pub fn after(self, prev_ts_ns: Option<i64>) -> Self {
        FrameMeta {
            prev_ts_ns: prev_ts_ns.unwrap_or(self.prev_ts_ns),
            ..self
        }
    }

    /// Packet 1 of `link_type` alone at time 0, `caplen` bytes captured of `origlen`
    /// (for tests that dissect a frame made by hand).
    #[cfg(test)]
    pub(crate) fn alone(link_type: LinkType, caplen: usize, origlen: usize) -> Self {
        FrameMeta {
            number: 1,
            ts_ns: 0,
            first_ts_ns: 0,
            prev_ts_ns: 0,
            caplen: caplen as u32,
            origlen: origlen as u32,
            iface: 0,
            link_type,
            cut_from: None,
        }
    }

    /// The same frame, cut by the end of the file from `claimed` captured bytes (if `Some`).
    pub fn cut_from(self, claimed: Option<u32>) -> Self {
        FrameMeta {
            cut_from: claimed,
            ..self
        }
    }
}

/// The definitions of every field and protocol the per-packet dissector emits.
pub fn field_defs() -> impl Iterator<Item = &'static FieldDef> {
    [
        link::hf::FIELDS,
        net::hf::FIELDS,
        transport::hf::FIELDS,
        dns::hf::FIELDS,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// Decode one packet into its full field tree.
///
/// `tcp` carries the relative sequence bases known from the flow table, so
/// sequence numbers can be shown relative as Wireshark does.
pub fn dissect(meta: &FrameMeta, data: &[u8], tcp: Option<TcpRel>) -> Dissection {
    let sliced = slice::slice(meta.link_type, data);
    tree::build(meta, data, &sliced, tcp)
}

/// Decode the compact summary of one packet and its flow key (no allocation).
/// `origlen` is the length on the wire, to notice snaplen truncation.
pub fn summarize(link_type: LinkType, data: &[u8], origlen: u32) -> (Summary, Option<Endpoints>) {
    if let Some(s) = fast::summarize(link_type, data, origlen) {
        return s;
    }
    let sliced = slice::slice(link_type, data);
    summary::from_sliced(&sliced, origlen, data)
}

/// The options a TCP SYN or SYN-ACK offers for the connection (RFC 9293, RFC 7323, RFC 2018).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TcpOptionsOffered {
    pub mss: Option<u16>,
    /// Window-scale shift (capped at 14 as RFC 7323 says).
    pub window_scale: Option<u8>,
    pub sack_permitted: bool,
    pub timestamps: bool,
}

/// The options of a TCP segment, if the packet has a TCP header.
pub fn tcp_options_offered(link_type: LinkType, data: &[u8]) -> Option<TcpOptionsOffered> {
    use etherparse::TcpOptionElement as E;
    let tcp = slice::slice(link_type, data).tcp?;
    let mut o = TcpOptionsOffered::default();
    for e in etherparse::TcpOptionsIterator::from_slice(tcp.options()).flatten() {
        match e {
            E::MaximumSegmentSize(v) => o.mss = Some(v),
            E::WindowScale(s) => o.window_scale = Some(s.min(14)),
            E::SelectiveAcknowledgementPermitted => o.sack_permitted = true,
            E::Timestamp(..) => o.timestamps = true,
            E::Noop | E::SelectiveAcknowledgement(..) => {}
        }
    }
    Some(o)
}

/// Where a packet's IP packet and its TCP or UDP segment lie in its captured bytes, found
/// by slicing it again (no tree): what a display filter's summary tier reads the bytes of
/// `ip`, `ipv6`, `tcp` and `udp` from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spans {
    /// The (outer) IPv4 or IPv6 packet: from its header to where its length field ends
    /// it, within the captured bytes.
    pub ip: Option<[usize; 2]>,
    /// Where the TCP or UDP header starts (the segment ends with the IP packet).
    pub transport: Option<usize>,
}

/// The [`Spans`] of a packet.
pub fn spans(link_type: LinkType, data: &[u8]) -> Spans {
    use etherparse::{LaxNetSlice, TransportSlice};
    let sliced = slice::slice(link_type, data);
    let Some(p) = sliced.packet.as_ref() else {
        return Spans::default();
    };
    let at = |part: &[u8]| slice::offset_in(data, part);
    let start = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => at(v4.header().slice()),
        Some(LaxNetSlice::Ipv6(v6)) => at(v6.header().slice()),
        _ => return Spans::default(),
    };
    let ip = p
        .ip_payload()
        .map(|pl| [start, at(pl.payload) + pl.payload.len()]);
    let transport = match &p.transport {
        Some(TransportSlice::Tcp(t)) => Some(at(t.header_slice())),
        Some(TransportSlice::Udp(u)) => Some(at(u.header_slice())),
        _ => None,
    };
    Spans { ip, transport }
}

/// The captured TCP payload of a packet (empty if it has none).
pub fn tcp_payload(link_type: LinkType, data: &[u8]) -> &[u8] {
    slice::slice(link_type, data).tcp.map_or(&[], |t| t.payload)
}

/// The columns of the one-line packet list (source, destination, protocol, info).
/// `origlen` (the length on the wire) tells a cut made by the capture's snaplen from a
/// malformed packet. `tcp_info`: false when the caller replaces a TCP segment's info
/// with a line from above TCP, which saves formatting it.
pub fn columns(
    link_type: LinkType,
    data: &[u8],
    origlen: u32,
    tcp: Option<TcpRel>,
    tcp_info: bool,
) -> Columns {
    let sliced = slice::slice(link_type, data);
    let snaplen_cut = (data.len() as u64) < u64::from(origlen);
    info::columns(&sliced, snaplen_cut, tcp, tcp_info)
}
