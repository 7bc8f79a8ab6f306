//! NDJSON output of `inspect --json`: one object per packet. The schema is
//! documented in README.md ("JSON schema") and versioned by [`PACKET_SCHEMA`].

use serde::Serialize;

use crate::dissect::{Dissection, Layer, Stop, Warning};
use crate::store::{PacketId, Store};

/// Version of the per-packet JSON object.
pub const PACKET_SCHEMA: u32 = 3;

#[derive(Serialize)]
pub struct PacketJson<'a> {
    pub schema: u32,
    pub number: u64,
    pub ts_ns: i64,
    /// Nanoseconds since the first packet.
    pub rel_ns: i64,
    pub caplen: u32,
    pub origlen: u32,
    pub interface: u32,
    pub link_type: &'static str,
    pub src: String,
    pub dst: String,
    pub protocol: &'static str,
    pub info: String,
    pub layers: &'a [Layer],
    pub stop: &'a Option<Stop>,
    pub warnings: &'a [Warning],
    /// Buffers that fields with `src: {"derived": i}` point into.
    pub derived: &'a [crate::dissect::Derived],
}

/// One packet as a JSON line (without the trailing newline).
pub fn packet_line(store: &Store, id: PacketId, d: &Dissection) -> String {
    let c = store.columns(id);
    let iface = store.capture.record(id.index()).map_or(0, |r| r.iface());
    let obj = PacketJson {
        schema: PACKET_SCHEMA,
        number: d.number,
        ts_ns: d.ts_ns,
        rel_ns: store.relative_ns(id),
        caplen: d.caplen,
        origlen: d.origlen,
        interface: iface,
        link_type: store.capture.link_type(id.index()).name(),
        src: c.src,
        dst: c.dst,
        protocol: c.protocol,
        info: c.info,
        layers: &d.layers,
        stop: &d.stop,
        warnings: &d.warnings,
        derived: &d.derived,
    };
    serde_json::to_string(&obj).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
