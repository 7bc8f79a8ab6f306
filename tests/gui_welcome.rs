//! The welcome page, driven headless: shown at launch without a file (over the bundled
//! sample), never with one; a lesson one click away; the samples, recent files and the
//! capture dialog from it; Help ▸ Welcome and Escape.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use egui::Key;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::{App, WELCOME_TITLE};
use layerscope::gui::settings::Settings;
use layerscope::lessons;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The window as `layerscope [FILE]` opens it, loaded (no settings file is read or written).
fn launch_with(settings: Settings, file: Option<PathBuf>) -> Harness<'static, App> {
    let mut app = App::new(settings, None);
    app.at_launch(file, &egui::Context::default());
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    h
}

fn launch(file: Option<PathBuf>) -> Harness<'static, App> {
    launch_with(Settings::default(), file)
}

fn click(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
    h.state_mut().wait_loaded();
    h.run_steps(3);
}

fn welcome_visible(h: &Harness<'static, App>) -> bool {
    h.query_by_label(WELCOME_TITLE).is_some()
}

#[test]
fn without_a_file_a_lesson_is_one_click_from_launch() {
    let mut h = launch(None);
    assert!(welcome_visible(&h), "the welcome page is shown at launch");
    // The bundled sample is loaded behind it, as the Quick start says.
    assert!(h.state().store().is_some_and(|s| s.len() == 58));
    // Every bundled lesson is listed, by title.
    for l in lessons::bundled() {
        assert!(h.query_by_label(&l.title).is_some(), "{} is listed", l.name);
    }
    // One click: the handshake lesson at its first step.
    click(&mut h, "The TCP three-way handshake");
    let lesson = lessons::load_bundled("handshake").expect("bundled");
    let app = h.state();
    assert_eq!(app.lesson.as_ref().map(|l| l.step), Some(0), "at step 1");
    assert_eq!(app.selected_index(), Some(lesson.steps[0].packet - 1));
    assert!(h.query_by_label(&lesson.steps[0].text).is_some());
    let first = format!("step 1 of {}", lesson.steps.len());
    assert!(h.query_by_label(&first).is_some(), "{first}");
    assert!(!welcome_visible(&h), "the lesson replaces the welcome page");
}

#[test]
fn with_a_file_or_a_lesson_there_is_no_welcome_page() {
    let h = launch(Some(sample("http-get.pcap")));
    assert!(!welcome_visible(&h));
    assert!(!h.state().welcome_shown());
    h.get_by_label_contains("Packets: 12");
    // `--lesson NAME` starts the lesson, not the welcome page.
    let mut app = App::new(Settings::default(), None);
    let lesson = lessons::load_bundled("teardown").expect("bundled");
    app.start_lesson(lesson, &egui::Context::default());
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    assert!(!welcome_visible(&h));
    assert!(h.query_by_label("step 1 of 6").is_some());
}

#[test]
fn start_with_the_sample_then_help_welcome_and_escape() {
    let mut h = launch(None);
    assert!(h.query_by_label_contains("Packets: 58").is_some());
    // The packet list is hidden behind the page.
    assert!(h.query_by_label("Packet list").is_none());
    click(&mut h, "Start with the sample ▸");
    assert!(!welcome_visible(&h));
    assert!(h.query_by_label("Packet list").is_some());
    assert_eq!(h.state().selected_index(), Some(0), "the sample, as before");
    click(&mut h, "Help");
    click(&mut h, "Welcome");
    assert!(welcome_visible(&h), "Help ▸ Welcome shows it again");
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(!welcome_visible(&h), "Escape closes it");
    assert_eq!(h.state().title, "socketio-chat.pcap (bundled sample)");
}

#[test]
fn a_bundled_sample_and_a_recent_file_open_from_the_page() {
    let mut settings = Settings::default();
    settings.add_recent(&sample("socketio-polling.pcap"));
    let mut h = launch_with(settings, None);
    for (name, _) in lessons::bundled_samples() {
        assert!(h.query_by_label(name).is_some(), "{name} is listed");
    }
    // The chat sample is the one behind the page: shown as it is.
    click(&mut h, "socketio-chat.pcap");
    assert!(!welcome_visible(&h));
    assert_eq!(h.state().title, "socketio-chat.pcap (bundled sample)");
    click(&mut h, "Help");
    click(&mut h, "Welcome");
    click(&mut h, "http-get.pcap");
    assert!(!welcome_visible(&h));
    assert_eq!(h.state().title, "http-get.pcap");
    h.get_by_label_contains("Packets: 12");
    click(&mut h, "Help");
    click(&mut h, "Welcome");
    // Over another capture, the page offers to go back to it.
    assert!(h.query_by_label("Back to http-get.pcap ▸").is_some());
    click(&mut h, "socketio-polling.pcap");
    assert_eq!(h.state().title, "socketio-polling.pcap");
    h.get_by_label_contains("Packets: 52");
    assert!(!welcome_visible(&h));
}

#[test]
fn capture_live_opens_the_capture_dialog_over_the_page() {
    let mut h = launch(None);
    assert!(!h.state().capture.open);
    click(&mut h, "Capture live…");
    assert!(h.state().capture.open, "the capture dialog opens");
    assert!(welcome_visible(&h), "the page stays until a capture starts");
}
