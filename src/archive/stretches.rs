//! The `coverage` table: recording what a stored page says about the stretches
//! of its conversation (see [`super::coverage`]), and reading them back.

use rusqlite::{Connection, OptionalExtension, params};

use super::coverage::{
    NewerEdge, OlderEdge, Stretch, newer_columns, newer_edge, older_columns, older_edge,
};
use super::store::PageFetch;
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, Cursor, Message};
use crate::pager::Direction;

/// A message's position and `CreateTime`.
type Position = (i64, Option<i64>);

/// The oldest and newest positions of a page's messages.
pub(super) fn page_span(messages: &[Message]) -> (Option<Position>, Option<Position>) {
    let mut lo: Option<Position> = None;
    let mut hi: Option<Position> = None;
    for m in messages {
        let Some(idx) = m.body.index_in_conversation else {
            continue;
        };
        let entry = (idx, m.body.create_time);
        if lo.is_none_or(|(l, _)| idx < l) {
            lo = Some(entry);
        }
        if hi.is_none_or(|(h, _)| idx > h) {
            hi = Some(entry);
        }
    }
    (lo, hi)
}

/// Widens `prior` to take in the span of `own`, a page chained to one of its edges.
fn take_in(prior: &mut Stretch, own: &Stretch) {
    if own.lo_idx.is_some() && (prior.lo_idx.is_none() || own.lo_idx < prior.lo_idx) {
        (prior.lo_idx, prior.lo_time) = (own.lo_idx, own.lo_time);
    }
    if own.hi_idx.is_some() && (prior.hi_idx.is_none() || own.hi_idx > prior.hi_idx) {
        (prior.hi_idx, prior.hi_time) = (own.hi_idx, own.hi_time);
    }
}

/// Records what the page says about coverage: it extends the stretch whose open edge
/// its cursor continued (or starts a stretch of its own), then merges every stretch
/// it now overlaps. Returns the page's stretch and whether it met an older one.
pub(super) fn record_coverage(
    tx: &Connection,
    fetch: &PageFetch,
    page: &Page,
    now: i64,
) -> rusqlite::Result<(Option<Stretch>, bool)> {
    let (lo, hi) = page_span(&page.messages);
    let continued = if fetch.from_edge {
        None
    } else {
        let column = match fetch.direction {
            Direction::NewestFirst => "lo_cursor",
            Direction::OldestFirst => "hi_cursor",
        };
        find_by_cursor(tx, fetch, column)?
    };
    let claims_more = page.claims_more();
    let more = |c: Option<Cursor>| c.filter(|_| claims_more);
    let mut own = Stretch {
        id: 0,
        lo_idx: lo.map(|l| l.0),
        hi_idx: hi.map(|h| h.0),
        lo_time: lo.and_then(|l| l.1),
        hi_time: hi.and_then(|h| h.1),
        older: OlderEdge::Unknown,
        newer: NewerEdge::Unknown,
    };
    match fetch.direction {
        Direction::NewestFirst => {
            own.older = match more(page.new_cursor) {
                Some(c) => OlderEdge::Cursor(c),
                None if !claims_more => OlderEdge::Beginning,
                None => OlderEdge::Unknown,
            };
            if fetch.from_edge {
                own.newer = NewerEdge::NewestAt(now);
            }
        }
        Direction::OldestFirst => {
            own.newer = match more(page.new_cursor) {
                Some(c) => NewerEdge::Cursor(c),
                None if !claims_more => NewerEdge::NewestAt(now),
                None => NewerEdge::Unknown,
            };
            if fetch.from_edge {
                own.older = OlderEdge::Beginning;
            }
        }
    }
    let mut stretch = match continued {
        Some(mut prior) => {
            // The chain goes on from `prior`'s open edge: that edge is now the page's,
            // and the stretch takes in the page's span.
            take_in(&mut prior, &own);
            match fetch.direction {
                Direction::NewestFirst => prior.older = own.older,
                Direction::OldestFirst => prior.newer = own.newer,
            }
            prior
        }
        None if page.messages.is_empty() || own.lo_idx.is_none() => return Ok((None, false)),
        None => {
            own.id = insert_stretch(tx, fetch, &own, now)?;
            own
        }
    };
    let mut joined = false;
    // A merge widens the stretch, which may then overlap one more: merge to a fixpoint.
    while let Some(other) = stretches_of(tx, fetch.app, fetch.conversation)?
        .into_iter()
        .find(|other| other.id != stretch.id && stretch.overlaps(other))
    {
        let merged = stretch.merged(&other);
        let gone = if merged.id == stretch.id {
            other.id
        } else {
            stretch.id
        };
        tx.prepare_cached("DELETE FROM coverage WHERE id = ?1")?
            .execute([gone])?;
        stretch = merged;
        joined = true;
    }
    update_stretch(tx, &stretch, now)?;
    Ok((Some(stretch), joined))
}

fn find_by_cursor(
    tx: &Connection,
    fetch: &PageFetch,
    column: &str,
) -> rusqlite::Result<Option<Stretch>> {
    let sql = format!(
        "SELECT {STRETCH_COLUMNS} FROM coverage
         WHERE app_id = ?1 AND conversation_id = ?2 AND {column} = ?3 ORDER BY id LIMIT 1"
    );
    tx.prepare_cached(&sql)?
        .query_row(
            params![fetch.app.0, fetch.conversation.0, fetch.cursor.0],
            stretch_row,
        )
        .optional()
}

fn insert_stretch(
    tx: &Connection,
    fetch: &PageFetch,
    s: &Stretch,
    now: i64,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO coverage (app_id, conversation_id, updated_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![fetch.app.0, fetch.conversation.0, now])?;
    let id = tx.last_insert_rowid();
    update_stretch(tx, &Stretch { id, ..s.clone() }, now)?;
    Ok(id)
}

fn update_stretch(tx: &Connection, s: &Stretch, now: i64) -> rusqlite::Result<()> {
    let (lo_cursor, begins) = older_columns(s.older);
    let (hi_cursor, newest_at) = newer_columns(s.newer);
    tx.prepare_cached(
        "UPDATE coverage SET lo_idx = ?2, hi_idx = ?3, lo_time = ?4, hi_time = ?5,
                lo_cursor = ?6, begins = ?7, hi_cursor = ?8, newest_at = ?9, updated_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        s.id, s.lo_idx, s.hi_idx, s.lo_time, s.hi_time, lo_cursor, begins, hi_cursor, newest_at,
        now
    ])?;
    Ok(())
}

pub(crate) const STRETCH_COLUMNS: &str =
    "id, lo_idx, hi_idx, lo_time, hi_time, lo_cursor, begins, hi_cursor, newest_at";

pub(crate) fn stretch_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stretch> {
    Ok(Stretch {
        id: row.get(0)?,
        lo_idx: row.get(1)?,
        hi_idx: row.get(2)?,
        lo_time: row.get(3)?,
        hi_time: row.get(4)?,
        older: older_edge(row.get(5)?, row.get(6)?),
        newer: newer_edge(row.get(7)?, row.get(8)?),
    })
}

/// A conversation's stretches, newest first.
pub(crate) fn stretches_of(
    conn: &rusqlite::Connection,
    app: AppId,
    conversation: ConversationId,
) -> rusqlite::Result<Vec<Stretch>> {
    let sql = format!(
        "SELECT {STRETCH_COLUMNS} FROM coverage WHERE app_id = ?1 AND conversation_id = ?2
         ORDER BY hi_idx DESC NULLS LAST, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![app.0, conversation.0], stretch_row)?;
    rows.collect()
}
