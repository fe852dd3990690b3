//! Where each screen region goes, for a terminal size. Pure geometry, shared by the
//! renderer and by the state (which needs the list height for scrolling and the
//! detail pane's size for its own scrolling).

use ratatui::layout::{Margin, Rect};

/// From this many columns the detail pane sits right of the list; below, under it.
pub const WIDE_LAYOUT_MIN_COLS: u16 = 100;
/// The list's share of the width in the wide layout, in percent.
pub const LIST_WIDTH_PERCENT: u16 = 55;
/// The detail pane's share of the height in the narrow layout, in percent.
pub const DETAIL_HEIGHT_PERCENT: u16 = 45;
/// Below this many rows for list and detail together, the narrow layout shows no detail pane.
pub const MIN_ROWS_FOR_SPLIT: u16 = 10;
/// Below this many columns, the wide layout is not used even when asked for.
pub const MIN_DETAIL_COLS: u16 = 20;
/// Rows above the picker's list: the column titles.
pub const PICKER_HEADER_ROWS: u16 = 1;

/// The rows of the picker's list within its area.
pub fn picker_rows(list: Rect) -> Rect {
    let header = PICKER_HEADER_ROWS.min(list.height);
    Rect::new(list.x, list.y + header, list.width, list.height - header)
}

/// The regions of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    /// The message list (or the conversation picker).
    pub list: Rect,
    /// The detail pane with its border, when shown.
    pub detail: Option<Rect>,
    /// The status bar.
    pub status: Rect,
}

impl Areas {
    /// The detail pane's text area, inside its border.
    pub fn detail_inner(&self) -> Option<Rect> {
        self.detail.map(detail_inner)
    }
}

/// The text area of a detail pane placed at `outer`.
pub fn detail_inner(outer: Rect) -> Rect {
    outer.inner(Margin {
        horizontal: 1,
        vertical: 1,
    })
}

/// Splits a screen of `size`. `status_lines` is what the status bar would like (1, or
/// 2 with a hint line); tiny screens give it less. The list always keeps at least one
/// row when there is one.
pub fn areas(size: Rect, show_detail: bool, status_lines: u16) -> Areas {
    let status_h = match size.height {
        0 | 1 => 0,
        2 => 1,
        h => status_lines.min(h - 2).max(1),
    };
    let main_h = size.height - status_h;
    let main = Rect::new(size.x, size.y, size.width, main_h);
    let status = Rect::new(size.x, size.y + main_h, size.width, status_h);
    if !show_detail || main.width == 0 || main.height == 0 {
        return Areas {
            list: main,
            detail: None,
            status,
        };
    }
    if main.width >= WIDE_LAYOUT_MIN_COLS {
        let list_w = main.width * LIST_WIDTH_PERCENT / 100;
        let detail_w = main.width - list_w;
        if detail_w >= MIN_DETAIL_COLS {
            return Areas {
                list: Rect::new(main.x, main.y, list_w, main.height),
                detail: Some(Rect::new(main.x + list_w, main.y, detail_w, main.height)),
                status,
            };
        }
    }
    if main.height < MIN_ROWS_FOR_SPLIT {
        return Areas {
            list: main,
            detail: None,
            status,
        };
    }
    let detail_h = main.height * DETAIL_HEIGHT_PERCENT / 100;
    let list_h = main.height - detail_h;
    Areas {
        list: Rect::new(main.x, main.y, main.width, list_h),
        detail: Some(Rect::new(main.x, main.y + list_h, main.width, detail_h)),
        status,
    }
}

// The message list's columns: the state needs the text's width to wrap, the renderer
// to draw.

/// Columns of the time column (`HH:MM`).
pub const TIME_COLS: usize = 5;
/// The sender column's narrowest and widest.
pub const SENDER_MIN_COLS: usize = 4;
pub const SENDER_MAX_COLS: usize = 14;

/// The sender column's width for a list `width` columns wide.
pub fn sender_cols(width: u16) -> usize {
    (usize::from(width) / 5).clamp(SENDER_MIN_COLS, SENDER_MAX_COLS)
}

/// Where the content starts: after the mark, the time and the sender.
pub fn content_col(width: u16) -> usize {
    1 + TIME_COLS + 1 + sender_cols(width) + 1
}

/// The columns of a message's text in a list `width` columns wide.
pub fn text_cols(width: u16) -> usize {
    usize::from(width).saturating_sub(content_col(width)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_screens_put_the_detail_right_and_narrow_ones_below() {
        let a = areas(Rect::new(0, 0, 160, 45), true, 1);
        let d = a.detail.unwrap();
        assert_eq!((a.list.width + d.width, d.x), (160, a.list.width));
        assert_eq!(a.status, Rect::new(0, 44, 160, 1));
        let a = areas(Rect::new(0, 0, 80, 40), true, 2);
        let d = a.detail.unwrap();
        assert_eq!(d.y, a.list.height);
        assert_eq!(a.status.height, 2);
        assert_eq!(a.list.height + d.height + 2, 40);
    }

    #[test]
    fn tiny_screens_keep_a_list_row_and_never_underflow() {
        for w in 0..12 {
            for h in 0..12 {
                let a = areas(Rect::new(0, 0, w, h), true, 2);
                assert!(a.list.height + a.status.height <= h);
                if h > 0 {
                    assert!(a.list.height >= 1);
                }
            }
        }
        let a = areas(Rect::new(0, 0, 1, 1), true, 2);
        assert_eq!((a.list.height, a.status.height, a.detail), (1, 0, None));
    }
}
