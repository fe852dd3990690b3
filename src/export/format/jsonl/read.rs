//! Reading back a JSON Lines output: one message a line.

use serde_json::value::RawValue;

use crate::export::Format;
use crate::export::existing::{ExistingOutput, ExistingOutputError, Repair, looks_like_message};
use crate::model::Message;

impl ExistingOutput {
    pub(in crate::export::format) fn scan_jsonl(
        &mut self,
        text: &str,
    ) -> Result<(), ExistingOutputError> {
        let format = Format::Jsonl;
        let mut offset = 0;
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let ended = line.ends_with('\n');
            let line = line.trim_end_matches('\n');
            if line.trim().is_empty() {
                continue;
            }
            match RawValue::from_string(line.to_owned()) {
                Ok(raw) if !looks_like_message(&raw) => {
                    return Err(ExistingOutputError::NotThisFormat {
                        format,
                        problem: format!("line {} is not a message", n + 1),
                    });
                }
                Ok(raw) => {
                    self.note_message(&Message::from_raw(raw));
                    if !ended {
                        self.mend(Repair::EndLastLine);
                    }
                }
                // Only the last line can lack its line end.
                Err(e) if !ended => {
                    return Err(ExistingOutputError::Truncated {
                        format,
                        offset: start as u64,
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
}
