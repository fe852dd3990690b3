//! Wrapping a message's text over several rows of the list (`w`): which part of the
//! preview each row shows. Pure, so that the scrolling (which needs each message's
//! height) and the drawing agree.

use std::ops::Range;

use crate::model::{MessageStatus, MsgType};

use super::store::Entry;
use super::text;

/// The most rows one message takes when wrapped; the last one ends in `…` when the
/// text goes on (the detail pane and the pager show all of it).
pub const MAX_WRAPPED_ROWS: usize = 8;

/// What goes before the text on a message's first row: `[image] `, `(recalled) `.
pub fn prefix(entry: &Entry) -> (Option<String>, Option<String>) {
    let message = &entry.message;
    let kind = message.msg_type();
    let kind = (kind != MsgType::Text).then(|| format!("[{}] ", kind.label()));
    let status = message.status();
    let status = (status != MessageStatus::Visible).then(|| format!("({}) ", status.label()));
    (kind, status)
}

fn prefix_width(entry: &Entry) -> usize {
    let (kind, status) = prefix(entry);
    kind.map_or(0, |k| text::width(&k)) + status.map_or(0, |s| text::width(&s))
}

/// The byte ranges of the preview each row shows, when rows are `cols` wide (the
/// first row has the prefix before it). At least one row, at most
/// [`MAX_WRAPPED_ROWS`].
pub fn rows(entry: &Entry, cols: usize) -> Vec<Range<usize>> {
    let s: &str = &entry.preview;
    let first = cols.saturating_sub(prefix_width(entry)).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while out.len() < MAX_WRAPPED_ROWS {
        let width = if out.is_empty() { first } else { cols.max(1) };
        let row = text::next_row(s, start, width);
        out.push(start..row.end);
        if row.next >= s.len() {
            break;
        }
        start = row.next;
    }
    if out.is_empty() {
        out.push(0..0);
    }
    out
}

/// How many rows a message takes when wrapped at `cols`.
pub fn row_count(entry: &Entry, cols: usize) -> i32 {
    rows(entry, cols).len() as i32
}

/// True when the wrapped rows leave text out (the last row is then cut with `…`).
pub fn is_cut(entry: &Entry, cols: usize) -> bool {
    rows(entry, cols)
        .last()
        .is_some_and(|r| r.end < entry.preview.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn entry(text: &str) -> Entry {
        Entry::new(fixtures::text_message(1, text), &jiff::tz::TimeZone::UTC)
    }

    #[test]
    fn rows_break_at_spaces_and_cover_the_text() {
        let e = entry("the quick brown fox jumps over the lazy dog");
        let rows = rows(&e, 10);
        let shown: Vec<&str> = rows.iter().map(|r| &e.preview[r.clone()]).collect();
        assert_eq!(
            shown,
            ["the quick", "brown fox", "jumps over", "the lazy", "dog"]
        );
        assert_eq!(row_count(&entry("short"), 10), 1);
        assert_eq!(row_count(&entry(""), 10), 1);
    }

    #[test]
    fn a_long_message_stops_at_the_row_limit() {
        let e = entry(&"word ".repeat(200));
        assert_eq!(row_count(&e, 20), MAX_WRAPPED_ROWS as i32);
        assert!(is_cut(&e, 20));
        assert!(!is_cut(&entry("fits"), 20));
    }

    #[test]
    fn the_first_row_leaves_room_for_the_prefix() {
        let m = fixtures::message_with(
            1,
            serde_json::json!({"Status": 3,
            "Content": serde_json::json!({"text": "aaaa bbbb"}).to_string()}),
        );
        let e = Entry::new(m, &jiff::tz::TimeZone::UTC);
        // "(recalled) " takes 11 of 15 columns on the first row.
        let rows = rows(&e, 15);
        assert_eq!(&e.preview[rows[0].clone()], "aaaa");
        assert_eq!(&e.preview[rows[1].clone()], "bbbb");
    }
}
