//! The packet list: virtualized (only the visible rows are described), coloured
//! by what each packet is in the story, with the handshake badge; the keyboard
//! moves the selection and the list follows it.

use egui::{Color32, Key, RichText};
use egui_extras::{Column, TableBuilder};

use super::layout::{list_columns, list_min_width, COLUMNS_MIN, INFO_MIN, LIST_MIN_ROWS};
use super::model::{Row, RowCache, Source, TimeFormat};
use crate::store::Store;

/// What the list needs from the window.
pub struct ListState<'a> {
    pub source: &'a Source,
    /// The store as far as it is filled (rows after it decode their packet alone).
    pub store: Option<&'a Store>,
    /// The packets shown (indexes), or all when `None`.
    pub shown: Option<&'a [u32]>,
    pub selected: Option<u32>,
    pub time: TimeFormat,
    pub cache: &'a mut RowCache,
    pub dark: bool,
    /// Scroll so that the selection is visible (set after a keyboard move).
    pub scroll_to_selected: bool,
    /// Keep the newest row in view (a live capture); turned off here when the user
    /// scrolls up.
    pub follow: bool,
    /// The list's scroll offset last frame, to notice the user scrolling up.
    pub scroll_offset: f32,
    /// Rows the list had last frame (following scrolls when it changes).
    pub rows_before: usize,
}

/// A row's height in the list.
fn row_height(ui: &egui::Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Body) + 4.0
}

/// The least height that shows the header and [`LIST_MIN_ROWS`] rows.
pub fn list_min_height(ui: &egui::Ui) -> f32 {
    // Rows are spaced by the item spacing, the header too.
    let pitch = row_height(ui) + ui.spacing().item_spacing.y;
    pitch + 2.0 + LIST_MIN_ROWS * pitch + 4.0
}

/// Draw the list; returns the packet clicked, if any. Narrower than its columns'
/// minimums (a very high zoom), it scrolls sideways rather than cut off Info.
pub fn packet_list_ui(ui: &mut egui::Ui, st: &mut ListState<'_>) -> Option<u32> {
    let least = list_min_width(ui.spacing().item_spacing.x);
    if ui.available_width() >= least {
        return table_ui(ui, st);
    }
    egui::ScrollArea::horizontal()
        .id_salt("packet_list_sideways")
        .auto_shrink(false)
        .show(ui, |ui| {
            let h = ui.available_height();
            ui.allocate_ui(egui::vec2(least, h), |ui| table_ui(ui, st))
                .inner
        })
        .inner
}

/// Add the columns: the fixed ones at `widths` (used until the user resizes
/// them), Info taking what is left.
fn with_columns(mut table: TableBuilder<'_>, widths: [f32; 6]) -> TableBuilder<'_> {
    for (w, least) in widths.into_iter().zip(COLUMNS_MIN) {
        table = table.column(Column::initial(w).at_least(least).clip(true));
    }
    table.column(
        Column::remainder()
            .at_least(INFO_MIN)
            .resizable(false)
            .clip(true),
    )
}

fn table_ui(ui: &mut egui::Ui, st: &mut ListState<'_>) -> Option<u32> {
    // A live capture is read through the store (held for the frame), so the rows and
    // their count agree with what this frame sees.
    let cap = (st.source.capture()).or(st.store.map(|s| &*s.capture))?;
    let n = st.shown.map_or(cap.len(), <[u32]>::len);
    let row_h = row_height(ui);
    let mut clicked = None;
    let pos_of = |st: &ListState<'_>, p: u32| match st.shown {
        Some(v) => v.binary_search(&p).ok(),
        None => Some(p as usize),
    };
    // Columns resized by the user keep their widths until they no longer fit
    // (the window or the zoom changed); then they are fitted to the width again.
    let width = ui.available_width();
    let spacing = ui.spacing().item_spacing.x;
    let widths_id = ui.scope_id().with("packet_list_widths");
    let used: Option<f32> = ui.data(|d| d.get_temp(widths_id));
    let refit = used.is_some_and(|u| u + 6.0 * spacing + INFO_MIN > width + 0.5);
    let table = TableBuilder::new(ui)
        .id_salt("packet_list")
        .striped(false)
        .resizable(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .min_scrolled_height(0.0)
        .max_scroll_height(f32::INFINITY);
    if refit {
        table.reset();
    }
    let mut table = with_columns(table, list_columns(width, spacing));
    if st.scroll_to_selected {
        if let Some(pos) = st.selected.and_then(|p| pos_of(st, p)) {
            table = table.scroll_to_row(pos, None);
        }
        st.scroll_to_selected = false;
    }
    // Following: scroll to the newest row when rows arrive (not every frame, so a
    // scroll up by the user in between is seen, and pauses following).
    let scrolled = st.follow && n > 0 && n != st.rows_before;
    if scrolled {
        table = table
            .scroll_to_row(n - 1, Some(egui::Align::BOTTOM))
            .animate_scrolling(false);
    }
    st.rows_before = n;
    let out = table
        .header(row_h + 2.0, |mut h| {
            for title in [
                "No.",
                "Time",
                "Source",
                "Destination",
                "Protocol",
                "Length",
                "Info",
            ] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|mut body| {
            let used: f32 = body.widths()[..6].iter().sum();
            body.ui_mut().data_mut(|d| d.insert_temp(widths_id, used));
            body.rows(row_h, n, |mut row| {
                let pos = row.index();
                let index = st.shown.map_or(pos as u32, |v| v[pos]);
                let r: Row = st.cache.get(cap, st.store, index, st.time);
                let selected = st.selected == Some(index);
                row.set_selected(selected);
                let bg = r.kind.background(st.dark);
                let text = |s: &str| {
                    let t = RichText::new(s);
                    if bg.is_some() && !selected {
                        t.color(if st.dark {
                            Color32::from_gray(230)
                        } else {
                            Color32::from_gray(20)
                        })
                    } else {
                        t
                    }
                };
                let cell = |ui: &mut egui::Ui, s: &str| {
                    if let (Some(c), false) = (bg, selected) {
                        ui.painter().rect_filled(
                            ui.max_rect()
                                .expand2(egui::vec2(ui.spacing().item_spacing.x, 1.0)),
                            0.0,
                            c,
                        );
                    }
                    ui.add(egui::Label::new(text(s)).truncate().selectable(false));
                };
                row.col(|ui| cell(ui, &r.number.to_string()));
                row.col(|ui| cell(ui, &r.time));
                row.col(|ui| cell(ui, &r.src));
                row.col(|ui| cell(ui, &r.dst));
                row.col(|ui| cell(ui, r.protocol));
                row.col(|ui| cell(ui, &r.len.to_string()));
                row.col(|ui| {
                    if let (Some(c), false) = (bg, selected) {
                        ui.painter().rect_filled(
                            ui.max_rect()
                                .expand2(egui::vec2(ui.spacing().item_spacing.x, 1.0)),
                            0.0,
                            c,
                        );
                    }
                    if let Some(b) = r.badge {
                        ui.label(
                            RichText::new(b)
                                .strong()
                                .background_color(Color32::from_rgb(0x2e, 0x7d, 0x32))
                                .color(Color32::WHITE),
                        );
                    }
                    ui.add(egui::Label::new(text(&r.info)).truncate().selectable(false));
                });
                if row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    let offset = out.state.clamped_offset().y;
    if st.follow && !scrolled && offset < st.scroll_offset - 0.5 {
        st.follow = false;
    }
    st.scroll_offset = offset;
    clicked
}

/// A keyboard move of the selection over `n` shown rows: the new position.
pub fn key_move(ctx: &egui::Context, pos: Option<usize>, n: usize, page: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let last = n - 1;
    let (down, up, pgdn, pgup, home, end) = ctx.input(|i| {
        (
            i.key_pressed(Key::ArrowDown),
            i.key_pressed(Key::ArrowUp),
            i.key_pressed(Key::PageDown),
            i.key_pressed(Key::PageUp),
            i.key_pressed(Key::Home),
            i.key_pressed(Key::End),
        )
    });
    let cur = pos.unwrap_or(0);
    let next = if home {
        0
    } else if end {
        last
    } else if down {
        if pos.is_none() {
            0
        } else {
            (cur + 1).min(last)
        }
    } else if up {
        cur.saturating_sub(1)
    } else if pgdn {
        (cur + page).min(last)
    } else if pgup {
        cur.saturating_sub(page)
    } else {
        return None;
    };
    Some(next)
}
