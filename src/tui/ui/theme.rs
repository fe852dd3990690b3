//! Colours and styles, in one place: a [`Theme`] built from the defaults, `NO_COLOR`
//! and `[theme]` in the configuration, installed once when the browser starts.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

/// Sender colours: distinct on 16-colour terminals.
pub const SENDER_COLORS: [Color; 12] = [
    Color::Cyan,
    Color::Green,
    Color::Yellow,
    Color::Magenta,
    Color::Blue,
    Color::Red,
    Color::LightCyan,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightMagenta,
    Color::LightBlue,
    Color::LightRed,
];

/// Every style the browser draws with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// The selected message while the list has the focus.
    pub selection: Style,
    /// The selected message while the detail pane has the focus.
    pub selection_unfocused: Style,
    /// Senders' names take these colours in turn (by sender id).
    pub senders: Vec<Color>,
    /// A reply's quote line.
    pub quote: Style,
    /// Secondary text: times, day separators, notes.
    pub dim: Style,
    pub status_bar: Style,
    pub error: Style,
    /// Section headings, message types, column titles.
    pub heading: Style,
    pub search_match: Style,
    /// The selection mark and the spinner.
    pub gutter: Style,
    /// The focused pane's border.
    pub border: Style,
    pub cursor: Style,
    pub demo_badge: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            selection: Style::new().bg(Color::DarkGray),
            selection_unfocused: Style::new().add_modifier(Modifier::UNDERLINED),
            senders: SENDER_COLORS.to_vec(),
            quote: Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC),
            dim: Style::new().add_modifier(Modifier::DIM),
            status_bar: Style::new().bg(Color::Reset),
            error: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            heading: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            search_match: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .remove_modifier(Modifier::DIM),
            gutter: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            border: Style::new().fg(Color::Yellow),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            demo_badge: Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        }
    }
}

impl Theme {
    /// The theme without colours (`NO_COLOR`): the selection, matches and errors stay
    /// visible through reverse video, bold and underline.
    pub fn no_color() -> Theme {
        Theme {
            selection: Style::new().add_modifier(Modifier::REVERSED),
            selection_unfocused: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            senders: vec![Color::Reset],
            quote: Style::new().add_modifier(Modifier::ITALIC),
            dim: Style::new().add_modifier(Modifier::DIM),
            status_bar: Style::new(),
            error: Style::new().add_modifier(Modifier::BOLD),
            heading: Style::new().add_modifier(Modifier::BOLD),
            search_match: Style::new()
                .add_modifier(Modifier::REVERSED | Modifier::BOLD)
                .remove_modifier(Modifier::DIM),
            gutter: Style::new().add_modifier(Modifier::BOLD),
            border: Style::new().add_modifier(Modifier::BOLD),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            demo_badge: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        }
    }

    /// The starting theme for an environment: [`Theme::no_color`] when `NO_COLOR` is
    /// set to anything but the empty string (no-color.org).
    pub fn for_environment(no_color: Option<&str>) -> Theme {
        match no_color {
            Some(v) if !v.is_empty() => Theme::no_color(),
            _ => Theme::default(),
        }
    }
}

static THEME: OnceLock<Theme> = OnceLock::new();

/// Sets the theme for the rest of the process; only the first call counts. Drawing
/// before it uses [`Theme::default`].
pub fn install(theme: Theme) {
    let _ = THEME.set(theme);
}

fn current() -> &'static Theme {
    THEME.get_or_init(Theme::default)
}

/// One stable colour per sender: FNV-1a of the sender id, the same on every run.
pub fn sender_color(sender: &str) -> Color {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in sender.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    let palette = &current().senders;
    palette
        .get(hash as usize % palette.len().max(1))
        .copied()
        .unwrap_or(Color::Reset)
}

pub fn dim() -> Style {
    current().dim
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    current().error
}

pub fn selected_row(focused: bool) -> Style {
    if focused {
        current().selection
    } else {
        current().selection_unfocused
    }
}

pub fn gutter() -> Style {
    current().gutter
}

pub fn border(focused: bool) -> Style {
    if focused { current().border } else { dim() }
}

pub fn demo_badge() -> Style {
    current().demo_badge
}

/// The `offline` marker: the error colour as a badge, so it reads as a state.
pub fn offline_badge() -> Style {
    error().add_modifier(Modifier::REVERSED | Modifier::BOLD)
}

/// The "new messages" bar: as loud as the selection, so a reader scrolled up sees it.
pub fn new_messages() -> Style {
    selected_row(true).add_modifier(Modifier::BOLD)
}

pub fn status_bar() -> Style {
    current().status_bar
}

/// A search match in the list.
pub fn search_match() -> Style {
    current().search_match
}

/// The search prompt's cursor.
pub fn cursor() -> Style {
    current().cursor
}

/// A reply's quote of the message it answers.
pub fn quote() -> Style {
    current().quote
}

pub fn heading() -> Style {
    current().heading
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_colours_are_stable_and_spread() {
        assert_eq!(sender_color("10001"), sender_color("10001"));
        let distinct: std::collections::HashSet<_> = (10001..10013)
            .map(|id| format!("{id:?}", id = sender_color(&id.to_string())))
            .collect();
        assert!(distinct.len() >= 6, "{distinct:?}");
    }

    #[test]
    fn no_color_has_no_colour_and_keeps_the_selection_visible() {
        let t = Theme::for_environment(Some("1"));
        assert_eq!(t, Theme::no_color());
        assert_eq!(Theme::for_environment(Some("")), Theme::default());
        assert_eq!(Theme::for_environment(None), Theme::default());
        for s in [
            t.selection,
            t.selection_unfocused,
            t.search_match,
            t.error,
            t.quote,
        ] {
            assert_eq!((s.fg, s.bg), (None, None), "{s:?}");
        }
        assert!(t.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(t.search_match.add_modifier.contains(Modifier::REVERSED));
    }
}
