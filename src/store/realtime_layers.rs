//! The Engine.IO session (OSI 5), Engine.IO packet and Socket.IO packet (OSI 7) layers of
//! a packet, from the analysis records, whether they came over WebSocket or HTTP
//! long-polling.

use crate::analysis::engineio as eio;
use crate::analysis::realtime::Carrier;
use crate::analysis::socketio::SioType;
use crate::analysis::socketio_spans as spans;
use crate::dissect::{Dissection, Field, FieldDef, Layer, Osi, Show, Src, Value};

use super::app_layers::{MAX_FIELD_BYTES, MAX_FIELD_TEXT};
use super::{PacketId, RecordParts, Store};

type Range = [u32; 2];

/// The Engine.IO and Socket.IO fields.
pub(crate) mod hf {
    crate::dissect::fields! {
        ENGINEIO = "engineio", "Engine.IO packet", None;
        SESSION = "engineio.session", "Engine.IO session", None;
        SID = "engineio.sid", "Session id", Text;
        VERSION = "engineio.version", "Protocol version", Unsigned;
        CONVERSATIONS = "engineio.conversations", "TCP streams carrying it", Text;
        PING = "engineio.ping", "Ping interval / timeout", None;
        PACKETS = "engineio.packets", "Packets in the session", Unsigned;
        HEALTH = "engineio.health", "Health", Text;
        TYPE = "engineio.type", "Packet type", Named;
        TRANSPORT = "engineio.transport", "Transport", Text;
        BINARY = "engineio.binary", "Binary data", Bytes;
        DATA = "engineio.data", "Data", Text;
        OPEN_SID = "engineio.open.sid", "sid", Text;
        OPEN_UPGRADES = "engineio.open.upgrades", "upgrades", Text;
        OPEN_PING_INTERVAL = "engineio.open.ping_interval", "pingInterval", Unsigned;
        OPEN_PING_TIMEOUT = "engineio.open.ping_timeout", "pingTimeout", Unsigned;
        OPEN_MAX_PAYLOAD = "engineio.open.max_payload", "maxPayload", Unsigned;
        PROBE = "engineio.probe", "Upgrade probe", None;
        SOCKETIO = "socketio", "Socket.IO packet", None;
        SIO_TYPE = "socketio.type", "Packet type", Named;
        NSP = "socketio.nsp", "Namespace", Text;
        EVENT = "socketio.event", "Event", Text;
        ACK_ID = "socketio.ack_id", "Ack id", Unsigned;
        ARGS = "socketio.args", "Arguments", Text;
        ARG = "socketio.arg", "Argument", Text, "One argument, as its JSON text";
        ATTACHMENTS = "socketio.attachments", "Binary attachments", Unsigned;
        ACK = "socketio.ack", "Acknowledged by", Frame;
        ANSWERS = "socketio.answers", "Answers the emit in", Frame;
    }
}

/// A session's id as its layer shows it.
fn sid_shown(sess: &crate::analysis::realtime::EioSession) -> String {
    sess.sid.clone().unwrap_or_else(|| "(not seen)".into())
}

/// Text kept in a field's value: at most [`MAX_FIELD_BYTES`] bytes (cut on a character
/// boundary), shown on one line within [`MAX_FIELD_TEXT`] characters.
pub(crate) fn text(def: &FieldDef, s: &str, range: Range) -> Field {
    let mut end = s.len().min(MAX_FIELD_BYTES);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    def.at(&s[..end], range).show(Show::Preview {
        text: true,
        max: MAX_FIELD_TEXT,
    })
}

impl Store {
    pub(super) fn eio_session_layer(&self, connection: u32, range: Range) -> Option<Layer> {
        let up = &self.analysis.upper;
        let s = up.ws_connections.get(connection as usize)?.engineio?;
        self.session_layer_of(s, range)
    }

    /// The `engineio.sid` fields the layers of packet `id` hold, without building them:
    /// one for the session of the HTTP long-polling bodies completed here, one for the
    /// session of the WebSocket connection of the first frame completed here (as
    /// [`Store::add_polling_layers`] and `add_app_layers` put their session layers).
    pub(crate) fn eio_sid_fields_at(&self, id: PacketId) -> Vec<Field> {
        let up = &self.analysis.upper;
        let sid = |s: u32| {
            let sess = up.realtime.sessions.get(s as usize)?;
            Some(hf::SID.at(sid_shown(sess), [0, 0]))
        };
        let mut out = Vec::new();
        let polling =
            (up.realtime.eio_at(id.0)).find(|(_, r)| matches!(r.carrier, Carrier::HttpBody(..)));
        if let Some((_, r)) = polling {
            out.extend(sid(r.session));
        }
        let first = up.frames_at(id.0).find(|(_, f)| f.end_packet == id.0);
        if let (Some((_, f)), Some(_)) = (first, self.summary(id)) {
            let connection = up.frame_connection(f).unwrap_or(u32::MAX);
            let s = (up.ws_connections.get(connection as usize)).and_then(|c| c.engineio);
            out.extend(s.and_then(sid));
        }
        out
    }

    /// The Engine.IO session (layer 5): what the analysis knows of it, gathered from
    /// many packets (so its fields have no bytes of their own here).
    fn session_layer_of(&self, s: u32, range: Range) -> Option<Layer> {
        let sess = self.analysis.upper.realtime.sessions.get(s as usize)?;
        let sid = sid_shown(sess);
        let mut l = Layer::new(
            Osi::Session,
            "engineio.session",
            format!("Engine.IO session {sid}"),
            range,
        );
        let mut push = |f: Field| l.fields.push(f.generated());
        push(hf::SID.at(sid, range));
        push(hf::VERSION.at(sess.version, range));
        let convs: Vec<String> = sess.conversations.iter().map(|c| c.to_string()).collect();
        push(hf::CONVERSATIONS.at(convs.join(", "), range));
        if let (Some(i), Some(t)) = (sess.ping_interval_ms, sess.ping_timeout_ms) {
            let note = format!("{i} ms / {t} ms");
            push(hf::PING.at(Value::None, range).note(note));
        }
        push(hf::PACKETS.at(sess.packets, range));
        for h in &sess.health {
            push(hf::HEALTH.at(h.to_string(), range));
        }
        Some(l)
    }

    pub(super) fn eio_layer(
        &self,
        id: PacketId,
        e: u32,
        range: Range,
        d: &mut Dissection,
    ) -> Option<Layer> {
        let (r, p) = self.eio_packet(e)?;
        let place = self.carrier_place(id, r.carrier, d);
        // A text packet is its type digit, then its data; a binary one is all data.
        let (start, end) = r.range;
        let (type_at, data_at) = if p.binary {
            (None, place.map(|pl| pl.span([start, end])))
        } else {
            let t = place.map(|pl| pl.at(start, 1));
            (t, place.map(|pl| pl.span([start + 1, end])))
        };
        let mut l = Layer::new(
            Osi::Application,
            "engineio",
            format!("Engine.IO {}", eio::describe(&p)),
            range,
        );
        let placed = |f: Field, at: Option<(Src, Range)>| match at {
            Some(_) => f.placed(at),
            None => f.generated(),
        };
        let kind = Value::Named(u64::from(p.kind.number()), p.kind.name());
        l.fields.push(placed(hf::TYPE.at(kind, range), type_at));
        let transport = match r.carrier {
            Carrier::WsMessage(_) => "websocket",
            Carrier::HttpBody(..) => "polling",
        };
        l.fields
            .push(hf::TRANSPORT.at(transport, range).generated());
        if p.binary {
            let kept = &p.data[..p.data.len().min(MAX_FIELD_BYTES)];
            let bin = hf::BINARY.at(Value::bytes(kept), range);
            l.fields.push(placed(bin.show(Show::ByteCount), data_at));
        } else if !p.data.is_empty() {
            let data = String::from_utf8_lossy(&p.data);
            l.fields
                .push(placed(text(&hf::DATA, &data, range), data_at));
        }
        if p.kind == eio::PacketType::Open {
            if let Ok(o) = eio::parse_open(&p.data) {
                let member = |key| {
                    let m = spans::object_member(&p.data, key)?;
                    place.map(|pl| pl.span([start + 1 + m[0], start + 1 + m[1]]))
                };
                let ms = Show::Unit(" ms");
                let fields = [
                    (hf::OPEN_SID.at(o.sid.as_str(), range), "sid"),
                    (
                        hf::OPEN_UPGRADES.at(o.upgrades.join(", "), range),
                        "upgrades",
                    ),
                    (
                        hf::OPEN_PING_INTERVAL
                            .at(o.ping_interval_ms, range)
                            .show(ms),
                        "pingInterval",
                    ),
                    (
                        hf::OPEN_PING_TIMEOUT.at(o.ping_timeout_ms, range).show(ms),
                        "pingTimeout",
                    ),
                ];
                for (f, key) in fields {
                    l.fields.push(placed(f, member(key)));
                }
                if let Some(m) = o.max_payload {
                    let f = hf::OPEN_MAX_PAYLOAD.at(m, range);
                    l.fields.push(placed(f, member("maxPayload")));
                }
            }
        }
        if eio::is_probe(&p) {
            let why = "the client tests the new transport before switching";
            let f = hf::PROBE.at(Value::None, range).note(why);
            l.fields.push(placed(f, data_at));
        }
        Some(l)
    }

    pub(super) fn sio_layer(
        &self,
        id: PacketId,
        s: u32,
        range: Range,
        d: &mut Dissection,
        title: bool,
    ) -> Option<Layer> {
        let (r, view) = self.sio_view(s)?;
        let p = &view.packet;
        let e = self
            .analysis
            .upper
            .realtime
            .eio
            .get(r.eio as usize)
            .copied();
        let (eio_r, p_eio) = self.eio_packet(r.eio)?;
        // The Socket.IO text is the Engine.IO message's data, after its type digit.
        let place = e.and_then(|e| self.carrier_place(id, e.carrier, d));
        let base = eio_r.range.0 + 1;
        let sp = spans::sio_spans(&p_eio.data);
        let at = |span: Option<[u32; 2]>| {
            let [a, b] = span?;
            place.map(|pl| pl.span([base + a, base + b]))
        };
        let placed = |f: Field, span: Option<[u32; 2]>| match at(span) {
            Some(x) => f.placed(Some(x)),
            None => f.generated(),
        };
        // The title is the Info text (a second reading of the packet): only when asked.
        let title = match title {
            true => self.sio_info(s)?,
            false => String::new(),
        };
        let mut l = Layer::new(Osi::Application, "socketio", title, range);
        let kind = Value::Named(u64::from(p.kind as u8), p.kind.name());
        l.fields
            .push(placed(hf::SIO_TYPE.at(kind, range), Some(sp.kind)));
        l.fields
            .push(placed(hf::NSP.at(p.nsp.as_str(), range), sp.nsp));
        let event = matches!(p.kind, SioType::Event | SioType::BinaryEvent);
        if let Some(ev) = p.event_name() {
            // Inside the quotes of the array's first element.
            let span = sp
                .elements
                .first()
                .map(|&[a, b]| [a + 1, b.saturating_sub(1).max(a + 1)]);
            l.fields.push(placed(hf::EVENT.at(ev, range), span));
        }
        if let Some(n) = p.ack_id {
            l.fields.push(placed(hf::ACK_ID.at(n, range), sp.ack_id));
        }
        if let Some(data) = &view.data {
            let skip = usize::from(event);
            let args = match (data, event) {
                (serde_json::Value::Array(a), true) => {
                    serde_json::Value::Array(a.iter().skip(1).cloned().collect())
                }
                (v, _) => v.clone(),
            };
            let elements = sp.elements.get(skip..).unwrap_or_default();
            let whole = match (elements.first(), elements.last()) {
                (Some(a), Some(b)) => Some([a[0], b[1]]),
                _ if elements.is_empty() && !event => sp.data,
                _ => None,
            };
            let children = elements
                .iter()
                .map(|&[a, b]| {
                    let raw = p_eio.data.get(a as usize..b as usize).unwrap_or_default();
                    let arg = text(&hf::ARG, &String::from_utf8_lossy(raw), range);
                    placed(arg, Some([a, b]))
                })
                .collect();
            let shown = if p.too_deep {
                format!(
                    "nested more than {} levels deep: not shown as a value (each argument's text is below)",
                    crate::analysis::socketio::MAX_SHOWN_DEPTH
                )
            } else {
                args.to_string()
            };
            let all = text(&hf::ARGS, &shown, range);
            l.fields.push(placed(all, whole).with(children));
        }
        if p.attachments > 0 {
            let note = format!(
                "{} announced, {} joined",
                p.attachments,
                self.analysis.upper.realtime.attached(s).count()
            );
            let f = hf::ATTACHMENTS.at(p.attachments, range).show(Show::Hidden);
            l.fields.push(placed(f.note(note), sp.attachments));
        }
        if let Some((a, ns)) = self.ack_latency_ns(s) {
            let pk = self.sio_packet_number(a);
            let note = format!("ACK in packet {pk} after {:.3} ms", ns as f64 / 1e6);
            let f = hf::ACK.at(Value::Frame(pk), range).show(Show::Hidden);
            l.fields.push(f.note(note).generated());
        }
        if let Some(a) = r.answers {
            let pk = self.sio_packet_number(a);
            let f = hf::ANSWERS.at(Value::Frame(pk), range).show(Show::Packet);
            l.fields.push(f.generated());
        }
        Some(l)
    }

    /// The Engine.IO packets `eios` (layer 7) and the Socket.IO packets they carry, those
    /// of `want`.
    pub(super) fn add_realtime_layers(
        &self,
        id: PacketId,
        eios: &[u32],
        range: Range,
        d: &mut Dissection,
        want: RecordParts,
    ) {
        let rt = &self.analysis.upper.realtime;
        for &e in eios {
            if want.engineio {
                if let Some(l) = self.eio_layer(id, e, range, d) {
                    d.layers.push(l);
                }
            }
            if want.socketio {
                if let Some((s, _)) = rt.socketio_of(e) {
                    if let Some(l) = self.sio_layer(id, s, range, d, want.titles) {
                        d.layers.push(l);
                    }
                }
            }
        }
    }

    /// Engine.IO and Socket.IO layers of HTTP polling bodies completed at `id` (those of
    /// `want`).
    pub(super) fn add_polling_layers(&self, id: PacketId, d: &mut Dissection, want: RecordParts) {
        let rt = &self.analysis.upper.realtime;
        let eios: Vec<(u32, u32)> = rt
            .eio_at(id.0)
            .filter(|(_, r)| matches!(r.carrier, Carrier::HttpBody(..)))
            .map(|(e, r)| (e, r.session))
            .collect();
        if eios.is_empty() {
            return;
        }
        let range = d.layers.last().map_or([0, 0], |l| l.range);
        if want.engineio {
            if let Some(l) = self.session_layer_of(eios[0].1, range) {
                let at = d
                    .layers
                    .iter()
                    .position(|l| l.osi > Osi::Session)
                    .unwrap_or(d.layers.len());
                d.layers.insert(at, l);
            }
        }
        let eios: Vec<u32> = eios.iter().map(|&(e, _)| e).collect();
        self.add_realtime_layers(id, &eios, range, d, want);
    }
}
