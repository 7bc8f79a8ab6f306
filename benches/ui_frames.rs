//! The window's benchmark on a big capture (not a timed test): time from opening
//! to the first rows drawn, time to the full analysis, the time of one frame
//! while loading (with the Conversations window growing), while scrolling and
//! while a filter runs, and peak memory against the target
//! of the file's size plus 150 bytes per packet. Then Messages and Follow
//! Stream: on the big capture's longest conversation, and on a capture of one
//! chat of more than 100,000 messages (written by the generator, `gen::write_chat`,
//! into target/bench-data the first time): the first frame after the tab is
//! opened, the time until the messages or lines are shown (they are indexed on
//! a worker thread), the frames while scrolling through them, and the memory
//! they add.
//!
//!     cargo bench --bench ui_frames                     # target/bench-data/synthetic-1000000.pcap
//!     LAYERSCOPE_UI_BENCH_FILE=some.pcap cargo bench --bench ui_frames
//!
//! The synthetic file is the one `stats_vs_tshark` writes (run that first, or
//! `benches/compare_tshark.sh`). Frames are drawn headless (egui_kittest, no
//! GPU): this measures layerscope's own work per frame (layout of the visible
//! rows, details, bytes), not the renderer's.

#[path = "gen/mod.rs"]
mod gen;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;
use layerscope::gui::views::Tab;

/// Exchanges in the long chat: about 110,000 messages in 190,000 packets.
const CHAT_EXCHANGES: u64 = 90_000;

fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resident memory now (mapped file pages included).
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() * 95 / 100).copied().unwrap_or_default()
}

fn main() {
    let file = std::env::var_os("LAYERSCOPE_UI_BENCH_FILE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/bench-data/synthetic-1000000.pcap")
        },
        PathBuf::from,
    );
    if !file.exists() {
        eprintln!(
            "{} is missing: run `LAYERSCOPE_BENCH_PACKETS=1000000 cargo bench --bench stats_vs_tshark` first, \
             or set LAYERSCOPE_UI_BENCH_FILE",
            file.display()
        );
        std::process::exit(2);
    }
    let file_bytes = std::fs::metadata(&file).map_or(0, |m| m.len());

    let app = App::new(Settings::default(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    let ctx = h.ctx.clone();

    // Launch → first rows drawn (rows come from the index while the store builds).
    // The Conversations window is open meanwhile: it is rebuilt as the store grows.
    h.state_mut().views.open = true;
    let t0 = Instant::now();
    h.state_mut().open(Input::File(file.clone()), &ctx);
    let mut first_rows = None;
    let mut loading_frames = Vec::new();
    while h.state().is_loading() || first_rows.is_none() {
        let t = Instant::now();
        h.step();
        if first_rows.is_some() && h.state().is_loading() {
            loading_frames.push(t.elapsed());
        }
        if first_rows.is_none() && h.state().source.is_some() {
            first_rows = Some(t0.elapsed());
        }
        if !h.state().is_loading() && first_rows.is_some() {
            break;
        }
        // Until the first rows, look often; then draw at 60 frames a second, as
        // a window that repaints all the time would (the real one repaints when
        // the loader has news, about ten times a second).
        let pace = if first_rows.is_some() { 16 } else { 2 };
        std::thread::sleep(Duration::from_millis(pace).saturating_sub(t.elapsed()));
    }
    let full = t0.elapsed();
    let peak_loaded = peak_rss_bytes();
    let packets = h.state().source.as_ref().map_or(0, |s| s.len());
    h.state_mut().views.open = false;
    h.step();

    // One frame while scrolling: page down through the list.
    let mut scroll = Vec::new();
    for _ in 0..200 {
        h.key_press(egui::Key::PageDown);
        let t = Instant::now();
        h.step();
        scroll.push(t.elapsed());
    }

    // One frame while a filter runs over every packet on its worker threads:
    // one that only packets with WebSocket records can match (the others are
    // skipped undissected), and one that every TCP packet must be dissected for.
    let mut filtering = Vec::new();
    let mut filter_runs = Vec::new();
    for text in ["websocket.opcode == 1 && tcp.len > 40", "tcp.port == 8080"] {
        h.state_mut().filter.set(text);
        let tf = Instant::now();
        h.step();
        while h.state().filter.is_running() && filtering.len() < 100_000 {
            let t = Instant::now();
            h.step();
            filtering.push(t.elapsed());
            std::thread::sleep(Duration::from_millis(2));
        }
        let shown = h.state().filter.shown().map_or(0, <[u32]>::len);
        filter_runs.push((text, tf.elapsed(), shown));
    }
    let peak_scrolled_filtered = peak_rss_bytes();
    let peak = peak_rss_bytes();
    // What the Conversations window builds each time the store grows (a few
    // times a second while loading) and once when it is finished.
    let store = h.state().store().cloned().expect("loaded");
    let t = Instant::now();
    let lists = layerscope::gui::views::Lists::of(&store);
    let lists_time = t.elapsed();
    drop(store);
    let budget = file_bytes + 150 * packets as u64;

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "## layerscope window on {} ({packets} packets, {:.1} MiB)",
        file.display(),
        file_bytes as f64 / 1048576.0
    );
    println!();
    println!("| measure | value | target |");
    println!("|---|---:|---|");
    println!(
        "| launch → first rows drawn | {:.0} ms | < 500 ms |",
        ms(first_rows.unwrap_or_default())
    );
    println!("| launch → full analysis | {:.2} s | |", full.as_secs_f64());
    println!(
        "| Conversations window's lists built ({} conversations, {} sessions) | {:.2} ms | |",
        lists.carried.len(),
        lists.sessions.len(),
        ms(lists_time)
    );
    let worst = loading_frames.iter().max().copied().unwrap_or_default();
    println!(
        "| frame while loading, Conversations open, median / p95 / max ({} frames) | {:.2} / {:.2} / {:.2} ms | < 10 ms |",
        loading_frames.len(),
        ms(median(loading_frames.clone())),
        ms(p95(loading_frames)),
        ms(worst)
    );
    println!(
        "| frame while scrolling, median / p95 / max ({} frames) | {:.2} / {:.2} / {:.2} ms | < 10 ms |",
        scroll.len(),
        ms(median(scroll.clone())),
        ms(p95(scroll.clone())),
        ms(scroll.iter().max().copied().unwrap_or_default())
    );
    println!(
        "| frame while a filter runs, median / p95 / max ({} frames) | {:.2} / {:.2} / {:.2} ms | < 10 ms |",
        filtering.len(),
        ms(median(filtering.clone())),
        ms(p95(filtering.clone())),
        ms(filtering.iter().max().copied().unwrap_or_default())
    );
    for (text, time, shown) in &filter_runs {
        println!(
            "| filter `{text}` over every packet (worker threads) | {:.2} s, {shown} packets match | |",
            time.as_secs_f64()
        );
    }
    println!(
        "| peak memory (RSS, mapped file included): after loading / after scrolling and filtering / at the end | {:.0} / {:.0} / {:.0} MiB | < {:.0} MiB (file + 150 B/packet) |",
        peak_loaded as f64 / 1048576.0,
        peak_scrolled_filtered as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        budget as f64 / 1048576.0
    );

    // Messages and Follow Stream on the longest conversation of this file.
    let longest = h.state().store().and_then(|s| {
        let convs = &s.analysis.tcp.conversations;
        (0..convs.len() as u32).max_by_key(|&c| convs[c as usize].packets)
    });
    if let Some(c) = longest {
        let what = format!("the longest conversation of this file (stream {c})");
        for tab in [Tab::Messages, Tab::Follow] {
            views_row(&mut h, c, tab, &what);
        }
    }
    drop(h);
    chat_views();
}

/// Messages and Follow Stream on one chat of more than 100,000 messages.
fn chat_views() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join(format!("chat-{CHAT_EXCHANGES}-v{}.pcap", gen::VERSION));
    if !path.exists() {
        let made =
            std::fs::create_dir_all(&dir).and_then(|()| gen::write_chat(&path, CHAT_EXCHANGES, 7));
        if let Err(e) = made {
            eprintln!("could not write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    let mut app = App::new(Settings::default(), None);
    let t = Instant::now();
    app.open(Input::File(path.clone()), &egui::Context::default());
    app.wait_loaded();
    let load = t.elapsed();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.step();
    let packets = h.state().store().map_or(0, |s| s.len());
    println!();
    println!(
        "## Messages and Follow Stream on one long chat ({}, {packets} packets, loaded in {:.2} s)",
        path.display(),
        load.as_secs_f64()
    );
    println!();
    println!("| measure | value | target |");
    println!("|---|---:|---|");
    for tab in [Tab::Messages, Tab::Follow] {
        views_row(&mut h, 0, tab, "the chat");
    }
}

/// Open `tab` on conversation `c`, wait until it is shown, scroll through it,
/// and print the figures.
fn views_row(h: &mut Harness<'static, App>, c: u32, tab: Tab, what: &str) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (name, ready_label) = match tab {
        Tab::Follow => ("Follow Stream", " lines"),
        _ => ("Messages", " messages"),
    };
    h.state_mut().views = Default::default();
    h.step();
    let rss0 = rss_bytes();
    let v = &mut h.state_mut().views;
    v.open = true;
    v.conversation = Some(c);
    v.tab = tab;
    let t0 = Instant::now();
    h.step();
    let first = t0.elapsed();
    let mut slowest = Duration::ZERO;
    let mut shown = None;
    while t0.elapsed() < Duration::from_secs(120) {
        let t = Instant::now();
        h.step();
        slowest = slowest.max(t.elapsed());
        if let Some(n) = h
            .query_by_label_contains(ready_label)
            .and_then(|n| n.value())
        {
            shown = Some((t0.elapsed(), n));
            break;
        }
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let Some((ready, count)) = shown else {
        println!("| {name} on {what} | not shown after 120 s | |");
        return;
    };
    let rss1 = rss_bytes();
    // Scroll with the wheel over the list, 300 points a frame, then jump to the end.
    let at = h.get_by_label_contains(ready_label).rect().center() + egui::vec2(0.0, 200.0);
    h.event(egui::Event::PointerMoved(at));
    let mut scroll = Vec::new();
    for _ in 0..200 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -300.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        let t = Instant::now();
        h.step();
        scroll.push(t.elapsed());
    }
    if let Some(last) = h.query_by_label("Last message") {
        last.click();
        for _ in 0..10 {
            let t = Instant::now();
            h.step();
            scroll.push(t.elapsed());
        }
    }
    let rss2 = rss_bytes();
    let mib = |b: u64, a: u64| (b as f64 - a as f64) / 1048576.0;
    println!(
        "| {name} on {what} ({count}): first frame after opening | {:.1} ms | < 100 ms |",
        ms(first)
    );
    println!(
        "| {name}: shown after (indexed on a worker thread), slowest frame meanwhile | {:.0} ms, {:.1} ms | |",
        ms(ready),
        ms(slowest)
    );
    println!(
        "| {name}: frame while scrolling, median / p95 / max ({} frames) | {:.2} / {:.2} / {:.2} ms | < 10 ms |",
        scroll.len(),
        ms(median(scroll.clone())),
        ms(p95(scroll.clone())),
        ms(scroll.iter().max().copied().unwrap_or_default())
    );
    println!(
        "| {name}: memory added (RSS) once shown / after scrolling | {:+.1} / {:+.1} MiB | |",
        mib(rss1, rss0),
        mib(rss2, rss0)
    );
}
