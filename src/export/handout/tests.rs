use super::*;
use crate::export::svg::tests::check_xml;
use crate::story::testutil::{sample, websocket_conversation};

#[test]
fn the_chat_handout_tells_the_handshake_the_101_and_explains_fields() {
    let store = sample("socketio-chat.pcap");
    let conv = websocket_conversation(&store);
    let html = conversation_handout(&store, "socketio-chat.pcap", conv);
    let names =
        check_xml(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names[0], "html");
    assert!(html.contains(&format!(
        "<title>socketio-chat.pcap: TCP conversation {conv}</title>"
    )));
    // The SYN's story with the client's ISN, written with thousands separators.
    let isn = store.analysis.tcp.conversations[conv as usize].syn_seq[0].unwrap();
    let digits: Vec<char> = isn.to_string().chars().collect();
    assert!(digits.len() > 3);
    let groups: Vec<String> = (digits.rchunks(3).rev())
        .map(|g| g.iter().collect())
        .collect();
    let grouped = groups.join(",");
    assert!(html.contains("The client opens the connection: SYN, its initial sequence number is"));
    assert!(html.contains(&grouped), "{grouped}");
    assert!(html.contains("HTTP/1.1 101 Switching Protocols"));
    assert!(html.contains("<span class=\"badge\">101 Switching Protocols</span>"));
    // One section per packet, the milestones highlighted.
    let steps = conversation_steps(&store, conv);
    assert_eq!(html.matches("<section class=\"step").count(), steps.len());
    let milestones = steps.iter().filter(|s| s.milestone.is_some()).count();
    assert_eq!(
        html.matches("<section class=\"step milestone\">").count(),
        milestones
    );
    // Explanations: what, why, RFC; each field in full once, then referred to.
    let syn = explain::explain("tcp.flags.syn").unwrap();
    assert_eq!(html.matches(&escape(&syn.what)).count(), 1);
    assert!(html.contains(&escape(&syn.rfc)));
    assert!(html.contains(&escape(&explain::explain("http.upgrade").unwrap().what)));
    assert!(html.contains("Explained at packet #"));
    // The ladder is inline; nothing is fetched from anywhere.
    assert_eq!(names.iter().filter(|n| *n == "svg").count(), 1);
    assert_eq!(
        names.iter().filter(|n| *n == "polygon").count(),
        steps.len()
    );
    for bad in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!html.contains(bad), "{bad}");
    }
    let web: Vec<_> = html
        .match_indices("http")
        .filter(|(i, _)| {
            let r = &html[*i..];
            r.starts_with("http://") || r.starts_with("https://")
        })
        .map(|(i, _)| &html[i - 7..i + 34])
        .collect();
    assert!(
        web.iter()
            .all(|w| w.starts_with("xmlns=\"http://www.w3.org/2000/svg")),
        "{web:?}"
    );
}

#[test]
fn a_lesson_can_bring_its_own_steps_and_text_is_escaped() {
    let h = Handout {
        title: "Lesson <1> & \"more\"".into(),
        subtitle: "x".into(),
        ladders: Vec::new(),
        steps: vec![HandoutStep {
            packet: 0,
            direction: "client → server".into(),
            label: "GET /<script>&\"".into(),
            story: "A <b>story</b>.".into(),
            milestone: Some("Upgrade".into()),
            fields: vec!["http.upgrade".into(), "no.such.field".into()],
            question: Some("Is <this> escaped?".into()),
            ..HandoutStep::default()
        }],
        left_out: 3,
        answers: vec![super::HandoutAnswer {
            step: 1,
            answer: "<yes>".into(),
            explain: "Because & so".into(),
        }],
    };
    let html = h.html();
    check_xml(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap_or_else(|e| panic!("{e}"));
    assert!(html.contains("GET /&lt;script&gt;&amp;&quot;"));
    assert!(!html.contains("<b>story"));
    assert!(!html.contains("no.such.field"));
    assert!(html.contains("3 more steps are left out"));
    assert!(html.contains("Is &lt;this&gt; escaped?"));
    assert!(html.contains("<code>&lt;yes&gt;</code></dt><dd>Because &amp; so</dd>"));
    let md = h.markdown(&["ladder.svg".into()]);
    assert!(md.starts_with("# Lesson &lt;1&gt; &amp; &quot;more&quot;\n"));
    assert!(md.contains("`GET /<script>&\"`"));
    assert!(md.contains("- `http.upgrade`: "));
    assert!(!md.contains("![")); // no ladder given, no image
}

#[test]
fn markdown_points_at_the_ladder() {
    let store = sample("socketio-chat.pcap");
    let conv = websocket_conversation(&store);
    let h = conversation_handout_of(&store, "socketio-chat.pcap", conv);
    let md = h.markdown(&["chat.svg".into()]);
    assert!(md.contains("![The ladder of the conversation](chat.svg)"));
    assert!(
        md.contains("### #1 · **SYN** (client → server)")
            || md.contains("· **SYN** (client → server)")
    );
    assert!(md.contains("  (RFC 9293"));
    assert_eq!(code_md("a`b"), "``a`b``");
    assert_eq!(code_md("`a"), "`` `a ``");
}

#[test]
fn an_unknown_conversation_says_so() {
    let store = sample("http-get.pcap");
    let h = conversation_handout_of(&store, "http-get.pcap", 42);
    assert!(h.steps.is_empty() && h.ladders.is_empty());
    let html = h.html();
    assert!(html.contains("There is no TCP conversation 42"));
    check_xml(html.trim_start_matches("<!DOCTYPE html>\n")).unwrap();
}

#[test]
fn every_milestone_field_has_an_explanation() {
    use Milestone::*;
    for m in [
        Syn,
        SynAck,
        HandshakeAck,
        Upgrade,
        Switching,
        FirstFrame,
        Close,
    ] {
        for label in ["WS Close 1000", "RST, ACK Seq=1", "FIN, ACK Seq=1"] {
            let fields = milestone_fields(m, label);
            assert!(!fields.is_empty());
            for f in fields {
                assert!(
                    explain::explain(f).is_some(),
                    "{m:?}: {f} has no explanation"
                );
            }
        }
    }
    assert_eq!(milestone_fields(Close, "RST, ACK"), ["tcp.flags.reset"]);
    assert_eq!(milestone_fields(Close, "FIN, ACK"), ["tcp.flags.fin"]);
}

#[test]
fn save_writes_a_page_or_markdown_with_its_ladders_beside_it() {
    let dir = std::env::temp_dir().join(format!("layerscope-handout-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lesson = crate::lessons::load_bundled("socketio-vs-websocket").expect("bundled");
    let store = sample(&lesson.capture);
    let h = lesson_handout(&store, &lesson);

    let written = h.save(&dir.join("cmp.md")).expect("saved");
    let names: Vec<String> = (written.iter())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "cmp-stream0.svg",
            "cmp-stream1.svg",
            "cmp-stream3.svg",
            "cmp.md"
        ]
    );
    let md = std::fs::read_to_string(dir.join("cmp.md")).unwrap();
    assert!(md.contains("![The ladder of TCP conversation 3](cmp-stream3.svg)"));
    let svg = std::fs::read_to_string(dir.join("cmp-stream3.svg")).unwrap();
    assert!(svg.starts_with("<svg xmlns="));

    let page = dir.join("cmp.html");
    assert_eq!(h.save(&page).expect("saved"), std::slice::from_ref(&page));
    assert!(std::fs::read_to_string(&page)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));

    let conv = conversation_handout_of(&store, "chat-ws-vs-sio.pcap", 0);
    let written = conv.save(&dir.join("ws.MD")).expect("saved");
    assert_eq!(written, [dir.join("ws.svg"), dir.join("ws.MD")]);

    let e = h
        .save(&dir.join("no-such-folder").join("x.html"))
        .expect_err("no folder");
    assert!(e.to_string().contains("cannot write"), "{e}");
    assert!(e.to_string().contains("no-such-folder"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
