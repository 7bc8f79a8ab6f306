//! Conversations ▸ Ladder ▸ Save ladder as SVG… / PNG…, headless: the buttons are
//! there, and what the window writes once a file is chosen (the file chooser and the
//! window's screenshot need a display: the picture is given here as egui hands it over).
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::sync::mpsc::channel;

use egui::{Color32, ColorImage};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use layerscope::gui::app::{App, LadderSave};
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

/// A folder of its own for one test's files.
fn out_dir(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ladder-save-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder for the test");
    dir
}

fn loaded_app() -> App {
    let mut app = App::new(Settings::default(), None);
    app.open(
        Input::File(sample("socketio-chat.pcap")),
        &egui::Context::default(),
    );
    app.wait_loaded();
    app
}

/// Every element opened is closed, in order (`<x …/>` closes itself).
fn well_formed(svg: &str) -> Result<(), String> {
    let mut open: Vec<&str> = Vec::new();
    for tag in svg.split('<').skip(1) {
        let end = tag.find('>').ok_or("a tag is not closed")?;
        let inner = &tag[..end];
        if let Some(closing) = inner.strip_prefix('/') {
            let top = open.pop().ok_or(format!("</{closing}> closes nothing"))?;
            if top != closing.trim() {
                return Err(format!("<{top}> closed by </{closing}>"));
            }
        } else if !inner.ends_with('/') {
            open.push(inner.split([' ', '\n']).next().unwrap_or(""));
        }
    }
    match open.is_empty() {
        true => Ok(()),
        false => Err(format!("not closed: {open:?}")),
    }
}

#[test]
fn the_ladder_tab_offers_both_files() {
    let mut app = loaded_app();
    app.views.open = true;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(6);
    h.get_by_label("Ladder").click();
    h.run_steps(3);
    h.get_by_label("Save ladder as SVG…");
    h.get_by_label("Save ladder as PNG…");
}

#[test]
fn the_svg_is_the_whole_ladder_and_well_formed() {
    let dir = out_dir("svg");
    let mut app = loaded_app();
    // No extension: `.svg` is added.
    app.save_ladder(&dir.join("stream2"), LadderSave::Svg(2));
    let path = dir.join("stream2.svg");
    let svg = std::fs::read_to_string(&path).expect("written");
    assert_eq!(
        app.status.as_deref(),
        Some(format!("ladder saved to {}", path.display()).as_str())
    );
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    well_formed(&svg).expect("well formed");
    // Every packet of the conversation is an arrow: #14 (its SYN) to #58 (its last ACK).
    assert!(svg.contains(">#14<") && svg.contains(">#58<"), "{svg}");
    assert!(
        well_formed("<svg><g></svg></g>").is_err(),
        "the check checks"
    );
}

#[test]
fn the_png_holds_the_picture_taken() {
    let dir = out_dir("png");
    let mut app = loaded_app();
    let pixels = (0..6 * 4)
        .map(|i| Color32::from_rgb(i as u8 * 10, 255 - i as u8, 7))
        .collect::<Vec<_>>();
    let (tx, rx) = channel();
    tx.send(Some(ColorImage::new([6, 4], pixels.clone())))
        .expect("sent");
    app.save_ladder(&dir.join("ladder.png"), LadderSave::Png(rx));
    let bytes = std::fs::read(dir.join("ladder.png")).expect("written");
    let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes[..]))
        .read_info()
        .expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), (6, 4));
    let want: Vec<u8> = pixels.iter().flat_map(|c| c.to_array()).collect();
    assert_eq!(&buf[..info.buffer_size()], &want[..]);
    // A ladder that was not on screen: nothing written, and the status says why.
    let (tx, rx) = channel();
    tx.send(None).expect("sent");
    app.save_ladder(&dir.join("none.png"), LadderSave::Png(rx));
    assert!(!dir.join("none.png").exists());
    assert!(app
        .status
        .as_deref()
        .is_some_and(|s| s.contains("not on screen")));
}
