//! What keys and the mouse do to the app's state.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use crate::pager::Direction;

use super::action::{Command, Outside};
use super::app::{App, Focus, Screen};
use super::conversation::PaneMove;
use super::keys::{self, Op};
use super::layout;
use super::prompt::{Edit, Prompt, Purpose};
use super::seek::Toward;
use super::ui::help;

/// Messages (or detail rows) one wheel notch moves.
pub const WHEEL_STEP: isize = 3;

impl App {
    pub(crate) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if keys::is_interrupt(key) {
            return self.quitting();
        }
        // Alt+key is what the terminal makes of Esc quickly followed by a key. In the
        // prompt only Alt+character means nothing (Alt+Backspace still edits).
        let alt_means_something = self.prompt.is_some() && !matches!(key.code, KeyCode::Char(_));
        if let Some(plain) = keys::after_esc(&self.keys, key).filter(|_| !alt_means_something) {
            let mut commands = self.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
            commands.extend(self.on_key(plain));
            return commands;
        }
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        let Some(op) = self.keys.op_for(key) else {
            return Vec::new();
        };
        if op == Op::Suspend {
            return vec![Command::Outside(Outside::Suspend)];
        }
        if self.help {
            self.help_op(op);
            return Vec::new();
        }
        match op {
            Op::Quit => {
                return self.quitting();
            }
            Op::Help => {
                self.help = true;
                self.help_scroll = 0;
                return Vec::new();
            }
            _ => {}
        }
        match self.screen {
            Screen::Picker => {
                if op == Op::SearchEverywhere {
                    self.open_prompt(Purpose::Everywhere);
                    return Vec::new();
                }
                self.picker_op(op);
                Vec::new()
            }
            Screen::Conversation => self.conversation_op(op),
            Screen::Everywhere => self.everywhere_op(op),
        }
    }

    /// Keys while the help is open: movement scrolls it; quit, back and help close it.
    fn help_op(&mut self, op: Op) {
        let max = help::max_scroll(self.size, &self.keys);
        let page = help::visible_rows(self.size, &self.keys).max(1);
        let s = &mut self.help_scroll;
        match op {
            Op::Quit | Op::Back | Op::Help | Op::Focus => self.help = false,
            Op::Down => *s = (*s + 1).min(max),
            Op::Up => *s = s.saturating_sub(1),
            Op::HalfPageDown => *s = (*s + page / 2).min(max),
            Op::HalfPageUp => *s = s.saturating_sub(page / 2),
            Op::PageDown => *s = (*s + page).min(max),
            Op::PageUp => *s = s.saturating_sub(page),
            Op::First => *s = 0,
            Op::Last => *s = max,
            _ => {}
        }
    }

    /// Typing in the search prompt.
    fn prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(prompt) = self.prompt.as_mut() else {
            return Vec::new();
        };
        match prompt.key(key) {
            Edit::Editing => Vec::new(),
            Edit::Cancel => {
                self.prompt = None;
                Vec::new()
            }
            Edit::Submit(name) if prompt.purpose() == Purpose::Export => {
                self.prompt = None;
                self.export_to(&name).into_iter().collect()
            }
            Edit::Submit(typed) if prompt.purpose() == Purpose::Time => {
                self.prompt = None;
                self.start_time_jump(&typed)
            }
            Edit::Submit(query) if prompt.purpose() == Purpose::Everywhere => {
                self.prompt = None;
                super::prompt::remember(&mut self.search_history, &query);
                let mut commands = self.start_everywhere(&query);
                if !query.trim().is_empty() {
                    commands.push(Command::Outside(Outside::SaveHistory(
                        self.search_history.clone(),
                    )));
                }
                commands
            }
            Edit::Submit(query) => {
                self.prompt = None;
                super::prompt::remember(&mut self.search_history, &query);
                let mut commands = self.start_search(&query);
                if !query.trim().is_empty() {
                    commands.push(Command::Outside(Outside::SaveHistory(
                        self.search_history.clone(),
                    )));
                }
                commands
            }
        }
    }

    /// Finds the loaded matches of a query and goes to the nearest one at or above the
    /// selection, fetching older history when none is loaded. An empty query changes
    /// nothing.
    fn start_search(&mut self, query: &str) -> Vec<Command> {
        let Some(view) = self.view.as_mut() else {
            return Vec::new();
        };
        view.start_search(query, &self.names, self.names_version)
            .into_iter()
            .collect()
    }

    fn picker_op(&mut self, op: Op) {
        let n = self.targets.len();
        if n == 0 {
            return;
        }
        let h = usize::from(layout::picker_rows(self.areas().list).height).max(1);
        let p = &mut self.picker;
        match op {
            Op::Down => p.selected = (p.selected + 1).min(n - 1),
            Op::Up => p.selected = p.selected.saturating_sub(1),
            Op::HalfPageDown => p.selected = (p.selected + h / 2).min(n - 1),
            Op::HalfPageUp => p.selected = p.selected.saturating_sub(h / 2),
            Op::PageDown => p.selected = (p.selected + h).min(n - 1),
            Op::PageUp => p.selected = p.selected.saturating_sub(h),
            Op::First => p.selected = 0,
            Op::Last => p.selected = n - 1,
            Op::Focus => {
                let index = p.selected;
                self.open(index);
            }
            _ => {}
        }
    }

    fn conversation_op(&mut self, op: Op) -> Vec<Command> {
        let areas = self.areas();
        match op {
            Op::Back => {
                if self.view.as_mut().is_some_and(|v| v.cancel_seek()) {
                    return Vec::new();
                }
                if self.focus == Focus::Detail {
                    self.focus = Focus::List;
                } else if !self.view.as_mut().is_some_and(|v| v.clear_search())
                    && self.targets.len() > 1
                {
                    self.close();
                }
                return Vec::new();
            }
            Op::Search => {
                self.prompt = Some(Prompt::with_history(self.search_history.clone()));
                return Vec::new();
            }
            Op::SearchEverywhere => {
                self.open_prompt(Purpose::Everywhere);
                return Vec::new();
            }
            Op::JumpToTime => {
                self.open_prompt(Purpose::Time);
                return Vec::new();
            }
            Op::Last if self.live.is_beyond() && self.focus == Focus::List => {
                // The newest messages are not in the view: it opens afresh there.
                return self.open_newest();
            }
            Op::SearchNext | Op::SearchPrevious => {
                let toward = if op == Op::SearchNext {
                    Toward::Older
                } else {
                    Toward::Newer
                };
                return self
                    .view
                    .as_mut()
                    .and_then(|v| v.search_step(toward, false))
                    .into_iter()
                    .collect();
            }
            Op::JumpToQuote => {
                return self
                    .view
                    .as_mut()
                    .and_then(|v| v.jump_to_quote())
                    .into_iter()
                    .collect();
            }
            Op::JumpBack => {
                if let Some(v) = self.view.as_mut() {
                    v.jump_back();
                }
                return Vec::new();
            }
            Op::JumpForward => {
                if let Some(v) = self.view.as_mut() {
                    v.jump_forward();
                }
                return Vec::new();
            }
            Op::Export => {
                if let Some(name) = self.export_file_name() {
                    self.prompt = Some(Prompt::for_export(&name));
                }
                return Vec::new();
            }
            Op::Wrap => {
                self.wrap = !self.wrap;
                self.relayout();
                return Vec::new();
            }
            Op::Yank | Op::YankJson | Op::Pager | Op::Editor => {
                return self.message_tool(op).into_iter().collect();
            }

            Op::Focus => {
                if self.focus == Focus::Detail {
                    self.focus = Focus::List;
                } else {
                    self.show_detail = true;
                    self.relayout();
                    if self.areas().detail.is_some() {
                        self.focus = Focus::Detail;
                    }
                }
                return Vec::new();
            }
            Op::ToggleDetail => {
                self.show_detail = !self.show_detail;
                if !self.show_detail {
                    self.focus = Focus::List;
                }
                self.relayout();
                return Vec::new();
            }
            Op::Retry => {
                // Also looks for the service (and new messages) now, not after the
                // back-off: offline, r is how to try again at once.
                let now = self.clock();
                self.live.poll_now(now);
                let mut commands: Vec<Command> = self
                    .view
                    .as_mut()
                    .and_then(|v| v.retry())
                    .into_iter()
                    .collect();
                commands.extend(self.due_poll());
                return commands;
            }
            _ => {}
        }
        if self.focus == Focus::Detail
            && let Some(inner) = areas.detail_inner()
        {
            self.detail_op(op, inner.width, inner.height);
            return Vec::new();
        }
        let Some(view) = self.view.as_mut() else {
            return Vec::new();
        };
        // Moving past the loaded edge after a failure tries again.
        let toward_edge = match view.direction() {
            Direction::NewestFirst => {
                matches!(op, Op::Up | Op::HalfPageUp | Op::PageUp | Op::First)
            }
            Direction::OldestFirst => {
                matches!(op, Op::Down | Op::HalfPageDown | Op::PageDown | Op::Last)
            }
        };
        let mut commands = Vec::new();
        if toward_edge && view.failed() && view.at_fetch_edge() {
            commands.extend(view.retry());
        }
        let h = view.list_height();
        let half = (h / 2).max(1);
        let full = (h - 1).max(1);
        match op {
            Op::Down => view.step(1),
            Op::Up => view.step(-1),
            Op::HalfPageDown => view.page(half),
            Op::HalfPageUp => view.page(-half),
            Op::PageDown => view.page(full),
            Op::PageUp => view.page(-full),
            Op::First => commands.extend(view.go_to_end(Toward::Older)),
            Op::Last => commands.extend(view.go_to_end(Toward::Newer)),
            _ => {}
        }
        commands
    }

    fn detail_op(&mut self, op: Op, width: u16, height: u16) {
        let Some(view) = self.view.as_mut() else {
            return;
        };
        let half = usize::from(height / 2).max(1);
        let full = usize::from(height.saturating_sub(1)).max(1);
        let how = match op {
            Op::Down => PaneMove::Down(1),
            Op::Up => PaneMove::Up(1),
            Op::HalfPageDown => PaneMove::Down(half),
            Op::HalfPageUp => PaneMove::Up(half),
            Op::PageDown => PaneMove::Down(full),
            Op::PageUp => PaneMove::Up(full),
            Op::First => PaneMove::Top,
            Op::Last => PaneMove::End,
            _ => return,
        };
        view.scroll_detail(how, width, height);
    }

    pub(crate) fn on_mouse(&mut self, mouse: MouseEvent) -> Vec<Command> {
        let at = Position::new(mouse.column, mouse.row);
        let areas = self.areas();
        let delta = match mouse.kind {
            MouseEventKind::ScrollDown => WHEEL_STEP,
            MouseEventKind::ScrollUp => -WHEEL_STEP,
            MouseEventKind::Down(MouseButton::Left) => {
                self.click(at);
                return Vec::new();
            }
            _ => return Vec::new(),
        };
        if self.help {
            return Vec::new();
        }
        match self.screen {
            Screen::Picker => {
                let op = if delta > 0 { Op::Down } else { Op::Up };
                for _ in 0..delta.unsigned_abs() {
                    self.picker_op(op);
                }
                Vec::new()
            }
            Screen::Everywhere => {
                let op = if delta > 0 { Op::Down } else { Op::Up };
                for _ in 0..delta.unsigned_abs() {
                    self.everywhere_op(op);
                }
                Vec::new()
            }
            Screen::Conversation => {
                if let Some(inner) = areas
                    .detail_inner()
                    .filter(|_| areas.detail.is_some_and(|d| d.contains(at)))
                    && let Some(view) = self.view.as_mut()
                {
                    let n = delta.unsigned_abs();
                    let how = if delta > 0 {
                        PaneMove::Down(n)
                    } else {
                        PaneMove::Up(n)
                    };
                    view.scroll_detail(how, inner.width, inner.height);
                    return Vec::new();
                }
                if let Some(view) = self.view.as_mut() {
                    view.step(delta);
                }
                Vec::new()
            }
        }
    }

    fn click(&mut self, at: Position) {
        if self.help {
            self.help = false;
            return;
        }
        let areas = self.areas();
        match self.screen {
            Screen::Picker => {
                let rows = layout::picker_rows(areas.list);
                if rows.contains(at) {
                    let index = self.picker.offset + usize::from(at.y - rows.y);
                    if index < self.targets.len() {
                        self.picker.selected = index;
                    }
                }
            }
            Screen::Everywhere => {}
            Screen::Conversation => {
                if areas.detail.is_some_and(|d| d.contains(at)) {
                    self.focus = Focus::Detail;
                    return;
                }
                if !areas.list.contains(at) {
                    return;
                }
                self.focus = Focus::List;
                let row = i32::from(at.y - areas.list.y);
                if let Some(view) = self.view.as_mut() {
                    view.select_at_row(row);
                }
            }
        }
    }
}
