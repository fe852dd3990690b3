//! The app reading through the archive: a conversation shown where it was last read
//! (or at a message), the landings the view asks for, archive reads arriving, and
//! where each conversation was read kept when it is left.

use super::action::{Command, ViewId};
use super::app::App;
use super::archived::{self, WindowAnswer, WindowRead};
use super::conversation::{ConversationView, Landing};
use crate::archive::Position;
use crate::pager::Direction;

/// Where in a conversation's archive to show it.
#[derive(Clone, Copy, Debug)]
enum Archived {
    /// Where it was last read, else at the newest.
    Remembered,
    /// At this message (the first at or after it), or at the newest.
    At(Option<Position>),
}

impl App {
    /// Carries out a landing the view asked for: shows the archive around its message.
    pub(super) fn land(&mut self) -> Vec<Command> {
        let Some((landing, from)) = self.view.as_mut().and_then(|v| v.take_landing()) else {
            return Vec::new();
        };
        let Some(mut view) = self.view.take() else {
            return Vec::new();
        };
        let (app, conversation) = (view.target().app_id, view.target().conversation);
        let target = self.archive.as_ref().map(|archive| {
            let reader = archive.lock();
            match landing {
                Landing::Match(at) => Ok(Some(Some(at))),
                Landing::Quote(id, _) | Landing::Jump(id) => {
                    archived::place_of(&reader, app, conversation, id)
                        .map(|p| p.map(|p| Some((p.idx, p.create_time, p.message_id))))
                }
                Landing::Newest => Ok(Some(None)),
                Landing::Oldest => {
                    let first = (
                        None,
                        Some(i64::MIN),
                        Some(crate::model::MessageId(i64::MIN)),
                    );
                    archived::place_at(&reader, app, conversation, first)
                        .map(|p| p.map(|p| Some((p.idx, p.create_time, p.message_id))))
                }
            }
        });
        let commands = match target {
            Some(Ok(Some(at))) => {
                self.show_archive_at(&mut view, Archived::At(at));
                view.landed(landing, from).into_iter().collect()
            }
            Some(Err(e)) => {
                view.set_notice(&format!("the archive could not be read: {e}"), self.ticks);
                view.not_landed(landing, from).into_iter().collect()
            }
            _ => view.not_landed(landing, from).into_iter().collect(),
        };
        self.view = Some(view);
        commands
    }

    /// Shows what the archive holds of the view's conversation where it was last read
    /// (else its newest messages), or at `at`.
    pub(super) fn show_archive_in(&mut self, view: &mut ConversationView, at: Option<Position>) {
        let place = match at {
            Some(at) => Archived::At(Some(at)),
            None => Archived::Remembered,
        };
        self.show_archive_at(view, place);
    }

    /// Shows what the archive holds of the view's conversation around a message. A
    /// bounded read on this thread (see [`super::archived`]).
    fn show_archive_at(&mut self, view: &mut ConversationView, place: Archived) {
        let Some(archive) = &self.archive else {
            return;
        };
        let (app, conversation) = (view.target().app_id, view.target().conversation);
        let reader = archive.lock();
        let remembered = match self.places.get(&(app, conversation)) {
            Some(found) => Ok(Some(found.clone())),
            None => archived::last_reading(&reader, app, conversation),
        };
        let opened = remembered.and_then(|remembered| {
            let (last, seen) = match remembered {
                Some((last, seen)) => (Some(last), seen),
                None => (None, None),
            };
            let place = match place {
                Archived::Remembered => last,
                Archived::At(None) => None,
                Archived::At(Some(position)) => {
                    archived::place_at(&reader, app, conversation, position)?
                }
            };
            archived::opening(&reader, app, conversation, place.as_ref(), seen)
        });
        drop(reader);
        match opened {
            Ok(opening) => view.show_archived(opening, &self.tz),
            Err(e) => {
                tracing::warn!(error = %e, "reading the archive failed");
                view.set_notice(&format!("the archive could not be read: {e}"), self.ticks);
            }
        }
    }

    /// Opens a target at a message of its archived history (a search result, the
    /// first message of a date, where it was last read): the view shows the archived
    /// messages around it at once, with it selected. Without an archive, or for a
    /// message it does not hold, the conversation opens as [`Self::open`] does.
    pub fn open_at(&mut self, index: usize, at: Position) -> Vec<Command> {
        self.open(index);
        let same = self.view.take();
        if let Some(mut view) = same {
            if view.direction() == Direction::NewestFirst {
                self.show_archive_in(&mut view, Some(at));
            }
            self.view = Some(view);
        }
        let mut commands = self.settle();
        commands.append(&mut self.outbox);
        commands
    }

    /// Keeps where the open view was read, for coming back to it (this run, and the
    /// next through the archive).
    pub(super) fn leave_view(&mut self) {
        let Some(view) = self.view.as_ref() else {
            return;
        };
        let Some((last_read, newest_seen)) = view.reading_place() else {
            return;
        };
        let (app, conversation) = (view.target().app_id, view.target().conversation);
        let seen = Some((
            newest_seen.idx,
            newest_seen.create_time,
            newest_seen.message_id,
        ));
        self.places
            .insert((app, conversation), (last_read.clone(), seen));
        if self.archive.is_some() {
            self.outbox.push(Command::SaveReading {
                app,
                conversation,
                last_read,
                newest_seen,
            });
        }
    }

    /// Takes an archive read for the open view.
    pub(super) fn archive_loaded(
        &mut self,
        view: ViewId,
        read: &WindowRead,
        result: Result<WindowAnswer, String>,
    ) -> Vec<Command> {
        let tz = self.tz.clone();
        let now = self.ticks;
        let names = &self.names;
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            return Vec::new();
        };
        let app = v.target().app_id;
        let mut commands = Vec::new();
        let senders = match v.archive_loaded(read, result, &tz, names, now) {
            Some(arrival) => {
                commands.extend(v.seek_after_page(&arrival.hits, arrival.messages));
                arrival.senders
            }
            None => Vec::new(),
        };
        commands.extend(self.request_names(app, senders));
        commands
    }
}
