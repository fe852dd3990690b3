//! The results of a search across every archived conversation: one row per message
//! (time, conversation, sender, text), the words marked. Names and text come from
//! the server and are drawn as clean single lines.

use std::ops::Range;

use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::archive::SearchHit;
use crate::tui::everywhere::{Everywhere, Found};
use crate::tui::search;
use crate::tui::store::local_time;
use crate::tui::text;

use super::{list, theme};

/// Columns of the time (`2025-05-16 14:03`), the conversation and the sender.
const TIME_COLS: usize = 16;
const CONVERSATION_COLS: usize = 22;
const SENDER_COLS: usize = 16;
/// The query's most columns quoted in a message.
const QUERY_COLS: usize = 40;

/// The rows the hits take in `area` (below the header).
pub fn hit_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(1))
}

/// Draws the results into `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, found: &Everywhere, tz: &TimeZone) {
    if area.is_empty() {
        return;
    }
    let buf = frame.buffer_mut();
    let header = format!(
        " {} {} {} Text",
        text::fit_pad("Time", TIME_COLS),
        text::fit_pad("Conversation", CONVERSATION_COLS),
        text::fit_pad("Sender", SENDER_COLS),
    );
    buf.set_line(
        area.x,
        area.y,
        &Line::styled(header, theme::heading()),
        area.width,
    );
    if area.height < 2 {
        return;
    }
    let rows = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let query = text::one_line(found.typed(), QUERY_COLS);
    let say = |buf: &mut ratatui::buffer::Buffer, what: String, style: Style| {
        buf.set_line(rows.x, rows.y, &Line::styled(what, style), rows.width);
    };
    match found.state() {
        Found::Searching => say(
            buf,
            format!(" searching every archived conversation for \"{query}\"…"),
            theme::dim(),
        ),
        Found::Failed(e) => say(
            buf,
            format!(
                " the archive could not be searched: {}",
                text::one_line(e, 200)
            ),
            theme::error(),
        ),
        Found::Hits(hits) if hits.is_empty() => say(
            buf,
            format!(" no archived message holds \"{query}\""),
            theme::dim(),
        ),
        Found::Hits(hits) => {
            let text_cols = usize::from(rows.width)
                .saturating_sub(1 + TIME_COLS + 1 + CONVERSATION_COLS + 1 + SENDER_COLS + 1)
                .max(1);
            for (i, hit) in hits
                .iter()
                .enumerate()
                .skip(found.offset())
                .take(usize::from(rows.height))
            {
                let y = rows.y + (i - found.offset()) as u16;
                let row = Rect::new(rows.x, y, rows.width, 1);
                let selected = i == found.selected();
                let base = if selected {
                    buf.set_style(row, theme::selected_row(true));
                    theme::selected_row(true)
                } else {
                    Style::default()
                };
                let line = hit_line(hit, found.words(), selected, base, text_cols, tz);
                buf.set_line(row.x, row.y, &line, row.width);
            }
        }
    }
}

/// One hit's row.
fn hit_line(
    hit: &SearchHit,
    words: &[String],
    selected: bool,
    base: Style,
    text_cols: usize,
    tz: &TimeZone,
) -> Line<'static> {
    let time = local_time(hit.create_time, tz)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let conversation = match hit
        .conversation_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        Some(name) => text::one_line(name, CONVERSATION_COLS),
        None => hit.conversation.to_string(),
    };
    let sender = match (&hit.sender_name, hit.sender) {
        (Some(name), _) if !name.trim().is_empty() => text::one_line(name, SENDER_COLS),
        (_, Some(id)) => id.to_string(),
        _ => String::new(),
    };
    let shown = text::one_line(&hit.text, text_cols);
    let mut spans = vec![
        list::mark(selected),
        Span::styled(text::fit_pad(&time, TIME_COLS), base.patch(theme::dim())),
        Span::styled(" ", base),
        Span::styled(
            text::fit_pad(&conversation, CONVERSATION_COLS),
            base.patch(theme::bold()),
        ),
        Span::styled(" ", base),
        Span::styled(
            text::fit_pad(&sender, SENDER_COLS),
            base.fg(theme::sender_color(&sender)),
        ),
        Span::styled(" ", base),
    ];
    spans.extend(marked(&shown, words, base));
    Line::from(spans)
}

/// The shown text as spans, every word's occurrences in the match style.
fn marked(shown: &str, words: &[String], base: Style) -> Vec<Span<'static>> {
    let mut ranges: Vec<Range<usize>> = words
        .iter()
        .flat_map(|w| search::highlights(shown, &w.to_lowercase()))
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut spans = Vec::new();
    let mut at = 0;
    for r in ranges {
        if r.end <= at {
            continue;
        }
        let start = r.start.max(at);
        if start > at {
            spans.push(Span::styled(shown[at..start].to_owned(), base));
        }
        spans.push(Span::styled(
            shown[start..r.end].to_owned(),
            base.patch(theme::search_match()),
        ));
        at = r.end;
    }
    if at < shown.len() {
        spans.push(Span::styled(shown[at..].to_owned(), base));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AppId, ConversationId, UserId};
    use crate::tui::everywhere::SearchId;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// 2025-05-16 02:27:45 UTC.
    const T: i64 = 1_747_362_465_000;

    fn hit(row: i64, conversation: Option<&str>, sender: Option<&str>, text: &str) -> SearchHit {
        SearchHit {
            row,
            app: AppId(100001),
            conversation: ConversationId(7_300_000_000_000_000_001),
            conversation_name: conversation.map(str::to_owned),
            sender: Some(UserId(1_880_000_006)),
            sender_name: sender.map(str::to_owned),
            create_time: Some(T - row * 3_600_000),
            msg_type: Some(10001),
            text: text.into(),
            raw: "{}".into(),
        }
    }

    fn drawn(found: &Everywhere, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(f, f.area(), found, &TimeZone::UTC))
            .unwrap();
        t
    }

    #[test]
    fn hits_show_time_conversation_sender_and_text_with_the_words_marked() {
        let (mut found, _) = Everywhere::new(SearchId(1), "deck");
        found.found(
            SearchId(1),
            Ok(vec![
                hit(
                    0,
                    Some("Launch crew 🚀 发布筹备"),
                    Some("Priya Nair"),
                    "Partner DECK looks great, tiny nit on the deck",
                ),
                hit(1, None, None, "Can we cut scope on partner deck?"),
                hit(
                    2,
                    Some("evil\u{1b}[2J name"),
                    Some("\u{202e}mallory"),
                    "deck\u{7}\u{1b}]52;c;aGk=\u{7}\nsecond line",
                ),
            ]),
        );
        found.move_by(1, 3);
        let t = drawn(&found, 100, 5);
        insta::assert_snapshot!("everywhere_hits", t.backend());
        let buf = t.backend().buffer();
        let cell = |x: u16, y: u16| &buf[(x, y)];
        // "DECK" in the first row, found without regard to case.
        let text_x = 1 + 16 + 1 + 22 + 1 + 16 + 1;
        let at = text_x + "Partner ".len() as u16;
        assert_eq!(cell(at, 1).symbol(), "D");
        assert_eq!(
            cell(at, 1).style().add_modifier,
            theme::search_match().add_modifier
        );
        assert_eq!(cell(at, 1).style().bg, theme::search_match().bg);
        assert_ne!(cell(text_x, 1).style().bg, theme::search_match().bg);
        for y in 0..5 {
            for x in 0..100 {
                assert!(text::is_terminal_safe(cell(x, y).symbol()), "({x},{y})");
            }
        }
    }

    #[test]
    fn searching_nothing_found_and_failure_each_say_so() {
        let (mut found, _) = Everywhere::new(SearchId(1), "zebra");
        let line = |t: &Terminal<TestBackend>| {
            let buf = t.backend().buffer();
            (0..80)
                .map(|x| buf[(x, 1)].symbol().to_owned())
                .collect::<String>()
        };
        assert!(
            line(&drawn(&found, 80, 4))
                .contains("searching every archived conversation for \"zebra\"")
        );
        found.found(SearchId(1), Ok(Vec::new()));
        assert!(line(&drawn(&found, 80, 4)).contains("no archived message holds \"zebra\""));
        found.found(SearchId(1), Err("database is locked".into()));
        assert!(line(&drawn(&found, 80, 4)).contains("could not be searched: database is locked"));
        // Tiny areas draw without panicking.
        drawn(&found, 1, 1);
        drawn(&found, 10, 2);
    }
}
