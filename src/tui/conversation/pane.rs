//! The detail pane's state: the selected message's document, what it was built from,
//! and how far it is scrolled.

use super::super::detail::{DetailDoc, DetailScroll};

/// What a document was built from: the selected message (its serial), the names'
/// version, the quotes' version, and whether the pane was compact.
pub type DocKey = (u64, u64, u64, bool);

/// The detail pane of one view.
#[derive(Debug, Default)]
pub struct DetailPane {
    doc: DetailDoc,
    key: Option<DocKey>,
    scroll: DetailScroll,
}

/// How the detail pane moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaneMove {
    Down(usize),
    Up(usize),
    Top,
    End,
}

impl DetailPane {
    /// The document shown.
    pub fn doc(&self) -> &DetailDoc {
        &self.doc
    }

    /// How far it is scrolled.
    pub fn scroll(&self) -> DetailScroll {
        self.scroll
    }

    /// True when the document was built from `key`.
    pub fn is_built_from(&self, key: DocKey) -> bool {
        self.key == Some(key)
    }

    /// A document built from `key`; another message starts at its top.
    pub fn replace(&mut self, key: DocKey, doc: DetailDoc) {
        let same_message = self.key.map(|k| k.0) == Some(key.0);
        self.doc = doc;
        if !same_message {
            self.scroll = DetailScroll::default();
        }
        self.key = Some(key);
    }

    /// Scrolls a pane of `width`×`height` text cells.
    pub fn scroll_by(&mut self, how: PaneMove, width: u16, height: u16) {
        let scroll = &mut self.scroll;
        match how {
            PaneMove::Down(n) => self.doc.scroll_down(scroll, width, height, n),
            PaneMove::Up(n) => self.doc.scroll_up(scroll, width, n),
            PaneMove::Top => *scroll = DetailScroll::default(),
            PaneMove::End => self.doc.scroll_to_end(scroll, width, height),
        }
    }

    /// The width changed: rows start elsewhere, so the line starts again at its start.
    pub fn rewrap(&mut self) {
        self.scroll.offset = 0;
    }
}
