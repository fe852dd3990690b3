//! The reader's tools on the selected message: copying its text or raw JSON, and the
//! document the pager and the editor show.

use serde_json::Value;

use super::action::{Clip, Command, Outside, Show, Viewer};
use super::app::App;
use super::detail::{long_time, status_name, type_name};
use super::keys::Op;
use super::text;
use crate::model::Message;

impl App {
    /// What `y`, `Y`, `v` or `e` asks of the outside for the selected message; a
    /// notice instead when there is nothing to act on.
    pub(crate) fn message_tool(&mut self, op: Op) -> Option<Command> {
        let now = self.ticks;
        let view = self.view.as_ref()?;
        let Some(entry) = view.selected() else {
            if let Some(v) = self.view.as_mut() {
                v.set_notice("no message selected", now);
            }
            return None;
        };
        let message = &entry.message;
        let outside = match op {
            Op::Yank => {
                let text = own_text(message);
                if text.is_empty() {
                    if let Some(v) = self.view.as_mut() {
                        v.set_notice("this message has no text to copy (Y copies its JSON)", now);
                    }
                    return None;
                }
                Outside::Copy(Clip { text, what: "text" })
            }
            Op::YankJson => Outside::Copy(Clip {
                text: message.raw_json().to_owned(),
                what: "raw JSON",
            }),
            Op::Pager | Op::Editor => {
                let sender = message
                    .body
                    .sender
                    .and_then(|u| self.display_name(view.target().app_id, u));
                let id = message
                    .id()
                    .map_or_else(|| "unknown".to_owned(), |i| i.0.to_string());
                Outside::Show(Show {
                    viewer: if op == Op::Pager {
                        Viewer::Pager
                    } else {
                        Viewer::Editor
                    },
                    document: document(message, sender, &self.tz),
                    file_name: format!("message-{id}.txt"),
                })
            }
            _ => return None,
        };
        Some(Command::Outside(outside))
    }
}

/// The message's own text, as sent: the `text` of its content, else its files, else
/// its content JSON.
pub fn own_text(message: &Message) -> String {
    message.decoded_content().summary()
}

/// The message for reading outside the browser: its header fields, its text, then
/// its raw JSON, pretty. Clean: strangers' control characters are placeholders here
/// too, as the pager writes to the same terminal.
pub fn document(message: &Message, sender_name: Option<&str>, tz: &jiff::tz::TimeZone) -> String {
    let body = &message.body;
    let mut out = String::new();
    let mut field = |label: &str, value: String| {
        out.push_str(&format!("{label:<13} {value}\n"));
    };
    let sender = message.sender_label();
    field(
        "From",
        match sender_name {
            Some(name) => format!("{name} ({sender})"),
            None => sender,
        },
    );
    if let Some(ms) = body.create_time {
        field(
            "Time",
            long_time(ms, tz).unwrap_or_else(|| format!("{ms} ms")),
        );
    }
    field(
        "MessageId",
        body.message_id
            .map_or_else(|| "(none)".into(), |i| i.0.to_string()),
    );
    field("MsgType", type_name(body.msg_type));
    field("Status", status_name(body.status));
    if let Some(r) = &body.ref_msg_info {
        let id = r
            .referenced_message_id
            .map_or_else(|| "(unknown)".into(), |i| i.0.to_string());
        field("Reply to", format!("{id}: {}", r.hint));
    }
    out.push('\n');
    out.push_str(&own_text(message));
    out.push_str("\n\n── raw JSON ──\n");
    let raw: Value = serde_json::from_str(message.raw_json()).unwrap_or(Value::Null);
    out.push_str(&serde_json::to_string_pretty(&raw).unwrap_or_else(|_| message.raw_json().into()));
    out.push('\n');
    text::as_written(&out.replace("\r\n", "\n"))
}

/// The export format a file name asks for, by its extension.
pub fn format_for(path: &std::path::Path) -> Option<crate::export::Format> {
    use crate::export::Format;
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jsonl" | "ndjson" => Format::Jsonl,
        "json" => Format::Json,
        "csv" => Format::Csv,
        "md" | "markdown" => Format::Markdown,
        _ => return None,
    })
}

/// A file name from a conversation's name: letters, digits, `-` and `_` kept, the
/// rest `-`; the id when nothing is left.
fn file_stem(name: Option<&str>, id: crate::model::ConversationId) -> String {
    let stem: String = name
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem.trim_matches('-').to_owned();
    if stem.is_empty() {
        format!("conversation-{id}")
    } else {
        stem.chars().take(60).collect()
    }
}

impl App {
    /// The file name the export prompt offers for the open conversation; `None` (and
    /// a notice) while an export is already running.
    pub(crate) fn export_file_name(&mut self) -> Option<String> {
        let now = self.ticks;
        let view = self.view.as_ref()?;
        if let Some(path) = self.exporting.clone() {
            if let Some(v) = self.view.as_mut() {
                v.set_notice(&format!("an export to {path} is still running"), now);
            }
            return None;
        }
        let name = self.conversation_name(view.target());
        Some(format!(
            "{}.jsonl",
            file_stem(name, view.target().conversation)
        ))
    }

    /// What exporting the open conversation to `name` takes; a notice instead when the
    /// name will not do.
    pub(crate) fn export_to(&mut self, name: &str) -> Option<Command> {
        let now = self.ticks;
        let name = name.trim();
        let path = std::path::PathBuf::from(name);
        let refusal = if name.is_empty() {
            Some("no file name: nothing exported".to_owned())
        } else if path.exists() {
            Some(format!(
                "{name} exists: give another name (nothing was changed)"
            ))
        } else {
            None
        };
        let format = format_for(&path);
        let view = self.view.as_ref()?;
        let live = self.kind_of(view.target()) == Some(crate::model::ConversationKind::LiveGroup);
        let target = crate::export::ConversationTarget {
            label: self
                .conversation_name(view.target())
                .map_or_else(|| view.target().conversation.to_string(), str::to_owned),
            app: view.target().app_id,
            conversation: view.target().conversation,
            live,
        };
        let refusal = refusal.or_else(|| {
            format.is_none().then(|| {
                format!("{name}: end the name in .jsonl, .json, .csv or .md to choose the format")
            })
        });
        if let Some(why) = refusal {
            if let Some(v) = self.view.as_mut() {
                v.set_notice(&why, now);
            }
            return None;
        }
        self.exporting = Some(name.to_owned());
        Some(Command::Outside(Outside::Export(
            super::action::ExportJob {
                target,
                path,
                format: format?,
                // As `volc-im export`: oldest first, except for live groups.
                direction: if live {
                    crate::pager::Direction::NewestFirst
                } else {
                    crate::pager::Direction::OldestFirst
                },
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    #[test]
    fn the_document_has_the_header_the_text_and_the_json_and_nothing_that_controls() {
        let m = fixtures::text_message(3, "hello\u{1b}]52;c;evil\u{7} 👍🏽\nsecond line");
        let doc = document(&m, Some("Alice"), &jiff::tz::TimeZone::UTC);
        assert!(doc.contains("From          Alice (10001)"), "{doc}");
        assert!(doc.contains(&fixtures::id(3).0.to_string()), "{doc}");
        assert!(doc.contains("hello␛]52;c;evil␇ 👍🏽\nsecond line"), "{doc}");
        assert!(doc.contains("\"IndexInConversation\": 3"), "{doc}");
        assert!(!doc.chars().any(|c| c.is_control() && c != '\n'), "{doc:?}");
    }

    #[test]
    fn the_format_comes_from_the_extension() {
        use crate::export::Format;
        use std::path::Path;
        assert_eq!(format_for(Path::new("a.JSONL")), Some(Format::Jsonl));
        assert_eq!(format_for(Path::new("a.json")), Some(Format::Json));
        assert_eq!(format_for(Path::new("dir.v2/a.csv")), Some(Format::Csv));
        assert_eq!(format_for(Path::new("a.md")), Some(Format::Markdown));
        assert_eq!(format_for(Path::new("a.txt")), None);
        assert_eq!(format_for(Path::new("jsonl")), None);
        let id = crate::model::ConversationId(7);
        assert_eq!(
            file_stem(Some("Launch crew 🚀 发布"), id),
            "Launch-crew---发布"
        );
        assert_eq!(file_stem(Some("../../etc"), id), "etc");
        assert_eq!(file_stem(None, id), "conversation-7");
    }

    #[test]
    fn the_copied_text_is_the_messages_own() {
        let m = fixtures::text_message(1, "tab\there \u{1b}[31m");
        assert_eq!(own_text(&m), "tab\there \u{1b}[31m");
    }
}
