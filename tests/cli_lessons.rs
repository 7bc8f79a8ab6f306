//! `layerscope lessons` and `layerscope --lesson NAME` as a person uses them.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerscope"))
        .args(args)
        .output()
        .expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

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
