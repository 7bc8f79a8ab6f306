//! Challenges: a lesson step that asks for a value instead of showing it. The answer
//! is by default the value of a field in the capture, read from the dissection (so a
//! teacher's lesson needs no hard-coded answer and it is always right for the
//! capture), or one of a few choices, or a text the lesson gives. Answers are compared
//! the way a teacher would mark them: spaces, case, thousands separators and hex do
//! not matter where they cannot change the value; base64 is compared exactly.

use std::borrow::Cow;
use std::net::IpAddr;

use serde::Deserialize;

use super::{find_field, Step};
use crate::dissect::fmt::thousands;
use crate::dissect::{Range, Src, Value};
use crate::store::{PacketId, Store};

/// What a step asks, as written in the lesson file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The question (`What acknowledgment number will the client send?`).
    pub question: String,
    /// The packet of `field`, from 1 (default: the step's).
    #[serde(default)]
    pub packet: Option<u32>,
    /// The field whose value is the answer (default: the step's), hidden until the
    /// question is answered. With `choices` or `answer`, only a field to hide.
    #[serde(default)]
    pub field: Option<String>,
    /// A multiple-choice question: the choices, one of which is `answer`.
    #[serde(default)]
    pub choices: Vec<String>,
    /// The answer, when it is not the field's value (required with `choices`).
    #[serde(default)]
    pub answer: Option<String>,
    /// Why the answer is what it is: shown once the answer is checked.
    #[serde(default)]
    pub explain: String,
}

/// An answer, typed so that it is compared as what it is.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A number, and its name where the protocol's table has one (`Text` for opcode 1).
    Number(i128, Option<&'static str>),
    Flag(bool),
    Ip(IpAddr),
    /// Bytes: hex, with or without separators.
    Bytes(Vec<u8>),
    /// Compared exactly, spaces around it aside (base64: case matters).
    Exact(String),
    /// Compared ignoring case and runs of spaces.
    Words(String),
    /// One of the choices, by index.
    Choice(usize),
}

/// A field a challenge hides until it is answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Hidden {
    /// The packet, from 0.
    pub packet: u32,
    /// The field's path in the tree (layer index, then child indexes).
    pub path: Vec<usize>,
    /// Its bytes (`None`: a value worked out, with no bytes of its own).
    pub bytes: Option<(Src, Range)>,
}

/// A challenge's answer, resolved against the capture.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    pub answer: Answer,
    /// The answer in words, as shown once revealed.
    pub shown: String,
    /// The field whose value is the answer (or that the question is about).
    pub hidden: Option<Hidden>,
    /// Texts that give the answer away wherever they appear as words (the value
    /// as the tree writes it, a number with thousands separators); never shorter
    /// than [`MIN_SECRET`] characters, and none for a choice.
    pub secrets: Vec<String>,
}

/// The shortest text hidden where it appears outside its own field: a value of one
/// or two characters (`1`, `0`) is everywhere and would blank half the window.
pub const MIN_SECRET: usize = 3;

/// What stands for a hidden value.
pub const HIDDEN: &str = "?";

impl Challenge {
    /// The answer to this challenge on `step` of a lesson over `store`, or why there is
    /// none (a sentence for the lesson's problems).
    pub fn resolve(&self, step: &Step, store: &Store) -> Result<Expected, String> {
        let packet = self.packet.unwrap_or(step.packet);
        // The answer is a field's value unless the lesson gives it; a field named by a
        // challenge that gives its answer is only hidden until then.
        let gives_answer = !self.choices.is_empty() || self.answer.is_some();
        let field = match gives_answer {
            true => self.field.as_deref(),
            false => self.field.as_deref().or(step.field.as_deref()),
        };
        let found = (field.map(|name| found(store, packet, name))).transpose()?;
        let (answer, shown) = match (&self.answer, &found) {
            _ if !self.choices.is_empty() => self.choice()?,
            (Some(a), _) => (answer_of_text(a), a.trim().to_string()),
            (None, Some(f)) => f.answer.clone().ok_or_else(|| {
                let name = field.unwrap_or_default();
                format!("{name} has no value to ask for: give the challenge an answer")
            })?,
            (None, None) => return Err(NO_ANSWER.into()),
        };
        Ok(Expected {
            secrets: secrets_of(&answer, &shown),
            answer,
            shown,
            hidden: found.map(|f| f.hidden),
        })
    }

    fn choice(&self) -> Result<(Answer, String), String> {
        let Some(a) = &self.answer else {
            return Err(
                "the challenge has choices but no answer: say which choice is right".into(),
            );
        };
        let i = (self.choices.iter())
            .position(|c| words(c) == words(a))
            .ok_or_else(|| {
                format!(
                    "the answer {a:?} is not one of the choices {:?}",
                    self.choices
                )
            })?;
        Ok((Answer::Choice(i), self.choices[i].clone()))
    }
}

const NO_ANSWER: &str = "the challenge has no answer: give a field (its value is the answer), \
    choices and an answer, or an answer";

/// A field a challenge is about, found in its packet.
struct Found {
    hidden: Hidden,
    /// Its value as an answer, and in words (`None`: a layer, or a field without a value).
    answer: Option<(Answer, String)>,
}

/// The field `name` of `packet` (from 1), or why it is not there.
fn found(store: &Store, packet: u32, name: &str) -> Result<Found, String> {
    let d = (packet.checked_sub(1))
        .and_then(|p| store.dissect(PacketId(p)))
        .ok_or_else(|| format!("packet {packet} is not in the capture"))?;
    let f = find_field(&d, name)
        .ok_or_else(|| format!("packet {packet} has no field {name:?} to ask about"))?;
    let field = d.field_at(&f.path);
    let answer = field.and_then(|x| {
        let shown = x.shown();
        Some((answer_of_value(&x.value, &shown)?, shown))
    });
    let src = field.map_or(Src::Frame, |x| x.src);
    Ok(Found {
        hidden: Hidden {
            packet: packet - 1,
            bytes: f.range.map(|r| (src, r)),
            path: f.path,
        },
        answer,
    })
}

/// The answer a field's value asks for; `None` for a field without a value.
fn answer_of_value(v: &Value, shown: &str) -> Option<Answer> {
    Some(match v {
        Value::None => return None,
        Value::Unsigned(n) | Value::Frame(n) => Answer::Number(i128::from(*n), None),
        Value::Named(n, name) => Answer::Number(i128::from(*n), Some(name)),
        Value::Signed(n) => Answer::Number(i128::from(*n), None),
        Value::Bool(b) => Answer::Flag(*b),
        Value::Ipv4(a) => Answer::Ip(IpAddr::V4(*a)),
        Value::Ipv6(a) => Answer::Ip(IpAddr::V6(*a)),
        Value::Mac(m) => Answer::Bytes(m.to_vec()),
        Value::Bytes(b) => Answer::Bytes(b.to_vec()),
        Value::Text(s) => answer_of_text(s),
        Value::Time(_) | Value::Duration(_) | Value::Frames(_) => Answer::Words(words(shown)),
    })
}

/// The answer a text written in a lesson asks for: a number if it is one, base64
/// compared exactly, other words ignoring case.
fn answer_of_text(s: &str) -> Answer {
    if let Some(n) = number(s) {
        Answer::Number(n, None)
    } else if looks_like_base64(s.trim()) {
        Answer::Exact(s.trim().to_string())
    } else {
        Answer::Words(words(s))
    }
}

/// Whether `given` is the answer `expected` (with the challenge's `choices`).
pub fn is_right(expected: &Answer, choices: &[String], given: &str) -> bool {
    let given = unquote(given.trim());
    match expected {
        Answer::Number(n, name) => {
            number(given) == Some(*n) || name.is_some_and(|name| words(given) == words(name))
        }
        Answer::Flag(b) => flag(given) == Some(*b),
        Answer::Ip(a) => given.parse::<IpAddr>().is_ok_and(|g| g == *a),
        Answer::Bytes(b) => hex_bytes(given).is_some_and(|g| g == *b),
        Answer::Exact(s) => given == s,
        Answer::Words(s) => words(given) == *s,
        Answer::Choice(i) => choices.get(*i).is_some_and(|c| words(c) == words(given)),
    }
}

/// A number as people write it: `1234`, `1,234`, `1 234`, `1_234`, `0x4d2`, `-5`.
pub fn number(s: &str) -> Option<i128> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let n = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        let hex: String = hex.chars().filter(|c| *c != '_').collect();
        i128::from_str_radix(&hex, 16).ok()?
    } else {
        let digits: String = (s.chars())
            .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{2009}' | '\u{202f}'))
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

fn flag(s: &str) -> Option<bool> {
    match words(s).as_str() {
        "1" | "true" | "set" | "yes" | "on" => Some(true),
        "0" | "false" | "not set" | "unset" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Bytes written in hex: `4a eb 17 58`, `4a:eb:17:58`, `4AEB1758`, `0x4aeb1758`.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let s = s.strip_prefix("0x").unwrap_or(s);
    let digits: Vec<u8> = (s.bytes())
        .filter(|b| !matches!(b, b':' | b'-' | b' ' | b'.'))
        .collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    (digits.chunks(2))
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// Lower case, one space between words.
fn words(s: &str) -> String {
    unquote(s.trim())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn unquote(s: &str) -> &str {
    (s.strip_prefix('"').and_then(|s| s.strip_suffix('"'))).unwrap_or(s)
}

/// Base64 of at least 8 characters with letters of both cases (`s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`):
/// case matters there, so it is compared exactly.
fn looks_like_base64(s: &str) -> bool {
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    s.len() >= 8
        && s.len().is_multiple_of(4)
        && s.chars().all(alphabet)
        && s.chars().any(|c| c.is_ascii_lowercase())
        && s.chars().any(|c| c.is_ascii_uppercase())
}

fn secrets_of(answer: &Answer, shown: &str) -> Vec<String> {
    let mut out = match answer {
        Answer::Choice(_) => return Vec::new(),
        Answer::Number(n, _) => {
            let mut v = vec![n.to_string()];
            if let Ok(u) = u64::try_from(*n) {
                v.push(thousands(u));
            }
            v
        }
        Answer::Exact(s) | Answer::Words(s) => vec![s.clone()],
        Answer::Flag(_) | Answer::Ip(_) | Answer::Bytes(_) => Vec::new(),
    };
    out.push(shown.to_string());
    out.retain(|s| s.chars().count() >= MIN_SECRET);
    out.sort();
    out.dedup();
    out
}

impl Expected {
    /// `text` with every secret that stands as a word of its own replaced by [`HIDDEN`].
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        // Longest first, so that `858,667,451` goes before a shorter secret inside it.
        let mut secrets: Vec<&String> = self.secrets.iter().collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in secrets {
            if let Some(masked) = mask_word(&out, s) {
                out = Cow::Owned(masked);
            }
        }
        out
    }
}

/// `text` with each occurrence of `secret` not inside a longer word replaced by
/// [`HIDDEN`] (`None`: none found).
fn mask_word(text: &str, secret: &str) -> Option<String> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::new();
    let mut rest = text;
    let mut found = false;
    while let Some(i) = rest.find(secret) {
        let before = rest[..i].chars().next_back().or(out.chars().next_back());
        let after = rest[i + secret.len()..].chars().next();
        out.push_str(&rest[..i]);
        // A secret that begins or ends with a word character must not be part of a longer word.
        let starts = secret.chars().next().is_some_and(|c| is_word(Some(c)));
        let ends = secret.chars().next_back().is_some_and(|c| is_word(Some(c)));
        if (starts && is_word(before)) || (ends && is_word(after)) {
            out.push_str(secret);
        } else {
            out.push_str(HIDDEN);
            found = true;
        }
        rest = &rest[i + secret.len()..];
    }
    out.push_str(rest);
    found.then_some(out)
}

#[cfg(test)]
mod tests;
