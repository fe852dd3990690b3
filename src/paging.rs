//! What a page request says, shared by everything that asks for pages: the API
//! client, the archive, the export and the pager that decides which page comes next.
//! A leaf: it knows the model and nothing else, so the client can speak of pages
//! without knowing how walks are driven.

use std::fmt;

use crate::model::Cursor;

/// Which way a walk goes through history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the first message to the newest (`Reverse=0`, starting at `Cursor=0`).
    OldestFirst,
    /// From the newest message back to the first (`Reverse=1`, starting at `i64::MAX`).
    NewestFirst,
}

impl Direction {
    /// The `Reverse` value sent.
    pub fn reverse_flag(self) -> i32 {
        match self {
            Direction::OldestFirst => 0,
            Direction::NewestFirst => 1,
        }
    }

    /// The cursor a walk starts from unless told otherwise.
    pub fn default_start(self) -> Cursor {
        match self {
            Direction::OldestFirst => Cursor::OLDEST,
            Direction::NewestFirst => Cursor::NEWEST,
        }
    }
}

/// A page to fetch: what to send, and a number that ties the answer to the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Increases with each request of this pager; an answer for another is stale.
    pub seq: u64,
    /// `Cursor`.
    pub cursor: Cursor,
    /// `Reverse`.
    pub reverse: i32,
    /// `Limit`, always [`PAGE_LIMIT`](crate::api::wire::PAGE_LIMIT).
    pub limit: u32,
}

impl PageRequest {
    /// Which way this request walks.
    pub fn direction(&self) -> Direction {
        if self.reverse == 1 {
            Direction::NewestFirst
        } else {
            Direction::OldestFirst
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::OldestFirst => "oldest first",
            Direction::NewestFirst => "newest first",
        })
    }
}
