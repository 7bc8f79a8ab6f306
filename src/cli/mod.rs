//! The command line: `inspect`, `stats`, `messages`, `explain`, ..., driving the same library as the tests.
//!
//! Exit codes: 0 all read; 1 the file is damaged but what came before the
//! damage was read and printed; 2 usage error or the file cannot be opened.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

mod capture;
mod explain;
mod handout;
mod rows;
mod states;
mod stdin;

use crate::analysis::Keep;
use crate::capture::{Capture, OpenError};
use crate::export::{json, text};
use crate::filter::{self, Filter, FilterError};
use crate::stats;
use crate::store::{PacketId, Store, Threads};

#[derive(Parser, Debug)]
#[command(
    name = "layerscope",
    version,
    about = "See network protocols at work: decode pcap/pcapng captures layer by layer across the OSI model",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A capture to open in the window (pcap or pcapng).
    pub file: Option<PathBuf>,
    /// Open the window ready to capture on this interface (as `wireshark -i lo`).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,
    /// Capture filter for `-i` (BPF syntax).
    #[arg(short = 'f', value_name = "BPF", requires = "interface")]
    pub capture_filter: Option<String>,
    /// Start capturing at once (with `-i`).
    #[arg(short = 'k', requires = "interface")]
    pub start: bool,
    /// Open the window on a lesson at its first step: a bundled lesson's name
    /// (`layerscope lessons` lists them) or a lesson file.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["file", "interface"])]
    pub lesson: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print one line per packet like tshark, or every layer of every packet.
    Inspect(InspectArgs),
    /// Count packets, bytes, link types, protocols and TCP handshake segments.
    Stats(StatsArgs),
    /// The message-level view: one line per HTTP message, WebSocket message,
    /// Engine.IO and Socket.IO packet, in time order.
    Messages(MessagesArgs),
    /// Both endpoints' TCP states (RFC 9293) through each conversation: every
    /// transition, the packet that caused it, and whether the capture shows it.
    States(states::StatesArgs),
    /// A page for students about one conversation: its ladder as an image, each packet's
    /// story and the key fields explained (HTML, or Markdown with `-o FILE.md`); `--svg`
    /// writes the ladder alone.
    Handout(handout::HandoutArgs),
    /// List the interfaces live capture can use (like `tshark -D`), loopback first.
    Interfaces(capture::InterfacesArgs),
    /// Capture live through the capture helper: print each packet as it arrives, or write
    /// pcapng with `-w FILE` (`-w -`: standard output).
    Capture(capture::CaptureArgs),
    /// Explain a field or protocol name in plain words: what it is, why it is there, what
    /// a usual value means and the standard that defines it (`--list`: every name).
    Explain(explain::ExplainArgs),
    /// List the bundled lessons, one a line: name and title (`layerscope --lesson NAME`
    /// opens one).
    Lessons,
}

#[derive(clap::Args, Debug)]
pub struct MessagesArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    pub file: PathBuf,
    /// One JSON object per message (NDJSON; schema in README.md).
    #[arg(long, conflicts_with = "har")]
    pub json: bool,
    /// Write HAR 1.2 (HTTP entries, WebSocket messages in `_webSocketMessages`).
    #[arg(long)]
    pub har: bool,
}

#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    pub file: PathBuf,
    /// Print the full field tree of each packet, grouped by OSI layer, with byte ranges.
    #[arg(short = 'V', long)]
    pub verbose: bool,
    /// Print one JSON object per packet (NDJSON; schema in README.md).
    #[arg(long, conflicts_with = "verbose")]
    pub json: bool,
    /// After each packet, work out step by step what a receiver computes from it: TCP
    /// sequence and acknowledgment numbers, the WebSocket Accept, unmasking, inflating,
    /// Engine.IO and Socket.IO packets taken apart.
    #[arg(long, conflicts_with = "json")]
    pub worked: bool,
    /// Stop after this many packets (counting only those the filter lets through).
    #[arg(short = 'c', long, value_name = "N")]
    pub count: Option<usize>,
    /// Print only the packets that match this display filter (Wireshark syntax,
    /// e.g. `tcp.port == 80 && http`).
    #[arg(short = 'Y', long = "display-filter", value_name = "FILTER")]
    pub filter: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// Capture file (pcap or pcapng); `-` reads standard input.
    pub file: PathBuf,
    /// Print one JSON object (schema in README.md) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Parse the arguments and run; the process exits with the returned code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Inspect(a)) => finish(inspect(&a)),
        Some(Command::Stats(a)) => finish(stats_cmd(&a)),
        Some(Command::Messages(a)) => finish(messages_cmd(&a)),
        Some(Command::States(a)) => finish(states::states(&a)),
        Some(Command::Handout(a)) => finish(handout::handout(&a)),
        Some(Command::Interfaces(a)) => capture::interfaces(&a),
        Some(Command::Capture(a)) => capture::capture(&a),
        Some(Command::Explain(a)) => explain::run(&a),
        Some(Command::Lessons) => list_lessons(),
        None if cli.lesson.is_some() => open_lesson(cli.lesson.as_deref().unwrap_or_default()),
        None => match cli.interface {
            Some(iface) => open_window_live(iface, cli.capture_filter, cli.start),
            None => open_window(cli.file.as_deref()),
        },
    }
}

/// What a command reports back: whether the file was damaged.
enum Outcome {
    Complete,
    Damaged(String),
}

fn finish(r: Result<Outcome, CliError>) -> ExitCode {
    match r {
        Ok(Outcome::Complete) => ExitCode::SUCCESS,
        Ok(Outcome::Damaged(msg)) => {
            eprintln!("layerscope: warning: {msg}; the packets before the damage were read");
            ExitCode::from(1)
        }
        Err(CliError::Open(e)) => {
            eprintln!("layerscope: {e}");
            ExitCode::from(2)
        }
        Err(CliError::Filter(text, e)) => {
            eprintln!("layerscope: invalid filter: {e}");
            eprintln!("{}", caret_lines(&text, &e));
            ExitCode::from(2)
        }
        Err(CliError::Usage(msg)) => {
            eprintln!("layerscope: {msg}");
            ExitCode::from(2)
        }
        Err(CliError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(CliError::Output(e)) => {
            eprintln!("layerscope: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}

enum CliError {
    Open(OpenError),
    /// An argument that does not fit the file (said in full).
    Usage(String),
    Filter(String, FilterError),
    Output(io::Error),
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError::Output(e)
    }
}

fn load(path: &Path) -> Result<Store, CliError> {
    load_keeping(path, Keep::Records)
}

/// The store of the file at `path`; `-`: of standard input, read to its end as a stream.
fn load_keeping(path: &Path, keep: Keep) -> Result<Store, CliError> {
    if is_stdin(path) {
        let store = stdin::read(keep, |_| Ok(true))?;
        return Ok(store.expect("reading goes on to the end"));
    }
    Capture::open(path)
        .map(|c| Store::build_keeping(c, keep))
        .map_err(CliError::Open)
}

fn is_stdin(path: &Path) -> bool {
    path == Path::new("-")
}

/// [`outcome`], for a command that exits next: the store is not freed. Freeing the
/// vectors of a million-packet store (and unmapping them) took 4% of `stats` and
/// gives nothing back when the process ends anyway.
fn outcome_at_exit(store: Store) -> Outcome {
    let o = outcome(&store);
    std::mem::forget(store);
    o
}

fn outcome(store: &Store) -> Outcome {
    match &store.capture.damage {
        Some(d) => Outcome::Damaged(d.message()),
        None => Outcome::Complete,
    }
}

/// The filter text, then a caret line under the part the error points at.
fn caret_lines(text: &str, e: &FilterError) -> String {
    let at = e.at.min(text.len());
    let col = text.char_indices().take_while(|&(i, _)| i < at).count();
    let end = e.at.saturating_add(e.len).min(text.len());
    let width = text
        .char_indices()
        .filter(|&(i, _)| i >= at && i < end)
        .count()
        .max(1);
    format!("  {text}\n  {}{}", " ".repeat(col), "^".repeat(width))
}

fn inspect(a: &InspectArgs) -> Result<Outcome, CliError> {
    let filter = match a.filter.as_deref() {
        Some(t) => filter::parse(t).map_err(|e| CliError::Filter(t.to_string(), e))?,
        None => filter::parse("").map_err(|e| CliError::Filter(String::new(), e))?,
    };
    let limit = a.count.unwrap_or(usize::MAX);
    if is_stdin(&a.file) {
        return inspect_stdin(a, &filter, limit);
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let rows_only = !(a.json || a.verbose || a.worked);
    if rows_only && filter.without_analysis() {
        // Only the conversations of the packets the filter may pass are analysed.
        let capture = Arc::new(Capture::open(&a.file).map_err(CliError::Open)?);
        let may_pass = |s: &Store, id| filter.quick(s, id) != Some(false);
        let how = (Keep::Records, Threads::for_this_machine());
        let (store, packets) = Store::build_scoped(capture, how, may_pass);
        rows::print_all(&mut out, (&store, Some(&packets)), a, &filter, limit)?;
        out.flush()?;
        return Ok(outcome_at_exit(store));
    }
    let store = load(&a.file)?;
    let only = (filter.needs_stream_records()).then(|| store.packets_with_stream_records());
    rows::print_all(&mut out, (&store, only.as_deref()), a, &filter, limit)?;
    out.flush()?;
    Ok(outcome_at_exit(store))
}

/// `inspect -`: the packets that came are printed while standard input is read (when
/// [`stdin::read`] says they may be), the rest once it ends; `-c` stops reading.
fn inspect_stdin(a: &InspectArgs, filter: &Filter, limit: usize) -> Result<Outcome, CliError> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut rows = StreamRows {
        next: 0,
        printed: 0,
    };
    let more = |rows: &mut StreamRows, out: &mut BufWriter<_>, store: &Store| {
        rows.print(out, store, a, filter, limit)
    };
    let Some(store) = stdin::read(Keep::Records, |s| more(&mut rows, &mut out, s))? else {
        return Ok(Outcome::Complete);
    };
    if rows.next == 0 {
        // Nothing printed before the end: the file's way, on two threads.
        rows::print_all(&mut out, (&store, None), a, filter, limit)?;
        out.flush()?;
    } else {
        more(&mut rows, &mut out, &store)?;
    }
    Ok(outcome(&store))
}

/// How far `inspect -` has printed: the next packet to look at, and the packets printed.
struct StreamRows {
    next: usize,
    printed: usize,
}

impl StreamRows {
    /// Print the packets of `store` not looked at yet (up to `limit` printed in all);
    /// whether to go on.
    fn print(
        &mut self,
        out: &mut impl Write,
        store: &Store,
        a: &InspectArgs,
        filter: &Filter,
        limit: usize,
    ) -> io::Result<bool> {
        while self.next < store.len() && self.printed < limit {
            let id = PacketId(self.next as u32);
            self.printed += usize::from(print_packet(out, store, id, a, filter)?);
            self.next += 1;
        }
        out.flush()?;
        Ok(self.printed < limit)
    }
}

/// Print one packet in the chosen mode if it passes the filter; whether it did.
fn print_packet(
    out: &mut impl Write,
    store: &Store,
    id: PacketId,
    a: &InspectArgs,
    filter: &Filter,
) -> io::Result<bool> {
    if !filter.is_empty() && filter.rules_out(store, id) {
        return Ok(false);
    }
    // The quick and record tiers answer from the summary and the analysis records (as
    // `Filter::matches_packet` does); only what they cannot answer is dissected.
    let quick = if filter.is_empty() {
        Some(true)
    } else {
        filter.without_dissection(store, id)
    };
    if quick == Some(false) {
        return Ok(false);
    }
    let needs_tree = a.json || a.verbose || a.worked || quick.is_none();
    let d = if needs_tree { store.dissect(id) } else { None };
    let frame = store.capture.data(id.index());
    if quick.is_none() && !d.as_ref().is_some_and(|d| filter.matches(d, frame)) {
        return Ok(false);
    }
    match &d {
        Some(d) if a.json => writeln!(out, "{}", json::packet_line(store, id, d))?,
        Some(d) if a.verbose => writeln!(out, "{}", text::tree(d))?,
        _ if a.json || a.verbose => return Ok(false),
        _ => text::write_row(out, store, id)?,
    }
    if let Some(d) = d.as_ref().filter(|_| a.worked) {
        out.write_all(worked_text(store, id, d, a.verbose).as_bytes())?;
    }
    Ok(true)
}

/// `inspect --worked`: the worked computations of packet `id`, and (when the tree
/// was not printed) the derived bytes their steps name.
fn worked_text(store: &Store, id: PacketId, d: &crate::dissect::Dissection, tree: bool) -> String {
    use crate::story::worked::{text, worked_with};
    let ws = worked_with(store, id, d);
    let mut out = text::text(&ws, "  ");
    let mut named: Vec<u16> = (ws.iter().flat_map(|w| &w.steps))
        .filter_map(|s| match s.at {
            Some((crate::dissect::Src::Derived(i), _)) => Some(i),
            _ => None,
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    for i in named.into_iter().filter(|_| !tree) {
        if let Some(b) = d.derived.get(usize::from(i)) {
            out.push_str(&format!("  bytes #{}: {}\n", i + 1, b.name));
        }
    }
    if tree && !ws.is_empty() {
        out.push('\n');
    }
    out
}

fn messages_cmd(a: &MessagesArgs) -> Result<Outcome, CliError> {
    use crate::export::{har, messages};
    let store = load(&a.file)?;
    let mut out = BufWriter::new(io::stdout().lock());
    if a.har {
        har::write_har(&store, &mut out)?;
    } else {
        // Written as they are built: memory does not grow with the number of messages.
        let mut result = Ok(());
        messages::for_each_line(&store, |l| {
            if result.is_err() {
                return;
            }
            result = if a.json {
                serde_json::to_string(&l)
                    .map_err(io::Error::other)
                    .and_then(|s| writeln!(out, "{s}"))
            } else {
                writeln!(out, "{}", messages::text_line(&l))
            };
        });
        result?;
    }
    out.flush()?;
    Ok(outcome_at_exit(store))
}

fn stats_cmd(a: &StatsArgs) -> Result<Outcome, CliError> {
    let mut store = load_keeping(&a.file, Keep::Counts)?;
    // Counting reads no packet bytes: the file is unmapped while it runs.
    let unmapping = std::sync::Arc::get_mut(&mut store.capture).is_some_and(|c| c.release_bytes());
    let file = a.file.display().to_string();
    let st = if unmapping {
        stats::from_store_while_unmapping(&file, &store)
    } else {
        stats::from_store(&file, &store)
    };
    let mut out = BufWriter::new(io::stdout().lock());
    if a.json {
        let s = serde_json::to_string(&st).map_err(io::Error::other)?;
        writeln!(out, "{s}")?;
    } else {
        write_stats_text(&mut out, &st)?;
    }
    out.flush()?;
    Ok(outcome_at_exit(store))
}

fn write_stats_text(out: &mut impl Write, st: &stats::Stats) -> io::Result<()> {
    writeln!(out, "File:       {}", st.file)?;
    writeln!(out, "Format:     {}", st.format)?;
    writeln!(out, "Packets:    {}", st.packets)?;
    writeln!(
        out,
        "Bytes:      {} captured, {} on the wire",
        st.bytes, st.wire_bytes
    )?;
    let lt: Vec<String> = st
        .link_types
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    writeln!(out, "Link types: {}", lt.join(", "))?;
    let pr: Vec<String> = st
        .protocols
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    writeln!(out, "Protocols:  {}", pr.join(", "))?;
    writeln!(
        out,
        "TCP:        {} SYN, {} SYN-ACK, {} RST, {} FIN",
        st.tcp.syn, st.tcp.syn_ack, st.tcp.rst, st.tcp.fin
    )?;
    let t = &st.tcp;
    writeln!(
        out,
        "Handshakes: {} of {} TCP conversations completed, {} refused, {} SYN retransmissions",
        t.handshakes_completed, t.streams, t.refused, t.syn_retransmissions
    )?;
    if t.closed_early > 0 {
        writeln!(
            out,
            "Limits:     {} TCP conversations closed early, more than {} being open at once \
             (the idle longest are closed); {} of their later segments not reassembled",
            t.closed_early,
            crate::analysis::tcp::MAX_OPEN_STREAMS,
            t.segments_not_reassembled
        )?;
    }
    let h = &st.http;
    writeln!(
        out,
        "HTTP:       {} requests, {} responses, {} WebSocket upgrades ({} with a wrong Accept)",
        h.requests, h.responses, h.websocket_upgrades, h.accept_mismatches
    )?;
    let w = &st.websocket;
    writeln!(
        out,
        "WebSocket:  {} frames ({} text, {} binary, {} continuation, {} close, {} ping, {} pong), {} messages, {} compressed frames, {} with warnings",
        w.frames, w.text, w.binary, w.continuation, w.close, w.ping, w.pong, w.messages, w.compressed, w.warnings
    )?;
    let s = &st.socketio;
    writeln!(
        out,
        "Engine.IO:  {} sessions, {} packets",
        st.engineio.sessions, st.engineio.packets
    )?;
    writeln!(
        out,
        "Socket.IO:  {} packets, {} events, {} acks ({} emits never acknowledged), namespaces {}",
        s.packets,
        s.events,
        s.acks,
        s.unanswered_acks,
        s.namespaces.join(" ")
    )?;
    writeln!(out, "Flows:      {}", st.flows)?;
    if st.drops.kernel + st.drops.interface > 0 {
        writeln!(
            out,
            "Drops:      {} by the kernel, {} by the interface (before the file was written)",
            st.drops.kernel, st.drops.interface
        )?;
    }
    writeln!(out, "Warnings:   {}", st.warnings)?;
    for e in &st.errors {
        writeln!(out, "Error:      {e}")?;
    }
    Ok(())
}

/// `layerscope` and `layerscope FILE`: the window, on FILE or the bundled sample.
#[cfg(feature = "gui")]
fn open_window(file: Option<&Path>) -> ExitCode {
    crate::gui::run(file)
}

/// `layerscope lessons`: the bundled lessons, name and title.
fn list_lessons() -> ExitCode {
    let lessons = crate::lessons::bundled();
    let width = lessons.iter().map(|l| l.name.len()).max().unwrap_or(0);
    let mut out = io::stdout().lock();
    for l in &lessons {
        if writeln!(out, "{:width$}  {}", l.name, l.title).is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// `layerscope --lesson NAME|FILE`: the window on that lesson, at its first step.
fn open_lesson(name: &str) -> ExitCode {
    match crate::lessons::find(name) {
        Ok(l) => open_window_lesson(l),
        Err(e) => {
            eprintln!("layerscope: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(feature = "gui")]
fn open_window_lesson(l: crate::lessons::Lesson) -> ExitCode {
    crate::gui::run_lesson(l)
}

#[cfg(not(feature = "gui"))]
fn open_window_lesson(l: crate::lessons::Lesson) -> ExitCode {
    eprintln!(
        "layerscope: this build has no window; the lesson {} walks through {}: try `layerscope inspect -V` on it",
        l.name, l.capture
    );
    ExitCode::from(2)
}

/// `layerscope -i IFACE [-f BPF] [-k]`: the window, set to capture on IFACE.
#[cfg(feature = "gui")]
fn open_window_live(iface: String, filter: Option<String>, start: bool) -> ExitCode {
    crate::gui::run_live(iface, filter, start)
}

#[cfg(not(feature = "gui"))]
fn open_window_live(iface: String, _: Option<String>, _: bool) -> ExitCode {
    eprintln!(
        "layerscope: this build has no window; capture on {iface} with `layerscope capture -i {iface}`"
    );
    ExitCode::from(2)
}

/// `layerscope` and `layerscope FILE` in a build without the window.
#[cfg(not(feature = "gui"))]
fn open_window(file: Option<&Path>) -> ExitCode {
    let what = file.map_or_else(|| "a capture".to_string(), |f| f.display().to_string());
    println!(
        "This layerscope was built without its window (the `gui` feature).\n\
         To look at {what}:\n  \
         layerscope inspect FILE        one line per packet\n  \
         layerscope inspect -V FILE     every layer of every packet, by OSI layer\n  \
         layerscope messages FILE       HTTP, WebSocket and Socket.IO messages\n  \
         layerscope states FILE         TCP states of both ends of each connection\n  \
         layerscope stats FILE          counts\n\
         Sample captures are in samples/ (try samples/socketio-chat.pcap)."
    );
    ExitCode::SUCCESS
}
