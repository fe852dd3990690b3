//! What the archive holds beyond the view's window of messages, and the reads that
//! bring it in: the view keeps a bounded window around the selection, reads the next
//! stretch from the archive as the selection nears an edge, and forgets the far side.
//! Past the archived edge, the history walk fetches by cursor as without an archive.

use jiff::tz::TimeZone;

pub(super) use crate::archive::Side;
use crate::archive::{OlderEdge, Place, Position};
use crate::model::Message;
use crate::pager::Direction;

use super::super::action::Command;
use super::super::archived::{ARCHIVE_READ, Opening, WindowAnswer, WindowRead};
use super::super::names::Names;
use super::super::store::{Entry, OrderKey};
use super::paging::Paging;
use super::{Arrival, ConversationView, PREFETCH_THRESHOLD};

/// The most messages a view holds; beyond it the side away from the selection goes.
pub const WINDOW_MAX: usize = 2_000;
/// What is kept of the window when it is cut back.
pub const WINDOW_KEEP: usize = 1_500;

/// The archive beyond the window.
#[derive(Debug, Default)]
pub(super) struct Shelf {
    /// More archived messages are older / newer than the window's.
    pub(super) older: bool,
    pub(super) newer: bool,
    /// Once nothing older is archived: what lies beyond the window's oldest message.
    pub(super) older_edge: Option<OlderEdge>,
    /// The history walk was moved to that edge's cursor.
    resumed: bool,
    /// The read out, when one is.
    reading: Option<WindowRead>,
    next_seq: u64,
    /// The check for messages newer than the archived ones is under way: its pages
    /// go into the window (when it holds the newest) until they meet the archived ones.
    pub(super) checking: bool,
    /// The newest message seen when the conversation was last looked at.
    pub(super) seen: Option<Position>,
    /// `IndexInConversation` of the newest archived message when the view opened at
    /// it: the check's pages meet the archive there.
    archived_newest: Option<i64>,
    /// The check's pages move a selection on the newest message along (not when the
    /// view opened where it was read before).
    follow: bool,
    /// The page on its way was asked for beside the window that was replaced: it is
    /// archived when it comes, not shown.
    pub(super) stray_page: bool,
}

impl Shelf {
    /// True when history begins at the window's oldest message.
    pub(super) fn begins(&self) -> bool {
        !self.older && self.older_edge == Some(OlderEdge::Beginning)
    }
}

impl ConversationView {
    /// Shows archived messages: the window becomes `opening`'s messages with its
    /// message selected (mid-list, or on the bottom row when it is the newest), and
    /// the archive beyond them is read as the selection moves. This is how a
    /// conversation opens where it was last read, and how a search result or a date
    /// from the archive is landed on. Newest-first views only; an opening without
    /// messages changes nothing.
    pub fn show_archived(&mut self, opening: Opening, tz: &TimeZone) {
        if opening.messages.is_empty() || self.direction() != Direction::NewestFirst {
            return;
        }
        let fresh = self.shelf.is_none() && self.store().is_empty();
        let at_newest = !opening.newer;
        let entries: Vec<Entry> = opening
            .messages
            .into_iter()
            .map(|m| Entry::new(m, tz))
            .collect();
        self.window.replace(entries);
        let selected = opening
            .select
            .and_then(|key| self.store().iter().position(|e| e.message.key() == key))
            .unwrap_or(self.store().len() - 1);
        let last = selected + 1 == self.store().len();
        let row = if last && at_newest {
            self.window.height() - 1
        } else {
            self.window.height() / 2
        };
        self.window.select(selected, row);
        let was = self.shelf.take().unwrap_or_default();
        let stray_page = self.paging.is_in_flight() && !was.checking;
        self.shelf = Some(Shelf {
            older: opening.older,
            newer: opening.newer,
            older_edge: opening.older_edge,
            resumed: false,
            reading: None,
            next_seq: was.next_seq + 1,
            // A fresh view first asks the server for what is newer than the archive.
            checking: fresh || was.checking,
            seen: opening.seen.or(was.seen),
            archived_newest: self
                .store()
                .ends()
                .and_then(|(_, n)| n.message.body.index_in_conversation),
            follow: !opening.restored,
            stray_page,
        });
    }

    fn shelf_mut(&mut self) -> &mut Shelf {
        self.shelf.get_or_insert_with(Shelf::default)
    }

    /// Where this conversation was read: the selected message, and the newest one
    /// selected since it was opened (what the reader has seen).
    pub fn reading_place(&self) -> Option<(Place, Place)> {
        let selected = self.selected()?;
        let last_read = Place::of(&selected.message);
        let here = selected.message.order_key();
        let (idx, create_time, message_id) = self.newest_seen.filter(|n| *n > here).unwrap_or(here);
        let seen = Place {
            key: last_read.key,
            idx,
            create_time,
            message_id,
        };
        Some((last_read, seen))
    }

    /// The first message new since the conversation was last looked at, in the window.
    pub(super) fn new_since(&self) -> Option<usize> {
        let seen = self.shelf.as_ref()?.seen?;
        let (oldest, _) = self.store().ends()?;
        // Only when what was seen is within reach: a window wholly newer than it
        // would put the mark at its top, where it says nothing true.
        if oldest.message.order_key() > seen {
            return None;
        }
        self.store().first_after(seen)
    }

    /// Notes the selected message as seen.
    pub(super) fn mark_seen(&mut self) {
        let Some(key) = self.selected().map(|e| e.message.order_key()) else {
            return;
        };
        if self.newest_seen.is_none_or(|n| key > n) {
            self.newest_seen = Some(key);
        }
    }

    /// Once the archive holds nothing older and the check for newer messages is over,
    /// the history walk goes on from the cursor the archived stretch ends at.
    pub(super) fn resume_older(&mut self) {
        let in_flight = self.paging.is_in_flight();
        let Some(shelf) = self.shelf.as_mut() else {
            return;
        };
        if shelf.older || shelf.checking || shelf.resumed || in_flight {
            return;
        }
        if let Some(OlderEdge::Cursor(c)) = shelf.older_edge {
            shelf.resumed = true;
            self.paging = Paging::new(Direction::NewestFirst, c);
        }
    }

    /// An older page came from the server: it is archived by now, and the archive
    /// may hold what lies beyond it (the walk met archived history), so the archive
    /// is asked first again.
    pub(super) fn fetched_older(&mut self) {
        if let Some(shelf) = self.shelf.as_mut() {
            shelf.older = true;
            shelf.older_edge = None;
            shelf.resumed = false;
        }
    }

    /// True when more history lies the way the view walks: archived, or to fetch.
    pub(super) fn more_that_way(&self) -> bool {
        match &self.shelf {
            Some(s) if s.older => true,
            Some(s) if s.begins() => false,
            _ => self.paging.has_more(),
        }
    }

    /// True when the archive holds more older than the window.
    pub(super) fn older_archived(&self) -> bool {
        self.shelf.as_ref().is_some_and(|s| s.older)
    }

    /// Takes a page of the check for newer messages: `None` when no check is under
    /// way (the page is then the history walk's), `Some(None)` when the window is
    /// elsewhere in history or was replaced since it was asked for (the page is only
    /// archived), else whether the selection
    /// follows the page's messages into the window. The check ends once a page meets
    /// the archived messages.
    pub(super) fn checked_page(&mut self, messages: &[Message]) -> Option<Option<bool>> {
        let has_more = self.paging.has_more();
        if let Some(shelf) = self.shelf.as_mut().filter(|s| s.stray_page) {
            shelf.stray_page = false;
            return Some(None);
        }
        let shelf = self.shelf.as_mut().filter(|s| s.checking)?;
        if shelf.newer {
            shelf.checking = false;
            return Some(None);
        }
        let oldest_idx = messages
            .iter()
            .filter_map(|m| m.body.index_in_conversation)
            .min();
        // Without positions to tell, one page is all the check takes.
        let met = messages.is_empty()
            || !has_more
            || match (oldest_idx, shelf.archived_newest) {
                (Some(o), Some(n)) => o <= n + 1,
                _ => true,
            };
        shelf.checking = !met;
        Some(Some(shelf.follow))
    }

    /// The archive read the selection calls for: the next stretch toward the edge it
    /// is near, when the archive holds more that way and no read is out.
    pub(super) fn wanted_read(&mut self) -> Option<Command> {
        let shelf = self.shelf.as_ref()?;
        if shelf.reading.is_some() {
            return None;
        }
        let (older, newer) = (shelf.older, shelf.newer);
        let h = self.window.height();
        let model = self.model();
        let sel = self.scroll().selected;
        let item = model.item_of(sel);
        let len = self.store().len();
        let near_top = sel < PREFETCH_THRESHOLD || model.rows_before(item, h) < h;
        let near_bottom = len - 1 - sel < PREFETCH_THRESHOLD || model.rows_after(item, h) < h;
        let side = if older && near_top {
            Side::Before
        } else if newer && near_bottom {
            Side::After
        } else {
            return None;
        };
        self.read_toward(side)
    }

    /// A read of the next archived stretch that way.
    pub(super) fn read_toward(&mut self, side: Side) -> Option<Command> {
        let (oldest, newest) = self.store().ends()?;
        let from = match side {
            Side::Before => oldest.message.order_key(),
            Side::After => newest.message.order_key(),
        };
        let (app, conversation, id) = (self.target.app_id, self.target.conversation, self.id);
        let shelf = self.shelf.as_mut()?;
        shelf.next_seq += 1;
        let read = WindowRead {
            seq: shelf.next_seq,
            app,
            conversation,
            from: Some(from),
            side,
            limit: ARCHIVE_READ,
        };
        shelf.reading = Some(read);
        Some(Command::ReadArchive { view: id, read })
    }

    /// True while an archive read is out.
    pub fn is_reading_archive(&self) -> bool {
        self.shelf.as_ref().is_some_and(|s| s.reading.is_some())
    }

    /// Takes an archive read's answer; `None` when it was stale.
    pub fn archive_loaded(
        &mut self,
        read: &WindowRead,
        result: Result<WindowAnswer, String>,
        tz: &TimeZone,
        names: &Names,
        now: u64,
    ) -> Option<Arrival> {
        let shelf = self.shelf.as_mut()?;
        if shelf.reading.as_ref() != Some(read) {
            tracing::debug!(seq = read.seq, "dropped a stale archive read");
            return None;
        }
        shelf.reading = None;
        let answer = match result {
            Ok(answer) => answer,
            Err(e) => {
                tracing::warn!(error = %e, "reading the archive failed");
                // That side is then fetched from the server, as without an archive.
                match read.side {
                    Side::Before => shelf.older = false,
                    Side::After => shelf.newer = false,
                }
                self.set_notice(&format!("the archive could not be read: {e}"), now);
                return Some(Arrival::default());
            }
        };
        let full = answer.is_full(read);
        match read.side {
            Side::Before => {
                shelf.older = full;
                if !full {
                    shelf.older_edge = answer.older_edge;
                }
            }
            Side::After => shelf.newer = full,
        }
        let arrival = self.take_messages(answer.messages, tz, names, false);
        self.trim(read.side);
        Some(arrival)
    }

    /// Puts messages into the window (the selected one stays selected).
    pub(super) fn take_messages(
        &mut self,
        messages: Vec<Message>,
        tz: &TimeZone,
        names: &Names,
        follow: bool,
    ) -> Arrival {
        let mut senders: Vec<_> = messages.iter().filter_map(|m| m.body.sender).collect();
        senders.sort();
        senders.dedup();
        let entries: Vec<Entry> = messages.into_iter().map(|m| Entry::new(m, tz)).collect();
        let arrived = entries.len();
        let hits: Vec<OrderKey> = self.nav.scan(&entries, names, self.target.app_id);
        let at_end = self.direction() == Direction::NewestFirst;
        self.window.insert(entries, at_end, follow);
        Arrival {
            senders,
            messages: arrived,
            hits,
        }
    }

    /// Forgets the side of a window grown past [`WINDOW_MAX`] away from `toward`
    /// (where the selection is heading), never the selection itself.
    pub(super) fn trim(&mut self, toward: Side) {
        let len = self.store().len();
        if len <= WINDOW_MAX || self.shelf.is_none() {
            return;
        }
        let sel = self.scroll().selected;
        let extra = len - WINDOW_KEEP;
        match toward {
            Side::Before => {
                let n = extra.min(len - 1 - sel.min(len - 1));
                self.window.drop_newest(n);
                if n > 0 {
                    self.shelf_mut().newer = true;
                }
            }
            Side::After => {
                let n = extra.min(sel);
                self.window.drop_oldest(n);
                if n > 0 {
                    let shelf = self.shelf_mut();
                    shelf.older = true;
                    shelf.older_edge = None;
                    shelf.resumed = false;
                }
            }
        }
    }
}
