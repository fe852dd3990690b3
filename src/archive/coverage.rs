//! Coverage: the stretches of a conversation known to be complete, because they were
//! fetched as one chain of pages, each page asked for with the cursor the one before
//! it handed back (or because such chains overlap).
//!
//! A stretch runs from its oldest to its newest message, by `IndexInConversation`.
//! Each of its two edges says what lies beyond it: the beginning of the history, the
//! newest message (as of a time), a cursor that continues the walk, or nothing known.
//! Between two stretches is a gap, known as a gap, that a walk from the upper
//! stretch's older cursor fills.

use crate::model::Cursor;

/// What lies beyond a stretch's oldest message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OlderEdge {
    /// The history begins here: nothing is older.
    Beginning,
    /// Older messages follow from this newest-first (`Reverse=1`) cursor.
    Cursor(Cursor),
    /// Not known (the chain was walked oldest-first from the middle).
    Unknown,
}

/// What lies beyond a stretch's newest message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewerEdge {
    /// It was the newest message of the conversation at this time (ms).
    NewestAt(i64),
    /// Newer messages follow from this oldest-first (`Reverse=0`) cursor.
    Cursor(Cursor),
    /// Not known (the chain was walked newest-first from the middle).
    Unknown,
}

/// One stretch of a conversation known to be complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stretch {
    /// The stretch's row in the `coverage` table.
    pub id: i64,
    /// `IndexInConversation` of its oldest and newest messages (`None` when its
    /// messages had no index).
    pub lo_idx: Option<i64>,
    pub hi_idx: Option<i64>,
    /// `CreateTime` (ms) of its oldest and newest messages.
    pub lo_time: Option<i64>,
    pub hi_time: Option<i64>,
    pub older: OlderEdge,
    pub newer: NewerEdge,
}

impl Stretch {
    /// Whether the two hold a message position in common, so that together they are
    /// one complete stretch.
    pub fn overlaps(&self, other: &Stretch) -> bool {
        match (self.lo_idx, self.hi_idx, other.lo_idx, other.hi_idx) {
            (Some(a_lo), Some(a_hi), Some(b_lo), Some(b_hi)) => a_lo <= b_hi && b_lo <= a_hi,
            _ => false,
        }
    }

    /// Whether nothing older than this stretch is missing.
    pub fn reaches_beginning(&self) -> bool {
        self.older == OlderEdge::Beginning
    }

    /// The one stretch that two overlapping stretches make: each edge is taken from
    /// the stretch that reaches further that way (at a tie, the better-known edge).
    pub fn merged(&self, other: &Stretch) -> Stretch {
        let (lo_idx, lo_time, older) = match (self.lo_idx, other.lo_idx) {
            (Some(a), Some(b)) if b < a => (other.lo_idx, other.lo_time, other.older),
            (Some(a), Some(b)) if a == b && older_rank(other.older) > older_rank(self.older) => {
                (self.lo_idx, self.lo_time, other.older)
            }
            _ => (self.lo_idx, self.lo_time, self.older),
        };
        let (hi_idx, hi_time, newer) = match (self.hi_idx, other.hi_idx) {
            (Some(a), Some(b)) if b > a => (other.hi_idx, other.hi_time, other.newer),
            (Some(a), Some(b)) if a == b && newer_rank(other.newer) > newer_rank(self.newer) => {
                (self.hi_idx, self.hi_time, other.newer)
            }
            _ => (self.hi_idx, self.hi_time, self.newer),
        };
        Stretch {
            id: self.id.min(other.id),
            lo_idx,
            hi_idx,
            lo_time,
            hi_time,
            older,
            newer,
        }
    }
}

fn older_rank(edge: OlderEdge) -> u8 {
    match edge {
        OlderEdge::Unknown => 0,
        OlderEdge::Cursor(_) => 1,
        OlderEdge::Beginning => 2,
    }
}

fn newer_rank(edge: NewerEdge) -> (u8, i64) {
    match edge {
        NewerEdge::Unknown => (0, 0),
        NewerEdge::Cursor(_) => (1, 0),
        NewerEdge::NewestAt(t) => (2, t),
    }
}

/// The columns of a `coverage` row that hold an older edge.
pub(crate) fn older_columns(edge: OlderEdge) -> (Option<i64>, bool) {
    match edge {
        OlderEdge::Beginning => (None, true),
        OlderEdge::Cursor(c) => (Some(c.0), false),
        OlderEdge::Unknown => (None, false),
    }
}

/// The columns of a `coverage` row that hold a newer edge.
pub(crate) fn newer_columns(edge: NewerEdge) -> (Option<i64>, Option<i64>) {
    match edge {
        NewerEdge::NewestAt(t) => (None, Some(t)),
        NewerEdge::Cursor(c) => (Some(c.0), None),
        NewerEdge::Unknown => (None, None),
    }
}

/// The older edge from a row's columns.
pub(crate) fn older_edge(cursor: Option<i64>, begins: bool) -> OlderEdge {
    match (begins, cursor) {
        (true, _) => OlderEdge::Beginning,
        (false, Some(c)) => OlderEdge::Cursor(Cursor(c)),
        (false, None) => OlderEdge::Unknown,
    }
}

/// The newer edge from a row's columns.
pub(crate) fn newer_edge(cursor: Option<i64>, newest_at: Option<i64>) -> NewerEdge {
    match (newest_at, cursor) {
        (Some(t), _) => NewerEdge::NewestAt(t),
        (None, Some(c)) => NewerEdge::Cursor(Cursor(c)),
        (None, None) => NewerEdge::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stretch(id: i64, lo: i64, hi: i64, older: OlderEdge, newer: NewerEdge) -> Stretch {
        Stretch {
            id,
            lo_idx: Some(lo),
            hi_idx: Some(hi),
            lo_time: Some(lo * 10),
            hi_time: Some(hi * 10),
            older,
            newer,
        }
    }

    #[test]
    fn stretches_that_share_a_position_overlap() {
        let a = stretch(1, 10, 20, OlderEdge::Unknown, NewerEdge::Unknown);
        assert!(a.overlaps(&stretch(2, 20, 30, OlderEdge::Unknown, NewerEdge::Unknown)));
        assert!(a.overlaps(&stretch(2, 12, 13, OlderEdge::Unknown, NewerEdge::Unknown)));
        assert!(!a.overlaps(&stretch(2, 21, 30, OlderEdge::Unknown, NewerEdge::Unknown)));
        let no_index = Stretch {
            lo_idx: None,
            hi_idx: None,
            ..a.clone()
        };
        assert!(!a.overlaps(&no_index));
    }

    #[test]
    fn a_merge_keeps_the_further_edge_each_way() {
        let top = stretch(
            5,
            50,
            90,
            OlderEdge::Cursor(Cursor(49)),
            NewerEdge::NewestAt(7),
        );
        let below = stretch(
            2,
            10,
            60,
            OlderEdge::Beginning,
            NewerEdge::Cursor(Cursor(61)),
        );
        let m = top.merged(&below);
        assert_eq!((m.id, m.lo_idx, m.hi_idx), (2, Some(10), Some(90)));
        assert_eq!(m.older, OlderEdge::Beginning);
        assert_eq!(m.newer, NewerEdge::NewestAt(7));
        assert_eq!((m.lo_time, m.hi_time), (Some(100), Some(900)));
        assert_eq!(below.merged(&top), m);
    }

    #[test]
    fn at_a_tie_the_better_known_edge_wins() {
        let a = stretch(1, 10, 20, OlderEdge::Unknown, NewerEdge::NewestAt(1));
        let b = stretch(2, 10, 20, OlderEdge::Beginning, NewerEdge::NewestAt(9));
        let m = a.merged(&b);
        assert_eq!(m.older, OlderEdge::Beginning);
        assert_eq!(m.newer, NewerEdge::NewestAt(9));
    }

    #[test]
    fn edges_read_back_from_their_columns() {
        for edge in [
            OlderEdge::Beginning,
            OlderEdge::Cursor(Cursor(3)),
            OlderEdge::Unknown,
        ] {
            let (c, b) = older_columns(edge);
            assert_eq!(older_edge(c, b), edge);
        }
        for edge in [
            NewerEdge::NewestAt(4),
            NewerEdge::Cursor(Cursor(3)),
            NewerEdge::Unknown,
        ] {
            let (c, t) = newer_columns(edge);
            assert_eq!(newer_edge(c, t), edge);
        }
    }
}
