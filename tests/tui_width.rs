//! Widths the terminal agrees with: characters of doubtful width are drawn as a
//! placeholder, skin tones stay with their emoji, a real terminal's screen matches the
//! frame after the selection moves (no stale cells), and properties over arbitrary
//! text: nothing that could control the terminal reaches the buffer, and every row is
//! exactly as wide as the screen.
//!
//! The properties run `PROPTEST_CASES` cases (proptest's own variable; 256 when
//! unset). For a long run: `PROPTEST_CASES=1000000 cargo test --release --test tui_width`.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};
use serde_json::json;
use volc_im::model::Message;
use volc_im::tui::fixtures::{self, app_showing, code, draw, key, screen_lines};
use volc_im::tui::{App, text, ui};

fn cell_ok(symbol: &str) -> bool {
    symbol
        .chars()
        .all(|c| !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        && text::is_terminal_safe(symbol)
}

/// Every row of the buffer: its cells' widths add up to exactly the screen's width,
/// no wide character sticks out of the right edge, and no cell holds a control.
fn assert_rows_fit(buf: &Buffer) {
    for y in 0..buf.area.height {
        let mut x = 0u16;
        while x < buf.area.width {
            let symbol = buf[(x, y)].symbol();
            assert!(cell_ok(symbol), "row {y} col {x}: {symbol:?}");
            let w = text::width(symbol).max(1) as u16;
            assert!(
                x + w <= buf.area.width,
                "row {y}: {symbol:?} at {x} sticks out"
            );
            x += w;
        }
        assert_eq!(x, buf.area.width, "row {y}");
    }
}

#[test]
fn characters_of_doubtful_width_are_drawn_as_a_placeholder() {
    let m = fixtures::text_message(1, "before\u{FFFF}\u{FDD0}\u{0378}\u{E000}after");
    let mut app = app_showing(vec![m], false, 120, 20);
    let t = draw(&mut app, 120, 20);
    let screen = screen_lines(t.backend().buffer()).join("\n");
    assert!(screen.contains("before����after"), "{screen}");
    assert_rows_fit(t.backend().buffer());
}

#[test]
fn a_skin_tone_stays_with_its_emoji_in_the_list_and_the_detail() {
    let m = fixtures::text_message(1, "thanks 👍🏽 all");
    let mut app = app_showing(vec![m], false, 120, 20);
    let t = draw(&mut app, 120, 20);
    let buf = t.backend().buffer();
    let cells: Vec<(u16, u16)> = (0..20)
        .flat_map(|y| (0..120).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[(x, y)].symbol() == "👍🏽")
        .collect();
    assert_eq!(cells.len(), 2, "once in the list, once in the detail pane");
    let list = t.backend().buffer().area.width * 55 / 100;
    assert!(cells.iter().any(|&(x, _)| x < list));
    assert!(cells.iter().any(|&(x, _)| x > list));
    assert_rows_fit(buf);
}

/// The bytes a backend wrote, shared with the test.
#[derive(Clone, Default)]
struct Written(Rc<RefCell<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Draws frames through crossterm into a terminal emulator, as the real browser does.
struct Emulated {
    terminal: Terminal<CrosstermBackend<Written>>,
    written: Written,
    parser: vt100::Parser,
}

impl Emulated {
    fn new(w: u16, h: u16) -> Self {
        let written = Written::default();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(written.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
            },
        )
        .unwrap();
        Emulated {
            terminal,
            written,
            parser: vt100::Parser::new(h.try_into().unwrap(), w.try_into().unwrap(), 0),
        }
    }

    /// Draws a frame; the emulator's screen and the frame's buffer, as rows.
    fn frame(&mut self, app: &App) -> (Vec<String>, Vec<String>) {
        let completed = self.terminal.draw(|f| ui::draw(f, app)).unwrap();
        let expected = screen_lines(completed.buffer);
        let bytes = std::mem::take(&mut *self.written.0.borrow_mut());
        // vt100 drops U+FFFD, which terminals draw as one column: it gets a `?` instead.
        let bytes = String::from_utf8(bytes).unwrap().replace('\u{FFFD}', "?");
        self.parser.process(bytes.as_bytes());
        let shown = self.parser.screen().rows(0, completed.area.width).collect();
        (shown, expected)
    }
}

#[test]
fn moving_between_messages_of_odd_text_leaves_no_stale_cells() {
    let odd = [
        "wide 中文中文 and \u{FFFF}\u{FFFF}\u{FFFF} nonchars",
        // (Emoji sequences and flags stay out: vt100 splits them, unlike the terminals
        // it emulates.)
        "narrow ❤\u{FE0F} and wide 👍",
        "plain",
        "hangul \u{115F}x and private \u{E000}\u{F8FF}",
        "combining e\u{301}\u{301}\u{301} and tabs\tend",
    ];
    let messages: Vec<Message> = odd
        .iter()
        .enumerate()
        .map(|(i, s)| fixtures::text_message(i as i64 + 1, s))
        .collect();
    let mut app = app_showing(messages, false, 100, 16);
    app.update(volc_im::tui::Action::Resize {
        width: 100,
        height: 16,
    });
    let mut term = Emulated::new(100, 16);
    for step in 0..(odd.len() * 2) {
        let (shown, expected) = term.frame(&app);
        for (y, (s, e)) in shown.iter().zip(&expected).enumerate() {
            let e = e.replace('\u{FFFD}', "?");
            assert_eq!(s.trim_end(), e.trim_end(), "step {step}, row {y}");
        }
        app.update(if step < odd.len() { key('k') } else { key('j') });
        if step == odd.len() {
            app.update(code(crossterm::event::KeyCode::Tab));
        }
    }
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        // Text made of the characters that matter most: controls, escapes, bidi,
        // joiners, selectors, modifiers, wide and doubtful characters.
        proptest::collection::vec(
            prop_oneof![
                any::<char>(),
                proptest::sample::select(vec![
                    '\u{1b}',
                    '\u{7}',
                    '\u{9b}',
                    '\u{9d}',
                    '\r',
                    '\n',
                    '\t',
                    '\u{7f}',
                    '\u{202e}',
                    '\u{2067}',
                    '\u{200d}',
                    '\u{200f}',
                    '\u{fe0f}',
                    '\u{1f3fd}',
                    '👍',
                    '中',
                    '\u{ffff}',
                    '\u{301}',
                    '\u{2028}',
                    ' ',
                    'a',
                    '\u{115f}',
                    '\u{e000}',
                ]),
            ],
            0..80
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #[test]
    fn the_sanitiser_lets_no_control_through(s in arbitrary_text(), cols in 0usize..120) {
        let line = text::one_line(&s, cols);
        prop_assert!(cell_ok(&line), "{line:?}");
        prop_assert!(text::width(&line) <= cols);
        for l in text::lines(&s) {
            prop_assert!(cell_ok(&l), "{l:?}");
        }
        let fitted = text::fit_pad(&line, cols);
        prop_assert_eq!(text::width(&fitted), cols);
    }

    #[test]
    fn every_row_fits_the_screen_whatever_the_text(
        texts in proptest::collection::vec(arbitrary_text(), 1..4),
        sender in arbitrary_text(),
        hint in arbitrary_text(),
        w in 1u16..180,
        h in 1u16..40,
        detail in any::<bool>(),
    ) {
        let mut messages: Vec<Message> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| fixtures::text_message(i as i64 + 1, t))
            .collect();
        messages.push(fixtures::message_with(
            9,
            json!({"RefMsgInfo": {"ReferencedMessageId": 1, "Hint": hint, "ReferencedMessageType": 10001, "Status": 0},
                "Ext": {"k": sender.clone()}}),
        ));
        let mut app = app_showing(messages, false, w, h);
        app.update(fixtures::names_loaded(&[(fixtures::SENDERS[0], &sender)]));
        if detail {
            app.update(key('k'));
        } else {
            app.update(key('d'));
        }
        let t = draw(&mut app, w, h);
        assert_rows_fit(t.backend().buffer());
    }
}
