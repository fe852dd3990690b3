//! The conversation picker: each conversation's name and type, what the archive holds
//! of it (messages archived, when the newest was sent, how many are new since you
//! last looked), and its ids.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::text;

use super::{list, theme};
use crate::tui::store::local_time;

/// `s` right-aligned in `cols` columns (cut when longer).
fn right(s: &str, cols: usize) -> String {
    let s = text::fit(s, cols);
    format!("{}{s}", " ".repeat(cols.saturating_sub(text::width(&s))))
}

/// Column widths. The type ends the row; the ids give way first on a narrow terminal.
const NAME_COLS: usize = 28;
const COUNT_COLS: usize = 8;
const NEWEST_COLS: usize = 16;
const NEW_COLS: usize = 5;
const ID_COLS: usize = 20;
const APP_COLS: usize = 8;
const TYPE_COLS: usize = 10;

/// Which of the optional columns fit in `width`.
fn shown_ids(width: usize) -> (bool, bool) {
    let base = 1 + NAME_COLS + 1 + COUNT_COLS + 1 + NEWEST_COLS + 1 + NEW_COLS + 1 + TYPE_COLS;
    let with_id = base + ID_COLS + 1;
    (width >= with_id, width > with_id + APP_COLS)
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let buf = frame.buffer_mut();
    let (show_id, show_app) = shown_ids(usize::from(area.width));
    let mut header = format!(
        " {} {} {} {} ",
        text::fit_pad("Name", NAME_COLS),
        right("Archived", COUNT_COLS),
        text::fit_pad("Newest", NEWEST_COLS),
        right("New", NEW_COLS),
    );
    if show_id {
        header.push_str(&text::fit_pad("Conversation", ID_COLS));
        header.push(' ');
    }
    if show_app {
        header.push_str(&text::fit_pad("App", APP_COLS));
        header.push(' ');
    }
    header.push_str("Type");
    buf.set_line(
        area.x,
        area.y,
        &Line::styled(header, theme::heading()),
        area.width,
    );
    let rows = layout::picker_rows(area);
    let targets = app.targets();
    if targets.is_empty() && rows.height > 0 {
        let line = Line::styled(" no conversations configured", theme::dim());
        buf.set_line(rows.x, rows.y, &line, rows.width);
        return;
    }
    let picker = app.picker();
    for (i, target) in targets
        .iter()
        .enumerate()
        .skip(picker.offset)
        .take(usize::from(rows.height))
    {
        let y = rows.y + (i - picker.offset) as u16;
        let row = Rect::new(rows.x, y, rows.width, 1);
        let selected = i == picker.selected;
        if selected {
            buf.set_style(row, theme::selected_row(true));
        }
        let name = app.conversation_name(target).unwrap_or("(unnamed)");
        // `…` while the type is being asked for; `?` when the answer did not say.
        let kind = match app.kind_of(target) {
            Some(k) => k.label(),
            None if app.info_settled(target) => "?".to_owned(),
            None => "…".to_owned(),
        };
        let overview = app.overview();
        let figures = overview.figures(target.app_id, target.conversation);
        // Blank without an archive (or before its figures are read), not a false 0.
        let count = if overview.is_read() {
            figures.messages.to_string()
        } else {
            String::new()
        };
        let newest = local_time(figures.newest_time, &app.tz)
            .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let new = match overview.new_since(target.app_id, target.conversation) {
            Some(0) | None => String::new(),
            Some(n) => n.to_string(),
        };
        let mut spans = vec![
            list::mark(selected),
            Span::styled(
                text::fit_pad(&text::one_line(name, NAME_COLS), NAME_COLS),
                theme::bold(),
            ),
            Span::raw(" "),
            Span::raw(right(&count, COUNT_COLS)),
            Span::raw(" "),
            Span::styled(text::fit_pad(&newest, NEWEST_COLS), theme::dim()),
            Span::raw(" "),
            Span::styled(right(&new, NEW_COLS), theme::bold()),
            Span::raw(" "),
        ];
        if show_id {
            spans.push(Span::raw(text::fit_pad(
                &target.conversation.to_string(),
                ID_COLS,
            )));
            spans.push(Span::raw(" "));
        }
        if show_app {
            spans.push(Span::styled(
                text::fit_pad(&target.app_id.to_string(), APP_COLS),
                theme::dim(),
            ));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::raw(kind));
        let line = Line::from(spans);
        buf.set_line(row.x, row.y, &line, row.width);
    }
}
