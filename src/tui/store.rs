//! The loaded messages of one conversation, in conversation order.
//!
//! Messages sit in a `VecDeque` so that an older page is put in front and a newer one
//! at the back without moving the rest. Each message keeps what drawing its row needs
//! (a cut, cleaned preview and its local time), computed once when it arrives, so a
//! frame never decodes or measures a whole message.

use std::collections::{HashMap, VecDeque};

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::model::{DecodedContent, Message, MessageId, MessageKey};

use super::text;

/// The most columns of a preview kept per message; a row never shows more.
pub const PREVIEW_MAX_COLS: usize = 400;

/// Where a message sorts in its conversation ([`Message::order_key`]).
pub type OrderKey = (Option<i64>, Option<i64>, Option<MessageId>);

/// A loaded message and what its row shows.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The message as received.
    pub message: Message,
    /// The content on one clean line, cut to [`PREVIEW_MAX_COLS`].
    pub preview: Box<str>,
    /// `CreateTime` in the local time zone.
    pub local: Option<DateTime>,
    /// The reply's quoted hint, clean and cut, when the message quotes another.
    pub hint: Option<Box<str>>,
}

impl Entry {
    /// Prepares a message for the list.
    pub fn new(message: Message, tz: &TimeZone) -> Entry {
        let decoded = message.decoded_content();
        let preview = text::one_line(preview_source(&decoded).as_ref(), PREVIEW_MAX_COLS).into();
        let local = local_time(message.body.create_time, tz);
        let hint = message
            .body
            .ref_msg_info
            .as_ref()
            .map(|r| text::one_line(&r.hint, PREVIEW_MAX_COLS).into());
        Entry {
            message,
            preview,
            local,
            hint,
        }
    }

    /// The local calendar day, for day separators.
    pub fn day(&self) -> Option<jiff::civil::Date> {
        self.local.map(|t| t.date())
    }
}

/// Milliseconds since the epoch, in a time zone.
pub fn local_time(ms: Option<i64>, tz: &TimeZone) -> Option<DateTime> {
    let ts = Timestamp::from_millisecond(ms?).ok()?;
    Some(tz.to_datetime(ts))
}

/// What a preview shows: the text, else the attached files, else the JSON.
fn preview_source(d: &DecodedContent) -> std::borrow::Cow<'_, str> {
    if let Some(text) = &d.text {
        return text.as_str().into();
    }
    if !d.files.is_empty() {
        return d.files.join(" ").into();
    }
    match &d.json {
        Some(json) => json.to_string().into(),
        None => "".into(),
    }
}

/// The loaded messages, ascending by [`Message::order_key`].
#[derive(Clone, Debug, Default)]
pub struct MessageStore {
    entries: VecDeque<Entry>,
    /// The slot number of `entries[0]`; slots stay attached to their message when
    /// pages are put in front, so the index never needs rewriting for a prepend.
    front_slot: i64,
    /// Each loaded message's slot, by its identity ([`Message::key`]).
    by_key: HashMap<MessageKey, i64>,
}

impl MessageStore {
    /// How many messages are loaded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The message at a position.
    pub fn get(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index)
    }

    /// The loaded messages, in conversation order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The position of a loaded message by id.
    pub fn position(&self, id: MessageId) -> Option<usize> {
        let slot = *self.by_key.get(&MessageKey::Id(id))?;
        usize::try_from(slot - self.front_slot).ok()
    }

    /// The position of a loaded message by its order key.
    pub fn position_of_key(&self, key: OrderKey) -> Option<usize> {
        self.entries
            .binary_search_by_key(&key, |e| e.message.order_key())
            .ok()
    }

    /// The oldest and newest loaded messages.
    pub fn ends(&self) -> Option<(&Entry, &Entry)> {
        Some((self.entries.front()?, self.entries.back()?))
    }

    /// The position of the first loaded message that sorts after `key`.
    pub fn first_after(&self, key: OrderKey) -> Option<usize> {
        let at = self
            .entries
            .partition_point(|e| e.message.order_key() <= key);
        (at < self.entries.len()).then_some(at)
    }

    /// Forgets the `n` oldest loaded messages (positions of the rest go down by `n`).
    pub fn drop_oldest(&mut self, n: usize) {
        for _ in 0..n.min(self.entries.len()) {
            if let Some(e) = self.entries.pop_front() {
                self.by_key.remove(&e.message.key());
                self.front_slot += 1;
            }
        }
    }

    /// Forgets the `n` newest loaded messages.
    pub fn drop_newest(&mut self, n: usize) {
        for _ in 0..n.min(self.entries.len()) {
            if let Some(e) = self.entries.pop_back() {
                self.by_key.remove(&e.message.key());
            }
        }
    }

    /// Adds messages (any order), keeping conversation order; a message already
    /// loaded (by [`Message::key`]) is not added again. Returns where the message
    /// that was at `keep` is now.
    pub fn insert(&mut self, mut batch: Vec<Entry>, keep: Option<usize>) -> Option<usize> {
        let mut fresh = std::collections::HashSet::new();
        batch.retain(|e| {
            let key = e.message.key();
            !self.by_key.contains_key(&key) && fresh.insert(key)
        });
        if batch.is_empty() {
            return keep;
        }
        batch.sort_by_key(|e| e.message.order_key());
        let first = batch[0].message.order_key();
        let last = batch[batch.len() - 1].message.order_key();
        match (self.entries.front(), self.entries.back()) {
            (Some(front), _) if last <= front.message.order_key() => {
                let n = batch.len();
                for entry in batch.into_iter().rev() {
                    self.front_slot -= 1;
                    self.by_key.insert(entry.message.key(), self.front_slot);
                    self.entries.push_front(entry);
                }
                keep.map(|k| k + n)
            }
            (_, Some(back)) if first < back.message.order_key() => self.merge(batch, keep),
            _ => {
                for entry in batch {
                    let slot = self.front_slot + self.entries.len() as i64;
                    self.by_key.insert(entry.message.key(), slot);
                    self.entries.push_back(entry);
                }
                keep
            }
        }
    }

    /// The rare case of messages landing among loaded ones: rebuild in order.
    fn merge(&mut self, batch: Vec<Entry>, keep: Option<usize>) -> Option<usize> {
        let old = std::mem::take(&mut self.entries);
        let mut merged = VecDeque::with_capacity(old.len() + batch.len());
        let mut kept_at = None;
        let mut new_iter = batch.into_iter().peekable();
        for (i, entry) in old.into_iter().enumerate() {
            while new_iter
                .peek()
                .is_some_and(|n| n.message.order_key() < entry.message.order_key())
            {
                merged.push_back(new_iter.next().expect("peeked"));
            }
            if Some(i) == keep {
                kept_at = Some(merged.len());
            }
            merged.push_back(entry);
        }
        merged.extend(new_iter);
        self.entries = merged;
        self.front_slot = 0;
        self.by_key = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.message.key(), i as i64))
            .collect();
        kept_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures;

    fn store_of(ids: &[i64]) -> MessageStore {
        let mut s = MessageStore::default();
        let batch = ids.iter().map(|&i| fixtures::entry(i)).collect();
        s.insert(batch, None);
        s
    }

    fn ids(s: &MessageStore) -> Vec<i64> {
        s.iter().map(|e| fixtures::number(&e.message)).collect()
    }

    #[test]
    fn newest_first_pages_are_put_in_front_in_order() {
        let mut s = store_of(&[30, 29, 28]);
        assert_eq!(ids(&s), vec![28, 29, 30]);
        let kept = s.insert(
            [27, 26, 25].iter().map(|&i| fixtures::entry(i)).collect(),
            Some(2),
        );
        assert_eq!(ids(&s), vec![25, 26, 27, 28, 29, 30]);
        assert_eq!(
            kept,
            Some(5),
            "the kept message moved down by the page size"
        );
        assert_eq!(s.position(fixtures::id(30)), Some(5));
        assert_eq!(s.position(fixtures::id(25)), Some(0));
    }

    #[test]
    fn newer_pages_go_to_the_back_and_odd_ones_are_merged() {
        let mut s = store_of(&[1, 2, 5]);
        assert_eq!(s.insert(vec![fixtures::entry(6)], Some(1)), Some(1));
        let kept = s.insert(vec![fixtures::entry(3), fixtures::entry(0)], Some(1));
        assert_eq!(ids(&s), vec![0, 1, 2, 3, 5, 6]);
        assert_eq!(kept, Some(2), "message 2 stays selected");
        assert_eq!(s.position(fixtures::id(6)), Some(5));
    }

    #[test]
    fn either_end_can_be_forgotten_and_positions_follow() {
        let mut s = store_of(&(1..=10).collect::<Vec<_>>());
        s.drop_oldest(3);
        s.drop_newest(2);
        assert_eq!(ids(&s), vec![4, 5, 6, 7, 8]);
        assert_eq!(s.position(fixtures::id(4)), Some(0));
        assert_eq!(s.position(fixtures::id(2)), None);
        assert_eq!(s.position(fixtures::id(10)), None);
        assert_eq!(
            s.first_after(fixtures::message(5).order_key()),
            Some(2),
            "message 6"
        );
        assert_eq!(s.first_after(fixtures::message(8).order_key()), None);
        s.insert(vec![fixtures::entry(3)], None);
        assert_eq!(s.position(fixtures::id(4)), Some(1), "put in front again");
    }

    #[test]
    fn a_message_already_loaded_is_not_added_again_even_without_an_id() {
        use serde_json::json;
        let tz = TimeZone::UTC;
        let bare = || {
            Entry::new(
                Message::from_value(&json!({"Content": "no id", "CreateTime": 5})),
                &tz,
            )
        };
        let mut s = store_of(&[1, 2]);
        s.insert(vec![bare(), bare(), fixtures::entry(2)], None);
        assert_eq!(s.len(), 3, "one id-less message and no second 2");
        s.insert(vec![bare(), fixtures::entry(3)], None);
        assert_eq!(s.len(), 4);
        assert_eq!(s.position(fixtures::id(3)), Some(3));
    }
}
