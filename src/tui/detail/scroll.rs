//! Scrolling the detail document, wrapped lazily: only the rows on screen are laid out.

use crate::tui::text;

use super::{DetailDoc, DocLine};

/// Where the pane is scrolled: the top row starts `offset` bytes into `line`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DetailScroll {
    pub line: usize,
    pub offset: usize,
}

/// One row on screen: a slice of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocRow {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

impl DocRow {
    /// True for the first row of its line (where the label goes).
    pub fn is_first(&self) -> bool {
        self.start == 0
    }
}

fn text_cols(line: &DocLine, width: u16) -> usize {
    usize::from(width.saturating_sub(line.indent).max(1))
}

impl DetailDoc {
    /// Up to `max` rows from a scroll position, for a pane `width` columns wide.
    pub fn rows(&self, from: DetailScroll, width: u16, max: usize) -> Vec<DocRow> {
        let mut out = Vec::new();
        let mut pos = from;
        while out.len() < max && pos.line < self.lines.len() {
            let line = &self.lines[pos.line];
            let row = text::next_row(&line.text, pos.offset, text_cols(line, width));
            out.push(DocRow {
                line: pos.line,
                start: pos.offset,
                end: row.end,
            });
            pos = if row.next >= line.text.len() {
                DetailScroll {
                    line: pos.line + 1,
                    offset: 0,
                }
            } else {
                DetailScroll {
                    line: pos.line,
                    offset: row.next,
                }
            };
        }
        out
    }

    /// Scrolls down by `n` rows, stopping when the last row reaches the bottom of a
    /// pane `height` rows high.
    pub fn scroll_down(&self, scroll: &mut DetailScroll, width: u16, height: u16, n: usize) {
        for _ in 0..n {
            let ahead = self.rows(*scroll, width, usize::from(height) + 1);
            if ahead.len() <= usize::from(height) || ahead.len() < 2 {
                return;
            }
            let next = ahead[1];
            *scroll = DetailScroll {
                line: next.line,
                offset: next.start,
            };
        }
    }

    /// Scrolls up by `n` rows.
    pub fn scroll_up(&self, scroll: &mut DetailScroll, width: u16, n: usize) {
        for _ in 0..n {
            let Some(line) = self.lines.get(scroll.line) else {
                *scroll = DetailScroll::default();
                return;
            };
            let cols = text_cols(line, width);
            if let Some(prev) = text::previous_row_start(&line.text, scroll.offset, cols) {
                scroll.offset = prev;
            } else if scroll.line > 0 {
                scroll.line -= 1;
                let prev = &self.lines[scroll.line];
                scroll.offset = text::last_row_start(&prev.text, text_cols(prev, width));
            } else {
                return;
            }
        }
    }

    /// Scrolls as far down as [`DetailDoc::scroll_down`] allows.
    pub fn scroll_to_end(&self, scroll: &mut DetailScroll, width: u16, height: u16) {
        *scroll = DetailScroll {
            line: self.lines.len().saturating_sub(1),
            offset: 0,
        };
        if let Some(last) = self.lines.last() {
            scroll.offset = text::last_row_start(&last.text, text_cols(last, width));
        }
        self.scroll_up(scroll, width, usize::from(height.saturating_sub(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::detail::{DocLine, LineKind};

    #[test]
    fn scrolling_walks_wrapped_rows_both_ways() {
        let doc = DetailDoc {
            lines: vec![
                DocLine {
                    kind: LineKind::Content,
                    label: String::new(),
                    text: "aaaa bbbb cccc".into(),
                    indent: 0,
                },
                DocLine {
                    kind: LineKind::Content,
                    label: String::new(),
                    text: "dd".into(),
                    indent: 0,
                },
            ],
        };
        let rows = doc.rows(DetailScroll::default(), 5, 10);
        assert_eq!(rows.len(), 4);
        let mut s = DetailScroll::default();
        doc.scroll_down(&mut s, 5, 2, 1);
        assert_eq!(s, DetailScroll { line: 0, offset: 5 });
        doc.scroll_down(&mut s, 5, 2, 10);
        assert_eq!(
            s,
            DetailScroll {
                line: 0,
                offset: 10
            },
            "stops at the end"
        );
        doc.scroll_up(&mut s, 5, 1);
        assert_eq!(s, DetailScroll { line: 0, offset: 5 });
        let mut e = DetailScroll::default();
        doc.scroll_to_end(&mut e, 5, 2);
        assert_eq!(
            e,
            DetailScroll {
                line: 0,
                offset: 10
            }
        );
    }
}
