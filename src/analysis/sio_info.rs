//! The one-line description of a Socket.IO packet ([`super::socketio::info`])
//! written straight from the packet's text when its data is plain JSON
//! ([`super::json_scan`]): no `Value`, no maps, no strings but the output.
//! What it writes is what [`super::socketio::info`] writes for the parsed packet.

use std::fmt::Write;

use super::json_scan::{Compact, Stop};
use super::socketio::{SioHead, SioType, INFO_JSON_CHARS};

/// Bytes of JSON written before the text is surely longer than the cut.
const BUDGET_BYTES: usize = 4 * INFO_JSON_CHARS + 4;

/// Cuts what was written after `start` to [`INFO_JSON_CHARS`] characters, with `…`.
fn cut(out: &mut String, start: usize) {
    let written = &out.as_bytes()[start..];
    if written.len() <= INFO_JSON_CHARS {
        return; // no more characters than bytes
    }
    if written[..=INFO_JSON_CHARS].is_ascii() {
        out.truncate(start + INFO_JSON_CHARS);
        out.push('…');
        return;
    }
    if let Some((i, _)) = out[start..].char_indices().nth(INFO_JSON_CHARS) {
        out.truncate(start + i);
        out.push('…');
    }
}

/// Writes one JSON part (a value, or an array from `pos`) cut as `info` cuts it.
fn part(
    out: &mut String,
    data: &[u8],
    write: impl Fn(&mut Compact<'_>) -> Result<usize, Stop>,
) -> Result<(), Stop> {
    let start = out.len();
    // First with room for the cut alone, which is enough when the characters before the
    // cut are ASCII, a byte each (nearly always): a long text (a Socket.IO history) was
    // written four times as far as shown.
    let mut r = write(&mut Compact::new(data, out, start + INFO_JSON_CHARS));
    let ascii = |out: &String| {
        let written = &out.as_bytes()[start..];
        written
            .get(..=INFO_JSON_CHARS)
            .is_some_and(<[u8]>::is_ascii)
    };
    if r == Err(Stop::Budget) && !ascii(out) {
        out.truncate(start);
        r = write(&mut Compact::new(data, out, start + BUDGET_BYTES));
    }
    match r {
        Ok(_) | Err(Stop::Budget) => {}
        Err(Stop::Unsupported) => return Err(Stop::Unsupported),
    }
    cut(out, start);
    Ok(())
}

/// The first element of the array at `data[0]` (after blanks): (its start, its end).
fn first_element(data: &[u8]) -> Option<(usize, usize)> {
    let ws = |p: usize| {
        (p..data.len())
            .find(|&i| !matches!(data[i], b' ' | b'\n' | b'\t' | b'\r'))
            .unwrap_or(data.len())
    };
    let open = ws(0);
    let first = ws(open + 1);
    match data.get(first) {
        Some(b'"') => {
            let mut end = first + 1;
            while let Some(&c) = data.get(end) {
                end += 1;
                match c {
                    b'"' => return Some((first, end)),
                    b'\\' => end += 1,
                    _ => {}
                }
            }
            None
        }
        _ => None,
    }
}

/// Appends `info(packet)` to `out` for a packet read by `parse_head` from
/// `text`, when it can be done without parsing its data: plain JSON in UTF-8,
/// and not a binary packet (whose placeholders are shown with their
/// attachments). Returns false, with `out` as it was, when it cannot.
/// `utf8`: the whole text is known to be UTF-8 (it is not checked again: only
/// the start of a long text is written).
pub fn info_plain(text: &[u8], h: &SioHead<'_>, utf8: bool, out: &mut String) -> bool {
    let data = match h.data_range {
        Some((s, e)) => match text.get(s..e) {
            Some(d) => Some(d),
            None => return false,
        },
        None => None,
    };
    if h.kind.is_binary() || (data.is_some() && !h.plain) {
        return false;
    }
    if !utf8 && data.is_some_and(|d| std::str::from_utf8(d).is_err()) {
        return false;
    }
    let start = out.len();
    if write(data, h, out).is_err() {
        out.truncate(start);
        return false;
    }
    true
}

/// Appends the compact JSON of a packet's arguments to `out` (what `socketio.args`
/// shows): for an event, its data array without the first element (the name), else
/// the whole data. `data` is plain and UTF-8; stops once `out` is longer than `budget`
/// (what was written is then a prefix of the whole).
pub fn args_plain(data: &[u8], event: bool, out: &mut String, budget: usize) -> Result<(), Stop> {
    let mut w = Compact::new(data, out, budget);
    if !event {
        return w.value(0).map(|_| ());
    }
    // An event's data is an array (the analysis checked its shape).
    let open = w.after_blanks(0);
    if data.get(open) != Some(&b'[') {
        return Err(Stop::Unsupported);
    }
    let first = w.after_blanks(open + 1);
    if data.get(first) == Some(&b']') {
        return w.array(first, true).map(|_| ());
    }
    let after = w.after_blanks(w.skip_value(first)?);
    match data.get(after) {
        Some(b',') => w.array(after + 1, false).map(|_| ()),
        _ => w.array(after, true).map(|_| ()),
    }
}

fn write(data: Option<&[u8]>, h: &SioHead<'_>, out: &mut String) -> Result<(), Stop> {
    let _ = write!(out, "Socket.IO {} {}", h.kind.name(), h.nsp);
    if let Some(q) = &h.query {
        out.push('?');
        out.push_str(q);
    }
    if h.kind.is_ack() {
        if let Some(id) = h.ack_id {
            let _ = write!(out, " ack={id}");
        }
    }
    if let Some(data) = data {
        out.push(' ');
        let name = (h.kind.is_event()).then(|| first_element(data)).flatten();
        match name {
            Some((s, e)) => {
                part(out, data, |w| w.value(s))?;
                out.push(' ');
                let after = (e..data.len())
                    .find(|&i| !matches!(data[i], b' ' | b'\n' | b'\t' | b'\r'))
                    .unwrap_or(data.len());
                match data.get(after) {
                    Some(b',') => part(out, data, |w| w.array(after + 1, false))?,
                    _ => out.push_str("[]"),
                }
            }
            None => part(out, data, |w| w.value(0))?,
        }
    }
    if !h.kind.is_ack() {
        if let Some(id) = h.ack_id {
            let _ = write!(out, " ack={id}");
        }
    }
    debug_assert!(!matches!(h.kind, SioType::BinaryEvent | SioType::BinaryAck));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::socketio::{info, parse, parse_head};

    /// Whatever it writes is what `info` writes for the parsed packet.
    fn same(text: &[u8]) {
        let Ok(h) = parse_head(text) else {
            return;
        };
        let mut out = String::from("x");
        if info_plain(text, &h, false, &mut out) {
            let full = parse(text).expect("plain packets parse");
            assert_eq!(out[1..], info(&full), "{}", String::from_utf8_lossy(text));
        } else {
            assert_eq!(out, "x");
        }
    }

    /// The cut keeps 120 characters, ASCII or not, and only cuts what is longer.
    #[test]
    fn the_cut_counts_characters() {
        for text in [
            "a".repeat(119),
            "a".repeat(120),
            "a".repeat(121),
            "a".repeat(500),
            "é".repeat(100),
            "é".repeat(121),
            format!("{}é{}", "a".repeat(119), "b".repeat(5)),
            format!("{}é", "a".repeat(120)),
        ] {
            let mut out = String::from("head ");
            out.push_str(&text);
            cut(&mut out, 5);
            let chars: String = text.chars().take(INFO_JSON_CHARS).collect();
            let want = if text.chars().count() > INFO_JSON_CHARS {
                format!("head {chars}…")
            } else {
                format!("head {text}")
            };
            assert_eq!(out, want);
        }
    }

    /// The JSON check does not read UTF-8, so data that is not UTF-8 far past the cut is
    /// still checked here: such a packet is left to `info`'s way (it parses with U+FFFD
    /// for the bad byte).
    #[test]
    fn not_utf8_past_the_cut_is_not_written_plain() {
        let mut text = br#"2["chat",""#.to_vec();
        text.extend(b"a".repeat(1000));
        text.extend(b"\",\"\xff\"]");
        let h = parse_head(&text).expect("the head reads");
        assert!(h.plain, "the check does not read UTF-8");
        let full = parse(&text).expect("read with U+FFFD");
        assert_eq!(
            full.data.as_ref().and_then(|d| d.get(2)),
            Some(&"\u{fffd}".into())
        );
        let mut out = String::new();
        assert!(!info_plain(&text, &h, false, &mut out));
        assert!(out.is_empty());
    }

    /// `args_plain` writes what `socketio.args` shows for the parsed data: an event's
    /// array without its name, other data whole, as serde_json writes it.
    #[test]
    fn args_are_what_serde_json_writes() {
        for (data, event) in [
            (r#"["ping"]"#, true),
            (r#"[ "ping" , 1 ]"#, true),
            (r#"["chat",{"z":1,"a":[true,null]}, "x" ,[]]"#, true),
            (r#"[{"b":2,"a":1}]"#, true),
            (r#"[]"#, true),
            (r#"[ ]"#, true),
            (r#"[1,"a\"b\\c"]"#, false),
            (r#" {"sid":"x","a":{}} "#, false),
            (r#""why""#, false),
        ] {
            let v: serde_json::Value = serde_json::from_str(data).unwrap();
            let want = match (&v, event) {
                (serde_json::Value::Array(a), true) => {
                    serde_json::Value::Array(a.iter().skip(1).cloned().collect()).to_string()
                }
                _ => v.to_string(),
            };
            let mut out = String::new();
            assert_eq!(
                args_plain(data.as_bytes(), event, &mut out, 1 << 20),
                Ok(())
            );
            assert_eq!(out, want, "{data}");
            // A budget stops early with a prefix of the whole.
            let mut short = String::new();
            let _ = args_plain(data.as_bytes(), event, &mut short, 3);
            assert!(want.starts_with(&short), "{data}: {short}");
        }
        let mut out = String::new();
        assert_eq!(
            args_plain(b"{\"a\":1}", true, &mut out, 100),
            Err(Stop::Unsupported),
            "an event's data is an array"
        );
    }

    #[test]
    fn writes_what_info_writes() {
        let long = "word ".repeat(60);
        for t in [
            "0".to_string(),
            "0/admin,".into(),
            r#"0/admin?x=1,{"token":"123"}"#.into(),
            r#"1/admin,"#.into(),
            r#"4{"message":"Not authorized"}"#.into(),
            r#"4"Not authorized""#.into(),
            r#"2["hello",1]"#.into(),
            r#"2/admin,456["project:delete",123]"#.into(),
            r#"3/admin,456[]"#.into(),
            r#"312["ok"]"#.into(),
            r#"2[1,2]"#.into(),
            r#"2[]"#.into(),
            r#"2["only"]"#.into(),
            r#"2 [ "sp" , { "b" : 1 , "a" : [ 2 , 3 ] } ] "#.into(),
            format!(r#"2["big","{long}"]"#),
            format!(r#"2["{long}",1]"#),
            format!(r#"42["history",{{"room":"r","messages":[{{"id":1,"user":"u","room":"r","text":"{long}","ts":17}}]}}]"#)[1..].to_string(),
            r#"2["a\"b\n",{"z":"é","y":null,"x":true}]"#.into(),
            r#"2["x",1.5]"#.into(),
            r#"2["x","\u00e9"]"#.into(),
            r#"2["x",{"a":1,"a":2}]"#.into(),
            r#"51-["hello",{"_placeholder":true,"num":0}]"#.into(),
            r#"2["é",{"ü":"ö"}]"#.into(),
            // Characters of two bytes before the cut, and after it; many short ones, so
            // that more bytes than the cut's characters are written in fewer characters.
            format!(r#"2["x","{}"]"#, "é".repeat(200)),
            format!(r#"2["x",{}]"#, vec![r#""é""#; 100].join(",")),
            format!(r#"2["x","{}é{}"]"#, "a".repeat(100), "b".repeat(300)),
            format!(r#"2["x","{}é{}"]"#, "a".repeat(200), "b".repeat(300)),
            // Keys given twice in an object past the cut, and before it.
            format!(r#"2["x","{long}",{{"a":1,"a":2}}]"#),
            format!(r#"2["x",{{"a":1,"a":2}},"{long}"]"#),
        ] {
            same(t.as_bytes());
        }
        same(b"2[\"x\",\"\xff\"]");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_packets_write_what_info_writes(
            head in proptest::sample::select(vec!["0", "1/a,", "2", "27", "3/b,9", "4"]),
            body in proptest::collection::vec(proptest::sample::select(
                "[]{},:\" 0123-.aezé\\n".bytes().collect::<Vec<u8>>()), 0..60),
        ) {
            let mut t = head.as_bytes().to_vec();
            t.extend(body);
            same(&t);
        }
    }
}
