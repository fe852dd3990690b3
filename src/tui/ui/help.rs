//! The help overlay: every key.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Widget};

use crate::tui::keys::HELP;
use crate::tui::text;

use super::theme;

/// Columns of the key column.
const KEY_COLS: usize = 15;

pub fn draw(frame: &mut Frame<'_>, screen: Rect) {
    let want_w = HELP
        .iter()
        // Borders, and a column of padding each side.
        .map(|(_, what)| KEY_COLS + text::width(what) + 4)
        .max()
        .unwrap_or(0) as u16;
    let want_h = HELP.len() as u16 + 4;
    let w = want_w.min(screen.width);
    let h = want_h.min(screen.height);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height - h) / 2,
        w,
        h,
    );
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
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme::border(true))
        .title(" Keys ")
        .title_bottom(Line::from(" Esc closes ").right_aligned());
    let inner = block.inner(area);
    block.render(area, buf);
    for (i, (keys, what)) in HELP.iter().enumerate() {
        let y = inner.y + 1 + i as u16;
        if y >= inner.bottom() {
            break;
        }
        let room = usize::from(inner.width.saturating_sub(2)).saturating_sub(KEY_COLS);
        let line = Line::from(vec![
            Span::styled(text::fit_pad(keys, KEY_COLS), theme::bold()),
            Span::raw(text::fit(what, room)),
        ]);
        buf.set_line(inner.x + 1, y, &line, inner.width.saturating_sub(1));
    }
}
