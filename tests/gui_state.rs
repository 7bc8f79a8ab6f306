//! The window never says something that is not so: what the filter bar, the status
//! bar, the title, the details pane, the zoom and Open Recent show is what is
//! applied and open (headless, egui_kittest).
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use egui::{Key, Role};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The window on `app`, a few frames drawn.
fn window(app: App) -> Harness<'static, App> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    h
}

/// The window on the sample `name`, loaded (no settings file).
fn harness(name: &str) -> Harness<'static, App> {
    let mut app = App::new(Settings::default(), None);
    app.open(Input::File(sample(name)), &egui::Context::default());
    app.wait_loaded();
    window(app)
}

/// Type `text` into the filter bar and press Enter; wait for the result.
fn filter(h: &mut Harness<'static, App>, text: &str) {
    type_filter(h, text);
    h.key_press(Key::Enter);
    h.run_steps(2);
    let store = h.state().store().cloned().expect("loaded");
    let ctx = h.ctx.clone();
    h.state_mut().filter.wait(&store, &ctx);
    h.run_steps(2);
}

/// Replace the filter bar's text by `text`, typed (not applied).
fn type_filter(h: &mut Harness<'static, App>, text: &str) {
    h.state_mut().filter.text.clear();
    h.run_steps(1);
    let input = filter_field(h);
    input.focus();
    input.type_text(text);
    h.run_steps(2);
}

/// The filter bar's text field (the topmost text field of the window).
fn filter_field<'h>(h: &'h Harness<'static, App>) -> egui_kittest::Node<'h> {
    h.get_all_by_role(Role::TextInput)
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .expect("the filter field")
}

/// What a node says (a label's text is its value).
fn text_of(n: &egui_kittest::Node<'_>) -> String {
    let a = n.accesskit_node();
    a.value().or_else(|| a.label()).unwrap_or_default()
}

/// Point 3: Cancel while a filter runs leaves the list on the filter before it, and
/// the bar says so instead of showing the cancelled one as if it were applied.
#[test]
fn a_cancelled_filter_puts_back_the_filter_that_is_shown() {
    let mut h = harness("socketio-chat.pcap");
    filter(&mut h, "http");
    let http = h.state().filter.shown().map(<[u32]>::to_vec).unwrap();
    assert!(!http.is_empty());
    // The next run is held before it hands its result over, so it can be cancelled.
    let (release, gate) = std::sync::mpsc::channel::<()>();
    h.state_mut().filter.hold_next_run(gate);
    type_filter(&mut h, "socketio.event == \"chat message\"");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(h.state().filter.is_running());
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    drop(release);
    assert!(!h.state().filter.is_running());
    assert_eq!(h.state().filter.shown(), Some(&http[..]));
    // The bar shows the filter the list shows.
    assert_eq!(h.state().filter.text, "http");
    assert_eq!(h.state().filter.applied_text(), Some("http"));
    h.get_by_label_contains("cancelled");
    h.get_by_label_contains(&format!("Displayed: {}", http.len()));
}

/// Point 3: a valid filter typed and not applied says so.
#[test]
fn a_typed_filter_not_yet_applied_is_marked() {
    let mut h = harness("socketio-chat.pcap");
    filter(&mut h, "http");
    type_filter(&mut h, "tcp");
    h.get_by_label_contains("not applied");
    h.key_press(Key::Enter);
    h.run_steps(2);
    let store = h.state().store().cloned().unwrap();
    let ctx = h.ctx.clone();
    h.state_mut().filter.wait(&store, &ctx);
    h.run_steps(2);
    assert!(h.query_by_label_contains("not applied").is_none());
}

/// Point 9: a literal that cannot be a value of the field's type is refused in red,
/// with Wireshark's words.
#[test]
fn an_invalid_address_literal_is_an_error_in_the_bar() {
    let mut h = harness("socketio-chat.pcap");
    type_filter(&mut h, "ip.addr == 999.1.1.1");
    h.get_by_label_contains("\"999.1.1.1\" is not a valid IPv4 address");
    assert!(h.state().filter.error.is_some());
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().filter.shown(), None, "not applied");
    assert_eq!(h.state().filter.applied_text(), None);
}

/// Point 10: the status bar says what the last filter matched and how long it took.
#[test]
fn the_status_bar_says_what_the_filter_matched() {
    let mut h = harness("socketio-chat.pcap");
    filter(&mut h, "socketio.event == \"chat message\"");
    let label = h.get_by_label_contains("Filter matched 2 of 58 in ");
    let text = text_of(&label);
    assert!(text.ends_with(" s"), "{text}");
}

/// Point 10: completion is a drop-down under the field, and Tab takes the choice.
#[test]
fn completion_drops_down_under_the_field_and_tab_accepts() {
    let mut h = harness("socketio-chat.pcap");
    type_filter(&mut h, "tcp.srcp");
    h.run_steps(2);
    let field = filter_field(&h).rect();
    let offer = h.get_by_label_contains("tcp.srcport").rect();
    assert!(
        offer.top() >= field.bottom() - 1.0 && offer.left() < field.center().x,
        "under the field: {offer:?} vs {field:?}"
    );
    h.key_press(Key::Tab);
    h.run_steps(2);
    assert_eq!(h.state().filter.text, "tcp.srcport");
    assert!(filter_field(&h).is_focused(), "Tab did not move on");
    // The words after a field complete too.
    h.state_mut().filter.text.clear();
    type_filter(&mut h, "tcp.srcport == 46234 && ip.s");
    h.get_by_label_contains("ip.src");
    h.key_press(Key::ArrowDown);
    h.run_steps(1);
    h.key_press(Key::Tab);
    h.run_steps(2);
    let text = &h.state().filter.text;
    assert!(
        text.starts_with("tcp.srcport == 46234 && ip.") && text.len() > 27,
        "{text}"
    );
}
