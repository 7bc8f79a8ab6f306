use super::*;
use crate::story::testutil::{sample, websocket_conversation};

/// A small well-formedness check for the XML we write: every tag closed in order,
/// attribute values quoted, no raw `<` in an attribute, every `&` a known entity.
/// Returns the element names in document order.
pub(crate) fn check_xml(doc: &str) -> Result<Vec<String>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = doc;
    let mut roots = 0;
    loop {
        let Some(lt) = rest.find('<') else {
            check_text(rest)?;
            break;
        };
        check_text(&rest[..lt])?;
        rest = &rest[lt..];
        for (open, close) in [("<!--", "-->"), ("<?", "?>"), ("<!DOCTYPE", ">")] {
            if rest.starts_with(open) {
                let end = rest.find(close).ok_or(format!("{open} never closed"))?;
                rest = &rest[end + close.len()..];
            }
        }
        if !rest.starts_with('<') {
            continue;
        }
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => return Err(format!("raw < in an attribute: {}", &rest[..i])),
                (None, '<') => return Err(format!("< inside a tag: {}", &rest[..i])),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or("a tag never ends")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        if name.is_empty() {
            return Err(format!("a tag without a name: <{tag}>"));
        }
        check_text(tag)?;
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !tag.ends_with('/') {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        return Err(format!("never closed: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(names)
}

/// Every `&` starts an entity XML knows.
fn check_text(s: &str) -> Result<(), String> {
    for (i, _) in s.match_indices('&') {
        let after = &s[i + 1..];
        let ok = ["amp;", "lt;", "gt;", "quot;", "apos;"]
            .iter()
            .any(|e| after.starts_with(e))
            || after.strip_prefix('#').is_some_and(|d| {
                let n = d.find(';').unwrap_or(0);
                n > 0 && d[..n].chars().all(|c| c.is_ascii_digit())
            });
        if !ok {
            return Err(format!("a bare &: {}", &s[i..(i + 12).min(s.len())]));
        }
    }
    Ok(())
}

#[test]
fn the_checker_catches_what_it_should() {
    assert!(check_xml("<a><b/></a>").is_ok());
    assert!(check_xml("<a><b></a>").is_err());
    assert!(check_xml("<a>x & y</a>").is_err());
    assert!(check_xml(r#"<a t="<">x</a>"#).is_err());
    assert!(check_xml("<a></a><b></b>").is_err());
    assert!(check_xml("<a>&lt;&#39;</a>").is_ok());
}

#[test]
fn the_chat_ladder_is_well_formed_with_one_arrow_per_packet() {
    let store = sample("socketio-chat.pcap");
    let conv = websocket_conversation(&store);
    let l = ladder(&store, conv);
    let svg = ladder_svg(&store, conv);
    let names = check_xml(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert_eq!(names[0], "svg");
    let polygons = names.iter().filter(|n| *n == "polygon").count();
    assert_eq!(polygons, l.arrows.len());
    assert_eq!(polygons, 28);
    for a in &l.arrows {
        assert!(
            svg.contains(&format!(">#{}<", a.packet + 1)),
            "packet {}",
            a.packet
        );
        assert!(svg.contains(&escape(&a.label)), "{}", a.label);
    }
    assert!(svg.contains("&quot;chat message&quot;"));
    assert!(svg.contains(">127.0.0.1:46262<") && svg.contains(">127.0.0.1:18300<"));
    assert!(!svg.contains("left out"));
    // The legend names each phase once (a phase seen twice in the ladder too).
    let phases: Vec<Phase> = l.phases.iter().map(|s| s.phase).collect();
    assert!(phases.len() > 4);
    for p in &phases {
        let tag = format!(">{}<", escape(p.name()));
        assert_eq!(svg.matches(&tag).count(), 1, "{tag}");
    }
}

#[test]
fn labels_are_escaped() {
    assert_eq!(
        escape(r#"GET /<script>&"x"'"#),
        "GET /&lt;script&gt;&amp;&quot;x&quot;&#39;"
    );
    assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    let store = sample("socketio-chat.pcap");
    let mut l = ladder(&store, websocket_conversation(&store));
    l.arrows[3].label = r#"GET /<script>&"</script>"#.into();
    l.client = "<&>".into();
    let svg = render(&l, "a \"title\" & <more>");
    check_xml(&svg).unwrap_or_else(|e| panic!("{e}"));
    assert!(svg.contains("GET /&lt;script&gt;&amp;&quot;&lt;/script&gt;"));
    assert!(!svg.contains("<script"));
}

#[test]
fn long_ladders_are_cut_with_a_note_and_nothing_is_drawn_past_the_cut() {
    let store = sample("socketio-chat.pcap");
    let mut l = ladder(&store, websocket_conversation(&store));
    let one = l.arrows.clone();
    while l.arrows.len() < MAX_SVG_ARROWS + 37 {
        l.arrows.extend(one.iter().cloned());
    }
    l.arrows.truncate(MAX_SVG_ARROWS + 37);
    l.phases = crate::story::ladder::phase_spans(&l.arrows);
    let svg = render(&l, "long");
    let names = check_xml(&svg).unwrap();
    assert_eq!(
        names.iter().filter(|n| *n == "polygon").count(),
        MAX_SVG_ARROWS
    );
    assert!(
        svg.contains("37 more packets are left out"),
        "{}",
        &svg[svg.len() - 300..]
    );
    let height: u32 = svg
        .split("height=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(height > ROW * MAX_SVG_ARROWS as u32 && height < ROW * (MAX_SVG_ARROWS as u32 + 12));
}

#[test]
fn an_unknown_conversation_is_an_image_that_says_so() {
    let store = sample("http-get.pcap");
    let svg = ladder_svg(&store, 99);
    check_xml(&svg).unwrap();
    assert!(svg.contains("No TCP conversation 99"));
    assert!(!svg.contains("<polygon"));
}
