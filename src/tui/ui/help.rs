//! The help overlay: every action with its keys, drawn from the key map in use. It
//! scrolls when it does not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::tui::app::App;
use crate::tui::keys::KeyMap;
use crate::tui::text;

use super::theme;

/// The narrowest key column.
const KEY_MIN_COLS: usize = 10;
/// The widest key column; longer key lists are cut.
const KEY_MAX_COLS: usize = 22;
/// Rows that are not actions: what the mouse does.
const EXTRA_ROWS: &[(&str, &str)] = &[("mouse", "wheel scrolls, click selects")];

/// Every row of the help: keys, then what they do.
fn rows(keys: &KeyMap) -> Vec<(String, &'static str)> {
    let mut rows = keys.help_rows();
    rows.extend(EXTRA_ROWS.iter().map(|(k, w)| ((*k).to_owned(), *w)));
    rows
}

/// The overlay's box on a screen, and the key column's width.
fn geometry(screen: Rect, rows: &[(String, &str)]) -> (Rect, usize) {
    let key_cols = rows
        .iter()
        .map(|(k, _)| text::width(k) + 2)
        .max()
        .unwrap_or(0)
        .clamp(KEY_MIN_COLS, KEY_MAX_COLS)
        // On a narrow screen the keys get at most half of it, what they do the rest.
        .min(usize::from(screen.width.saturating_sub(4) / 2).max(KEY_MIN_COLS));
    let want_w = rows
        .iter()
        // Borders, and a column of padding each side.
        .map(|(_, what)| key_cols + text::width(what) + 4)
        .max()
        .unwrap_or(0) as u16;
    let want_h = rows.len() as u16 + 4;
    let w = want_w.min(screen.width);
    let h = want_h.min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
    (area, key_cols)
}

/// Rows of actions the overlay shows at once on a screen of `size`.
pub fn visible_rows(size: Rect, keys: &KeyMap) -> usize {
    let rows = rows(keys);
    let (area, _) = geometry(size, &rows);
    // Borders and a blank row above and below the list.
    usize::from(area.height.saturating_sub(4))
}

/// The furthest the overlay scrolls on a screen of `size`.
pub fn max_scroll(size: Rect, keys: &KeyMap) -> usize {
    rows(keys).len().saturating_sub(visible_rows(size, keys))
}

pub fn draw(frame: &mut Frame<'_>, screen: Rect, app: &App) {
    let rows = rows(app.keys());
    let (area, key_cols) = geometry(screen, &rows);
    let buf = frame.buffer_mut();
    Clear.render(area, buf);
    // A wide character just left of the box would spill over its border.
    if area.x > screen.x {
        for y in area.top()..area.bottom() {
            let cell = &mut buf[(area.x - 1, y)];
            if text::width(cell.symbol()) > 1 {
                cell.set_symbol(" ");
            }
        }
    }
    let shown = visible_rows(screen, app.keys());
    let max = rows.len().saturating_sub(shown);
    let first = app.help_scroll().min(max);
    let mut title = String::from(" Keys ");
    if first > 0 {
        title.push_str("↑ ");
    }
    if first < max {
        title.push_str("↓ ");
    }
    let footer = if max > 0 {
        " j/k scroll · q Esc ? close "
    } else {
        " q Esc ? close "
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(title)
        .title_bottom(Line::from(footer).right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    let room = usize::from(inner.width.saturating_sub(2)).saturating_sub(key_cols);
    for (i, (keys, what)) in rows.iter().skip(first).take(shown).enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let line = Line::from(vec![
            Span::styled(text::fit_pad(keys, key_cols), theme::bold()),
            Span::raw(text::fit(what, room)),
        ]);
        buf.set_line(inner.x + 1, y, &line, inner.width.saturating_sub(1));
    }
}
