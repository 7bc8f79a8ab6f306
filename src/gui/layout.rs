//! How the window shares its room between panes. Each pane has a minimum size
//! in points (so the same at any zoom); when the window is too small for all of
//! them at their minimum, the panes of the selected packet stack one above the
//! other, and then the central area scrolls: no pane is squeezed to nothing or
//! cut off on the right. The splitters between panes move freely within those
//! minimums.

use egui::{vec2, Rect, Role, UiBuilder, Vec2};

/// Rows of the packet list always shown below its header.
pub const LIST_MIN_ROWS: f32 = 3.0;
/// The layers tree of the selected packet.
pub const DETAILS_MIN: Vec2 = vec2(200.0, 96.0);
/// The OSI stack and encapsulation bar (their rows scroll below this).
pub const STACK_MIN: Vec2 = vec2(180.0, 72.0);
/// The bytes: the tabs and a few lines of hex.
pub const BYTES_MIN: Vec2 = vec2(180.0, 72.0);
/// Room between two panes side by side or one above the other (the splitter).
pub const GAP: f32 = 12.0;
/// The colour legend's width: at least this, at most this share of the window.
pub const LEGEND_MIN_WIDTH: f32 = 120.0;
pub const LEGEND_MAX_SHARE: f32 = 0.35;

/// How the panes of the selected packet are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrange {
    /// The layers on the left; the OSI stack above the bytes on the right.
    Columns,
    /// The layers, the OSI stack and the bytes one above the other.
    Stacked,
}

/// The arrangement that fits `width` points.
pub fn arrange(width: f32) -> Arrange {
    if width >= DETAILS_MIN.x + STACK_MIN.x.max(BYTES_MIN.x) + GAP {
        Arrange::Columns
    } else {
        Arrange::Stacked
    }
}

/// The least height the selected packet's panes need when `width` wide.
pub fn selected_min_height(width: f32) -> f32 {
    match arrange(width) {
        Arrange::Columns => DETAILS_MIN.y.max(STACK_MIN.y + GAP + BYTES_MIN.y),
        Arrange::Stacked => DETAILS_MIN.y + STACK_MIN.y + BYTES_MIN.y + 2.0 * GAP,
    }
}

/// How the list and the selected packet share `height` points: with a
/// splitter between them, or (too little room for both minimums) one below the
/// other at their minimums in a scrolling area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    Splitter,
    /// Each gets this height; the central area scrolls.
    Scroll {
        list: f32,
        selected: f32,
    },
}

pub fn split(height: f32, list_min: f32, selected_min: f32) -> Split {
    if height >= list_min + GAP + selected_min {
        Split::Splitter
    } else {
        Split::Scroll {
            list: list_min,
            selected: selected_min.max(height - list_min - GAP),
        }
    }
}

/// The packet list's fixed columns (No., Time, Source, Destination, Protocol,
/// Length): their natural widths, and the least they shrink to (truncated with
/// "…", the whole text on hover).
const COLUMNS_NATURAL: [f32; 6] = [56.0, 92.0, 140.0, 140.0, 80.0, 56.0];
pub const COLUMNS_MIN: [f32; 6] = [28.0, 48.0, 52.0, 52.0, 44.0, 30.0];
/// The Info column keeps at least this, and while the others can shrink, at
/// least [`INFO_SHARE`] of the list's width.
pub const INFO_MIN: f32 = 80.0;
pub const INFO_SHARE: f32 = 0.3;

/// Initial widths of the list's fixed columns in a list `width` points wide,
/// `spacing` between columns: natural when Info keeps its room, else shrunk in
/// proportion, down to their minimums.
pub fn list_columns(width: f32, spacing: f32) -> [f32; 6] {
    let room = width - (width * INFO_SHARE).max(INFO_MIN) - 6.0 * spacing;
    let natural: f32 = COLUMNS_NATURAL.iter().sum();
    let least: f32 = COLUMNS_MIN.iter().sum();
    let t = ((room - least) / (natural - least)).clamp(0.0, 1.0);
    std::array::from_fn(|i| COLUMNS_MIN[i] + t * (COLUMNS_NATURAL[i] - COLUMNS_MIN[i]))
}

/// The least width that shows every column of the list at its minimum; a
/// narrower list scrolls sideways rather than cutting off Info.
pub fn list_min_width(spacing: f32) -> f32 {
    COLUMNS_MIN.iter().sum::<f32>() + INFO_MIN + 6.0 * spacing
}

/// Draw `add` as a pane named `name` in the accessibility tree, with its
/// rectangle (screen readers and the layout tests find it by that name).
pub fn pane_ui<R>(ui: &mut egui::Ui, name: &str, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let builder = UiBuilder::new()
        .accessibility_label(name)
        .accessibility_role(Role::Pane);
    let out = ui.scope_builder(builder, add);
    let r = out.response.rect;
    ui.ctx().accesskit_node_builder(out.response.id, |node| {
        node.set_bounds(egui::accesskit::Rect {
            x0: r.min.x.into(),
            y0: r.min.y.into(),
            x1: r.max.x.into(),
            y1: r.max.y.into(),
        });
    });
    out.inner
}

/// Allocate `size` at the cursor and draw `add` inside it, clipped to it (see [`area_ui`]).
pub fn region_ui<R>(
    ui: &mut egui::Ui,
    size: Vec2,
    name: &str,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    area_ui(ui, rect, name, add)
}

/// Draw `add` inside `rect` (already allocated), clipped to it. The area's ids
/// come from `name` alone, not from where it is drawn, so what is inside keeps
/// its state (scroll offsets, folded layers) when the layout changes around it.
pub fn area_ui<R>(
    ui: &mut egui::Ui,
    rect: Rect,
    name: &str,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let builder = UiBuilder::new()
        .max_rect(rect)
        .scope_id(egui::Id::unique(("layerscope_area", name)));
    let mut child = ui.new_child(builder);
    child.shrink_clip_rect(rect);
    add(&mut child)
}

/// Which way a [`split`] divides its rectangle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// One beside the other, a vertical splitter between.
    Beside,
    /// One above the other, a horizontal splitter between.
    Above,
}

/// How [`split_ui`] divides a rectangle: the first part's share (kept while the
/// window or the zoom changes, so the panes keep their proportions) and the
/// least each part gets.
pub struct Splitter {
    pub id: egui::Id,
    pub cut: Cut,
    /// The first part's share when the user has not moved the splitter.
    pub share: f32,
    pub first_min: f32,
    pub second_min: f32,
}

/// Divide `rect` in two with a splitter the user drags; returns the two parts.
/// Each keeps its minimum while the rectangle allows both; when it does not,
/// the first keeps its minimum (the caller makes room by scrolling).
pub fn split_ui(ui: &mut egui::Ui, rect: Rect, s: &Splitter) -> (Rect, Rect) {
    let axis = usize::from(s.cut == Cut::Above);
    let total = (rect.size()[axis] - GAP).max(0.0);
    let share = ui
        .ctx()
        .data(|d| d.get_temp::<f32>(s.id))
        .unwrap_or(s.share);
    let first = (share * total)
        .min(total - s.second_min)
        .max(s.first_min)
        .round();
    let (a, rest) = cut_at(rect, s.cut, rect.min[axis] + first);
    let (bar, b) = cut_at(rest, s.cut, rest.min[axis] + GAP);
    let handle = ui.interact(bar, s.id.with("handle"), egui::Sense::drag());
    if let Some(p) = handle.interact_pointer_pos().filter(|_| handle.dragged()) {
        let wanted = p[axis] - rect.min[axis] - GAP / 2.0;
        let share = (wanted / total.max(1.0)).clamp(0.0, 1.0);
        ui.ctx().data_mut(|d| d.insert_temp(s.id, share));
    }
    let hot = handle.hovered() || handle.dragged();
    if hot {
        ui.ctx().set_cursor_icon(match s.cut {
            Cut::Beside => egui::CursorIcon::ResizeHorizontal,
            Cut::Above => egui::CursorIcon::ResizeVertical,
        });
    }
    let visuals = ui.visuals();
    let stroke = if hot {
        visuals.widgets.hovered.fg_stroke
    } else {
        visuals.widgets.noninteractive.bg_stroke
    };
    let c = bar.center();
    match s.cut {
        Cut::Beside => ui.painter().vline(c.x, bar.y_range(), stroke),
        Cut::Above => ui.painter().hline(bar.x_range(), c.y, stroke),
    };
    (a, b)
}

/// `rect` cut at `at` (an x for [`Cut::Beside`], a y for [`Cut::Above`]).
fn cut_at(rect: Rect, cut: Cut, at: f32) -> (Rect, Rect) {
    let at = at.clamp(
        rect.min[usize::from(cut == Cut::Above)],
        rect.max[usize::from(cut == Cut::Above)],
    );
    match cut {
        Cut::Beside => (
            Rect::from_min_max(rect.min, egui::pos2(at, rect.max.y)),
            Rect::from_min_max(egui::pos2(at, rect.min.y), rect.max),
        ),
        Cut::Above => (
            Rect::from_min_max(rect.min, egui::pos2(rect.max.x, at)),
            Rect::from_min_max(egui::pos2(rect.min.x, at), rect.max),
        ),
    }
}

/// A bottom bar as tall as its content was last frame. (A panel keeps the
/// largest size it ever had, which would leave a status bar that wrapped onto
/// two lines at a high zoom two lines tall after it fits on one again.)
pub fn fitted_bottom_ui(ui: &mut egui::Ui, name: &str, add: impl FnOnce(&mut egui::Ui)) {
    let id = egui::Id::unique(("fitted_bottom", name));
    let frame = egui::Frame::side_top_panel(ui.style());
    let margin = frame.total_margin().sum().y;
    let last = ui.ctx().data(|d| d.get_temp::<f32>(id));
    let line = ui.spacing().interact_size.y + margin;
    let panel = egui::Panel::bottom(name)
        .resizable(false)
        .frame(frame)
        .exact_size(last.unwrap_or(line));
    let content = panel.show(ui, |ui| ui.scope(add).response.rect.height());
    let height = (content.inner + margin).max(line).round();
    if last != Some(height) {
        ui.ctx().data_mut(|d| d.insert_temp(id, height));
        ui.ctx().request_repaint();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_selections_stack_and_their_minimum_grows() {
        assert_eq!(arrange(800.0), Arrange::Columns);
        assert_eq!(arrange(300.0), Arrange::Stacked);
        assert!(selected_min_height(300.0) > selected_min_height(800.0));
    }

    #[test]
    fn the_list_and_the_selection_scroll_when_both_minimums_do_not_fit() {
        assert_eq!(split(400.0, 100.0, 150.0), Split::Splitter);
        assert_eq!(
            split(200.0, 100.0, 150.0),
            Split::Scroll {
                list: 100.0,
                selected: 150.0
            }
        );
    }

    #[test]
    fn list_columns_shrink_to_leave_info_its_room_but_not_below_their_minimum() {
        let wide = list_columns(1600.0, 8.0);
        assert_eq!(wide, COLUMNS_NATURAL);
        let width = 600.0;
        let fitted = list_columns(width, 8.0);
        let info = width - fitted.iter().sum::<f32>() - 6.0 * 8.0;
        assert!((info - width * INFO_SHARE).abs() < 0.01, "Info gets {info}");
        assert!(fitted.iter().zip(COLUMNS_MIN).all(|(w, m)| *w >= m));
        assert_eq!(list_columns(200.0, 8.0), COLUMNS_MIN);
        assert!(list_min_width(8.0) > 200.0);
    }
}
