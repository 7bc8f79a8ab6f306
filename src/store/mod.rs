//! The store: a capture's index plus one compact [`Summary`] per packet and a
//! flow table. Built in one pass over the file; everything else (columns,
//! field trees) is derived from it on demand.

mod flows;

use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

pub use flows::{Flow, FlowTable};

use crate::capture::Capture;
use crate::dissect::{self, Columns, Dissection, FrameMeta, Summary, TcpRel};

/// A packet's position in the capture (0-based; users see `index + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PacketId(pub u32);

impl PacketId {
    /// The number shown to people (1-based).
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A flow's position in the [`FlowTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FlowId(pub u32);

/// An indexed and summarized capture.
pub struct Store {
    pub capture: Capture,
    pub summaries: Vec<Summary>,
    pub flows: FlowTable,
    first_ts_ns: i64,
}

impl Store {
    /// Summarize every packet of `capture`.
    pub fn build(capture: Capture) -> Store {
        Self::build_with(capture, &AtomicBool::new(false), |_, _| {})
    }

    /// Summarize with progress reports (`done`, `total`) every 64 Ki packets; stops early,
    /// keeping what was summarized, when `cancel` is set.
    pub fn build_with(
        capture: Capture,
        cancel: &AtomicBool,
        mut progress: impl FnMut(usize, usize),
    ) -> Store {
        let total = capture.len();
        let mut summaries = Vec::with_capacity(total);
        let mut flows = FlowTable::default();
        for i in 0..total {
            if i % 65_536 == 0 {
                if cancel.load(Ordering::Relaxed) {
                    break;
                }
                progress(i, total);
            }
            let data = capture.data(i);
            let origlen = capture.record(i).map_or(0, |r| r.origlen);
            let (mut sum, ep) = dissect::summarize(capture.link_type(i), data, origlen);
            if let Some(ep) = ep {
                flows.assign(&mut sum, &ep, i as u32);
            }
            summaries.push(sum);
        }
        progress(summaries.len(), total);
        let first_ts_ns = capture.packets.first().map_or(0, |r| r.ts_ns);
        Store {
            capture,
            summaries,
            flows,
            first_ts_ns,
        }
    }

    pub fn len(&self) -> usize {
        self.summaries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.summaries.is_empty()
    }

    pub fn first_ts_ns(&self) -> i64 {
        self.first_ts_ns
    }

    pub fn summary(&self, id: PacketId) -> Option<&Summary> {
        self.summaries.get(id.index())
    }

    /// What the dissector needs to know about packet `id` besides its bytes.
    pub fn meta(&self, id: PacketId) -> Option<FrameMeta> {
        let rec = self.capture.record(id.index())?;
        Some(FrameMeta::new(
            id.number(),
            rec,
            self.first_ts_ns,
            self.capture.link_type(id.index()),
        ))
    }

    /// Relative sequence bases for a TCP packet.
    pub fn tcp_rel(&self, id: PacketId) -> Option<TcpRel> {
        let s = self.summary(id)?;
        if !s.protos.contains(dissect::Proto::Tcp) {
            return None;
        }
        let f = self.flows.get(FlowId(s.flow))?;
        let d = usize::from(s.dir & 1);
        Some(TcpRel {
            seq_base: f.isn[d]?,
            ack_base: f.isn[1 - d],
        })
    }

    /// The full field tree of one packet.
    pub fn dissect(&self, id: PacketId) -> Option<Dissection> {
        let meta = self.meta(id)?;
        Some(dissect::dissect(
            &meta,
            self.capture.data(id.index()),
            self.tcp_rel(id),
        ))
    }

    /// The text columns of one packet.
    pub fn columns(&self, id: PacketId) -> Columns {
        let i = id.index();
        dissect::columns(
            self.capture.link_type(i),
            self.capture.data(i),
            self.tcp_rel(id),
        )
    }

    /// Seconds since the first packet.
    pub fn relative_ns(&self, id: PacketId) -> i64 {
        self.capture
            .record(id.index())
            .map_or(0, |r| r.ts_ns - self.first_ts_ns)
    }

    /// Heap bytes held per packet by the index, the summaries and the flow table.
    pub fn heap_bytes(&self) -> usize {
        self.capture.packets.capacity() * std::mem::size_of::<crate::capture::PacketRecord>()
            + self.summaries.capacity() * std::mem::size_of::<Summary>()
            + self.flows.heap_bytes()
    }
}
