//! The window as a user drives it, headless (egui_kittest: clicks by label,
//! reads the AccessKit tree; no GPU, no X server).
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};

use egui::Role;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The window on `name`, loaded (no settings file is read or written).
fn harness(name: &str) -> Harness<'static, App> {
    let mut app = App::new(Settings::default(), None);
    let ctx = egui::Context::default();
    app.open(Input::File(sample(name)), &ctx);
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    h
}

/// Move the selection down `n` rows with the keyboard, a frame per key.
fn press_down(h: &mut Harness<'static, App>, n: usize) {
    for _ in 0..n {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
}

#[test]
fn the_sample_opens_with_its_handshake_visible() {
    let mut h = harness("socketio-chat.pcap");
    assert!(h.state().store().is_some());
    // The status bar counts the packets; the handshake badges are shown.
    h.get_by_label_contains("Packets: 58");
    assert!(h.query_all_by_label("1/3").count() >= 1);
    // Only the rows on screen are built: 3 of the 4 SYNs are in the first 15 rows;
    // the fourth label is the selected SYN's transport row in the OSI stack.
    assert_eq!(h.query_all_by_label_contains("[SYN] Seq=0").count(), 4);
    h.get_by_label("TCP 46234 → 18300 [SYN] Seq=0 Len=0");
    // The first packet is selected at load, its layers shown by OSI layer.
    assert_eq!(h.state().selected_index(), Some(0));
    assert_eq!(h.query_all_by_label_contains("5 Session").count(), 2);
    // Lower layers start folded: expanding TCP shows its fields.
    assert!(h.query_by_label("Source Port: 46234").is_none());
    // The tree's header (left), not the OSI stack's row (right).
    h.get_all_by_label_contains("Transmission Control Protocol, Src Port: 46234")
        .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the TCP layer header")
        .click();
    h.run_steps(3);
    h.get_by_label("Source Port: 46234");
    h.get_by_label("Role of this segment: handshake 1/3");
}

#[test]
fn clicking_a_row_shows_the_socketio_layers_and_a_field_selects_its_bytes() {
    let mut h = harness("socketio-chat.pcap");
    // Scroll the list to packet 41 with the keyboard, then click its row.
    press_down(&mut h, 40);
    assert_eq!(h.state().selected_index(), Some(40));
    h.run_steps(2);
    // The row (in the list, at the top of the window), not the tree's layer title.
    let row = h
        .get_all_by_label_contains("Socket.IO EVENT / \"chat message\" [\"hi\"]")
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .expect("the row");
    row.click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(40));
    // Layer 7 in the tree and in the OSI stack.
    assert_eq!(h.query_all_by_label_contains("7 Application").count(), 2);
    h.get_by_label("Event: chat message");
    // Clicking the opcode selects its byte: the first byte of the frame.
    h.get_by_label("Opcode: Text (1)").click();
    h.run_steps(2);
    assert_eq!(h.state().selected_range(), Some([66, 67]));
}

/// The OSI stack says what the packet carries at each layer; clicking a layer's
/// row selects that layer in the tree and its bytes.
#[test]
fn the_osi_stack_names_each_layer_and_a_click_selects_its_bytes() {
    let mut h = harness("socketio-chat.pcap");
    press_down(&mut h, 40);
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(40));
    // The stack's rows are right of the tree (which has layer titles too).
    let stack_row = |h: &Harness<'static, App>, text: &str| {
        h.get_all_by_label_contains(text)
            .map(|n| n.rect())
            .max_by(|a, b| a.left().total_cmp(&b.left()))
            .unwrap_or_else(|| panic!("no label with {text:?}"))
    };
    let transport = stack_row(&h, "4 Transport");
    let tree_title = h
        .get_all_by_label_contains("4 Transport")
        .map(|n| n.rect().left())
        .fold(f32::MAX, f32::min);
    assert!(
        transport.left() > tree_title + 100.0,
        "a stack row and a tree title"
    );
    // What each layer carries, in a few words, on the layer's row.
    for (text, row) in [
        ("masked (key ", "6 Presentation"),
        ("[PSH, ACK]", "4 Transport"),
    ] {
        let (what, name) = (stack_row(&h, text), stack_row(&h, row));
        assert!(
            (what.center().y - name.center().y).abs() < 4.0 && what.left() > name.left(),
            "{text:?} is on the {row} row"
        );
    }
    h.get_all_by_label_contains("4 Transport")
        .max_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the stack's transport row")
        .click();
    // The tree scrolls (animated) over the next frames.
    h.run_steps(12);
    // Ethernet (14) and IPv4 (20) come first; the TCP header with options is 32 bytes.
    assert_eq!(h.state().selected_range(), Some([34, 66]));
    // The tree opened the transport layer and scrolled to it: its fields are on
    // screen (the window is 800 points high; the tree starts half way down).
    let port = h.get_by_label("Source Port: 46262").rect();
    assert!(port.top() > 400.0 && port.bottom() < 800.0, "{port:?}");
}

#[test]
fn a_typed_filter_shows_only_the_matching_rows() {
    let mut h = harness("socketio-chat.pcap");
    let input = h.get_by_role(Role::TextInput);
    input.focus();
    input.type_text("socketio.event == \"chat message\"");
    h.run_steps(1);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    let store = h.state().store().cloned().expect("loaded");
    let ctx = h.ctx.clone();
    h.state_mut().filter.wait(&store, &ctx);
    h.run_steps(2);
    assert_eq!(h.state().filter.shown(), Some(&[40u32, 42][..]));
    h.get_by_label_contains("Displayed: 2");
    // A bad filter says why, in words.
    h.state_mut().filter.set("tcp.prot == 1");
    h.run_steps(2);
    h.get_by_label_contains("not a known field");
}

#[test]
fn a_conversation_shows_its_ladder_and_an_arrow_selects_its_packet() {
    let mut h = harness("socketio-chat.pcap");
    h.state_mut().views.open = true;
    // A new window takes a few frames to size and fade in.
    h.run_steps(6);
    h.get_by_label_contains("127.0.0.1:46262 → 127.0.0.1:18300")
        .click();
    h.run_steps(3);
    h.get_by_label_contains("SYN Seq=0");
    h.get_by_label_contains("101 Switching Protocols");
    let event = h.get_by_label_contains("Socket.IO EVENT \"chat message\" [\"hi\"]");
    event.click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(40));
}

#[test]
fn a_file_that_is_not_a_capture_shows_the_reason() {
    let dir = std::env::temp_dir().join(format!("layerscope-gui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("page.html");
    std::fs::write(&bad, "<!DOCTYPE html><html></html>").unwrap();
    let mut app = App::new(Settings::default(), None);
    app.open(Input::File(bad), &egui::Context::default());
    app.wait_loaded();
    let mut h = Harness::builder().build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(2);
    h.get_by_label("This file could not be opened");
    h.get_by_label_contains("not a pcap or pcapng file");
    let _ = std::fs::remove_dir_all(dir);
}

/// While a capture loads, the packet list, the conversations and the ladder show
/// what is analysed so far and grow as more comes in. The store is filled here by
/// hand, as the loading thread does by time, so each step is known.
#[test]
fn the_conversation_views_grow_while_the_capture_loads() {
    use layerscope::analysis::Keep;
    use layerscope::capture::Capture;
    use layerscope::gui::app::VIEWS_REFRESH;
    use layerscope::gui::model::Source;
    use layerscope::store::Growing;
    use std::sync::Arc;

    let cap = Arc::new(Capture::open(&sample("socketio-chat.pcap")).unwrap());
    let (g, mut pass) = Growing::start(cap.clone(), Keep::Records);
    let g = Arc::new(g);
    // Up to the ACK after `101 Switching Protocols` (packets 1–30 of 58).
    assert_eq!(g.grow_by(&mut pass, 30), 30);
    let mut app = App::new(Settings::default(), None);
    app.source = Some(Source::Growing(cap.clone(), g.clone()));
    app.views.open = true;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(6);
    // Every packet is listed; the analysed ones have their badges already.
    h.get_by_label_contains("Packets: 58");
    assert!(h.query_all_by_label("1/3").count() >= 1);
    h.get_by_label_contains("127.0.0.1:46262 → 127.0.0.1:18300")
        .click();
    h.run_steps(3);
    // The 101's row in the list and its arrow in the ladder.
    assert_eq!(
        h.query_all_by_label_contains("101 Switching Protocols")
            .count(),
        2
    );
    assert!(
        h.query_by_label_contains("Socket.IO EVENT \"chat message\" [\"hi\"]")
            .is_none(),
        "packet 41 is not analysed yet"
    );
    // The rest comes in; the views are rebuilt at their next refresh.
    assert_eq!(g.grow_by(&mut pass, usize::MAX), 58);
    std::thread::sleep(VIEWS_REFRESH + std::time::Duration::from_millis(50));
    h.run_steps(3);
    h.get_by_label_contains("Socket.IO EVENT \"chat message\" [\"hi\"]");
    g.finish(pass);
    assert!(g.is_finished());
}
