//! The desktop inspector (eframe + egui), the only part of layerscope that
//! knows egui. It drives the same library as the CLI and the tests.
//!
//! - [`app`]: the window, its panels and the actions they return.
//! - [`loader`]: loading off the UI thread, with progress and Cancel.
//! - [`model`]: packet-list rows, described only when shown.
//! - [`packet_list`], [`details`], [`bytes`], [`stack`]: the panes.
//! - [`filter_bar`]: display filters on a worker thread.
//! - [`live`], [`capture_dialog`]: live capture (the spool followed by a worker, the
//!   interfaces and capture filter).
//! - [`views`]: conversations, the ladder diagram, messages, Follow Stream.
//! - [`tcp_states`]: both ends' TCP states at the selected packet.
//! - [`worked`]: the selected packet's worked computations, step by step.
//! - [`replay`], [`presenter`]: the classroom's step-through replay and presenter mode (F5).
//! - lessons (`lesson.rs`, part of [`app`]): the lesson bar, Help ▸ Lessons, File ▸ Open Lesson…;
//!   [`challenge`]: a step's question, checked.
//! - the welcome page (`welcome.rs`, part of [`app`]): at launch without a file, and Help ▸ Welcome.
//! - [`theme`], [`settings`], [`file_dialog`].
//!
//! Renderers: eframe does not fall back from one renderer to another by
//! itself, so [`run`] tries OpenGL (glow) first and then wgpu (Vulkan), or the
//! one named by `LAYERSCOPE_RENDERER=glow|wgpu`, and says plainly what to
//! install when neither starts.

pub mod app;
pub mod bytes;
pub mod capture_dialog;
pub mod challenge;
pub mod details;
pub mod encapsulation;
pub mod file_dialog;
pub mod filter_bar;
pub mod layout;
pub mod live;
pub mod loader;
pub mod model;
pub mod packet_list;
pub mod presenter;
pub mod replay;
pub mod settings;
pub mod stack;
pub mod tcp_states;
pub mod theme;
pub mod views;
pub mod worked;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use app::App;
use settings::Settings;

/// Open the window on `file` (`-`: standard input, read as it comes), or on the welcome
/// page with the bundled sample loaded behind it.
pub fn run(file: Option<&Path>) -> ExitCode {
    if file == Some(Path::new("-")) {
        let factory = live::ReaderSource::factory(std::io::stdin());
        return launch(Arc::new(move |app, ctx| {
            app.read_stream(factory.clone(), ctx)
        }));
    }
    let file = file.map(Path::to_path_buf);
    launch(Arc::new(move |app, ctx| app.at_launch(file.clone(), ctx)))
}

/// Open the window on `lesson`, at its first step.
pub fn run_lesson(lesson: crate::lessons::Lesson) -> ExitCode {
    launch(Arc::new(move |app, ctx| {
        app.start_lesson(lesson.clone(), ctx)
    }))
}

/// Open the window with `iface` selected in the capture dialog and `filter` filled in;
/// with `start` (`-k`), capture at once.
pub fn run_live(iface: String, filter: Option<String>, start: bool) -> ExitCode {
    launch(Arc::new(move |app, ctx| {
        app.capture.preset(&iface, filter.as_deref());
        match app.capture.options() {
            Ok(o) if start => app.start_capture(o, ctx),
            _ => app.capture.open = true,
        }
    }))
}

type Setup = Arc<dyn Fn(&mut App, &egui::Context) + Send + Sync>;

fn launch(setup: Setup) -> ExitCode {
    let renderers: Vec<eframe::Renderer> = match std::env::var("LAYERSCOPE_RENDERER").as_deref() {
        Ok("glow") => vec![eframe::Renderer::Glow],
        Ok("wgpu") => vec![eframe::Renderer::Wgpu],
        _ => vec![eframe::Renderer::Glow, eframe::Renderer::Wgpu],
    };
    let mut errors = Vec::new();
    for renderer in renderers {
        let options = eframe::NativeOptions {
            renderer,
            viewport: egui::ViewportBuilder::default()
                .with_title("layerscope")
                .with_inner_size([1280.0, 800.0])
                .with_min_inner_size([640.0, 400.0])
                .with_drag_and_drop(true),
            ..Default::default()
        };
        let setup = setup.clone();
        let started = eframe::run_native(
            "layerscope",
            options,
            Box::new(move |cc| {
                let path = Settings::default_path();
                let settings = path.as_deref().map(Settings::load).unwrap_or_default();
                let mut app = App::new(settings, path);
                // Spools a crash or a kill left behind are offered first.
                let dir = crate::live::spool::dir();
                app.offer_leftovers(crate::live::spool::leftovers(&dir), &cc.egui_ctx);
                setup(&mut app, &cc.egui_ctx);
                Ok(Box::new(Window(app)))
            }),
        );
        match started {
            Ok(()) => return ExitCode::SUCCESS,
            Err(e) => errors.push(format!("{renderer:?}: {e}")),
        }
    }
    eprintln!(
        "layerscope: the window could not start ({}).\n\
         It needs OpenGL (Debian: libgl1 libegl1 libgl1-mesa-dri) or Vulkan (libvulkan1 mesa-vulkan-drivers),\n\
         and a display (X11 or Wayland). Without one, use the command line: layerscope inspect FILE",
        errors.join("; ")
    );
    ExitCode::from(2)
}

struct Window(App);

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.ui(ui);
    }
}
