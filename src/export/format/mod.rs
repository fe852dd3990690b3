//! The output formats, one writer each. Every writer streams: it writes each message
//! as it comes, and [`MessageWriter::flush`] pushes it to the output.
//!
//! jsonl, json and csv are lossless: every message is written with its raw JSON
//! exactly as received. markdown is a transcript for people.

mod csv;
mod json;
mod jsonl;
mod markdown;
mod read;

use std::io::{self, Write};

use super::existing::ExistingOutput;
pub use super::existing::MarkdownPosition;
use super::{ConversationTarget, Format};
use crate::model::{Message, UserId};

pub use self::csv::{CSV_HEADER, CsvWriter};
pub use self::json::JsonWriter;
pub use self::jsonl::JsonlWriter;
pub use self::markdown::MarkdownWriter;

/// Where a writer writes: stdout, a file, or memory.
pub type Sink = Box<dyn Write + Send>;

/// Writes messages in one format.
pub trait MessageWriter: Send {
    /// The messages of `target` follow (a heading, where the format has them; by
    /// default nothing).
    fn begin_conversation(&mut self, target: &ConversationTarget) -> io::Result<()> {
        let _ = target;
        Ok(())
    }

    /// Writes one message of `target`.
    fn write_message(&mut self, target: &ConversationTarget, message: &Message) -> io::Result<()>;

    /// Pushes everything written so far to the output.
    fn flush(&mut self) -> io::Result<()>;

    /// Display names of senders, learned as the export goes; formats that show
    /// names (markdown) use them, the others keep ids only.
    fn learn_names(&mut self, names: &[(UserId, String)]) {
        let _ = names;
    }

    /// Ends a complete export (the JSON array's closing bracket) and flushes; by
    /// default there is nothing to end, only the flush.
    /// Not called when the export failed, so a partial output stays resumable.
    fn finish(&mut self) -> io::Result<()> {
        self.flush()
    }
}

/// A writer for `format` on `sink`. When `existing` describes output already in the
/// sink (an `--append`), the writer carries on after it instead of starting anew:
/// no second header, no second `[`.
pub fn new_writer(
    format: Format,
    sink: Sink,
    existing: &ExistingOutput,
) -> io::Result<Box<dyn MessageWriter>> {
    Ok(match format {
        Format::Jsonl => Box::new(JsonlWriter::new(sink)),
        Format::Json => Box::new(JsonWriter::new(sink, existing.json_elements())?),
        Format::Csv => Box::new(CsvWriter::new(sink, !existing.is_fresh())?),
        Format::Markdown => Box::new(MarkdownWriter::new(sink, existing.markdown_position())?),
    })
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Odd messages every writer is tested with.

    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use crate::export::ConversationTarget;
    use crate::model::{AppId, ConversationId, Message};

    /// A sink whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

    impl SharedBuf {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for SharedBuf {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    pub fn target() -> ConversationTarget {
        ConversationTarget {
            label: "team *chat*".into(),
            app: AppId(1),
            conversation: ConversationId(7000000000000000001),
            live: false,
        }
    }

    pub fn raw(text: &str) -> Message {
        Message::from_raw(serde_json::value::RawValue::from_string(text.to_owned()).unwrap())
    }

    /// Plain, CJK, hostile, reply, image, defective, huge, and one with unknown fields
    /// and numbers a re-serialisation would change.
    pub fn odd_messages() -> Vec<Message> {
        let huge = "长".repeat(100_000);
        vec![
            raw(
                r#"{"AppId":1,"ConversationShortId":7000000000000000001,"ConversationType":2,"MessageId":9223372036854775806,"Sender":42,"MsgType":10001,"Content":"{\"text\":\"hello, world\"}","CreateTime":1714564800123,"Status":0,"Ext":{"k":"v"},"IndexInConversation":1,"Future":{"x":1.50}}"#,
            ),
            Message::from_value(&json!({
                "ConversationShortId": 7000000000000000001i64, "MessageId": 2, "Sender": 43,
                "MsgType": 10001, "Content": "{\"text\":\"你好，世界 👋\"}", "CreateTime": 1714564860000i64,
                "IndexInConversation": 2,
                "RefMsgInfo": {"ReferencedMessageId": 9223372036854775806i64, "Hint": "hello *quoted*", "ReferencedMessageType": 10001, "Status": 0}
            })),
            Message::from_value(&json!({
                "ConversationShortId": 7000000000000000001i64, "MessageId": 3, "Sender": 44,
                "MsgType": 10001,
                "Content": "\u{1b}[31mred\u{1b}[0m # not a heading\n- not a list\n<script>alert(1)</script> [x](javascript:y) `code` | a \\ b _c_ \u{9b}2J\u{7}",
                "CreateTime": 1714651200000i64, "IndexInConversation": 3
            })),
            Message::from_value(&json!({
                "ConversationShortId": 7000000000000000001i64, "MessageId": 4, "Sender": 45,
                "MsgType": 10003,
                "Content": "{\"__files\":{\"img\":{\"remoteURL\":\"https://example.invalid/a b).png\"}}}",
                "CreateTime": 1714651260000i64, "IndexInConversation": 4,
                "RefMsgInfo": {"ReferencedMessageId": 3, "Hint": "[图片]", "ReferencedMessageType": 10003, "Status": 3}
            })),
            raw(
                r#"{"ConversationShortId":7000000000000000001,"MessageId":"5","Sender":46,"MsgType":10005,"Content":42,"CreateTime":1714651320000,"Ext":null}"#,
            ),
            raw(
                r#"{"ConversationShortId":7000000000000000001,"Sender":47,"Content":"no id ```fence```"}"#,
            ),
            Message::from_value(&json!({
                "ConversationShortId": 7000000000000000001i64, "MessageId": 7, "Sender": 48,
                "SenderStr": "user\"with,comma", "MsgType": 10001,
                "Content": huge, "CreateTime": 1714651380000i64, "IndexInConversation": 7
            })),
        ]
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    use super::fixtures::{odd_messages, target};
    use super::*;

    /// A sink that keeps each write apart.
    #[derive(Clone, Default)]
    struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// A stop between two writes must never leave a record without its separator
    /// (or line end), so each message, however large, goes out in one write.
    #[test]
    fn every_message_goes_out_in_one_write_with_its_separator() {
        let messages = odd_messages();
        for format in Format::ALL {
            let sink = Writes::default();
            let mut w =
                new_writer(format, Box::new(sink.clone()), &ExistingOutput::fresh()).unwrap();
            w.begin_conversation(&target()).unwrap();
            sink.0.lock().unwrap().clear();
            for m in &messages {
                w.write_message(&target(), m).unwrap();
            }
            let writes = sink.0.lock().unwrap().clone();
            assert_eq!(writes.len(), messages.len(), "{format}");
            for (n, write) in writes.iter().enumerate() {
                let text = String::from_utf8(write.clone()).unwrap();
                match format {
                    Format::Jsonl => {
                        assert!(text.ends_with('\n') && text.matches('\n').count() == 1)
                    }
                    Format::Json => assert!(text.starts_with(if n == 0 { "\n{" } else { ",\n{" })),
                    Format::Csv => assert!(text.ends_with("}\"\n"), "{text}"),
                    Format::Markdown => {
                        assert!(text.contains("<!-- volc-im:message ") && text.ends_with('\n'))
                    }
                }
                if format != Format::Markdown {
                    assert!(text.contains(messages[n].raw_json().split('"').nth(1).unwrap()));
                }
            }
        }
    }
}
