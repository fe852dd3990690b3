//! The status bar: where you are, what is loaded, what is going on, what went wrong.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, Screen};
use crate::tui::keys::SHORT_HINT;
use crate::tui::text;

use super::{spinner, theme};

/// The longest error text shown; the log has all of it.
pub const ERROR_MAX_COLS: usize = 200;

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let buf = frame.buffer_mut();
    buf.set_style(area, theme::status_bar());
    let mut spans: Vec<Span<'static>> = Vec::new();
    if app.is_demo {
        spans.push(Span::styled(" DEMO ", theme::demo_badge()));
        spans.push(Span::raw(" "));
    }
    match (app.screen(), app.view()) {
        (Screen::Conversation, Some(view)) => {
            let t = &view.target;
            let name = t
                .name
                .clone()
                .or_else(|| app.info(t).and_then(|i| i.name.clone()))
                .filter(|n| !n.trim().is_empty());
            let label = match name {
                Some(n) => format!("{} · {}", text::one_line(&n, 40), t.conversation),
                None => format!("conversation {}", t.conversation),
            };
            spans.push(Span::styled(label, theme::bold()));
            spans.push(Span::raw(format!(" · {} loaded", view.store.len())));
            if app.is_fetching() {
                spans.push(Span::raw(" "));
                spans.push(Span::styled(spinner(app), theme::gutter()));
            }
            if let Some(e) = view.error.as_ref().or(app.side_error.as_ref()) {
                spans.push(Span::raw("  "));
                spans.push(Span::styled(
                    format!("⚠ {}", text::one_line(e, ERROR_MAX_COLS)),
                    theme::error(),
                ));
            }
            if let Some(n) = &view.notice {
                spans.push(Span::raw("  "));
                spans.push(Span::styled(
                    text::one_line(n, ERROR_MAX_COLS),
                    theme::dim(),
                ));
            }
        }
        _ => {
            let n = app.targets().len();
            spans.push(Span::styled(
                format!("{n} conversation{}", if n == 1 { "" } else { "s" }),
                theme::bold(),
            ));
            spans.push(Span::styled(" · Enter opens", theme::dim()));
        }
    }
    let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    let hint_w = text::width(SHORT_HINT) + 1;
    let first = Rect::new(area.x, area.y, area.width, 1);
    buf.set_line(first.x, first.y, &Line::from(spans), first.width);
    if used + hint_w < usize::from(area.width) {
        let x = area.x + area.width - hint_w as u16;
        buf.set_line(
            x,
            area.y,
            &Line::styled(format!("{SHORT_HINT} "), theme::dim()),
            hint_w as u16,
        );
    }
    if area.height >= 2
        && app.is_demo
        && let Some(hint) = &app.demo_hint
    {
        let line = Line::styled(text::one_line(hint, usize::from(area.width)), theme::dim());
        buf.set_line(area.x, area.y + 1, &line, area.width);
    }
}
