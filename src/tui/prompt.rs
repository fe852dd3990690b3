//! The one-line search prompt: what typing does to the query while it is open. It
//! edits like a shell line: the cursor moves, words and the line can be deleted, and
//! Up/Down recall earlier queries.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use unicode_segmentation::UnicodeSegmentation;

use super::search::QUERY_MAX_CHARS;

/// The most earlier queries remembered.
pub const HISTORY_MAX: usize = 200;

/// What a prompt asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// A search query.
    #[default]
    Search,
    /// The file to export the conversation to.
    Export,
    /// A search across every archived conversation (`S`).
    Everywhere,
    /// A date and time to go to (`t`).
    Time,
}

/// The query being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    purpose: Purpose,
    text: String,
    /// The cursor, as a byte offset into `text` at a grapheme boundary.
    cursor: usize,
    /// Earlier queries, oldest first.
    history: Vec<String>,
    /// Which earlier query is shown while recalling (an index into `history`).
    recalled: Option<usize>,
    /// What was being typed before recalling began.
    draft: String,
}

/// What a key did to the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Still typing.
    Editing,
    /// Enter: search for this.
    Submit(String),
    /// Esc: never mind.
    Cancel,
}

impl Prompt {
    /// An empty prompt whose Up key recalls `history` (oldest first).
    pub fn with_history(history: Vec<String>) -> Prompt {
        Prompt {
            history,
            ..Prompt::default()
        }
    }

    /// A prompt for the export's file name, starting with `name` (the cursor at its end).
    pub fn for_export(name: &str) -> Prompt {
        let mut p = Prompt {
            purpose: Purpose::Export,
            ..Prompt::default()
        };
        p.set(name.to_owned());
        p
    }

    /// An empty prompt for `purpose`, whose Up key recalls `history`.
    pub fn for_purpose(purpose: Purpose, history: Vec<String>) -> Prompt {
        Prompt {
            purpose,
            history,
            ..Prompt::default()
        }
    }

    /// What the prompt asks for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// The query so far, as typed (clean it before showing).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor: a byte offset into [`Self::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn previous_boundary(&self) -> usize {
        self.text[..self.cursor]
            .grapheme_indices(true)
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.text[self.cursor..]
            .graphemes(true)
            .next()
            .map_or(self.cursor, |g| self.cursor + g.len())
    }

    /// Where the word before the cursor starts (spaces before it included), as a
    /// shell's Ctrl-w deletes.
    fn word_start(&self) -> usize {
        let before = &self.text[..self.cursor];
        let trimmed = before.trim_end_matches(char::is_whitespace);
        trimmed
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8())
    }

    fn set(&mut self, text: String) {
        self.cursor = text.len();
        self.text = text;
    }

    fn recall(&mut self, older: bool) {
        let n = self.history.len();
        let next = match (self.recalled, older) {
            (None, true) if n > 0 => Some(n - 1),
            (None, _) => return,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(_), false) => None,
        };
        if self.recalled.is_none() {
            self.draft = self.text.clone();
        }
        self.recalled = next;
        let text = match next {
            Some(i) => self.history[i].clone(),
            None => std::mem::take(&mut self.draft),
        };
        self.set(text);
    }

    /// Applies a key: characters are typed at the cursor; Left/Right, Home/End
    /// (Ctrl-a/Ctrl-e) move it; Backspace and Delete delete a character, Ctrl-w the
    /// word before the cursor, Ctrl-u the line; Up/Down recall earlier queries; Enter
    /// submits, Esc cancels. Other keys are ignored.
    pub fn key(&mut self, key: KeyEvent) -> Edit {
        if key.kind == KeyEventKind::Release {
            return Edit::Editing;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Enter => return Edit::Submit(self.text.clone()),
            KeyCode::Char('u') if ctrl => {
                self.text.replace_range(..self.cursor, "");
                self.cursor = 0;
            }
            KeyCode::Char('w') if ctrl => {
                let start = self.word_start();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            KeyCode::Backspace if alt => {
                let start = self.word_start();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.text.len(),
            KeyCode::Char('b') if ctrl => self.cursor = self.previous_boundary(),
            KeyCode::Char('f') if ctrl => self.cursor = self.next_boundary(),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.text.len(),
            KeyCode::Left => self.cursor = self.previous_boundary(),
            KeyCode::Right => self.cursor = self.next_boundary(),
            KeyCode::Up => self.recall(true),
            KeyCode::Down => self.recall(false),
            // Ctrl or Alt chords are not text; both together is AltGr on some terminals.
            KeyCode::Char(_) if ctrl != alt => {}
            KeyCode::Char(c) if self.text.chars().count() < QUERY_MAX_CHARS => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
            }
            KeyCode::Backspace => {
                let start = self.previous_boundary();
                self.text.replace_range(start..self.cursor, "");
                self.cursor = start;
            }
            KeyCode::Delete => {
                let end = self.next_boundary();
                self.text.replace_range(self.cursor..end, "");
            }
            _ => {}
        }
        Edit::Editing
    }
}

/// `history` with `query` added as the newest (an earlier copy of it moves up), at
/// most [`HISTORY_MAX`] long. Empty queries are not remembered.
pub fn remember(history: &mut Vec<String>, query: &str) {
    if query.trim().is_empty() {
        return;
    }
    history.retain(|q| q != query);
    history.push(query.to_owned());
    if history.len() > HISTORY_MAX {
        let extra = history.len() - HISTORY_MAX;
        history.drain(..extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(p: &mut Prompt, code: KeyCode, m: KeyModifiers) -> Edit {
        p.key(KeyEvent::new(code, m))
    }

    fn typed(p: &mut Prompt, s: &str) {
        for c in s.chars() {
            assert_eq!(
                press(p, KeyCode::Char(c), KeyModifiers::NONE),
                Edit::Editing
            );
        }
    }

    const NONE: KeyModifiers = KeyModifiers::NONE;
    const CTRL: KeyModifiers = KeyModifiers::CONTROL;

    #[test]
    fn typing_editing_and_submitting() {
        let mut p = Prompt::default();
        typed(&mut p, "Qjk 发布");
        assert_eq!(p.text(), "Qjk 发布");
        press(&mut p, KeyCode::Backspace, NONE);
        assert_eq!(p.text(), "Qjk 发");
        press(&mut p, KeyCode::Char('u'), CTRL);
        assert_eq!(p.text(), "");
        typed(&mut p, "noon");
        press(&mut p, KeyCode::Char('x'), KeyModifiers::ALT);
        assert_eq!(
            press(&mut p, KeyCode::Enter, NONE),
            Edit::Submit("noon".into())
        );
        assert_eq!(press(&mut p, KeyCode::Esc, NONE), Edit::Cancel);
    }

    #[test]
    fn the_cursor_moves_and_text_goes_in_where_it_is() {
        let mut p = Prompt::default();
        typed(&mut p, "launch day");
        press(&mut p, KeyCode::Home, NONE);
        typed(&mut p, "the ");
        assert_eq!(p.text(), "the launch day");
        press(&mut p, KeyCode::Char('e'), CTRL);
        press(&mut p, KeyCode::Left, NONE);
        press(&mut p, KeyCode::Left, NONE);
        press(&mut p, KeyCode::Left, NONE);
        press(&mut p, KeyCode::Delete, NONE);
        assert_eq!(p.text(), "the launch ay");
        press(&mut p, KeyCode::Char('a'), CTRL);
        press(&mut p, KeyCode::Right, NONE);
        press(&mut p, KeyCode::Backspace, NONE);
        assert_eq!(p.text(), "he launch ay");
        // Wide characters and emoji move as one.
        let mut p = Prompt::default();
        typed(&mut p, "发👍🏽x");
        press(&mut p, KeyCode::Left, NONE);
        press(&mut p, KeyCode::Left, NONE);
        press(&mut p, KeyCode::Backspace, NONE);
        assert_eq!(p.text(), "👍🏽x");
        assert_eq!(p.cursor(), 0);
    }

    #[test]
    fn ctrl_w_deletes_a_word_and_ctrl_u_the_line_before_the_cursor() {
        let mut p = Prompt::default();
        typed(&mut p, "ship it  now");
        press(&mut p, KeyCode::Char('w'), CTRL);
        assert_eq!(p.text(), "ship it  ");
        press(&mut p, KeyCode::Char('w'), CTRL);
        assert_eq!(p.text(), "ship ");
        typed(&mut p, "x tail");
        for _ in 0..4 {
            press(&mut p, KeyCode::Left, NONE);
        }
        press(&mut p, KeyCode::Char('u'), CTRL);
        assert_eq!((p.text(), p.cursor()), ("tail", 0));
    }

    #[test]
    fn up_and_down_recall_earlier_queries_and_the_draft() {
        let mut p = Prompt::with_history(vec!["first".into(), "second".into()]);
        typed(&mut p, "dra");
        press(&mut p, KeyCode::Up, NONE);
        assert_eq!(p.text(), "second");
        press(&mut p, KeyCode::Up, NONE);
        assert_eq!(p.text(), "first");
        press(&mut p, KeyCode::Up, NONE);
        assert_eq!(p.text(), "first", "stays at the oldest");
        press(&mut p, KeyCode::Down, NONE);
        assert_eq!(p.text(), "second");
        press(&mut p, KeyCode::Down, NONE);
        assert_eq!(p.text(), "dra", "back to what was typed");
        assert_eq!(p.cursor(), 3);
        let mut empty = Prompt::default();
        press(&mut empty, KeyCode::Up, NONE);
        assert_eq!(empty.text(), "");
    }

    #[test]
    fn remembering_moves_a_repeat_up_and_keeps_a_bound() {
        let mut h = vec!["a".to_owned(), "b".to_owned()];
        remember(&mut h, "a");
        assert_eq!(h, ["b", "a"]);
        remember(&mut h, "  ");
        assert_eq!(h.len(), 2);
        for i in 0..HISTORY_MAX + 5 {
            remember(&mut h, &i.to_string());
        }
        assert_eq!(h.len(), HISTORY_MAX);
        assert_eq!(h.last().unwrap(), &(HISTORY_MAX + 4).to_string());
    }

    #[test]
    fn the_query_has_a_length_limit() {
        let mut p = Prompt::default();
        typed(&mut p, &"x".repeat(QUERY_MAX_CHARS + 10));
        assert_eq!(p.text().chars().count(), QUERY_MAX_CHARS);
    }
}
