//! The window while it captures (not a timed test): a bounded UDP sender on 127.0.0.1 at
//! 10,000 packets a second while the window (headless, egui_kittest, no GPU) captures `lo`
//! through the real capture helper and draws at 60 frames a second. Measures, for each
//! frame, how old the newest packet drawn is (its capture time in the kernel to the end of
//! the frame that lists it: helper, spool, worker and frame together) and how long the frame
//! took. Targets: newest row within 100 ms, frames under 10 ms.
//!
//!     cargo build --release --bins && cargo bench --bench live_frames
//!     LAYERSCOPE_LIVE_RATE=20000 LAYERSCOPE_LIVE_SECS=5 cargo bench --bench live_frames
//!
//! Needs root or the helper's capability (it captures for real).

use std::net::UdpSocket;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::settings::Settings;
use layerscope::live::Options;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64)
}

fn pct(v: &mut [f64], p: usize) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get((v.len() * p / 100).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN)
}

/// Sends `total` datagrams to `port` at `rate` a second, in steps of one millisecond.
fn send(port: u16, rate: u64, total: u64) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let sink = UdpSocket::bind(("127.0.0.1", port)).expect("sink");
        let s = UdpSocket::bind("127.0.0.1:0").expect("socket");
        let t0 = Instant::now();
        let mut sent = 0;
        while sent < total {
            let due = (t0.elapsed().as_secs_f64() * rate as f64) as u64;
            while sent < due.min(total) {
                let _ = s.send_to(&sent.to_le_bytes(), ("127.0.0.1", port));
                sent += 1;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        drop(sink);
        sent
    })
}

fn main() {
    let rate = env_num("LAYERSCOPE_LIVE_RATE", 10_000);
    let secs = env_num("LAYERSCOPE_LIVE_SECS", 5);
    let port = 40_998;
    let app = App::new(Settings::default(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    let ctx = h.ctx.clone();
    let opts = Options {
        interfaces: vec!["lo".into()],
        filter: Some(format!("udp port {port}")),
        ..Options::default()
    };
    h.state_mut().start_capture(opts, &ctx);
    // Until the helper is capturing.
    let t = Instant::now();
    while h.state().source.is_none()
        && h.state().problem_text().is_none()
        && t.elapsed().as_secs() < 10
    {
        h.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    for _ in 0..30 {
        h.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    if let Some(p) = h.state().problem_text() {
        eprintln!("the capture did not start: {p}");
        std::process::exit(2);
    }
    let sender = send(port, rate, rate * secs);
    let (mut ages, mut frames) = (Vec::new(), Vec::new());
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs + 1) {
        let t = Instant::now();
        h.step();
        frames.push(t.elapsed().as_secs_f64() * 1e3);
        let newest = h.state().source.as_ref().and_then(|s| {
            let store = s.read()?;
            store.capture.packets.last().map(|r| r.ts_ns)
        });
        if let Some(ts) = newest {
            if t0.elapsed() > Duration::from_millis(500) && t0.elapsed() < Duration::from_secs(secs)
            {
                ages.push((now_ns() - ts) as f64 / 1e6);
            }
        }
        std::thread::sleep(Duration::from_millis(16).saturating_sub(t.elapsed()));
    }
    let sent = sender.join().unwrap_or(0);
    h.state_mut().stop_capture();
    let t = Instant::now();
    while h.state().live.is_some() && t.elapsed().as_secs() < 10 {
        h.step();
        std::thread::sleep(Duration::from_millis(16));
    }
    let shown = h.state().source.as_ref().map_or(0, |s| s.len());
    let (age_med, age_p95, age_max) = (pct(&mut ages, 50), pct(&mut ages, 95), pct(&mut ages, 100));
    let (f_med, f_p95, f_max) = (
        pct(&mut frames, 50),
        pct(&mut frames, 95),
        pct(&mut frames, 100),
    );
    println!(
        "## The window capturing lo at {rate} packets/s for {secs} s (headless frames at 60/s)"
    );
    println!();
    println!("| measure | value | target |");
    println!("|---|---:|---|");
    println!("| packets sent / in the window after Stop | {sent} / {shown} | all |");
    println!("| newest row's age when drawn, median / p95 / max | {age_med:.1} / {age_p95:.1} / {age_max:.1} ms | < 100 ms |");
    println!("| frame, median / p95 / max | {f_med:.2} / {f_p95:.2} / {f_max:.2} ms | < 10 ms |");
    if let Some(spool) = h.state().spool_path().map(|p| p.to_path_buf()) {
        let _ = std::fs::remove_file(spool);
    }
}
