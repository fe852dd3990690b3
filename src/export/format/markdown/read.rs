//! Reading back a Markdown transcript: its title, headings and message markers.

use super::{CONVERSATION_MARKER, DAY_HEADING, MESSAGE_MARKER, TITLE};
use crate::export::Format;
use crate::export::existing::{ExistingOutput, ExistingOutputError};
use crate::model::{ConversationId, MessageId, MessageKey};

impl ExistingOutput {
    /// A transcript: volc-im's title, then headings and messages. Each message ends
    /// with its marker line, so a transcript is whole up to the end of its last
    /// heading or marker line; anything after that but white space is the start of
    /// a record that was cut off (`cut_in_char`: a character cut off after the text).
    pub(in crate::export::format) fn scan_markdown(
        &mut self,
        text: &str,
        cut_in_char: bool,
    ) -> Result<(), ExistingOutputError> {
        let format = Format::Markdown;
        let Some(body) = text.strip_prefix(TITLE) else {
            if TITLE.starts_with(text) {
                return Err(ExistingOutputError::Truncated {
                    format,
                    offset: 0,
                    problem: "its title is cut off".into(),
                });
            }
            return Err(ExistingOutputError::NotThisFormat {
                format,
                problem: "it does not start with volc-im's title".into(),
            });
        };
        let mut whole = TITLE.len();
        let mut offset = TITLE.len();
        for line in body.split_inclusive('\n') {
            offset += line.len();
            let Some(line) = line.strip_suffix('\n') else {
                break;
            };
            if let Some(rest) = marker(line, CONVERSATION_MARKER) {
                self.markdown_conversation(rest.trim().parse().ok().map(ConversationId));
                whole = offset;
            } else if let Some(rest) = line
                .strip_prefix(MESSAGE_MARKER)
                .and_then(|rest| rest.strip_suffix("-->"))
            {
                let mut parts = rest.split_whitespace();
                let conversation = parts
                    .next()
                    .and_then(|v| v.parse().ok())
                    .map(ConversationId);
                let id = parts.next().and_then(|v| v.parse().ok()).map(MessageId);
                self.note(conversation, id.map(MessageKey::Id));
                whole = offset;
            } else if let Some(day) = line.strip_prefix(DAY_HEADING) {
                self.markdown_day(day.trim().to_owned());
                whole = offset;
            }
        }
        if cut_in_char || !text[whole..].trim().is_empty() {
            return Err(ExistingOutputError::Truncated {
                format,
                offset: whole as u64,
                problem: "its last message or heading is cut off".into(),
            });
        }
        Ok(())
    }
}

/// What a line's trailing volc-im marker holds, before its closing `-->`.
fn marker<'a>(line: &'a str, start: &str) -> Option<&'a str> {
    let at = line.rfind(start)?;
    line[at + start.len()..].strip_suffix("-->")
}
