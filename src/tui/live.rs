//! Following the open conversation, the app's side: when to poll its newest page,
//! what the answer changes (new messages joining the end, the "new messages" count
//! while scrolled up), and the `offline` marker (a failed fetch retried by itself
//! once the service answers again). The state is [`Live`], in [`super::follow`].

use std::time::Duration;

use crate::api::ApiError;
use crate::api::wire::{PAGE_LIMIT, Page};
use crate::paging::PageRequest;

use super::action::{Command, ViewId};
use super::app::{App, Screen};
use super::conversation::Newest;
use super::terminal::TICK;

impl App {
    /// The app's clock: ticks since it started.
    pub(crate) fn clock(&self) -> Duration {
        TICK.saturating_mul(u32::try_from(self.ticks).unwrap_or(u32::MAX))
    }

    /// A key was pressed: a reader is here.
    pub(crate) fn touched(&mut self) {
        let now = self.clock();
        self.live.touched(now);
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
                let first = self.live.follow_of(view).is_some_and(|f| {
                    f.failed(now);
                    f.failures() == 1
                });
                // Unreachable is the offline marker's to say; another failure is said
                // once, when it begins.
                let ticks = self.ticks;
                if first
                    && !super::follow::is_unreachable(&e)
                    && let Some(v) = self.view.as_mut().filter(|v| v.id() == view)
                {
                    v.set_notice(
                        &format!("looking for new messages failed: {}", e.short()),
                        ticks,
                    );
                }
                return Vec::new();
            }
        };
        let tz = self.tz.clone();
        let page_newest = page.messages.iter().map(|m| m.order_key()).max();
        let known = self.live.newest_polled();
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            return Vec::new();
        };
        let app = v.target().app_id;
        let mut commands = Vec::new();
        if back_online && v.failed() {
            commands.extend(v.retry());
        }
        // On the newest message shown, with a stretch missing after it: the reader
        // wants the newest, so it opens there.
        let mut jump = false;
        let (new, senders) = match v.take_newest(page, known, &tz, &self.names) {
            Newest::Joined {
                messages,
                senders,
                followed,
            } => {
                if !followed {
                    self.live.arrived_below(messages);
                }
                (messages, senders)
            }
            Newest::Beyond(n) => {
                self.live.arrived_beyond(n);
                jump = v.is_at_window_end();
                (n, Vec::new())
            }
            Newest::Elsewhere(n) => {
                self.live.arrived_beyond(n);
                (n, Vec::new())
            }
            Newest::Nothing => (0, Vec::new()),
        };
        self.live.saw_newest(page_newest);
        if let Some(f) = self.live.follow_of(view) {
            f.answered(now, new);
        }
        if jump {
            commands.extend(self.open_newest());
            return commands;
        }
        commands.extend(self.request_names(app, senders));
        commands
    }

    /// Opens the conversation afresh at the newest message the polls saw.
    pub(crate) fn open_newest(&mut self) -> Vec<Command> {
        let index = self.picker.selected;
        match self.live.newest_polled() {
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
