//! The WebSocket opening handshake's `Sec-WebSocket-Accept` (RFC 6455 §4.2.2):
//! the client's key, the GUID appended, SHA-1, base64, and the comparison with
//! what the server sent. Shown at the Upgrade request and at the 101 response.

use base64::Engine;

use super::{find_in, spaced_hex, Kind, Range, Step, Worked};
use crate::analysis::http::{accept_digest, WS_GUID};
use crate::dissect::{Dissection, Src};
use crate::store::{PacketId, Store};

/// What the computation reads: the key, the Accept the server sent, and where each
/// was (packet index, bytes in the shown packet's tree when it is that packet).
#[derive(Clone, Debug, Default)]
pub struct Handshake<'a> {
    pub key: &'a str,
    pub key_packet: Option<u32>,
    pub key_at: Option<(Src, Range)>,
    /// `None`: no 101 was captured; `Some(None)`: a 101 without the header.
    pub sent: Option<Option<&'a str>>,
    pub sent_packet: Option<u32>,
    pub sent_at: Option<(Src, Range)>,
}

/// The Accept computation at packet `id`, if it carries an Upgrade request or its 101.
pub fn worked(store: &Store, id: PacketId, d: &Dissection) -> Option<Worked> {
    let http = &store.analysis.upper.http;
    let frame = store.capture.data(id.index());
    for (m, msg) in http.messages_at(id.0) {
        let ws = http
            .websockets
            .iter()
            .find(|w| w.request == m || w.response == m);
        let head_packet = |i: u32| http.messages.get(i as usize).map(|x| x.head_packets.1);
        let key_at = |key: &str| {
            find_in(
                d,
                frame,
                head_place(d, "http.sec_websocket_key"),
                key.as_bytes(),
            )
        };
        if let Some(w) = ws {
            let sent = w.accept.as_deref();
            let h = Handshake {
                key: w.key.trim(),
                key_packet: head_packet(w.request),
                key_at: (w.request == m).then(|| key_at(w.key.trim())).flatten(),
                sent: Some(sent),
                sent_packet: head_packet(w.response),
                sent_at: (w.response == m)
                    .then(|| {
                        let at = head_place(d, "http.sec_websocket_accept");
                        find_in(d, frame, at, sent?.as_bytes())
                    })
                    .flatten(),
            };
            return Some(of(&h));
        }
        // An Upgrade request no 101 answered (yet): the Accept it should get.
        if msg.is_request() {
            let Some(head) = store.http_head(m) else {
                continue;
            };
            let asks = head.header_has("Upgrade", "websocket");
            if let (true, Some(key)) = (asks, head.header("Sec-WebSocket-Key")) {
                let h = Handshake {
                    key: key.trim(),
                    key_packet: Some(msg.head_packets.1),
                    key_at: key_at(key.trim()),
                    ..Handshake::default()
                };
                return Some(of(&h));
            }
        }
    }
    None
}

/// The bytes of a header field in the tree (its whole line).
fn head_place(d: &Dissection, name: &str) -> Option<(Src, Range)> {
    super::field_place(d, name)
}

/// The steps for one handshake.
pub fn of(h: &Handshake) -> Worked {
    let packet = |p: Option<u32>| p.map_or(String::new(), |p| format!(" (packet {})", p + 1));
    let mut steps = vec![Step::new(format!(
        "The client's Upgrade request{} carries a Sec-WebSocket-Key, chosen at random for this connection.",
        packet(h.key_packet)
    ))
    .value(h.key)
    .at(h.key_at)];
    steps.push(nonce_step(h.key));
    let joined = format!("{}{WS_GUID}", h.key);
    steps.push(
        Step::new(format!(
            "Append the GUID that RFC 6455 §1.3 fixes for every WebSocket server: {} characters in all.",
            joined.len()
        ))
        .value(&joined),
    );
    let digest = accept_digest(h.key);
    steps.push(
        Step::new("SHA-1 of those characters (as ASCII bytes) gives 20 bytes, here in hex.")
            .value(spaced_hex(&digest, digest.len())),
    );
    let computed = base64::engine::general_purpose::STANDARD.encode(digest);
    steps.push(
        Step::new("Those 20 bytes in base64: the Sec-WebSocket-Accept the server must answer.")
            .value(&computed),
    );
    steps.push(compare_step(h, &computed, &packet(h.sent_packet)));
    Worked {
        kind: Kind::Accept,
        title: "Sec-WebSocket-Accept: the server proves it read the key".into(),
        steps,
    }
}

/// The key decoded: RFC 6455 §4.1 asks for 16 random bytes in base64.
fn nonce_step(key: &str) -> Step {
    match base64::engine::general_purpose::STANDARD.decode(key) {
        Ok(b) if b.len() == 16 => Step::new(
            "The key is 16 random bytes in base64 (RFC 6455 §4.1). The server never decodes it: it works on the text.",
        )
        .value(spaced_hex(&b, 16)),
        Ok(b) => Step::new(format!(
            "RFC 6455 §4.1 asks for 16 random bytes in base64; this key decodes to {} bytes. The server still works on the text.",
            b.len()
        ))
        .value(spaced_hex(&b, 16))
        .check(false),
        Err(_) => Step::new(
            "RFC 6455 §4.1 asks for 16 random bytes in base64; this key is not base64. The server still works on the text.",
        )
        .check(false),
    }
}

/// What the server sent, against the value computed.
fn compare_step(h: &Handshake, computed: &str, packet: &str) -> Step {
    match h.sent {
        None => Step::new(
            "No 101 Switching Protocols answer was captured: this is the value it should carry.",
        ),
        Some(None) => Step::new(format!(
            "The server's 101{packet} has no Sec-WebSocket-Accept: the client must fail the connection (RFC 6455 §4.1)."
        ))
        .check(false),
        Some(Some(sent)) if sent.trim() == computed => Step::new(format!(
            "The server's 101{packet} sent this Sec-WebSocket-Accept. It matches: the server read this very key, so this is a WebSocket server and not a cache replaying an old answer."
        ))
        .value(sent.trim())
        .at(h.sent_at)
        .check(true),
        Some(Some(sent)) => Step::new(format!(
            "The server's 101{packet} sent this Sec-WebSocket-Accept. It does not match: the client must fail the connection (RFC 6455 §4.1)."
        ))
        .value(sent.trim())
        .at(h.sent_at)
        .check(false),
    }
}
