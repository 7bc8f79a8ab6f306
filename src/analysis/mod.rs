//! Stateful analysis over the whole capture, apart from per-packet decoding:
//! TCP conversations and their handshakes (more protocols follow: reassembly,
//! HTTP, WebSocket, Engine.IO, Socket.IO).

pub mod http;
pub mod tcp;

use crate::capture::Capture;
use crate::dissect::Summary;

/// Everything the analysis pass found.
#[derive(Default)]
pub struct Analysis {
    pub tcp: tcp::TcpAnalysis,
    pub http: http::HttpAnalysis,
}

impl Analysis {
    pub fn run(capture: &Capture, summaries: &[Summary]) -> Analysis {
        let mut http = http::HttpAnalysis::default();
        let tcp = tcp::TcpAnalysis::run(capture, summaries, &mut http);
        http.finish();
        Analysis { tcp, http }
    }
}
