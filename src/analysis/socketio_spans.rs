//! Where each part of a Socket.IO packet (and of an Engine.IO open packet's JSON)
//! sits in its bytes, for the field tree:
//! `<type>[<attachments>-][<namespace>,][<ack id>][<JSON>]` (socket.io-protocol v5,
//! "Packet encoding"). [`super::socketio::parse`] reads the values; this finds their
//! bytes, and is only run for a packet being shown.

use serde_json::value::RawValue;

/// Half-open byte ranges `[start, end)` in the packet's text.
pub type Span = [u32; 2];

/// The parts of one Socket.IO packet's text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SioSpans {
    pub kind: Span,
    /// The attachment count, without its `-`.
    pub attachments: Option<Span>,
    /// The namespace, when written (the default `/` is not).
    pub nsp: Option<Span>,
    pub ack_id: Option<Span>,
    /// The JSON data, whole.
    pub data: Option<Span>,
    /// The elements of a JSON array data, in order (an event's name is the first).
    pub elements: Vec<Span>,
}

fn digits_from(text: &[u8], at: usize) -> usize {
    at + text[at.min(text.len())..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// The spans of `text`, a Socket.IO packet (what follows the Engine.IO type digit).
/// Parts that are not there, or not well formed, have no span.
pub fn sio_spans(text: &[u8]) -> SioSpans {
    let mut s = SioSpans::default();
    if text.is_empty() {
        return s;
    }
    let span = |a: usize, b: usize| [a as u32, b as u32];
    s.kind = span(0, 1);
    let mut pos = 1;
    let binary = matches!(text[0], b'5' | b'6');
    if binary {
        let end = digits_from(text, pos);
        if end > pos && text.get(end) == Some(&b'-') {
            s.attachments = Some(span(pos, end));
            pos = end + 1;
        }
    }
    if text.get(pos) == Some(&b'/') {
        let len = text[pos..].iter().position(|&b| b == b',');
        let end = len.map_or(text.len(), |l| pos + l);
        s.nsp = Some(span(pos, end));
        pos = (end + 1).min(text.len());
    }
    let end = digits_from(text, pos);
    if end > pos {
        s.ack_id = Some(span(pos, end));
        pos = end;
    }
    if pos < text.len() {
        s.data = Some(span(pos, text.len()));
        s.elements = array_elements(&text[pos..])
            .into_iter()
            .map(|[a, b]| [a + pos as u32, b + pos as u32])
            .collect();
    }
    s
}

/// The spans of a JSON array's elements in `json` (none when it is not an array,
/// or not valid JSON). serde_json's `RawValue` keeps each element's text as a slice
/// of the input, so its place is where that slice starts.
///
/// Text that is not UTF-8 is read with each invalid byte as `?`: the same length, so
/// the same places (the JSON was checked: such bytes can only be inside strings).
fn array_elements(json: &[u8]) -> Vec<Span> {
    if std::str::from_utf8(json).is_err() {
        let mut patched = Vec::with_capacity(json.len());
        for chunk in json.utf8_chunks() {
            patched.extend_from_slice(chunk.valid().as_bytes());
            patched.extend(std::iter::repeat_n(b'?', chunk.invalid().len()));
        }
        return array_elements(&patched);
    }
    let Ok(items) = serde_json::from_slice::<Vec<&RawValue>>(json) else {
        return Vec::new();
    };
    let base = json.as_ptr() as usize;
    items
        .iter()
        .map(|r| {
            let at = r.get().as_ptr() as usize - base;
            [at as u32, (at + r.get().len()) as u32]
        })
        .collect()
}

/// The span of member `key`'s value in JSON object `json` (inside the quotes of a
/// string value); `None` when `json` is not an object or has no such member.
pub fn object_member(json: &[u8], key: &str) -> Option<Span> {
    let members: std::collections::BTreeMap<String, &RawValue> =
        serde_json::from_slice(json).ok()?;
    let raw = members.get(key)?.get();
    let at = (raw.as_ptr() as usize).checked_sub(json.as_ptr() as usize)?;
    let (a, b) = (at as u32, (at + raw.len()) as u32);
    Some(if raw.starts_with('"') && raw.len() >= 2 {
        [a + 1, b - 1]
    } else {
        [a, b]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &[u8], s: Span) -> &str {
        std::str::from_utf8(&text[s[0] as usize..s[1] as usize]).unwrap()
    }

    /// Text that is not UTF-8 has its parts placed in the bytes as they are.
    #[test]
    fn text_not_utf8_is_placed_in_its_bytes() {
        let text = b"21[\"caf\xe9\",{\"k\xff\":\"v\"},3]";
        let s = sio_spans(text);
        assert_eq!(s.ack_id, Some([1, 2]));
        let at: Vec<&[u8]> = (s.elements.iter())
            .map(|&[a, b]| &text[a as usize..b as usize])
            .collect();
        assert_eq!(at, [&b"\"caf\xe9\""[..], b"{\"k\xff\":\"v\"}", b"3"]);
    }

    #[test]
    fn an_event_with_namespace_and_ack_id() {
        let t = br#"2/chat,17["chat message", {"a": [1, 2]}]"#;
        let s = sio_spans(t);
        assert_eq!(part(t, s.kind), "2");
        assert_eq!(part(t, s.nsp.unwrap()), "/chat");
        assert_eq!(part(t, s.ack_id.unwrap()), "17");
        let el: Vec<&str> = s.elements.iter().map(|&e| part(t, e)).collect();
        assert_eq!(el, [r#""chat message""#, r#"{"a": [1, 2]}"#]);
    }

    #[test]
    fn a_binary_event_and_bare_packets() {
        let t = br#"51-["up",{"_placeholder":true,"num":0}]"#;
        let s = sio_spans(t);
        assert_eq!(part(t, s.attachments.unwrap()), "1");
        assert_eq!(s.nsp, None);
        assert_eq!(s.elements.len(), 2);
        let s = sio_spans(b"0");
        assert_eq!((s.kind, s.data), ([0, 1], None));
        let s = sio_spans(b"2[not json");
        assert!(s.elements.is_empty());
        assert_eq!(s.data, Some([1, 10]));
        assert_eq!(sio_spans(b""), SioSpans::default());
    }

    #[test]
    fn members_of_an_open_packet() {
        let t = br#"{"sid":"abc","upgrades":["websocket"],"pingInterval":25000}"#;
        assert_eq!(part(t, object_member(t, "sid").unwrap()), "abc");
        assert_eq!(part(t, object_member(t, "pingInterval").unwrap()), "25000");
        assert_eq!(
            part(t, object_member(t, "upgrades").unwrap()),
            r#"["websocket"]"#
        );
        assert_eq!(object_member(t, "nope"), None);
        assert_eq!(object_member(b"[1]", "sid"), None);
    }
}
