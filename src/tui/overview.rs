//! What the picker shows of each conversation from the archive: how many messages
//! are archived, when the newest was sent, how many arrived since it was last read.
//! Read by the worker in one go (a few indexed queries, whatever the archive's size).

use std::collections::HashMap;

use crate::archive::{Archive, ArchiveError, Figures};
use crate::model::{AppId, ConversationId};

/// The archive's figures of every conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overview {
    figures: HashMap<(AppId, ConversationId), Figures>,
    new_since: HashMap<(AppId, ConversationId), u64>,
    /// Read from an archive at all (without one, the picker leaves the columns blank).
    read: bool,
}

impl Overview {
    /// Reads the figures of every conversation.
    pub fn read(archive: &Archive) -> Result<Overview, ArchiveError> {
        Ok(Overview {
            figures: archive.figures()?,
            new_since: archive.new_since_seen_all()?,
            read: true,
        })
    }

    /// True once figures were read from an archive.
    pub fn is_read(&self) -> bool {
        self.read
    }

    /// How many messages of a conversation are archived, and the newest's time.
    pub fn figures(&self, app: AppId, conversation: ConversationId) -> Figures {
        self.figures
            .get(&(app, conversation))
            .copied()
            .unwrap_or_default()
    }

    /// How many messages arrived since the conversation was last read; `None` when it
    /// never was.
    pub fn new_since(&self, app: AppId, conversation: ConversationId) -> Option<u64> {
        self.new_since.get(&(app, conversation)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::wire::Page;
    use crate::archive::PageFetch;
    use crate::archive::Place;
    use crate::model::{Cursor, Message};
    use crate::paging::Direction;
    use serde_json::json;

    #[test]
    fn figures_and_what_is_new_since_the_last_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        let (app, conv) = (AppId(7), ConversationId(42));
        let messages: Vec<Message> = (1..=6)
            .rev()
            .map(|i| {
                Message::from_value(&json!({
                    "MessageId": 100 + i, "IndexInConversation": i,
                    "CreateTime": 1_700_000_000_000i64 + i * 1000,
                }))
            })
            .collect();
        let fetch = PageFetch::new(
            app,
            conv,
            Direction::NewestFirst,
            Cursor::NEWEST,
            Cursor::NEWEST,
        );
        let page = Page {
            has_more: Some(false),
            new_cursor: None,
            messages: messages.clone(),
        };
        archive.store_page(&fetch, &page).unwrap();
        let read = Overview::read(&archive).unwrap();
        assert_eq!(read.figures(app, conv).messages, 6);
        assert_eq!(read.figures(app, conv).newest_time, Some(1_700_000_006_000));
        assert_eq!(read.new_since(app, conv), None, "never read");
        assert_eq!(read.figures(app, ConversationId(1)), Figures::default());
        // Read as far as position 4: two are new.
        let at = Place::of(&messages[2]);
        archive.store_reading(app, conv, &at, &at).unwrap();
        assert_eq!(
            Overview::read(&archive).unwrap().new_since(app, conv),
            Some(2)
        );
    }
}
