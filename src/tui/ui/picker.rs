//! The conversation picker: name, id and type of each configured conversation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::App;
use crate::tui::layout;
use crate::tui::text;

use super::{list, theme};

/// Column widths: name, conversation id, app id.
const NAME_COLS: usize = 28;
const ID_COLS: usize = 21;
const APP_COLS: usize = 11;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let buf = frame.buffer_mut();
    let header = format!(
        " {} {} {} {}",
        text::fit_pad("Name", NAME_COLS),
        text::fit_pad("Conversation", ID_COLS),
        text::fit_pad("App", APP_COLS),
        "Type"
    );
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
        let line = Line::from(vec![
            list::mark(selected),
            Span::styled(
                text::fit_pad(&text::one_line(name, NAME_COLS), NAME_COLS),
                theme::bold(),
            ),
            Span::raw(" "),
            Span::raw(text::fit_pad(&target.conversation.to_string(), ID_COLS)),
            Span::raw(" "),
            Span::styled(
                text::fit_pad(&target.app_id.to_string(), APP_COLS),
                theme::dim(),
            ),
            Span::raw(" "),
            Span::raw(kind),
        ]);
        buf.set_line(row.x, row.y, &line, row.width);
    }
}
