//! Transitional: the record layers (HTTP, WebSocket, Engine.IO, Socket.IO) still carry
//! their values as display text; until they are typed, such text is read as before
//! (a leading number, a parenthesized number, `True`/`Set`, an address).

use std::cmp::Ordering;

use crate::dissect::Field;

use super::compare::{parse_mac, parse_num, Num};
use super::parser::Literal;

/// The text a text field is compared on: a named HTTP header (`Host: example.org`) on
/// the header's value.
pub(crate) fn text<'a>(f: &'a Field, s: &'a str) -> &'a str {
    match s.split_once(": ") {
        Some((_, v)) if f.label == "Header" && f.name != "http.header" => v,
        _ => s,
    }
}

struct Read<'a> {
    text: &'a str,
    word: Option<&'a str>,
    num: Option<Num>,
    boolean: Option<bool>,
}

fn read(text: &str) -> Read<'_> {
    let boolean = match text {
        "True" | "Set" => Some(true),
        "False" | "Not set" => Some(false),
        _ => None,
    };
    let paren = text
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once(" ("))
        .filter(|(w, _)| !w.is_empty());
    let lead = text.split_whitespace().next().and_then(parse_num);
    let num = lead
        .or_else(|| paren.and_then(|(_, n)| parse_num(n)))
        .or_else(|| boolean.map(|b| Num::Int(i128::from(b))));
    Read {
        text,
        word: paren.map(|(w, _)| w),
        num,
        boolean,
    }
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
        (Num::Int(a), Num::Float(b)) => (a as f64).partial_cmp(&b),
        (Num::Float(a), Num::Int(b)) => a.partial_cmp(&(b as f64)),
        (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
    }
}

pub(crate) fn equals(text: &str, l: &Literal) -> bool {
    let v = read(text);
    let as_string = v.text == l.text || v.word == Some(l.text.as_str());
    if l.quoted {
        return as_string;
    }
    if let (Some(a), Some(b)) = (v.num, l.num) {
        return num_cmp(a, b) == Some(Ordering::Equal);
    }
    if let (Some(a), Some(b)) = (v.boolean, l.boolean) {
        return a == b;
    }
    if let (Some(b), Ok(a)) = (l.ip, v.text.parse::<std::net::IpAddr>()) {
        return a == b;
    }
    if let (Some(b), Some(a)) = (l.mac, parse_mac(v.text)) {
        return a == b;
    }
    as_string
}

pub(crate) fn order(text: &str, l: &Literal) -> Option<Ordering> {
    let v = read(text);
    if !l.quoted {
        if let (Some(a), Some(b)) = (v.num, l.num) {
            return num_cmp(a, b);
        }
        if l.num.is_some() {
            return None;
        }
    }
    Some(v.text.cmp(l.text.as_str()))
}
