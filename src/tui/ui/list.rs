//! The message list: one block of rows per message (day separator, reply hint, main
//! line) and the edge rows, with the search's matches marked. Lays out only the
//! visible window.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use crate::model::MessageStatus;
use crate::pager::Direction;
use crate::tui::app::{App, Focus};
use crate::tui::conversation::ConversationView;
use crate::tui::detail::RefContent;
use crate::tui::search;
use crate::tui::store::Entry;
use crate::tui::text;
use crate::tui::viewport::{self, EdgeRow, Item};
use crate::tui::wrap;

use super::{spinner, theme};
use crate::tui::layout::{SENDER_MAX_COLS, content_col, sender_cols};

/// What an empty history says: most often the ids are not the ones meant.
pub const NO_MESSAGES: &str = " no messages: check the app id and the conversation id ";
/// Marks the selected message.
pub const SELECTED_MARK: &str = "▌";

/// The first column of a row: the selection mark, or a blank.
pub(super) fn mark(selected: bool) -> Span<'static> {
    if selected {
        Span::styled(SELECTED_MARK, theme::gutter())
    } else {
        Span::raw(" ")
    }
}

/// The row above the first message that arrived since the conversation was last looked at.
pub const NEW_SINCE: &str = " new since you last looked ";

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let Some(view) = app.view() else {
        return;
    };
    if area.is_empty() {
        return;
    }
    let model = view.model();
    let h = i32::from(area.height);
    let buf = frame.buffer_mut();
    let placed_items = viewport::place(&model, view.scroll(), h);
    let free_from = placed_items
        .iter()
        .map(|p| p.top + p.height)
        .max()
        .unwrap_or(0);
    for placed in placed_items {
        for r in 0..placed.height {
            let y = placed.top + r;
            if !(0..h).contains(&y) {
                continue;
            }
            let row = Rect::new(area.x, area.y + y as u16, area.width, 1);
            match placed.item {
                Item::Top(edge) => edge_row(buf, row, app, view, edge, true),
                Item::Bottom(edge) => edge_row(buf, row, app, view, edge, false),
                Item::Message(m) => {
                    let Some(entry) = view.store().get(m) else {
                        continue;
                    };
                    let new_rows = i32::from(model.new_since == Some(m));
                    let separator = model.day_separator(m);
                    let hint_rows = i32::from(entry.hint.is_some());
                    let sep_rows = new_rows + i32::from(separator);
                    if r < new_rows {
                        centered_rule(buf, row, NEW_SINCE, theme::heading());
                    } else if r < sep_rows {
                        day_separator(buf, row, entry);
                    } else {
                        let selected = m == view.scroll().selected;
                        let focused = app.focus() == Focus::List;
                        if selected {
                            // The quote line belongs to its message: it is marked with it.
                            buf.set_style(row, theme::selected_row(focused));
                        }
                        if r < sep_rows + hint_rows {
                            hint_row(buf, row, app, view, entry, selected);
                        } else {
                            let k = (r - sep_rows - hint_rows) as usize;
                            let chunk = view.wrap_cols().map(|cols| wrapped_chunk(entry, cols, k));
                            if k == 0 {
                                main_row(buf, row, app, view, entry, selected, chunk);
                            } else if let Some(chunk) = chunk {
                                continuation_row(buf, row, view, entry, selected, &chunk);
                            }
                        }
                    }
                }
            }
        }
    }
    if view.failed() && view.store().is_empty() {
        full_error(buf, area, view, free_from + 1);
    }
}

/// With nothing loaded the list has room for the whole error, which the status bar
/// cuts: what failed, the request id, what to check.
fn full_error(buf: &mut Buffer, area: Rect, view: &ConversationView, from_row: i32) {
    let Some(error) = view.error_full() else {
        return;
    };
    let cols = usize::from(area.width.saturating_sub(2)).max(1);
    let mut y = from_row.max(0);
    for line in text::lines(error) {
        let mut start = 0;
        loop {
            if y >= i32::from(area.height) {
                return;
            }
            let row = text::next_row(&line, start, cols);
            let shown = Line::styled(format!(" {}", &line[start..row.end]), theme::dim());
            buf.set_line(area.x, area.y + y as u16, &shown, area.width);
            y += 1;
            start = row.next;
            if start >= line.len() {
                break;
            }
        }
    }
}

/// The search's needle when `entry` is one of its matches.
fn needle_for<'v>(view: &'v ConversationView, entry: &Entry) -> Option<&'v str> {
    view.search()
        .filter(|s| s.is_hit(entry))
        .map(|s| s.needle())
}

/// Clean shown text as spans in `base`, with the needle's occurrences in the match
/// style; and whether there were any.
fn marked(shown: &str, needle: Option<&str>, base: Style) -> (Vec<Span<'static>>, bool) {
    let ranges = needle.map_or_else(Vec::new, |n| search::highlights(shown, n));
    let mut spans = Vec::new();
    let mut at = 0;
    for r in &ranges {
        if r.start > at {
            spans.push(Span::styled(shown[at..r.start].to_owned(), base));
        }
        spans.push(Span::styled(
            shown[r.clone()].to_owned(),
            base.patch(theme::search_match()),
        ));
        at = r.end;
    }
    if at < shown.len() || spans.is_empty() {
        spans.push(Span::styled(shown[at..].to_owned(), base));
    }
    (spans, !ranges.is_empty())
}

/// `── label ──` across the row.
fn centered_rule(buf: &mut Buffer, row: Rect, label: &str, style: Style) {
    let label = text::fit(label, usize::from(row.width));
    let w = usize::from(row.width);
    let lw = text::width(&label);
    let left = (w.saturating_sub(lw)) / 2;
    let right = w.saturating_sub(lw + left);
    let line = Line::from(vec![
        Span::raw("─".repeat(left)),
        Span::raw(label),
        Span::raw("─".repeat(right)),
    ])
    .style(style);
    buf.set_line(row.x, row.y, &line, row.width);
}

fn day_separator(buf: &mut Buffer, row: Rect, entry: &Entry) {
    if let Some(local) = entry.local {
        let label = format!(" {} ", local.date().strftime("%a %Y-%m-%d"));
        centered_rule(buf, row, &label, theme::dim());
    }
}

/// The time and sender columns of a message, and whether the needle marked the name.
fn header(
    app: &App,
    view: &ConversationView,
    entry: &Entry,
    width: u16,
    needle: Option<&str>,
) -> (Vec<Span<'static>>, bool) {
    let message = &entry.message;
    let time = match entry.local {
        Some(t) => format!("{:02}:{:02}", t.hour(), t.minute()),
        None => "--:--".into(),
    };
    let label = message.sender_label();
    let cols = sender_cols(width);
    let name = message
        .body
        .sender
        .and_then(|u| app.display_name(view.target().app_id, u))
        .unwrap_or(&label);
    let sender = text::fit(&text::one_line(name, cols), cols).into_owned();
    let pad = " ".repeat(cols.saturating_sub(text::width(&sender)) + 1);
    let (sender, name_marked) = marked(
        &sender,
        needle,
        theme::bold().fg(theme::sender_color(&label)),
    );
    let mut spans = vec![Span::styled(time, theme::dim()), Span::raw(" ")];
    spans.extend(sender);
    spans.push(Span::raw(pad));
    (spans, name_marked)
}

/// Who the quoted message is from, when it is known.
fn quoted_sender(app: &App, view: &ConversationView, entry: &Entry) -> Option<String> {
    let id = entry
        .message
        .body
        .ref_msg_info
        .as_ref()?
        .referenced_message_id?;
    let RefContent::Loaded(quoted) = view.ref_content(id) else {
        return None;
    };
    let label = quoted.sender_label();
    let name = quoted
        .body
        .sender
        .and_then(|u| app.display_name(view.target().app_id, u))
        .unwrap_or(&label);
    Some(text::one_line(name, SENDER_MAX_COLS))
}

/// A reply's first row: its time and sender, then the quote (`┃ ↪ sender: hint`);
/// the reply's text follows on the row below, under the quote.
fn hint_row(
    buf: &mut Buffer,
    row: Rect,
    app: &App,
    view: &ConversationView,
    entry: &Entry,
    selected: bool,
) {
    let Some(hint) = &entry.hint else {
        return;
    };
    let needle = needle_for(view, entry);
    let (head, _) = header(app, view, entry, row.width, needle);
    let mut spans = vec![mark(selected)];
    spans.extend(head);
    spans.push(Span::styled("┃ ↪ ", theme::quote()));
    if let Some(info) = &entry.message.body.ref_msg_info {
        let status = info.status();
        if status != MessageStatus::Visible {
            spans.push(Span::styled(
                format!("({}) ", status.label()),
                theme::quote(),
            ));
        }
    }
    if let Some(from) = quoted_sender(app, view, entry) {
        spans.push(Span::styled(
            format!("{from}: "),
            theme::quote().add_modifier(Modifier::BOLD),
        ));
    }
    let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    let room = usize::from(row.width).saturating_sub(used);
    spans.extend(marked(&text::fit(hint, room), needle, theme::quote()).0);
    buf.set_line(row.x, row.y, &Line::from(spans), row.width);
}

/// The text of row `k` of a wrapped message, `…` at its end when the rows stop
/// before the text does.
fn wrapped_chunk(entry: &Entry, cols: usize, k: usize) -> String {
    let rows = wrap::rows(entry, cols);
    let Some(range) = rows.get(k) else {
        return String::new();
    };
    let chunk = &entry.preview[range.clone()];
    if k + 1 == rows.len() && range.end < entry.preview.len() {
        text::fit(&format!("{chunk}{}", text::ELLIPSIS), cols).into_owned()
    } else {
        chunk.to_owned()
    }
}

/// A wrapped message's second and later rows: its text, under the first row's.
fn continuation_row(
    buf: &mut Buffer,
    row: Rect,
    view: &ConversationView,
    entry: &Entry,
    selected: bool,
    chunk: &str,
) {
    let base = if entry.message.status() == MessageStatus::Visible {
        Style::new()
    } else {
        theme::dim()
    };
    let mut spans = vec![
        mark(selected),
        Span::raw(" ".repeat(content_col(row.width) - 1)),
    ];
    let room = usize::from(row.width).saturating_sub(content_col(row.width));
    spans.extend(marked(&text::fit(chunk, room), needle_for(view, entry), base).0);
    buf.set_line(row.x, row.y, &Line::from(spans), row.width);
}

fn main_row(
    buf: &mut Buffer,
    row: Rect,
    app: &App,
    view: &ConversationView,
    entry: &Entry,
    selected: bool,
    chunk: Option<String>,
) {
    let message = &entry.message;
    let needle = needle_for(view, entry);
    let mut spans = vec![mark(selected)];
    let time_at = spans.len();
    let name_marked = if entry.hint.is_some() {
        // A reply's time and sender are on its quote's row, just above.
        spans.push(Span::raw(" ".repeat(content_col(row.width) - 1)));
        false
    } else {
        let (head, name_marked) = header(app, view, entry, row.width, needle);
        spans.extend(head);
        name_marked
    };
    let (kind, status_label) = wrap::prefix(entry);
    if let Some(kind) = kind {
        spans.push(Span::styled(kind, theme::heading()));
    }
    let visible = message.status() == MessageStatus::Visible;
    if let Some(status) = status_label {
        spans.push(Span::styled(status, theme::dim()));
    }
    let used: usize = spans.iter().map(|s| text::width(&s.content)).sum();
    let room = usize::from(row.width).saturating_sub(used);
    let preview = text::fit(chunk.as_deref().unwrap_or(&entry.preview), room);
    let base = if visible { Style::new() } else { theme::dim() };
    let (preview, text_marked) = marked(&preview, needle, base);
    spans.extend(preview);
    // A match shown nowhere on screen (cut off the row, or deeper in the text): the
    // time column says the message matches.
    let hint_marked = needle.is_some_and(|n| {
        entry
            .hint
            .as_ref()
            .is_some_and(|h| !search::highlights(h, n).is_empty())
    });
    if needle.is_some() && !(name_marked || text_marked || hint_marked) {
        spans[time_at].style = theme::search_match();
    }
    buf.set_line(row.x, row.y, &Line::from(spans), row.width);
}

fn edge_row(
    buf: &mut Buffer,
    row: Rect,
    app: &App,
    view: &ConversationView,
    edge: EdgeRow,
    top: bool,
) {
    match edge {
        EdgeRow::Loading => {
            let what = match (view.store().is_empty(), top, view.direction()) {
                (true, _, _) => "loading…",
                (false, true, Direction::NewestFirst) => "loading older messages…",
                _ => "loading newer messages…",
            };
            let line = Line::from(vec![
                Span::raw(" "),
                Span::styled(spinner(app), theme::gutter()),
                Span::raw(" "),
                Span::styled(what, theme::dim()),
            ]);
            buf.set_line(row.x, row.y, &line, row.width);
        }
        EdgeRow::Failed => {
            let what = if view.store().is_empty() {
                " ⚠ could not load messages: r retries"
            } else {
                " ⚠ could not load more: r retries"
            };
            let line = Line::styled(what, theme::error());
            buf.set_line(row.x, row.y, &line, row.width);
        }
        EdgeRow::Stopped => {
            let line = Line::styled(" ⚠ stopped: the server's paging went wrong", theme::error());
            buf.set_line(row.x, row.y, &line, row.width);
        }
        EdgeRow::Beginning if view.history_is_empty() => {
            centered_rule(buf, row, NO_MESSAGES, theme::dim());
        }
        EdgeRow::Beginning => {
            centered_rule(buf, row, " beginning of conversation ", theme::dim());
        }
        // An empty history says so once, at the beginning.
        EdgeRow::End if view.history_is_empty() => {}
        EdgeRow::End => centered_rule(buf, row, " end of conversation ", theme::dim()),
    }
}
