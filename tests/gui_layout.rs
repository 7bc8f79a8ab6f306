//! The window's layout at projector zoom and on small screens, headless: every
//! pane keeps a usable size inside the window, the packet list keeps rows.
//!
//! A window of `W×H` pixels at zoom `z` is `W/z × H/z` points: the harness is
//! given the window's size (at a native scale of 1) and the app applies the
//! zoom, as it does on screen.
#![cfg(feature = "gui")]

use std::path::Path;

use egui::{Rect, Role};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

/// The window on the Socket.IO sample, `pixels` big at `zoom`.
fn window(pixels: [f32; 2], zoom: f32, legend: bool) -> Harness<'static, App> {
    let settings = Settings {
        zoom,
        show_legend: legend,
        ..Settings::default()
    };
    let mut app = App::new(settings, None);
    let ctx = egui::Context::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/socketio-chat.pcap");
    app.open(Input::File(path), &ctx);
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(pixels[0], pixels[1]))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    // Panels and tables settle their sizes over a few frames.
    h.run_steps(6);
    h
}

fn screen(h: &Harness<'static, App>) -> Rect {
    h.ctx.content_rect()
}

/// The rectangle of the pane named `name`.
fn pane(h: &Harness<'static, App>, name: &str) -> Rect {
    h.get_by_role_and_label(Role::Pane, name).rect()
}

/// `inner` lies within `outer` (half a point of rounding allowed).
fn within(inner: Rect, outer: Rect) -> bool {
    outer.expand(0.5).contains_rect(inner)
}

/// How many of the first ten packets' rows the list shows whole (their "No." cells).
fn rows_shown(h: &Harness<'static, App>) -> usize {
    let list = h.get_by_role_and_label(Role::Pane, "Packet list");
    let visible = list.rect().intersect(screen(h));
    (1..=10)
        .filter(|n| {
            list.query_all_by_label(&n.to_string())
                .any(|cell| within(cell.rect(), visible))
        })
        .count()
}

/// No two panes cover each other (a pane that overflows its room would).
fn assert_no_overlap(h: &Harness<'static, App>, what: &str) {
    let names = ["Packet list", "Layers", "OSI stack", "Bytes"];
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let (ra, rb) = (pane(h, a), pane(h, b));
            let common = ra.intersect(rb);
            assert!(
                common.width() <= 0.5 || common.height() <= 0.5,
                "{what}: the {a} pane {ra:?} and the {b} pane {rb:?} overlap"
            );
        }
    }
}

/// The panes of the selected packet, each inside the window and big enough to
/// use, none over another.
fn assert_panes_usable(h: &Harness<'static, App>, what: &str) {
    assert_no_overlap(h, what);
    let window = screen(h);
    for name in ["Layers", "OSI stack", "Bytes"] {
        let r = pane(h, name);
        assert!(
            within(r, window),
            "{what}: the {name} pane {r:?} is not inside the window {window:?}"
        );
        assert!(
            r.width() >= 150.0 && r.height() >= 48.0,
            "{what}: the {name} pane {r:?} is too small to use"
        );
    }
}

fn assert_list_has_rows(h: &Harness<'static, App>, what: &str) {
    let rows = rows_shown(h);
    assert!(rows >= 3, "{what}: the packet list shows {rows} rows");
}

#[test]
fn at_200_percent_on_1024x768_the_list_shows_rows_and_every_pane_is_inside() {
    let h = window([1024.0, 768.0], 2.0, false);
    assert_list_has_rows(&h, "200% at 1024×768");
    assert_panes_usable(&h, "200% at 1024×768");
}

#[test]
fn at_100_percent_on_800x600_the_list_shows_rows_and_every_pane_is_inside() {
    let h = window([800.0, 600.0], 1.0, false);
    assert!(rows_shown(&h) >= 6, "800×600: {} rows", rows_shown(&h));
    assert_panes_usable(&h, "100% at 800×600");
}

#[test]
fn at_300_percent_on_1280x800_the_panes_scroll_into_view_instead_of_vanishing() {
    let mut h = window([1280.0, 800.0], 3.0, false);
    assert_list_has_rows(&h, "300% at 1280×800");
    // 427×267 points: no room for every pane at its minimum. Nothing is squeezed
    // or cut on the right; the central area scrolls to what is below.
    assert_no_overlap(&h, "300% at 1280×800");
    let window = screen(&h);
    for name in ["Layers", "OSI stack", "Bytes"] {
        let r = pane(&h, name);
        assert!(r.left() >= window.left() - 0.5 && r.right() <= window.right() + 0.5);
        assert!(r.height() >= 48.0, "the {name} pane {r:?} is squeezed");
    }
    let at = pane(&h, "OSI stack").left_top() + egui::vec2(8.0, 6.0);
    h.event(egui::Event::PointerMoved(at));
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -200.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    h.run_steps(4);
    for name in ["OSI stack", "Bytes"] {
        let r = pane(&h, name);
        assert!(
            within(r, window),
            "scrolled: the {name} pane {r:?} is not inside the window {window:?}"
        );
    }
}

#[test]
fn at_120_percent_the_colour_legend_wraps_whole_words_beside_whole_panes() {
    let h = window([1280.0, 800.0], 1.2, true);
    let window = screen(&h);
    let legend = pane(&h, "Colour legend");
    assert!(
        within(legend, window),
        "legend {legend:?} outside {window:?}"
    );
    // Each entry is there whole (its full text), inside the legend's pane.
    let long = "TCP three-way handshake (1/3 SYN, 2/3 SYN-ACK, 3/3 ACK)";
    for text in [long, "HTTP Upgrade request and its 101 Switching Protocols"] {
        let r = h.get_by_label(text).rect();
        assert!(within(r, legend), "{text:?} at {r:?} is cut by {legend:?}");
    }
    // The legend does not crowd the packet's panes out.
    assert_panes_usable(&h, "120% with the legend");
    for name in ["OSI stack", "Bytes"] {
        let r = pane(&h, name);
        assert!(
            r.right() <= legend.left() + 0.5,
            "{name} {r:?} under the legend"
        );
    }
    assert_list_has_rows(&h, "120% with the legend");
}

/// From 50% to 300% zoom on 800×600 and 1280×800, and 640×480 at 100%: the
/// list keeps rows and no pane of the selected packet is squeezed to nothing.
#[test]
fn no_pane_vanishes_from_50_to_300_percent_down_to_800x600() {
    let sizes = [[800.0, 600.0], [1280.0, 800.0]];
    let zooms = [0.5, 1.0, 1.7, 2.0, 2.5, 3.0];
    let cases = (sizes
        .iter()
        .flat_map(|&p| zooms.iter().map(move |&z| (p, z))))
    .chain([([640.0, 480.0], 1.0)]);
    for (pixels, zoom) in cases {
        let h = window(pixels, zoom, false);
        let what = format!("{}% at {}×{}", zoom * 100.0, pixels[0], pixels[1]);
        assert_list_has_rows(&h, &what);
        assert_no_overlap(&h, &what);
        let window = screen(&h);
        for name in ["Layers", "OSI stack", "Bytes"] {
            let r = pane(&h, name);
            assert!(
                r.right() <= window.right() + 0.5 && r.height() >= 48.0,
                "{what}: the {name} pane is {r:?} in {window:?}"
            );
        }
    }
}

/// Drag with the primary button from `from` to `to`, a frame per step.
fn drag(h: &mut Harness<'static, App>, from: egui::Pos2, to: egui::Pos2) {
    let button = |pressed| egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.event(egui::Event::PointerMoved(from));
    h.run_steps(1);
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.run_steps(1);
    for i in 1..=4 {
        h.event(egui::Event::PointerMoved(
            from + (to - from) * (i as f32 / 4.0),
        ));
        h.run_steps(1);
    }
    h.event(button(false));
    h.run_steps(3);
}

#[test]
fn the_splitters_move_the_panes_and_stop_at_their_minimums() {
    let mut h = window([1280.0, 800.0], 1.0, false);
    let (list, layers) = (pane(&h, "Packet list"), pane(&h, "Layers"));
    let bar = egui::pos2(list.center().x, (list.bottom() + layers.top()) / 2.0);
    // Down: the list grows by what the splitter moved.
    drag(&mut h, bar, bar + egui::vec2(0.0, 120.0));
    let grown = pane(&h, "Packet list");
    assert!(
        (grown.height() - list.height() - 120.0).abs() < 4.0,
        "{list:?} → {grown:?}"
    );
    assert_panes_usable(&h, "splitter moved down");
    // Far down: the selected packet's panes keep their minimum.
    let bar = egui::pos2(bar.x, (grown.bottom() + pane(&h, "Layers").top()) / 2.0);
    drag(&mut h, bar, egui::pos2(bar.x, 790.0));
    assert_panes_usable(&h, "splitter at the bottom");
    assert!(pane(&h, "Bytes").height() >= 48.0);
    // Far up: the list keeps its rows.
    let bar = egui::pos2(
        bar.x,
        (pane(&h, "Packet list").bottom() + pane(&h, "Layers").top()) / 2.0,
    );
    drag(&mut h, bar, egui::pos2(bar.x, 0.0));
    assert_list_has_rows(&h, "splitter at the top");
    assert_panes_usable(&h, "splitter at the top");
    // The layers and the stack: the splitter between them moves sideways.
    let (layers, stack) = (pane(&h, "Layers"), pane(&h, "OSI stack"));
    let bar = egui::pos2((layers.right() + stack.left()) / 2.0, stack.center().y);
    drag(&mut h, bar, bar - egui::vec2(200.0, 0.0));
    let wider = pane(&h, "OSI stack");
    assert!(
        (wider.width() - stack.width() - 200.0).abs() < 4.0,
        "{stack:?} → {wider:?}"
    );
    assert_panes_usable(&h, "stack widened");
}

/// At 200% on 1280×800 the status bar wraps onto a second line rather than
/// cutting off its right end; back at 100% it is one line again.
#[test]
fn the_status_bar_wraps_instead_of_being_cut_off() {
    let mut h = window([1280.0, 800.0], 2.0, false);
    h.state_mut().status = Some(
        "damaged file: the packet block at offset 1234 ends early; the packets before it are shown"
            .into(),
    );
    h.run_steps(4);
    let window = screen(&h);
    let bar = h.get_by_role_and_label(Role::Pane, "Status bar");
    assert!(within(bar.rect(), window), "{:?}", bar.rect());
    let labels: Vec<_> = bar.query_all_by(|n| n.bounding_box().is_some()).collect();
    assert!(labels.len() >= 4);
    for n in &labels {
        assert!(
            within(n.rect(), window),
            "{:?} at {:?} is cut off",
            n.accesskit_node().label(),
            n.rect()
        );
    }
    let line = h.get_by_label_contains("Packets: 58").rect().height();
    let two_lines = bar.rect().height();
    assert!(two_lines > 1.5 * line, "{two_lines} for lines of {line}");
    h.state_mut().status = None;
    h.state_mut().settings.zoom = 1.0;
    h.run_steps(6);
    let bar = h.get_by_role_and_label(Role::Pane, "Status bar").rect();
    assert!(bar.height() < 1.5 * line, "{bar:?} stays two lines tall");
    assert_panes_usable(&h, "back at 100%");
}
