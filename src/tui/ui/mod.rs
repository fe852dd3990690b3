//! Drawing: a pure function of the app's state. One file per screen region.

mod detail;
pub mod everywhere;
pub(crate) mod help;
pub(crate) mod list;
mod picker;
mod prompt;
mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::buffer::Buffer;

use super::app::{App, Screen};
use super::text;

/// Spinner frames, one per tick.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// The spinner frame for the app's clock.
pub fn spinner(app: &App) -> &'static str {
    SPINNER[(app.ticks % SPINNER.len() as u64) as usize]
}

/// Draws the whole screen from the app's state.
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let areas = app.areas_for(frame.area());
    match app.screen() {
        Screen::Picker => picker::draw(frame, areas.list, app),
        Screen::Everywhere => {
            if let Some(found) = app.everywhere() {
                everywhere::draw(frame, areas.list, found, &app.tz);
            }
        }
        Screen::Conversation => {
            list::draw(frame, areas.list, app);
            if let Some(area) = areas.detail {
                detail::draw(frame, area, app);
            }
        }
    }
    status::draw(frame, areas.status, app);
    if app.help_open() {
        help::draw(frame, frame.area(), app);
    }
    scrub(frame.buffer_mut());
}

/// A last guard: any cell still holding something that must not reach the terminal
/// is replaced. Everything drawn is cleaned on the way in; this only makes sure.
fn scrub(buf: &mut Buffer) {
    for cell in &mut buf.content {
        if !text::is_terminal_safe(cell.symbol()) {
            cell.set_symbol("\u{FFFD}");
        }
    }
}
