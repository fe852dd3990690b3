//! The detail pane: the selected message in full, wrapped lazily from its scroll
//! position.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use crate::tui::app::{App, Focus};
use crate::tui::detail::{DocLine, LineKind};
use crate::tui::layout;
use crate::tui::text;

use super::theme;

fn style_of(kind: LineKind) -> Style {
    match kind {
        LineKind::Heading => theme::heading(),
        LineKind::Field | LineKind::Content | LineKind::Blank => Style::new(),
        LineKind::Note => theme::dim(),
        LineKind::Defect => theme::error(),
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(view) = app.view() else {
        return;
    };
    let focused = app.focus() == Focus::Detail;
    let inner = layout::detail_inner(area);
    let doc = view.detail();
    let rows = doc.rows(
        view.detail_scroll(),
        inner.width,
        usize::from(inner.height) + 1,
    );
    let more_below = rows.len() > usize::from(inner.height);
    let more_above = view.detail_scroll() != Default::default();
    let mut title = String::from(" Message ");
    if more_above {
        title.push_str("↑ ");
    }
    if more_below {
        title.push_str("↓ ");
    }
    let hint = if focused {
        " Tab: back "
    } else {
        " Tab: scroll "
    };
    Block::new()
        .borders(Borders::ALL)
        .border_style(theme::border(focused))
        .title(title)
        .title_bottom(Line::from(hint).right_aligned())
        .render(area, frame.buffer_mut());
    if inner.is_empty() {
        return;
    }
    let buf = frame.buffer_mut();
    if view.selected().is_none() {
        buf.set_line(
            inner.x,
            inner.y,
            &Line::styled("no message selected", theme::dim()),
            inner.width,
        );
        return;
    }
    for (i, row) in rows.iter().take(usize::from(inner.height)).enumerate() {
        let line: &DocLine = &doc.lines[row.line];
        let indent = usize::from(line.indent.min(inner.width));
        let lead = if row.is_first() && !line.label.is_empty() {
            Span::styled(text::fit_pad(&line.label, indent), theme::dim())
        } else {
            Span::raw(" ".repeat(indent))
        };
        let body = &line.text[row.start..row.end];
        let body = if line.kind == LineKind::Heading {
            Span::styled(format!("── {body} ──"), style_of(line.kind))
        } else {
            Span::styled(body, style_of(line.kind))
        };
        buf.set_line(
            inner.x,
            inner.y + i as u16,
            &Line::from(vec![lead, body]),
            inner.width,
        );
    }
}
