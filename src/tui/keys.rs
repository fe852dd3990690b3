//! Key bindings: which key does what, and the help text listing them.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Down,
    Up,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    First,
    Last,
    /// Move focus between the list and the detail pane (or open the picked conversation).
    Focus,
    ToggleDetail,
    Retry,
    /// Open the search prompt.
    Search,
    /// The next search match the way the search goes (older).
    SearchNext,
    /// The next search match the other way (newer).
    SearchPrevious,
    /// Go to the message the selected reply quotes.
    JumpToQuote,
    /// Back to where the last jump started.
    JumpBack,
    Help,
    /// Close an overlay, leave the detail pane, or go back to the picker.
    Back,
    Quit,
}

/// The operation bound to a key press; `None` for unbound keys and key releases.
pub fn op_for(key: KeyEvent) -> Option<Op> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::Char('c') if ctrl => Op::Quit,
        KeyCode::Char('d') if ctrl => Op::HalfPageDown,
        KeyCode::Char('u') if ctrl => Op::HalfPageUp,
        KeyCode::Char('f') if ctrl => Op::PageDown,
        KeyCode::Char('b') if ctrl => Op::PageUp,
        _ if ctrl => return None,
        KeyCode::Char('j') | KeyCode::Down => Op::Down,
        KeyCode::Char('k') | KeyCode::Up => Op::Up,
        KeyCode::PageDown => Op::PageDown,
        KeyCode::PageUp => Op::PageUp,
        KeyCode::Char('g') | KeyCode::Home => Op::First,
        KeyCode::Char('G') | KeyCode::End => Op::Last,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Enter => Op::Focus,
        KeyCode::Char('d') => Op::ToggleDetail,
        KeyCode::Char('r') => Op::Retry,
        KeyCode::Char('/') => Op::Search,
        KeyCode::Char('n') => Op::SearchNext,
        KeyCode::Char('N') => Op::SearchPrevious,
        KeyCode::Char('o') => Op::JumpToQuote,
        KeyCode::Char('\'') | KeyCode::Backspace => Op::JumpBack,
        KeyCode::Char('?') | KeyCode::F(1) => Op::Help,
        KeyCode::Esc => Op::Back,
        KeyCode::Char('q') => Op::Quit,
        _ => return None,
    })
}

/// The key after an Esc, when `key` is Alt+key: a terminal sends Alt+key as Esc and
/// the key, so crossterm reads an Esc quickly followed by a key as Alt+key. No
/// binding uses Alt, so it is taken for what was most likely typed. `None` for
/// other keys (and for Ctrl+Alt, which is AltGr on some terminals).
pub fn after_esc(key: KeyEvent) -> Option<KeyEvent> {
    if key.modifiers != KeyModifiers::ALT || key.kind == KeyEventKind::Release {
        return None;
    }
    let mut plain = key;
    plain.modifiers = KeyModifiers::NONE;
    Some(plain)
}

/// Every binding, as the help overlay lists it: keys, then what they do.
pub const HELP: &[(&str, &str)] = &[
    ("j ↓  k ↑", "next / previous message"),
    ("Ctrl-d  Ctrl-u", "half a page down / up"),
    ("PgDn  PgUp", "a page down / up (Ctrl-f / Ctrl-b)"),
    ("g Home  G End", "first / last loaded message"),
    ("Tab", "focus the detail pane (j/k scroll it)"),
    ("Enter", "the same; opens a picked conversation"),
    ("d", "hide / show the detail pane"),
    ("r", "retry after an error"),
    ("/", "search older messages (Enter, Esc)"),
    ("n  N", "next match older / newer"),
    ("o", "go to the message a reply quotes"),
    ("'  Backspace", "back to where you jumped from"),
    ("mouse", "wheel scrolls, click selects"),
    ("?  F1", "this help"),
    ("Esc", "stop or clear a search, leave detail, to picker"),
    ("q  Ctrl-c", "quit"),
];

/// What the status bar suggests.
pub const SHORT_HINT: &str = "? help";
/// What the status bar suggests when it has room.
pub const LONG_HINT: &str = "/ search  o quote  ? help";

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn ctrl_d_pages_but_plain_d_toggles_the_detail() {
        assert_eq!(
            op_for(key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Op::HalfPageDown)
        );
        assert_eq!(
            op_for(key(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some(Op::ToggleDetail)
        );
        assert_eq!(
            op_for(key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Op::Quit)
        );
        assert_eq!(
            op_for(key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Op::Last)
        );
        assert_eq!(op_for(key(KeyCode::Char('x'), KeyModifiers::NONE)), None);
        assert_eq!(
            op_for(key(KeyCode::Char('N'), KeyModifiers::SHIFT)),
            Some(Op::SearchPrevious)
        );
        assert_eq!(
            op_for(key(KeyCode::Backspace, KeyModifiers::NONE)),
            Some(Op::JumpBack)
        );
    }

    #[test]
    fn alt_key_is_esc_then_the_key() {
        assert_eq!(
            after_esc(key(KeyCode::Char('j'), KeyModifiers::ALT)),
            Some(key(KeyCode::Char('j'), KeyModifiers::NONE))
        );
        assert_eq!(after_esc(key(KeyCode::Char('j'), KeyModifiers::NONE)), None);
        let altgr = KeyModifiers::ALT | KeyModifiers::CONTROL;
        assert_eq!(after_esc(key(KeyCode::Char('j'), altgr)), None);
    }

    #[test]
    fn releases_are_ignored() {
        let mut k = key(KeyCode::Char('j'), KeyModifiers::NONE);
        k.kind = KeyEventKind::Release;
        assert_eq!(op_for(k), None);
    }
}
