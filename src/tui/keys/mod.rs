//! The key map: which keys ask for which action, held as data. Key handling and the
//! help overlay are both built from it, so they cannot disagree; `[keys]` in the
//! configuration replaces an action's keys.

mod key;

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub use key::Key;

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// Wrap long messages in the list over several rows, or not.
    Wrap,
    Retry,
    /// Open the search prompt.
    Search,
    /// The next search match the way the search goes (older).
    SearchNext,
    /// The next search match the other way (newer).
    SearchPrevious,
    /// Search every archived conversation (the results replace the list).
    SearchEverywhere,
    /// Go to the first message at or after a date and time.
    JumpToTime,
    /// Go to the message the selected reply quotes.
    JumpToQuote,
    /// Back to where the last jump started (older in the jump list).
    JumpBack,
    /// Forward again in the jump list.
    JumpForward,
    /// Copy the selected message's text.
    Yank,
    /// Copy the selected message's raw JSON.
    YankJson,
    /// Read the selected message in the pager.
    Pager,
    /// Open a read-only copy of the selected message in the editor.
    Editor,
    /// Export the open conversation to a file.
    Export,
    Help,
    /// Close an overlay, leave the detail pane, or go back to the picker.
    Back,
    /// Give the terminal back to the shell until `fg`.
    Suspend,
    Quit,
}

/// One action of the key map: its name (as the help and `[keys]` write it), what it
/// does, and its default keys.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub op: Op,
    pub name: &'static str,
    pub help: &'static str,
    pub defaults: &'static [&'static str],
}

const fn b(
    op: Op,
    name: &'static str,
    defaults: &'static [&'static str],
    help: &'static str,
) -> Binding {
    Binding {
        op,
        name,
        help,
        defaults,
    }
}

/// Every action, in the order the help lists them.
pub const BINDINGS: &[Binding] = &[
    b(
        Op::Down,
        "down",
        &["j", "down"],
        "next message (scrolls help and detail)",
    ),
    b(Op::Up, "up", &["k", "up"], "previous message"),
    b(
        Op::HalfPageDown,
        "half-page-down",
        &["ctrl-d"],
        "half a page down",
    ),
    b(
        Op::HalfPageUp,
        "half-page-up",
        &["ctrl-u"],
        "half a page up",
    ),
    b(
        Op::PageDown,
        "page-down",
        &["pagedown", "ctrl-f"],
        "a page down",
    ),
    b(Op::PageUp, "page-up", &["pageup", "ctrl-b"], "a page up"),
    b(Op::First, "first", &["g", "home"], "oldest message"),
    b(Op::Last, "last", &["G", "end"], "newest message"),
    b(
        Op::Focus,
        "focus",
        &["tab", "backtab", "enter"],
        "detail pane and back; opens a picked conversation",
    ),
    b(
        Op::ToggleDetail,
        "toggle-detail",
        &["d"],
        "hide / show the detail pane",
    ),
    b(Op::Wrap, "wrap", &["w"], "wrap long messages in the list"),
    b(Op::Retry, "retry", &["r"], "retry after an error"),
    b(
        Op::Search,
        "search",
        &["/"],
        "search this conversation, older first (Enter, Esc)",
    ),
    b(Op::SearchNext, "search-next", &["n"], "next match, older"),
    b(
        Op::SearchPrevious,
        "search-previous",
        &["N"],
        "next match, newer",
    ),
    b(
        Op::SearchEverywhere,
        "search-everywhere",
        &["S"],
        "search every archived conversation",
    ),
    b(
        Op::JumpToTime,
        "jump-to-time",
        &["t"],
        "go to a date and time (2025-05-16, -2h)",
    ),
    b(
        Op::JumpToQuote,
        "quote",
        &["o"],
        "go to the message a reply quotes",
    ),
    b(
        Op::JumpBack,
        "jump-back",
        &["ctrl-o", "'", "backspace"],
        "back where you jumped from",
    ),
    b(
        Op::JumpForward,
        "jump-forward",
        &["ctrl-i", "]"],
        "forward again in the jump list",
    ),
    b(Op::Yank, "yank", &["y"], "copy the message's text"),
    b(
        Op::YankJson,
        "yank-json",
        &["Y"],
        "copy the message's raw JSON",
    ),
    b(Op::Pager, "pager", &["v"], "read the message in $PAGER"),
    b(Op::Editor, "editor", &["e"], "open it in $VISUAL / $EDITOR"),
    b(
        Op::Export,
        "export",
        &["x"],
        "export the conversation to a file",
    ),
    b(
        Op::Help,
        "help",
        &["?", "f1"],
        "this help (q, Esc, ? close it)",
    ),
    b(
        Op::Back,
        "back",
        &["esc"],
        "stop or clear a search, leave detail, to picker",
    ),
    b(Op::Suspend, "suspend", &["ctrl-z"], "suspend (fg resumes)"),
    b(Op::Quit, "quit", &["q"], "quit (Ctrl-c always quits)"),
];

/// The binding of an action.
pub fn binding(op: Op) -> &'static Binding {
    BINDINGS
        .iter()
        .find(|b| b.op == op)
        .expect("every action has a binding")
}

/// A problem with `[keys]`: which action or key, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyMapError {
    /// The action name or the key as written.
    pub key: String,
    /// Where in the file: a byte offset into its text.
    pub at: usize,
    pub message: String,
}

/// Which keys ask for which action.
#[derive(Clone, Debug)]
pub struct KeyMap {
    /// Each action's keys, in [`BINDINGS`] order.
    keys: Vec<(Op, Vec<Key>)>,
    by_key: HashMap<Key, Op>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let keys = BINDINGS
            .iter()
            .map(|b| {
                let keys = b
                    .defaults
                    .iter()
                    .map(|k| Key::parse(k).expect("default keys parse"))
                    .collect();
                (b.op, keys)
            })
            .collect();
        KeyMap::from_keys(keys).expect("the default keys are distinct")
    }
}

/// One `[keys]` entry: an action name and its keys, each with its byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub action: String,
    pub at: usize,
    pub keys: Vec<(String, usize)>,
}

impl KeyMap {
    fn from_keys(keys: Vec<(Op, Vec<Key>)>) -> Result<KeyMap, (Key, Op, Op)> {
        let mut by_key = HashMap::new();
        for (op, list) in &keys {
            for key in list {
                if let Some(other) = by_key.insert(*key, *op)
                    && other != *op
                {
                    return Err((*key, other, *op));
                }
            }
        }
        Ok(KeyMap { keys, by_key })
    }

    /// The defaults with `overrides` replacing the keys of the actions they name.
    pub fn with_overrides(overrides: &[Override]) -> Result<KeyMap, KeyMapError> {
        let mut map = KeyMap::default();
        // Where each replacing key was written, to name it in a conflict.
        let mut written: HashMap<Key, (String, usize)> = HashMap::new();
        for o in overrides {
            let Some(binding) = BINDINGS.iter().find(|b| b.name == o.action) else {
                return Err(KeyMapError {
                    key: o.action.clone(),
                    at: o.at,
                    message: format!(
                        "no such action (actions: {})",
                        BINDINGS
                            .iter()
                            .map(|b| b.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            };
            let mut keys = Vec::new();
            for (raw, at) in &o.keys {
                let key = Key::parse(raw).map_err(|message| KeyMapError {
                    key: raw.clone(),
                    at: *at,
                    message,
                })?;
                written.insert(key, (raw.clone(), *at));
                keys.push(key);
            }
            if let Some(slot) = map.keys.iter_mut().find(|(op, _)| *op == binding.op) {
                slot.1 = keys;
            }
        }
        KeyMap::from_keys(map.keys).map_err(|(key, first, second)| {
            let (raw, at) = written
                .get(&key)
                .cloned()
                .unwrap_or_else(|| (key.to_string(), 0));
            KeyMapError {
                key: raw,
                at,
                message: format!(
                    "bound to both {} and {}",
                    binding(first).name,
                    binding(second).name
                ),
            }
        })
    }

    /// The action a key press asks for; `None` for unbound keys and releases.
    pub fn op_for(&self, event: KeyEvent) -> Option<Op> {
        self.by_key.get(&Key::of(event)?).copied()
    }

    /// An action's keys.
    pub fn keys_of(&self, op: Op) -> &[Key] {
        self.keys
            .iter()
            .find(|(o, _)| *o == op)
            .map_or(&[], |(_, k)| k.as_slice())
    }

    /// An action's first key as shown, for hints; `None` when it has none.
    pub fn first_key(&self, op: Op) -> Option<String> {
        self.keys_of(op).first().map(Key::to_string)
    }

    /// The help overlay's rows: each action with keys, its keys as shown and what it
    /// does. Actions left without keys are not listed.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        self.keys
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(op, keys)| {
                let shown: Vec<String> = keys.iter().map(Key::to_string).collect();
                (shown.join(" "), binding(*op).help)
            })
            .collect()
    }
}

/// What the status bar suggests: the help key.
pub fn short_hint(map: &KeyMap) -> String {
    hint(map, &[(Op::Help, "help")])
}

/// What the status bar suggests when it has room.
pub fn long_hint(map: &KeyMap) -> String {
    hint(
        map,
        &[
            (Op::Search, "search"),
            (Op::JumpToQuote, "quote"),
            (Op::Help, "help"),
        ],
    )
}

fn hint(map: &KeyMap, parts: &[(Op, &str)]) -> String {
    parts
        .iter()
        .filter_map(|(op, what)| Some(format!("{} {what}", map.first_key(*op)?)))
        .collect::<Vec<_>>()
        .join("  ")
}

/// The key after an Esc, when `key` is Alt+key: a terminal sends Alt+key as Esc and
/// the key, so crossterm reads an Esc quickly followed by a key as Alt+key. `None`
/// for other keys (and for Ctrl+Alt, which is AltGr on some terminals), and for an
/// Alt+key the map binds.
pub fn after_esc(map: &KeyMap, key: KeyEvent) -> Option<KeyEvent> {
    if key.modifiers != KeyModifiers::ALT || key.kind == KeyEventKind::Release {
        return None;
    }
    if map.op_for(key).is_some() {
        return None;
    }
    let mut plain = key;
    plain.modifiers = KeyModifiers::NONE;
    Some(plain)
}

/// True for Ctrl-c, which quits from anywhere whatever the map says.
pub fn is_interrupt(key: KeyEvent) -> bool {
    key.kind != KeyEventKind::Release
        && key.code == KeyCode::Char('c')
        && key.modifiers.contains(KeyModifiers::CONTROL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    fn over(action: &str, keys: &[&str]) -> Override {
        Override {
            action: action.into(),
            at: 7,
            keys: keys
                .iter()
                .enumerate()
                .map(|(i, k)| (k.to_string(), 100 + i))
                .collect(),
        }
    }

    #[test]
    fn the_defaults() {
        let map = KeyMap::default();
        let op = |c, m| map.op_for(key(c, m));
        assert_eq!(
            op(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Op::HalfPageDown)
        );
        assert_eq!(
            op(KeyCode::Char('d'), KeyModifiers::NONE),
            Some(Op::ToggleDetail)
        );
        assert_eq!(op(KeyCode::Char('G'), KeyModifiers::SHIFT), Some(Op::Last));
        assert_eq!(op(KeyCode::Char('g'), KeyModifiers::NONE), Some(Op::First));
        assert_eq!(
            op(KeyCode::Char('N'), KeyModifiers::SHIFT),
            Some(Op::SearchPrevious)
        );
        assert_eq!(op(KeyCode::Char('?'), KeyModifiers::SHIFT), Some(Op::Help));
        assert_eq!(op(KeyCode::Char('?'), KeyModifiers::NONE), Some(Op::Help));
        assert_eq!(
            op(KeyCode::Backspace, KeyModifiers::NONE),
            Some(Op::JumpBack)
        );
        assert_eq!(op(KeyCode::BackTab, KeyModifiers::SHIFT), Some(Op::Focus));
        assert_eq!(
            op(KeyCode::Char('Y'), KeyModifiers::SHIFT),
            Some(Op::YankJson)
        );
        assert_eq!(
            op(KeyCode::Char('z'), KeyModifiers::CONTROL),
            Some(Op::Suspend)
        );
        assert_eq!(op(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
        assert_eq!(op(KeyCode::F(1), KeyModifiers::NONE), Some(Op::Help));
        let mut release = key(KeyCode::Char('j'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(map.op_for(release), None);
    }

    #[test]
    fn every_action_has_a_distinct_name_and_keys_by_default() {
        let mut names: Vec<&str> = BINDINGS.iter().map(|b| b.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), BINDINGS.len());
        let map = KeyMap::default();
        assert_eq!(map.help_rows().len(), BINDINGS.len());
    }

    #[test]
    fn an_override_replaces_that_actions_keys_only() {
        let map = KeyMap::with_overrides(&[over("quit", &["ctrl-q", "f10"])]).unwrap();
        assert_eq!(
            map.op_for(key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Op::Quit)
        );
        assert_eq!(
            map.op_for(key(KeyCode::F(10), KeyModifiers::NONE)),
            Some(Op::Quit)
        );
        assert_eq!(
            map.op_for(key(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.op_for(key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Op::Down)
        );
        // A key freed by one override can be taken by another.
        let map =
            KeyMap::with_overrides(&[over("down", &["n"]), over("search-next", &["m"])]).unwrap();
        assert_eq!(
            map.op_for(key(KeyCode::Char('n'), KeyModifiers::NONE)),
            Some(Op::Down)
        );
        assert_eq!(
            map.op_for(key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        // No keys at all: the action is off, and the help leaves it out.
        let map = KeyMap::with_overrides(&[over("retry", &[])]).unwrap();
        assert!(
            !map.help_rows()
                .iter()
                .any(|(_, what)| what.contains("retry"))
        );
    }

    #[test]
    fn config_errors_name_the_action_or_the_key() {
        let e = KeyMap::with_overrides(&[over("fly", &["f"])]).unwrap_err();
        assert_eq!((e.key.as_str(), e.at), ("fly", 7));
        assert!(e.message.contains("no such action"), "{e:?}");
        let e = KeyMap::with_overrides(&[over("quit", &["ctrl-q", "hyperspace"])]).unwrap_err();
        assert_eq!((e.key.as_str(), e.at), ("hyperspace", 101));
        assert!(e.message.contains("not a key"), "{e:?}");
        let e = KeyMap::with_overrides(&[over("quit", &["j"])]).unwrap_err();
        assert_eq!((e.key.as_str(), e.at), ("j", 100));
        assert!(
            e.message.contains("down") && e.message.contains("quit"),
            "{e:?}"
        );
        let e =
            KeyMap::with_overrides(&[over("quit", &["f9"]), over("yank", &["f9"])]).unwrap_err();
        assert!(
            e.message.contains("yank") && e.message.contains("quit"),
            "{e:?}"
        );
    }

    #[test]
    fn alt_key_is_esc_then_the_key_unless_bound() {
        let map = KeyMap::default();
        assert_eq!(
            after_esc(&map, key(KeyCode::Char('j'), KeyModifiers::ALT)),
            Some(key(KeyCode::Char('j'), KeyModifiers::NONE))
        );
        assert_eq!(
            after_esc(&map, key(KeyCode::Char('j'), KeyModifiers::NONE)),
            None
        );
        let altgr = KeyModifiers::ALT | KeyModifiers::CONTROL;
        assert_eq!(after_esc(&map, key(KeyCode::Char('j'), altgr)), None);
        let map = KeyMap::with_overrides(&[over("retry", &["alt-w"])]).unwrap();
        assert_eq!(
            after_esc(&map, key(KeyCode::Char('w'), KeyModifiers::ALT)),
            None
        );
    }
}
