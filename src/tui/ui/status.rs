//! The status bar: where you are, what is loaded, what is going on, what went wrong.
//! When space is short, the conversation's name gives way first, then the notice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::tui::app::{App, Screen};
use crate::tui::keys::SHORT_HINT;
use crate::tui::text;

use super::{spinner, theme};

/// The longest error text shown; the log has all of it.
pub const ERROR_MAX_COLS: usize = 200;
/// The conversation name never shrinks below this while an error needs room.
const NAME_MIN_COLS: usize = 12;

fn width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text::width(&s.content)).sum()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    let cols = usize::from(area.width);
    let buf = frame.buffer_mut();
    buf.set_style(area, theme::status_bar());
    let mut head: Vec<Span<'static>> = Vec::new();
    if app.is_demo {
        head.push(Span::styled(" DEMO ", theme::demo_badge()));
        head.push(Span::raw(" "));
    }
    // (name, what follows it, an error, a notice)
    let (name, mut tail, error, notice): (
        String,
        Vec<Span<'static>>,
        Option<String>,
        Option<String>,
    ) = match (app.screen(), app.view()) {
        (Screen::Conversation, Some(view)) => {
            let t = &view.target;
            let name = t
                .name
                .clone()
                .or_else(|| app.info(t).and_then(|i| i.name.clone()))
                .filter(|n| !n.trim().is_empty());
            let label = match name {
                Some(n) => format!("{} · {}", text::one_line(&n, 60), t.conversation),
                None => format!("conversation {}", t.conversation),
            };
            let mut tail = vec![Span::raw(format!(" · {} loaded", view.store.len()))];
            if app.is_fetching() {
                tail.push(Span::raw(" "));
                tail.push(Span::styled(spinner(app), theme::gutter()));
            }
            let error = view
                .error
                .as_ref()
                .or(app.side_error.as_ref())
                .map(|e| format!("⚠ {}", text::one_line(e, ERROR_MAX_COLS)));
            let notice = view
                .notice
                .as_ref()
                .map(|n| text::one_line(n, ERROR_MAX_COLS));
            (label, tail, error, notice)
        }
        _ => {
            let n = app.targets().len();
            let label = format!("{n} conversation{}", if n == 1 { "" } else { "s" });
            (
                label,
                vec![Span::styled(" · Enter opens", theme::dim())],
                None,
                None,
            )
        }
    };
    let hint_w = text::width(SHORT_HINT) + 1;
    let fixed = width(&head) + width(&tail);
    let extras = error.as_ref().map_or(0, |e| text::width(e) + 2)
        + notice.as_ref().map_or(0, |n| text::width(n) + 2);
    let room = cols.saturating_sub(fixed);
    let name_room = if text::width(&name) + extras + hint_w <= room {
        room
    } else {
        room.saturating_sub(extras + hint_w)
            .max(NAME_MIN_COLS.min(room))
    };
    head.push(Span::styled(
        text::fit(&name, name_room).into_owned(),
        theme::bold(),
    ));
    head.append(&mut tail);
    let mut add = |s: Option<String>, style: Style| {
        if let Some(s) = s {
            head.push(Span::raw("  "));
            head.push(Span::styled(s, style));
        }
    };
    add(error, theme::error());
    add(notice, theme::dim());
    let used = width(&head);
    buf.set_line(area.x, area.y, &Line::from(head), area.width);
    if used + hint_w < cols {
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
        let line = Line::styled(text::one_line(hint, cols), theme::dim());
        buf.set_line(area.x, area.y + 1, &line, area.width);
    }
}
