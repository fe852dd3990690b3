//! What the browser looks up in the archive besides pages: the search across every
//! conversation (`S`) and its results screen, the jump to a time (`t`), and the
//! picker's figures. Each is a command the terminal loop carries out on the archive
//! (beside the view's window reads) and an answer back as an action.

use crate::archive::{SearchHit, TimeLanding};
use crate::model::Message;

use super::Target;
use super::action::{Command, ViewId};
use super::app::{App, Focus, Screen};
use super::everywhere::{Everywhere, Found, SearchId};
use super::keys::Op;
use super::overview::Overview;
use super::prompt::{Prompt, Purpose};

impl App {
    /// Following the open conversation, and whether the service is reachable.
    pub fn live(&self) -> &super::follow::Live {
        &self.live
    }

    /// The picker's figures from the archive.
    pub fn overview(&self) -> &Overview {
        &self.overview
    }

    /// The results of the last search across conversations, while they are up.
    pub fn everywhere(&self) -> Option<&Everywhere> {
        self.everywhere.as_ref()
    }

    /// Opens the prompt for `purpose` (search history recalled for searches).
    pub(crate) fn open_prompt(&mut self, purpose: Purpose) {
        let history = match purpose {
            Purpose::Search | Purpose::Everywhere => self.search_history.clone(),
            Purpose::Export | Purpose::Time => Vec::new(),
        };
        self.prompt = Some(Prompt::for_purpose(purpose, history));
    }

    pub(crate) fn overview_loaded(&mut self, result: Result<Overview, String>) {
        match result {
            Ok(o) => self.overview = o,
            Err(e) => tracing::debug!(error = %e, "the picker's figures could not be read"),
        }
    }

    /// Searches every archived conversation for what was typed; the results screen
    /// shows at once, "searching" until the worker answers.
    pub(crate) fn start_everywhere(&mut self, typed: &str) -> Vec<Command> {
        if typed.trim().is_empty() {
            return Vec::new();
        }
        self.next_search += 1;
        let id = SearchId(self.next_search);
        let (found, query) = Everywhere::new(id, typed);
        if self.screen != Screen::Everywhere {
            self.everywhere_from = self.screen;
        }
        self.everywhere = Some(found);
        self.screen = Screen::Everywhere;
        self.focus = Focus::List;
        vec![Command::SearchEverywhere { id, query }]
    }

    pub(crate) fn found_everywhere(
        &mut self,
        id: SearchId,
        result: Result<Vec<SearchHit>, String>,
    ) {
        if let Some(e) = self.everywhere.as_mut() {
            e.found(id, result);
        }
    }

    /// True while a search across conversations runs.
    pub(crate) fn searching_everywhere(&self) -> bool {
        self.everywhere
            .as_ref()
            .is_some_and(|e| *e.state() == Found::Searching)
    }

    /// Keys on the results screen: movement, Enter opens the conversation at the
    /// message, Esc goes back, `S` searches again.
    pub(crate) fn everywhere_op(&mut self, op: Op) -> Vec<Command> {
        let rows = super::ui::everywhere::hit_rows(self.areas().list).max(1);
        let Some(e) = self.everywhere.as_mut() else {
            self.screen = Screen::Picker;
            return Vec::new();
        };
        let half = (rows / 2).max(1) as i64;
        match op {
            Op::Down => e.move_by(1, rows),
            Op::Up => e.move_by(-1, rows),
            Op::HalfPageDown => e.move_by(half, rows),
            Op::HalfPageUp => e.move_by(-half, rows),
            Op::PageDown => e.move_by(rows as i64, rows),
            Op::PageUp => e.move_by(-(rows as i64), rows),
            Op::First => e.to_end(false, rows),
            Op::Last => e.to_end(true, rows),
            Op::Back => {
                self.screen = match self.everywhere_from {
                    Screen::Conversation if self.view.is_some() => Screen::Conversation,
                    _ => Screen::Picker,
                };
            }
            Op::Focus => {
                if let Some(hit) = e.selected_hit().cloned() {
                    return self.open_hit(&hit);
                }
            }
            Op::SearchEverywhere => self.open_prompt(Purpose::Everywhere),
            _ => {}
        }
        Vec::new()
    }

    /// Opens the conversation of a hit (added to the picker when it is not there)
    /// at the hit's message.
    fn open_hit(&mut self, hit: &SearchHit) -> Vec<Command> {
        let index = match self
            .targets
            .iter()
            .position(|t| t.app_id == hit.app && t.conversation == hit.conversation)
        {
            Some(i) => i,
            None => {
                self.targets.push(Target {
                    name: hit
                        .conversation_name
                        .clone()
                        .filter(|n| !n.trim().is_empty()),
                    app_id: hit.app,
                    conversation: hit.conversation,
                    live: false,
                });
                self.targets.len() - 1
            }
        };
        let message = serde_json::value::RawValue::from_string(hit.raw.clone())
            .ok()
            .map(Message::from_raw);
        let Some(message) = message else {
            self.open(index);
            return Vec::new();
        };
        // At once from the archive; paging back for it when the archive cannot show it.
        let mut commands = self.open_at(index, message.order_key());
        self.screen = Screen::Conversation;
        self.focus = Focus::List;
        self.pending_landing = message
            .id()
            .and_then(|id| Some((self.view.as_ref()?.id(), id)));
        commands.extend(self.land_pending());
        commands
    }

    /// Goes to the message a hit asked for, once the view has a page to start from.
    pub(crate) fn land_pending(&mut self) -> Vec<Command> {
        let Some((view, id)) = self.pending_landing else {
            return Vec::new();
        };
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            self.pending_landing = None;
            return Vec::new();
        };
        if v.store().is_empty() && !v.failed() && !v.history_is_empty() {
            return Vec::new();
        }
        self.pending_landing = None;
        v.go_to_message(id).into_iter().collect()
    }

    /// Reads a time typed at the `t` prompt and goes there: asks the archive where
    /// it lands, or pages toward it.
    pub(crate) fn start_time_jump(&mut self, typed: &str) -> Vec<Command> {
        if typed.trim().is_empty() {
            return Vec::new();
        }
        let now = jiff::Timestamp::now().to_zoned_datetime(self.tz.clone());
        let ticks = self.ticks;
        let Some(view) = self.view.as_mut() else {
            return Vec::new();
        };
        let ms = match super::when::parse(typed, &now) {
            Ok(ts) => ts.as_millisecond(),
            Err(e) => {
                view.set_notice(&e.to_string(), ticks);
                return Vec::new();
            }
        };
        let target = view.target().clone();
        vec![Command::FindTime {
            view: view.id(),
            app: target.app_id,
            conversation: target.conversation,
            time_ms: ms,
        }]
    }

    /// Where the archive says a time lands: at once when that message is loaded,
    /// else paging toward the time.
    pub(crate) fn time_found(
        &mut self,
        view: ViewId,
        time_ms: i64,
        result: Result<TimeLanding, String>,
    ) -> Vec<Command> {
        let Some(v) = self.view.as_mut().filter(|v| v.id() == view) else {
            return Vec::new();
        };
        if let Ok(TimeLanding {
            message: Some(found),
            complete: true,
        }) = &result
        {
            // The archive knows the first message at or after the time.
            if let Some(id) = found.message.id()
                && v.store().position(id).is_some()
            {
                return v.go_to_message(id).into_iter().collect();
            }
            let at = found.message.order_key();
            let index = self.picker.selected;
            let mut commands = self.open_at(index, at);
            if let Some(id) = found.message.id() {
                self.pending_landing = self.view.as_ref().map(|v| (v.id(), id));
                commands.extend(self.land_pending());
            }
            return commands;
        }
        if let Err(e) = &result {
            tracing::debug!(error = %e, "the archive could not say where the time lands");
        }
        v.go_to_time(time_ms).into_iter().collect()
    }
}
