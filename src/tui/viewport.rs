//! The message list's scrolling: which rows are on screen, computed only for the
//! visible window.
//!
//! The list is anchored to the selected message: the state is the selected message
//! and the screen row of its main line. Everything else is laid out outward from it,
//! walking only as many messages as fit on the screen. Putting older messages in front
//! therefore moves nothing on screen below them: the selection keeps its row.

use super::store::MessageStore;

/// A row at an end of the list that is not a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeRow {
    /// A page is being fetched at this end.
    Loading,
    /// Fetching at this end failed; `r` or moving past the edge retries.
    Failed,
    /// The walk stopped because the server misbehaved.
    Stopped,
    /// The first message of the conversation is loaded.
    Beginning,
    /// The newest message is loaded (oldest-first walks).
    End,
}

/// One item of the list: an edge row or a loaded message (by position).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Top(EdgeRow),
    Message(usize),
    Bottom(EdgeRow),
}

/// The list as laid out: loaded messages between optional edge rows.
#[derive(Clone, Copy, Debug)]
pub struct ListModel<'a> {
    pub store: &'a MessageStore,
    pub top: Option<EdgeRow>,
    pub bottom: Option<EdgeRow>,
    pub gravity: Gravity,
    /// With messages wrapped over several rows: the columns of a row's text.
    pub wrap_cols: Option<usize>,
    /// The first message that arrived since the conversation was last looked at: a
    /// "new since you last looked" row goes above it.
    pub new_since: Option<usize>,
}

impl ListModel<'_> {
    /// Items, edge rows included.
    pub fn count(&self) -> usize {
        self.store.len() + usize::from(self.top.is_some()) + usize::from(self.bottom.is_some())
    }

    /// The item at a position.
    pub fn item(&self, i: usize) -> Item {
        let first = usize::from(self.top.is_some());
        match self.top {
            Some(edge) if i == 0 => Item::Top(edge),
            _ if i - first < self.store.len() => Item::Message(i - first),
            _ => Item::Bottom(self.bottom.expect("index within count")),
        }
    }

    /// The item position of a message.
    pub fn item_of(&self, message: usize) -> usize {
        message + usize::from(self.top.is_some())
    }

    /// True when a day separator goes above a message: its local date differs from
    /// the message before it (always, for the first loaded message with a date).
    pub fn day_separator(&self, message: usize) -> bool {
        let Some(day) = self.store.get(message).and_then(|e| e.day()) else {
            return false;
        };
        match message.checked_sub(1).and_then(|p| self.store.get(p)) {
            Some(prev) => prev.day() != Some(day),
            None => true,
        }
    }

    /// Rows an item takes: a message has its main line, plus a reply hint line, plus a
    /// day separator line.
    pub fn height(&self, i: usize) -> i32 {
        match self.item(i) {
            Item::Top(_) | Item::Bottom(_) => 1,
            Item::Message(m) => {
                let Some(entry) = self.store.get(m) else {
                    return 1;
                };
                let text_rows = self
                    .wrap_cols
                    .map_or(1, |cols| super::wrap::row_count(entry, cols));
                text_rows
                    + i32::from(entry.hint.is_some())
                    + i32::from(self.day_separator(m))
                    + i32::from(self.new_since == Some(m))
            }
        }
    }

    /// Rows of the items before `item`, counted up to `cap`.
    pub fn rows_before(&self, item: usize, cap: i32) -> i32 {
        let mut rows = 0;
        let mut i = item;
        while rows < cap && i > 0 {
            i -= 1;
            rows += self.height(i);
        }
        rows
    }

    /// Rows of the items after `item`, counted up to `cap`.
    pub fn rows_after(&self, item: usize, cap: i32) -> i32 {
        let mut rows = 0;
        let mut i = item + 1;
        while rows < cap && i < self.count() {
            rows += self.height(i);
            i += 1;
        }
        rows
    }
}

/// Which end of the window a list shorter than the window clings to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Gravity {
    /// Newest-first reading: the newest message sits on the bottom row, and older
    /// pages fill the space above without moving anything.
    #[default]
    Bottom,
    /// Oldest-first reading: the first message sits at the top, newer pages fill below.
    Top,
}

/// Where the list is scrolled: the selected message and the screen row of its main line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scroll {
    pub selected: usize,
    pub row: i32,
}

/// An item on screen: its first row (may be above the window) and height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub item: Item,
    pub top: i32,
    pub height: i32,
}

/// Puts the scroll position right for a window of `h` rows: the selected message's
/// main line on screen (its whole block when it fits), and no empty rows at the end
/// the list clings to ([`Gravity`]), nor at the other end while the list is longer
/// than the window. Walks at most a screenful each way.
pub fn normalize(model: &ListModel<'_>, scroll: &mut Scroll, h: i32) {
    if model.store.is_empty() || h <= 0 {
        scroll.selected = 0;
        scroll.row = 0;
        return;
    }
    scroll.selected = scroll.selected.min(model.store.len() - 1);
    let item = model.item_of(scroll.selected);
    let hs = model.height(item);
    // At the first (last) message, the edge row beyond it belongs on screen too.
    let top_extra = i32::from(scroll.selected == 0 && model.top.is_some());
    let last = scroll.selected + 1 == model.store.len();
    let bottom_extra = i32::from(last && model.bottom.is_some());
    let low = (hs - 1 + top_extra).min(h - 1);
    let high = (h - 1 - bottom_extra).max(low);
    scroll.row = scroll.row.clamp(low, high);
    let above = model.rows_before(item, h);
    let below = model.rows_after(item, h);
    // Rows between the block and each edge of the window.
    let room_above = |row: i32| row - (hs - 1);
    let room_below = |row: i32| h - 1 - row;
    match model.gravity {
        Gravity::Top => {
            if above < room_above(scroll.row) {
                scroll.row -= room_above(scroll.row) - above;
            }
            let gap = room_below(scroll.row) - below;
            if gap > 0 {
                let hidden_above = (above - room_above(scroll.row)).max(0);
                scroll.row += gap.min(hidden_above);
            }
        }
        Gravity::Bottom => {
            if below < room_below(scroll.row) {
                scroll.row += room_below(scroll.row) - below;
            }
            let gap = room_above(scroll.row) - above;
            if gap > 0 {
                let hidden_below = (below - room_below(scroll.row)).max(0);
                scroll.row -= gap.min(hidden_below);
            }
        }
    }
}

/// The items on screen for a window of `h` rows, top to bottom.
pub fn place(model: &ListModel<'_>, scroll: Scroll, h: i32) -> Vec<Placed> {
    let mut out = Vec::new();
    if h <= 0 || model.count() == 0 {
        return out;
    }
    let (anchor, anchor_top) = if model.store.is_empty() {
        (0, 0)
    } else {
        let item = model.item_of(scroll.selected.min(model.store.len() - 1));
        (item, scroll.row - (model.height(item) - 1))
    };
    let mut top = anchor_top;
    let mut i = anchor;
    while top > 0 && i > 0 {
        i -= 1;
        top -= model.height(i);
        out.push(Placed {
            item: model.item(i),
            top,
            height: model.height(i),
        });
    }
    out.reverse();
    let mut top = anchor_top;
    let mut i = anchor;
    while top < h && i < model.count() {
        let height = model.height(i);
        out.push(Placed {
            item: model.item(i),
            top,
            height,
        });
        top += height;
        i += 1;
    }
    out
}

/// Moves the selection by `delta` messages; the anchor row follows the selection.
pub fn step(model: &ListModel<'_>, scroll: &mut Scroll, delta: isize) {
    if model.store.is_empty() {
        return;
    }
    let last = model.store.len() - 1;
    for _ in 0..delta.unsigned_abs() {
        if delta > 0 && scroll.selected < last {
            scroll.selected += 1;
            scroll.row += model.height(model.item_of(scroll.selected));
        } else if delta < 0 && scroll.selected > 0 {
            scroll.row -= model.height(model.item_of(scroll.selected));
            scroll.selected -= 1;
        } else {
            break;
        }
    }
}

/// Moves the selection by at least `rows` rows' worth of messages (down when
/// positive), keeping its screen row: the page moves under a fixed cursor.
pub fn page(model: &ListModel<'_>, scroll: &mut Scroll, rows: i32) {
    if model.store.is_empty() {
        return;
    }
    let row = scroll.row;
    let mut moved = 0;
    while moved < rows.abs() {
        let before = scroll.selected;
        let at = scroll.row;
        step(model, scroll, if rows > 0 { 1 } else { -1 });
        if scroll.selected == before {
            break;
        }
        moved += (scroll.row - at).abs();
    }
    scroll.row = row;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn store(n: i64) -> MessageStore {
        let mut s = MessageStore::default();
        s.insert((1..=n).map(fixtures::entry).collect(), None);
        s
    }

    #[test]
    fn the_last_message_sits_on_the_bottom_row() {
        let s = store(50);
        let m = ListModel {
            store: &s,
            top: Some(EdgeRow::Loading),
            bottom: None,
            gravity: Gravity::Bottom,
            wrap_cols: None,
            new_since: None,
        };
        let mut sc = Scroll {
            selected: 49,
            row: 1000,
        };
        normalize(&m, &mut sc, 10);
        assert_eq!(sc.row, 9);
        let placed = place(&m, sc, 10);
        assert_eq!(placed.last().unwrap().item, Item::Message(49));
        assert!(placed.len() <= 11, "only the window is laid out");
    }

    #[test]
    fn a_short_list_clings_to_its_gravity() {
        let s = store(3);
        let mut m = ListModel {
            store: &s,
            top: Some(EdgeRow::Beginning),
            bottom: None,
            gravity: Gravity::Bottom,
            wrap_cols: None,
            new_since: None,
        };
        let mut sc = Scroll {
            selected: 0,
            row: 0,
        };
        normalize(&m, &mut sc, 10);
        let placed = place(&m, sc, 10);
        assert_eq!(placed.last().unwrap().item, Item::Message(2));
        assert_eq!(placed.last().unwrap().top, 9, "newest on the bottom row");
        m.gravity = Gravity::Top;
        let mut sc = Scroll {
            selected: 2,
            row: 9,
        };
        normalize(&m, &mut sc, 10);
        let placed = place(&m, sc, 10);
        assert_eq!(placed[0].item, Item::Top(EdgeRow::Beginning));
        assert_eq!(placed[0].top, 0);
    }

    #[test]
    fn a_block_taller_than_the_window_keeps_its_main_line_visible() {
        let s = store(3);
        let m = ListModel {
            store: &s,
            top: None,
            bottom: None,
            gravity: Gravity::Top,
            wrap_cols: None,
            new_since: None,
        };
        // The first message has a day separator: two rows, in a one-row window.
        let mut sc = Scroll::default();
        normalize(&m, &mut sc, 1);
        assert_eq!(sc.row, 0);
        let placed = place(&m, sc, 1);
        assert_eq!(placed[0].item, Item::Message(0));
        assert_eq!(placed[0].top, -1);
    }
}
