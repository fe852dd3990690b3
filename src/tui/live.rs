//! Following the open conversation: when to poll its newest page ([`Follow`]), what
//! the answer changes (new messages joining the end, the "new messages" count while
//! scrolled up), and whether the service is reachable ([`Reach`]: the `offline`
//! marker, and a failed fetch retried by itself once the service answers again).

use std::time::Duration;

use crate::api::ApiError;
use crate::api::wire::{PAGE_LIMIT, Page};
use crate::pager::PageRequest;

use super::action::{Command, ViewId};
use super::app::{App, Screen};
use super::conversation::Newest;
use super::follow::{Follow, Reach};
use super::terminal::TICK;
use crate::archive::Position;

/// The follow state of the app: the open view's poll timing, reachability, and what
/// arrived below a reader scrolled up.
#[derive(Clone, Debug)]
pub struct Live {
    /// `--offline`: nothing is ever asked of the service.
    offline_only: bool,
    base: Duration,
    /// The poll timing of the open view.
    follow: Option<(ViewId, Follow)>,
    reach: Reach,
    /// Messages that arrived below the selection since the reader last was at the newest.
    unseen: usize,
    /// More arrived than one page holds, or the window is elsewhere in history: the
    /// newest stretch is not in the view.
    beyond: bool,
    /// The newest message the polls have seen (where G goes when it is not in view).
    newest_polled: Option<Position>,
}

impl Live {
    /// Following every `base` (unless `offline_only`).
    pub fn new(base: Duration, offline_only: bool) -> Live {
        Live {
            offline_only,
            base,
            follow: None,
            reach: if offline_only {
                Reach::Offline
            } else {
                Reach::Unknown
            },
            unseen: 0,
            beyond: false,
            newest_polled: None,
        }
    }

    /// True when the status bar says `offline`: with `--offline`, or while the
    /// service cannot be reached.
    pub fn is_offline(&self) -> bool {
        self.reach == Reach::Offline
    }

    /// True with `--offline`.
    pub fn is_offline_only(&self) -> bool {
        self.offline_only
    }

    /// How many messages arrived below a reader scrolled up; with
    /// [`Live::is_beyond`], at least that many.
    pub fn unseen(&self) -> usize {
        self.unseen
    }

    /// True when more arrived than one page holds (G opens the newest again).
    pub fn is_beyond(&self) -> bool {
        self.beyond
    }

    /// The poll timing of the open view, for tests and the status bar.
    pub fn follow(&self) -> Option<&Follow> {
        self.follow.as_ref().map(|(_, f)| f)
    }

    fn follow_of(&mut self, view: ViewId) -> Option<&mut Follow> {
        self.follow
            .as_mut()
            .filter(|(id, _)| *id == view)
            .map(|(_, f)| f)
    }

    /// A conversation was opened (its first page asks for the newest already).
    pub(crate) fn opened(&mut self, view: ViewId, now: Duration) {
        self.follow = (!self.offline_only).then(|| (view, Follow::new(self.base, now)));
        self.unseen = 0;
        self.beyond = false;
        self.newest_polled = None;
    }

    /// Back to the picker: nothing is followed.
    pub(crate) fn closed(&mut self) {
        self.follow = None;
        self.unseen = 0;
        self.beyond = false;
        self.newest_polled = None;
    }

    /// The outcome of any call to the service; true when it ends an offline spell.
    pub(crate) fn reached(&mut self, outcome: Result<(), &ApiError>) -> bool {
        if self.offline_only {
            return false;
        }
        self.reach.after(outcome)
    }

    /// The reader is at the newest message: nothing is unseen.
    pub(crate) fn caught_up(&mut self) {
        if !self.beyond {
            self.unseen = 0;
        }
    }
}

impl App {
    /// The app's clock: ticks since it started.
    pub(crate) fn clock(&self) -> Duration {
        TICK.saturating_mul(u32::try_from(self.ticks).unwrap_or(u32::MAX))
    }

    /// A key was pressed: a reader is here.
    pub(crate) fn touched(&mut self) {
        let now = self.clock();
        if let Some((_, f)) = self.live.follow.as_mut() {
            f.touched(now);
        }
    }

    /// The poll of the open conversation, when one is due.
    pub(crate) fn due_poll(&mut self) -> Option<Command> {
        if self.screen != Screen::Conversation {
            return None;
        }
        let now = self.clock();
        let view = self.view.as_ref()?;
        let (id, target) = (view.id(), view.target().clone());
        if !self.live.follow_of(id)?.due(now) {
            return None;
        }
        Some(Command::Poll {
            view: id,
            app: target.app_id,
            conversation: target.conversation,
            request: PageRequest {
                seq: 0,
                cursor: self.newest_cursor,
                reverse: 1,
                limit: PAGE_LIMIT,
            },
        })
    }

    /// A poll's answer: new messages join the view (followed at the newest, counted
    /// while scrolled up); a failure slows the polls; an answer after an offline
    /// spell retries what failed meanwhile.
    pub(crate) fn polled(&mut self, view: ViewId, result: Result<Page, ApiError>) -> Vec<Command> {
        let now = self.clock();
        let back_online = self.live.reached(result.as_ref().map(drop));
        let page = match result {
            Ok(page) => page,
            Err(e) => {
                tracing::debug!(error = %e, "looking for new messages failed");
                if let Some(f) = self.live.follow_of(view) {
                    f.failed(now);
                }
                return Vec::new();
            }
        };
        let tz = self.tz.clone();
        let page_newest = page.messages.iter().map(|m| m.order_key()).max();
        let known = self.live.newest_polled;
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            return Vec::new();
        };
        let app = v.target().app_id;
        let mut commands = Vec::new();
        if back_online && v.failed() {
            commands.extend(v.retry());
        }
        let (new, senders) = match v.take_newest(page, known, &tz, &self.names) {
            Newest::Joined {
                messages,
                senders,
                followed,
            } => {
                if !followed {
                    self.live.unseen += messages;
                }
                (messages, senders)
            }
            Newest::Beyond(n) => {
                self.live.unseen = self.live.unseen.max(n);
                self.live.beyond = true;
                (n, Vec::new())
            }
            Newest::Nothing => (0, Vec::new()),
        };
        self.live.newest_polled = self.live.newest_polled.max(page_newest);
        if let Some(f) = self.live.follow_of(view) {
            f.answered(now, new);
        }
        if self.live.beyond && self.view.as_ref().is_some_and(|v| v.is_at_window_end()) {
            // On the newest message shown with a stretch missing after it: the
            // reader wants the newest, so it opens there.
            commands.extend(self.open_newest());
            return commands;
        }
        commands.extend(self.request_names(app, senders));
        commands
    }

    /// Opens the conversation afresh at the newest message the polls saw.
    pub(crate) fn open_newest(&mut self) -> Vec<Command> {
        let index = self.picker.selected;
        match self.live.newest_polled {
            Some(at) => self.open_at(index, at),
            None => {
                self.open(index);
                Vec::new()
            }
        }
    }

    /// After an update: a reader at the newest message has seen everything.
    pub(crate) fn settle_live(&mut self) {
        if self.view.as_ref().is_some_and(|v| v.at_newest()) {
            self.live.caught_up();
        }
    }
}
