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

/// The top of the explanation panel under the tree: the tree's rows below it are hidden.
fn tree_bottom(h: &Harness<'static, App>) -> f32 {
    h.query_all_by_label_contains("Explanation")
        .map(|n| n.rect().top())
        .fold(f32::NEG_INFINITY, f32::max)
        .clamp(0.0, 780.0)
}

/// Scroll the layers tree until the leftmost node whose label
/// contains `label` (the tree's, not the OSI stack's) is above the explanation panel.
fn scroll_tree_to(h: &mut Harness<'static, App>, label: &str) {
    for _ in 0..10 {
        let node = h
            .get_all_by_label_contains(label)
            .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()));
        let r = node.expect(label).rect();
        if r.bottom() < tree_bottom(h) {
            return;
        }
        // Over the tree, under its title (not over the explanation, which scrolls too).
        let pane = (h.get_all_by_label("Layers").map(|n| n.rect()))
            .reduce(|a, b| a.union(b))
            .expect("the Layers pane");
        let at = egui::pos2(pane.left() + 100.0, pane.top() + 80.0);
        h.event(egui::Event::PointerMoved(at));
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -120.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        h.run_steps(2);
    }
    panic!("{label} never scrolled above the explanation panel");
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
    scroll_tree_to(&mut h, "Transmission Control Protocol, Src Port: 46234");
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
    assert_eq!(h.state().bytes_tab(), 0);
    // The event name is in the unmasked payload: its tab opens, the name's bytes
    // (inside the quotes of `42["chat message","hi"]`) selected. (Scrolled into view
    // first: the tree is taller than its pane.)
    scroll_tree_to(&mut h, "Event: chat message");
    h.get_by_label("Event: chat message").click();
    h.run_steps(2);
    assert_eq!(h.state().bytes_tab(), 1);
    assert_eq!(h.state().selected_range(), Some([4, 16]));
    h.get_by_label_contains("WebSocket message, unmasked (23 bytes)");
    // The frame's tab is one click away.
    h.get_by_label_contains("Frame (").click();
    h.run_steps(2);
    assert_eq!(h.state().bytes_tab(), 0);
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

/// Text decoded from bytes that are not UTF-8 shows U+FFFD, as Wireshark shows it,
/// and the window's fonts have that glyph (egui_kittest panics on a missing glyph,
/// where the window would draw a box).
#[test]
fn an_event_name_that_is_not_utf8_is_shown_with_the_replacement_character() {
    let mut app = App::new(Settings::default(), None);
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/socketio-invalid-utf8.pcap");
    app.open(Input::File(path), &egui::Context::default());
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.state_mut().filter.set("socketio.type == 2");
    h.run_steps(2);
    let store = h.state().store().cloned().expect("loaded");
    let ctx = h.ctx.clone();
    h.state_mut().filter.wait(&store, &ctx);
    h.run_steps(2);
    h.get_by_label_contains("\"caf\u{fffd}\" [\"hi\"]");
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

// ---- Live capture (the test packet source: no helper, no privileges) ----

mod live {
    use super::*;
    use layerscope::capture::status::ErrorKind;
    use layerscope::capture::Capture;
    use layerscope::gui::capture_dialog::Iface;
    use layerscope::gui::live::{Factory, Failure, ManualHandle, ManualSource, PacketSource};
    use layerscope::live::{LiveError, Options};
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    /// A pcapng block: type, length, body padded to 4 bytes, length.
    fn block(out: &mut Vec<u8>, kind: u32, body: &[u8]) {
        let padded = body.len().div_ceil(4) * 4;
        let len = (12 + padded) as u32;
        out.extend(kind.to_le_bytes());
        out.extend(len.to_le_bytes());
        out.extend(body);
        out.resize(out.len() + padded - body.len(), 0);
        out.extend(len.to_le_bytes());
    }

    /// The packets of a sample as pcapng blocks, as the helper writes them: the header
    /// (section and interface), then one Enhanced Packet Block per packet.
    fn pcapng_of(name: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
        let cap = Capture::open(&sample(name)).unwrap();
        let mut head = Vec::new();
        let mut shb = Vec::new();
        shb.extend(0x1a2b_3c4du32.to_le_bytes());
        shb.extend(1u16.to_le_bytes());
        shb.extend(0u16.to_le_bytes());
        shb.extend((-1i64).to_le_bytes());
        block(&mut head, 0x0a0d_0d0a, &shb);
        let mut idb = Vec::new();
        idb.extend(1u16.to_le_bytes()); // Ethernet
        idb.extend(0u16.to_le_bytes());
        idb.extend(262_144u32.to_le_bytes());
        block(&mut head, 1, &idb);
        let packets = (0..cap.len())
            .map(|i| {
                let r = cap.record(i).unwrap();
                let us = (r.ts_ns / 1000) as u64;
                let data = cap.data(i);
                let mut epb = Vec::new();
                for v in [
                    0,
                    (us >> 32) as u32,
                    us as u32,
                    data.len() as u32,
                    r.origlen,
                ] {
                    epb.extend(v.to_le_bytes());
                }
                epb.extend(data);
                let mut b = Vec::new();
                block(&mut b, 6, &epb);
                b
            })
            .collect();
        (head, packets)
    }

    /// A capture "on lo" fed by the test: the spool, the blocks still to write, the
    /// handle of the source.
    struct Feed {
        spool: PathBuf,
        blocks: Vec<Vec<u8>>,
        next: usize,
        handle: ManualHandle,
        dir: PathBuf,
    }

    impl Feed {
        fn append(&mut self, n: usize) {
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&self.spool)
                .unwrap();
            for b in &self.blocks[self.next..(self.next + n).min(self.blocks.len())] {
                f.write_all(b).unwrap();
            }
            self.next = (self.next + n).min(self.blocks.len());
        }
    }

    impl Drop for Feed {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn factory_once(source: ManualSource) -> Factory {
        let slot = Mutex::new(Some(source));
        Arc::new(move |_: &Options| {
            let s = slot.lock().unwrap().take();
            s.map(|s| Box::new(s) as Box<dyn PacketSource>)
                .ok_or_else(|| Failure::Other("started twice".into()))
        })
    }

    fn lo() -> Options {
        Options {
            interfaces: vec!["lo".into()],
            ..Options::default()
        }
    }

    /// The window capturing "on lo" from a spool the test writes, started.
    fn capturing(test: &str) -> (Harness<'static, App>, Feed) {
        let dir = std::env::temp_dir().join(format!("ls-gui-live-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let spool = dir.join("capture.pcapng");
        let (head, blocks) = pcapng_of("socketio-chat.pcap");
        std::fs::write(&spool, head).unwrap();
        let (source, handle) = ManualSource::new(spool.clone());
        let mut app = App::new(Settings::default(), None);
        app.live_factory = factory_once(source);
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
        let ctx = h.ctx.clone();
        h.state_mut().start_capture(lo(), &ctx);
        assert!(h.state_mut().wait_live(Duration::from_secs(10)), "started");
        h.run_steps(2);
        let feed = Feed {
            spool,
            blocks,
            next: 0,
            handle,
            dir,
        };
        (h, feed)
    }

    /// Frames until the window lists `n` packets (the worker follows the file).
    fn until_listed(h: &mut Harness<'static, App>, n: usize) {
        let t = Instant::now();
        while h.state().source.as_ref().map_or(0, |s| s.len()) < n {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{n} packets never came"
            );
            std::thread::sleep(Duration::from_millis(20));
            h.run_steps(1);
        }
        h.run_steps(3);
    }

    fn stop(h: &mut Harness<'static, App>) {
        h.state_mut().stop_capture();
        let t = Instant::now();
        while h.state().live.is_some() {
            assert!(t.elapsed() < Duration::from_secs(10), "never stopped");
            h.state_mut().wait_live(Duration::from_millis(100));
        }
        h.run_steps(3);
    }

    #[test]
    fn the_capture_dialog_lists_interfaces_and_checks_the_filter_with_libpcap() {
        let iface = |name: &str, addr: &str, loopback| Iface {
            index: 0,
            name: name.into(),
            description: None,
            addresses: vec![addr.into()],
            up: true,
            running: true,
            loopback,
            wireless: false,
        };
        let mut app = App::new(Settings::default(), None);
        app.capture.set_interfaces(vec![
            iface("lo", "127.0.0.1", true),
            iface("eth0", "10.1.2.3", false),
        ]);
        app.capture.preset("lo", None);
        app.capture.open = true;
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
        h.run_steps(4);
        h.get_by_label("Capture interfaces");
        h.get_by_label("lo");
        h.get_by_label("eth0");
        h.get_by_label_contains("127.0.0.1");
        h.get_by_label_contains("10.1.2.3");
        h.get_by_label("Start capturing on lo");
        // The capture filter's field is the lower of the two text fields (the display
        // filter bar is at the top of the window).
        fn field<'h>(h: &'h Harness<'static, App>) -> egui_kittest::Node<'h> {
            h.get_all_by_role(Role::TextInput)
                .max_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
                .unwrap()
        }
        field(&h).focus();
        field(&h).type_text("tcp port");
        h.run_steps(1);
        assert!(
            h.query_by_label_contains("syntax error").is_none(),
            "not compiled while typing"
        );
        h.run_steps(3);
        h.get_by_label_contains("syntax error");
        assert!(
            h.state().capture.options().is_err(),
            "Start refuses a bad filter"
        );
        field(&h).type_text(" 8765");
        h.run_steps(4);
        h.get_by_label("✓ valid capture filter");
        let o = h.state().capture.options().unwrap();
        assert_eq!(o.filter.as_deref(), Some("tcp port 8765"));
        assert_eq!(o.interfaces, ["lo"]);
        // Choosing another interface selects it for Start.
        h.get_by_label("eth0").click();
        h.run_steps(2);
        h.get_by_label("Start capturing on eth0");
    }

    /// Packets arrive row by row while the test writes the spool; the list follows the
    /// newest until the user scrolls up; Stop leaves the capture open as a file.
    #[test]
    fn rows_arrive_while_capturing_and_stop_keeps_the_capture_open() {
        let (mut h, mut feed) = capturing("rows");
        assert_eq!(h.state().window_title(), "capturing on lo — layerscope");
        h.get_by_label("• capturing");
        h.get_by_label("Capturing: no packet yet.");
        feed.append(10);
        until_listed(&mut h, 10);
        h.get_by_label_contains("Packets: 10 ");
        h.get_by_label("10");
        assert!(h.query_by_label("11").is_none());
        // The handshake's badges come with the analysis, while capturing.
        assert!(h.query_all_by_label("1/3").count() >= 1);
        feed.append(30);
        until_listed(&mut h, 40);
        // Following: the newest row is on screen, the first is scrolled away.
        assert!(h.state().follow);
        h.get_by_label("40");
        assert!(
            h.query_by_label("1").is_none(),
            "the list follows the newest"
        );
        // The user scrolls up: following pauses, and the list stays put as more arrives.
        h.get_by_label("40").scroll_up();
        h.run_steps(2);
        h.get_by_label("35").scroll_up();
        h.run_steps(2);
        assert!(!h.state().follow, "scrolling up pauses following");
        // (the scroll is animated: let it settle)
        h.run_steps(4);
        let top_before = h.get_by_label("25").rect().top();
        feed.append(18);
        until_listed(&mut h, 58);
        assert!(
            h.query_by_label("58").is_none(),
            "not followed while paused"
        );
        assert_eq!(h.get_by_label("25").rect().top(), top_before);
        // End follows again.
        h.key_press(egui::Key::End);
        h.run_steps(4);
        assert!(h.state().follow);
        h.get_by_label("58");
        h.get_by_label_contains("Packets: 58 ");
        assert!(h.state().has_unsaved());

        stop(&mut h);
        assert!(feed.handle.stop_asked());
        let store = h
            .state()
            .store()
            .cloned()
            .expect("the capture is open as a file");
        assert_eq!(store.len(), 58);
        assert!(!store.capture.is_growing());
        assert_eq!(h.state().window_title(), "capture on lo — layerscope");
        h.get_by_label("stopped");
        h.get_by_label_contains("Packets: 58 ");
        h.get_by_label("Kernel drops: 0");
        // End selected the newest packet: the list shows the last rows, decoded.
        assert_eq!(h.state().selected_index(), Some(57));
        h.get_by_label_contains("Socket.IO ACK / ack=0 [{\"answer\":42");
        // Still unsaved: the spool is what holds it.
        assert!(h.state().has_unsaved());
        let spool = h.state().spool_path().unwrap().to_path_buf();
        assert!(spool.exists());
        // Save As pcapng of the whole stopped capture is the spool itself; then nothing
        // is unsaved.
        let out = feed.dir.join("saved.pcapng");
        let ctx = h.ctx.clone();
        h.state_mut().save_as(&out, false, &ctx);
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&spool).unwrap());
        assert!(!h.state().has_unsaved());
        let pcap = feed.dir.join("saved.pcap");
        h.state_mut().save_as(&pcap, false, &ctx);
        assert_eq!(Capture::open(&pcap).unwrap().len(), 58);
    }

    /// The display filter applies to packets as they arrive, and again to the whole
    /// capture once it stops; drops reported by the source show in red text.
    #[test]
    fn the_display_filter_applies_while_capturing() {
        let (mut h, mut feed) = capturing("filter");
        h.state_mut()
            .filter
            .set("socketio.event == \"chat message\"");
        feed.append(30);
        until_listed(&mut h, 30);
        assert_eq!(h.state().filter.shown(), Some(&[][..]));
        h.get_by_label_contains("Displayed: 0");
        feed.handle
            .report(layerscope::gui::live::SourceEvent::Stats {
                packets: 58,
                kernel_drops: 3,
                if_drops: 0,
            });
        feed.append(28);
        until_listed(&mut h, 58);
        assert_eq!(h.state().filter.shown(), Some(&[40u32, 42][..]));
        h.get_by_label_contains("Displayed: 2");
        h.get_by_label("Kernel drops: 3");
        h.get_by_label("Interface drops: 0");
        stop(&mut h);
        let store = h.state().store().cloned().unwrap();
        let ctx = h.ctx.clone();
        h.state_mut().filter.wait(&store, &ctx);
        assert_eq!(h.state().filter.shown(), Some(&[40u32, 42][..]));
        h.get_by_label("Kernel drops: 3");
    }

    /// An interface that goes down ends the capture with the reason in the status bar;
    /// what was captured stays open.
    #[test]
    fn an_interface_going_down_stops_the_capture_and_keeps_the_packets() {
        let (mut h, mut feed) = capturing("down");
        feed.append(20);
        until_listed(&mut h, 20);
        feed.handle
            .report(layerscope::gui::live::SourceEvent::Error(
                "the interface lo went down".into(),
            ));
        let t = Instant::now();
        while h.state().live.is_some() {
            assert!(t.elapsed() < Duration::from_secs(10), "never stopped");
            h.state_mut().wait_live(Duration::from_millis(100));
        }
        h.run_steps(3);
        assert!(feed.handle.stop_asked());
        assert_eq!(h.state().store().map(|s| s.len()), Some(20));
        h.get_by_label_contains(
            "capture stopped: the interface lo went down; the 20 packets captured are kept",
        );
        h.get_by_label_contains("Packets: 20 ");
    }

    fn ask_to_close(h: &mut Harness<'static, App>) -> Vec<egui::ViewportCommand> {
        h.input_mut()
            .viewports
            .entry(egui::ViewportId::ROOT)
            .or_default()
            .events
            .push(egui::ViewportEvent::Close);
        h.run_steps(1);
        h.output()
            .viewport_output
            .get(&egui::ViewportId::ROOT)
            .map(|v| v.commands.clone())
            .unwrap_or_default()
    }

    #[test]
    fn closing_with_unsaved_packets_asks_and_cancel_keeps_and_discard_removes() {
        let (mut h, mut feed) = capturing("close");
        feed.append(58);
        until_listed(&mut h, 58);
        stop(&mut h);
        let spool = h.state().spool_path().unwrap().to_path_buf();
        let cmds = ask_to_close(&mut h);
        assert!(
            cmds.contains(&egui::ViewportCommand::CancelClose),
            "{cmds:?}"
        );
        h.run_steps(2);
        h.get_by_label("Save the capture?");
        h.get_by_label("The capture on lo has 58 packets that are not saved.");
        h.get_by_label("Save…");
        h.get_by_label("Cancel").click();
        h.run_steps(2);
        assert!(h.query_by_label("Save the capture?").is_none());
        assert!(spool.exists() && h.state().store().is_some() && h.state().has_unsaved());
        // Again, and Discard: the spool is deleted and the window closes.
        let cmds = ask_to_close(&mut h);
        assert!(cmds.contains(&egui::ViewportCommand::CancelClose));
        h.run_steps(2);
        h.get_by_label("Discard").click();
        h.run_steps(1);
        let cmds = h.output().viewport_output[&egui::ViewportId::ROOT]
            .commands
            .clone();
        assert!(cmds.contains(&egui::ViewportCommand::Close), "{cmds:?}");
        assert!(!spool.exists(), "Discard removes the spool");
        assert!(!h.state().has_unsaved());
        // Nothing unsaved: closing is not held back.
        let cmds = ask_to_close(&mut h);
        assert!(!cmds.contains(&egui::ViewportCommand::CancelClose));
    }

    #[test]
    fn opening_a_file_over_an_unsaved_capture_asks_first() {
        let (mut h, mut feed) = capturing("open");
        feed.append(5);
        until_listed(&mut h, 5);
        let ctx = h.ctx.clone();
        h.state_mut()
            .open(Input::File(sample("http-get.pcap")), &ctx);
        h.run_steps(2);
        h.get_by_label("Save the capture?");
        assert!(h.state().live.is_some(), "still capturing");
        h.get_by_label("Discard").click();
        h.run_steps(1);
        h.state_mut().wait_loaded();
        h.run_steps(2);
        assert!(h.state().live.is_none());
        assert!(!feed.spool.exists());
        // The worker passes the stop on to the source (within its polling interval).
        let t = Instant::now();
        while !feed.handle.stop_asked() {
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "the source was never stopped"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(
            h.state().store().map(|s| s.len()),
            Some(12),
            "http-get.pcap opened"
        );
    }

    #[test]
    fn a_permission_error_shows_the_setcap_command_and_a_copy_button() {
        let cmd = "sudo setcap cap_net_raw,cap_net_admin=eip /opt/ls/layerscope-capture";
        let message = format!(
            "you are not allowed to capture on lo (Operation not permitted); allow the helper with:\n  {cmd}"
        );
        let m = message.clone();
        let mut app = App::new(Settings::default(), None);
        app.live_factory = Arc::new(move |_: &Options| {
            Err(Failure::Live(LiveError::Helper {
                kind: ErrorKind::Permission,
                interface: Some("lo".into()),
                message: m.clone(),
                available: vec![],
            }))
        });
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
        let ctx = h.ctx.clone();
        h.state_mut().start_capture(lo(), &ctx);
        assert!(h.state_mut().wait_live(Duration::from_secs(10)));
        h.run_steps(3);
        assert!(h.state().live.is_none());
        h.get_by_label("Not allowed to capture");
        h.get_by_label(&message);
        h.get_by_label(cmd);
        h.get_by_label("or run layerscope as root");
        h.get_by_label("Copy command").click();
        h.run_steps(1);
        let copied = h.output().platform_output.commands.clone();
        assert!(
            copied.contains(&egui::OutputCommand::CopyText(cmd.into())),
            "{copied:?}"
        );
        h.run_steps(1);
        h.get_by_label("copied ✓");
    }

    #[test]
    fn an_unknown_interface_lists_the_ones_that_exist() {
        let mut app = App::new(Settings::default(), None);
        app.live_factory = Arc::new(|_: &Options| {
            Err(Failure::Live(LiveError::Helper {
                kind: ErrorKind::NoSuchInterface,
                interface: Some("eth9".into()),
                message: "there is no interface eth9".into(),
                available: vec!["lo".into(), "eth0".into()],
            }))
        });
        let mut h = Harness::builder().build_ui_state(|ui, app: &mut App| app.ui(ui), app);
        let ctx = h.ctx.clone();
        h.state_mut().start_capture(lo(), &ctx);
        assert!(h.state_mut().wait_live(Duration::from_secs(10)));
        h.run_steps(3);
        h.get_by_label("No such interface");
        h.get_by_label("Interfaces that exist: lo, eth0");
    }

    // ---- Standard input (`layerscope -`), from a pipe the test writes ----

    /// Where each record of a pcap file starts (after the 24-byte header).
    fn pcap_offsets(bytes: &[u8]) -> Vec<usize> {
        let mut out = vec![];
        let mut off = 24;
        while off + 16 <= bytes.len() {
            out.push(off);
            let caplen = u32::from_le_bytes(bytes[off + 8..off + 12].try_into().unwrap());
            off += 16 + caplen as usize;
        }
        out
    }

    /// Standard input's spools in the temporary folder that this process made (their
    /// names carry its id).
    fn stdin_spools() -> Vec<PathBuf> {
        let mine = format!("layerscope-stdin-{}-", std::process::id());
        std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(&mine))
            .collect()
    }

    /// The window reading a pipe as it reads standard input, started.
    fn reading(reader: std::io::PipeReader) -> Harness<'static, App> {
        let app = App::new(Settings::default(), None);
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
        let ctx = h.ctx.clone();
        let factory = layerscope::gui::live::ReaderSource::factory(reader);
        h.state_mut().read_stream(factory, &ctx);
        assert!(h.state_mut().wait_live(Duration::from_secs(10)), "started");
        h.run_steps(2);
        h
    }

    /// Rows come as the pipe brings them; Stop (the writer still open) keeps what was read
    /// and reads no more; Save As writes it; no spool file is ever in the temporary folder.
    #[test]
    fn standard_input_shows_rows_as_they_come_and_stop_keeps_them() {
        let bytes = std::fs::read(sample("http-get.pcap")).unwrap();
        let offsets = pcap_offsets(&bytes);
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut h = reading(reader);
        assert_eq!(
            h.state().window_title(),
            "reading standard input — layerscope"
        );
        h.get_by_label("• reading");
        h.get_by_label("Reading standard input: no packet yet.");
        // The handshake and the request, and half of packet 5.
        writer.write_all(&bytes[..offsets[4] + 20]).unwrap();
        until_listed(&mut h, 4);
        h.get_by_label_contains("Packets: 4 ");
        h.get_by_label("4");
        assert!(h.query_by_label("5").is_none());
        h.get_by_label_contains("GET /hello.txt HTTP/1.1");
        assert!(stdin_spools().is_empty(), "{:?}", stdin_spools());
        assert!(
            h.query_by_label("Kernel drops: 0").is_none(),
            "no drops to tell"
        );

        h.get_by_label("Stop").click();
        h.run_steps(1);
        let t = Instant::now();
        while h.state().live.is_some() {
            assert!(t.elapsed() < Duration::from_secs(10), "never stopped");
            h.state_mut().wait_live(Duration::from_millis(100));
        }
        h.run_steps(3);
        assert_eq!(h.state().window_title(), "standard input — layerscope");
        h.get_by_label("stopped");
        // What was read is kept: packet 5 too, with the 20 bytes of it that came, marked
        // as cut (as in a file that ends there).
        h.get_by_label_contains(
            "stopped reading standard input; 5 packets, not saved yet (File ▸ Save As)",
        );
        // The writer goes on; nothing more is read.
        writer.write_all(&bytes[offsets[4] + 20..]).unwrap();
        drop(writer);
        h.run_steps(3);
        let store = h.state().store().cloned().expect("open as a file");
        assert_eq!(store.len(), 5);
        assert_eq!(store.capture.data(4).len(), 4);
        assert_eq!(store.capture.cut_len(4), Some(66));
        h.get_by_label_contains("Packets: 5 ");
        assert!(h.state().has_unsaved());
        assert!(h.state().spool_path().is_none(), "the spool has no name");

        let dir = std::env::temp_dir().join(format!("ls-gui-stdin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("saved.pcap");
        let ctx = h.ctx.clone();
        h.state_mut().save_as(&out, false, &ctx);
        h.run_steps(1);
        let saved = Capture::open(&out).unwrap();
        assert_eq!(saved.len(), 5);
        let whole = Capture::open(&sample("http-get.pcap")).unwrap();
        for i in 0..4 {
            assert_eq!(saved.data(i), whole.data(i));
        }
        assert_eq!(saved.data(4), &whole.data(4)[..4]);
        assert!(!h.state().has_unsaved());
        drop(h);
        assert!(stdin_spools().is_empty(), "{:?}", stdin_spools());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Read to its end, standard input is open as the file would be, and closing with its
    /// packets not saved asks first, as a capture does.
    #[test]
    fn standard_input_read_to_its_end_is_the_whole_capture() {
        let bytes = std::fs::read(sample("http-get.pcap")).unwrap();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut h = reading(reader);
        writer.write_all(&bytes).unwrap();
        drop(writer);
        let t = Instant::now();
        while h.state().live.is_some() {
            assert!(t.elapsed() < Duration::from_secs(10), "never ended");
            h.state_mut().wait_live(Duration::from_millis(100));
        }
        h.run_steps(3);
        h.get_by_label_contains("standard input ended; 12 packets, not saved yet");
        let store = h.state().store().cloned().unwrap();
        let file =
            layerscope::store::Store::build(Capture::open(&sample("http-get.pcap")).unwrap());
        assert_eq!(store.len(), file.len());
        for i in 0..file.len() as u32 {
            let id = layerscope::store::PacketId(i);
            assert_eq!(
                layerscope::export::text::row(&store, id),
                layerscope::export::text::row(&file, id)
            );
        }
        let cmds = ask_to_close(&mut h);
        assert!(cmds.contains(&egui::ViewportCommand::CancelClose));
        h.run_steps(2);
        h.get_by_label("What was read from standard input has 12 packets that are not saved.");
    }

    /// Standard input that is not a capture says so, as a file that is not one does.
    #[test]
    fn standard_input_that_is_not_a_capture_says_so() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let mut h = reading(reader);
        writer.write_all(b"hello, this is not a capture").unwrap();
        drop(writer);
        let t = Instant::now();
        while h.state().live.is_some() {
            assert!(t.elapsed() < Duration::from_secs(10), "never ended");
            h.state_mut().wait_live(Duration::from_millis(100));
        }
        h.run_steps(3);
        h.get_by_label("This file could not be opened");
        h.get_by_label_contains("not a pcap or pcapng file: starts with 68 65 6c 6c");
        assert_eq!(h.state().window_title(), "standard input — layerscope");
        assert!(!h.state().has_unsaved());
    }
}
