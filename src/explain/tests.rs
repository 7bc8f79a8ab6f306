//! The explanations against the dissectors' field definitions: every name the tree can
//! show has an entry, every entry names such a field, and the files are well formed.

use std::path::Path;

use super::*;

/// Every name the tree can show has an entry. While an entry is missing this lists all
/// of them (with the file their protocol's entries go in), so whoever writes them sees
/// the whole list at once.
#[test]
fn every_field_the_tree_can_show_is_explained() {
    let missing: Vec<String> = shown_names()
        .filter(|d| explain(d.name).is_none())
        .map(|d| format!("  {:<40} {}", d.name, d.label))
        .collect();
    assert!(
        missing.is_empty(),
        "{} field names have no explanation in assets/explain/:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// An entry for a name the dissectors no longer define (or for an alias, which the
/// tree never shows) is stale.
#[test]
fn every_entry_names_a_field_the_tree_can_show() {
    let shown: Vec<&str> = shown_names().map(|d| d.name).collect();
    let stale: Vec<String> = entries()
        .names()
        .filter(|n| shown.binary_search(n).is_err())
        .map(|n| {
            let file = entries().get(n).map_or("?", |(f, _)| f);
            let why = if filter::alias_of(n).is_some() {
                "an alias: explain its two fields instead"
            } else {
                "not a field the dissectors define"
            };
            format!("  {file}: {n} ({why})")
        })
        .collect();
    assert!(stale.is_empty(), "stale entries:\n{}", stale.join("\n"));
}

#[test]
fn the_files_parse_with_sorted_unique_keys() {
    assert!(!FILES.is_empty(), "no file in assets/explain/");
    let problems = entries().problems();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every entry says what the field is in whole sentences (the first one is the hover
/// text) and why it exists; "e.g." and "i.e." would end the first sentence early.
#[test]
fn every_entry_is_written_out() {
    let mut bad = Vec::new();
    for name in entries().names() {
        let e = explain(name).expect("listed");
        let first = e.first_sentence();
        let problem = if e.what.trim().is_empty() {
            "`what` is empty"
        } else if e.why.trim().is_empty() {
            "`why` is empty"
        } else if !e.what.trim_end().ends_with(['.', '?', '!']) {
            "`what` does not end a sentence"
        } else if first.len() < 15 {
            "the first sentence of `what` is too short for a hover text"
        } else if [&e.what, &e.why, &e.typical]
            .iter()
            .any(|t| t.contains("e.g.") || t.contains("i.e."))
        {
            "write \"for example\" or \"that is\" instead of e.g./i.e."
        } else if e.rfc.trim() != e.rfc {
            "`rfc` has spaces around it"
        } else {
            continue;
        };
        bad.push(format!("  {name}: {problem}"));
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// `build.rs` embedded every file of the folder, as it is now.
#[test]
fn every_file_in_the_folder_is_embedded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/explain");
    let mut on_disk: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("assets/explain")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    on_disk.sort();
    let embedded: Vec<(String, String)> = FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(embedded, on_disk);
}

#[test]
fn first_sentences() {
    assert_eq!(first_sentence_of("One. Two."), "One.");
    assert_eq!(
        first_sentence_of("Version 1.5 of it. Two."),
        "Version 1.5 of it."
    );
    assert_eq!(first_sentence_of("  No stop at all "), "No stop at all");
    assert_eq!(first_sentence_of("Is it? Yes."), "Is it?");
    assert_eq!(first_sentence_of("Ends here."), "Ends here.");
}

#[test]
fn a_file_with_unsorted_repeated_or_unknown_keys_is_reported() {
    let e = r#"{"what": "A thing.", "why": "b", "typical": "", "rfc": ""}"#;
    let unsorted = format!(r#"{{"b.x": {e}, "a.x": {e}}}"#);
    let twice = format!(r#"{{"a.x": {e}}}"#);
    let extra = r#"{"c": {"what": "A.", "why": "", "typical": "", "rfc": "", "more": 1}}"#;
    let t = Table::parse(&[
        ("one.json", &unsorted),
        ("two.json", &twice),
        ("three.json", extra),
    ]);
    let p = t.problems();
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(
        p[0].starts_with("one.json: \"a.x\" comes after \"b.x\""),
        "{}",
        p[0]
    );
    assert!(
        p[1].starts_with("two.json: \"a.x\" is explained in one.json"),
        "{}",
        p[1]
    );
    assert!(
        p[2].starts_with("three.json: unknown field `more`"),
        "{}",
        p[2]
    );
    assert_eq!(t.get("b.x").map(|(f, _)| f), Some("one.json"));
}

#[test]
fn aliases_point_at_their_fields_and_unknown_names_at_near_ones() {
    match lookup("tcp.port") {
        Lookup::Alias { fields, .. } => assert_eq!(fields, ["tcp.srcport", "tcp.dstport"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(lookup("tcp.srcport"), Lookup::Field { .. }));
    match lookup("tcp.flags.sin") {
        Lookup::Unknown { nearest } => {
            assert_eq!(nearest[..2], ["tcp.flags.fin", "tcp.flags.syn"]);
            assert!(!nearest.contains(&"tcp.flags.ack"), "{nearest:?}");
        }
        other => panic!("{other:?}"),
    }
    // A group that is not itself a name lists what is below it.
    let below = nearest("tcp.options.timestamp.", MAX_NEAREST);
    assert_eq!(
        below,
        ["tcp.options.timestamp.tsecr", "tcp.options.timestamp.tsval"]
    );
    assert!(nearest("dns.soa", MAX_NEAREST).contains(&"dns.soa.serial_number"));
    assert!(nearest("zzzzzzzzzzzz", MAX_NEAREST).is_empty());
}
