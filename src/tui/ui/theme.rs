//! Colours and styles, in one place.

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

/// One stable colour per sender: FNV-1a of the sender id, the same on every run.
pub fn sender_color(sender: &str) -> Color {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in sender.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    SENDER_COLORS[hash as usize % SENDER_COLORS.len()]
}

pub fn dim() -> Style {
    Style::new().add_modifier(Modifier::DIM)
}

pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn error() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn selected_row(focused: bool) -> Style {
    if focused {
        Style::new().bg(Color::DarkGray)
    } else {
        Style::new().add_modifier(Modifier::UNDERLINED)
    }
}

pub fn gutter() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Yellow)
    } else {
        dim()
    }
}

pub fn demo_badge() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD)
}

pub fn status_bar() -> Style {
    Style::new().bg(Color::Reset)
}

/// A search match in the list.
pub fn search_match() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .remove_modifier(Modifier::DIM)
}

/// The search prompt's cursor.
pub fn cursor() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// A reply's quote of the message it answers.
pub fn quote() -> Style {
    Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC)
}

pub fn heading() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
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
}
