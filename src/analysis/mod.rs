//! Stateful analysis over the whole capture, apart from per-packet decoding:
//! TCP conversations and their handshakes, reassembly, then the parsers above
//! TCP (HTTP, WebSocket, Engine.IO, Socket.IO) wired together by [`upper`].

pub mod engineio;
pub mod http;
pub mod realtime;
pub mod socketio;
pub mod tcp;
pub mod upper;
pub mod websocket;

use crate::capture::Capture;
use crate::dissect::Summary;

pub use upper::Keep;

/// Everything the analysis pass found.
#[derive(Default)]
pub struct Analysis {
    pub tcp: tcp::TcpAnalysis,
    pub upper: upper::Upper,
}

impl Analysis {
    pub fn run(capture: &Capture, summaries: &[Summary]) -> Analysis {
        Self::run_keeping(capture, summaries, Keep::Records)
    }

    /// Run every parser; `keep` says whether records are stored or only counted.
    pub fn run_keeping(capture: &Capture, summaries: &[Summary], keep: Keep) -> Analysis {
        let mut upper = upper::Upper::new(keep);
        let tcp = tcp::TcpAnalysis::run(capture, summaries, &mut upper);
        upper.finish();
        let ts = |p: u32| capture.record(p as usize).map_or(0, |r| r.ts_ns);
        let end = capture.packets.last().map_or(0, |r| r.ts_ns);
        upper.realtime.check_health(ts, end);
        Analysis { tcp, upper }
    }
}
