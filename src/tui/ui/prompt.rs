//! The search prompt, drawn over the status bar's first line while it is open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;

use crate::tui::prompt::{Prompt, Purpose};
use crate::tui::search::QUERY_MAX_CHARS;
use crate::tui::text;

use super::theme;

/// What the prompt's right end says when there is room.
pub const PROMPT_HINT: &str = "Enter searches · Esc cancels";
/// Before the export's file name.
pub const EXPORT_LABEL: &str = " export to: ";
/// The export prompt's hint.
pub const EXPORT_HINT: &str = ".jsonl .json .csv .md · Enter exports · Esc cancels";
/// Before a search across every archived conversation.
pub const EVERYWHERE_LABEL: &str = " search every conversation: ";
/// Its hint.
pub const EVERYWHERE_HINT: &str = "Enter searches the archive · Esc cancels";
/// Before a date and time to go to.
pub const TIME_LABEL: &str = " go to: ";
/// Its hint.
pub const TIME_HINT: &str = "2025-05-16 · 2025-05-16 14:00 · 14:00 · yesterday · -2h · Esc cancels";

/// The end of clean text that fits in `cols` columns, after a `…` when cut: the part
/// being typed stays in view.
fn tail(s: &str, cols: usize) -> String {
    if text::width(s) <= cols {
        return s.to_owned();
    }
    let room = cols.saturating_sub(1);
    let mut kept = Vec::new();
    let mut used = 0;
    for g in s.graphemes(true).rev() {
        let w = text::width(g);
        if used + w > room {
            break;
        }
        used += w;
        kept.push(g);
    }
    kept.reverse();
    let mut out = if cols > 0 {
        String::from(text::ELLIPSIS)
    } else {
        String::new()
    };
    out.extend(kept);
    out
}

/// The start of clean text that fits in `cols` columns, before a `…` when cut.
fn head(s: &str, cols: usize) -> String {
    text::fit(s, cols).into_owned()
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, prompt: &Prompt) {
    let row = Rect::new(area.x, area.y, area.width, area.height.min(1));
    if row.is_empty() {
        return;
    }
    let cols = usize::from(row.width);
    let buf = frame.buffer_mut();
    buf.set_style(row, theme::status_bar());
    // The query may be pasted strangers' text: shown like message text.
    let typed = prompt.text();
    let before = text::one_line(&typed[..prompt.cursor()], QUERY_MAX_CHARS * 2);
    let after = text::one_line(&typed[prompt.cursor()..], QUERY_MAX_CHARS * 2);
    // The cursor sits on the character after it, or on a space at the end.
    let (under, rest) = match after.graphemes(true).next() {
        Some(g) => (g.to_owned(), after[g.len()..].to_owned()),
        None => (" ".to_owned(), String::new()),
    };
    let (label, hint) = match prompt.purpose() {
        Purpose::Search => (" /", PROMPT_HINT),
        Purpose::Export => (EXPORT_LABEL, EXPORT_HINT),
        Purpose::Everywhere => (EVERYWHERE_LABEL, EVERYWHERE_HINT),
        Purpose::Time => (TIME_LABEL, TIME_HINT),
    };
    let hint_w = text::width(hint) + 2;
    let fixed = text::width(label);
    let query_w = text::width(&before) + text::width(&under) + text::width(&rest);
    let with_hint = query_w + fixed + hint_w <= cols;
    let room = cols.saturating_sub(fixed);
    let under_w = text::width(&under);
    // What is left of the cursor stays in view; what is right of it gets what remains.
    let before_shown = tail(&before, room.saturating_sub(under_w + 1));
    let rest_room = room.saturating_sub(text::width(&before_shown) + under_w);
    let line = Line::from(vec![
        Span::styled(label, theme::bold()),
        Span::raw(before_shown),
        Span::styled(under, theme::cursor()),
        Span::raw(head(&rest, rest_room)),
    ]);
    buf.set_line(row.x, row.y, &line, row.width);
    if with_hint {
        let x = row.x + row.width - hint_w as u16;
        buf.set_line(
            x,
            row.y,
            &Line::styled(format!("{hint} "), theme::dim()),
            hint_w as u16,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_query_shows_its_end() {
        assert_eq!(tail("abc", 5), "abc");
        assert_eq!(tail("abcdefgh", 5), "…efgh");
        assert_eq!(tail("发布会发布会", 5), "…布会");
        assert_eq!(text::width(&tail("发布会发布会", 6)), 5);
        assert_eq!(tail("abc", 0), "");
    }
}
