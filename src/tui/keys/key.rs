//! One key as the key map compares, parses and shows it.

use std::fmt;

use crokey::KeyCombination;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key, as the map compares it: shifted letters are upper case with Shift, other
/// characters come without Shift (terminals differ on reporting it for `?` or `'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(KeyCombination);

impl Key {
    fn canonical(mut combo: KeyCombination) -> Key {
        combo = combo.normalized();
        if let KeyCode::Char(c) = combo.codes.first()
            && !c.is_alphabetic()
        {
            combo.modifiers.remove(KeyModifiers::SHIFT);
        }
        // Crossterm reports Shift with BackTab.
        if *combo.codes.first() == KeyCode::BackTab {
            combo.modifiers.insert(KeyModifiers::SHIFT);
        }
        Key(combo)
    }

    /// The key of a key press; `None` for releases.
    pub fn of(event: KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        Some(Key::canonical(KeyCombination::from(event)))
    }

    /// Parses a key as `[keys]` writes it: `j`, `G`, `?`, `ctrl-d`, `pagedown`, `f1`,
    /// `esc`, `alt-x`, `shift-tab`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            // One character stands for itself (crokey would lower-case `G`).
            return Ok(Key::canonical(KeyCombination::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
        let lower = s.to_ascii_lowercase();
        let shifted_tab = lower == "shift-tab";
        let combo = crokey::parse(if shifted_tab { "backtab" } else { s }).map_err(|_| {
            format!("{s:?} is not a key (write keys like j, G, ctrl-d, pagedown, f1, esc)")
        })?;
        if combo.codes.len() > 1 {
            return Err(format!("{s:?} is several keys at once; give one key"));
        }
        Ok(Key::canonical(combo))
    }
}

impl fmt::Display for Key {
    /// As the help shows it: `j`, `G`, `Ctrl-d`, `PgDn`, `↓`, `F1`, `Esc`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0.modifiers;
        if m.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if m.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        let code = *self.0.codes.first();
        let shift_shown =
            m.contains(KeyModifiers::SHIFT) && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
        if shift_shown {
            f.write_str("Shift-")?;
        }
        match code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_show_as_the_help_writes_them() {
        for (written, shown) in [
            ("j", "j"),
            ("G", "G"),
            ("ctrl-d", "Ctrl-d"),
            ("Ctrl-D", "Ctrl-d"),
            ("pagedown", "PgDn"),
            ("f1", "F1"),
            ("esc", "Esc"),
            ("down", "↓"),
            ("'", "'"),
            ("shift-tab", "Shift-Tab"),
            ("alt-x", "Alt-x"),
            ("space", "Space"),
        ] {
            assert_eq!(Key::parse(written).unwrap().to_string(), shown, "{written}");
        }
        assert!(Key::parse("ctrl-").is_err());
        assert!(Key::parse("a-b").is_err());
    }
}
