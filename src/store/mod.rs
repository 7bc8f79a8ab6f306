//! The store: a capture's index plus one compact [`Summary`] per packet and a
//! flow table. Built in one pass over the file; everything else (columns,
//! field trees) is derived from it on demand.

mod app_layers;
mod deferred;
mod flows;
mod growing;
mod info;
mod ingest;
pub(crate) mod places;
mod realtime_layers;
mod scoped;

pub(crate) use app_layers::MAX_FIELD_BYTES;
/// The Socket.IO field definitions, for tiers that build one field without its layer.
pub(crate) use realtime_layers::hf as socketio_fields;
pub(crate) use realtime_layers::text as socketio_text_field;
mod records;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use app_layers::opcode as ws_opcode;
pub use flows::{Flow, FlowTable};
pub use growing::{Growing, GrowingRead};
pub use ingest::{Threads, BATCH_PACKETS};
pub use records::SioView;
// The ids live below both the store and the analysis (which uses them too); they are
// re-exported here, where most readers look for them.
pub use crate::ids::{FlowId, PacketId};

use crate::analysis::{Analysis, AnalysisPass, Keep};
use crate::capture::Capture;
use crate::dissect::{self, Columns, Dissection, FrameMeta, Summary, TcpRel};
use crate::ids::FlowSide;

/// Which layers built from the analysis records [`Store::record_layers`] makes: HTTP's
/// (with its WebSocket handshake check), WebSocket's (frames, messages, payload encoding),
/// Engine.IO's (session and packets), Socket.IO's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordParts {
    pub http: bool,
    pub websocket: bool,
    pub engineio: bool,
    pub socketio: bool,
    /// The one-line titles of the WebSocket and Socket.IO layers (their Info text, which
    /// takes a second parse of the message); without, those titles are empty.
    pub titles: bool,
}

impl RecordParts {
    /// Every record layer.
    pub const ALL: RecordParts = RecordParts {
        http: true,
        websocket: true,
        engineio: true,
        socketio: true,
        titles: true,
    };

    /// Both sets of layers.
    pub fn union(self, o: RecordParts) -> RecordParts {
        RecordParts {
            http: self.http || o.http,
            websocket: self.websocket || o.websocket,
            engineio: self.engineio || o.engineio,
            socketio: self.socketio || o.socketio,
            titles: self.titles || o.titles,
        }
    }

    /// Whether every layer of `o` is among these.
    pub fn covers(self, o: RecordParts) -> bool {
        self.union(o) == self
    }
}

/// The definitions of the fields the store adds to a packet's tree from the analysis
/// records (WebSocket, Engine.IO, Socket.IO).
pub fn field_defs() -> impl Iterator<Item = &'static dissect::FieldDef> {
    [app_layers::hf::FIELDS, realtime_layers::hf::FIELDS]
        .into_iter()
        .flatten()
        .copied()
}

/// The state of a pass filling a [`Store`] (see [`Store::start`]).
pub struct StorePass(AnalysisPass, Threads);

impl StorePass {
    /// Spread the pass's work over `threads` (by default two where the machine
    /// has two cores: see [`Threads::for_this_machine`]).
    pub fn set_threads(&mut self, threads: Threads) {
        self.1 = threads;
    }
}

/// An indexed and summarized capture.
pub struct Store {
    /// Shared so a viewer can show rows from the index while the store is built.
    pub capture: Arc<Capture>,
    pub summaries: Vec<Summary>,
    pub flows: FlowTable,
    /// Stateful analysis: TCP conversations and handshakes.
    pub analysis: Analysis,
    first_ts_ns: i64,
    /// (packet index, index into `capture.comments`) for packet comments, sorted by packet.
    packet_comments: Vec<(usize, usize)>,
    /// `capture.comments` seen so far (a growing capture gains comments as it grows).
    comments_seen: usize,
}

impl Store {
    /// Summarize every packet of `capture`.
    pub fn build(capture: Capture) -> Store {
        Self::build_with(capture, &AtomicBool::new(false), |_, _| {})
    }

    /// Summarize, keeping the analysis records or only counting them.
    pub fn build_keeping(capture: Capture, keep: Keep) -> Store {
        Self::build_shared(Arc::new(capture), &AtomicBool::new(false), |_, _| {}, keep)
    }

    /// Summarize with progress reports (`done`, `total`) every 64 Ki packets; stops early,
    /// keeping what was summarized, when `cancel` is set.
    pub fn build_with(
        capture: Capture,
        cancel: &AtomicBool,
        progress: impl FnMut(usize, usize),
    ) -> Store {
        Self::build_shared(Arc::new(capture), cancel, progress, Keep::Records)
    }

    /// Build over a capture that a viewer may already be reading.
    pub fn build_shared(
        capture: Arc<Capture>,
        cancel: &AtomicBool,
        mut progress: impl FnMut(usize, usize),
        keep: Keep,
    ) -> Store {
        let total = capture.len();
        let (mut store, mut pass) = Store::start(capture, keep);
        let mut reported = 0;
        progress(0, total);
        if cancel.load(Ordering::Relaxed) {
            store.finish(pass);
            return store;
        }
        store.ingest_while(&mut pass, usize::MAX, |done| {
            if done - reported >= 65_536 {
                reported = done;
                progress(done, total);
            }
            !cancel.load(Ordering::Relaxed)
        });
        progress(store.len(), total);
        store.finish(pass);
        store
    }

    /// A store with no packet in yet, and the pass that will fill it: packets go
    /// in with [`Store::ingest`], each summarized and analysed in capture order.
    pub fn start(capture: Arc<Capture>, keep: Keep) -> (Store, StorePass) {
        let total = capture.len();
        let first_ts_ns = capture.packets.first().map_or(0, |r| r.ts_ns);
        let mut store = Store {
            summaries: Vec::with_capacity(total),
            flows: FlowTable::default(),
            analysis: Analysis::new(keep, total),
            capture,
            first_ts_ns,
            packet_comments: Vec::new(),
            comments_seen: 0,
        };
        store.index_comments();
        (
            store,
            StorePass(Default::default(), Threads::for_this_machine()),
        )
    }

    /// A store of `capture` with no packet in it and no room reserved.
    pub fn empty(capture: Arc<Capture>) -> Store {
        Store {
            summaries: Vec::new(),
            flows: FlowTable::default(),
            analysis: Analysis::default(),
            capture,
            first_ts_ns: 0,
            packet_comments: Vec::new(),
            comments_seen: 0,
        }
    }

    /// Sorts the packet comments of the capture by packet (again when it has more).
    fn index_comments(&mut self) {
        let comments = &self.capture.comments;
        if comments.len() == self.comments_seen {
            return;
        }
        self.comments_seen = comments.len();
        self.packet_comments = (comments.iter().enumerate())
            .filter_map(|(ci, c)| c.packet.map(|p| (p, ci)))
            .collect();
        self.packet_comments.sort_unstable();
    }

    /// Reads what was appended to a capture file still being written (see
    /// [`Capture::follow`]); `end`: the writer is done. The packets go in with
    /// [`Store::ingest`]. Returns how many were added.
    pub fn grow_capture(&mut self, end: bool) -> Result<usize, crate::capture::OpenError> {
        if !self.capture.is_growing() {
            return Ok(0);
        }
        if Arc::get_mut(&mut self.capture).is_none() {
            // Someone else holds the capture: go on with a copy of our own (the window
            // never keeps one while a capture grows, so this is the rare path).
            self.capture = Arc::new(self.capture.fork()?);
        }
        let Some(cap) = Arc::get_mut(&mut self.capture) else {
            return Ok(0);
        };
        let n = if end { cap.end()? } else { cap.grow()? };
        if self.summaries.is_empty() {
            self.first_ts_ns = cap.packets.first().map_or(0, |r| r.ts_ns);
        }
        // Room for what comes, a quarter more at a time (amortized, at most 25% unused).
        let want = self.capture.len().saturating_sub(self.summaries.capacity());
        if want > 0 {
            self.summaries
                .reserve_exact(want.max(self.summaries.len() / 4));
        }
        self.index_comments();
        Ok(n)
    }

    /// Make the packets in so far readable mid-pass (see [`Analysis::settle`]).
    pub fn settle(&mut self) {
        self.analysis.settle();
    }

    /// End the pass (after the last packet, or early when loading is cancelled).
    pub fn finish(&mut self, pass: StorePass) {
        self.analysis.finish(pass.0, &self.capture);
    }

    /// [`Store::finish`] in the steps a store being read needs (see
    /// `Growing::finish`): the pass ended, then the heartbeat findings, which only
    /// read the store, then put in.
    pub(crate) fn finish_pass(&mut self, pass: StorePass) {
        self.analysis.finish_pass(pass.0);
    }

    pub(crate) fn health_findings(&self) -> Vec<(u32, Vec<String>)> {
        self.analysis.health(&self.capture)
    }

    pub(crate) fn set_health(&mut self, found: Vec<(u32, Vec<String>)>) {
        self.analysis.upper.realtime.set_health(found);
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
        Some(
            FrameMeta::new(
                id.number(),
                rec,
                self.first_ts_ns,
                self.capture.link_type(id.index()),
            )
            .cut_from(self.capture.cut_len(id.index()))
            .after(self.prev_ts_ns(id)),
        )
    }

    /// Capture time of the packet before `id` (none for the first).
    pub fn prev_ts_ns(&self, id: PacketId) -> Option<i64> {
        let i = id.index().checked_sub(1)?;
        self.capture.record(i).map(|r| r.ts_ns)
    }

    /// Relative sequence bases for a TCP packet.
    pub fn tcp_rel(&self, id: PacketId) -> Option<TcpRel> {
        let s = self.summary(id)?;
        if !s.protos.contains(dissect::Proto::Tcp) {
            return None;
        }
        let f = self.flows.get(FlowId(s.flow))?;
        let win_shift = (self.analysis.tcp.conversation_of(id))
            .and_then(|(_, c)| c.win_shift(c.direction_of(s.dir)));
        Some(TcpRel {
            seq_base: f.isn[s.dir.index()]?,
            ack_base: f.isn[s.dir.reverse().index()],
            win_shift,
        })
    }

    /// The full field tree of one packet, with its pcapng comments in the frame layer.
    pub fn dissect(&self, id: PacketId) -> Option<Dissection> {
        let meta = self.meta(id)?;
        let mut d = dissect::dissect(&meta, self.capture.data(id.index()), self.tcp_rel(id));
        let tcp_range = d.layer("tcp").map(|l| l.range);
        let side = self.summary(id).map_or(FlowSide::AsKey, |s| s.dir);
        if let Some(layer) = tcp_range.and_then(|r| self.analysis.tcp.session_layer(id, side, r)) {
            let at = d
                .layers
                .iter()
                .position(|l| l.osi > dissect::Osi::Transport)
                .unwrap_or(d.layers.len());
            d.layers.insert(at, layer);
        }
        self.add_http_layers(id, &mut d);
        self.add_polling_layers(id, &mut d, RecordParts::ALL);
        self.add_app_layers(id, &mut d, RecordParts::ALL);
        let comments = self.comments(id);
        if let Some(frame) = d.layers.first_mut().filter(|_| !comments.is_empty()) {
            let range = frame.range;
            for text in comments.into_iter().rev() {
                frame
                    .fields
                    .insert(0, dissect::frame_hf::COMMENT.at(text, range));
            }
        }
        Some(d)
    }

    /// The layers the analysis records put at packet `id`, those of `want`, built without
    /// dissecting its bytes. Their fields are those of [`Store::dissect`]'s tree (the same
    /// builders make them; only the byte ranges of the layers may differ): what a filter's
    /// record tier reads.
    pub fn record_layers(&self, id: PacketId, want: RecordParts) -> Option<Dissection> {
        let meta = self.meta(id)?;
        let mut d = Dissection {
            number: meta.number,
            ts_ns: meta.ts_ns,
            caplen: meta.caplen,
            origlen: meta.origlen,
            layers: Vec::new(),
            stop: None,
            warnings: Vec::new(),
            derived: Vec::new(),
        };
        if want.http {
            self.add_http_layers(id, &mut d);
        }
        self.add_polling_layers(id, &mut d, want);
        self.add_app_layers(id, &mut d, want);
        Some(d)
    }

    /// Whether the stream analysis put a record at packet `id`: an HTTP message
    /// shown there, WebSocket frame bytes, or an Engine.IO packet completed there.
    /// Without one, the packet has no HTTP, WebSocket, Engine.IO, Socket.IO or
    /// JSON layer (the display filter skips such packets for those names).
    pub fn has_stream_records(&self, id: PacketId) -> bool {
        let up = &self.analysis.upper;
        up.frames_at(id.0).next().is_some()
            || up.http.messages_at(id.0).next().is_some()
            || up.realtime.eio_at(id.0).next().is_some()
    }

    /// Every packet for which [`Store::has_stream_records`] is true, in order: the
    /// sorted indexes of the analysis merged (what a filter of the record protocols
    /// looks at, without a search per packet).
    pub fn packets_with_stream_records(&self) -> Vec<u32> {
        let up = &self.analysis.upper;
        let [shown, open] = up.http.shown_packets();
        let lists: [Box<dyn Iterator<Item = u32> + '_>; 4] = [
            Box::new(up.frame_packets()),
            Box::new(shown),
            Box::new(open),
            Box::new(up.realtime.eio_packets()),
        ];
        let mut heads: Vec<_> = lists.into_iter().map(|l| l.peekable()).collect();
        let mut out: Vec<u32> = Vec::new();
        // A merge of sorted lists: the smallest head next, each packet once.
        while let Some(p) = heads.iter_mut().filter_map(|h| h.peek().copied()).min() {
            for h in &mut heads {
                while h.next_if_eq(&p).is_some() {}
            }
            out.push(p);
        }
        out
    }

    /// The captured TCP payload of packet `id` (empty if it has none).
    pub fn tcp_payload(&self, id: PacketId) -> &[u8] {
        let i = id.index();
        let data = self.capture.data(i);
        self.summary(id).map_or(&[][..], |s| {
            s.tcp_payload_in(self.capture.link_type(i), data)
        })
    }

    /// The head of HTTP message `m`, read again from its packets.
    pub fn http_head(&self, m: u32) -> Option<crate::analysis::http::ParsedHead> {
        let bytes = self.http_head_bytes(m)?;
        let msg = self.analysis.upper.http.messages.get(m as usize)?;
        crate::analysis::http::parse_head_bytes(&bytes, msg.is_request())
    }

    /// The bytes of HTTP message `m`'s head, joined from its packets.
    fn http_head_bytes(&self, m: u32) -> Option<Vec<u8>> {
        let msg = self.analysis.upper.http.messages.get(m as usize)?;
        let bytes = self.stream_bytes(msg.head_packets, msg.head_offset, msg.head_len as usize);
        (bytes.len() == msg.head_len as usize).then_some(bytes)
    }

    /// HTTP messages shown at this packet replace its raw data layer. A head whole in
    /// this packet points at the frame's bytes; one joined from several packets at a
    /// derived buffer.
    fn add_http_layers(&self, id: PacketId, d: &mut Dissection) {
        use crate::analysis::http_tree::{head_spans, HeadAt};
        let http = &self.analysis.upper.http;
        let mut layers: Vec<_> = http.messages_at(id.0).map(|(m, _)| m).collect();
        if layers.is_empty() {
            return;
        }
        let data = d.layers.iter().position(|l| l.protocol == "data");
        let range = data.map_or_else(
            || d.layers.last().map_or([0, 0], |l| l.range),
            |i| d.layers[i].range,
        );
        if let Some(i) = data {
            d.layers.remove(i);
        }
        let pl_off = self.summary(id).map_or(0, |s| u32::from(s.payload_off));
        for m in layers.drain(..) {
            let Some(bytes) = self.http_head_bytes(m) else {
                continue;
            };
            let msg = &http.messages[m as usize];
            let Some(head) = crate::analysis::http::parse_head_bytes(&bytes, msg.is_request())
            else {
                continue;
            };
            let at = if msg.head_packets == (id.0, id.0) {
                HeadAt {
                    src: dissect::Src::Frame,
                    base: pl_off + msg.head_offset,
                }
            } else {
                let (a, b) = msg.head_packets;
                let from = if a == b {
                    format!("from packet {}", a + 1)
                } else {
                    format!("joined from packets {}–{}", a + 1, b + 1)
                };
                let name = format!("HTTP head, {from} ({} bytes)", bytes.len());
                match d.derive(name, &bytes) {
                    Some(i) => HeadAt {
                        src: dissect::Src::Derived(i),
                        base: 0,
                    },
                    None => continue,
                }
            };
            let spans = head_spans(&bytes);
            d.layers.push(http.layer(m, &head, range, (at, &spans)));
        }
    }

    /// The comments stored for one packet (pcapng `opt_comment`), in file order.
    pub fn comments(&self, id: PacketId) -> Vec<&str> {
        let i = id.index();
        let start = self.packet_comments.partition_point(|&(p, _)| p < i);
        self.packet_comments[start..]
            .iter()
            .take_while(|&&(p, _)| p == i)
            .filter_map(|&(_, c)| self.capture.comments.get(c))
            .map(|c| c.text.as_str())
            .collect()
    }

    /// The text columns of one packet.
    pub fn columns(&self, id: PacketId) -> Columns {
        let i = id.index();
        let origlen = self.capture.record(i).map_or(0, |r| r.origlen);
        let (lt, data) = (self.capture.link_type(i), self.capture.data(i));
        // The lines from above TCP first: when there is one, the TCP line it replaces
        // is not formatted.
        let http = &self.analysis.upper.http;
        // Room for most Info lines from above TCP at once (a Socket.IO line shows up to
        // 120 characters of JSON): grown piece by piece, it was reallocated five times.
        let mut above = String::with_capacity(192);
        let mut protocol = None;
        for (m, _) in http.messages_at(id.0) {
            if let Some(h) = self.http_head(m) {
                if !above.is_empty() {
                    above.push_str(" , ");
                }
                above.push_str(&http.info(m, &h));
                protocol = Some("HTTP");
            }
        }
        let start = above.len();
        if start > 0 {
            above.push_str(" , ");
        }
        match self.app_info_into(id, &mut above) {
            Some(proto) => protocol = Some(proto),
            None => above.truncate(start),
        }
        if let Some((p, (src, dst))) = protocol.zip(self.addresses(id)) {
            // A line from above TCP replaces everything the packet's own layers would
            // say but its addresses, which its flow knows: the packet is not sliced again.
            let mut c = Columns {
                protocol: p,
                info: above,
                ..Columns::default()
            };
            dissect::fmt::push_ip(&mut c.src, src);
            dissect::fmt::push_ip(&mut c.dst, dst);
            return c;
        }
        let tcp_rel = if protocol.is_some() {
            None
        } else {
            self.tcp_rel(id)
        };
        let mut c = dissect::columns(lt, data, origlen, tcp_rel, protocol.is_none());
        if let Some(p) = protocol {
            c.protocol = p;
            c.info = above;
        }
        c
    }

    /// The source and destination addresses of packet `id`, from its flow.
    fn addresses(&self, id: PacketId) -> Option<(std::net::IpAddr, std::net::IpAddr)> {
        let s = self.summary(id)?;
        let key = self.flows.get(FlowId(s.flow))?.key;
        Some(match s.dir {
            FlowSide::Reversed => (key.dst, key.src),
            _ => (key.src, key.dst),
        })
    }

    /// Seconds since the first packet.
    pub fn relative_ns(&self, id: PacketId) -> i64 {
        self.capture
            .record(id.index())
            .map_or(0, |r| r.ts_ns - self.first_ts_ns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::testutil::NgWriter;
    use crate::capture::LinkType;
    use crate::dissect::proptests::SYN;

    /// A store of a sample whose decoded-payload arena holds at most `cap` bytes.
    fn with_payload_cap(name: &str, cap: usize, keep: Keep) -> Store {
        let path = format!("{}/{name}", env!("CARGO_MANIFEST_DIR"));
        let capture = Arc::new(Capture::open(path.as_ref()).expect("sample opens"));
        let (mut store, mut pass) = Store::start(capture, keep);
        store.analysis.upper.payloads.limit_to(cap);
        while store.ingest(&mut pass, 1000) > 0 {}
        store.finish(pass);
        store
    }

    /// An Engine.IO packet is said to be carried by UTF-8 text (its Socket.IO Info
    /// then skips the UTF-8 check) only when its data is UTF-8, on every sample and
    /// corpus file; and some are.
    #[test]
    fn carried_by_utf8_text_only_when_the_data_is_utf8() {
        let mut said = 0;
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let Ok(cap) = crate::capture::Capture::open(&path) else {
                continue;
            };
            let store = Store::build(cap);
            for e in 0..store.analysis.upper.realtime.eio.len() as u32 {
                let utf8 = store.with_eio_packet(e, |r, p| {
                    (
                        store.carried_by_utf8_text(r),
                        std::str::from_utf8(&p.data).is_ok(),
                    )
                });
                if let Some((claimed, is)) = utf8 {
                    assert!(!claimed || is, "{} eio {e}", path.display());
                    said += usize::from(claimed);
                }
            }
        }
        assert!(said > 50, "{said}");
    }

    /// The merged list of packets with records is the packets `has_stream_records`
    /// says have some, on every sample and corpus file.
    #[test]
    fn packets_with_stream_records_are_those_that_have_some() {
        let mut with = 0;
        for path in crate::capture::testutil::sample_and_corpus_files() {
            let Ok(cap) = crate::capture::Capture::open(&path) else {
                continue;
            };
            let store = Store::build(cap);
            let want: Vec<u32> = (0..store.len() as u32)
                .filter(|&p| store.has_stream_records(PacketId(p)))
                .collect();
            let got = store.packets_with_stream_records();
            assert_eq!(got, want, "{}", path.display());
            with += want.len();
        }
        assert!(with > 200, "{with}");
    }

    /// Issue 11, point 3: once the payload arena is full, a message says its payload
    /// was not kept, `stats` counts it (in both modes alike), and an uncompressed
    /// payload is decoded again from its packets, equal to the kept one.
    #[test]
    fn a_payload_not_kept_is_flagged_counted_and_read_again() {
        use crate::analysis::websocket::warn::NOT_KEPT;
        let mut read_again = 0;
        let files = [
            "samples/websocket-deflate.pcap",
            "tests/corpus/zeek__websocket-two-binary-fragments.pcap",
        ];
        for name in files {
            let full = with_payload_cap(name, usize::MAX, Keep::Records);
            let none = with_payload_cap(name, 0, Keep::Records);
            let counted = with_payload_cap(name, 0, Keep::Counts);
            let up = &none.analysis.upper;
            let flagged = up
                .ws_messages
                .iter()
                .filter(|m| m.warnings & NOT_KEPT != 0)
                .count();
            // Only inflated payloads are kept at all: the others are read from their
            // packets whenever shown, and never reach the limit.
            let compressed = up.ws_messages.iter().filter(|m| m.compressed).count();
            assert_eq!(flagged, compressed, "{name}");
            assert_eq!(up.ws.payloads_not_kept, flagged as u64, "{name}");
            assert_eq!(
                counted.analysis.upper.ws.payloads_not_kept, flagged as u64,
                "{name}"
            );
            assert_eq!(counted.analysis.upper.ws.warnings, up.ws.warnings, "{name}");
            assert_eq!(full.analysis.upper.ws.payloads_not_kept, 0);
            for (i, m) in up.ws_messages.iter().enumerate() {
                let again = none.ws_payload(i as u32);
                let kept = full.ws_payload(i as u32);
                if m.warnings & NOT_KEPT != 0 && m.compressed {
                    assert_eq!(again, None, "{name} message {i}");
                } else {
                    let spread = m.frames > 1 || m.first_packet != m.last_packet;
                    read_again += usize::from(!m.compressed && spread);
                    assert_eq!(again, kept, "{name} message {i}");
                    assert!(again.is_some(), "{name} message {i}");
                }
            }
        }
        assert!(
            read_again > 0,
            "no payload over several frames or packets was read again"
        );
        assert!(
            with_payload_cap(files[0], usize::MAX, Keep::Records)
                .analysis
                .upper
                .ws_messages
                .iter()
                .any(|m| m.warnings & NOT_KEPT == 0 && m.compressed),
            "an inflated payload is kept while there is room"
        );
        // Engine.IO polling bodies: flagged on their HTTP message, counted alike in both
        // modes, and said in the message's Info.
        use crate::analysis::http::flag::BODY_NOT_KEPT;
        let name = "samples/socketio-polling.pcap";
        let none = with_payload_cap(name, 0, Keep::Records);
        let counted = with_payload_cap(name, 0, Keep::Counts);
        let http = &none.analysis.upper.http;
        let flagged: Vec<u32> = (0..http.messages.len() as u32)
            .filter(|&i| http.messages[i as usize].flags & BODY_NOT_KEPT != 0)
            .collect();
        assert!(!flagged.is_empty(), "no polling body reached the limit");
        let st = crate::stats::from_store(name, &none);
        let st_counted = crate::stats::from_store(name, &counted);
        assert_eq!(st.http.bodies_not_kept, flagged.len() as u64);
        assert_eq!(st_counted.http.bodies_not_kept, flagged.len() as u64);
        let head = none.http_head(flagged[0]).expect("head");
        assert!(http.info(flagged[0], &head).contains("body not kept"));
    }

    /// Two interfaces with different link types, a section comment between packet
    /// comments, and a second section: each packet decodes with its own link type and
    /// shows its own comments.
    #[test]
    fn pcapng_comments_and_mixed_link_types_reach_the_tree() {
        let mut w = NgWriter::new();
        w.shb(false, &[(1, b"section one")]);
        w.idb(1, 0, &[]);
        w.idb(101, 0, &[]);
        w.epb(0, 1_000_000, &SYN, 74, &[(1, b"first"), (1, b"second")]);
        w.epb(1, 2_000_000, &SYN[14..], 60, &[]);
        w.shb(false, &[(1, b"section two")]);
        w.idb(1, 0, &[]);
        w.epb(0, 3_000_000, &SYN, 74, &[(1, b"third")]);
        let store = Store::build(Capture::from_bytes(w.buf).expect("parses"));
        assert_eq!(store.len(), 3);
        assert_eq!(store.capture.link_type(1), LinkType::RAW);
        assert_eq!(store.comments(PacketId(0)), vec!["first", "second"]);
        assert!(store.comments(PacketId(1)).is_empty());
        assert_eq!(store.comments(PacketId(2)), vec!["third"]);
        let d = store.dissect(PacketId(0)).unwrap();
        let frame = &d.layers[0];
        assert_eq!(frame.fields[0].shown(), "first");
        assert_eq!(frame.fields[1].shown(), "second");
        let raw = store.dissect(PacketId(1)).unwrap();
        assert_eq!(
            raw.layers.iter().map(|l| l.protocol).collect::<Vec<_>>(),
            ["frame", "ip", "tcp", "tcp.connection"]
        );
        assert_eq!(raw.field("ip.src").unwrap().range, [12, 16]);
        // Both Ethernet and raw-IP SYNs are the same flow.
        assert_eq!(store.flows.len(), 1);
        assert_eq!(
            store.columns(PacketId(1)).info,
            store.columns(PacketId(0)).info
        );
    }

    /// A pcap and a pcapng whose last packet (a 74-byte SYN, 60 bytes on the wire claimed
    /// as 74) the file ends inside of, at several offsets: the whole packets, then the cut
    /// one with the bytes that are there and one warning more, in the tree and the summary.
    #[test]
    fn a_packet_cut_by_the_end_of_the_file_is_listed_with_a_warning() {
        use crate::capture::testutil::PcapWriter;
        let mut pcap = PcapWriter::new(0xa1b2_c3d4, false, 1, 65535);
        pcap.record(1, 0, &SYN, 74);
        pcap.record(2, 0, &SYN, 74);
        pcap.record(3, 0, &SYN, 74);
        let pcap_data = pcap.buf.len() - SYN.len();
        let mut ng = NgWriter::new();
        ng.shb(false, &[]);
        ng.idb(1, 0, &[]);
        ng.epb(0, 1, &SYN, 74, &[]);
        ng.epb(0, 2, &SYN, 74, &[]);
        let ng_data = ng.epb(0, 3, &SYN, 74, &[(1, b"lost")]) + 28;
        for (name, full, data_at) in [("pcap", &pcap.buf, pcap_data), ("pcapng", &ng.buf, ng_data)]
        {
            let whole = Store::build(Capture::from_bytes(full.clone()).expect("parses"));
            let sound = whole
                .summary(PacketId(2))
                .expect("packet 3")
                .warning_count();
            for have in [1, 13, 14, 40, 54, 73] {
                let what = format!("{name} cut after {have} bytes of packet 3");
                let cut = full[..data_at + have].to_vec();
                let store = Store::build(Capture::from_bytes(cut).expect("parses"));
                assert_eq!(store.len(), 3, "{what}");
                let d = store.capture.damage.as_ref().expect("damage");
                assert!(
                    d.message().starts_with("file ends inside packet 3 "),
                    "{what}: {d:?}"
                );
                assert_eq!(store.capture.data(2), &SYN[..have], "{what}");
                let tree = store.dissect(PacketId(2)).expect("packet 3");
                assert_eq!(tree.caplen as usize, have, "{what}");
                let note = format!("cut by the end of the file: {have} of 74 bytes");
                assert!(
                    tree.warnings
                        .iter()
                        .any(|w| w.message == note && w.osi == crate::dissect::Osi::Physical),
                    "{what}: {:?}",
                    tree.warnings
                );
                // Not called a snaplen cut: the record claimed every byte on the wire.
                assert!(
                    !tree.warnings.iter().any(|w| w.message.contains("snaplen")),
                    "{what}"
                );
                let sum = store.summary(PacketId(2)).expect("summary");
                assert_eq!(tree.warnings.len() as u32, sum.warning_count(), "{what}");
                assert_ne!(
                    sum.anomalies & dissect::anomaly::CUT_BY_END_OF_FILE,
                    0,
                    "{what}"
                );
                assert!(sum.warning_count() > sound, "{what}");
                // The whole packets before it are untouched.
                for i in 0..2 {
                    assert_eq!(
                        store.summary(PacketId(i)),
                        whole.summary(PacketId(i)),
                        "{what}"
                    );
                    assert_eq!(store.capture.cut_len(i as usize), None);
                }
            }
        }
    }
}
