//! Plain-language explanations of the fields and protocols the tree shows, written for a
//! first-year student: what a field is, why it is there, what a usual value means, and the
//! standard that defines it. They are data (`assets/explain/*.json`, one entry per field
//! name; the format is in `assets/explain/README.md`), embedded when the library is built
//! and read once.
//!
//! ```
//! use layerscope::explain;
//!
//! let e = explain::explain("tcp.flags.syn").unwrap();
//! assert!(e.rfc.starts_with("RFC 9293"));
//! assert_eq!(explain::first_sentence("tcp.flags.syn"), Some(e.first_sentence()));
//! // An alias a filter accepts (`tcp.port`) is not in the tree: it points at its fields.
//! assert!(matches!(explain::lookup("tcp.port"), explain::Lookup::Alias { .. }));
//! ```
//!
//! Which names need an entry comes from the dissectors' own field definitions
//! ([`crate::filter::definitions`]), less the two-sided aliases: a test fails when one
//! has none, or when an entry names no such field. Field names are static (each defined
//! once by a `fields!` list), so there are no per-instance names to map onto an entry.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::dissect::FieldDef;
use crate::filter;

#[cfg(test)]
mod tests;

/// The explanation files, `(file name, text)`, sorted by name: every `*.json` of
/// `assets/explain/`, listed by `build.rs`.
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/explain_files.rs"));

/// One field's explanation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// What the field is, in one or two sentences; the first is the hover text.
    pub what: String,
    /// Why the protocol has it.
    pub why: String,
    /// What a usual value means ("" where nothing useful can be said).
    pub typical: String,
    /// The standard and section (`RFC 9293 §3.1`); "" when none applies (then `why`
    /// says why, as for the capture's own metadata).
    pub rfc: String,
}

impl Entry {
    /// The first sentence of [`Entry::what`]: the text shown on hover.
    pub fn first_sentence(&self) -> &str {
        first_sentence_of(&self.what)
    }
}

/// The text up to and including the first `.`, `?` or `!` followed by a space or the end
/// (entries avoid abbreviations with dots, such as "e.g.", so this is a sentence).
pub fn first_sentence_of(text: &str) -> &str {
    let text = text.trim();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let ends = matches!(c, '.' | '?' | '!');
        if ends && chars.peek().is_none_or(|&(_, n)| n.is_whitespace()) {
            return &text[..i + c.len_utf8()];
        }
    }
    text
}

/// The entries of every file, and what was wrong with the files (nothing, once the
/// tests pass: a file that does not parse is left out, not a panic).
pub struct Table {
    entries: BTreeMap<String, (&'static str, Entry)>,
    problems: Vec<String>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::parse(FILES))
}

impl Table {
    /// Parse `files` (`(file name, JSON text)`): each a JSON object from field name to
    /// [`Entry`], keys in byte order, no name twice in one file or across files.
    pub fn parse(files: &[(&'static str, &str)]) -> Table {
        let mut t = Table {
            entries: BTreeMap::new(),
            problems: Vec::new(),
        };
        for &(file, text) in files {
            let list = match serde_json::from_str::<Ordered>(text) {
                Ok(Ordered(list)) => list,
                Err(e) => {
                    t.problems.push(format!("{file}: {e}"));
                    continue;
                }
            };
            for w in list.windows(2) {
                if w[0].0 >= w[1].0 {
                    let (a, b) = (&w[0].0, &w[1].0);
                    t.problems.push(format!(
                        "{file}: {b:?} comes after {a:?} (keys go in byte order, once each)"
                    ));
                }
            }
            for (name, entry) in list {
                if let Some((other, _)) = t.entries.get(&name) {
                    t.problems
                        .push(format!("{file}: {name:?} is explained in {other} too"));
                    continue;
                }
                t.entries.insert(name, (file, entry));
            }
        }
        t
    }

    /// The entry for `name`, and the file it is in.
    pub fn get(&self, name: &str) -> Option<(&'static str, &Entry)> {
        self.entries.get(name).map(|(f, e)| (*f, e))
    }

    /// Every explained name, in byte order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// What is wrong with the files (each message names its file).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

/// A JSON object read as a list of `(key, entry)` in the file's order, so that the
/// order of keys and a key written twice can be checked (a map would keep the last).
struct Ordered(Vec<(String, Entry)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object from field names to explanations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut list = Vec::new();
                while let Some(pair) = m.next_entry::<String, Entry>()? {
                    list.push(pair);
                }
                Ok(Ordered(list))
            }
        }
        d.deserialize_map(V)
    }
}

/// The explanation of `name`, a field or protocol the tree shows.
pub fn explain(name: &str) -> Option<&'static Entry> {
    table().get(name).map(|(_, e)| e)
}

/// The first sentence of the explanation of `name` (the hover text).
pub fn first_sentence(name: &str) -> Option<&'static str> {
    explain(name).map(Entry::first_sentence)
}

/// The explanation files' table (entries and problems).
pub fn entries() -> &'static Table {
    table()
}

/// The definitions of the names the tree can show, sorted: every field and protocol
/// the dissectors define, less the two-sided aliases a filter accepts (`tcp.port`).
pub fn shown_names() -> impl Iterator<Item = &'static FieldDef> {
    filter::definitions()
        .iter()
        .copied()
        .filter(|d| filter::alias_of(d.name).is_none())
}

/// What is known of a name.
#[derive(Debug)]
pub enum Lookup {
    /// A field or protocol of the tree (its entry is `None` only while one is missing,
    /// which a test catches).
    Field {
        def: &'static FieldDef,
        entry: Option<&'static Entry>,
    },
    /// A filter's alias that stands for two fields of the tree (`tcp.port`).
    Alias {
        def: &'static FieldDef,
        fields: [&'static str; 2],
    },
    /// No such name; the nearest known names (maybe none).
    Unknown { nearest: Vec<&'static str> },
}

/// The definition of `name` (label, type), if a filter or the tree knows it.
pub fn definition(name: &str) -> Option<&'static FieldDef> {
    let defs = filter::definitions();
    let i = defs.binary_search_by(|d| d.name.cmp(name)).ok()?;
    Some(defs[i])
}

/// Look `name` up among the names a filter or the tree knows.
pub fn lookup(name: &str) -> Lookup {
    let Some(def) = definition(name) else {
        return Lookup::Unknown {
            nearest: nearest(name, MAX_NEAREST),
        };
    };
    match filter::alias_of(name) {
        Some(fields) => Lookup::Alias { def, fields },
        None => Lookup::Field {
            def,
            entry: explain(name),
        },
    }
}

/// How many near names an unknown name is answered with.
pub const MAX_NEAREST: usize = 8;

/// Up to `max` known names close to `name`: the names below it when it is a group
/// (`tcp.options` → `tcp.options.mss`, ...), else the nearest within a few edits (a third
/// of its length, 1 to 3) and those one edit further, nearest first.
pub fn nearest(name: &str, max: usize) -> Vec<&'static str> {
    let defs = filter::definitions();
    let below: Vec<&'static str> = (defs.iter().map(|d| d.name))
        .filter(|n| n.len() > name.len() && n.starts_with(name))
        .filter(|n| name.ends_with('.') || n.as_bytes()[name.len()] == b'.')
        .take(max)
        .collect();
    if !below.is_empty() {
        return below;
    }
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut close: Vec<(usize, &'static str)> = (defs.iter())
        .map(|d| (filter::edit_distance(name, d.name), d.name))
        .filter(|&(dist, _)| dist <= limit)
        .collect();
    close.sort();
    // The nearest, and those one edit further: not every name a few edits away.
    let best = close.first().map_or(0, |&(d, _)| d);
    (close.into_iter())
        .take_while(|&(d, _)| d <= best + 1)
        .take(max)
        .map(|(_, n)| n)
        .collect()
}
