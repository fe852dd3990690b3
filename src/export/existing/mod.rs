//! What an output file already holds, for `--append`: which messages (so that a
//! resumed export writes none twice) and where the format left off (an open JSON
//! array, a CSV header, the last markdown headings).

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;

use super::Format;
use super::format::CSV_HEADER;
use super::format::encode_csv_row as encode;
use super::format::markdown::{
    CONVERSATION_MARKER, DAY_HEADING, MESSAGE_MARKER, MarkdownPosition, TITLE,
};
use crate::model::{ConversationId, Message, MessageId, MessageKey};

mod csv;
mod json;
mod jsonl;
mod markdown;

/// Why an existing output cannot be appended to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExistingOutputError {
    /// The file does not read as the format asked for.
    #[error("it does not read as {format} output ({problem})")]
    NotThisFormat { format: Format, problem: String },
    /// The last record was cut off (the writer was killed mid-write, or the disk filled).
    /// Everything before byte `offset` is whole.
    #[error(
        "its last {format} record, from byte {offset} on, is cut off ({problem}); \
         nothing was changed: cut the file back to its first {offset} bytes \
         (`truncate -s {offset} FILE`) and resume again"
    )]
    Truncated {
        format: Format,
        offset: u64,
        problem: String,
    },
    /// A JSON array that is already closed cannot take more messages.
    #[error("its JSON array is already closed with `]`: that export completed")]
    Complete,
}

/// A harmless defect at the end of an output that `--append` mends before writing
/// (see [`Output::append`](super::Output::append)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repair {
    /// The last record is whole but lacks its line end: one is added.
    EndLastLine,
    /// The JSON array ends in a `,` that no element follows: the file is cut back to
    /// its first `keep` bytes (the last element's end), dropping only the comma and
    /// white space, so that the next element gets one comma.
    DropDanglingComma { keep: u64 },
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::EndLastLine => f.write_str(
                "its last record was whole but had no line end (a write was cut short): added one",
            ),
            Repair::DropDanglingComma { keep } => write!(
                f,
                "its JSON array ended in a `,` with no element after it (a write was cut short): \
                 removed it, cutting the file back to its first {keep} bytes"
            ),
        }
    }
}

/// What an output already holds.
#[derive(Clone, Debug, Default)]
pub struct ExistingOutput {
    fresh: bool,
    repair: Option<Repair>,
    keys: HashMap<Option<ConversationId>, HashSet<MessageKey>>,
    counts: HashMap<Option<ConversationId>, u64>,
    messages: u64,
    json_elements: u64,
    markdown: MarkdownPosition,
}

impl ExistingOutput {
    /// An output with nothing in it yet.
    pub fn fresh() -> Self {
        ExistingOutput {
            fresh: true,
            ..ExistingOutput::default()
        }
    }

    /// Reads what `bytes` (a file's content) holds as `format` output. An empty file is fresh.
    pub fn scan(format: Format, bytes: &[u8]) -> Result<Self, ExistingOutputError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ExistingOutput::fresh());
        }
        // A file cut inside a multi-byte character is a cut record like any other:
        // what comes before the character is read, and the cut found from there.
        let (text, cut_in_char) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, false),
            Err(e) if e.error_len().is_none() => (
                std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to there"),
                true,
            ),
            Err(e) => {
                return Err(ExistingOutputError::NotThisFormat {
                    format,
                    problem: format!("not UTF-8: {e}"),
                });
            }
        };
        let mut found = ExistingOutput::default();
        match format {
            Format::Jsonl => found.scan_jsonl(text)?,
            Format::Json => found.scan_json(text)?,
            Format::Csv => found.scan_csv(text)?,
            Format::Markdown => found.scan_markdown(text, cut_in_char)?,
        }
        if cut_in_char {
            // volc-im's jsonl, json and csv records end in ASCII: a cut character
            // always leaves a record unfinished, which the scan refuses above.
            return Err(ExistingOutputError::NotThisFormat {
                format,
                problem: "it ends in a cut character after a whole record".into(),
            });
        }
        Ok(found)
    }

    /// What must be mended at the output's end before more is written to it.
    pub fn repair(&self) -> Option<Repair> {
        self.repair
    }

    /// True when the output holds nothing: a writer starts it (header, `[`, title).
    pub fn is_fresh(&self) -> bool {
        self.fresh
    }

    /// How many messages the output holds.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// How many messages of `conversation` the output holds.
    pub fn count(&self, conversation: ConversationId) -> u64 {
        self.counts.get(&Some(conversation)).copied().unwrap_or(0)
    }

    /// The identities of the messages already written for `conversation`, with the
    /// ids of messages that named no conversation (they may belong to it). An index
    /// or a digest identifies a message within its conversation only, so those of
    /// unnamed messages are left out.
    pub fn known_keys(&self, conversation: ConversationId) -> HashSet<MessageKey> {
        let mut keys = self
            .keys
            .get(&Some(conversation))
            .cloned()
            .unwrap_or_default();
        if let Some(unnamed) = self.keys.get(&None) {
            keys.extend(unnamed.iter().filter(|k| matches!(k, MessageKey::Id(_))));
        }
        keys
    }

    /// For json: `None` for a fresh output, else how many elements the open array holds.
    pub fn json_elements(&self) -> Option<u64> {
        (!self.fresh).then_some(self.json_elements)
    }

    /// For markdown: `None` for a fresh output, else where the transcript ended.
    pub fn markdown_position(&self) -> Option<MarkdownPosition> {
        (!self.fresh).then(|| self.markdown.clone())
    }

    fn note(&mut self, conversation: Option<ConversationId>, key: Option<MessageKey>) {
        self.messages += 1;
        *self.counts.entry(conversation).or_default() += 1;
        if let Some(key) = key {
            self.keys.entry(conversation).or_default().insert(key);
        }
    }

    fn note_message(&mut self, message: &Message) {
        self.note(message.body.conversation_short_id, Some(message.key()));
    }
}

/// True when `raw` is a JSON object with a field every message of the service has
/// (read from the text, so that a message with odd fields still counts).
fn looks_like_message(raw: &RawValue) -> bool {
    let raw = raw.get();
    raw.starts_with('{')
        && [
            "\"MessageId\"",
            "\"ConversationShortId\"",
            "\"IndexInConversation\"",
            "\"CreateTime\"",
            "\"Sender\"",
            "\"MsgType\"",
        ]
        .iter()
        .any(|field| raw.contains(field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::format::fixtures::{SharedBuf, odd_messages, target};
    use crate::export::format::new_writer;

    fn written(format: Format, finish: bool) -> String {
        let buf = SharedBuf::default();
        let mut w = new_writer(format, Box::new(buf.clone()), &ExistingOutput::fresh()).unwrap();
        w.begin_conversation(&target()).unwrap();
        for m in &odd_messages() {
            w.write_message(&target(), m).unwrap();
        }
        if finish {
            w.finish().unwrap();
        } else {
            w.flush().unwrap();
        }
        buf.text()
    }

    #[test]
    fn every_format_reads_back_its_messages() {
        let conv = target().conversation;
        for format in Format::ALL {
            let found = ExistingOutput::scan(format, written(format, false).as_bytes())
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert!(!found.is_fresh());
            assert_eq!(found.messages(), 7, "{format}");
            let keys = found.known_keys(conv);
            for id in [9223372036854775806, 2, 3, 4, 5, 7] {
                assert!(
                    keys.contains(&MessageKey::Id(MessageId(id))),
                    "{format}: {id}"
                );
            }
            assert_eq!(found.count(conv), 7, "{format}");
        }
    }

    #[test]
    fn where_each_format_left_off() {
        let json = ExistingOutput::scan(Format::Json, written(Format::Json, false).as_bytes());
        assert_eq!(json.unwrap().json_elements(), Some(7));
        let closed = ExistingOutput::scan(Format::Json, written(Format::Json, true).as_bytes());
        assert_eq!(closed.unwrap_err(), ExistingOutputError::Complete);
        let md = ExistingOutput::scan(
            Format::Markdown,
            written(Format::Markdown, false).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            md.markdown_position(),
            Some(MarkdownPosition {
                conversation: Some(target().conversation),
                day: Some("2024-05-02".into())
            })
        );
        let empty = ExistingOutput::scan(Format::Csv, b"").unwrap();
        assert!(empty.is_fresh());
        assert_eq!(empty.json_elements(), None);
    }

    fn truncated_at(format: Format, text: &str) -> u64 {
        match ExistingOutput::scan(format, text.as_bytes()) {
            Err(ExistingOutputError::Truncated { offset, .. }) => offset,
            other => panic!("{format}: {other:?}"),
        }
    }

    #[test]
    fn a_whole_record_without_what_follows_it_is_mended() {
        let jsonl = written(Format::Jsonl, false);
        let found = ExistingOutput::scan(Format::Jsonl, jsonl.trim_end().as_bytes()).unwrap();
        assert_eq!(found.messages(), 7);
        assert_eq!(found.repair(), Some(Repair::EndLastLine));
        assert_eq!(
            ExistingOutput::scan(Format::Jsonl, jsonl.as_bytes())
                .unwrap()
                .repair(),
            None
        );

        let json = written(Format::Json, false);
        for dangling in [",", ",\n", " ,\n  "] {
            let found =
                ExistingOutput::scan(Format::Json, format!("{json}{dangling}").as_bytes()).unwrap();
            assert_eq!(found.json_elements(), Some(7));
            assert_eq!(
                found.repair(),
                Some(Repair::DropDanglingComma {
                    keep: json.len() as u64
                }),
                "{dangling:?}"
            );
        }

        let csv = written(Format::Csv, false);
        let found = ExistingOutput::scan(Format::Csv, csv.trim_end().as_bytes()).unwrap();
        assert_eq!(found.messages(), 7);
        assert_eq!(found.repair(), Some(Repair::EndLastLine));
    }

    #[test]
    fn a_cut_record_is_refused_with_where_the_whole_part_ends() {
        let jsonl = written(Format::Jsonl, false);
        let last_line = jsonl.trim_end().rfind('\n').unwrap() as u64 + 1;
        assert_eq!(
            truncated_at(Format::Jsonl, &jsonl[..jsonl.len() - 3]),
            last_line
        );

        let json = written(Format::Json, false);
        let last_comma = json.rfind(",\n").unwrap() as u64;
        assert_eq!(
            truncated_at(Format::Json, &json[..json.len() - 3]),
            last_comma
        );
        assert_eq!(
            truncated_at(Format::Json, &format!("{json},\n{{\"a\"")),
            json.len() as u64
        );

        let csv = written(Format::Csv, false);
        // The last row's raw JSON, and an earlier column holding a line break.
        let at = truncated_at(Format::Csv, &csv[..csv.len() - 3]);
        assert!(csv[at as usize..].starts_with("7000000000000000001,7,"));
        let third = csv.find("7000000000000000001,3,").unwrap();
        let inside_text = third + csv[third..].find("heading\n").unwrap() + 8;
        assert_eq!(truncated_at(Format::Csv, &csv[..inside_text]), third as u64);

        let md = written(Format::Markdown, false);
        let last_marker = md.rfind(MESSAGE_MARKER).unwrap();
        let previous_end = md[..last_marker].rfind("-->\n").unwrap() as u64 + 4;
        assert_eq!(
            truncated_at(Format::Markdown, &md[..md.len() - 4]),
            previous_end
        );
        // Cut at a line end inside the last message: its text is missing.
        let sender_line_end = md[..last_marker].rfind("\n**").unwrap() + 1;
        let sender_line_end = sender_line_end + md[sender_line_end..].find('\n').unwrap() + 1;
        assert_eq!(
            truncated_at(Format::Markdown, &md[..sender_line_end]),
            previous_end
        );
        let cut_heading = format!("{md}\n### 2024-0");
        assert_eq!(
            truncated_at(Format::Markdown, &cut_heading),
            md.len() as u64
        );
        assert_eq!(truncated_at(Format::Markdown, &md[..10]), 0, "a cut title");

        let err = ExistingOutput::scan(Format::Jsonl, &jsonl.as_bytes()[..jsonl.len() - 3])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("truncate -s {last_line} FILE")),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
    }

    #[test]
    fn a_file_cut_inside_a_character_gets_the_same_instruction() {
        for format in Format::ALL {
            let text = written(format, false);
            // Inside the last "长" of the huge message (and, for csv, its raw column).
            let at = text.rfind('长').unwrap() + 1;
            let err = ExistingOutput::scan(format, &text.as_bytes()[..at]).unwrap_err();
            let ExistingOutputError::Truncated { offset, .. } = err else {
                panic!("{format}: {err:?}");
            };
            assert!(
                err.to_string()
                    .contains(&format!("truncate -s {offset} FILE")),
                "{format}: {err}"
            );
            let kept = ExistingOutput::scan(format, &text.as_bytes()[..offset as usize]).unwrap();
            assert_eq!(kept.messages(), 6, "{format}");
        }
    }

    #[test]
    fn only_volc_im_output_of_the_same_format_is_appended_to() {
        let notes = "# My notes\n\nbuy milk\n";
        let other_jsonl = "{\"level\":\"info\",\"msg\":\"started\"}\n";
        let other_json = "[{\"name\":\"x\"},\n{\"name\":\"y\"}";
        let other_csv = "name,email\nx,y@z\n";
        for format in Format::ALL {
            let mut foreign: Vec<String> = [notes, other_jsonl, other_json, other_csv]
                .map(String::from)
                .to_vec();
            foreign.extend(
                Format::ALL
                    .iter()
                    .filter(|&&other| other != format)
                    .map(|&other| written(other, false)),
            );
            for text in foreign {
                match ExistingOutput::scan(format, text.as_bytes()) {
                    Err(ExistingOutputError::NotThisFormat { .. }) => {}
                    other => panic!("{format} accepted {text:.60?}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_cut_off_record_or_another_format_is_refused() {
        let jsonl = written(Format::Jsonl, false);
        let cut = &jsonl[..jsonl.len() - 10];
        assert!(matches!(
            ExistingOutput::scan(Format::Jsonl, cut.as_bytes()),
            Err(ExistingOutputError::Truncated { .. })
        ));
        let json = written(Format::Json, false);
        assert!(matches!(
            ExistingOutput::scan(Format::Json, &json.as_bytes()[..json.len() - 3]),
            Err(ExistingOutputError::Truncated { .. })
        ));
        assert!(matches!(
            ExistingOutput::scan(Format::Csv, jsonl.as_bytes()),
            Err(ExistingOutputError::NotThisFormat { .. })
        ));
        assert!(matches!(
            ExistingOutput::scan(Format::Json, jsonl.as_bytes()),
            Err(ExistingOutputError::NotThisFormat { .. })
        ));
    }
}
