//! Presenter mode on a 1280×800 projector at 2×, headless: the replay's controls and
//! the presenter's own on one line, and the ladder with room for many arrows.
#![cfg(feature = "gui")]

mod common;

use egui::Key;
use egui_kittest::kittest::{By, NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;

/// The window on the chat sample at 1280×800, packet 22 (the WebSocket Upgrade,
/// TCP stream 2: packets 14 to 58) selected, presenting.
fn presenting() -> Harness<'static, App> {
    let mut h = common::window::window_on("socketio-chat.pcap");
    for _ in 1..22 {
        h.key_press(Key::ArrowDown);
        h.run_steps(1);
    }
    h.key_press(Key::F5);
    h.run_steps(5);
    assert!(h.state().presenter.active);
    assert_eq!(h.ctx.zoom_factor(), 2.0);
    h
}

#[test]
fn the_ladder_shows_at_least_eight_arrows_at_twice_the_size() {
    let h = presenting();
    let bottom = h.ctx.content_rect().bottom();
    // The ladder's rows say "N label", N the packet number (14 to 58).
    let arrows = h
        .query_all(By::new().predicate(|_| true))
        .filter(|n| {
            let a = n.accesskit_node();
            let label = a.value().or_else(|| a.label()).unwrap_or_default();
            let number = label.split(' ').next().and_then(|w| w.parse::<u32>().ok());
            number.is_some_and(|p| (14..=58).contains(&p)) && n.rect().bottom() <= bottom
        })
        .count();
    assert!(arrows >= 8, "{arrows} arrows in view");
}

#[test]
fn the_controls_and_the_presenters_own_share_one_line() {
    let h = presenting();
    let labels = [
        "◄◄",
        "◄",
        "Play",
        "►",
        "►►",
        "Mask addresses",
        "Mask payload text",
        "Leave",
    ];
    let tops: Vec<f32> = labels
        .iter()
        .map(|l| h.get_by_label(l).rect().center().y)
        .collect();
    for (l, y) in labels.iter().zip(&tops) {
        assert!((y - tops[0]).abs() < 2.0, "{l} at {y}, ◄◄ at {}", tops[0]);
    }
}
