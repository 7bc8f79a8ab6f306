//! `layerscope explain`: a field's explanation in words or JSON, aliases, unknown names
//! with the nearest ones, and the list of every name.

mod common;

use common::cli::{run, stderr, stdout};

use layerscope::explain;

/// The words of `text`, joined by single spaces (the command wraps long lines).
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_field_is_explained_in_words() {
    let o = run(&["explain", "tcp.flags.syn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("tcp.flags.syn: Syn (bool)\n"), "{out}");
    let e = explain::explain("tcp.flags.syn").expect("explained");
    for (tag, text) in [
        ("What:", &e.what),
        ("Why:", &e.why),
        ("Typical:", &e.typical),
        ("Standard:", &e.rfc),
    ] {
        assert!(
            words(&out).contains(&format!("{tag} {}", words(text))),
            "{tag}\n{out}"
        );
    }
    assert!(out.lines().all(|l| l.chars().count() <= 79), "{out}");
}

#[test]
fn a_field_is_explained_in_json() {
    let o = run(&["explain", "--json", "ip.ttl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    let e = explain::explain("ip.ttl").expect("explained");
    assert_eq!(v["name"], "ip.ttl");
    assert_eq!(v["label"], "Time to Live");
    assert_eq!(v["type"], "uint");
    assert_eq!(v["what"], e.what.as_str());
    assert_eq!(v["why"], e.why.as_str());
    assert_eq!(v["typical"], e.typical.as_str());
    assert_eq!(v["rfc"], e.rfc.as_str());
    assert!(v.get("alias_of").is_none());
}

/// `tcp.port` is a filter's name for two fields the tree shows: it says which.
#[test]
fn an_alias_points_at_its_two_fields() {
    let o = run(&["explain", "tcp.port"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = words(&stdout(&o));
    for f in ["tcp.srcport", "tcp.dstport"] {
        let first = explain::first_sentence(f).expect("explained");
        assert!(out.contains(&format!("{f}: {}", words(first))), "{out}");
    }
    let o = run(&["explain", "--json", "ip.addr"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["alias_of"], serde_json::json!(["ip.src", "ip.dst"]));
    assert!(v["what"].is_null());
}

#[test]
fn an_unknown_name_exits_2_with_the_nearest_names() {
    let o = run(&["explain", "tcp.flags.sin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(
        err.contains("\"tcp.flags.sin\" is not a field or protocol name; nearest: ")
            && err.contains("tcp.flags.syn"),
        "{err}"
    );
    // A group lists what is below it; nothing near says where to look.
    assert!(stderr(&run(&["explain", "dns.soa"])).contains("dns.soa.serial_number"));
    let o = run(&["explain", "--json", "qqqqqqqqqqqq"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("layerscope explain --list"),
        "{}",
        stderr(&o)
    );
}

/// One line per name a filter or the tree knows, with the first sentence.
#[test]
fn the_list_has_every_name_with_its_first_sentence() {
    let o = run(&["explain", "--list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let names: Vec<&str> = out.lines().filter_map(|l| l.split(' ').next()).collect();
    let defined: Vec<&str> = layerscope::filter::definitions()
        .iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, defined);
    let first = explain::first_sentence("tcp.flags.syn").expect("explained");
    assert!(
        out.lines()
            .any(|l| l.starts_with("tcp.flags.syn ") && l.trim_end().ends_with(first)),
        "{out}"
    );
    assert!(out
        .lines()
        .any(|l| l.starts_with("tcp.port ") && l.contains("tcp.srcport")));

    let o = run(&["explain", "--list", "--json"]);
    assert_eq!(o.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), defined.len());
    let syn = lines
        .iter()
        .find(|v| v["name"] == "tcp.flags.syn")
        .expect("listed");
    assert_eq!(
        syn["rfc"],
        explain::explain("tcp.flags.syn").unwrap().rfc.as_str()
    );
}
