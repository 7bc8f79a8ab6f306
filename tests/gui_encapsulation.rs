//! The Encapsulation view (View ▸ Encapsulation), driven headless: its steps,
//! their sentences, and the header bytes each one selects in the hex pane.
#![cfg(feature = "gui")]

use std::path::Path;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

/// The window on `name`, loaded, with packet `number` (from 1) selected.
fn harness(name: &str, number: usize) -> Harness<'static, App> {
    let mut app = App::new(Settings::default(), None);
    let ctx = egui::Context::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    app.open(Input::File(path), &ctx);
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    for _ in 1..number {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
    assert_eq!(h.state().selected_index(), Some(number as u32 - 1));
    h
}

fn open_view(h: &mut Harness<'static, App>) {
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Encapsulation (the OSI model, moving)")
        .click();
    h.run_steps(3);
    assert!(h.state().encap.open);
}

fn click(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).click();
    h.run_steps(3);
}

#[test]
fn stepping_through_a_websocket_frame_selects_each_header() {
    let mut h = harness("socketio-chat.pcap", 41);
    open_view(&mut h);
    // Sending starts at layer 7: the Socket.IO message, its bytes selected.
    h.get_by_label(
        "The program hands down its message: Socket.IO EVENT / \"chat message\" [\"hi\"] (23 bytes).",
    );
    assert_eq!(h.state().selected_range(), Some([72, 95]));
    click(&mut h, "Forward ►");
    h.get_by_label_contains("WebSocket adds a 6-byte frame header: FIN");
    assert_eq!(h.state().selected_range(), Some([66, 72]));
    // Presentation and session add no bytes; then TCP's 32-byte header.
    click(&mut h, "Forward ►");
    h.get_by_label_contains("Presentation: masked (key 02 22 90 23)");
    click(&mut h, "Forward ►");
    h.get_by_label_contains("Session: TCP connection #2");
    click(&mut h, "Forward ►");
    h.get_by_label(
        "TCP adds a 32-byte header: source port 46262, destination port 18300, sequence number \
         305, acknowledgment number 138, flags PSH, ACK; the message becomes a segment.",
    );
    assert_eq!(h.state().selected_range(), Some([34, 66]));
    // The hex pane highlights it: the layer's path has no field, the bytes are the frame's.
    assert_eq!(h.state().bytes_tab(), 0);
    click(&mut h, "Forward ►");
    h.get_by_label_contains("IPv4 adds a 20-byte header: from 127.0.0.1 to 127.0.0.1");
    assert_eq!(h.state().selected_range(), Some([14, 34]));
    click(&mut h, "◄ Back");
    assert_eq!(h.state().selected_range(), Some([34, 66]));
    // The blocks there are so far, labelled with their protocol and size; IPv4's
    // and Ethernet's are not yet.
    h.get_by_label_contains("step 5 of 8");
    for block in ["Socket.IO 23 B", "WebSocket 6 B", "TCP 32 B"] {
        h.get_by_label(block);
    }
    assert!(h.query_by_label("IPv4 20 B").is_none());

    // Receiving goes up from the bits.
    click(&mut h, "Receiving: 1 → 7");
    h.get_by_label(
        "760 bits arrive; the network card turns them back into a 95-byte frame and hands it up.",
    );
    assert_eq!(h.state().selected_range(), Some([0, 95]));
    click(&mut h, "Forward ►");
    h.get_by_label_contains("Ethernet reads and removes its 14-byte header");
    assert_eq!(h.state().selected_range(), Some([0, 14]));
    click(&mut h, "End ►►");
    h.get_by_label_contains("Socket.IO reads the message");
    assert_eq!(h.state().selected_range(), Some([72, 95]));
}

#[test]
fn playing_advances_on_its_own_and_stops_at_the_end() {
    let mut h = harness("http-get.pcap", 1);
    open_view(&mut h);
    // A bare SYN: no message; the session comes first, then TCP's 40-byte header.
    h.get_by_label_contains("Session: TCP connection #0");
    click(&mut h, "► Play");
    assert!(h.state().encap.playing);
    // Each harness step is a quarter of a second; a step lasts 2.5 s by default.
    h.run_steps(12);
    assert_eq!(h.state().encap.step, 1);
    h.get_by_label_contains("TCP builds a 40-byte segment that is only a header");
    assert_eq!(h.state().selected_range(), Some([34, 74]));
    h.run_steps(60);
    assert_eq!(h.state().encap.step, 4, "the last step: physical");
    assert!(!h.state().encap.playing, "playing stops at the end");
    h.get_by_label_contains("The network card sends the 74-byte frame as 592 bits");
}

/// At 200% the view fits the window: its controls and its sentence stay on screen.
#[test]
fn at_twice_the_size_everything_stays_on_screen() {
    let settings = Settings {
        zoom: 2.0,
        ..Settings::default()
    };
    let mut app = App::new(settings, None);
    let ctx = egui::Context::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/http-get.pcap");
    app.open(Input::File(path), &ctx);
    app.wait_loaded();
    app.encap.open = true;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    // Packet 4, the GET: the longest sentence.
    for _ in 0..3 {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
    h.run_steps(4);
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(640.0, 400.0));
    for label in ["Forward ►", "Receiving: 1 → 7", "Speed"] {
        let r = (h.query_all_by_label_contains(label))
            .map(|n| n.rect())
            .reduce(|a, b| a.union(b))
            .unwrap_or_else(|| panic!("no {label}"));
        assert!(screen.contains_rect(r), "{label} at {r:?}");
    }
    let sentence = h.get_by_label_contains("The program hands down").rect();
    assert!(
        screen.contains_rect(sentence),
        "the sentence at {sentence:?}"
    );
}

/// The window opens over the layers tree, the pane it needs least: the packet list
/// and the bytes it highlights stay in view.
#[test]
fn the_window_opens_clear_of_the_packet_list_and_the_bytes() {
    let mut h = harness("socketio-chat.pcap", 4);
    open_view(&mut h);
    h.run_steps(4);
    let list = h.get_by_label("Packet list").rect();
    let bytes = h.get_by_label("Bytes").rect();
    let title = h.get_by_label("Encapsulation").rect();
    let end = h.get_by_label("End ►►").rect();
    assert!(
        title.top() >= list.bottom(),
        "{title:?} over the list {list:?}"
    );
    assert!(
        end.right() <= bytes.left(),
        "{end:?} over the bytes {bytes:?}"
    );
}
