//! Lessons in the window, driven headless: every bundled lesson walked from its first
//! step to its last with Next (and Back once), the packet and field each step selects
//! and its text; Help ▸ Lessons; Right and Left.
#![cfg(feature = "gui")]

use egui::Key;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::settings::Settings;
use layerscope::lessons::{self, find_field, Lesson};
use layerscope::store::PacketId;

/// The window with nothing open yet (as at launch).
fn harness() -> Harness<'static, App> {
    let app = App::new(Settings::default(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(2);
    h
}

/// The window on `lesson`, loaded, at its first step.
fn harness_on(lesson: Lesson) -> Harness<'static, App> {
    let mut h = harness();
    h.state_mut()
        .start_lesson(lesson, &egui::Context::default());
    h.state_mut().wait_loaded();
    h.run_steps(3);
    h
}

/// The selection and the text are those of `lesson`'s step `i` (from 0).
fn assert_at_step(h: &Harness<'static, App>, lesson: &Lesson, i: usize) {
    let step = &lesson.steps[i];
    let app = h.state();
    let at = app.lesson.as_ref().expect("the lesson is on").step;
    assert_eq!(at, i, "{}: the step shown", lesson.name);
    assert_eq!(
        app.selected_index(),
        Some(step.packet - 1),
        "{} step {}: the packet",
        lesson.name,
        i + 1
    );
    if let Some(name) = &step.field {
        let store = app.store().expect("loaded");
        let d = store.dissect(PacketId(step.packet - 1)).expect("dissects");
        let f = find_field(&d, name).expect("the lesson's field is there");
        assert_eq!(
            app.selected_range(),
            f.range,
            "{} step {}: the field {name}",
            lesson.name,
            i + 1
        );
        assert_eq!(
            app.selected_field(),
            Some(&f.path[..]),
            "{} step {}: the field {name} is selected",
            lesson.name,
            i + 1
        );
    }
    assert!(
        h.query_by_label(&step.text).is_some(),
        "{} step {}: its text is shown",
        lesson.name,
        i + 1
    );
    let counter = format!("step {} of {}", i + 1, lesson.steps.len());
    assert!(h.query_by_label(&counter).is_some(), "{counter} is shown");
}

fn click(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
}

#[test]
fn every_bundled_lesson_walks_from_first_to_last_step() {
    let all = lessons::bundled();
    assert!(all.len() >= 6, "{} lessons", all.len());
    for lesson in all {
        let mut h = harness_on(lesson.clone());
        assert!(h.state().lesson.as_ref().unwrap().problems.is_empty());
        assert_at_step(&h, &lesson, 0);
        for i in 1..lesson.steps.len() {
            click(&mut h, "Next ►");
            assert_at_step(&h, &lesson, i);
            if i == 1 {
                click(&mut h, "◄ Back");
                assert_at_step(&h, &lesson, 0);
                click(&mut h, "Next ►");
                assert_at_step(&h, &lesson, 1);
            }
        }
        // At the last step Next is disabled: clicking it keeps the step.
        click(&mut h, "Next ►");
        assert_at_step(&h, &lesson, lesson.steps.len() - 1);
        click(&mut h, "Close lesson");
        assert!(h.state().lesson.is_none(), "Close ends the lesson");
    }
}

#[test]
fn help_lessons_opens_a_lesson_in_two_clicks_and_arrows_step_through_it() {
    let mut h = harness();
    click(&mut h, "Help");
    click(&mut h, "Lessons");
    click(&mut h, "The TCP three-way handshake");
    h.state_mut().wait_loaded();
    h.run_steps(3);
    let lesson = lessons::load_bundled("handshake").expect("bundled");
    assert_at_step(&h, &lesson, 0);
    h.key_press(Key::ArrowRight);
    h.run_steps(2);
    assert_at_step(&h, &lesson, 1);
    h.key_press(Key::ArrowLeft);
    h.run_steps(2);
    assert_at_step(&h, &lesson, 0);
}

#[test]
fn another_capture_opened_ends_the_lesson() {
    let mut h = harness_on(lessons::load_bundled("handshake").expect("bundled"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
    h.state_mut().open(
        layerscope::gui::loader::Input::File(path),
        &egui::Context::default(),
    );
    h.state_mut().wait_loaded();
    h.run_steps(2);
    assert!(h.state().lesson.is_none());
}

#[test]
fn a_teachers_lesson_with_a_wrong_field_says_so_and_still_steps() {
    let dir = std::env::temp_dir().join(format!("layerscope-gui-lesson-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let capture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
    std::fs::copy(&capture, dir.join("mine.pcap")).expect("copy");
    let file = dir.join("my-lesson.json");
    let json = r#"{"title": "My lesson", "capture": "mine.pcap", "steps": [
        {"packet": 4, "field": "http.request.uri", "text": "The page asked for."},
        {"packet": 5, "field": "websocket.opcode", "text": "A wrong field."}]}"#;
    std::fs::write(&file, json).expect("write");
    let lesson = lessons::load_path(&file).expect("parses");
    let mut h = harness_on(lesson.clone());
    assert_at_step(&h, &lesson, 0);
    let problem =
        "step 2: packet 5 has no field \"websocket.opcode\" (`layerscope inspect -V` lists them)";
    assert!(h.query_by_label(problem).is_some(), "the problem is shown");
    click(&mut h, "Next ►");
    assert_eq!(
        h.state().selected_index(),
        Some(4),
        "the packet is still selected"
    );
    assert!(h.query_by_label("A wrong field.").is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The lesson bar's Handout… saves the lesson in progress as a page for students: the
/// desktop's save dialog (or the built-in one) gives the path, then this is called.
#[test]
fn the_lesson_bar_saves_a_handout_of_the_lesson() {
    let dir = std::env::temp_dir().join(format!("layerscope-gui-handout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lesson = lessons::load_bundled("socketio-vs-websocket").expect("bundled");
    let mut h = harness_on(lesson.clone());
    assert!(
        h.query_by_label("Handout…").is_some(),
        "the lesson bar offers it"
    );

    let page = dir.join("lesson.html");
    h.state_mut().save_lesson_handout(&page);
    let status = h.state().status.clone().unwrap_or_default();
    assert!(status.starts_with("saved the handout of"), "{status}");
    let html = std::fs::read_to_string(&page).expect("written");
    assert_eq!(html.matches("<svg xmlns=").count(), 3);
    for s in &lesson.steps {
        assert!(html.contains(&layerscope::export::svg::escape(&s.text)));
    }

    let md = dir.join("lesson.md");
    h.state_mut().save_lesson_handout(&md);
    let status = h.state().status.clone().unwrap_or_default();
    assert!(status.contains("(3 SVG images)"), "{status}");
    assert!(dir.join("lesson-stream3.svg").exists());

    let nowhere = dir.join("no-such-folder").join("x.html");
    h.state_mut().save_lesson_handout(&nowhere);
    let status = h.state().status.clone().unwrap_or_default();
    assert!(status.contains("cannot write"), "{status}");

    click(&mut h, "Close lesson");
    h.state_mut().save_lesson_handout(&page);
    let status = h.state().status.clone().unwrap_or_default();
    assert!(status.contains("no lesson is open"), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of the tree's row at `path` (a layer's title, or `label: value`).
fn row_text(d: &layerscope::dissect::Dissection, path: &[usize]) -> String {
    let layer = &d.layers[path[0]];
    let Some((&first, rest)) = path[1..].split_first() else {
        return layer.title.clone();
    };
    let mut f = &layer.fields[first];
    for &i in rest {
        f = &f.children[i];
    }
    let shown = f.shown();
    if shown.is_empty() {
        f.label.to_string()
    } else {
        format!("{}: {shown}", f.label)
    }
}

#[test]
fn every_lesson_step_scrolls_the_tree_to_its_field() {
    for lesson in lessons::bundled() {
        let mut h = harness_on(lesson.clone());
        for (i, step) in lesson.steps.iter().enumerate() {
            if i > 0 {
                click(&mut h, "Next ►");
            }
            // The tree's scroll is animated: let it settle.
            h.run_steps(2);
            let Some(name) = &step.field else { continue };
            let store = h.state().store().expect("loaded").clone();
            let d = store.dissect(PacketId(step.packet - 1)).expect("dissects");
            let path = find_field(&d, name).expect("the field").path;
            let mut text = row_text(&d, &path);
            // A step's question hides its field's value.
            let l = h.state().lesson.as_ref().expect("the lesson is on");
            let hidden = l.open_challenge().and_then(|e| e.hidden.as_ref());
            if hidden.is_some_and(|x| x.packet == step.packet - 1 && x.path == path) {
                let label = text.split(": ").next().unwrap_or_default().to_string();
                text = format!("{label}: ?");
            }
            let pane = (h.get_all_by_label("Layers").map(|n| n.rect()))
                .reduce(|a, b| a.union(b))
                .expect("the Layers pane");
            let bottom = h
                .query_all_by_label_contains("Explanation")
                .map(|n| n.rect().top())
                .fold(f32::NEG_INFINITY, f32::max);
            let row = h
                .query_all_by_label(&text)
                .map(|n| n.rect())
                .min_by(|a, b| a.left().total_cmp(&b.left()));
            let at = format!("{} step {} ({name}: {text:?})", lesson.name, i + 1);
            let row = row.unwrap_or_else(|| panic!("{at}: its row is not drawn"));
            assert!(
                row.top() >= pane.top() && row.bottom() <= bottom,
                "{at}: the row {row:?} is outside the tree ({pane:?}, explanation at {bottom})"
            );
        }
    }
}

/// F5 during a lesson: the replay goes on from the lesson's packet (not from the
/// conversation's first), and at presenter size the lesson bar's title gives way to its
/// buttons instead of running under them.
#[test]
fn presenter_mode_in_a_lesson_starts_at_the_lessons_packet_and_the_bar_fits() {
    let lesson = lessons::load_bundled("handshake").expect("bundled");
    let mut h = harness_on(lesson.clone());
    for _ in 0..4 {
        h.key_press(Key::ArrowRight);
        h.run_steps(2);
    }
    assert_at_step(&h, &lesson, 4);
    let packet = lesson.steps[4].packet - 1;
    assert_ne!(packet, 0, "the step is not the conversation's first packet");
    // The teacher had zoomed in already.
    h.state_mut().settings.zoom = 1.5;
    h.key_press(Key::F5);
    h.run_steps(4);
    let app = h.state();
    assert!(app.presenter.active);
    let r = app.replay.as_ref().expect("a replay");
    assert_eq!(r.index, 1, "the replay is at the lesson's packet");
    assert_eq!(app.selected_index(), Some(packet));
    bar_fits(&h, &lesson);
    // Back at the normal size, and at presenter size without a zoom of one's own.
    h.key_press(Key::F5);
    h.run_steps(3);
    bar_fits(&h, &lesson);
    h.state_mut().settings.zoom = 1.0;
    h.key_press(Key::F5);
    h.run_steps(4);
    assert!(h.state().presenter.active);
    bar_fits(&h, &lesson);
}

/// The lesson bar's title, step and buttons are all on screen and none runs under another.
fn bar_fits(h: &Harness<'static, App>, lesson: &Lesson) {
    let screen = h.ctx.content_rect();
    let title = format!("Lesson: {}", lesson.title);
    let mut rects = vec![(title.clone(), h.get_by_label(&title).rect())];
    for b in ["◄ Back", "Next ►", "Handout…", "Close lesson"] {
        // The lesson bar's (the replay's controls, under it, have a Back too).
        let r = (h.query_all_by_label(b).map(|n| n.rect()))
            .min_by(|a, b| a.top().total_cmp(&b.top()))
            .unwrap_or_else(|| panic!("{b} is shown"));
        rects.push((b.to_string(), r));
    }
    for (name, r) in &rects {
        assert!(
            r.left() >= screen.left() && r.right() <= screen.right() + 0.5,
            "{name} {r:?} is off the screen {screen:?}"
        );
    }
    for (i, (a, ra)) in rects.iter().enumerate() {
        for (b, rb) in &rects[i + 1..] {
            assert!(!ra.intersects(*rb), "{a} {ra:?} runs under {b} {rb:?}");
        }
    }
}
