//! Exporting conversations' history to a file or stdout: the engine behind
//! `volc-im export`, usable in-process by tests and benchmarks.
//!
//! The walk of each conversation is driven by a [`Pager`](crate::pager::Pager), one
//! task per conversation, all sharing one [`PageSource`] (and so one rate limit).
//! What is fetched goes through a [`format`](mod@format) writer to the output, flushed page by
//! page, so that a failed or interrupted export keeps everything it wrote and can be
//! resumed from a [`ResumePoint`] with no gap and no duplicate. See [`export()`]
//! for how several conversations share one output.

mod archived;
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
use std::future::Future;

use crate::api::ApiError;
use crate::api::calls::Waiting;
use crate::api::wire::Page;
use crate::api::wire::{BatchGetUserRequest, USER_BATCH_LIMIT};
use crate::model::{AppId, ConversationId, UserId};
use crate::pager::PageRequest;

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

/// Request counters of a page source, shown in the progress display.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Requests sent, retries included.
    pub requests: u64,
    /// Requests that were attempts after a failure.
    pub retries: u64,
    /// Answers that said the caller was throttled.
    pub throttled: u64,
}

/// Where pages come from: the API client in the program, an in-memory fake in tests.
/// A fetch is expected to have done its own retrying: an error here ends the walk.
pub trait PageSource: Clone + Send + Sync + 'static {
    /// One page of `conversation`'s history, as `req` asks.
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: &PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send;

    /// The source's request counters so far (shared by every walk using it).
    fn stats(&self) -> SourceStats;

    /// What the longest request out is waiting for, once it is slow (for the
    /// progress display). A source that cannot tell answers with none.
    fn waiting(&self) -> Option<Waiting> {
        None
    }

    /// Display names of `users` (those that have one), for transcripts. A source
    /// that knows no names answers with none.
    fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<(UserId, String)>, ApiError>> + Send {
        let _ = (app, users);
        std::future::ready(Ok(Vec::new()))
    }
}

impl PageSource for crate::api::client::Client {
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: &PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send {
        crate::api::client::Client::fetch_page(self, app, conversation, req)
    }

    async fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, ApiError> {
        let mut names = Vec::new();
        for batch in users.chunks(USER_BATCH_LIMIT) {
            let req = BatchGetUserRequest {
                app_id: app,
                user_ids: batch.to_vec(),
            };
            let found = self.batch_get_user(&req).await?;
            names.extend(found.users.into_iter().filter_map(|user| {
                let name = user.nick_name.filter(|n| !n.trim().is_empty())?;
                Some((user.user_id, name))
            }));
        }
        Ok(names)
    }

    fn waiting(&self) -> Option<Waiting> {
        self.calls().slow()
    }

    fn stats(&self) -> SourceStats {
        let stats = crate::api::client::Client::stats(self);
        SourceStats {
            requests: stats.requests,
            retries: stats.retries,
            throttled: stats.throttled,
        }
    }
}
