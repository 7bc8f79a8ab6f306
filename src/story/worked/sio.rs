//! An Engine.IO packet, and the Socket.IO packet it carries, taken apart:
//! `<eio type><sio type>[<attachments>-][<namespace>,][<ack id>][<JSON>]`
//! (engine.io-protocol v4, socket.io-protocol v5), with binary placeholders and
//! the attachments that replace them.

use super::{shown_text, spaced_hex, Kind, Range, Step, Worked};
use crate::analysis::engineio::{self as eio, PacketType};
use crate::analysis::realtime::SioRecord;
use crate::analysis::realtime::{Carrier, EioRecord};
use crate::analysis::socketio::SioType;
use crate::analysis::socketio_spans::{sio_spans, SioSpans};
use crate::dissect::{Dissection, Src};
use crate::store::places::Place;
use crate::store::{PacketId, Store};

const EIO_TYPES: &str = "0 open · 1 close · 2 ping · 3 pong · 4 message · 5 upgrade · 6 noop";
const SIO_TYPES: &str =
    "0 CONNECT · 1 DISCONNECT · 2 EVENT · 3 ACK · 4 CONNECT_ERROR · 5 BINARY_EVENT · 6 BINARY_ACK";

/// One Engine.IO packet completed at `id` (with its Socket.IO packet, if any), each.
pub fn worked(store: &Store, id: PacketId, d: &mut Dissection) -> Vec<Worked> {
    let rt = &store.analysis.upper.realtime;
    let records: Vec<(u32, EioRecord)> = rt.eio_at(id.0).map(|(e, r)| (e, *r)).collect();
    let mut out = Vec::new();
    for (e, r) in records {
        let Some((_, p)) = store.eio_packet(e) else {
            continue;
        };
        let place = store.carrier_place(id, r.carrier, d);
        let mut steps = vec![carrier_step(store, &r, &p, place)];
        if p.binary {
            steps.extend(attachment_steps(store, e, &p));
        } else {
            steps.push(
                Step::new(format!(
                    "Its first character is the Engine.IO packet type: {} is {}.",
                    p.kind.number(),
                    p.kind.name()
                ))
                .value(EIO_TYPES)
                .at(place.map(|pl| pl.at(r.range.0, 1))),
            );
            // The Socket.IO text starts after the type digit.
            let base = place.map(|pl| Place {
                src: pl.src,
                base: pl.base + r.range.0 + 1,
            });
            match rt.socketio_of(e) {
                Some((s, _)) => steps.extend(sio_steps(store, s, &p.data, base)),
                None => steps.push(data_step(&p)),
            }
        }
        let title = match rt.socketio_of(e).map(|(_, s)| s.kind) {
            Some(k) => format!("Socket.IO {} taken apart", k.name()),
            None => format!("Engine.IO {} packet taken apart", p.kind.name()),
        };
        out.push(Worked {
            kind: Kind::SocketIo,
            title,
            steps,
        });
    }
    out
}

/// What carried the packet: a WebSocket message, or a long-polling body.
fn carrier_step(store: &Store, r: &EioRecord, p: &eio::Packet, place: Option<Place>) -> Step {
    let at = place.map(|pl| pl.span([r.range.0, r.range.1]));
    let text = match r.carrier {
        Carrier::WsMessage(_) if p.binary => {
            "This Engine.IO packet arrives as a binary WebSocket message: Engine.IO sends binary data as is, with no type character (it is a message).".to_string()
        }
        Carrier::WsMessage(_) => {
            "This Engine.IO packet arrives as a WebSocket text message: one Engine.IO packet per message.".to_string()
        }
        Carrier::HttpBody(m) => {
            let v3 = (store.analysis.upper.realtime.sessions)
                .get(r.session as usize)
                .is_some_and(|s| s.version < 4);
            let sep = if v3 {
                "each prefixed with its length and a colon (Engine.IO v3)"
            } else {
                "separated by the byte 0x1e, the record separator (Engine.IO v4)"
            };
            let req = (store.analysis.upper.http.messages.get(m as usize))
                .is_some_and(|x| x.is_request());
            let who = if req { "request (POST)" } else { "response" };
            format!("This Engine.IO packet arrives in the body of an HTTP long-polling {who}, which can hold several Engine.IO packets, {sep}.")
        }
    };
    let value = match p.text() {
        Some(t) if !p.binary => format!("{}{}", p.kind.number(), shown_text(t)),
        _ => spaced_hex(&p.data, super::MAX_HEX_SHOWN),
    };
    Step::new(text).value(value).at(at)
}

/// An Engine.IO packet that carries no Socket.IO packet: its data and what it is for.
fn data_step(p: &eio::Packet) -> Step {
    let data = p.text().unwrap_or_default();
    let what = match p.kind {
        PacketType::Open => "The rest is the session's handshake, in JSON: its id (sid), the transports it may upgrade to, how often the server pings and how long it waits for a pong, the largest payload.",
        PacketType::Ping | PacketType::Pong if data == "probe" => "With the data \"probe\", it tests the new WebSocket before the client switches to it: ping probe from the client, pong probe back.",
        PacketType::Ping => "The heartbeat: the server pings at the interval it announced, and the client must answer with a pong in time.",
        PacketType::Pong => "The heartbeat: the answer to the server's ping.",
        PacketType::Upgrade => "The client has switched to the WebSocket: from now on the long-polling requests stop.",
        PacketType::Noop => "Nothing: it makes a pending long-polling request return during the upgrade.",
        PacketType::Close => "The session ends.",
        PacketType::Message => "The rest is the message's data.",
    };
    let step = Step::new(what);
    if data.is_empty() {
        step
    } else {
        step.value(shown_text(data))
    }
}

/// The Socket.IO packet `s`, whose text is `text` (bytes from `base` on).
fn sio_steps(store: &Store, s: u32, text: &[u8], base: Option<Place>) -> Vec<Step> {
    let rt = &store.analysis.upper.realtime;
    let Some(r) = rt.socketio.get(s as usize) else {
        return Vec::new();
    };
    let sp = sio_spans(text);
    let at = |span: Option<[u32; 2]>| base.zip(span).map(|(b, sp)| b.span(sp));
    let part = |span: Option<[u32; 2]>| {
        span.and_then(|[a, b]| text.get(a as usize..b as usize))
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let digit = text.first().map_or('?', |&b| b as char);
    let mut steps = vec![Step::new(format!(
        "What follows is a Socket.IO packet. Its first character is its type: {digit} is {}.",
        r.kind.name()
    ))
    .value(SIO_TYPES)
    .at(at(Some(sp.kind)))];
    if r.kind.is_binary() {
        steps.push(
            Step::new(format!(
                "\"{}-\": {} binary attachment(s) follow this packet, each in an Engine.IO message of its own.",
                part(sp.attachments),
                r.attachments
            ))
            .at(at(sp.attachments)),
        );
    }
    steps.push(namespace_step(
        &sp,
        &part(sp.nsp),
        at(sp.nsp),
        rt.namespace(r.nsp),
    ));
    steps.push(ack_step(store, (s, r), &part(sp.ack_id), at(sp.ack_id)));
    steps.extend(json_steps(store, s, r.kind, &sp, text, &at));
    steps
}

fn namespace_step(sp: &SioSpans, written: &str, at: Option<(Src, Range)>, nsp: &str) -> Step {
    if sp.nsp.is_some() {
        Step::new(format!(
            "\"{written},\": the namespace, up to a comma: {nsp}. A namespace is a channel of its own over the same connection (io.of(\"{nsp}\") on the server)."
        ))
        .at(at)
    } else {
        Step::new("No \"/\" after the type: the default namespace, \"/\" (io.on(\"connection\", …) on the server).")
    }
}

fn ack_step(
    store: &Store,
    (s, r): (u32, &SioRecord),
    written: &str,
    at: Option<(Src, Range)>,
) -> Step {
    let Some(id) = r.ack_id else {
        return Step::new("No digits before the data: no acknowledgement is asked.");
    };
    let text = if r.kind.is_ack() {
        match r.answers {
            Some(a) => format!(
                "\"{written}\": this ACK answers the emit that carried ack id {id}, in packet {}: the callback's values come back.",
                store.sio_packet_number(a)
            ),
            None => format!("\"{written}\": this ACK answers ack id {id} (the emit was not captured)."),
        }
    } else {
        let answer = match store.ack_latency_ns(s) {
            Some((a, ns)) => format!(
                "the ACK with the same id is in packet {}, {:.3} ms later",
                store.sio_packet_number(a),
                ns as f64 / 1e6
            ),
            None => "no ACK with that id was captured".to_string(),
        };
        format!(
            "\"{written}\" before the data: ack id {id}. The sender passed a callback (socket.emit(…, callback) or emitWithAck) and waits for an ACK: {answer}."
        )
    };
    Step::new(text).value(written).at(at)
}

/// The JSON data: the event name and arguments, and binary placeholders with the
/// attachments that replace them.
fn json_steps(
    store: &Store,
    s: u32,
    kind: SioType,
    sp: &SioSpans,
    text: &[u8],
    at: &dyn Fn(Option<[u32; 2]>) -> Option<(Src, Range)>,
) -> Vec<Step> {
    let Some([a, b]) = sp.data else {
        return vec![Step::new("No data follows.")];
    };
    let json = String::from_utf8_lossy(text.get(a as usize..b as usize).unwrap_or_default());
    let what = match kind {
        SioType::Event | SioType::BinaryEvent => "The rest is a JSON array: the event name first, then the arguments, as given to socket.emit.",
        SioType::Ack | SioType::BinaryAck => "The rest is a JSON array: the values the callback was called with.",
        SioType::Connect => "The rest is a JSON object: from the client its auth data, from the server the socket's id.",
        SioType::ConnectError => "The rest says why the connection to the namespace was refused.",
        SioType::Disconnect => "The rest is the packet's data.",
    };
    let mut steps = vec![Step::new(what).value(shown_text(&json)).at(at(sp.data))];
    let Some((_, view)) = store.sio_view(s) else {
        return steps;
    };
    if let (Some(name), Some(&span)) = (view.packet.event_name(), sp.elements.first()) {
        let args: Vec<String> = view.packet.args().iter().map(|v| v.to_string()).collect();
        steps.push(
            Step::new(format!(
                "Event name \"{name}\": the receiver's socket.on(\"{name}\", …) handler is called with the {} argument(s) that follow.",
                args.len()
            ))
            .value(format!("[{}]", shown_text(&args.join(","))))
            .at(at(Some(span))),
        );
    }
    steps.extend(placeholder_steps(store, s, &view));
    steps
}

fn placeholder_steps(store: &Store, s: u32, view: &crate::store::SioView) -> Vec<Step> {
    let rt = &store.analysis.upper.realtime;
    let n = view.packet.placeholders();
    if n == 0 {
        return Vec::new();
    }
    let mut steps = vec![Step::new(format!(
        "JSON cannot hold bytes, so each Buffer argument was replaced by a placeholder {{\"_placeholder\":true,\"num\":k}}: {n} here. Attachment k is sent after the packet, as binary."
    ))];
    for (k, a) in rt.attached(s).enumerate() {
        let Some((r, p)) = store.eio_packet(a) else {
            continue;
        };
        steps.push(
            Step::new(format!(
                "Attachment {k}: a binary message in packet {}, {} bytes.",
                r.packet + 1,
                p.data.len()
            ))
            .value(spaced_hex(&p.data, super::MAX_HEX_SHOWN)),
        );
    }
    if view.missing_attachments > 0 {
        steps.push(
            Step::new(format!(
                "{} announced attachment(s) were not captured.",
                view.missing_attachments
            ))
            .check(false),
        );
    }
    if let Some(data) = &view.data {
        steps.push(
            Step::new("With each placeholder replaced by its attachment, the data the handler gets (bytes shown in hex):")
                .value(shown_text(&data.to_string())),
        );
    }
    steps
}

/// A binary Engine.IO message: which Socket.IO packet it is an attachment of.
fn attachment_steps(store: &Store, e: u32, p: &eio::Packet) -> Vec<Step> {
    let rt = &store.analysis.upper.realtime;
    // The Socket.IO packet that announced it comes before it: look back.
    let owner = (0..rt.socketio.len() as u32)
        .rev()
        .filter(|&s| rt.socketio[s as usize].attachments > 0 && rt.socketio[s as usize].eio < e)
        .find_map(|s| Some((s, rt.attached(s).position(|a| a == e)?)));
    let Some((s, k)) = owner else {
        return vec![Step::new(format!(
            "{} bytes of binary data, not announced by a Socket.IO packet.",
            p.data.len()
        ))];
    };
    vec![Step::new(format!(
        "It is attachment {k} of the Socket.IO {} in packet {}: the receiver puts these {} bytes where that packet's JSON has {{\"_placeholder\":true,\"num\":{k}}}.",
        rt.socketio[s as usize].kind.name(),
        store.sio_packet_number(s),
        p.data.len()
    ))]
}
