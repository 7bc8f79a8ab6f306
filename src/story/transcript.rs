//! A conversation or an Engine.IO session read like a chat: one line per HTTP
//! message, WebSocket message, Engine.IO and Socket.IO packet, built from the
//! message-level view ([`crate::export::messages`]).

use serde::Serialize;
use serde_json::Value;

use super::ladder::ms_text;
use super::shorten;
use crate::export::messages::{self, MessageLine, MessageRef, SioPart};
use crate::ids::Direction;
use crate::store::Store;

/// Most lines in one transcript; the rest are left out.
pub const MAX_LINES: usize = 1_000_000;

/// Longest text of one line, in characters.
pub const MAX_TEXT: usize = 400;

/// One line of a transcript.
#[derive(Clone, Debug, Serialize)]
pub struct ChatLine {
    /// The packet that completed it (0-based index).
    pub packet: u32,
    pub ts_ns: i64,
    /// Seconds since the transcript's first line.
    pub rel_s: f64,
    pub conversation: u32,
    /// Who sent it (in JSON: `"from_client": true|false`).
    #[serde(
        rename = "from_client",
        serialize_with = "crate::ids::serialize_from_client"
    )]
    pub dir: Direction,
    /// `client` or `server`.
    pub who: &'static str,
    /// `http`, `websocket`, `engineio` or `socketio`.
    pub kind: &'static str,
    /// `emit "chat message" "hi"`, `ack #0 → {"answer":42} (0.62 ms)`, `GET /chat`...
    pub text: String,
    /// For an emit answered by an ack, and for the ack: the time between them.
    pub ack_latency_ms: Option<f64>,
    /// An emit that asked for an ack and got none.
    pub unanswered: bool,
}

/// `"hi"`, `<8 bytes deadbeef…>` for an attachment the view joined in.
fn arg_text(v: &Value) -> String {
    if let Value::Object(o) = v {
        if let (Some(Value::String(hex)), Some(len)) = (o.get("_binary"), o.get("len")) {
            return format!("<{len} bytes {}>", shorten(hex, 33));
        }
    }
    serde_json::to_string(v).unwrap_or_default()
}

fn args_text(args: &[Value]) -> String {
    args.iter().map(arg_text).collect::<Vec<_>>().join(" ")
}

/// The chat text of a Socket.IO line; also its ack latency.
fn sio_text(s: &SioPart) -> (String, Option<f64>) {
    let nsp = if s.nsp == "/" {
        String::new()
    } else {
        format!("[{}] ", s.nsp)
    };
    let args = args_text(&s.args);
    let join = |a: &str, b: &str| {
        if b.is_empty() {
            a.to_string()
        } else {
            format!("{a} {b}")
        }
    };
    match s.kind {
        "EVENT" | "BINARY_EVENT" => {
            let name = s
                .event
                .as_deref()
                .map(|e| serde_json::to_string(e).unwrap_or_default())
                .unwrap_or_default();
            let mut t = join(&format!("{nsp}emit {name}"), &args);
            if let Some(id) = s.ack_id {
                match (s.ack_latency_ms, s.unanswered) {
                    (Some(ms), _) => t.push_str(&format!(" (ack #{id} in {})", ms_text(ms))),
                    (None, true) => t.push_str(&format!(" (ack #{id} never came)")),
                    (None, false) => t.push_str(&format!(" (asks ack #{id})")),
                }
            }
            (t, s.ack_latency_ms)
        }
        "ACK" | "BINARY_ACK" => {
            // The latency is added by the caller, which knows the emit's time.
            let id = s.ack_id.map(|i| format!(" #{i}")).unwrap_or_default();
            (format!("{nsp}ack{id} → {args}"), None)
        }
        "CONNECT" => (join(&format!("{nsp}connect"), &args), None),
        "DISCONNECT" => (format!("{nsp}disconnect"), None),
        "CONNECT_ERROR" => (join(&format!("{nsp}connect error"), &args), None),
        k => (join(&format!("{nsp}{k}"), &args), None),
    }
}

/// The line's text in chat form.
fn text_of(l: &MessageLine) -> (String, Option<f64>, bool) {
    if let Some(s) = &l.socketio {
        let (t, ms) = sio_text(s);
        return (t, ms, s.unanswered);
    }
    if let Some(e) = &l.engineio {
        let t = match (e.kind, e.data.is_empty()) {
            ("message", _) if l.websocket.as_ref().is_some_and(|w| w.binary) => {
                format!("binary attachment ({} bytes)", e.data.len() / 2)
            }
            (k, true) => format!("engine.io {k}"),
            (k, false) => format!("engine.io {k} {}", e.data),
        };
        return (t, None, false);
    }
    if let Some(w) = &l.websocket {
        let t = match w.opcode {
            "Close" => format!("close {}", w.data).trim_end().to_string(),
            "Binary" => format!("binary {} bytes", w.len),
            "Text" => w.data.clone(),
            op => format!("{} {}", op.to_lowercase(), w.data)
                .trim_end()
                .to_string(),
        };
        return (t, None, false);
    }
    if let Some(h) = &l.http {
        return (h.start_line.clone(), None, false);
    }
    (l.summary.clone(), None, false)
}

/// Which messages a transcript keeps: one conversation (`tcp.stream`), one
/// Engine.IO session (its Engine.IO and Socket.IO packets, plus the HTTP and
/// WebSocket messages of its conversations), both (messages matching both), or,
/// with neither, the whole capture.
fn keeps(
    store: &Store,
    conversation: Option<u32>,
    session: Option<u32>,
) -> Option<impl Fn(u32, Option<u32>) -> bool + '_> {
    let rt = &store.analysis.upper.realtime;
    let sess = match session {
        Some(s) => Some((s, rt.sessions.get(s as usize)?)),
        None => None,
    };
    Some(move |conv: u32, eio_session: Option<u32>| {
        let conv_ok = conversation.is_none_or(|c| conv == c);
        let sess_ok = sess.is_none_or(|(s, x)| match eio_session {
            Some(e) => e == s,
            None => x.conversations.contains(&conv),
        });
        conv_ok && sess_ok
    })
}

/// A transcript not yet put in words: which messages it holds, in time order
/// (a few bytes each). Its lines are built one at a time ([`Transcript::line`]),
/// so a viewer of a conversation of a million messages builds only those shown.
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    refs: Vec<MessageRef>,
    /// The time of the first line, which times are counted from.
    t0_ns: i64,
}

impl Transcript {
    /// The messages of `conversation` and/or `session` (see [`transcript`]).
    /// `tick(done, total)` is called as the records are looked at; returning
    /// false stops the search (`None`). Unknown ids give an empty transcript.
    pub fn build(
        store: &Store,
        conversation: Option<u32>,
        session: Option<u32>,
        tick: impl FnMut(usize, usize) -> bool,
    ) -> Option<Transcript> {
        let Some(keep) = keeps(store, conversation, session) else {
            return Some(Transcript::default());
        };
        let mut refs = messages::refs_where(store, keep, tick)?;
        refs.truncate(MAX_LINES);
        let t0_ns = refs
            .first()
            .map_or(0, |r| store.ts_ns(r.packet().unwrap_or(0)));
        Some(Transcript { refs, t0_ns })
    }

    pub fn len(&self) -> usize {
        self.refs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The packet (0-based index) line `i` is placed at, without building it.
    pub fn packet(&self, i: usize) -> Option<u32> {
        self.refs.get(i)?.packet()
    }

    /// Line `i`, put in words (`None` past the end, or when its records no
    /// longer make a line).
    pub fn line(&self, store: &Store, i: usize) -> Option<ChatLine> {
        let l = messages::line_of(store, *self.refs.get(i)?)?;
        Some(chat_line(store, &l, self.t0_ns))
    }
}

/// A message line in chat form; times counted from `t0_ns`.
fn chat_line(store: &Store, l: &MessageLine, t0_ns: i64) -> ChatLine {
    let (text, mut ack_latency_ms, unanswered) = text_of(l);
    if let Some(p) = l.socketio.as_ref().and_then(|s| s.answers_packet) {
        // An ack: the time since the emit it answers.
        let asked = store.ts_ns(p.saturating_sub(1) as u32);
        ack_latency_ms = Some(l.ts_ns.saturating_sub(asked) as f64 / 1e6);
    }
    let text = match (ack_latency_ms, l.socketio.as_ref()) {
        (Some(ms), Some(s)) if s.answers_packet.is_some() => {
            format!("{text} ({})", ms_text(ms))
        }
        _ => text,
    };
    ChatLine {
        packet: l.packets.last().map_or(0, |p| p.saturating_sub(1) as u32),
        ts_ns: l.ts_ns,
        rel_s: super::secs(t0_ns, l.ts_ns),
        conversation: l.conversation,
        dir: Direction::of(l.from == "client"),
        who: l.from,
        kind: l.kind,
        text: shorten(&text, MAX_TEXT),
        ack_latency_ms,
        unanswered,
    }
}

/// The transcript of one conversation (`tcp.stream`), one Engine.IO session
/// (its Engine.IO and Socket.IO packets, plus the HTTP and WebSocket messages
/// of its conversations), both (lines matching both), or, with neither, the
/// whole capture, every line put in words. Unknown ids give no lines.
pub fn transcript(store: &Store, conversation: Option<u32>, session: Option<u32>) -> Vec<ChatLine> {
    let t = Transcript::build(store, conversation, session, |_, _| true).unwrap_or_default();
    (0..t.len()).filter_map(|i| t.line(store, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testutil::sample;
    use super::*;

    #[test]
    fn session_of_the_chat_reads_like_a_chat() {
        let store = sample("socketio-chat.pcap");
        let t = transcript(&store, None, Some(0));
        assert!(t.len() >= 20);
        assert_eq!(t[0].rel_s, 0.0);
        assert!(t.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        let chat = t
            .iter()
            .find(|l| l.text == "emit \"chat message\" \"hi\"")
            .unwrap();
        assert_eq!(
            (chat.who, chat.kind, chat.conversation),
            ("client", "socketio", 2)
        );
        assert_eq!(chat.packet, 40);
        assert!(t
            .iter()
            .any(|l| l.text == "emit \"chat message\" \"echo: hi\"" && l.who == "server"));
        let ask = t
            .iter()
            .find(|l| l.text.starts_with("emit \"ask\""))
            .unwrap();
        let ms = ask.ack_latency_ms.unwrap();
        assert!((ms - 0.624).abs() < 0.01, "{ms}");
        assert!(ask.text.contains("ack #0 in 0.62 ms"), "{}", ask.text);
        assert!(!ask.unanswered);
        let ack = t.iter().find(|l| l.text.starts_with("ack #0 → ")).unwrap();
        assert_eq!(ack.who, "server");
        assert!(ack.text.contains("{\"answer\":42"), "{}", ack.text);
        assert!(ack.text.ends_with("(0.62 ms)"), "{}", ack.text);
        assert_eq!(ack.ack_latency_ms, Some(ms));
        let up = t
            .iter()
            .find(|l| l.text.starts_with("emit \"upload\""))
            .unwrap();
        assert!(
            up.text.contains("<8 bytes deadbeef00010203>"),
            "{}",
            up.text
        );
        assert!(t.iter().any(|l| l.text.starts_with("GET /socket.io/")));
        // The session spans all four conversations.
        for c in 0..4 {
            assert!(t.iter().any(|l| l.conversation == c));
        }
    }

    #[test]
    fn conversation_filters_and_unknown_ids() {
        let store = sample("socketio-chat.pcap");
        let t = transcript(&store, Some(2), None);
        assert!(t.iter().all(|l| l.conversation == 2));
        assert!(t
            .iter()
            .any(|l| l.kind == "websocket" && l.text.starts_with("close")));
        assert!(transcript(&store, Some(9), None).is_empty());
        assert!(transcript(&store, None, Some(5)).is_empty());
        assert_eq!(transcript(&store, Some(2), Some(0)).len(), t.len());
        let http = sample("http-get.pcap");
        let t = transcript(&http, Some(0), None);
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].who, t[0].kind), ("client", "http"));
        assert!(t[1].text.contains("200 OK"));
    }
}
