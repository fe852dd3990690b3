//! json: one JSON array of the raw messages, streamed.

use std::io::{self, Write};

mod read;

use super::jsonl::one_line;
use super::{MessageWriter, Sink};
use crate::export::ConversationTarget;
use crate::model::Message;

/// Writes `[`, then each raw message (separated by `,\n`), then `]` once the export
/// completes. An export that fails leaves the array open, which `--append` continues.
pub struct JsonWriter {
    out: Sink,
    elements: u64,
}

impl JsonWriter {
    /// A writer on `out`. `existing_elements` is `None` for a new output (the `[` is
    /// written now), or the number of messages already in an open array being appended to.
    pub fn new(mut out: Sink, existing_elements: Option<u64>) -> io::Result<Self> {
        let elements = match existing_elements {
            Some(n) => n,
            None => {
                out.write_all(b"[")?;
                0
            }
        };
        Ok(JsonWriter { out, elements })
    }
}

impl MessageWriter for JsonWriter {
    fn write_message(&mut self, _target: &ConversationTarget, message: &Message) -> io::Result<()> {
        // The separator and the element in one write, so that a stop between two
        // writes cannot leave a `,` with no element after it.
        let separator: &[u8] = if self.elements == 0 { b"\n" } else { b",\n" };
        let raw = one_line(message.raw_json());
        let mut record = Vec::with_capacity(separator.len() + raw.len());
        record.extend_from_slice(separator);
        record.extend_from_slice(raw.as_bytes());
        self.out.write_all(&record)?;
        self.elements += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::format::fixtures::{SharedBuf, odd_messages, target};
    use serde_json::value::RawValue;

    fn write_all(messages: &[Message], existing: Option<u64>, buf: &SharedBuf, finish: bool) {
        let mut w = JsonWriter::new(Box::new(buf.clone()), existing).unwrap();
        for m in messages {
            w.write_message(&target(), m).unwrap();
        }
        if finish {
            w.finish().unwrap();
        } else {
            w.flush().unwrap();
        }
    }

    #[test]
    fn the_array_holds_the_raw_messages_unchanged() {
        let buf = SharedBuf::default();
        let messages = odd_messages();
        write_all(&messages, None, &buf, true);
        let parsed: Vec<Box<RawValue>> = serde_json::from_str(&buf.text()).unwrap();
        assert_eq!(parsed.len(), messages.len());
        for (p, m) in parsed.iter().zip(&messages) {
            assert_eq!(p.get(), m.raw_json());
        }
    }

    #[test]
    fn an_empty_export_is_an_empty_array() {
        let buf = SharedBuf::default();
        write_all(&[], None, &buf, true);
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&buf.text()).unwrap();
        assert!(parsed.is_empty());
    }

    #[test]
    fn an_interrupted_array_continued_later_is_one_valid_array() {
        let buf = SharedBuf::default();
        let messages = odd_messages();
        write_all(&messages[..3], None, &buf, false);
        assert!(serde_json::from_str::<serde_json::Value>(&buf.text()).is_err());
        write_all(&messages[3..], Some(3), &buf, true);
        let parsed: Vec<Box<RawValue>> = serde_json::from_str(&buf.text()).unwrap();
        assert_eq!(parsed.len(), messages.len());
        assert_eq!(parsed[3].get(), messages[3].raw_json());
    }
}
