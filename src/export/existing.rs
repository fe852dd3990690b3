//! What an output file already holds, for `--append`: which messages (so that a
//! resumed export writes none twice) and where the format left off (an open JSON
//! array, a CSV header, the last markdown headings).
//!
//! This is the state each format's reader fills in, and the answers the writers
//! ask of it. The readers sit beside their writers ([`format`](super::format)), and
//! [`ExistingOutput::scan`] hands a file to the right one; this module knows no
//! format's layout, so writers and readers both depend on it and it on neither.

use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;

use super::Format;
use crate::model::{ConversationId, Message, MessageKey};

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

/// Where an existing transcript ended: the conversation and day of its last heading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarkdownPosition {
    /// The last conversation heading's conversation.
    pub conversation: Option<ConversationId>,
    /// The last day heading under it.
    pub day: Option<String>,
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

    /// A reader found a message of `conversation` (if it names one), known by `key`
    /// (if it has one).
    pub(super) fn note(&mut self, conversation: Option<ConversationId>, key: Option<MessageKey>) {
        self.messages += 1;
        *self.counts.entry(conversation).or_default() += 1;
        if let Some(key) = key {
            self.keys.entry(conversation).or_default().insert(key);
        }
    }

    /// A reader found `message`, whole as it was received.
    pub(super) fn note_message(&mut self, message: &Message) {
        self.note(message.body.conversation_short_id, Some(message.key()));
    }

    /// A reader found `message` as the next element of a JSON array.
    pub(super) fn note_json_element(&mut self, message: &Message) {
        self.note_message(message);
        self.json_elements += 1;
    }

    /// How many elements of a JSON array the reader has found so far.
    pub(super) fn json_elements_read(&self) -> u64 {
        self.json_elements
    }

    /// A reader found a defect at the end that `--append` mends before writing.
    pub(super) fn mend(&mut self, repair: Repair) {
        self.repair = Some(repair);
    }

    /// A reader found a transcript's conversation heading (naming `conversation`, if
    /// readable); the day headings under it start anew.
    pub(super) fn markdown_conversation(&mut self, conversation: Option<ConversationId>) {
        self.markdown = MarkdownPosition {
            conversation,
            day: None,
        };
    }

    /// A reader found a transcript's day heading.
    pub(super) fn markdown_day(&mut self, day: String) {
        self.markdown.day = Some(day);
    }
}

/// True when `raw` is a JSON object with a field every message of the service has
/// (read from the text, so that a message with odd fields still counts).
pub(super) fn looks_like_message(raw: &RawValue) -> bool {
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
