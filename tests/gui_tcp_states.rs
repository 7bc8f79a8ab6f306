//! The TCP states window, headless: opened from the View menu, it follows the
//! selected packet and a packet number in it selects that packet.
#![cfg(feature = "gui")]

mod common;

use std::path::Path;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

fn harness() -> Harness<'static, App> {
    common::window::window_on("socketio-chat.pcap")
}

fn press_down(h: &mut Harness<'static, App>, n: usize) {
    for _ in 0..n {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
}

#[test]
fn the_window_follows_the_selected_packet_through_the_handshake_and_close() {
    let mut h = harness();
    assert!(h.query_by_label("Client now: SYN-SENT").is_none());
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("TCP states").click();
    // A new window takes a few frames to size and fade in.
    h.run_steps(6);
    assert!(h.state().tcp_states.open);

    // #1, the client's SYN: the server's LISTEN is inferred, never seen.
    assert_eq!(h.state().selected_index(), Some(0));
    h.get_by_label("TCP stream 0: client 127.0.0.1:46234 ⇄ server 127.0.0.1:18300");
    h.get_by_label("Client now: SYN-SENT");
    h.get_by_label("Server now: LISTEN (inferred)");
    h.get_by_label("▶ SYN-SENT");
    h.get_by_label("▶ LISTEN (inferred)");
    h.get_by_label("CLOSED (left here)");
    h.get_by_label_contains("Since the start: listening before the capture began");
    h.get_by_label("Packet 1: client CLOSED → SYN-SENT: opens: sent SYN (active OPEN) (seen)");

    // #2, the SYN-ACK: the server moves, seen.
    press_down(&mut h, 1);
    h.get_by_label("Server now: SYN-RECEIVED");
    h.get_by_label("LISTEN (left here)");
    h.get_by_label("Packet 2: server LISTEN → SYN-RECEIVED: received SYN, sent SYN-ACK (seen)");

    // #3, the ACK: both established, the server's on receipt (inferred).
    press_down(&mut h, 1);
    h.get_by_label("Client now: ESTABLISHED");
    h.get_by_label("Server now: ESTABLISHED (inferred)");

    // #4 carries data: no state changes.
    press_down(&mut h, 1);
    h.get_by_label("Packet 4 changes no state.");

    // #9, the client's FIN after the server's: LAST-ACK seen, TIME-WAIT inferred.
    press_down(&mut h, 5);
    assert_eq!(h.state().selected_index(), Some(8));
    h.get_by_label("Client now: LAST-ACK");
    h.get_by_label("Server now: TIME-WAIT (inferred)");
    h.get_by_label("▶ TIME-WAIT (inferred)");
    h.get_by_label("FIN-WAIT-1 (left here)");
    h.get_by_label("FIN-WAIT-2 (left here)");

    // #10: the client is closed; the server's last move was at #9: a click selects it.
    press_down(&mut h, 1);
    h.get_by_label("Client now: CLOSED (inferred)");
    h.get_by_label("packet 9").click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(8));
    h.get_by_label("Client now: LAST-ACK");
}

#[test]
fn a_refused_connection_never_listened() {
    let mut app = App::new(Settings::default(), None);
    let ctx = egui::Context::default();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tcp-refused.pcap");
    app.open(Input::File(file), &ctx);
    app.wait_loaded();
    app.tcp_states.open = true;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(8);
    h.get_by_label("Server now: CLOSED (inferred)");
    press_down(&mut h, 1);
    h.get_by_label("Client now: CLOSED (inferred)");
    h.get_by_label("Server now: CLOSED");
    h.get_by_label(
        "Packet 2: server CLOSED → CLOSED: nothing listens: answered the SYN with RST (seen)",
    );
}
