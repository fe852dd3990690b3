//! The history walk of one view and its one failure state: the pager, and the last
//! fetch's failure while it waits for a retry.

use crate::api::ApiError;
use crate::api::wire::Page;
use crate::model::{Cursor, Message};
use crate::pager::{Accepted, Direction, PageRequest, Pager, PagerState, PagerWarning};

/// A fetch that failed, as the status bar and the list show it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    /// One line, for the status bar.
    short: String,
    /// In full (the request id, what to check), for the list while nothing is loaded.
    full: String,
}

/// The walk through history and whether its last fetch failed.
#[derive(Debug)]
pub struct Paging {
    pager: Pager,
    /// The last fetch failed: nothing is fetched by itself until a retry.
    failure: Option<Failure>,
}

impl Paging {
    /// A walk that way from `start`.
    pub fn new(direction: Direction, start: Cursor) -> Paging {
        Paging {
            pager: Pager::starting_at(direction, start),
            failure: None,
        }
    }

    /// The walk's direction.
    pub fn direction(&self) -> Direction {
        self.pager.direction()
    }

    /// Where the walk stands.
    pub fn state(&self) -> &PagerState {
        self.pager.state()
    }

    /// True while a page is on its way.
    pub fn is_in_flight(&self) -> bool {
        self.pager.is_in_flight()
    }

    /// True while more history may exist.
    pub fn has_more(&self) -> bool {
        self.pager.has_more()
    }

    /// True when the last fetch failed and no retry has started.
    pub fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// True when the walk stopped because the server misbehaved.
    pub fn stopped(&self) -> bool {
        matches!(self.pager.state(), PagerState::Stopped(_))
    }

    /// What went wrong, in one line: the failed fetch, or why the walk stopped.
    pub fn error(&self) -> Option<String> {
        match (&self.failure, self.pager.state()) {
            (Some(f), _) => Some(f.short.clone()),
            (None, PagerState::Stopped(e)) => Some(e.to_string()),
            _ => None,
        }
    }

    /// The failed fetch's error in full.
    pub fn error_full(&self) -> Option<&str> {
        self.failure.as_ref().map(|f| f.full.as_str())
    }

    /// True when a page may be asked for by itself: more exists, none is on its way,
    /// and no failure waits for a retry.
    pub fn can_fetch(&self) -> bool {
        self.pager.has_more() && !self.pager.is_in_flight() && self.failure.is_none()
    }

    /// The next request, marking it in flight; a failure waiting for a retry is
    /// forgotten once it is asked again. `None` when the walk cannot go on.
    pub fn request(&mut self) -> Option<PageRequest> {
        let request = self.pager.next_request()?;
        self.failure = None;
        Some(request)
    }

    /// Takes an answer; `None` when it was stale, else the messages not handed out before.
    pub fn accept(&mut self, request: &PageRequest, page: Page) -> Option<Vec<Message>> {
        match self.pager.accept(request, page) {
            Accepted::Stale => {
                tracing::debug!(seq = request.seq, "dropped a stale page");
                None
            }
            Accepted::Page {
                messages,
                duplicates,
            } => {
                if duplicates > 0 {
                    tracing::debug!(duplicates, "dropped messages already shown");
                }
                self.failure = None;
                Some(messages)
            }
        }
    }

    /// Takes a failure; false when it was stale (another request superseded it).
    pub fn fail(&mut self, request: &PageRequest, error: &ApiError) -> bool {
        let was_in_flight = self.pager.is_in_flight();
        self.pager.failed(request);
        if was_in_flight && !self.pager.is_in_flight() {
            tracing::warn!(%error, "page fetch failed");
            self.failure = Some(Failure {
                short: error.short(),
                full: error.to_string(),
            });
            true
        } else {
            tracing::debug!(seq = request.seq, "dropped a stale failure");
            false
        }
    }

    /// What the walk had to judge for itself, once.
    pub fn take_warning(&mut self) -> Option<PagerWarning> {
        self.pager.take_warning()
    }
}
