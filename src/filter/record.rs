//! The second tier of a filter: tests on the names of the record protocols (`http.*`,
//! `websocket.*`, `engineio.*`, `socketio.*`, `json`) answered from the analysis records,
//! without dissecting the packet (issue 10's "record tier").
//!
//! Those names are emitted only by the layers the records put at a packet
//! ([`Store::record_layers`]), so their answer on those layers alone is their answer on
//! the whole tree: a packet without records has none of them (every test is false), the
//! WebSocket header fields are read straight from the frame records, and any other test
//! is evaluated on the record layers, built once per packet and only for the protocols
//! the filter names. A test compares these answers with the full dissection's on every
//! sample and corpus file.

use std::cell::{Cell, RefCell};

use crate::analysis::json_scan;
use crate::analysis::realtime::SioRecord;
use crate::analysis::upper::WsFrame;
use crate::dissect::{Dissection, Field, Value};
use crate::store::{PacketId, RecordParts, Store};

use super::compare::Occ;
use super::eval::{self, test_values};
use super::fields::is_protocol;
use super::parser::{Expr, Test};
use super::quick::typed;

/// The record layers a name needs (`None`: not a record protocol's name). WebSocket names
/// also appear in HTTP's handshake check.
fn parts_of(name: &str) -> Option<RecordParts> {
    let head = name.split('.').next().unwrap_or("");
    let none = RecordParts::default();
    Some(match head {
        "http" => RecordParts { http: true, ..none },
        "websocket" => RecordParts {
            http: true,
            websocket: true,
            ..none
        },
        "json" => RecordParts {
            websocket: true,
            ..none
        },
        "engineio" => RecordParts {
            engineio: true,
            ..none
        },
        "socketio" => RecordParts {
            socketio: true,
            ..none
        },
        _ => return None,
    })
}

/// A reading of one name straight from the records (see [`Records::leaf`]).
type Read<'a> = fn(&Records<'a>, &Expr, &str) -> Option<bool>;

/// The answer of test `t` on the occurrences `fields` of its name (true if any passes).
fn on_test(t: &Test, fields: &[Field]) -> bool {
    test_values(t, &mut |f| fields.iter().any(|v| f(Occ::Field(v))))
}

/// The answer of `e`, the presence or a test of a name, on its occurrences `fields`.
fn on_fields(e: &Expr, fields: &[Field]) -> Option<bool> {
    match e {
        Expr::Has(_) => Some(!fields.is_empty()),
        Expr::Test(_, t) => Some(on_test(t, fields)),
        _ => None,
    }
}

/// What the record tier knows of one packet: its records, and the record layers once
/// built.
pub(crate) struct Records<'a> {
    store: &'a Store,
    id: PacketId,
    any: Cell<Option<bool>>,
    built: RefCell<Option<(RecordParts, Dissection)>>,
}

impl<'a> Records<'a> {
    pub(crate) fn new(store: &'a Store, id: PacketId) -> Records<'a> {
        Records {
            store,
            id,
            any: Cell::new(None),
            built: RefCell::new(None),
        }
    }

    /// The answer of a test (or presence) on a record protocol's name; `None` for other
    /// names.
    pub(crate) fn leaf(&self, e: &Expr) -> Option<bool> {
        let name = match e {
            Expr::Has(n) | Expr::Test(n, _) => n.as_str(),
            _ => return None,
        };
        let parts = parts_of(name)?;
        // The names read straight from the records (each gives `None` for other names,
        // or where only the layers know).
        let read: [Read<'a>; 7] = [
            Self::frame_header,
            Self::sio_event,
            Self::sio_head,
            Self::eio_type,
            Self::sio_args,
            Self::ws_payload,
            Self::eio_sid,
        ];
        if let Some(answer) = read.iter().find_map(|f| f(self, e, name)) {
            return Some(answer);
        }
        if !self.any() {
            // No record, no layer of these protocols: absent, so every test is false.
            return Some(false);
        }
        if matches!(e, Expr::Test(..)) && is_protocol(name) {
            // A protocol's bytes run in the tree as the layers before it say.
            return None;
        }
        let frame = self.store.capture.data(self.id.index());
        self.with_layers(parts, |d| match e {
            Expr::Has(n) => eval::present(d, n),
            Expr::Test(n, t) => eval::test(n, t, eval::Packet { d, frame }),
            _ => false,
        })
    }

    /// Whether the analysis put a record at the packet (asked once).
    fn any(&self) -> bool {
        let any = self
            .any
            .get()
            .unwrap_or_else(|| self.store.has_stream_records(self.id));
        self.any.set(Some(any));
        any
    }

    /// The WebSocket frame header fields, one occurrence per frame the packet completes
    /// (each has its layer in the tree there, as in Wireshark), read from the frame records.
    fn frame_header(&self, e: &Expr, name: &str) -> Option<bool> {
        let value: fn(&WsFrame) -> Value = match name {
            "websocket.fin" => |f| Value::Bool(f.fin),
            "websocket.rsv" => |f| Value::Unsigned(u64::from(f.rsv)),
            "websocket.opcode" => |f| crate::store::ws_opcode(f.opcode),
            "websocket.mask" => |f| Value::Bool(f.mask.is_some()),
            "websocket.payload_length" => |f| Value::Unsigned(f.payload_len),
            // Present with its frame layers; otherwise only HTTP's handshake check knows.
            "websocket" => |_| Value::None,
            _ => return None,
        };
        let up = &self.store.analysis.upper;
        let id = self.id.0;
        let mut frames = (up.frames_at(id))
            .map(|(_, f)| f)
            .filter(|f| f.end_packet == id)
            .peekable();
        match e {
            Expr::Has(_) if frames.peek().is_some() => Some(true),
            Expr::Has(_) if name != "websocket" => Some(false),
            // Words and patterns see the tree's wording (`0x4 (RSV1: ...)`): the layers.
            Expr::Test(_, t) if name != "websocket" && typed(t) => {
                let values: Vec<Value> = frames.map(value).collect();
                Some(test_values(t, &mut |f| {
                    values.iter().any(|v| f(Occ::Value(v)))
                }))
            }
            _ => None,
        }
    }

    /// The Socket.IO records this packet completes, with their Engine.IO packets.
    fn sio_records(&self) -> impl Iterator<Item = (u32, &'a SioRecord)> + 'a {
        let rt = &self.store.analysis.upper.realtime;
        (rt.eio_at(self.id.0)).filter_map(|(ei, _)| Some((ei, rt.socketio_of(ei)?.1)))
    }

    /// A test of `socketio.event` from the Socket.IO records and each event's name alone
    /// (the first string of its data), without building the layers: the usual filter on
    /// a Socket.IO capture, and the one that parsing every message made slow. The field is
    /// built as the tree builds it, so every kind of test sees what it sees there.
    fn sio_event(&self, e: &Expr, name: &str) -> Option<bool> {
        let Expr::Test(_, t) = e else {
            return None;
        };
        if name != "socketio.event" {
            return None;
        }
        let mut names: Vec<Field> = Vec::new();
        for (ei, s) in self.sio_records() {
            if !s.kind.is_event() {
                continue;
            }
            let name = self
                .store
                .with_eio_packet(ei, |_, p| crate::analysis::socketio::event_name_in(&p.data));
            if let Some(Some(n)) = name {
                names.push(crate::store::socketio_fields::EVENT.at(n.as_str(), [0, 0]));
            }
        }
        Some(on_test(t, &names))
    }

    /// A test of `socketio.type`, `socketio.nsp` or `socketio.ack_id` from the Socket.IO
    /// records, without building the layers (which parse every packet's JSON). The tree
    /// has a packet's fields where it has its layer: its data is plain (its parsing
    /// cannot fail) and its carrier can be read again; for a packet where that is not
    /// sure of every Socket.IO record, `None` (the layers answer). The fields are built
    /// as the tree builds them, so every kind of test sees what it sees there.
    fn sio_head(&self, e: &Expr, name: &str) -> Option<bool> {
        use crate::store::socketio_fields as hf;
        if !matches!(name, "socketio.type" | "socketio.nsp" | "socketio.ack_id") {
            return None;
        }
        let rt = &self.store.analysis.upper.realtime;
        let mut fields: Vec<Field> = Vec::new();
        for (ei, s) in self.sio_records() {
            let field = match name {
                "socketio.type" => {
                    let kind = Value::Named(u64::from(s.kind as u8), s.kind.name());
                    Some(hf::SIO_TYPE.at(kind, [0, 0]))
                }
                "socketio.nsp" if s.nsp == u16::MAX => return None,
                "socketio.nsp" => Some(hf::NSP.at(rt.namespace(s.nsp), [0, 0])),
                _ => s.ack_id.map(|id| hf::ACK_ID.at(id, [0, 0])),
            };
            // A record without the field adds nothing, layer or not.
            let Some(field) = field else {
                continue;
            };
            if !s.plain || self.store.with_eio_packet(ei, |_, _| ()).is_none() {
                return None;
            }
            fields.push(field);
        }
        on_fields(e, &fields)
    }

    /// A test of `socketio.args` (the arguments as compact JSON) or `socketio.arg` (each
    /// argument's text) from the Socket.IO records and their data, without building the
    /// layers (which parse every packet's JSON into values). Only for data that is plain
    /// and UTF-8 of packets without attachments, whose carrier can be read again (where
    /// that is not sure of every Socket.IO record, `None`: the layers answer). The fields
    /// are built as the tree builds them.
    fn sio_args(&self, e: &Expr, name: &str) -> Option<bool> {
        use crate::analysis::{sio_info, socketio as sio, socketio_spans as spans};
        use crate::store::{socketio_fields as hf, socketio_text_field as text};
        let each = match name {
            "socketio.args" => false,
            "socketio.arg" => true,
            _ => return None,
        };
        let mut fields: Vec<Field> = Vec::new();
        for (ei, s) in self.sio_records() {
            if !s.plain || s.kind.is_binary() {
                return None;
            }
            let event = s.kind.is_event();
            let more = self.store.with_eio_packet(ei, |_, p| {
                let h = sio::parse_head_known_plain(&p.data).ok()?;
                let Some((a, b)) = h.data_range else {
                    return Some(Vec::new());
                };
                let data = std::str::from_utf8(p.data.get(a..b)?).ok()?;
                if each {
                    let sp = spans::sio_spans(&p.data);
                    let skip = usize::from(event);
                    let args = sp.elements.get(skip..).unwrap_or_default().iter();
                    return Some(
                        args.map(|&[a, b]| {
                            let raw = p.data.get(a as usize..b as usize).unwrap_or_default();
                            text(&hf::ARG, &String::from_utf8_lossy(raw), [0, 0])
                        })
                        .collect(),
                    );
                }
                let mut shown = String::new();
                let budget = crate::store::MAX_FIELD_BYTES;
                match sio_info::args_plain(data.as_bytes(), event, &mut shown, budget) {
                    Ok(()) | Err(json_scan::Stop::Budget) => {}
                    Err(json_scan::Stop::Unsupported) => return None,
                }
                Some(vec![text(&hf::ARGS, &shown, [0, 0])])
            });
            fields.extend(more.flatten()?);
        }
        on_fields(e, &fields)
    }

    /// A test (or presence) of `engineio.sid` from the sessions of the records, without
    /// building the layers.
    fn eio_sid(&self, e: &Expr, name: &str) -> Option<bool> {
        if name != "engineio.sid" {
            return None;
        }
        on_fields(e, &self.store.eio_sid_fields_at(self.id))
    }

    /// A test of `websocket.payload` from the WebSocket frame and message records and the
    /// payloads read again, without building the layers. Presence is left to the layers
    /// (`websocket.payload.part` is below the name).
    fn ws_payload(&self, e: &Expr, name: &str) -> Option<bool> {
        let Expr::Test(_, t) = e else {
            return None;
        };
        if name != "websocket.payload" {
            return None;
        }
        Some(on_test(t, &self.store.ws_payload_fields_at(self.id)))
    }

    /// A test of `engineio.type` or `engineio.data` from the Engine.IO records (and the
    /// packets read again, for the data), without building the layers: the tree has the
    /// type for each Engine.IO packet whose carrier can be read again, and the data of
    /// each such text packet that has some.
    fn eio_type(&self, e: &Expr, name: &str) -> Option<bool> {
        use crate::store::{socketio_fields as hf, socketio_text_field as text};
        let data = match name {
            "engineio.type" => false,
            "engineio.data" => true,
            _ => return None,
        };
        let rt = &self.store.analysis.upper.realtime;
        let mut fields: Vec<Field> = Vec::new();
        for (ei, r) in rt.eio_at(self.id.0) {
            let field = self.store.with_eio_packet(ei, |_, p| match data {
                false => {
                    let kind = Value::Named(u64::from(r.kind.number()), r.kind.name());
                    Some(hf::TYPE.at(kind, [0, 0]))
                }
                true if p.binary || p.data.is_empty() => None,
                true => Some(text(&hf::DATA, &String::from_utf8_lossy(&p.data), [0, 0])),
            })?;
            fields.extend(field);
        }
        on_fields(e, &fields)
    }

    /// `f` on the record layers of `parts` (built once, again with more parts if a later
    /// test needs them).
    fn with_layers(&self, parts: RecordParts, f: impl FnOnce(&Dissection) -> bool) -> Option<bool> {
        let mut built = self.built.borrow_mut();
        let want = match &*built {
            Some((have, _)) if have.covers(parts) => None,
            Some((have, _)) => Some(have.union(parts)),
            None => Some(parts),
        };
        if let Some(p) = want {
            let d = self.store.record_layers(self.id, p)?;
            *built = Some((p, d));
        }
        built.as_ref().map(|(_, d)| f(d))
    }
}
