//! The detail pane's document: every field of the selected message as clean lines,
//! built once when the selection changes, and its scrolling.
//!
//! Lines are wrapped lazily: the scroll position is a line and a byte offset into it,
//! so drawing wraps only the rows on screen, however long the message.

mod build;
mod scroll;

use jiff::tz::TimeZone;

use crate::model::Message;

pub use build::{build, long_time, status_name, type_name};
pub use scroll::{DetailScroll, DocRow};

/// Columns of the field label column.
pub const LABEL_COLS: u16 = 14;
/// Below this many rows of text the detail pane is compact: content first.
pub const COMPACT_DETAIL_MAX_ROWS: u16 = 16;
/// The most content bytes laid out in the pane; the rest is announced, not shown.
pub const DETAIL_MAX_CONTENT_BYTES: usize = 256 * 1024;

/// What a line is, for styling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A section heading such as `Ext`.
    Heading,
    /// A labelled field.
    Field,
    /// Message content.
    Content,
    /// A remark: loading, not found, cut.
    Note,
    /// Something wrong with the message.
    Defect,
    /// An empty spacer line.
    Blank,
}

/// One logical line of the document. `label` fills the first `indent` columns of its
/// first row; wrapped rows continue at `indent`. Both strings are clean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocLine {
    pub kind: LineKind,
    pub label: String,
    pub text: String,
    pub indent: u16,
}

/// The selected message, laid out as lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetailDoc {
    pub lines: Vec<DocLine>,
}

/// What is known of a referenced message.
#[derive(Clone, Debug)]
pub enum RefContent<'a> {
    /// It is loaded; here it is.
    Loaded(&'a Message),
    /// Being fetched.
    Loading,
    /// The server does not have it.
    NotFound,
    /// Fetching it failed.
    Failed(&'a str),
    /// Not fetched (yet).
    Unknown,
}

/// What the document needs besides the message.
pub struct DocContext<'a> {
    pub sender_name: Option<&'a str>,
    /// The display name of the referenced message's sender, when known.
    pub ref_sender_name: Option<&'a str>,
    pub time_zone: &'a TimeZone,
    pub referenced: RefContent<'a>,
    /// The pane is small: the content comes first.
    pub compact: bool,
}
