use super::*;
use crate::capture::Capture;
use crate::lessons::{load_bundled, CaptureSource, Lesson};

fn store_of(l: &Lesson) -> Store {
    let CaptureSource::Bundled(_, bytes) = l.capture_source().expect("its capture") else {
        panic!("bundled lessons use bundled captures");
    };
    Store::build(Capture::from_bytes(bytes.to_vec()).expect("a sample opens"))
}

fn challenge(json: &str) -> Challenge {
    serde_json::from_str(json).expect("a challenge")
}

fn step(packet: u32, field: Option<&str>) -> Step {
    Step {
        packet,
        field: field.map(str::to_string),
        text: String::new(),
        challenge: None,
    }
}

#[test]
fn numbers_are_read_as_people_write_them() {
    for s in [
        "1234",
        " 1,234 ",
        "1 234",
        "1_234",
        "0x4d2",
        "0X4D2",
        "1\u{202f}234",
    ] {
        assert_eq!(number(s), Some(1234), "{s:?}");
    }
    assert_eq!(number("-5"), Some(-5));
    for s in ["", "12a", "0x", "1.5", "one", ","] {
        assert_eq!(number(s), None, "{s:?}");
    }
}

#[test]
fn answers_are_marked_as_a_teacher_would() {
    let n = Answer::Number(858_667_451, None);
    for right in ["858667451", " 858,667,451 ", "0x332e39bb", "\"858667451\""] {
        assert!(is_right(&n, &[], right), "{right:?}");
    }
    for wrong in ["858667450", "", "0x332e39bc", "85866745l"] {
        assert!(!is_right(&n, &[], wrong), "{wrong:?}");
    }
    let op = Answer::Number(1, Some("Text"));
    assert!(is_right(&op, &[], "1") && is_right(&op, &[], " text "));
    assert!(!is_right(&op, &[], "binary"));
    let flag = Answer::Flag(true);
    for right in ["1", "True", "set", "Yes"] {
        assert!(is_right(&flag, &[], right), "{right:?}");
    }
    assert!(!is_right(&flag, &[], "not set"));
    let b64 = Answer::Exact("eSaA9M3qUCmAQ+0f3iKrxTAuXJw=".into());
    assert!(is_right(&b64, &[], "  eSaA9M3qUCmAQ+0f3iKrxTAuXJw=\n"));
    assert!(
        !is_right(&b64, &[], "esaa9m3qucmaq+0f3ikrxtauxjw="),
        "base64 is exact"
    );
    let words = Answer::Words("switching protocols".into());
    assert!(is_right(&words, &[], "Switching   PROTOCOLS"));
    let bytes = Answer::Bytes(vec![0x4a, 0xeb, 0x17, 0x58]);
    for right in ["4aeb1758", "4a:eb:17:58", "4A EB 17 58", "0x4aeb1758"] {
        assert!(is_right(&bytes, &[], right), "{right:?}");
    }
    assert!(!is_right(&bytes, &[], "4aeb175"));
    let ip = Answer::Ip("127.0.0.1".parse().expect("an address"));
    assert!(is_right(&ip, &[], " 127.0.0.1") && !is_right(&ip, &[], "127.0.0.2"));
    let choices = vec!["client".to_string(), "server".to_string()];
    assert!(is_right(&Answer::Choice(0), &choices, "Client"));
    assert!(!is_right(&Answer::Choice(0), &choices, "server"));
}

#[test]
fn text_answers_are_typed_by_what_they_look_like() {
    assert_eq!(answer_of_text(" 1,000 "), Answer::Number(1000, None));
    assert_eq!(
        answer_of_text("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        Answer::Exact("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".into())
    );
    assert_eq!(
        answer_of_text("Switching Protocols"),
        Answer::Words("switching protocols".into())
    );
}

#[test]
fn a_field_challenge_takes_its_answer_from_the_capture() {
    let l = load_bundled("handshake").expect("bundled");
    let store = store_of(&l);
    let c = challenge(r#"{"question": "Ack?"}"#);
    let e = c
        .resolve(&step(3, Some("tcp.ack_raw")), &store)
        .expect("resolves");
    assert_eq!(e.answer, Answer::Number(858_667_451, None));
    assert_eq!(e.shown, "858667451");
    let hidden = e.hidden.expect("the field is hidden");
    assert_eq!(
        (hidden.packet, hidden.bytes),
        (2, Some((Src::Frame, [42, 46])))
    );
    assert_eq!(e.secrets, ["858,667,451", "858667451"]);
    // Another packet's field: the SYN-ACK's raw sequence number.
    let c = challenge(r#"{"question": "ISN?", "packet": 2, "field": "tcp.seq_raw"}"#);
    let e = c
        .resolve(&step(3, Some("tcp.ack_raw")), &store)
        .expect("resolves");
    assert_eq!(e.answer, Answer::Number(858_667_450, None));
    assert_eq!(e.hidden.expect("hidden").packet, 1);
}

#[test]
fn choices_and_given_answers_resolve_or_say_what_is_wrong() {
    let l = load_bundled("handshake").expect("bundled");
    let store = store_of(&l);
    let s = step(1, Some("tcp.flags.syn"));
    let c =
        challenge(r#"{"question": "Who?", "choices": ["client", "server"], "answer": "Server"}"#);
    let e = c.resolve(&s, &store).expect("resolves");
    assert_eq!((e.answer, e.shown.as_str()), (Answer::Choice(1), "server"));
    assert!(e.hidden.is_none(), "the step's field stays shown");
    assert!(e.secrets.is_empty(), "a choice's words are not hidden");
    let bad =
        challenge(r#"{"question": "Who?", "choices": ["client", "server"], "answer": "both"}"#);
    let err = bad.resolve(&s, &store).expect_err("not a choice");
    assert!(err.contains("not one of the choices"), "{err}");
    let none = challenge(r#"{"question": "Who?", "choices": ["client", "server"]}"#);
    assert!(none
        .resolve(&s, &store)
        .expect_err("no answer")
        .contains("no answer"));
    let given = challenge(r#"{"question": "MSS?", "answer": "65,495"}"#);
    let e = given.resolve(&s, &store).expect("resolves");
    assert_eq!(e.answer, Answer::Number(65495, None));
    let nothing = challenge(r#"{"question": "?"}"#);
    let err = nothing
        .resolve(&step(1, None), &store)
        .expect_err("no field");
    assert!(err.contains("no answer"), "{err}");
    let layer = challenge(r#"{"question": "?"}"#);
    let err = layer
        .resolve(&step(1, Some("tcp")), &store)
        .expect_err("a layer");
    assert!(err.contains("tcp has no value to ask for"), "{err}");
    let missing = challenge(r#"{"question": "?", "field": "http.upgrade"}"#);
    let err = missing.resolve(&s, &store).expect_err("no such field");
    assert!(err.contains("no field \"http.upgrade\""), "{err}");
    let gone = challenge(r#"{"question": "?", "packet": 9999}"#);
    let err = gone.resolve(&s, &store).expect_err("no such packet");
    assert!(err.contains("packet 9999 is not in the capture"), "{err}");
}

#[test]
fn unknown_keys_in_a_challenge_are_refused() {
    let e = serde_json::from_str::<Challenge>(r#"{"question": "?", "anwser": "1"}"#);
    assert!(e
        .expect_err("a misspelt key")
        .to_string()
        .contains("anwser"));
}

#[test]
fn secrets_are_masked_only_as_whole_words() {
    let e = Expected {
        answer: Answer::Number(858_667_451, None),
        shown: "858667451".into(),
        hidden: None,
        secrets: secrets_of(&Answer::Number(858_667_451, None), "858667451"),
    };
    assert_eq!(
        e.mask("858,667,450 + 1 = 858,667,451 (raw 858667451)."),
        "858,667,450 + 1 = ? (raw ?)."
    );
    assert_eq!(
        e.mask("1858667451 and 8586674510"),
        "1858667451 and 8586674510"
    );
    let b64 = secrets_of(
        &Answer::Exact("eSaA9M3qUCmAQ+0f3iKrxTAuXJw=".into()),
        "eSaA9M3qUCmAQ+0f3iKrxTAuXJw=",
    );
    let e = Expected {
        answer: Answer::Exact(String::new()),
        shown: String::new(),
        hidden: None,
        secrets: b64,
    };
    assert_eq!(
        e.mask("Accept sent: eSaA9M3qUCmAQ+0f3iKrxTAuXJw="),
        "Accept sent: ?"
    );
    // A value of one or two characters is never hidden outside its own field.
    assert!(secrets_of(&Answer::Number(1, None), "1").is_empty());
}
