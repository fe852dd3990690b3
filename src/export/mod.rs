//! Exporting conversations' history to a file or stdout: the engine behind
//! `volc-im export`, usable in-process by tests and benchmarks.
//!
//! The walk of each conversation is driven by a [`Pager`](crate::pager::Pager), one
//! task per conversation, all sharing one [`Source`](crate::source::Source) (and so one rate limit).
//! What is fetched goes through a [`format`](mod@format) writer to the output, flushed page by
//! page, so that a failed or interrupted export keeps everything it wrote and can be
//! resumed from a [`ResumePoint`] with no gap and no duplicate. See [`export()`]
//! for how several conversations share one output.

pub mod existing;
pub mod format;
mod handoff;
mod offline;
mod outcome;
mod output;
pub mod progress;
mod run;
mod terminal;
mod walk;

use std::fmt;

use crate::model::{AppId, ConversationId};

pub use existing::{ExistingOutput, ExistingOutputError, Repair};
pub use format::{MessageWriter, new_writer};
pub use offline::{ArchivePages, coverage_warning};
pub use outcome::{
    ConversationSummary, ExportError, ExportFailure, ExportSummary, ResumePoint, check_direction,
    is_live_group_refusal,
};
pub use output::Output;
pub use run::{ExportOptions, READ_AHEAD_BYTES, export};

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// One message per line, the raw JSON exactly as received.
    #[default]
    Jsonl,
    /// One JSON array of the raw messages.
    Json,
    /// A header and one row per message, with the raw JSON in the last column.
    Csv,
    /// A readable transcript (not lossless).
    Markdown,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [Format::Jsonl, Format::Json, Format::Csv, Format::Markdown];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Markdown => "markdown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One conversation to export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationTarget {
    /// How the user named it: a configured name, or the id.
    pub label: String,
    /// The application it belongs to.
    pub app: AppId,
    /// Its `ConversationShortId`.
    pub conversation: ConversationId,
    /// Known to be a live group, which can only be read newest-first.
    pub live: bool,
}

impl ConversationTarget {
    /// A conversation known by its id only.
    pub fn by_id(app: AppId, conversation: ConversationId) -> Self {
        ConversationTarget {
            label: conversation.to_string(),
            app,
            conversation,
            live: false,
        }
    }
}
