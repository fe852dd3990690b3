//! The one-line search prompt: what typing does to the query while it is open.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::search::QUERY_MAX_CHARS;

/// The query being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prompt {
    text: String,
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
    /// The query so far, as typed (clean it before showing).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Applies a key: characters are typed, Backspace deletes one, Ctrl-u clears,
    /// Enter submits, Esc cancels. Other keys are ignored.
    pub fn key(&mut self, key: KeyEvent) -> Edit {
        if key.kind == KeyEventKind::Release {
            return Edit::Editing;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => return Edit::Cancel,
            KeyCode::Enter => return Edit::Submit(self.text.clone()),
            KeyCode::Char('u') if ctrl => self.text.clear(),
            // Ctrl or Alt chords are not text; both together is AltGr on some terminals.
            KeyCode::Char(_) if ctrl != alt => {}
            KeyCode::Char(c) if self.text.chars().count() < QUERY_MAX_CHARS => self.text.push(c),
            KeyCode::Backspace => {
                self.text.pop();
            }
            _ => {}
        }
        Edit::Editing
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

    #[test]
    fn typing_editing_and_submitting() {
        let mut p = Prompt::default();
        typed(&mut p, "Qjk 发布");
        assert_eq!(p.text(), "Qjk 发布");
        press(&mut p, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(p.text(), "Qjk 发");
        press(&mut p, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(p.text(), "");
        typed(&mut p, "noon");
        press(&mut p, KeyCode::Char('x'), KeyModifiers::ALT);
        assert_eq!(
            press(&mut p, KeyCode::Enter, KeyModifiers::NONE),
            Edit::Submit("noon".into())
        );
        assert_eq!(
            press(&mut p, KeyCode::Esc, KeyModifiers::NONE),
            Edit::Cancel
        );
    }

    #[test]
    fn the_query_has_a_length_limit() {
        let mut p = Prompt::default();
        typed(&mut p, &"x".repeat(QUERY_MAX_CHARS + 10));
        assert_eq!(p.text().chars().count(), QUERY_MAX_CHARS);
    }
}
