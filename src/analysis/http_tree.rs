//! The HTTP layer of the field tree: each part of a message's head with the bytes
//! it came from (RFC 9112 §2.1: start-line, then one field line per header, then
//! an empty line), and what the analysis worked out about the message.

use crate::dissect::{FieldDef, Layer, Osi, Range, Show, Src, Value};

use super::http::{HttpAnalysis, ParsedHead, StartLine};

/// Where a head's bytes are shown: in `src`, starting at `base`.
#[derive(Clone, Copy, Debug)]
pub struct HeadAt {
    pub src: Src,
    pub base: u32,
}

/// The byte ranges of a head's parts, relative to the head's first byte.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadSpans {
    /// The three parts of the start line: method, target, version of a request;
    /// version, status code, reason of a response.
    pub start: [Range; 3],
    /// Each header's field line, without its line break.
    pub lines: Vec<Range>,
}

/// Finds the parts of a head that `httparse` accepted (so one space between the
/// parts of the start line, and one field line per header: obsolete line folding
/// is refused). Scanned by hand: httparse gives the parts' text, not their place.
pub fn head_spans(head: &[u8]) -> HeadSpans {
    let mut lines = head.split(|&b| b == b'\n').scan(0u32, |at, line| {
        let start = *at;
        *at += line.len() as u32 + 1;
        let text = line.strip_suffix(b"\r").unwrap_or(line);
        Some((start, text))
    });
    let mut spans = HeadSpans::default();
    if let Some((start, first)) = lines.next() {
        let end = start + first.len() as u32;
        let sp1 = first.iter().position(|&b| b == b' ');
        let sp2 = sp1.and_then(|a| {
            first[a + 1..]
                .iter()
                .position(|&b| b == b' ')
                .map(|b| a + 1 + b)
        });
        let at = |i: Option<usize>| i.map_or(end, |i| start + i as u32);
        let (a, b) = (at(sp1), at(sp2));
        spans.start = [[start, a], [(a + 1).min(end), b], [(b + 1).min(end), end]];
    }
    for (start, line) in lines {
        if line.is_empty() {
            break;
        }
        spans.lines.push([start, start + line.len() as u32]);
    }
    spans
}

impl HttpAnalysis {
    /// The application layer (OSI 7) for message `message` shown at a packet; `range`
    /// is that packet's TCP payload (the layer's bytes), `at` where the head's bytes are
    /// (the frame when the head is whole in this packet, else a derived buffer), and
    /// `spans` the head's parts ([`head_spans`]).
    pub fn layer(
        &self,
        message: u32,
        h: &ParsedHead,
        range: Range,
        (at, spans): (HeadAt, &HeadSpans),
    ) -> Layer {
        let m = &self.messages[message as usize];
        let part = |def: &FieldDef, value: Value, span: Range| {
            let mut f = def.at(value, [at.base + span[0], at.base + span[1]]);
            f.src = at.src;
            f
        };
        let made = |def: &FieldDef, value: Value| def.at(value, range).generated();
        let title = format!("Hypertext Transfer Protocol: {}", h.summary());
        let mut l = Layer::new(Osi::Application, "http", title, range);
        let [s0, s1, s2] = spans.start;
        let version = |v: &u8| Value::text(format!("HTTP/1.{v}"));
        match &h.start {
            StartLine::Request {
                method,
                target,
                version: v,
            } => {
                l.fields
                    .push(part(&hf::REQUEST_METHOD, Value::text(method.as_str()), s0));
                l.fields
                    .push(part(&hf::REQUEST_URI, Value::text(target.as_str()), s1));
                l.fields.push(part(&hf::REQUEST_VERSION, version(v), s2));
            }
            StartLine::Response {
                version: v,
                code,
                reason,
            } => {
                l.fields.push(part(&hf::RESPONSE_VERSION, version(v), s0));
                l.fields.push(part(
                    &hf::RESPONSE_CODE,
                    Value::Unsigned(u64::from(*code)),
                    s1,
                ));
                l.fields
                    .push(part(&hf::RESPONSE_PHRASE, Value::text(reason.as_str()), s2));
            }
        }
        for (i, (name, value)) in h.headers.iter().enumerate() {
            let span = spans.lines.get(i).copied().unwrap_or_default();
            l.fields.push(match header_def(name) {
                Some(def) => part(def, Value::text(value), span),
                None => part(&hf::HEADER, Value::text(format!("{name}: {value}")), span),
            });
        }
        l.fields.push(
            made(&hf::CONTENT_LENGTH, Value::Unsigned(m.body_len)).show(Show::Unit(" bytes")),
        );
        let frame = |p: u32| Value::Frame(u64::from(p) + 1);
        if let Some(req) = m.answers {
            let p = self.messages[req as usize].head_packets.1;
            l.fields.push(made(&hf::REQUEST_IN, frame(p)));
        }
        let response = m.answered_by.and_then(|r| self.messages.get(r as usize));
        if let Some(resp) = response {
            l.fields
                .push(made(&hf::RESPONSE_IN, frame(resp.head_packets.1)));
        }
        if let Some(w) = self.websocket_of(message).filter(|w| w.response == message) {
            let verdict = Show::Words(
                "Sec-WebSocket-Accept matches ✓",
                "Sec-WebSocket-Accept does NOT match ✗",
            );
            let accept = w.accept.clone().unwrap_or_default();
            l.fields.push(
                made(&hf::WS_HANDSHAKE, Value::Bool(w.accept_ok))
                    .show(verdict)
                    .with(vec![
                        made(&hf::WS_KEY, Value::text(w.key.as_str())),
                        made(&hf::WS_ACCEPT, Value::text(accept)),
                        made(
                            &hf::WS_ACCEPT_EXPECTED,
                            Value::text(w.expected_accept.as_str()),
                        ),
                    ]),
            );
        }
        l
    }
}

/// The field of a header Wireshark names (`Host` is `http.host`), shown under the
/// header's name and holding its value; `None` for other headers (`http.header`, the
/// whole line).
fn header_def(name: &str) -> Option<&'static FieldDef> {
    static KNOWN: [&FieldDef; 13] = [
        &hf::HOST,
        &hf::USER_AGENT,
        &hf::CONTENT_TYPE,
        &hf::CONTENT_LENGTH_HEADER,
        &hf::CONNECTION,
        &hf::UPGRADE,
        &hf::TRANSFER_ENCODING,
        &hf::SERVER,
        &hf::SEC_WEBSOCKET_KEY,
        &hf::SEC_WEBSOCKET_ACCEPT,
        &hf::SEC_WEBSOCKET_VERSION,
        &hf::SEC_WEBSOCKET_EXTENSIONS,
        &hf::SEC_WEBSOCKET_PROTOCOL,
    ];
    KNOWN
        .iter()
        .find(|d| d.label.eq_ignore_ascii_case(name))
        .copied()
}

/// HTTP and WebSocket-handshake field definitions.
pub(crate) mod hf {
    crate::dissect::fields! {
        HTTP = "http", "Hypertext Transfer Protocol", None;
        REQUEST_METHOD = "http.request.method", "Request Method", Text;
        REQUEST_URI = "http.request.uri", "Request URI", Text;
        REQUEST_VERSION = "http.request.version", "Request Version", Text;
        RESPONSE_VERSION = "http.response.version", "Response Version", Text;
        RESPONSE_CODE = "http.response.code", "Status Code", Unsigned;
        RESPONSE_PHRASE = "http.response.phrase", "Response Phrase", Text;
        HOST = "http.host", "Host", Text, "Header: Host";
        USER_AGENT = "http.user_agent", "User-Agent", Text, "Header: User-Agent";
        CONTENT_TYPE = "http.content_type", "Content-Type", Text, "Header: Content-Type";
        CONTENT_LENGTH_HEADER = "http.content_length_header", "Content-Length", Text,
            "Header: Content-Length";
        CONNECTION = "http.connection", "Connection", Text, "Header: Connection";
        UPGRADE = "http.upgrade", "Upgrade", Text, "Header: Upgrade";
        TRANSFER_ENCODING = "http.transfer_encoding", "Transfer-Encoding", Text,
            "Header: Transfer-Encoding";
        SERVER = "http.server", "Server", Text, "Header: Server";
        SEC_WEBSOCKET_KEY = "http.sec_websocket_key", "Sec-WebSocket-Key", Text,
            "Header: Sec-WebSocket-Key";
        SEC_WEBSOCKET_ACCEPT = "http.sec_websocket_accept", "Sec-WebSocket-Accept", Text,
            "Header: Sec-WebSocket-Accept";
        SEC_WEBSOCKET_VERSION = "http.sec_websocket_version", "Sec-WebSocket-Version", Text,
            "Header: Sec-WebSocket-Version";
        SEC_WEBSOCKET_EXTENSIONS = "http.sec_websocket_extensions", "Sec-WebSocket-Extensions",
            Text, "Header: Sec-WebSocket-Extensions";
        SEC_WEBSOCKET_PROTOCOL = "http.sec_websocket_protocol", "Sec-WebSocket-Protocol", Text,
            "Header: Sec-WebSocket-Protocol";
        HEADER = "http.header", "Header", Text, "Other header (the whole line)";
        CONTENT_LENGTH = "http.content_length", "Body length", Unsigned;
        REQUEST_IN = "http.request_in", "Request in frame", Frame;
        RESPONSE_IN = "http.response_in", "Response in frame", Frame;
        WS_HANDSHAKE = "websocket.handshake", "WebSocket handshake", Bool,
            "WebSocket handshake: the Sec-WebSocket-Accept matches the key";
        WS_KEY = "websocket.key", "Client key", Text;
        WS_ACCEPT = "websocket.accept", "Accept sent", Text;
        WS_ACCEPT_EXPECTED = "websocket.accept.expected",
            "Accept expected = base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11))", Text,
            "Accept expected";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(head: &[u8], r: Range) -> &str {
        std::str::from_utf8(&head[r[0] as usize..r[1] as usize]).unwrap()
    }

    #[test]
    fn spans_of_a_request_and_a_response() {
        let req = b"GET /chat?x=1 HTTP/1.1\r\nHost: a\r\nUpgrade:websocket\r\n\r\n";
        let s = head_spans(req);
        let parts: Vec<&str> = s.start.iter().map(|&r| text(req, r)).collect();
        assert_eq!(parts, ["GET", "/chat?x=1", "HTTP/1.1"]);
        let lines: Vec<&str> = s.lines.iter().map(|&r| text(req, r)).collect();
        assert_eq!(lines, ["Host: a", "Upgrade:websocket"]);

        let resp = b"HTTP/1.1 101 Switching Protocols\r\n\r\n";
        let s = head_spans(resp);
        let parts: Vec<&str> = s.start.iter().map(|&r| text(resp, r)).collect();
        assert_eq!(parts, ["HTTP/1.1", "101", "Switching Protocols"]);
        assert!(s.lines.is_empty());
    }

    #[test]
    fn a_response_without_a_reason_has_an_empty_reason_span() {
        let resp = b"HTTP/1.1 204\r\nA: b\n\n";
        let s = head_spans(resp);
        assert_eq!(text(resp, s.start[1]), "204");
        assert_eq!(s.start[2][0], s.start[2][1]);
        assert_eq!(text(resp, s.lines[0]), "A: b");
    }
}
