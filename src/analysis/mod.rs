//! Stateful analysis over the whole capture, apart from per-packet decoding:
//! TCP conversations and their handshakes, reassembly, then the parsers above
//! TCP (HTTP, WebSocket, Engine.IO, Socket.IO) wired together by [`upper`].

pub mod engineio;
pub mod halves;
pub mod http;
pub mod http_tree;
pub mod json_scan;
pub(crate) mod packet_index;
pub mod realtime;
pub mod realtime_feed;
pub mod sio_info;
pub mod socketio;
pub mod socketio_spans;
pub mod tcp;
pub mod upper;
pub mod websocket;

use crate::capture::Capture;
use crate::dissect::Summary;

pub use upper::Keep;

/// The definitions of the fields the analysis adds to a packet's tree (the TCP
/// connection's session layer, HTTP).
pub fn field_defs() -> impl Iterator<Item = &'static crate::dissect::FieldDef> {
    [tcp::hf::FIELDS, http_tree::hf::FIELDS]
        .into_iter()
        .flatten()
        .copied()
}

/// Everything the analysis pass found.
#[derive(Default)]
pub struct Analysis {
    pub tcp: tcp::TcpAnalysis,
    pub upper: upper::Upper,
}

/// The state of an analysis pass that is not a result: the TCP half's (see
/// [`tcp::TcpPass`]) and the upper parsers' state per open conversation.
#[derive(Default)]
pub struct AnalysisPass {
    tcp: tcp::TcpPass<()>,
    upper: halves::UpperStates,
}

impl Analysis {
    /// An analysis with nothing in it yet, with room for `packets` packets.
    pub fn new(keep: Keep, packets: usize) -> Analysis {
        Analysis {
            tcp: tcp::TcpAnalysis::with_capacity(packets),
            upper: upper::Upper::new(keep),
        }
    }

    /// Analyse the next packet, `i` (packets go in capture order, one at a time).
    pub fn step(&mut self, pass: &mut AnalysisPass, capture: &Capture, packet: (usize, &Summary)) {
        let mut q = halves::Queue::default();
        let (mut tcp, mut upper) = self.halves(pass);
        tcp.step(capture, packet, &mut q);
        upper.apply(&mut q);
    }

    /// Make what was found so far readable (the per-packet indexes sorted) without
    /// ending the pass: records of streams still open are not in yet.
    pub fn settle(&mut self) {
        self.upper.settle();
    }

    /// End the pass: streams still open give up their holes, the indexes are
    /// sorted and each Engine.IO session's heartbeat is checked.
    pub fn finish(&mut self, pass: AnalysisPass, capture: &Capture) {
        self.finish_pass(pass);
        let found = self.health(capture);
        self.upper.realtime.set_health(found);
    }

    /// [`Analysis::finish`] but for the heartbeat check ([`Analysis::health`]), which
    /// only reads what the pass left.
    pub fn finish_pass(&mut self, mut pass: AnalysisPass) {
        let mut q = halves::Queue::default();
        std::mem::take(&mut pass.tcp).finish(&mut self.tcp, &mut q);
        self.halves(&mut pass).1.apply(&mut q);
        self.upper.finish();
    }

    /// Each Engine.IO session's heartbeat checked against its announced interval and
    /// timeout, once the pass is finished: the findings in words, by session (for
    /// `Realtime::set_health`).
    pub fn health(&self, capture: &Capture) -> Vec<(u32, Vec<String>)> {
        let ts = |p: u32| capture.record(p as usize).map_or(0, |r| r.ts_ns);
        let end = capture.packets.last().map_or(0, |r| r.ts_ns);
        self.upper.realtime.health(ts, end)
    }
}
