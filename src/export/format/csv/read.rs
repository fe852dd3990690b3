//! Reading back a CSV output: volc-im's header, then one row a message.

use serde_json::value::RawValue;

use super::{CSV_HEADER, encode};
use crate::export::Format;
use crate::export::existing::{ExistingOutput, ExistingOutputError, Repair};
use crate::model::{ConversationId, Message, MessageId, MessageKey};

impl ExistingOutput {
    pub(in crate::export::format) fn scan_csv(
        &mut self,
        text: &str,
    ) -> Result<(), ExistingOutputError> {
        let format = Format::Csv;
        let mut reader = ::csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header_line = CSV_HEADER.join(",");
        if text.len() < header_line.len() && header_line.starts_with(text) {
            return Err(ExistingOutputError::Truncated {
                format,
                offset: 0,
                problem: "its header is cut off".into(),
            });
        }
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
        let mut records = reader.records().enumerate().peekable();
        while let Some((n, record)) = records.next() {
            let last = records.peek().is_none();
            let record = record.map_err(|e| ExistingOutputError::NotThisFormat {
                format,
                problem: format!("row {}: {e}", n + 1),
            })?;
            // A row is whole when it has every column and its last, the raw JSON, is
            // whole JSON: a cut anywhere in it (quoted line breaks included) fails one.
            let problem = if record.len() != CSV_HEADER.len() {
                Some(format!(
                    "{} columns instead of {}",
                    record.len(),
                    CSV_HEADER.len()
                ))
            } else {
                serde_json::from_str::<&RawValue>(&record[CSV_HEADER.len() - 1])
                    .err()
                    .map(|e| format!("its raw column is not whole JSON: {e}"))
            };
            // The last row may also have been cut inside its closing quote, which the
            // reader forgives: it is whole only if it reads back as written.
            let problem = problem.or_else(|| {
                let start = record.position().map_or(0, |p| p.byte()) as usize;
                let written = &text.as_bytes()[start.min(text.len())..];
                let encoded = encode(record.iter()).ok()?;
                let whole = written == encoded.as_slice()
                    || written == &encoded[..encoded.len().saturating_sub(1)];
                (last && !whole).then(|| "its last field is cut off".to_owned())
            });
            if let Some(problem) = problem {
                let problem = format!("row {}: {problem}", n + 1);
                if last {
                    let offset = record.position().map_or(0, |p| p.byte());
                    return Err(ExistingOutputError::Truncated {
                        format,
                        offset,
                        problem,
                    });
                }
                return Err(ExistingOutputError::NotThisFormat { format, problem });
            }
            let number = |i: usize| record.get(i).and_then(|v| v.parse::<i64>().ok());
            // The raw column is the message as received: without a readable id in
            // the id column, it gives the same identity the export used.
            let key = match number(1) {
                Some(id) => MessageKey::Id(MessageId(id)),
                None => RawValue::from_string(record[CSV_HEADER.len() - 1].to_owned()).map_or_else(
                    |_| MessageKey::new(None, None, &record[CSV_HEADER.len() - 1]),
                    |raw| Message::from_raw(raw).key(),
                ),
            };
            self.note(number(0).map(ConversationId), Some(key));
        }
        if !text.ends_with('\n') {
            self.mend(Repair::EndLastLine);
        }
        Ok(())
    }
}
