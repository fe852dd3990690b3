//! The message window of one view: the loaded messages, the selection and the list's
//! scroll position, the list's height, and which message is selected (so that a
//! message merely moving in the store is not a new selection).

use crate::model::MessageKey;

use super::super::store::{Entry, MessageStore};
use super::super::viewport::{self, EdgeRow, Gravity, Item, ListModel, Scroll};

/// What the list shows beyond its messages, and which end it clings to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edges {
    pub top: Option<EdgeRow>,
    pub bottom: Option<EdgeRow>,
    pub gravity: Gravity,
    /// The first message new since the conversation was last looked at.
    pub new_since: Option<usize>,
}

/// The loaded messages and where the list stands among them.
#[derive(Debug, Default)]
pub struct Window {
    store: MessageStore,
    scroll: Scroll,
    /// The list's rows, as laid out on the last resize.
    height: i32,
    /// While messages are wrapped over several rows: the columns of their text.
    wrap_cols: Option<usize>,
    /// Bumped whenever the selected message changes.
    serial: u64,
    /// The selected message as of the last normalisation.
    selected_key: Option<MessageKey>,
}

impl Window {
    /// The loaded messages.
    pub fn store(&self) -> &MessageStore {
        &self.store
    }

    /// Where the list is scrolled.
    pub fn scroll(&self) -> Scroll {
        self.scroll
    }

    /// The list's rows.
    pub fn height(&self) -> i32 {
        self.height
    }

    /// The columns wrapped text takes, while messages wrap.
    pub fn wrap_cols(&self) -> Option<usize> {
        self.wrap_cols
    }

    /// Bumped whenever the selected message changes (not when it merely moves in the store).
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// The selected message.
    pub fn selected(&self) -> Option<&Entry> {
        self.store.get(self.scroll.selected)
    }

    /// The list for drawing and scrolling.
    pub fn model(&self, edges: Edges) -> ListModel<'_> {
        ListModel {
            store: &self.store,
            top: edges.top,
            bottom: edges.bottom,
            gravity: edges.gravity,
            wrap_cols: self.wrap_cols,
            new_since: edges.new_since,
        }
    }

    /// The list's height and wrapping changed (the terminal was resized, a pane shown
    /// or hidden, wrapping toggled).
    pub fn set_layout(&mut self, height: i32, wrap_cols: Option<usize>) {
        self.height = height;
        self.wrap_cols = wrap_cols;
    }

    /// Replaces the loaded messages (the selection is set next).
    pub fn replace(&mut self, entries: Vec<Entry>) {
        self.store = MessageStore::default();
        self.store.insert(entries, None);
        self.scroll = Scroll::default();
    }

    /// Forgets the `n` oldest loaded messages; the selection stays on its message.
    pub fn drop_oldest(&mut self, n: usize) {
        self.store.drop_oldest(n);
        self.scroll.selected = self.scroll.selected.saturating_sub(n);
    }

    /// Forgets the `n` newest loaded messages.
    pub fn drop_newest(&mut self, n: usize) {
        self.store.drop_newest(n);
    }

    /// Adds messages, keeping the selected one selected (on its row); the first
    /// messages of an empty window select the newest (`at_end`) or the oldest. With
    /// `follow`, a selection on the newest message moves to the new newest.
    pub fn insert(&mut self, entries: Vec<Entry>, at_end: bool, follow: bool) {
        let was_empty = self.store.is_empty();
        let on_newest = !was_empty && self.scroll.selected + 1 == self.store.len();
        let keep = (!was_empty).then_some(self.scroll.selected);
        let kept = self.store.insert(entries, keep);
        if was_empty && !self.store.is_empty() {
            self.scroll = if at_end {
                Scroll {
                    selected: self.store.len() - 1,
                    row: self.height - 1,
                }
            } else {
                Scroll::default()
            };
        } else if follow && on_newest {
            self.scroll = Scroll {
                selected: self.store.len() - 1,
                row: self.height - 1,
            };
        } else if let Some(k) = kept {
            self.scroll.selected = k;
        }
    }

    /// Moves the selection by messages.
    pub fn step(&mut self, edges: Edges, delta: isize) {
        let mut scroll = self.scroll;
        viewport::step(&self.model(edges), &mut scroll, delta);
        self.scroll = scroll;
    }

    /// Moves by about `rows` rows of messages, keeping the selection's screen row.
    pub fn page(&mut self, edges: Edges, rows: i32) {
        let mut scroll = self.scroll;
        viewport::page(&self.model(edges), &mut scroll, rows);
        self.scroll = scroll;
    }

    /// Selects a message and puts its main line on a screen row.
    pub fn select(&mut self, message: usize, row: i32) {
        self.scroll = Scroll {
            selected: message,
            row,
        };
    }

    /// Selects a message: where it is when it is on screen, else mid-list.
    pub fn jump_to(&mut self, edges: Edges, message: usize) {
        let h = self.height;
        let model = self.model(edges);
        let mut now = self.scroll;
        viewport::normalize(&model, &mut now, h);
        let row = viewport::place(&model, now, h)
            .iter()
            .find(|p| p.item == Item::Message(message))
            .map(|p| p.top + p.height - 1)
            .filter(|r| (0..h).contains(r))
            .unwrap_or(h / 2);
        self.select(message, row);
    }

    /// The message under a screen row of the list, with the row its main line ends on.
    pub fn message_at(&self, edges: Edges, row: i32) -> Option<(usize, i32)> {
        viewport::place(&self.model(edges), self.scroll, self.height)
            .into_iter()
            .find(|p| p.top <= row && row < p.top + p.height)
            .and_then(|p| match p.item {
                Item::Message(m) => Some((m, p.top + p.height - 1)),
                _ => None,
            })
    }

    /// Puts the selection and scroll position right after a change (the one place
    /// they are clamped); true when the selection moved from one message to another.
    pub fn normalize(&mut self, edges: Edges) -> bool {
        let mut scroll = self.scroll;
        viewport::normalize(&self.model(edges), &mut scroll, self.height);
        self.scroll = scroll;
        let key = self.selected().map(|e| e.message.key());
        if key == self.selected_key {
            return false;
        }
        self.serial += 1;
        let moved = self.selected_key.is_some();
        self.selected_key = key;
        moved
    }
}
