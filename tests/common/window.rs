//! The window on a bundled sample, loaded, for the headless GUI tests.

use std::path::Path;

use egui_kittest::Harness;
use layerscope::gui::app::App;
use layerscope::gui::loader::Input;
use layerscope::gui::settings::Settings;

/// `app` on `samples/NAME`, loaded, in a window of `size` points, after its first frames.
pub fn window_with(mut app: App, name: &str, size: [f32; 2]) -> Harness<'static, App> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    app.open(Input::File(path), &egui::Context::default());
    app.wait_loaded();
    let mut h = Harness::builder()
        .with_size(egui::vec2(size[0], size[1]))
        .build_ui_state(|ui, app: &mut App| app.ui(ui), app);
    h.run_steps(4);
    h
}

/// The window (default settings, 1280×800) on `samples/NAME`, loaded, its first packet
/// selected.
pub fn window_on(name: &str) -> Harness<'static, App> {
    window_with(App::new(Settings::default(), None), name, [1280.0, 800.0])
}
