//! The browser's part of the configuration file: `[keys]`, `[theme]` and
//! `copy_command`, read with their positions so that an error names the file, the
//! line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::ConfigError;

use super::keys::{KeyMap, Override};

/// How the browser looks and reacts, from the configuration.
#[derive(Clone, Debug, Default)]
pub struct UiSettings {
    /// Which keys ask for which action.
    pub keys: KeyMap,
    /// Programs the browser hands work to.
    pub tools: Tools,
    /// Earlier search queries, oldest first.
    pub search_history: Vec<String>,
}

/// Programs and files outside the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tools {
    /// Copies its input to the clipboard (`wl-copy`, `xclip -selection clipboard`,
    /// `pbcopy`); without it, copies go through the terminal (OSC 52).
    pub copy_command: Option<String>,
    /// Where earlier search queries are kept, one JSON string a line.
    pub history_path: Option<PathBuf>,
}

/// The file earlier search queries are kept in: `search-history` in the platform
/// state directory (Linux: `~/.local/state/volc-im/`).
pub fn history_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "volc-im")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(dir.join("search-history"))
}

/// The most bytes of the history file read.
const HISTORY_MAX_BYTES: u64 = 256 * 1024;

/// Earlier search queries, oldest first; none when the file is missing or unreadable
/// (a lost history is no reason not to browse). Lines that are not JSON strings are
/// skipped.
pub fn read_history(path: &Path) -> Vec<String> {
    use std::io::Read;
    let mut text = String::new();
    let read =
        std::fs::File::open(path).and_then(|f| f.take(HISTORY_MAX_BYTES).read_to_string(&mut text));
    if let Err(e) = read {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(error = %e, "the search history could not be read");
        }
        return Vec::new();
    }
    let mut history = Vec::new();
    for line in text.lines() {
        if let Ok(query) = serde_json::from_str::<String>(line) {
            super::prompt::remember(&mut history, &query);
        }
    }
    history
}

/// Writes the search history, replacing the file (private to the user: queries may
/// be sensitive).
pub fn write_history(path: &Path, history: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::new();
    for query in history {
        text.push_str(&serde_json::to_string(query).unwrap_or_default());
        text.push('\n');
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path)
}

#[derive(Debug, Default, Deserialize)]
struct Sections {
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    copy_command: Option<Spanned<String>>,
}

/// Reads the browser's settings from the configuration file, when there is one.
pub fn load(path: Option<&Path>) -> Result<UiSettings, ConfigError> {
    let Some(path) = path else {
        return Ok(UiSettings::default());
    };
    let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    parse(path, &text)
}

/// The line (from 1) of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// Parses the browser's settings from the file's text (the rest of the file is the
/// general configuration's business, already checked).
pub fn parse(path: &Path, text: &str) -> Result<UiSettings, ConfigError> {
    let invalid = |at: usize, key: &str, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, at),
        key: key.to_owned(),
        message,
    };
    let sections: Sections = toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start);
        invalid(
            at,
            "keys",
            format!("{} (write action = [\"key\", ...])", e.message()),
        )
    })?;
    let overrides: Vec<Override> = sections
        .keys
        .iter()
        .map(|(action, keys)| Override {
            action: action.get_ref().clone(),
            at: action.span().start,
            keys: keys
                .get_ref()
                .iter()
                .map(|k| (k.get_ref().clone(), k.span().start))
                .collect(),
        })
        .collect();
    let keys = KeyMap::with_overrides(&overrides)
        .map_err(|e| invalid(e.at, &format!("keys.{}", e.key), e.message))?;
    let copy_command = match sections.copy_command {
        Some(c) if c.get_ref().trim().is_empty() => {
            return Err(invalid(
                c.span().start,
                "copy_command",
                "empty; leave it out to copy through the terminal".into(),
            ));
        }
        Some(c) => {
            if shlex::split(c.get_ref()).is_none() {
                return Err(invalid(
                    c.span().start,
                    "copy_command",
                    "unbalanced quotes".into(),
                ));
            }
            Some(c.into_inner())
        }
        None => None,
    };
    Ok(UiSettings {
        keys,
        tools: Tools {
            copy_command,
            history_path: None,
        },
        search_history: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::Op;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn parsed(text: &str) -> Result<UiSettings, String> {
        parse(Path::new("/home/u/.config/volc-im/config.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn keys_and_copy_command_are_read() {
        let ui = parsed(
            "region = \"cn-north-1\"\ncopy_command = \"xclip -selection clipboard\"\n\n[keys]\nquit = [\"ctrl-q\"]\nhalf-page-down = [\"ctrl-d\", \"space\"]\n",
        )
        .unwrap();
        let quit = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(ui.keys.op_for(quit), Some(Op::Quit));
        let space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE);
        assert_eq!(ui.keys.op_for(space), Some(Op::HalfPageDown));
        assert_eq!(
            ui.tools.copy_command.as_deref(),
            Some("xclip -selection clipboard")
        );
        assert!(parsed("").unwrap().tools.copy_command.is_none());
    }

    #[test]
    fn the_search_history_survives_a_round_trip_and_odd_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/search-history");
        assert!(read_history(&path).is_empty());
        let queries = vec![
            "a\nb".to_owned(),
            "发布 \u{1b}[31m".to_owned(),
            "\"quoted\"".to_owned(),
        ];
        write_history(&path, &queries).unwrap();
        assert_eq!(read_history(&path), queries);
        std::fs::write(&path, "\"one\"\nnot json\n42\n\"two\"\n").unwrap();
        assert_eq!(read_history(&path), ["one", "two"]);
    }

    #[test]
    fn every_keys_error_names_file_line_and_key() {
        let e = parsed("region = \"x\"\n[keys]\nfly = [\"f\"]\n").unwrap_err();
        assert!(
            e.starts_with("/home/u/.config/volc-im/config.toml:3: keys.fly: no such action"),
            "{e}"
        );
        let e = parsed("[keys]\nquit = [\"q\"]\n\nyank = [\n  \"y\",\n  \"ctrl-hyper\",\n]\n")
            .unwrap_err();
        assert!(
            e.contains("config.toml:6: keys.ctrl-hyper:") && e.contains("not a key"),
            "{e}"
        );
        let e = parsed("[keys]\nquit = [\"j\"]\n").unwrap_err();
        assert!(
            e.contains("config.toml:2: keys.j: bound to both down and quit"),
            "{e}"
        );
        let e = parsed("[keys]\nquit = \"ctrl-q\"\n").unwrap_err();
        assert!(
            e.contains("config.toml:2:") && e.contains("action = [\"key\", ...]"),
            "{e}"
        );
        let e = parsed("copy_command = \"  \"\n").unwrap_err();
        assert!(e.contains("config.toml:1: copy_command: empty"), "{e}");
        let e = parsed("copy_command = \"xclip '\"\n").unwrap_err();
        assert!(e.contains("copy_command: unbalanced quotes"), "{e}");
    }
}
