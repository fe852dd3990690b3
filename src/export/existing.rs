//! What an output file already holds, for `--append`: which messages (so that a
//! resumed export writes none twice) and where the format left off (an open JSON
//! array, a CSV header, the last markdown headings).

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;

use super::Format;
use super::format::CSV_HEADER;
use super::format::markdown::{CONVERSATION_MARKER, DAY_HEADING, MESSAGE_MARKER, MarkdownPosition};
use crate::model::{ConversationId, Message, MessageId};

/// Why an existing output cannot be appended to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExistingOutputError {
    /// The file does not read as the format asked for.
    #[error("it does not read as {format} output ({problem})")]
    NotThisFormat { format: Format, problem: String },
    /// The last record was cut off (the writer was killed mid-write).
    #[error("its last {format} record is cut off ({problem}); remove it and resume again")]
    Truncated { format: Format, problem: String },
    /// A JSON array that is already closed cannot take more messages.
    #[error("its JSON array is already closed with `]`: that export completed")]
    Complete,
}

/// What an output already holds.
#[derive(Clone, Debug, Default)]
pub struct ExistingOutput {
    fresh: bool,
    ids: HashMap<Option<ConversationId>, HashSet<MessageId>>,
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
        let text = std::str::from_utf8(bytes).map_err(|e| ExistingOutputError::NotThisFormat {
            format,
            problem: format!("not UTF-8: {e}"),
        })?;
        let mut found = ExistingOutput::default();
        match format {
            Format::Jsonl => found.scan_jsonl(text)?,
            Format::Json => found.scan_json(text)?,
            Format::Csv => found.scan_csv(text)?,
            Format::Markdown => found.scan_markdown(text),
        }
        Ok(found)
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

    /// The ids already written for `conversation`, with those of messages that named
    /// no conversation (they may belong to it).
    pub fn known_ids(&self, conversation: ConversationId) -> HashSet<MessageId> {
        let mut ids = self
            .ids
            .get(&Some(conversation))
            .cloned()
            .unwrap_or_default();
        if let Some(unnamed) = self.ids.get(&None) {
            ids.extend(unnamed);
        }
        ids
    }

    /// For json: `None` for a fresh output, else how many elements the open array holds.
    pub fn json_elements(&self) -> Option<u64> {
        (!self.fresh).then_some(self.json_elements)
    }

    /// For markdown: `None` for a fresh output, else where the transcript ended.
    pub fn markdown_position(&self) -> Option<MarkdownPosition> {
        (!self.fresh).then(|| self.markdown.clone())
    }

    fn note(&mut self, conversation: Option<ConversationId>, id: Option<MessageId>) {
        self.messages += 1;
        *self.counts.entry(conversation).or_default() += 1;
        if let Some(id) = id {
            self.ids.entry(conversation).or_default().insert(id);
        }
    }

    fn note_message(&mut self, message: &Message) {
        self.note(message.body.conversation_short_id, message.id());
    }

    fn scan_jsonl(&mut self, text: &str) -> Result<(), ExistingOutputError> {
        let format = Format::Jsonl;
        let lines = text.split_terminator('\n').count();
        for (n, line) in text.split_terminator('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let last = n + 1 == lines;
            match RawValue::from_string(line.to_owned()) {
                Ok(raw) => self.note_message(&Message::from_raw(raw)),
                Err(e) if last && !text.ends_with('\n') => {
                    return Err(ExistingOutputError::Truncated {
                        format,
                        problem: format!("line {}: {e}", n + 1),
                    });
                }
                Err(e) => {
                    return Err(ExistingOutputError::NotThisFormat {
                        format,
                        problem: format!("line {} is not JSON: {e}", n + 1),
                    });
                }
            }
        }
        Ok(())
    }

    fn scan_json(&mut self, text: &str) -> Result<(), ExistingOutputError> {
        let format = Format::Json;
        let not_json = |problem: String| ExistingOutputError::NotThisFormat { format, problem };
        let body = text
            .trim_start()
            .strip_prefix('[')
            .ok_or_else(|| not_json("it does not start with `[`".into()))?;
        let mut rest = body;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                return Ok(());
            }
            if rest.starts_with(']') {
                return Err(ExistingOutputError::Complete);
            }
            if self.json_elements > 0 {
                rest = rest
                    .strip_prefix(',')
                    .ok_or_else(|| {
                        not_json(format!("expected `,` after element {}", self.json_elements))
                    })?
                    .trim_start();
            }
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Box<RawValue>>();
            match stream.next() {
                Some(Ok(raw)) => {
                    self.note_message(&Message::from_raw(raw));
                    self.json_elements += 1;
                    rest = &rest[stream.byte_offset()..];
                }
                Some(Err(e)) if e.is_eof() => {
                    return Err(ExistingOutputError::Truncated {
                        format,
                        problem: format!("element {}: {e}", self.json_elements + 1),
                    });
                }
                Some(Err(e)) => {
                    return Err(not_json(format!("element {}: {e}", self.json_elements + 1)));
                }
                None => return Ok(()),
            }
        }
    }

    fn scan_csv(&mut self, text: &str) -> Result<(), ExistingOutputError> {
        let format = Format::Csv;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| ExistingOutputError::NotThisFormat {
                format,
                problem: e.to_string(),
            })?
            .clone();
        if header.iter().ne(CSV_HEADER) {
            return Err(ExistingOutputError::NotThisFormat {
                format,
                problem: "its header is not volc-im's".into(),
            });
        }
        if !text.ends_with('\n') {
            return Err(ExistingOutputError::Truncated {
                format,
                problem: "the last row has no line end".into(),
            });
        }
        for (n, record) in reader.records().enumerate() {
            let record = record.map_err(|e| ExistingOutputError::NotThisFormat {
                format,
                problem: format!("row {}: {e}", n + 1),
            })?;
            let number = |i: usize| record.get(i).and_then(|v| v.parse::<i64>().ok());
            self.note(number(0).map(ConversationId), number(1).map(MessageId));
        }
        Ok(())
    }

    fn scan_markdown(&mut self, text: &str) {
        for line in text.lines() {
            if let Some(rest) = marker(line, CONVERSATION_MARKER) {
                self.markdown = MarkdownPosition {
                    conversation: rest.trim().parse().ok().map(ConversationId),
                    day: None,
                };
            } else if let Some(rest) = marker(line, MESSAGE_MARKER) {
                let mut parts = rest.split_whitespace();
                let conversation = parts
                    .next()
                    .and_then(|v| v.parse().ok())
                    .map(ConversationId);
                let id = parts.next().and_then(|v| v.parse().ok()).map(MessageId);
                self.note(conversation, id);
            } else if let Some(day) = line.strip_prefix(DAY_HEADING) {
                self.markdown.day = Some(day.trim().to_owned());
            }
        }
    }
}

/// What a line's trailing volc-im marker holds, before its closing `-->`.
fn marker<'a>(line: &'a str, start: &str) -> Option<&'a str> {
    let at = line.rfind(start)?;
    line[at + start.len()..].strip_suffix("-->")
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
            let ids = found.known_ids(conv);
            for id in [9223372036854775806, 2, 3, 4, 5, 7] {
                assert!(ids.contains(&MessageId(id)), "{format}: {id}");
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
