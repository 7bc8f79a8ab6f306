//! Save the ladder of a conversation (Conversations ▸ Ladder): as SVG, the whole
//! ladder drawn again by [`crate::export::svg`]; as PNG, the ladder as it is on screen,
//! cut out of a screenshot of the window (egui hands it over as a [`ColorImage`]) and
//! encoded with the `png` crate. The screenshot is taken when the button is clicked,
//! before the file chooser opens, so nothing drawn over the window later is in it.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};

use egui::{ColorImage, Rect};

use super::{App, Choosing};
use crate::gui::views::LadderFile;
use crate::store::Store;

/// What is waiting for the file chooser's answer.
pub enum LadderSave {
    /// Conversation `tcp.stream == N`.
    Svg(u32),
    /// The ladder's pixels, once the screenshot arrives (`None`: it was not on screen).
    Png(Receiver<Option<ColorImage>>),
}

impl LadderSave {
    fn extension(&self) -> &'static str {
        match self {
            LadderSave::Svg(_) => "svg",
            LadderSave::Png(_) => "png",
        }
    }
}

impl App {
    /// "Save ladder as …": take the picture now for a PNG, then ask where.
    pub(super) fn choose_ladder(
        &mut self,
        conversation: u32,
        file: LadderFile,
        ctx: &egui::Context,
    ) {
        let what = match file {
            LadderFile::Svg => LadderSave::Svg(conversation),
            LadderFile::Png(rect) => {
                let (tx, rx) = channel();
                let ppp = ctx.pixels_per_point();
                let repaint = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = tx.send(crop(&image, rect, ppp));
                    repaint.request_repaint();
                });
                LadderSave::Png(rx)
            }
        };
        self.choose(Choosing::Ladder(what));
    }

    /// Write the ladder chosen to `path` (`.svg` or `.png` added when it has no
    /// extension) and say so in the status bar.
    pub fn save_ladder(&mut self, path: &Path, what: LadderSave) {
        let path = with_extension(path, what.extension());
        let written = match what {
            LadderSave::Svg(c) => match self.store() {
                Some(store) => write_ladder_svg(store, c, &path),
                None => Err("wait for loading to finish before saving the ladder".into()),
            },
            LadderSave::Png(rx) => match rx.try_recv() {
                Ok(Some(image)) => write_png(&image, &path),
                Ok(None) => Err("the ladder was not on screen: show it and save again".into()),
                Err(_) => Err("the window's picture has not come yet: save again".into()),
            },
        };
        self.status = Some(match written {
            Ok(()) => format!("ladder saved to {}", path.display()),
            Err(e) => format!("ladder not saved: {e}"),
        });
    }
}

/// `path`, with `.ext` added when it has no extension.
fn with_extension(path: &Path, ext: &str) -> PathBuf {
    match path.extension() {
        Some(_) => path.to_path_buf(),
        None => path.with_extension(ext),
    }
}

/// Conversation `c`'s ladder as an SVG file at `path`.
pub fn write_ladder_svg(store: &Store, c: u32, path: &Path) -> Result<(), String> {
    let svg = crate::export::svg::ladder_svg(store, c);
    std::fs::write(path, svg).map_err(|e| format!("could not write {}: {e}", path.display()))
}

fn write_png(image: &ColorImage, path: &Path) -> Result<(), String> {
    let bytes = encode_png(image).map_err(|e| format!("could not encode the picture: {e}"))?;
    std::fs::write(path, bytes).map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// The part of `image` (the window, in physical pixels) under `rect` (in points, at
/// `pixels_per_point`), cut to the image; `None` when none of it is on the image.
pub fn crop(image: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<ColorImage> {
    let [w, h] = image.size;
    // Negative or NaN coordinates become 0; past the edge, the edge.
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.min.x, w), px(rect.max.x, w));
    let (y0, y1) = (px(rect.min.y, h), px(rect.max.y, h));
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    let mut pixels = Vec::with_capacity((x1 - x0) * (y1 - y0));
    for y in y0..y1 {
        pixels.extend_from_slice(image.pixels.get(y * w + x0..y * w + x1)?);
    }
    Some(ColorImage::new([x1 - x0, y1 - y0], pixels))
}

/// `image` as a PNG file's bytes (8-bit RGBA, sRGB).
pub fn encode_png(image: &ColorImage) -> Result<Vec<u8>, png::EncodingError> {
    let [w, h] = image.size;
    let (w, h) = (u32::try_from(w), u32::try_from(h));
    let (Ok(w), Ok(h)) = (w, h) else {
        return Err(png::EncodingError::LimitsExceeded);
    };
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    let data: Vec<u8> = (image.pixels.iter())
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use egui::{pos2, Color32};

    use super::*;

    /// A `w`×`h` image whose pixel (x, y) is (x, y, x + y, 255).
    fn gradient(w: usize, h: usize) -> ColorImage {
        let pixels = (0..h)
            .flat_map(|y| (0..w).map(move |x| Color32::from_rgb(x as u8, y as u8, (x + y) as u8)))
            .collect();
        ColorImage::new([w, h], pixels)
    }

    fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let reader = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = reader.read_info().expect("a PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut buf).expect("a frame");
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    #[test]
    fn crop_then_encode_gives_back_the_pixels_under_the_rect() {
        let image = gradient(40, 30);
        // Points at 2 pixels a point: (5, 4)–(15, 10) is pixels (10, 8)–(30, 20).
        let cut = crop(
            &image,
            Rect::from_min_max(pos2(5.0, 4.0), pos2(15.0, 10.0)),
            2.0,
        )
        .expect("inside");
        assert_eq!(cut.size, [20, 12]);
        let (w, h, rgba) = decode(&encode_png(&cut).expect("encodes"));
        assert_eq!((w, h), (20, 12));
        for y in 0..12 {
            for x in 0..20 {
                let i = (y * 20 + x) * 4;
                let (sx, sy) = (x + 10, y + 8);
                let want = [sx as u8, sy as u8, (sx + sy) as u8, 255];
                assert_eq!(rgba[i..i + 4], want, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn a_rect_past_the_edges_is_cut_to_the_image_and_one_outside_gives_nothing() {
        let image = gradient(10, 10);
        let cut = crop(
            &image,
            Rect::from_min_max(pos2(-5.0, 6.0), pos2(50.0, 50.0)),
            1.0,
        )
        .expect("partly inside");
        assert_eq!(cut.size, [10, 4]);
        assert_eq!(cut.pixels[0], Color32::from_rgb(0, 6, 6));
        let outside = Rect::from_min_max(pos2(20.0, 20.0), pos2(30.0, 30.0));
        assert!(crop(&image, outside, 1.0).is_none());
        assert!(crop(&image, Rect::NOTHING, 1.0).is_none());
        let nan = Rect::from_min_max(pos2(f32::NAN, 0.0), pos2(f32::NAN, 5.0));
        assert!(crop(&image, nan, 1.0).is_none());
    }

    #[test]
    fn names_without_an_extension_get_one() {
        assert_eq!(
            with_extension(Path::new("/t/l"), "png"),
            Path::new("/t/l.png")
        );
        assert_eq!(
            with_extension(Path::new("/t/l.PNG"), "png"),
            Path::new("/t/l.PNG")
        );
    }
}
