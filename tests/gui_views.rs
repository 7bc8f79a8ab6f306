//! The Conversations window as a user drives it, headless (egui_kittest): a
//! long conversation's Messages and Follow Stream, the ladder's legend and how
//! it follows the selected packet, sorting the conversation table, and the
//! window's size. The long conversation is written by the benchmarks'
//! generator (one Socket.IO chat over WebSocket).
#![cfg(feature = "gui")]

#[path = "../benches/gen/mod.rs"]
mod gen;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

/// Exchanges in the long chat: about 14,000 WebSocket messages in 28,000
/// packets, enough for its message list to be built on a worker thread.
const EXCHANGES: u64 = 12_000;

/// The long chat, written once (in Cargo's directory for tests' files; the
/// generator's output depends only on its arguments).
fn chat() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let path = dir.join(format!("chat-{EXCHANGES}-v{}.pcap", gen::VERSION));
        if !path.exists() {
            let tmp = dir.join(format!("chat-{}.tmp", std::process::id()));
            gen::write_chat(&tmp, EXCHANGES, 7).expect("the chat is written");
            std::fs::rename(&tmp, &path).expect("the chat is put in place");
        }
        path
    })
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// The window on `path`, loaded, with the Conversations window open.
fn harness(path: &Path) -> Harness<'static, App> {
    let mut app = App::new(Settings::default(), None);
    let ctx = egui::Context::default();
    app.open(Input::File(path.to_path_buf()), &ctx);
    app.wait_loaded();
    app.views.open = true;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    // A new window takes a few frames to size and fade in.
    h.run_steps(6);
    h
}

/// Draw frames until `ok` (a worker thread may be building), for at most a minute.
fn until(h: &mut Harness<'static, App>, what: &str, ok: impl Fn(&Harness<'static, App>) -> bool) {
    for _ in 0..6000 {
        if ok(h) {
            return;
        }
        h.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("{what}: not shown after a minute");
}

/// The message bubbles laid out (each has a `client · … · #N` or `server · …` header).
fn bubbles(h: &Harness<'static, App>) -> usize {
    h.query_all_by_label_contains(" s · #").count()
}

/// The long chat's last packet selected (the packet list scrolls to the end,
/// so that its rows do not read like the first messages), its conversation
/// picked in the table, and `tab` opened.
fn open_tab(h: &mut Harness<'static, App>, tab: &str) {
    h.key_press(egui::Key::End);
    h.run_steps(2);
    let left = views_left(h);
    h.get_all_by_label("0")
        .find(|n| n.rect().left() >= left)
        .expect("conversation 0 in the table")
        .click();
    h.run_steps(2);
    h.get_by_label(tab).click();
    h.run_steps(2);
}

/// The left edge of the Conversations views (their first tab, or the window's title).
fn views_left(h: &Harness<'static, App>) -> f32 {
    h.get_all_by_label("Conversations")
        .filter(|n| n.rect().top() > 30.0)
        .map(|n| n.rect().left())
        .fold(f32::INFINITY, f32::min)
}

#[test]
fn a_long_conversation_shows_its_first_and_after_scrolling_its_last_message() {
    let mut h = harness(chat());
    open_tab(&mut h, "Messages");
    until(&mut h, "the message list", |h| {
        h.query_by_label("Last message").is_some()
    });
    h.run_steps(3);
    let n: usize = h
        .get_by_label_contains(" messages")
        .value()
        .and_then(|l| l.split(' ').next()?.parse().ok())
        .expect("the count of messages");
    assert!(n > 12_000, "{n} messages");
    // The first message is the Upgrade request; the last ones (the close
    // handshake) are not laid out.
    h.get_by_label_contains("GET /socket.io/?EIO=4&transport=websocket");
    assert!(h.query_by_label("close 1000").is_none());
    // Only the bubbles on screen are laid out, not thousands.
    let shown = bubbles(&h);
    assert!((3..60).contains(&shown), "{shown} bubbles laid out");

    h.get_by_label("Last message").click();
    h.run_steps(6);
    assert_eq!(
        h.query_all_by_label("close 1000").count(),
        2,
        "both sides' close"
    );
    assert!(h.query_by_label_contains("GET /socket.io/?EIO=4").is_none());
    let shown = bubbles(&h);
    assert!((3..60).contains(&shown), "{shown} bubbles laid out");
    // The last bubble is inside the window, its packet one click away.
    let last = h
        .get_all_by_label("close 1000")
        .max_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .expect("the server's close");
    let at = last.rect().center();
    assert!(last.rect().bottom() <= 800.0, "{:?}", last.rect());
    last.click();
    h.run_steps(2);
    let packets = h.state().store().map_or(0, |s| s.len() as u32);
    let selected = h.state().selected_index().expect("a packet is selected");
    assert!(selected + 10 > packets, "packet {selected} of {packets}");

    // The wheel scrolls up from the end (it is not held there).
    h.event(egui::Event::PointerMoved(at));
    for _ in 0..5 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 200.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    h.run_steps(10);
    assert!(h.query_by_label("close 1000").is_none(), "still at the end");

    h.get_by_label("First message").click();
    h.run_steps(6);
    h.get_by_label_contains("GET /socket.io/?EIO=4&transport=websocket");
}

#[test]
fn follow_stream_of_a_long_conversation_lays_out_only_its_rows_on_screen() {
    let mut h = harness(chat());
    open_tab(&mut h, "Follow Stream");
    until(&mut h, "the stream", |h| {
        h.query_by_label_contains(" lines").is_some()
    });
    h.run_steps(2);
    h.get_by_label("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1");
    h.get_by_label("HTTP/1.1 101 Switching Protocols");
    let rows = h.query_all_by_label_contains("").count();
    assert!(rows < 400, "{rows} labels: rows off screen are laid out");
}

/// Long Socket.IO messages wrap inside their bubble, and the Conversations
/// window keeps its size (it used to grow to the screen's width and cover the
/// packet list).
#[test]
fn long_messages_wrap_and_the_window_keeps_its_size() {
    let mut h = harness(chat());
    open_tab(&mut h, "Messages");
    until(&mut h, "the message list", |h| {
        h.query_by_label("Last message").is_some()
    });
    // Among the last messages is a long update (seed 7).
    h.get_by_label("Last message").click();
    h.run_steps(10);
    let left = views_left(&h);
    let right = h.get_by_label("Dock").rect().right();
    assert!(right - left < 800.0, "the window is {} wide", right - left);
    let long = h
        .get_all_by_label_contains("emit \"update\"")
        .next()
        .expect("a long update on screen");
    let r = long.rect();
    assert!(r.width() > 100.0 && r.height() > 30.0, "wrapped: {r:?}");
    assert!(
        r.left() >= left && r.right() <= right,
        "{r:?} in {left}..{right}"
    );
    // Docked beside the list, the list keeps its rows.
    h.get_by_label("Dock").click();
    h.run_steps(4);
    assert!(h.state().views.docked);
    let dock_left = views_left(&h);
    assert!(
        dock_left > 400.0,
        "the panel is {} wide",
        1280.0 - dock_left
    );
    let info = h.get_by_label("Info").rect();
    assert!(info.right() <= dock_left, "{info:?} vs {dock_left}");
}

/// A long conversation goes back and forth between WebSocket and Socket.IO
/// phases hundreds of times: the legend names each phase once.
#[test]
fn the_ladder_legend_names_each_phase_once() {
    let mut h = harness(chat());
    open_tab(&mut h, "Ladder");
    until(&mut h, "the ladder", |h| {
        h.query_by_label("TCP handshake").is_some()
    });
    // (The packet list's Protocol column says "WebSocket" too: only the
    // Conversations window's labels count.)
    let left = views_left(&h);
    for phase in [
        "TCP handshake",
        "WebSocket",
        "Engine.IO / Socket.IO",
        "teardown",
    ] {
        let n = (h.query_all_by_label(phase))
            .filter(|n| n.rect().left() >= left)
            .count();
        assert_eq!(n, 1, "{phase}");
    }
}

/// With no conversation picked, the ladder shows the selected packet's.
#[test]
fn the_ladder_follows_the_selected_packet() {
    let mut h = harness(&sample("socketio-chat.pcap"));
    h.get_by_label("Ladder").click();
    h.run_steps(2);
    // Packet 1 (selected at load) opens conversation 0.
    h.get_by_label_contains("Stream 0: the selected packet's conversation");
    h.get_by_label_contains("#1  ");
    // Packet 41, the chat message, is on conversation 2.
    for _ in 0..40 {
        h.key_press(egui::Key::ArrowDown);
        h.run_steps(1);
    }
    assert_eq!(h.state().selected_index(), Some(40));
    h.run_steps(2);
    h.get_by_label_contains("Stream 2: the selected packet's conversation");
    h.get_by_label_contains("Socket.IO EVENT \"chat message\" [\"hi\"]");
}

/// A click on a column's header sorts the table by it; a second click reverses.
#[test]
fn sorting_the_conversation_table_by_a_column_reorders_it() {
    let mut h = harness(&sample("socketio-chat.pcap"));
    let top_row = |h: &Harness<'static, App>| {
        h.get_all_by_label_contains(" → 127.0.0.1:18300")
            .filter(|n| n.rect().left() < 1280.0)
            .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
            .and_then(|n| n.value().or_else(|| n.accesskit_node().label()))
            .expect("a conversation row")
    };
    // In tcp.stream order, the WebSocket conversation (stream 2) is not first.
    let first = top_row(&h);
    assert_ne!(first, "127.0.0.1:46262 → 127.0.0.1:18300");
    h.get_by_label("Packets").click();
    h.run_steps(2);
    h.get_by_label("Packets").click();
    h.run_steps(2);
    // The WebSocket conversation has the most packets.
    assert_eq!(top_row(&h), "127.0.0.1:46262 → 127.0.0.1:18300");
}

/// Two servers that hand out the same Engine.IO sid: the session list shows two
/// sessions, each named with its server.
#[test]
fn the_same_sid_on_two_servers_is_listed_twice_with_its_server() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile/engineio-same-sid-two-servers.pcap");
    let h = harness(&path);
    h.get_by_label_contains("Engine.IO sessions (2)");
    h.get_by_label_contains("same on server-a  v4  streams [0, 2]");
    h.get_by_label_contains("same on server-b  v4  streams [1, 3]");
}
