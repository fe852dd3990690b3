//! How an export ended: what it wrote, why it stopped, where to resume.

use std::io;
use std::time::Duration;

use super::ConversationTarget;
use super::existing::ExistingOutputError;
use crate::api::ApiError;
use crate::model::Cursor;
use crate::pager::PagingError;
use crate::paging::Direction;
use crate::source::SourceStats;

/// Why an export stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A request failed for good (after the client's retries).
    #[error("{conversation}: {source}{}", if *.live_group { " - this looks like a live group, which can only be read newest-first: use --newest-first" } else { "" })]
    Api {
        conversation: String,
        source: Box<ApiError>,
        /// The service refused an oldest-first walk of what seems to be a live group.
        live_group: bool,
    },
    /// The server's paging misbehaved (a repeated cursor, pages bringing nothing).
    #[error("{conversation}: {source}")]
    Paging {
        conversation: String,
        source: PagingError,
    },
    /// An oldest-first export of a conversation configured as a live group.
    #[error(
        "{conversation} is a live group, which can only be read newest-first: use --newest-first"
    )]
    LiveGroupFromStart { conversation: String },
    /// Writing the output failed.
    #[error("writing {output}: {source}")]
    Write { output: String, source: io::Error },
    /// Another process is writing the output (it holds the output's lock).
    #[error(
        "{output} is being written by another volc-im export (it holds the file's lock): \
         nothing was changed; wait for that export to end, or write to another file"
    )]
    Busy { output: String },
    /// The output to append to holds something else.
    #[error("cannot append to {output}: {source}")]
    Existing {
        output: String,
        source: ExistingOutputError,
    },
    /// The export was interrupted (Ctrl-C).
    #[error("interrupted (Ctrl-C)")]
    Interrupted,
    /// A conversation's walk ended without saying how (it panicked).
    #[error("{conversation}: the walk ended unexpectedly")]
    WalkLost { conversation: String },
}

impl ExportError {
    pub(crate) fn api(target: &ConversationTarget, direction: Direction, source: ApiError) -> Self {
        let live_group = direction == Direction::OldestFirst && is_live_group_refusal(&source);
        ExportError::Api {
            conversation: conversation_name(target),
            source: Box::new(source),
            live_group,
        }
    }
}

/// True for the service's refusal of `Reverse=0` on a live group.
pub fn is_live_group_refusal(error: &ApiError) -> bool {
    match error {
        ApiError::Service { code, message, .. } => {
            let message = message.to_ascii_lowercase();
            code.starts_with("InvalidParameter")
                && (message.contains("live") || message.contains("reverse"))
        }
        _ => false,
    }
}

pub(crate) fn conversation_name(target: &ConversationTarget) -> String {
    if target.label == target.conversation.to_string() {
        format!("conversation {}", target.conversation)
    } else {
        format!("conversation {} ({})", target.label, target.conversation)
    }
}

/// Refuses an oldest-first walk of a conversation known to be a live group, which
/// the service only serves newest-first.
pub fn check_direction(
    targets: &[ConversationTarget],
    direction: Direction,
) -> Result<(), ExportError> {
    match targets.iter().find(|t| t.live) {
        Some(live) if direction == Direction::OldestFirst => Err(ExportError::LiveGroupFromStart {
            conversation: conversation_name(live),
        }),
        _ => Ok(()),
    }
}

/// Where to pick up an export that stopped: conversations before
/// `conversation_index` are complete in the output, the one at it continues from
/// `cursor`, and those after it have not been written at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// Index into the exported conversations.
    pub conversation_index: usize,
    /// The cursor its walk continues from.
    pub cursor: Cursor,
    /// How many of its messages the output already holds (from this run).
    pub written: u64,
}

/// How one conversation's export went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Messages written.
    pub messages: u64,
    /// Pages fetched and written.
    pub pages: u64,
    /// Messages received again and dropped (page boundaries, or already in the output).
    pub skipped: u64,
    /// The whole history (or `--max-messages` of it) was written.
    pub complete: bool,
    /// Stopped at `--max-messages` with more history left.
    pub reached_max: bool,
    /// What the walk had to judge for itself (shown on stderr as it happened).
    pub warnings: Vec<String>,
}

/// What an export wrote.
#[derive(Clone, Debug, Default)]
pub struct ExportSummary {
    /// Per conversation, in the order given.
    pub conversations: Vec<ConversationSummary>,
    /// Time from start to end.
    pub elapsed: Duration,
    /// The page source's counters at the end.
    pub stats: SourceStats,
}

impl ExportSummary {
    /// Messages written, all conversations.
    pub fn messages(&self) -> u64 {
        self.conversations.iter().map(|c| c.messages).sum()
    }

    /// Pages written, all conversations.
    pub fn pages(&self) -> u64 {
        self.conversations.iter().map(|c| c.pages).sum()
    }
}

/// A failed or interrupted export: why, what it wrote, and where to resume.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ExportFailure {
    /// Why it stopped.
    #[source]
    pub error: ExportError,
    /// Where to resume; `None` when nothing can be resumed (bad arguments, an
    /// output that cannot be appended to).
    pub resume: Option<ResumePoint>,
    /// What was written before it stopped (all of it flushed).
    pub summary: ExportSummary,
    /// The output is a JSON array left without its closing `]`.
    pub json_left_open: bool,
}

impl ExportFailure {
    pub(crate) fn before_start(error: ExportError) -> Self {
        ExportFailure {
            error,
            resume: None,
            summary: ExportSummary::default(),
            json_left_open: false,
        }
    }
}
