//! The browser's part of the configuration file: `[keys]`, `[theme]` and
//! `copy_command`, as the configuration read them (with their positions, so that an
//! error names the file, the line and the key).

use std::path::{Path, PathBuf};

use crate::config::{BrowserConfig, Config, ConfigError};

use ratatui::style::{Color, Modifier, Style};

use super::keys::{KeyMap, Override};
use super::ui::theme::Theme;

/// How the browser looks and reacts, from the configuration.
#[derive(Clone, Debug, Default)]
pub struct UiSettings {
    /// Which keys ask for which action.
    pub keys: KeyMap,
    /// Colours and styles.
    pub theme: Theme,
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

/// Where in a theme a `[theme]` style goes.
type StyleSlot = fn(&mut Theme) -> &mut Style;

/// The `[theme]` keys that take a style, and where each goes.
const STYLE_KEYS: &[(&str, StyleSlot)] = &[
    ("selection", |t| &mut t.selection),
    ("selection_unfocused", |t| &mut t.selection_unfocused),
    ("quote", |t| &mut t.quote),
    ("dim", |t| &mut t.dim),
    ("status_bar", |t| &mut t.status_bar),
    ("error", |t| &mut t.error),
    ("heading", |t| &mut t.heading),
    ("search_match", |t| &mut t.search_match),
    ("gutter", |t| &mut t.gutter),
    ("border", |t| &mut t.border),
];

fn parse_color(word: &str) -> Result<Color, String> {
    word.parse::<Color>().map_err(|_| {
        format!("{word:?} is not a colour (a name such as lightblue, #rrggbb, or 0-255)")
    })
}

/// A style as `[theme]` writes it: colours and modifiers separated by spaces, e.g.
/// `"yellow bold"`, `"fg:#ff8800 bg:black underline"`, `"reverse"`. A bare colour is
/// the foreground. Without colours (`NO_COLOR`), colours are left out.
pub fn parse_style(s: &str, colours: bool) -> Result<Style, String> {
    let mut style = Style::new();
    for word in s.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underline" | "underlined" => Some(Modifier::UNDERLINED),
            "reverse" | "reversed" => Some(Modifier::REVERSED),
            "crossed" | "strikethrough" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
            continue;
        }
        let (bg, colour) = match lower.split_once(':') {
            Some(("fg", c)) => (false, parse_color(c)?),
            Some(("bg", c)) => (true, parse_color(c)?),
            Some(_) => return Err(format!("{word:?}: write fg:COLOUR or bg:COLOUR")),
            None => (false, parse_color(&lower).map_err(|_| {
                format!("{word:?} is neither a colour nor bold, dim, italic, underline, reverse or crossed")
            })?),
        };
        if colours {
            style = if bg {
                style.bg(colour)
            } else {
                style.fg(colour)
            };
        }
    }
    Ok(style)
}

/// The browser's settings from the configuration (and the `NO_COLOR` variable).
pub fn from_config(config: &Config) -> Result<UiSettings, ConfigError> {
    let no_color = std::env::var("NO_COLOR").ok();
    let Some(path) = config.path.as_deref() else {
        return Ok(UiSettings {
            theme: Theme::for_environment(no_color.as_deref()),
            ..UiSettings::default()
        });
    };
    read(path, &config.browser, no_color.as_deref())
}

/// Gives the browser's sections of the file at `path` their meaning (the rest of
/// the file is the general configuration's business, already checked). `no_color`
/// is the `NO_COLOR` variable's value.
fn read(
    path: &Path,
    browser: &BrowserConfig,
    no_color: Option<&str>,
) -> Result<UiSettings, ConfigError> {
    let invalid = |at: usize, key: &str, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: browser.line_of(at),
        key: key.to_owned(),
        message,
    };
    let sections = browser.sections.as_ref().map_err(|e| {
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
    let mut theme = Theme::for_environment(no_color);
    let colours = theme != Theme::no_color();
    for (key, value) in &sections.theme {
        let name = key.get_ref().as_str();
        let at = value.span().start;
        let err = |message: String| invalid(at, &format!("theme.{name}"), message);
        if name == "senders" {
            let Some(list) = value.get_ref().as_array() else {
                return Err(err(
                    "write a list of colours: senders = [\"cyan\", \"green\"]".into(),
                ));
            };
            let mut palette = Vec::new();
            for c in list {
                let c = c
                    .as_str()
                    .ok_or_else(|| err("each colour is a string".into()))?;
                palette.push(parse_color(c).map_err(err)?);
            }
            if palette.is_empty() {
                return Err(err("give at least one colour".into()));
            }
            if colours {
                theme.senders = palette;
            }
            continue;
        }
        let Some((_, slot)) = STYLE_KEYS.iter().find(|(k, _)| *k == name) else {
            let known: Vec<&str> = STYLE_KEYS.iter().map(|(k, _)| *k).collect();
            return Err(invalid(
                key.span().start,
                &format!("theme.{name}"),
                format!("no such style (styles: {}, senders)", known.join(", ")),
            ));
        };
        let Some(text) = value.get_ref().as_str() else {
            return Err(err("write a style as a string, e.g. \"yellow bold\"".into()));
        };
        *slot(&mut theme) = parse_style(text, colours).map_err(err)?;
    }
    let copy_command = match &sections.copy_command {
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
            Some(c.get_ref().clone())
        }
        None => None,
    };
    Ok(UiSettings {
        keys,
        theme,
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

    /// The settings a file at `path` holding `text` gives, read as the program reads it.
    fn parse(path: &Path, text: &str, no_color: Option<&str>) -> Result<UiSettings, ConfigError> {
        let config = Config::from_text(path, text)?;
        read(path, &config.browser, no_color)
    }

    fn parsed(text: &str) -> Result<UiSettings, String> {
        parse(Path::new("/home/u/.config/volc-im/config.toml"), text, None)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_example_file_parses() {
        let ui = parsed(include_str!("../../config.example.toml")).unwrap();
        assert!(ui.tools.copy_command.is_none());
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
    fn the_theme_is_read_and_no_color_drops_its_colours() {
        let text = "[theme]\nselection = \"bg:#303030 bold\"\nquote = \"lightblue italic\"\nsenders = [\"red\", \"green\"]\n";
        let ui = parsed(text).unwrap();
        assert_eq!(
            ui.theme.selection,
            Style::new()
                .bg(Color::Rgb(0x30, 0x30, 0x30))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            ui.theme.quote,
            Style::new()
                .fg(Color::LightBlue)
                .add_modifier(Modifier::ITALIC)
        );
        assert_eq!(ui.theme.senders, [Color::Red, Color::Green]);
        assert_eq!(
            ui.theme.error,
            Theme::default().error,
            "unnamed styles keep their default"
        );
        let plain = parse(Path::new("c.toml"), text, Some("1")).unwrap();
        assert_eq!(
            plain.theme.selection,
            Style::new().add_modifier(Modifier::BOLD)
        );
        assert_eq!(plain.theme.senders, Theme::no_color().senders);
        assert_eq!(plain.theme.search_match, Theme::no_color().search_match);
    }

    #[test]
    fn every_theme_error_names_file_line_and_key() {
        let e = parsed("[theme]\nselction = \"bold\"\n").unwrap_err();
        assert!(
            e.contains("config.toml:2: theme.selction: no such style"),
            "{e}"
        );
        let e = parsed("[theme]\n\nquote = \"blurple\"\n").unwrap_err();
        assert!(
            e.contains("config.toml:3: theme.quote: \"blurple\" is neither a colour"),
            "{e}"
        );
        let e = parsed("[theme]\nerror = \"fg:nope\"\n").unwrap_err();
        assert!(e.contains("theme.error: \"nope\" is not a colour"), "{e}");
        let e = parsed("[theme]\nerror = 3\n").unwrap_err();
        assert!(
            e.contains("config.toml:2: theme.error: write a style as a string"),
            "{e}"
        );
        let e = parsed("[theme]\nsenders = []\n").unwrap_err();
        assert!(e.contains("theme.senders: give at least one colour"), "{e}");
        let e = parsed("[theme]\nsenders = \"red\"\n").unwrap_err();
        assert!(e.contains("theme.senders: write a list"), "{e}");
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
