//! Bringing derived state in line after every change: the list's scroll position,
//! the search's matches, prefetching, the detail document, the quoted message to fetch.

use crate::model::UserId;

use super::action::Command;
use super::app::{App, Focus, known_name};
use super::detail::{self, DetailScroll, DocContext};
use super::layout;

impl App {
    /// Brings derived state in line after any change: scroll position, prefetching,
    /// the detail document, the quoted message to fetch.
    pub(crate) fn settle(&mut self) -> Vec<Command> {
        let mut commands = Vec::new();
        let areas = self.areas();
        let h = i32::from(areas.list.height);
        if areas.detail.is_none() {
            self.focus = Focus::List;
        }
        self.settle_picker(usize::from(layout::picker_rows(areas.list).height));
        let now = self.ticks;
        let Some(view) = self.view.as_mut() else {
            return commands;
        };
        view.wrap_cols = self
            .wrap
            .then(|| super::ui::list::text_cols(areas.list.width));
        let mut scroll = view.scroll;
        super::viewport::normalize(&view.model(), &mut scroll, h);
        view.scroll = scroll;
        if let Some(search) = view.search.as_mut() {
            let app = view.target.app_id;
            search.rescan_names(&view.store, &self.names, app, self.names_version);
            let selected = view.store.get(view.scroll.selected);
            search.update_rank(selected, view.selection_serial, view.pager.direction());
        }
        if view.wants_page(h) {
            commands.extend(view.request_page());
        }
        if let Some(inner) = areas.detail_inner() {
            let compact = inner.height < detail::COMPACT_DETAIL_MAX_ROWS;
            let key = (
                view.selection_serial,
                self.names_version,
                view.refs_version,
                compact,
            );
            if view.detail_key != Some(key) {
                let same_message = view.detail_key.map(|k| k.0) == Some(key.0);
                view.detail = match view.selected() {
                    Some(entry) => {
                        let name_of = |sender: Option<UserId>| {
                            known_name(&self.names, view.target.app_id, sender?)
                        };
                        let referenced = match view.selected_ref_id() {
                            Some(id) => view.ref_content(id),
                            None => detail::RefContent::Unknown,
                        };
                        let ref_sender_name = match &referenced {
                            detail::RefContent::Loaded(m) => name_of(m.body.sender),
                            _ => None,
                        };
                        let ctx = DocContext {
                            sender_name: name_of(entry.message.body.sender),
                            ref_sender_name,
                            time_zone: &self.tz,
                            referenced,
                            compact,
                        };
                        detail::build(&entry.message, &ctx)
                    }
                    None => detail::DetailDoc::default(),
                };
                if !same_message {
                    view.detail_scroll = DetailScroll::default();
                }
                view.detail_key = Some(key);
            }
            view.want_selected_ref(now);
        } else {
            view.pending_ref = None;
        }
        commands
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
