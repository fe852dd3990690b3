//! What the browser reads from the archive: stretches of a conversation either side
//! of a message, and where the conversation was last read. The view asks for reads
//! as commands ([`WindowRead`]); the terminal's loop answers them on a read-only
//! connection off the UI thread. Opening a conversation reads its first window at
//! once, on the calling thread ([`opening`]): one bounded, indexed query, so the
//! first frame already shows the archived messages instead of a loading row.

use crate::archive::{Archive, ArchiveError, OlderEdge, Place, Position, Side};
use crate::model::{AppId, ConversationId, Message, MessageKey};

/// The most matches of `/` taken from the archive's search of a conversation.
pub const ARCHIVE_SEARCH_MAX: usize = 5_000;

/// Where the archive's search finds `query` in a conversation: the positions of its
/// matches (the newest [`ARCHIVE_SEARCH_MAX`]).
pub fn search_conversation(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
    query: &str,
) -> Result<Vec<Position>, ArchiveError> {
    let query = crate::archive::SearchQuery {
        words: crate::archive::SearchQuery::words_of(query),
        conversations: vec![(Some(app), conversation)],
        limit: ARCHIVE_SEARCH_MAX,
        ..Default::default()
    };
    Ok(archive
        .search(&query)?
        .into_iter()
        .filter_map(|hit| {
            let raw = serde_json::value::RawValue::from_string(hit.raw).ok()?;
            Some(Message::from_raw(raw).order_key())
        })
        .collect())
}

/// The archived message with this id, as a place to open at.
pub fn place_of(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
    id: crate::model::MessageId,
) -> Result<Option<Place>, ArchiveError> {
    let key = MessageKey::Id(id).to_string();
    Ok(archive
        .message_by_key(app, conversation, &key)?
        .map(|m| Place::of(&m.message)))
}

/// Messages read from the archive at a time when the view nears an edge of its window.
pub const ARCHIVE_READ: usize = 200;
/// Messages read around the place a conversation opens at.
pub const OPENING_READ: usize = 150;

/// One read of a stretch of a conversation beside what the view holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRead {
    /// Ties the answer to the request; an answer for an older one is stale.
    pub seq: u64,
    pub app: AppId,
    pub conversation: ConversationId,
    /// The view's message at that edge (`None`: from beyond the newest).
    pub from: Option<Position>,
    pub side: Side,
    pub limit: usize,
}

/// What a window read found.
#[derive(Clone, Debug, Default)]
pub struct WindowAnswer {
    /// Oldest first.
    pub messages: Vec<Message>,
    /// When an older read found fewer than asked for (the archived stretch ends
    /// there): what lies beyond its oldest message.
    pub older_edge: Option<OlderEdge>,
}

impl WindowAnswer {
    /// True when the read found as many as it asked for (more may follow that way).
    pub fn is_full(&self, read: &WindowRead) -> bool {
        self.messages.len() >= read.limit
    }
}

/// Carries out a window read.
pub fn read_window(archive: &Archive, read: &WindowRead) -> Result<WindowAnswer, ArchiveError> {
    let messages: Vec<Message> = archive
        .window(
            read.app,
            read.conversation,
            read.from,
            read.side,
            read.limit,
        )?
        .into_iter()
        .map(|m| m.message)
        .collect();
    let older_edge = if read.side == Side::Before && messages.len() < read.limit {
        let oldest = messages
            .first()
            .and_then(|m| m.body.index_in_conversation)
            .or(read.from.and_then(|p| p.0));
        match oldest {
            Some(idx) => Some(
                archive
                    .stretch_at(read.app, read.conversation, idx)?
                    .map_or(OlderEdge::Unknown, |s| s.older),
            ),
            None => Some(OlderEdge::Unknown),
        }
    } else {
        None
    };
    Ok(WindowAnswer {
        messages,
        older_edge,
    })
}

/// The first window of a conversation being opened: where it was last read (else the
/// newest archived messages), and what had been seen then.
#[derive(Clone, Debug, Default)]
pub struct Opening {
    /// Oldest first; empty when nothing is archived.
    pub messages: Vec<Message>,
    /// The message to select.
    pub select: Option<MessageKey>,
    /// More archived messages are older / newer than these.
    pub older: bool,
    pub newer: bool,
    /// When nothing older is archived: what lies beyond the oldest.
    pub older_edge: Option<OlderEdge>,
    /// The newest message seen when the conversation was last looked at.
    pub seen: Option<Position>,
    /// It opens where it was read before (not at the newest by default).
    pub restored: bool,
}

/// Reads the window a conversation opens with, at `at` when given (else at the
/// newest). `seen` is what had been seen of it before.
pub fn opening(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
    at: Option<&Place>,
    seen: Option<Position>,
) -> Result<Opening, ArchiveError> {
    let half = OPENING_READ / 2;
    let read = |from, side, limit| WindowRead {
        seq: 0,
        app,
        conversation,
        from,
        side,
        limit,
    };
    let here = match at {
        Some(place) => archive.message_by_key(app, conversation, &place.key.to_string())?,
        None => None,
    };
    let Some(here) = here.map(|m| m.message) else {
        // At the newest: the newest archived messages, the newest selected.
        let older = read(None, Side::Before, OPENING_READ);
        let answer = read_window(archive, &older)?;
        return Ok(Opening {
            older: answer.is_full(&older),
            select: answer.messages.last().map(Message::key),
            messages: answer.messages,
            newer: false,
            older_edge: answer.older_edge,
            seen,
            restored: false,
        });
    };
    let position = Some(here.order_key());
    let before = read(position, Side::Before, half);
    let after = read(position, Side::After, half);
    let older = read_window(archive, &before)?;
    let newer = read_window(archive, &after)?;
    let select = Some(here.key());
    let mut messages = older.messages.clone();
    messages.push(here);
    messages.extend(newer.messages.iter().cloned());
    Ok(Opening {
        older: older.is_full(&before),
        newer: newer.is_full(&after),
        older_edge: older.older_edge,
        messages,
        select,
        seen,
        restored: true,
    })
}

/// The archived message at `position` (or the first after it), as a place to open at.
pub fn place_at(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
    position: Position,
) -> Result<Option<Place>, ArchiveError> {
    let (idx, time, id) = position;
    // Just before it: the read after that starts with it.
    let before = match (idx, time, id) {
        (Some(i), _, _) => (
            Some(i.saturating_sub(1)),
            Some(i64::MAX),
            Some(crate::model::MessageId(i64::MAX)),
        ),
        (None, t, m) => (
            None,
            t,
            m.map(|m| crate::model::MessageId(m.0.saturating_sub(1))),
        ),
    };
    Ok(archive
        .window(app, conversation, Some(before), Side::After, 1)?
        .first()
        .map(|m| Place::of(&m.message)))
}

/// Where a conversation was last read and what had been seen, from the archive.
pub fn last_reading(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
) -> Result<Option<(Place, Option<Position>)>, ArchiveError> {
    Ok(archive.reading(app, conversation)?.map(|r| {
        // Everything at the seen index (or time) counts as seen.
        let last = Some(crate::model::MessageId(i64::MAX));
        let seen = match (r.seen_idx, r.seen_time) {
            (Some(idx), _) => Some((Some(idx), Some(i64::MAX), last)),
            (None, Some(t)) => Some((None, Some(t), last)),
            (None, None) => None,
        };
        (r.last_read, seen)
    }))
}
