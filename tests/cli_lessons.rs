//! `layerscope lessons` and `layerscope --lesson NAME` as a person uses them.

mod common;

use common::cli::{run, stderr, stdout};

#[test]
fn lessons_lists_the_bundled_lessons_with_their_titles() {
    let o = run(&["lessons"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let names: Vec<&str> = (out.lines())
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    for want in [
        "handshake",
        "refused-and-teardown",
        "websocket-upgrade",
        "websocket-frames",
        "socketio",
        "socketio-vs-websocket",
        "osi-one-packet",
    ] {
        assert!(names.contains(&want), "{want} missing from:\n{out}");
    }
    let handshake = (out.lines())
        .find(|l| l.starts_with("handshake "))
        .expect("listed");
    assert!(
        handshake.ends_with("The TCP three-way handshake"),
        "{handshake}"
    );
}

#[test]
fn an_unknown_lesson_says_where_the_list_is() {
    let o = run(&["--lesson", "no-such-lesson"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("layerscope lessons"), "{}", stderr(&o));
}

/// Text as the Markdown handout writes it: HTML-escaped, then Markdown's emphasis and
/// link characters backslashed.
fn in_markdown(text: &str) -> String {
    let mut out = String::new();
    for c in layerscope::export::svg::escape(text).chars() {
        if matches!(c, '*' | '_' | '[' | ']' | '`' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[test]
fn a_lesson_handout_has_every_step_and_the_ladders() {
    let dir =
        std::env::temp_dir().join(format!("layerscope-lesson-handout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lesson = layerscope::lessons::load_bundled("socketio-vs-websocket").expect("bundled");

    let html = dir.join("cmp.html");
    let o = run(&[
        "handout",
        "--lesson",
        &lesson.name,
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).expect("the page is written");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(&format!("<h1>{}</h1>", lesson.title)));
    assert_eq!(page.matches("<svg xmlns=").count(), 3, "streams 0, 1 and 3");
    for (i, s) in lesson.steps.iter().enumerate() {
        let text = layerscope::export::svg::escape(&s.text);
        assert!(page.contains(&text), "step {}: {text}", i + 1);
        let head = format!("Step {} · #{}</span>", i + 1, s.packet);
        assert!(page.contains(&head), "{head}");
        let field = s
            .field
            .as_deref()
            .expect("every step of this lesson names a field");
        assert!(page.contains(&format!("<p class=\"field\"><code>{field}</code>: ")));
    }
    for bad in ["src=", "href=", "<script", "<link"] {
        assert!(!page.contains(bad), "{bad}");
    }

    let md = dir.join("cmp.md");
    let o = run(&[
        "handout",
        "--lesson",
        &lesson.name,
        "-o",
        md.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&md).expect("the Markdown is written");
    for (i, s) in lesson.steps.iter().enumerate() {
        assert!(text.contains(&format!("### Step {} · #{}", i + 1, s.packet)));
        assert!(text.contains(&in_markdown(&s.text)), "step {}", i + 1);
    }
    for n in [0, 1, 3] {
        let svg = format!("cmp-stream{n}.svg");
        assert!(text.contains(&format!("({svg})")), "{svg}");
        let image = std::fs::read_to_string(dir.join(&svg)).expect("the ladder is beside it");
        assert!(image.contains(&format!("TCP conversation {n} (tcp.stream == {n})")));
    }

    // --svg alone: the ladders only.
    let o = run(&[
        "handout",
        "--lesson",
        &lesson.name,
        "--svg",
        dir.join("only.svg").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("only-stream3.svg").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_teachers_lesson_file_makes_a_handout_and_mistakes_are_said() {
    let dir = std::env::temp_dir().join(format!("layerscope-own-handout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let capture = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/http-get.pcap");
    std::fs::copy(capture, dir.join("get.pcap")).expect("copy");
    let file = dir.join("mine.json");
    std::fs::write(
        &file,
        r#"{"title": "My GET", "capture": "get.pcap", "steps": [
            {"packet": 4, "field": "http.request.method", "text": "The client asks <politely>."},
            {"packet": 99, "text": "Not there."}]}"#,
    )
    .expect("write");
    let out = dir.join("mine.html");
    let o = run(&[
        "handout",
        "--lesson",
        file.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("The client asks &lt;politely&gt;."));
    assert!(page.contains("<code>http.request.method</code>: <code>Request Method: GET</code>"));
    assert!(page.contains("packet 99 is not in the capture (12 packets)"));
    assert_eq!(page.matches("<svg xmlns=").count(), 1);

    let o = run(&[
        "handout",
        "--lesson",
        "no-such-lesson",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("layerscope lessons"), "{}", stderr(&o));
    let o = run(&[
        "handout",
        "--lesson",
        "handshake",
        "--stream",
        "1",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "--stream is for a capture");
    let o = run(&["handout", "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "a capture or a lesson is needed");
    let _ = std::fs::remove_dir_all(&dir);
}
