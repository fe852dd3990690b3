//! The status bar: where you are, what is loaded, what is going on, what went wrong.
//! When space is short, the conversation's name gives way first, then the notice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::model::MessageStatus;
use crate::tui::app::{App, Screen};
use crate::tui::conversation::{ConversationView, goal_note_text};
use crate::tui::everywhere::{Found, HITS_MAX};
use crate::tui::keys::{Op, long_hint, short_hint};
use crate::tui::seek::{Goal, Note, Toward};
use crate::tui::text;

use super::{prompt, spinner, theme};

/// The longest error text shown; the log has all of it.
pub const ERROR_MAX_COLS: usize = 200;
/// The most columns of the query quoted in the status bar.
pub const QUERY_SHOWN_MAX_COLS: usize = 40;
/// The conversation name never shrinks below this while an error needs room.
const NAME_MIN_COLS: usize = 12;

/// Appends a part after a gap, when there is one.
fn add(head: &mut Vec<Span<'static>>, part: Option<String>, style: Style) {
    if let Some(s) = part {
        head.push(Span::raw("  "));
        head.push(Span::styled(s, style));
    }
}

fn width(spans: &[Span<'_>]) -> usize {
    spans.iter().map(|s| text::width(&s.content)).sum()
}

/// ` (recalled)` for a quoted message that is not visible.
fn status_suffix(status: MessageStatus) -> String {
    if status == MessageStatus::Visible {
        String::new()
    } else {
        format!(" ({})", status.label())
    }
}

/// What the search or the last jump has to say: the text, and whether it is still
/// going (the spinner goes with it).
pub fn search_status(view: &ConversationView) -> Option<(String, bool)> {
    let query = view
        .search()
        .map(|s| format!("\"{}\"", text::one_line(s.query(), QUERY_SHOWN_MAX_COLS)))
        .unwrap_or_default();
    if let Some(seek) = view.seek() {
        let text = match seek.goal {
            Goal::Match(toward) => format!("searching {} messages… {query}", toward.word()),
            Goal::Quote(..) => "finding the quoted message…".to_owned(),
            Goal::Message(_) => format!("finding the message… {} loaded on the way", seek.messages),
            Goal::Time(..) => format!(
                "going to the time… {} messages loaded on the way (Esc stops)",
                seek.messages
            ),
            Goal::First => format!(
                "going to the first message… {} loaded; Esc stops",
                seek.messages
            ),
        };
        return Some((text, true));
    }
    if let Some(note) = view.note() {
        let key = |t: Toward| if t == Toward::Older { 'n' } else { 'N' };
        let text = match note {
            Note::NoSearch => "no search yet: / searches".to_owned(),
            Note::NoFurther(t) => format!(
                "no {} match for {query}; {} searches {}",
                t.word(),
                key(t.reversed()),
                t.reversed().word()
            ),
            Note::NotWithin(t, n) => format!(
                "{query} not found in the last {n} messages loaded; {} searches further",
                key(t)
            ),
            Note::SearchStopped => {
                "search stopped: more history could not be loaded; n tries again".into()
            }
            Note::SearchCancelled => "search stopped".into(),
            Note::NotAReply => "not a reply: o goes to the message a reply quotes".into(),
            Note::QuoteNotLoaded(st) => {
                format!("the quoted message{} is not loaded", status_suffix(st))
            }
            Note::QuoteNotWithin(n, st) => format!(
                "the quoted message{} is not in the last {n} messages loaded; o looks further",
                status_suffix(st)
            ),
            Note::QuoteNotInHistory(st) => format!(
                "the quoted message{} is not in this conversation's history",
                status_suffix(st)
            ),
            Note::QuoteStopped => {
                "stopped finding the quoted message: more history could not be loaded; o tries again"
                    .into()
            }
            Note::QuoteCancelled => "stopped finding the quoted message".into(),
            Note::MessageNotInHistory
            | Note::GoalNotWithin(_)
            | Note::GoalStopped
            | Note::GoalCancelled
            | Note::NothingAfterTime => goal_note_text(note).unwrap_or_default(),
            Note::NoJumpBack => "no jump to go back from".into(),
            Note::NoJumpForward => "no jump to go forward to".into(),
            Note::FirstStopped => {
                "stopped on the way to the first message: more history could not be loaded; g tries again"
                    .into()
            }
            Note::FirstCancelled => "stopped on the way to the first message".into(),
            Note::FirstNotWithin(n) => {
                format!("not at the first message after {n} more messages; g goes on")
            }
        };
        return Some((text, false));
    }
    let search = view.search()?;
    let text = match (search.rank(), search.count()) {
        (_, 0) => format!("no match for {query}"),
        (Some(k), n) => format!("match {k}/{n} {query}"),
        (None, 1) => format!("1 match {query}"),
        (None, n) => format!("{n} matches {query}"),
    };
    Some((text, false))
}

/// ` · waiting for the server · 14 s · attempt 2 of 5`, while a call is slow.
fn waiting(app: &App) -> Option<Span<'static>> {
    let w = app.waiting.as_ref()?;
    Some(Span::styled(format!(" · {w}"), theme::dim()))
}

/// What the status bar says, before it is fitted to the width.
struct Parts {
    /// Where you are: the conversation (or the picker).
    name: String,
    /// What follows the name: what is loaded, the spinner.
    tail: Vec<Span<'static>>,
    error: Option<String>,
    /// The search's state, and whether it is still going.
    search: Option<(String, bool)>,
    notice: Option<String>,
}

/// ` 3 new messages · G to jump `, while messages arrived below a reader scrolled up.
pub fn new_messages_bar(app: &App) -> Option<String> {
    let live = app.live();
    let n = live.unseen();
    if app.screen() != Screen::Conversation || n == 0 {
        return None;
    }
    let more = if live.is_beyond() { "+" } else { "" };
    let noun = if n == 1 && more.is_empty() {
        "message"
    } else {
        "messages"
    };
    let jump = app
        .keys()
        .first_key(Op::Last)
        .map(|k| format!(" · {k} to jump"))
        .unwrap_or_default();
    Some(format!(" {n}{more} new {noun}{jump} "))
}

/// What the results screen of a search across conversations says of itself.
fn everywhere_parts(app: &App) -> Option<Parts> {
    let found = app
        .everywhere()
        .filter(|_| app.screen() == Screen::Everywhere)?;
    let query = text::one_line(found.typed(), QUERY_SHOWN_MAX_COLS);
    let count = match found.state() {
        Found::Searching => format!(" · searching… {}", spinner(app)),
        Found::Failed(_) => String::new(),
        Found::Hits(h) if h.len() >= HITS_MAX => format!(" · the newest {} found", h.len()),
        Found::Hits(h) if h.len() == 1 => " · 1 found".to_owned(),
        Found::Hits(h) => format!(" · {} found", h.len()),
    };
    Some(Parts {
        name: format!("\"{query}\" in every conversation"),
        tail: vec![
            Span::raw(count),
            Span::styled(" · Enter opens · Esc back", theme::dim()),
        ],
        error: None,
        search: None,
        notice: None,
    })
}

fn parts(app: &App) -> Parts {
    if let Some(parts) = everywhere_parts(app) {
        return parts;
    }
    let (Screen::Conversation, Some(view)) = (app.screen(), app.view()) else {
        let n = app.targets().len();
        return Parts {
            name: format!("{n} conversation{}", if n == 1 { "" } else { "s" }),
            tail: std::iter::once(Span::styled(" · Enter opens", theme::dim()))
                .chain(waiting(app))
                .collect(),
            error: None,
            search: None,
            notice: None,
        };
    };
    let t = view.target();
    let name = match app.conversation_name(t) {
        Some(n) => format!("{} · {}", text::one_line(n, 60), t.conversation),
        None => format!("conversation {}", t.conversation),
    };
    let mut tail = vec![Span::raw(format!(" · {} loaded", view.store().len()))];
    // A search in progress shows the spinner beside what it is doing.
    if app.is_fetching() && !view.is_seeking() {
        tail.push(Span::raw(" "));
        tail.push(Span::styled(spinner(app), theme::gutter()));
    }
    tail.extend(waiting(app));
    Parts {
        name,
        tail,
        error: view
            .error()
            .map(|e| format!("⚠ {}", text::one_line(&e, ERROR_MAX_COLS))),
        search: search_status(view),
        notice: view
            .notice()
            .map(str::to_owned)
            .or_else(|| {
                app.exporting().map(|p| match app.export_written() {
                    0 => format!("exporting to {p}…"),
                    1 => format!("exporting to {p}… 1 message written"),
                    n => format!("exporting to {p}… {n} messages written"),
                })
            })
            .map(|n| text::one_line(&n, ERROR_MAX_COLS)),
    }
}

pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App) {
    if area.is_empty() {
        return;
    }
    if let Some(p) = app.prompt() {
        prompt::draw(frame, area, p);
        draw_demo_hint(frame, area, app);
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
    if app.live().is_offline() {
        head.push(Span::styled(" offline ", theme::offline_badge()));
        head.push(Span::raw(" "));
    }
    if let Some(bar) = new_messages_bar(app) {
        head.push(Span::styled(bar, theme::new_messages()));
        head.push(Span::raw(" "));
    }
    let Parts {
        name,
        mut tail,
        error,
        search,
        notice,
    } = parts(app);
    let (short, long) = (short_hint(app.keys()), long_hint(app.keys()));
    let hint_w = text::width(&short) + 1;
    let fixed = width(&head) + width(&tail);
    let extras = error.as_ref().map_or(0, |e| text::width(e) + 2)
        + search.as_ref().map_or(0, |(s, _)| text::width(s) + 4)
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
    add(&mut head, error, theme::error());
    if let Some((s, going)) = search {
        head.push(Span::raw("  "));
        if going {
            head.push(Span::styled(spinner(app), theme::gutter()));
            head.push(Span::raw(" "));
        }
        head.push(Span::styled(s, theme::bold()));
    }
    add(&mut head, notice, theme::dim());
    let used = width(&head);
    buf.set_line(area.x, area.y, &Line::from(head), area.width);
    let long_w = text::width(&long) + 1;
    let in_conversation = app.screen() == Screen::Conversation;
    let hint = if in_conversation && used + long_w + 2 < cols {
        Some((long.as_str(), long_w))
    } else if used + hint_w < cols {
        Some((short.as_str(), hint_w))
    } else {
        None
    };
    if let Some((hint, w)) = hint {
        let x = area.x + area.width - w as u16;
        buf.set_line(
            x,
            area.y,
            &Line::styled(format!("{hint} "), theme::dim()),
            w as u16,
        );
    }
    draw_demo_hint(frame, area, app);
}

/// The demo mode's second line: how to read your own conversations.
fn draw_demo_hint(frame: &mut Frame<'_>, area: Rect, app: &App) {
    let cols = usize::from(area.width);
    if area.height >= 2
        && app.is_demo
        && let Some(hint) = &app.demo_hint
    {
        let line = Line::styled(text::one_line(hint, cols), theme::dim());
        frame
            .buffer_mut()
            .set_line(area.x, area.y + 1, &line, area.width);
    }
}
