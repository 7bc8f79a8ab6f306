//! `layerscope explain FIELD` and `layerscope explain --list`: the plain-language
//! explanations of the tree's fields ([`crate::explain`]) on the command line.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use serde::Serialize;

use crate::dissect::{FieldDef, Kind};
use crate::explain::{self, Entry, Lookup};

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// A field or protocol name, as the tree and display filters write it (`tcp.flags.syn`).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub field: Option<String>,
    /// Every name, each with the first sentence of its explanation.
    #[arg(long)]
    pub list: bool,
    /// JSON: one object for a name; one object per line with `--list`.
    #[arg(long)]
    pub json: bool,
}

/// Run the command: 0 when the name is known, 2 when it is not (with the nearest names).
pub fn run(a: &ExplainArgs) -> ExitCode {
    let mut out = BufWriter::new(io::stdout().lock());
    let r = match a.field.as_deref() {
        None => list(&mut out, a.json),
        Some(name) => match explain::lookup(name) {
            Lookup::Unknown { nearest } => {
                eprintln!("layerscope: {}", unknown_message(name, &nearest));
                return ExitCode::from(2);
            }
            found => one(&mut out, &found, a.json),
        },
    };
    match r.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("layerscope: cannot write output: {e}");
            ExitCode::from(2)
        }
    }
}

/// `"tcp.flags.sin" is not ...; nearest: tcp.flags.syn, ...`.
fn unknown_message(name: &str, nearest: &[&str]) -> String {
    let head = format!("{name:?} is not a field or protocol name");
    if nearest.is_empty() {
        format!("{head}; `layerscope explain --list` lists every name")
    } else {
        format!("{head}; nearest: {}", nearest.join(", "))
    }
}

/// A name's explanation as JSON (`what`..`rfc` are null for an alias, and for a field
/// whose explanation is not written yet).
#[derive(Serialize)]
struct Json<'a> {
    name: &'a str,
    label: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    alias_of: Option<[&'a str; 2]>,
    what: Option<&'a str>,
    why: Option<&'a str>,
    typical: Option<&'a str>,
    rfc: Option<&'a str>,
}

impl<'a> Json<'a> {
    fn of(found: &Lookup) -> Option<Json<'a>> {
        let (def, entry, alias_of) = match *found {
            Lookup::Field { def, entry } => (def, entry, None),
            Lookup::Alias { def, fields } => (def, None, Some(fields)),
            Lookup::Unknown { .. } => return None,
        };
        Some(Json {
            name: def.name,
            label: def.label,
            kind: def.kind.name(),
            alias_of,
            what: entry.map(|e| e.what.as_str()),
            why: entry.map(|e| e.why.as_str()),
            typical: entry.map(|e| e.typical.as_str()),
            rfc: entry.map(|e| e.rfc.as_str()),
        })
    }
}

fn json_line(out: &mut impl Write, found: &Lookup) -> io::Result<()> {
    if let Some(j) = Json::of(found) {
        let s = serde_json::to_string(&j).map_err(io::Error::other)?;
        writeln!(out, "{s}")?;
    }
    Ok(())
}

fn one(out: &mut impl Write, found: &Lookup, json: bool) -> io::Result<()> {
    if json {
        return json_line(out, found);
    }
    match *found {
        Lookup::Field { def, entry } => field_text(out, def, entry),
        Lookup::Alias { def, fields } => alias_text(out, def, fields),
        Lookup::Unknown { .. } => Ok(()),
    }
}

/// `tcp.flags.syn: Syn (bool)`.
fn heading(def: &FieldDef) -> String {
    let kind = match def.kind {
        Kind::None => "no value: a protocol or a group of fields",
        k => k.name(),
    };
    format!("{}: {} ({kind})", def.name, def.label)
}

/// Column where the texts after `What:` and the others start.
const INDENT: usize = 11;
/// Lines are wrapped to this width.
const WIDTH: usize = 79;

fn field_text(out: &mut impl Write, def: &FieldDef, entry: Option<&Entry>) -> io::Result<()> {
    writeln!(out, "{}\n", heading(def))?;
    let Some(e) = entry else {
        writeln!(
            out,
            "No explanation has been written for {} yet. Its definition says: {}",
            def.name,
            with_stop(def.description)
        )?;
        return Ok(());
    };
    let typical = if e.typical.is_empty() {
        "-"
    } else {
        &e.typical
    };
    let rfc = if e.rfc.is_empty() {
        "none (see Why)"
    } else {
        &e.rfc
    };
    for (tag, text) in [
        ("What:", e.what.as_str()),
        ("Why:", &e.why),
        ("Typical:", typical),
        ("Standard:", rfc),
    ] {
        write_wrapped(out, tag, text)?;
    }
    Ok(())
}

fn alias_text(out: &mut impl Write, def: &FieldDef, fields: [&str; 2]) -> io::Result<()> {
    writeln!(out, "{}\n", heading(def))?;
    let [a, b] = fields;
    write_wrapped(
        out,
        "What:",
        &format!(
            "A display filter's name for either of two fields: `{} == X` matches a packet \
             whose {a} or {b} is X. The tree shows the two fields, not {}.",
            def.name, def.name
        ),
    )?;
    writeln!(out)?;
    for f in fields {
        let first = explain::first_sentence(f).unwrap_or("(no explanation yet)");
        write_wrapped(out, &format!("{f}:"), first)?;
    }
    writeln!(out, "\n`layerscope explain {a}` tells more.")
}

/// `text`, ending with a full stop.
fn with_stop(text: &str) -> String {
    if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// `tag` then `text` wrapped at [`WIDTH`], the lines after the first indented under it.
fn write_wrapped(out: &mut impl Write, tag: &str, text: &str) -> io::Result<()> {
    let indent = INDENT.max(tag.chars().count() + 1);
    let mut line = format!("{tag:<indent$}");
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            writeln!(out, "{line}")?;
            line = " ".repeat(indent);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    writeln!(out, "{line}")
}

/// Every name a filter or the tree knows, with the first sentence of its explanation.
fn list(out: &mut impl Write, json: bool) -> io::Result<()> {
    let defs = crate::filter::definitions();
    let width = defs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    for def in defs {
        let found = explain::lookup(def.name);
        if json {
            json_line(out, &found)?;
            continue;
        }
        let text = match found {
            Lookup::Field { entry: Some(e), .. } => e.first_sentence().to_string(),
            Lookup::Field { entry: None, .. } => {
                format!("(not explained yet) {}", def.description)
            }
            Lookup::Alias { fields: [a, b], .. } => {
                format!("Either {a} or {b} (a display filter's name for the two).")
            }
            Lookup::Unknown { .. } => continue,
        };
        writeln!(out, "{:<width$}  {text}", def.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_wrap_under_their_tag() {
        let mut out = Vec::new();
        let text = "word ".repeat(30);
        write_wrapped(&mut out, "What:", &text).unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert!(lines.len() > 1, "{s}");
        assert!(lines[0].starts_with("What:      word"));
        assert!(lines[1..].iter().all(|l| l.starts_with("           word")));
        assert!(lines.iter().all(|l| l.chars().count() <= WIDTH));
        assert_eq!(s.matches("word").count(), 30);
    }

    #[test]
    fn unknown_names_say_what_is_near_or_where_to_look() {
        let m = unknown_message("tcp.flags.sin", &["tcp.flags.syn"]);
        assert!(m.ends_with("nearest: tcp.flags.syn"), "{m}");
        assert!(unknown_message("zz", &[]).contains("explain --list"));
    }
}
