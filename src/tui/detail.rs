//! The detail pane's document: every field of the selected message as clean lines,
//! built once when the selection changes, and its scrolling.
//!
//! Lines are wrapped lazily: the scroll position is a line and a byte offset into it,
//! so drawing wraps only the rows on screen, however long the message.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::model::{ConversationKind, Message, MessageStatus, MsgType};

use super::text;

/// Columns of the field label column.
pub const LABEL_COLS: u16 = 14;
/// The most content bytes laid out in the pane; the rest is announced, not shown.
pub const DETAIL_MAX_CONTENT_BYTES: usize = 256 * 1024;

/// What a line is, for styling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A section heading such as `Ext`.
    Heading,
    /// A labelled field.
    Field,
    /// Message content.
    Content,
    /// A remark: loading, not found, cut.
    Note,
    /// Something wrong with the message.
    Defect,
    /// An empty spacer line.
    Blank,
}

/// One logical line of the document. `label` fills the first `indent` columns of its
/// first row; wrapped rows continue at `indent`. Both strings are clean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocLine {
    pub kind: LineKind,
    pub label: String,
    pub text: String,
    pub indent: u16,
}

/// The selected message, laid out as lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailDoc {
    pub lines: Vec<DocLine>,
}

/// What is known of a referenced message.
#[derive(Clone, Debug)]
pub enum RefContent<'a> {
    /// It is loaded; here it is.
    Loaded(&'a Message),
    /// Being fetched.
    Loading,
    /// The server does not have it.
    NotFound,
    /// Fetching it failed.
    Failed(&'a str),
    /// Not fetched (yet).
    Unknown,
}

/// What the document needs besides the message.
pub struct DocContext<'a> {
    pub sender_name: Option<&'a str>,
    /// The display name of the referenced message's sender, when known.
    pub ref_sender_name: Option<&'a str>,
    pub time_zone: &'a TimeZone,
    pub referenced: RefContent<'a>,
}

struct Builder {
    lines: Vec<DocLine>,
}

impl Builder {
    fn push(&mut self, kind: LineKind, label: &str, text: String, indent: u16) {
        self.lines.push(DocLine {
            kind,
            label: text::one_line(label, usize::from(indent.saturating_sub(1))),
            text,
            indent,
        });
    }

    fn field(&mut self, label: &str, value: impl Into<String>) {
        self.push(LineKind::Field, label, value.into(), LABEL_COLS);
    }

    /// A field whose value is strangers' text.
    fn field_text(&mut self, label: &str, value: &str) {
        let mut first = true;
        for line in text::lines(value) {
            let label = if first { label } else { "" };
            self.push(LineKind::Field, label, line, LABEL_COLS);
            first = false;
        }
    }

    fn heading(&mut self, title: &str) {
        self.blank();
        self.push(LineKind::Heading, "", title.into(), 0);
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| l.kind != LineKind::Blank) {
            self.push(LineKind::Blank, "", String::new(), 0);
        }
    }

    fn note(&mut self, indent: u16, text: String) {
        self.push(LineKind::Note, "", text, indent);
    }

    /// Strangers' multi-line text, cut at [`DETAIL_MAX_CONTENT_BYTES`].
    fn content(&mut self, kind: LineKind, body: &str, indent: u16) {
        let (shown, cut) = cut_at_char(body, DETAIL_MAX_CONTENT_BYTES);
        for line in text::lines(shown) {
            self.push(kind, "", line, indent);
        }
        if cut > 0 {
            self.note(
                indent,
                format!("… {cut} more bytes not shown (export the conversation for all of it)"),
            );
        }
    }
}

fn cut_at_char(s: &str, max: usize) -> (&str, usize) {
    if s.len() <= max {
        return (s, 0);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], s.len() - end)
}

/// A local time with its date, weekday and offset: `Tue 2024-05-07 09:01:00 +00:00`.
pub fn long_time(ms: i64, tz: &TimeZone) -> Option<String> {
    let ts = Timestamp::from_millisecond(ms).ok()?;
    let dt = tz.to_datetime(ts);
    let offset = tz.to_offset(ts).seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
    Some(format!(
        "{} {sign}{h:02}:{m:02}",
        dt.strftime("%a %Y-%m-%d %H:%M:%S")
    ))
}

/// Lays out a message for the detail pane.
pub fn build(message: &Message, ctx: &DocContext<'_>) -> DetailDoc {
    let mut b = Builder { lines: Vec::new() };
    let body = &message.body;
    let sender = message.sender_label();
    match ctx.sender_name {
        Some(name) => b.field_text("From", &format!("{name} ({sender})")),
        None => b.field_text("From", &sender),
    }
    match body.create_time {
        Some(ms) => {
            b.field("Time", long_time(ms, ctx.time_zone).unwrap_or_default());
            b.field("", format!("{ms} ms"));
        }
        None => b.field("Time", "(none)"),
    }
    b.field("MessageId", opt(body.message_id.map(|v| v.0)));
    b.field("Index", opt(body.index_in_conversation));
    b.field("MsgType", type_name(body.msg_type));
    b.field("Status", status_name(body.status));
    let conversation = match body.conversation_type {
        Some(t) => format!("{} ({t})", ConversationKind::from_code(t).label()),
        None => "(none)".into(),
    };
    b.field("Conversation", conversation);
    if let Some(id) = body.conversation_short_id {
        b.field("", format!("id {id}"));
    }

    b.heading("Content");
    content_section(&mut b, message);

    if !body.ext.is_empty() {
        b.heading("Ext");
        ext_section(&mut b, &body.ext);
    }

    if let Some(r) = &body.ref_msg_info {
        b.heading("Reply to");
        b.field("MessageId", opt(r.referenced_message_id.map(|v| v.0)));
        b.field("MsgType", type_name(r.referenced_message_type));
        b.field("Status", status_name(r.status));
        b.field_text("Hint", &r.hint);
        match &ctx.referenced {
            RefContent::Loaded(m) => {
                match ctx.ref_sender_name {
                    Some(name) => b.field_text("From", &format!("{name} ({})", m.sender_label())),
                    None => b.field_text("From", &m.sender_label()),
                }
                let decoded = m.decoded_content();
                let text = match (&decoded.text, &decoded.json) {
                    (Some(t), _) => t.clone(),
                    (None, Some(json)) => json.to_string(),
                    (None, None) => String::new(),
                };
                let (shown, _) = cut_at_char(&text, DETAIL_MAX_CONTENT_BYTES / 4);
                b.field_text("Content", shown);
            }
            RefContent::Loading => b.note(LABEL_COLS, "loading the referenced message…".into()),
            RefContent::NotFound => {
                b.note(LABEL_COLS, "the referenced message was not found".into())
            }
            RefContent::Failed(e) => {
                b.push(
                    LineKind::Defect,
                    "",
                    format!("could not load it: {}", text::one_line(e, 300)),
                    LABEL_COLS,
                );
            }
            RefContent::Unknown => {}
        }
    }

    if !message.defects.is_empty() {
        b.heading("Field defects");
        for d in &message.defects {
            let problem = text::one_line(&d.problem, 1000);
            b.push(LineKind::Defect, d.field, problem, LABEL_COLS);
        }
    }

    let unknown = message.unknown_fields();
    if !unknown.is_empty() {
        b.heading("Unknown fields");
        for (key, value) in &unknown {
            let shown = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let (shown, _) = cut_at_char(&shown, DETAIL_MAX_CONTENT_BYTES / 4);
            b.push(
                LineKind::Field,
                key,
                text::one_line(shown, usize::MAX),
                LABEL_COLS,
            );
        }
    }
    DetailDoc { lines: b.lines }
}

fn content_section(b: &mut Builder, message: &Message) {
    let decoded = message.decoded_content();
    if let Some(text) = &decoded.text {
        b.content(LineKind::Content, text, 0);
    }
    if !decoded.files.is_empty() {
        b.heading("Files");
        for url in &decoded.files {
            b.content(LineKind::Content, url, 0);
        }
    }
    if let Some(json) = &decoded.json {
        let only_text = decoded.text.is_some()
            && json
                .as_object()
                .is_some_and(|o| o.keys().all(|k| k == "text" || k == "Text"));
        if !only_text {
            if decoded.text.is_some() || !decoded.files.is_empty() {
                b.heading("Content JSON");
            }
            let pretty = serde_json::to_string_pretty(json).unwrap_or_default();
            b.content(LineKind::Content, &pretty, 0);
        }
    }
    if decoded.text.is_none() && decoded.json.is_none() && decoded.files.is_empty() {
        b.note(0, "(empty)".into());
    }
}

fn ext_section(b: &mut Builder, ext: &BTreeMap<String, String>) {
    for (key, value) in ext {
        let mut first = true;
        for line in text::lines(cut_at_char(value, DETAIL_MAX_CONTENT_BYTES / 4).0) {
            let label = if first { key.as_str() } else { "" };
            b.push(LineKind::Field, label, line, LABEL_COLS);
            first = false;
        }
    }
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "(none)".into(), |v| v.to_string())
}

/// `image (10003)`, or `(none)`.
pub fn type_name(code: Option<i32>) -> String {
    match code {
        Some(c) => format!("{} ({c})", MsgType::from_code(c).label()),
        None => "(none)".into(),
    }
}

/// `recalled (3)`.
pub fn status_name(code: i32) -> String {
    format!("{} ({code})", MessageStatus::from_code(code).label())
}

/// Where the pane is scrolled: the top row starts `offset` bytes into `line`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DetailScroll {
    pub line: usize,
    pub offset: usize,
}

/// One row on screen: a slice of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocRow {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

impl DocRow {
    /// True for the first row of its line (where the label goes).
    pub fn is_first(&self) -> bool {
        self.start == 0
    }
}

fn text_cols(line: &DocLine, width: u16) -> usize {
    usize::from(width.saturating_sub(line.indent).max(1))
}

impl DetailDoc {
    /// Up to `max` rows from a scroll position, for a pane `width` columns wide.
    pub fn rows(&self, from: DetailScroll, width: u16, max: usize) -> Vec<DocRow> {
        let mut out = Vec::new();
        let mut pos = from;
        while out.len() < max && pos.line < self.lines.len() {
            let line = &self.lines[pos.line];
            let row = text::next_row(&line.text, pos.offset, text_cols(line, width));
            out.push(DocRow {
                line: pos.line,
                start: pos.offset,
                end: row.end,
            });
            pos = if row.next >= line.text.len() {
                DetailScroll {
                    line: pos.line + 1,
                    offset: 0,
                }
            } else {
                DetailScroll {
                    line: pos.line,
                    offset: row.next,
                }
            };
        }
        out
    }

    /// Scrolls down by `n` rows, stopping when the last row reaches the bottom of a
    /// pane `height` rows high.
    pub fn scroll_down(&self, scroll: &mut DetailScroll, width: u16, height: u16, n: usize) {
        for _ in 0..n {
            let ahead = self.rows(*scroll, width, usize::from(height) + 1);
            if ahead.len() <= usize::from(height) || ahead.len() < 2 {
                return;
            }
            let next = ahead[1];
            *scroll = DetailScroll {
                line: next.line,
                offset: next.start,
            };
        }
    }

    /// Scrolls up by `n` rows.
    pub fn scroll_up(&self, scroll: &mut DetailScroll, width: u16, n: usize) {
        for _ in 0..n {
            let Some(line) = self.lines.get(scroll.line) else {
                *scroll = DetailScroll::default();
                return;
            };
            let cols = text_cols(line, width);
            if let Some(prev) = text::previous_row_start(&line.text, scroll.offset, cols) {
                scroll.offset = prev;
            } else if scroll.line > 0 {
                scroll.line -= 1;
                let prev = &self.lines[scroll.line];
                scroll.offset = text::last_row_start(&prev.text, text_cols(prev, width));
            } else {
                return;
            }
        }
    }

    /// Scrolls as far down as [`DetailDoc::scroll_down`] allows.
    pub fn scroll_to_end(&self, scroll: &mut DetailScroll, width: u16, height: u16) {
        *scroll = DetailScroll {
            line: self.lines.len().saturating_sub(1),
            offset: 0,
        };
        if let Some(last) = self.lines.last() {
            scroll.offset = text::last_row_start(&last.text, text_cols(last, width));
        }
        self.scroll_up(scroll, width, usize::from(height.saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;
    use serde_json::json;

    fn ctx(tz: &TimeZone) -> DocContext<'_> {
        DocContext {
            sender_name: Some("Alice"),
            ref_sender_name: None,
            time_zone: tz,
            referenced: RefContent::Unknown,
        }
    }

    fn texts(doc: &DetailDoc) -> Vec<String> {
        doc.lines
            .iter()
            .map(|l| format!("{}|{}", l.label, l.text))
            .collect()
    }

    #[test]
    fn every_field_is_shown() {
        let m = fixtures::message_from(json!({
            "MessageId": 7, "Sender": 10001, "MsgType": 10003, "Content": "{\"__files\":{\"a\":{\"remoteURL\":\"https://x.invalid/a.png\"}}}",
            "CreateTime": 1715072460000i64, "Status": 3, "ConversationType": 2, "ConversationShortId": 99,
            "IndexInConversation": 4, "Ext": {"k": "v"},
            "RefMsgInfo": {"ReferencedMessageId": 5, "Hint": "[图片]", "ReferencedMessageType": 10003, "Status": 3},
            "Brand": {"new": true}
        }));
        let tz = TimeZone::UTC;
        let doc = build(&m, &ctx(&tz));
        let all = texts(&doc).join("\n");
        for expected in [
            "From|Alice (10001)",
            "Time|Tue 2024-05-07 09:01:00 +00:00",
            "|1715072460000 ms",
            "MessageId|7",
            "Index|4",
            "MsgType|image (10003)",
            "Status|recalled (3)",
            "Conversation|group (2)",
            "|https://x.invalid/a.png",
            "k|v",
            "MessageId|5",
            "Hint|[图片]",
            "Brand|{\"new\":true}",
        ] {
            assert!(all.contains(expected), "{expected:?} missing from\n{all}");
        }
    }

    #[test]
    fn huge_content_is_cut_and_announced() {
        let big = "x".repeat(DETAIL_MAX_CONTENT_BYTES + 10);
        let m = fixtures::message_from(json!({"MessageId": 1, "Sender": 1, "MsgType": 10001,
            "Content": json!({"text": big}).to_string(), "CreateTime": 1}));
        let tz = TimeZone::UTC;
        let doc = build(&m, &ctx(&tz));
        assert!(texts(&doc).iter().any(|l| l.contains("10 more bytes")));
    }

    #[test]
    fn scrolling_walks_wrapped_rows_both_ways() {
        let doc = DetailDoc {
            lines: vec![
                DocLine {
                    kind: LineKind::Content,
                    label: String::new(),
                    text: "aaaa bbbb cccc".into(),
                    indent: 0,
                },
                DocLine {
                    kind: LineKind::Content,
                    label: String::new(),
                    text: "dd".into(),
                    indent: 0,
                },
            ],
        };
        let rows = doc.rows(DetailScroll::default(), 5, 10);
        assert_eq!(rows.len(), 4);
        let mut s = DetailScroll::default();
        doc.scroll_down(&mut s, 5, 2, 1);
        assert_eq!(s, DetailScroll { line: 0, offset: 5 });
        doc.scroll_down(&mut s, 5, 2, 10);
        assert_eq!(
            s,
            DetailScroll {
                line: 0,
                offset: 10
            },
            "stops at the end"
        );
        doc.scroll_up(&mut s, 5, 1);
        assert_eq!(s, DetailScroll { line: 0, offset: 5 });
        let mut e = DetailScroll::default();
        doc.scroll_to_end(&mut e, 5, 2);
        assert_eq!(
            e,
            DetailScroll {
                line: 0,
                offset: 10
            }
        );
    }
}
