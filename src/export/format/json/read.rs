//! Reading back a JSON output: one array of messages, open or closed.

use serde_json::value::RawValue;

use crate::export::Format;
use crate::export::existing::{ExistingOutput, ExistingOutputError, Repair, looks_like_message};
use crate::model::Message;

impl ExistingOutput {
    pub(in crate::export::format) fn scan_json(
        &mut self,
        text: &str,
    ) -> Result<(), ExistingOutputError> {
        let format = Format::Json;
        let not_json = |problem: String| ExistingOutputError::NotThisFormat { format, problem };
        let body = text
            .trim_start()
            .strip_prefix('[')
            .ok_or_else(|| not_json("it does not start with `[`".into()))?;
        let at = |rest: &str| (text.len() - rest.len()) as u64;
        // Where the last whole element (or the `[`) ends.
        let mut whole = at(body);
        let mut rest = body;
        loop {
            rest = rest.trim_start();
            if rest.is_empty() {
                return Ok(());
            }
            if rest.starts_with(']') {
                return Err(ExistingOutputError::Complete);
            }
            if self.json_elements_read() > 0 {
                rest = rest
                    .strip_prefix(',')
                    .ok_or_else(|| {
                        not_json(format!(
                            "expected `,` after element {}",
                            self.json_elements_read()
                        ))
                    })?
                    .trim_start();
                if rest.is_empty() {
                    // The separator made it to the file, the element did not.
                    self.mend(Repair::DropDanglingComma { keep: whole });
                    return Ok(());
                }
            }
            let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Box<RawValue>>();
            match stream.next() {
                Some(Ok(raw)) if !looks_like_message(&raw) => {
                    return Err(not_json(format!(
                        "element {} is not a message",
                        self.json_elements_read() + 1
                    )));
                }
                Some(Ok(raw)) => {
                    self.note_json_element(&Message::from_raw(raw));
                    rest = &rest[stream.byte_offset()..];
                    whole = at(rest);
                }
                Some(Err(e)) if e.is_eof() => {
                    return Err(ExistingOutputError::Truncated {
                        format,
                        offset: whole,
                        problem: format!("element {}: {e}", self.json_elements_read() + 1),
                    });
                }
                Some(Err(e)) => {
                    return Err(not_json(format!(
                        "element {}: {e}",
                        self.json_elements_read() + 1
                    )));
                }
                None => return Ok(()),
            }
        }
    }
}
