//! `layerscope states FILE [--stream N]`: both endpoints' TCP states through each
//! conversation (RFC 9293 §3.3.2), one line per transition.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use super::{load, outcome, CliError, Outcome};
use crate::story::tcp_states::{timeline, Endpoint, How, StateTimeline};

#[derive(clap::Args, Debug)]
pub struct StatesArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    pub file: PathBuf,
    /// Only this TCP conversation (`tcp.stream` in filters; `inspect -V` shows it).
    #[arg(long, value_name = "N")]
    pub stream: Option<u32>,
}

/// What `seen` and `inferred` mean, printed once above the timelines.
const LEGEND: &str = "TCP states as RFC 9293 §3.3.2 draws them.
  seen:     the endpoint's own segment is in the capture
  inferred: on receipt of a segment (assumed to arrive as it was captured), before
            the capture, or on a timer: no packet shows it";

pub(super) fn states(a: &StatesArgs) -> Result<Outcome, CliError> {
    let store = load(&a.file)?;
    let n = store.analysis.tcp.conversations.len() as u32;
    let streams = match a.stream {
        Some(s) if s < n => s..s + 1,
        Some(s) => {
            let has = match n {
                0 => "it has no TCP conversation".to_string(),
                1 => "it has one: 0".to_string(),
                n => format!("it has {n}: 0 to {}", n - 1),
            };
            return Err(CliError::Usage(format!(
                "no TCP stream {s} in {}; {has}",
                a.file.display()
            )));
        }
        None => 0..n,
    };
    let mut out = BufWriter::new(io::stdout().lock());
    if n == 0 {
        writeln!(out, "No TCP conversation in {}.", a.file.display())?;
    } else {
        writeln!(out, "{LEGEND}")?;
    }
    for c in streams {
        writeln!(out)?;
        write_timeline(&mut out, &timeline(&store, c))?;
    }
    out.flush()?;
    Ok(outcome(&store))
}

fn how(h: How) -> &'static str {
    match h {
        How::Seen => "seen",
        How::Inferred => "inferred",
    }
}

/// `TCP stream 0: client 127.0.0.1:46234, server 127.0.0.1:18300`, where each
/// starts, then one line per transition.
fn write_timeline(out: &mut impl Write, t: &StateTimeline) -> io::Result<()> {
    writeln!(
        out,
        "TCP stream {}: client {}, server {}",
        t.conversation, t.client, t.server
    )?;
    for e in Endpoint::BOTH {
        let (state, h) = t.start[e.index()];
        writeln!(
            out,
            "  {:<6} {:<6} {:<8} {:<29} {}",
            "start",
            e.name(),
            how(h),
            state.name(),
            t.start_text(e)
        )?;
    }
    for tr in &t.transitions {
        let at = tr
            .packet
            .map_or("later".into(), |p| format!("#{}", p.number()));
        let change = format!("{} → {}", tr.from.name(), tr.to.name());
        writeln!(
            out,
            "  {at:<6} {:<6} {:<8} {change:<29} {}",
            tr.endpoint.name(),
            how(tr.how),
            tr.event.text()
        )?;
    }
    Ok(())
}
