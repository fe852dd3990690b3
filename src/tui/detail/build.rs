//! Laying out a message's fields as the detail document's lines.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::model::{ConversationKind, Message, MessageStatus, MsgType};
use crate::tui::text;

use super::{
    DETAIL_MAX_CONTENT_BYTES, DetailDoc, DocContext, DocLine, LABEL_COLS, LineKind, RefContent,
};

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

/// Lays out a message for the detail pane. A compact pane (a small terminal) shows
/// who and when on one line, then the content, then the other fields, so that the
/// text is on screen without scrolling.
pub fn build(message: &Message, ctx: &DocContext<'_>) -> DetailDoc {
    let mut b = Builder { lines: Vec::new() };
    let body = &message.body;
    if ctx.compact {
        let sender = message.sender_label();
        let who = match ctx.sender_name {
            Some(name) => format!("{name} ({sender})"),
            None => sender,
        };
        let when = body
            .create_time
            .and_then(|ms| long_time(ms, ctx.time_zone))
            .unwrap_or_else(|| "(no time)".into());
        b.field_text("From", &format!("{} · {when}", text::one_line(&who, 80)));
        content_section(&mut b, message);
        b.heading("Message");
        fields(&mut b, message, ctx);
    } else {
        fields(&mut b, message, ctx);
        b.heading("Content");
        content_section(&mut b, message);
    }
    rest(&mut b, message, ctx);
    DetailDoc { lines: b.lines }
}

/// Who sent it, when, its ids, type, status and conversation.
fn fields(b: &mut Builder, message: &Message, ctx: &DocContext<'_>) {
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
}

/// Ext, the quoted message, defects and unknown fields.
fn rest(b: &mut Builder, message: &Message, ctx: &DocContext<'_>) {
    let body = &message.body;
    if !body.ext.is_empty() {
        b.heading("Ext");
        ext_section(b, &body.ext);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::detail::DetailDoc;
    use crate::tui::fixtures;
    use serde_json::json;

    fn ctx(tz: &TimeZone) -> DocContext<'_> {
        DocContext {
            sender_name: Some("Alice"),
            ref_sender_name: None,
            time_zone: tz,
            referenced: RefContent::Unknown,
            compact: false,
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
}
