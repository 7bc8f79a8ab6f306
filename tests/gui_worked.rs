//! The selected packet's worked computations in the window, headless (egui_kittest):
//! the Accept at the 101, the unmasking of a client frame, and a step's bytes
//! highlighted in the bytes pane when it is clicked.
#![cfg(feature = "gui")]

mod common;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::settings::Settings;

/// The window on the chat sample, loaded, with packet `number` selected; tall enough
/// for a whole computation to be on screen without scrolling.
fn at_packet(number: usize) -> Harness<'static, App> {
    let app = App::new(Settings::default(), None);
    let mut h = common::window::window_with(app, "socketio-chat.pcap", [1280.0, 1600.0]);
    go_to(&mut h, number);
    h
}

/// Move the selection down with the keyboard to packet `number`.
fn go_to(h: &mut Harness<'static, App>, number: usize) {
    let now = h.state().selected_index().unwrap_or(0) as usize + 1;
    for _ in now..number {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
    assert_eq!(h.state().selected_index(), Some(number as u32 - 1));
    h.run_steps(2);
}

/// Collapse the computation titled `title` (to bring the next ones into view).
fn fold(h: &mut Harness<'static, App>, title: &str) {
    h.get_by_label_contains(title).click();
    h.run_steps(3);
}

#[test]
fn the_101_works_out_the_accept_and_a_step_selects_its_bytes() {
    let mut h = at_packet(29);
    // The layers first; the worked computations one click away.
    h.get_by_label_contains("Packet 29 — layers");
    assert!(h.query_by_label_contains("Append the GUID").is_none());
    h.get_by_label("Worked out (2)").click();
    h.run_steps(3);
    h.get_by_label_contains("Packet 29 — worked out");
    fold(&mut h, "TCP sequence numbers: a data segment");
    h.get_by_label("Sec-WebSocket-Accept: the server proves it read the key");
    h.get_by_label("5ELjMcfpFtJL0zHkZtHMnQ==");
    h.get_by_label("5ELjMcfpFtJL0zHkZtHMnQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    // `printf '%s' KEY+GUID | sha1sum`, `| openssl sha1 -binary | base64`.
    h.get_by_label("79 26 80 f4 cd ea 50 29 80 43 ed 1f de 22 ab c5 30 2e 5c 9c");
    assert_eq!(
        h.query_all_by_label("eSaA9M3qUCmAQ+0f3iKrxTAuXJw=").count(),
        2
    );
    // The comparison names the header's bytes in this frame: a click highlights them.
    assert_eq!(h.state().selected_range(), None);
    h.get_by_label_contains("It matches").click();
    h.run_steps(2);
    assert_eq!(h.state().selected_range(), Some([163, 191]));
    assert_eq!(h.state().bytes_tab(), 0);
}

#[test]
fn a_masked_frame_shows_its_unmasking() {
    let mut h = at_packet(41);
    h.get_by_label("Worked out (3)").click();
    h.run_steps(3);
    fold(&mut h, "TCP sequence numbers: a data segment");
    h.get_by_label("Unmasking a client Text frame");
    h.get_by_label("02 22 90 23");
    // The table: byte 0 is 0x36 XOR 0x02 = 0x34, '4'.
    for cell in ["masked", "key", "= byte", "36", "02", "34", "'4'"] {
        assert!(h.query_all_by_label(cell).count() >= 1, "{cell}");
    }
    h.get_by_label("00110110 XOR 00000010 = 00110100");
    // What tshark shows for this frame's payload.
    h.get_by_label(r#""42["chat message","hi"]""#);
    // Its step opens the unmasked payload's tab with those bytes highlighted.
    h.get_by_label_contains("the UTF-8 text of the frame")
        .click();
    h.run_steps(2);
    assert_eq!(h.state().bytes_tab(), 1);
    assert_eq!(h.state().selected_range(), Some([0, 23]));
    // The choice stays for the next packet; Layers brings the tree back.
    go_to(&mut h, 44);
    h.get_by_label_contains("Packet 44 — worked out");
    // The tab (a button), not the pane's name.
    h.get_by_role_and_label(egui::accesskit::Role::Button, "Layers")
        .click();
    h.run_steps(3);
    h.get_by_label_contains("Packet 44 — layers");
    assert!(h.query_by_label("Unmasking a client Text frame").is_none());
}
