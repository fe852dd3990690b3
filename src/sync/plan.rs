//! What a sync fetches next, read from a conversation's coverage alone: so that an
//! interrupted sync, or one that another command's pages overtook, always carries on
//! from what the archive holds.

use crate::archive::{NewerEdge, OlderEdge, Stretch};
use crate::model::Cursor;
use crate::paging::Direction;

/// The next page to fetch below the newest stretch, if anything is missing.
///
/// From the newest stretch down: a stretch whose older edge has a cursor is
/// continued newest-first (this fills the gap below it, or reaches further back);
/// one whose older edge is unknown is filled oldest-first, from the cursor of the
/// stretch below (or from the beginning), which a live group cannot do. Nothing
/// older than `since` (ms) is fetched.
pub fn next_fetch(
    coverage: &[Stretch],
    since: Option<i64>,
    live: bool,
) -> Option<(Direction, Cursor)> {
    for (i, stretch) in coverage.iter().enumerate() {
        if since.is_some_and(|since| stretch.lo_time.is_some_and(|t| t <= since)) {
            return None;
        }
        match stretch.older {
            OlderEdge::Beginning => return None,
            OlderEdge::Cursor(cursor) => return Some((Direction::NewestFirst, cursor)),
            OlderEdge::Unknown if live => continue,
            OlderEdge::Unknown => match coverage.get(i + 1) {
                None => return Some((Direction::OldestFirst, Cursor::OLDEST)),
                Some(below) => {
                    if let NewerEdge::Cursor(cursor) = below.newer {
                        return Some((Direction::OldestFirst, cursor));
                    }
                }
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stretch(lo: i64, hi: i64, older: OlderEdge, newer: NewerEdge) -> Stretch {
        Stretch {
            id: hi,
            lo_idx: Some(lo),
            hi_idx: Some(hi),
            lo_time: Some(lo * 1000),
            hi_time: Some(hi * 1000),
            older,
            newer,
        }
    }

    #[test]
    fn a_history_archived_to_its_beginning_needs_nothing() {
        let cov = [stretch(1, 90, OlderEdge::Beginning, NewerEdge::NewestAt(5))];
        assert_eq!(next_fetch(&cov, None, false), None);
        assert_eq!(next_fetch(&[], None, false), None);
    }

    #[test]
    fn the_newest_open_edge_is_continued_first() {
        let cov = [
            stretch(
                80,
                90,
                OlderEdge::Cursor(Cursor(79)),
                NewerEdge::NewestAt(5),
            ),
            stretch(10, 40, OlderEdge::Cursor(Cursor(9)), NewerEdge::Unknown),
        ];
        assert_eq!(
            next_fetch(&cov, None, false),
            Some((Direction::NewestFirst, Cursor(79)))
        );
        assert_eq!(
            next_fetch(&cov[1..], None, true),
            Some((Direction::NewestFirst, Cursor(9)))
        );
    }

    #[test]
    fn since_stops_the_walk_once_it_is_reached() {
        let cov = [stretch(
            50,
            90,
            OlderEdge::Cursor(Cursor(49)),
            NewerEdge::NewestAt(5),
        )];
        assert_eq!(next_fetch(&cov, Some(60_000), false), None);
        assert_eq!(
            next_fetch(&cov, Some(10_000), false),
            Some((Direction::NewestFirst, Cursor(49)))
        );
    }

    #[test]
    fn an_unknown_older_edge_is_filled_oldest_first_except_in_a_live_group() {
        let lone = [stretch(50, 90, OlderEdge::Unknown, NewerEdge::NewestAt(5))];
        assert_eq!(
            next_fetch(&lone, None, false),
            Some((Direction::OldestFirst, Cursor::OLDEST))
        );
        assert_eq!(next_fetch(&lone, None, true), None);
        let over = [
            stretch(50, 90, OlderEdge::Unknown, NewerEdge::NewestAt(5)),
            stretch(1, 20, OlderEdge::Beginning, NewerEdge::Cursor(Cursor(21))),
        ];
        assert_eq!(
            next_fetch(&over, None, false),
            Some((Direction::OldestFirst, Cursor(21)))
        );
    }
}
