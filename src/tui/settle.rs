//! Bringing derived state in line after every change: the picker's scroll offset, and
//! the open view's own settling (selection, search, prefetching, detail, quotes).

use super::action::Command;
use super::app::{App, Focus};
use super::conversation::Surroundings;
use super::layout;

impl App {
    /// Brings derived state in line after any change.
    pub(crate) fn settle(&mut self) -> Vec<Command> {
        let areas = self.areas();
        if areas.detail.is_none() {
            self.focus = Focus::List;
        }
        self.settle_picker(usize::from(layout::picker_rows(areas.list).height));
        let Some(view) = self.view.as_mut() else {
            return Vec::new();
        };
        let around = Surroundings {
            names: &self.names,
            names_version: self.names_version,
            time_zone: &self.tz,
            detail: areas.detail_inner(),
            now: self.ticks,
        };
        view.settle(&around).into_iter().collect()
    }

    fn settle_picker(&mut self, h: usize) {
        let n = self.targets.len();
        let p = &mut self.picker;
        p.selected = p.selected.min(n.saturating_sub(1));
        if h == 0 {
            return;
        }
        if p.selected < p.offset {
            p.offset = p.selected;
        } else if p.selected >= p.offset + h {
            p.offset = p.selected + 1 - h;
        }
        p.offset = p.offset.min(n.saturating_sub(h));
    }
}
