//! Without colour (`NO_COLOR`) nothing on screen has a colour, and the selection and
//! the search's matches stay visible through reverse video. (Its own test process:
//! the theme is installed once per process.)

use crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use volc_im::tui::fixtures::{self, code, draw, key, open_showing};
use volc_im::tui::ui::theme::{self, Theme};

#[test]
fn no_color_draws_no_colour_and_keeps_the_selection_and_matches_visible() {
    theme::install(Theme::for_environment(Some("1")));
    let mut messages: Vec<_> = (1..=4).map(fixtures::message).collect();
    messages.push(fixtures::reply(5, 2, 0));
    let (mut app, _) = open_showing(messages, false, 120, 20);
    app.update(key('/'));
    for c in "message 3".chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    let t = draw(&mut app, 120, 20);
    let buf = t.backend().buffer();
    for cell in &buf.content {
        for c in [cell.fg, cell.bg] {
            assert!(matches!(c, Color::Reset), "{cell:?}");
        }
    }
    let selected = (0..20)
        .find(|&y| buf[(0, y)].symbol() == "▌")
        .expect("a selected row");
    assert!(buf[(30, selected)].modifier.contains(Modifier::REVERSED));
    let rows = fixtures::screen_lines(buf);
    let other = rows.iter().position(|r| r.contains("message 1")).unwrap() as u16;
    assert_ne!(other, selected);
    assert!(!buf[(30, other)].modifier.contains(Modifier::REVERSED));
}
