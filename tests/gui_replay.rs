//! The classroom's replay (View ▸ Replay, Space, Right, Left, N) and presenter
//! mode (F5), driven headless: the packet each step selects, the story shown,
//! playing, the panes presenter mode keeps and its masks.
#![cfg(feature = "gui")]

mod common;

use egui::Key;
use egui_kittest::kittest::{By, NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::replay::Scope;

/// The window on the chat sample, loaded, with packet `number` (from 1) selected.
fn harness(number: u32) -> Harness<'static, App> {
    let mut h = common::window::window_on("socketio-chat.pcap");
    for _ in 1..number {
        h.key_press(Key::ArrowDown);
        h.run_steps(1);
    }
    assert_eq!(h.state().selected_index(), Some(number - 1));
    h
}

/// View ▸ Replay ▸ `which`.
fn start_replay(h: &mut Harness<'static, App>, which: &str) {
    h.get_by_label("View").click();
    h.run_steps(2);
    h.get_by_label("Replay").click();
    h.run_steps(2);
    h.get_by_label(which).click();
    h.run_steps(3);
    assert!(h.state().replay.is_some(), "the replay started");
}

fn press(h: &mut Harness<'static, App>, key: Key) {
    h.key_press(key);
    h.run_steps(2);
}

/// Every label and value in the window.
fn texts(h: &Harness<'static, App>) -> Vec<String> {
    h.query_all(By::new().predicate(|_| true))
        .map(|n| {
            let a = n.accesskit_node();
            a.value().or_else(|| a.label()).unwrap_or_default()
        })
        .collect()
}

/// The height on screen, in pixels, of the label containing `text`.
fn height_of(h: &Harness<'static, App>, text: &str) -> f32 {
    h.get_by_label_contains(text).rect().height() * h.ctx.zoom_factor()
}

#[test]
fn the_websocket_conversation_steps_by_key_and_by_phase() {
    // Packet 22 is the WebSocket Upgrade: its conversation is TCP stream 2.
    let mut h = harness(22);
    start_replay(&mut h, "this conversation");
    assert_eq!(
        h.state().replay.as_ref().map(|r| r.scope),
        Some(Scope::Conversation(2))
    );
    // Step 1 selects the conversation's SYN (packet 14) and tells it.
    assert_eq!(h.state().selected_index(), Some(13));
    h.get_by_label_contains(
        "Packet 14: The client opens the connection: SYN, its initial sequence number is ",
    );
    h.get_by_label_contains("step 1 of ");
    h.get_by_label("Phase: SYN");
    press(&mut h, Key::ArrowRight);
    assert_eq!(h.state().selected_index(), Some(14));
    h.get_by_label_contains("Packet 15: The server accepts: SYN-ACK");
    // N: the next phase, the handshake's ACK, then the Upgrade and the 101.
    press(&mut h, Key::N);
    assert_eq!(h.state().selected_index(), Some(15));
    h.get_by_label("Phase: ACK (handshake complete)");
    press(&mut h, Key::N);
    assert_eq!(h.state().selected_index(), Some(21));
    h.get_by_label("Phase: Upgrade request");
    h.get_by_label_contains("The client asks to switch this connection from HTTP to WebSocket");
    press(&mut h, Key::N);
    assert_eq!(h.state().selected_index(), Some(28));
    h.get_by_label("Phase: 101 Switching Protocols");
    h.get_by_label_contains("The server agrees: HTTP/1.1 101 Switching Protocols");
    // Left goes back one step (the client's ACK of the request, packet 23 is the
    // server's; whichever it is, it is the packet before in the conversation).
    let at = h.state().replay.as_ref().unwrap().index;
    press(&mut h, Key::ArrowLeft);
    assert_eq!(h.state().replay.as_ref().unwrap().index, at - 1);
    assert!(h.state().selected_index() < Some(28));
    // The compact ladder lists the conversation's arrows by packet number.
    h.get_by_label("14 SYN Seq=0");
    // The buttons do what the keys do.
    h.get_by_label("Next phase ►►").click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(28));
    h.get_by_label("◄◄ Start").click();
    h.run_steps(2);
    assert_eq!(h.state().selected_index(), Some(13));
}

#[test]
fn playing_advances_by_the_speed_and_space_pauses() {
    let mut h = harness(14);
    start_replay(&mut h, "this conversation");
    assert_eq!(h.state().replay.as_ref().unwrap().index, 0);
    press(&mut h, Key::Space);
    assert!(h.state().replay.as_ref().unwrap().playing);
    // One step a second by default; a harness step is a quarter of a second.
    h.run_steps(9);
    let r = h.state().replay.as_ref().unwrap();
    assert!(
        (2..=3).contains(&r.index),
        "about two steps in two seconds: {}",
        r.index
    );
    let at = r.index;
    assert_eq!(
        h.state().selected_index(),
        Some([13, 14, 15, 21][at]),
        "the list follows the step"
    );
    press(&mut h, Key::Space);
    assert!(!h.state().replay.as_ref().unwrap().playing);
    let at = h.state().replay.as_ref().unwrap().index;
    h.run_steps(12);
    assert_eq!(h.state().replay.as_ref().unwrap().index, at, "paused");
    // Closing the replay removes its bar.
    h.get_by_label("Close replay ✖").click();
    h.run_steps(2);
    assert!(h.state().replay.is_none());
    assert!(h.query_by_label_contains("step 1 of").is_none());
}

#[test]
fn the_whole_capture_replays_packet_by_packet() {
    let mut h = harness(1);
    start_replay(&mut h, "the whole capture");
    h.get_by_label_contains("Replaying the whole capture (58 packets)");
    press(&mut h, Key::ArrowRight);
    press(&mut h, Key::ArrowRight);
    assert_eq!(h.state().selected_index(), Some(2));
    // N: the next milestone is the next conversation's SYN (packet 11).
    press(&mut h, Key::N);
    press(&mut h, Key::N);
    assert_eq!(h.state().selected_index(), Some(10));
    h.get_by_label_contains("Packet 11: The client opens the connection: SYN");
}

#[test]
fn presenter_mode_keeps_the_class_panes_at_twice_the_size() {
    let mut h = harness(22);
    start_replay(&mut h, "this conversation");
    let normal = height_of(&h, "step 1 of ");
    let story_normal = height_of(&h, "Packet 14: The client opens");
    assert!(h.query_by_label("Packet list").is_some());
    press(&mut h, Key::F5);
    h.run_steps(3);
    assert!(h.state().presenter.active);
    assert!(h.ctx.zoom_factor() >= 2.0, "zoom {}", h.ctx.zoom_factor());
    // The packet list, the filter bar and the bytes are hidden.
    assert!(h.query_by_label("Packet list").is_none());
    assert!(h.query_by_label("Bytes").is_none());
    assert!(h.query_by_label("Status bar").is_none());
    // The replay, the ladder, the stack and the explanation stay, larger.
    let big = height_of(&h, "step 1 of ");
    assert!(big >= 1.9 * normal, "{big} vs {normal}");
    let story_big = height_of(&h, "Packet 14: The client opens");
    assert!(story_big > story_normal, "{story_big} vs {story_normal}");
    h.get_by_label("14 SYN Seq=0");
    h.get_by_label_contains("Packet 14: OSI stack");
    h.get_by_label_contains("Explanation");
    // Only the chosen conversation: no other conversation's SYN is on screen.
    assert!(h.query_by_label_contains("46234").is_none());
    // Keys still drive the replay.
    press(&mut h, Key::ArrowRight);
    assert_eq!(h.state().selected_index(), Some(14));
    // Leaving puts the user's zoom back, which the settings never lost.
    press(&mut h, Key::F5);
    h.run_steps(2);
    assert!(!h.state().presenter.active);
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    assert_eq!(h.state().settings.zoom, 1.0);
    assert!(h.query_by_label("Packet list").is_some());
}

#[test]
fn presenter_masks_addresses_and_payload_text() {
    let mut h = harness(22);
    press(&mut h, Key::F5);
    h.run_steps(3);
    // F5 without a replay replays the selected packet's conversation.
    assert_eq!(
        h.state().replay.as_ref().map(|r| r.scope),
        Some(Scope::Conversation(2))
    );
    assert!(texts(&h).iter().any(|t| t.contains("127.0.0.1")));
    h.get_by_label("Mask addresses").click();
    h.run_steps(3);
    let all = texts(&h);
    assert!(
        !all.iter()
            .any(|t| t.contains("127.0.0.1") || t.contains("46262")),
        "{:?}",
        all.iter()
            .filter(|t| t.contains("127.0.0.1"))
            .collect::<Vec<_>>()
    );
    h.get_by_label_contains("Replaying TCP stream 2: client ⇄ server");
    // Ethernet's and IPv4's rows of the stack.
    assert_eq!(
        h.query_all_by_label_contains("Src: client, Dst: server")
            .count(),
        2
    );
    // Step to the Socket.IO "chat message" (packet 41) and mask its text.
    h.get_by_label("Mask payload text").click();
    h.run_steps(2);
    for _ in 0..40 {
        if h.state().selected_index() == Some(40) {
            break;
        }
        press(&mut h, Key::ArrowRight);
    }
    assert_eq!(h.state().selected_index(), Some(40));
    let all = texts(&h);
    // The story, the stack's layer 7 and the ladder's arrow; the only "hi" left is
    // the explanation's own example, the same for every capture.
    h.get_by_label(
        "Packet 41: The client sends a Socket.IO / Engine.IO message: Socket.IO EVENT \"…\" […].",
    );
    h.get_by_label("Socket.IO EVENT / \"…\" […]");
    h.get_by_label("41 Socket.IO EVENT \"…\" […]");
    assert!(h
        .query_by_label("Socket.IO EVENT / \"chat message\" [\"hi\"]")
        .is_none());
    assert!(h
        .query_by_label_contains("41 Socket.IO EVENT \"chat")
        .is_none());
    assert!(h
        .query_by_label_contains("message: Socket.IO EVENT \"chat")
        .is_none());
    // Every label is drawn with glyphs the bundled fonts have.
    for l in all {
        let missing: Vec<char> = (l.chars())
            .filter(|&c| {
                !h.ctx
                    .fonts_mut(|f| f.has_glyph(&egui::FontId::proportional(14.0), c))
            })
            .collect();
        assert!(missing.is_empty(), "{l:?}: {missing:?} not in the fonts");
    }
}

#[test]
fn keys_typed_in_the_filter_do_not_drive_the_replay() {
    let mut h = harness(14);
    start_replay(&mut h, "this conversation");
    h.get_by_role(egui::Role::TextInput).focus();
    h.run_steps(1);
    press(&mut h, Key::N);
    press(&mut h, Key::ArrowRight);
    assert_eq!(h.state().replay.as_ref().unwrap().index, 0);
    assert!(!h.state().replay.as_ref().unwrap().playing);
}
