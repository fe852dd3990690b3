//! markdown: a transcript for people. Not lossless: jsonl, json and csv are.

use std::collections::HashMap;
use std::io::{self, Write};

use jiff::Timestamp;

mod read;

use super::{MessageWriter, Sink};
use crate::export::ConversationTarget;
use crate::export::existing::MarkdownPosition;
use crate::model::safe_text::strip_controls;
use crate::model::{ConversationId, Message, MessageStatus, MsgType, UserId};

/// The marker that ends a conversation heading; `--append` reads it back.
const CONVERSATION_MARKER: &str = "<!-- volc-im:conversation ";
/// The marker that ends a message's first line; `--append` reads it back.
pub(super) const MESSAGE_MARKER: &str = "<!-- volc-im:message ";
/// What a day heading starts with.
const DAY_HEADING: &str = "### ";

/// The title every transcript starts with; `--append` refuses a file without it.
const TITLE: &str = "# volc-im export\n\n\
Times are UTC. This transcript is for reading: the lossless formats are jsonl, json and csv.\n";

/// Writes a heading per conversation, a heading per day, and per message
/// `**sender** HH:MM` (the sender's display name once learned, else the id), the quoted message (`> ↪ hint`) and the text. Media show as
/// `[image](<url>)`-style links; messages with unreadable fields also show their raw
/// JSON in a fenced block. Text is escaped for markdown and stripped of control
/// characters, so a transcript never carries terminal escapes.
///
/// Each conversation heading ends with an HTML comment naming the conversation, and
/// each message ends with a line of its own holding one naming the conversation and
/// the message id; invisible once rendered, they let `--append` carry on exactly and
/// tell a whole last message from a cut one.
pub struct MarkdownWriter {
    out: Sink,
    names: HashMap<UserId, String>,
    conversation: Option<ConversationId>,
    day: Option<String>,
}

impl MarkdownWriter {
    /// A writer on `out`. `position` is `None` for a new output (the title is written
    /// now), or where an existing transcript being appended to ended.
    pub fn new(mut out: Sink, position: Option<MarkdownPosition>) -> io::Result<Self> {
        let position = match position {
            Some(p) => p,
            None => {
                out.write_all(TITLE.as_bytes())?;
                MarkdownPosition::default()
            }
        };
        Ok(MarkdownWriter {
            out,
            names: HashMap::new(),
            conversation: position.conversation,
            day: position.day,
        })
    }
}

impl MessageWriter for MarkdownWriter {
    fn begin_conversation(&mut self, target: &ConversationTarget) -> io::Result<()> {
        if self.conversation == Some(target.conversation) {
            // Carrying on with the conversation an appended transcript ended in.
            return Ok(());
        }
        self.conversation = Some(target.conversation);
        self.day = None;
        let id = target.conversation;
        let label = escape_line(&strip_controls(&target.label).replace('\n', " "));
        if target.label == id.to_string() {
            writeln!(
                self.out,
                "\n## Conversation {id} {CONVERSATION_MARKER}{id} -->"
            )
        } else {
            writeln!(
                self.out,
                "\n## {label} ({id}) {CONVERSATION_MARKER}{id} -->"
            )
        }
    }

    fn write_message(&mut self, target: &ConversationTarget, message: &Message) -> io::Result<()> {
        use std::fmt::Write as _;
        // The whole message (and its day heading) goes out in one write, so that a
        // stop between two writes cannot leave a message's marker without its text.
        // Writing to a String cannot fail.
        let mut record = String::new();
        let body = &message.body;
        let time = body
            .create_time
            .and_then(|ms| Timestamp::from_millisecond(ms).ok());
        if let Some(time) = &time {
            let day = time.strftime("%Y-%m-%d").to_string();
            if self.day.as_deref() != Some(day.as_str()) {
                let _ = writeln!(record, "\n{DAY_HEADING}{day}");
                self.day = Some(day);
            }
        }
        let string_id = body.sender_str.as_deref().is_some_and(|s| !s.is_empty());
        let sender = body
            .sender
            .filter(|_| !string_id)
            .and_then(|id| self.names.get(&id).cloned())
            .unwrap_or_else(|| message.sender_label());
        let sender = escape_line(&strip_controls(&sender).replace('\n', " "));
        let clock = time
            .map(|t| t.strftime("%H:%M").to_string())
            .unwrap_or_else(|| "--:--".into());
        let conversation = body.conversation_short_id.unwrap_or(target.conversation);
        let id = message
            .id()
            .map(|id| id.to_string())
            .unwrap_or_else(|| "-".into());
        let status = match message.status() {
            MessageStatus::Visible => String::new(),
            other => format!(" _({})_", other.label()),
        };
        let _ = writeln!(record, "\n**{sender}** {clock}{status}");
        if let Some(reference) = &body.ref_msg_info {
            let hint = escape_line(&strip_controls(&reference.hint).replace('\n', " "));
            let status = match reference.status() {
                MessageStatus::Visible => String::new(),
                other => format!(" _({})_", other.label()),
            };
            let _ = writeln!(record, "\n> ↪ {hint}{status}");
        }
        let text = message_text(message);
        if !text.is_empty() {
            let _ = writeln!(record, "\n{text}");
        }
        if !message.defects.is_empty() {
            let problems: Vec<String> = message.defects.iter().map(|d| d.to_string()).collect();
            let problems = escape_line(&strip_controls(&problems.join("; ")).replace('\n', " "));
            let raw = strip_controls(message.raw_json());
            let fence = "`".repeat(longest_run(&raw, '`').max(2) + 1);
            let _ = writeln!(
                record,
                "\n_odd message ({problems}), as received:_\n\n{fence}json\n{raw}\n{fence}"
            );
        }
        // Last, so that a transcript whose last message lacks it was cut in that message.
        let _ = writeln!(record, "{MESSAGE_MARKER}{conversation} {id} -->");
        self.out.write_all(record.as_bytes())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn learn_names(&mut self, names: &[(UserId, String)]) {
        self.names.extend(names.iter().cloned());
    }
}

/// The body of a message as markdown: escaped text; media and other kinds as a
/// `[kind]` marker, linked when they carry a web URL.
fn message_text(message: &Message) -> String {
    let decoded = message.decoded_content();
    let kind = message.msg_type();
    let text = decoded
        .text
        .clone()
        .or_else(|| {
            // Structured content without text or files: show it, it is all there is.
            (decoded.files.is_empty() && kind != MsgType::Text)
                .then(|| decoded.json.as_ref().map(|j| j.to_string()))
                .flatten()
        })
        .unwrap_or_default();
    let text = escape_block(&strip_controls(&text));
    if kind == MsgType::Text {
        return text;
    }
    let label = kind.label();
    let mut markers: Vec<String> = decoded
        .files
        .iter()
        .map(|url| link(&label, &strip_controls(url)))
        .collect();
    if markers.is_empty() {
        markers.push(format!("\\[{}\\]", escape_line(&label)));
    }
    let markers = markers.join(" ");
    if text.is_empty() {
        markers
    } else {
        format!("{markers} {text}")
    }
}

/// `[label](<url>)` for a web URL; any other URL is shown as text, never linked.
fn link(label: &str, url: &str) -> String {
    let label = escape_line(label);
    let lower = url.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://")) && !url.contains('\n') {
        let url = url.replace('<', "%3C").replace('>', "%3E");
        format!("[{label}](<{url}>)")
    } else {
        format!("\\[{label}\\] {}", escape_line(&url.replace('\n', " ")))
    }
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for ch in s.chars() {
        run = if ch == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// Escapes one line so that it reads as plain text: inline markup (emphasis, code,
/// links, HTML, entities, tables) everywhere, and block markup at the line's start.
fn escape_line(line: &str) -> String {
    let line = line.trim_start();
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let ordered_list =
        (1..=9).contains(&digits) && matches!(line.as_bytes().get(digits), Some(b'.' | b')'));
    let mut out = String::with_capacity(line.len() + 8);
    for (i, c) in line.char_indices() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&'
        ) || (i == 0 && matches!(c, '-' | '+' | '='))
            || (ordered_list && i == digits)
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes text of several lines; line breaks stay line breaks (hard breaks).
fn escape_block(text: &str) -> String {
    text.trim_matches('\n')
        .split('\n')
        .map(escape_line)
        .collect::<Vec<_>>()
        .join("\\\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::format::fixtures::{SharedBuf, odd_messages, target};

    fn transcript(messages: &[Message]) -> String {
        let buf = SharedBuf::default();
        let mut w = MarkdownWriter::new(Box::new(buf.clone()), None).unwrap();
        w.begin_conversation(&target()).unwrap();
        for m in messages {
            w.write_message(&target(), m).unwrap();
        }
        w.finish().unwrap();
        buf.text()
    }

    #[test]
    fn a_transcript_has_headings_senders_times_and_quotes() {
        let text = transcript(&odd_messages());
        assert!(text.starts_with("# volc-im export\n"));
        assert!(text.contains("lossless formats are jsonl, json and csv"));
        assert!(text.contains(
            "\n## team \\*chat\\* (7000000000000000001) <!-- volc-im:conversation 7000000000000000001 -->\n"
        ));
        assert!(text.contains("\n### 2024-05-01\n"));
        assert!(text.contains("\n### 2024-05-02\n"));
        assert_eq!(
            text.matches("### 2024-05-02").count(),
            1,
            "one heading per day"
        );
        assert!(text.contains(
            "\n**42** 12:00\n\nhello, world\n<!-- volc-im:message 7000000000000000001 9223372036854775806 -->\n"
        ));
        assert!(text.contains("\n你好，世界 👋\n"));
        assert!(text.contains("\n> ↪ hello \\*quoted\\*\n"));
        assert!(text.contains("\n> ↪ \\[图片\\] _(recalled)_\n"));
    }

    #[test]
    fn hostile_text_is_escaped_and_never_carries_control_characters() {
        let text = transcript(&odd_messages());
        for c in text.chars() {
            assert!(
                c == '\n' || !c.is_control(),
                "control character {c:?} written"
            );
        }
        assert!(text.contains("\\[31mred\\[0m \\# not a heading"), "{text}");
        assert!(
            text.contains("\\\n\\- not a list"),
            "a list marker at a line start is escaped"
        );
        assert!(text.contains("\\<script\\>alert(1)\\</script\\>"));
        assert!(text.contains("\\[x\\](javascript:y)"), "no link is formed");
        assert!(text.contains("\\`code\\` \\| a \\\\ b \\_c\\_"));
    }

    #[test]
    fn media_are_linked_and_odd_messages_show_their_raw_json() {
        let text = transcript(&odd_messages());
        assert!(
            text.contains("[image](<https://example.invalid/a b).png>)"),
            "{text}"
        );
        assert!(text.contains("\\[file\\] 42"), "{text}");
        assert!(text.contains("_odd message (MessageId: an integer sent as a string"));
        assert!(text.contains("````json\n{\"ConversationShortId\":7000000000000000001,\"Sender\":47,\"Content\":\"no id ```fence```\"}\n````"));
        assert!(text.contains("\n````\n<!-- volc-im:message 7000000000000000001 - -->\n"));
        assert!(text.contains(&"长".repeat(100_000)));
    }

    #[test]
    fn carrying_on_in_the_same_conversation_and_day_repeats_no_heading() {
        let buf = SharedBuf::default();
        let position = MarkdownPosition {
            conversation: Some(target().conversation),
            day: Some("2024-05-02".into()),
        };
        let mut w = MarkdownWriter::new(Box::new(buf.clone()), Some(position)).unwrap();
        w.begin_conversation(&target()).unwrap();
        w.write_message(&target(), &odd_messages()[3]).unwrap();
        let text = buf.text();
        assert!(!text.contains("# "), "{text}");
        assert!(text.starts_with("\n**45** 12:01"), "{text}");
    }

    #[test]
    fn senders_show_their_names_once_learned() {
        let buf = SharedBuf::default();
        let mut w = MarkdownWriter::new(Box::new(buf.clone()), None).unwrap();
        w.begin_conversation(&target()).unwrap();
        let messages = odd_messages();
        w.write_message(&target(), &messages[0]).unwrap();
        w.learn_names(&[
            (UserId(43), "Bob *the* builder".into()),
            (UserId(48), "ignored".into()),
        ]);
        w.write_message(&target(), &messages[1]).unwrap();
        w.write_message(&target(), &messages[6]).unwrap();
        let text = buf.text();
        assert!(text.contains("\n**42** 12:00"), "not learned yet: the id");
        assert!(text.contains("\n**Bob \\*the\\* builder** 12:01"), "{text}");
        assert!(
            text.contains("\n**user\"with,comma** "),
            "a string sender id is shown as is"
        );
    }

    #[test]
    fn escaping_leaves_plain_text_alone_and_neutralises_block_starts() {
        assert_eq!(escape_line("hello, world. ok?"), "hello, world. ok?");
        assert_eq!(escape_line("1. first"), "1\\. first");
        assert_eq!(escape_line("+ plus"), "\\+ plus");
        assert_eq!(escape_line("> quote"), "\\> quote");
        assert_eq!(escape_line("    code"), "code");
        assert_eq!(escape_block("a\n\nb"), "a\\\n\\\nb");
        assert_eq!(
            strip_controls("a\u{1b}[2Jb\u{9b}c\u{202E}d\r\ne"),
            "a[2Jbcd\ne"
        );
    }
}
