//! Sync: mirror conversations into the archive, incrementally.
//!
//! Each conversation is walked newest-first from its newest message until the walk
//! meets archived messages; then what is still missing below is filled (gaps, and
//! older history down to the beginning or to `since`). What to fetch next is always
//! read from the archive's coverage, and every page is stored with its coverage in
//! one transaction, so an interrupted sync loses nothing and the next one carries on.

mod lock;
mod names;
pub mod plan;

use std::collections::HashSet;
use std::time::{Duration, Instant};

pub use lock::{ConversationLock, LockError};
pub use names::{NameLookup, look_up_names};

use crate::api::ApiError;
use crate::api::wire::PAGE_LIMIT;
use crate::archive::{ArchiveError, PageFetch, SharedArchive};
use crate::model::{AppId, ConversationId, Cursor};
use crate::pager::MAX_FRUITLESS_PAGES;
use crate::paging::{Direction, PageRequest};
use crate::source::Source;

/// A conversation to sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncTarget {
    /// How the user named it (shown in progress and the summary).
    pub label: String,
    pub app: AppId,
    pub conversation: ConversationId,
    /// A live group: readable newest-first only.
    pub live: bool,
}

/// How to sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncOptions {
    /// Fetch nothing older than this (ms since the epoch).
    pub since: Option<i64>,
    /// Where newest-first walks start ([`Cursor::NEWEST`] unless configured).
    pub newest_start: Cursor,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            since: None,
            newest_start: Cursor::NEWEST,
        }
    }
}

/// What a conversation's sync did so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Messages not archived before.
    pub new: u64,
    /// Archived messages that came back changed (a later `Status`) and were replaced.
    pub changed: u64,
    /// Pages fetched.
    pub pages: u64,
    /// Messages in those pages, new or not.
    pub received: u64,
    /// The archive now holds the conversation from its beginning.
    pub complete: bool,
    pub elapsed: Duration,
}

/// Why a conversation's sync stopped early. What it stored before stays stored.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A request failed after the client's retries.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The archive could not store a page.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The server handed back a cursor this sync already used.
    #[error("the server handed back cursor {0} again; stopped to avoid a loop")]
    RepeatedCursor(Cursor),
    /// The server kept sending empty pages while claiming more.
    #[error(
        "the server sent {0} pages in a row with no new message while claiming more; stopped to avoid a loop"
    )]
    EmptyPages(u32),
    /// The messages carry no `IndexInConversation`, so no stretch of coverage can be
    /// recorded and the walk would end after one page without saying so.
    #[error(
        "its messages carry no IndexInConversation, so the archive cannot tell which stretch of history it holds; {0} messages archived, older ones not: `volc-im export` reads such a conversation whole"
    )]
    NoPositions(u64),
}

/// Syncs one conversation into `archive` through `source`; `on_page` is told the
/// tally after every stored page. On failure, the tally so far comes with the error.
pub async fn sync_conversation<S: Source>(
    source: &S,
    archive: &SharedArchive,
    target: &SyncTarget,
    options: &SyncOptions,
    on_page: impl Fn(&Tally),
) -> Result<Tally, (SyncError, Tally)> {
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut used = HashSet::new();
    let mut fruitless = 0u32;
    let mut next = Some((Direction::NewestFirst, options.newest_start));
    let mut seq = 0;
    while let Some((direction, cursor)) = next {
        if !used.insert((direction.reverse_flag(), cursor)) {
            return Err((SyncError::RepeatedCursor(cursor), finish(tally, started)));
        }
        seq += 1;
        let req = PageRequest {
            seq,
            cursor,
            reverse: direction.reverse_flag(),
            limit: PAGE_LIMIT,
        };
        let page = match source
            .fetch_page(target.app, target.conversation, req)
            .await
        {
            Ok(page) => page,
            Err(e) => return Err((e.into(), finish(tally, started))),
        };
        let claims_more = page.claims_more();
        let said_more = page.has_more.is_some();
        let received = page.messages.len() as u64;
        let fetch = PageFetch::new(
            target.app,
            target.conversation,
            direction,
            cursor,
            options.newest_start,
        );
        let stored = match archive.store_page(fetch, page).await {
            Ok(stored) => stored,
            Err(e) => return Err((e.into(), finish(tally, started))),
        };
        tally.pages += 1;
        tally.received += received;
        if received > 0 && claims_more && stored.stretch.is_none() {
            tally.new += stored.new;
            tally.changed += stored.changed;
            return Err((
                SyncError::NoPositions(tally.received),
                finish(tally, started),
            ));
        }
        tally.new += stored.new;
        tally.changed += stored.changed;
        tally.elapsed = started.elapsed();
        on_page(&tally);
        // Pages that bring nothing new while claiming more are how a misbehaving
        // server loops (the same messages under a new cursor each time).
        let nothing_new = stored.new == 0 && stored.changed == 0;
        fruitless = if nothing_new && claims_more {
            fruitless + 1
        } else {
            0
        };
        if !said_more {
            tracing::warn!(
                conversation = %target.conversation,
                "a page came without HasMore; judged from the page itself"
            );
            if nothing_new {
                break;
            }
        }
        if fruitless >= MAX_FRUITLESS_PAGES {
            return Err((SyncError::EmptyPages(fruitless), finish(tally, started)));
        }
        let (app, conversation) = (target.app, target.conversation);
        let coverage = match archive.with(move |a| a.coverage(app, conversation)).await {
            Ok(coverage) => coverage,
            Err(e) => return Err((e.into(), finish(tally, started))),
        };
        tally.complete = coverage.len() == 1 && coverage[0].reaches_beginning();
        next = plan::next_fetch(&coverage, options.since, target.live);
    }
    Ok(finish(tally, started))
}

fn finish(mut tally: Tally, started: Instant) -> Tally {
    tally.elapsed = started.elapsed();
    tally
}
