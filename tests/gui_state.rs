//! The window never says something that is not so: what the filter bar, the status
//! bar, the title, the details pane, the zoom and Open Recent show is what is
//! applied and open (headless, egui_kittest).
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use egui::{Key, Modifiers, Role};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::file_dialog::Browser;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A folder of its own under the temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("ls-gui-state-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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

/// Open `input` in the window and wait until it is loaded (or failed).
fn open(h: &mut Harness<'static, App>, input: Input) {
    let ctx = h.ctx.clone();
    h.state_mut().open(input, &ctx);
    h.state_mut().wait_loaded();
    h.run_steps(3);
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

/// The sample cut by a bad record header after packet 24.
fn damaged(dir: &Path) -> PathBuf {
    let data = std::fs::read(sample("socketio-chat.pcap")).unwrap();
    let mut off = 24;
    for _ in 0..24 {
        let caplen = u32::from_le_bytes(data[off + 8..off + 12].try_into().unwrap()) as usize;
        off += 16 + caplen;
    }
    let mut bad = data[..off].to_vec();
    bad.extend([0xff; 16]);
    bad.extend(&data[off + 16..]);
    let path = dir.join("damaged.pcap");
    std::fs::write(&path, bad).unwrap();
    path
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

/// Point 4: the damage of one file is not reported on the next.
#[test]
fn the_status_of_a_damaged_file_goes_when_another_file_opens() {
    let dir = TempDir::new("damaged");
    let mut app = App::new(Settings::default(), None);
    app.open(Input::File(damaged(&dir.0)), &egui::Context::default());
    app.wait_loaded();
    let mut h = window(app);
    h.get_by_label_contains("damaged file:");
    h.get_by_label_contains("Packets: 24");
    open(&mut h, Input::File(sample("http-get.pcap")));
    h.get_by_label_contains("Packets: 12");
    assert!(h.query_by_label_contains("damaged file").is_none());
}

/// Point 5: a file that cannot be opened leaves the capture that was open, and is not
/// remembered in Open Recent.
#[test]
fn a_failed_open_keeps_the_capture_and_is_not_recent() {
    let dir = TempDir::new("failed");
    let bad = dir.0.join("page.html");
    std::fs::write(&bad, "<!DOCTYPE html><html></html>").unwrap();
    let mut h = harness("socketio-chat.pcap");
    open(&mut h, Input::File(bad.clone()));
    assert_eq!(h.state().store().map(|s| s.len()), Some(58));
    h.get_by_label_contains("Packets: 58");
    h.get_by_label_contains("not a pcap or pcapng file");
    h.get_by_label("page.html could not be opened");
    let recent = &h.state().settings.recent;
    assert_eq!(recent.len(), 1, "{recent:?}");
    assert!(recent[0].ends_with("socketio-chat.pcap"));
    assert_eq!(h.state().window_title(), "socketio-chat.pcap — layerscope");
    // The packets are still there to click.
    h.get_by_label("TCP 46234 → 18300 [SYN] Seq=0 Len=0");
}

/// Point 6: the details pane does not show a packet the filter hides.
#[test]
fn a_packet_the_filter_hides_leaves_the_details_pane() {
    let mut h = harness("socketio-chat.pcap");
    assert_eq!(h.state().selected_index(), Some(0));
    h.get_by_label_contains("Packet 1 — layers");
    filter(&mut h, "socketio.event == \"chat message\"");
    assert_eq!(h.state().filter.shown(), Some(&[40u32, 42][..]));
    assert_eq!(h.state().selected_index(), None);
    assert!(h.query_by_label_contains("Packet 1 — layers").is_none());
    // A packet still shown stays selected.
    h.get_all_by_label_contains("Socket.IO EVENT / \"chat message\" [\"hi\"]")
        .next()
        .unwrap()
        .click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(40));
    filter(&mut h, "socketio");
    assert_eq!(h.state().selected_index(), Some(40));
}

/// Point 6: the window's title names the file.
#[test]
fn the_title_names_the_open_file() {
    let mut h = harness("socketio-chat.pcap");
    assert_eq!(h.state().window_title(), "socketio-chat.pcap — layerscope");
    open(&mut h, Input::File(sample("http-get.pcap")));
    assert_eq!(h.state().window_title(), "http-get.pcap — layerscope");
}

/// Point 7: Ctrl+0 resets the zoom the menu shows and the settings file keeps; the
/// next Ctrl− goes from there.
#[test]
fn zoom_reset_is_kept_in_the_menu_and_the_settings_file() {
    let dir = TempDir::new("zoom");
    let path = dir.0.join("settings.json");
    let mut app = App::new(Settings::default(), Some(path.clone()));
    app.open(
        Input::File(sample("socketio-chat.pcap")),
        &egui::Context::default(),
    );
    app.wait_loaded();
    let mut h = window(app);
    for _ in 0..2 {
        h.key_press_modifiers(Modifiers::COMMAND, Key::Plus);
        h.run_steps(2);
    }
    assert!((h.state().settings.zoom - 1.2).abs() < 1e-4);
    assert!((h.ctx.zoom_factor() - 1.2).abs() < 1e-4);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Num0);
    h.run_steps(2);
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    assert_eq!(h.state().settings.zoom, 1.0);
    assert_eq!(Settings::load(&path).zoom, 1.0);
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("100 %");
    h.key_press(Key::Escape);
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Minus);
    h.run_steps(2);
    assert!((h.ctx.zoom_factor() - 0.9).abs() < 1e-4);
    assert!((Settings::load(&path).zoom - 0.9).abs() < 1e-4);
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
    assert!(text.ends_with(" ms") || text.ends_with(" s"), "{text}");
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

// ---- The built-in Open dialog ----

/// The browser, what it answered, and whether the window's fonts are installed.
type Dialog = (Browser, Option<Option<PathBuf>>, bool);

fn dialog(dir: &Path) -> Harness<'static, Dialog> {
    let b = Browser::new(dir.to_path_buf(), false);
    let mut h = Harness::builder()
        .with_size(egui::vec2(640.0, 480.0))
        .build_ui_state(
            |ui, (b, answer, fonts): &mut Dialog| {
                if !*fonts {
                    // As the window does, before anything is drawn.
                    layerscope::gui::theme::install_fonts(ui.ctx());
                    *fonts = true;
                    return;
                }
                if let Some(a) = b.ui(ui) {
                    *answer = Some(a);
                }
            },
            (b, None, false),
        );
    h.run_steps(2);
    h
}

/// Point 14: captures and folders are listed, other files on request; Enter in the
/// name box opens; folders have an icon that is drawn, not a missing glyph.
#[test]
fn the_open_dialog_lists_captures_and_folders_and_enter_opens() {
    let dir = TempDir::new("dialog");
    for f in ["a.pcap", "b.pcapng", "c.cap", "notes.txt"] {
        std::fs::write(dir.0.join(f), b"x").unwrap();
    }
    std::fs::create_dir(dir.0.join("sub")).unwrap();
    let mut h = dialog(&dir.0);
    for f in ["a.pcap", "b.pcapng", "c.cap", "sub"] {
        h.get_by_label(f);
    }
    assert!(h.query_by_label("notes.txt").is_none());
    // No label carries a glyph the bundled fonts lack (📁 drew an empty box).
    assert!(h.query_by_label_contains("📁").is_none());
    h.get_by_label("All files").click();
    h.run_steps(2);
    h.get_by_label("notes.txt");
    h.get_by_label("All files").click();
    h.run_steps(2);
    assert!(h.query_by_label("notes.txt").is_none());
    // A folder opens with a click; Up comes back.
    h.get_by_label("sub").click();
    h.run_steps(2);
    assert_eq!(h.state().0.dir, dir.0.join("sub"));
    h.get_by_label_contains("Up").click();
    h.run_steps(2);
    let input = h.get_by_role(Role::TextInput);
    input.focus();
    input.type_text("a.pcap");
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().1, Some(Some(dir.0.join("a.pcap"))));
}

/// Point 14: every label of the dialog is drawn with glyphs the window's fonts have
/// (the folder icon was 📁, an empty box).
#[test]
fn the_open_dialog_draws_no_missing_glyph() {
    let dir = TempDir::new("glyphs");
    std::fs::write(dir.0.join("a.pcap"), b"x").unwrap();
    std::fs::create_dir(dir.0.join("sub")).unwrap();
    let h = dialog(&dir.0);
    let labels: Vec<String> = h
        .query_all(egui_kittest::kittest::By::new().predicate(|_| true))
        .map(|n| text_of(&n))
        .collect();
    assert!(labels.iter().any(|l| l.contains("sub")), "{labels:?}");
    for l in labels {
        let missing: Vec<char> = l
            .chars()
            .filter(|&c| {
                !h.ctx
                    .fonts_mut(|f| f.has_glyph(&egui::FontId::proportional(14.0), c))
            })
            .collect();
        assert!(missing.is_empty(), "{l:?}: {missing:?} not in the fonts");
    }
}
