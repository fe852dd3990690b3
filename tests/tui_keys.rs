//! The help overlay is drawn from the key map in use: it lists exactly the bound
//! keys, follows `[keys]`, and scrolls when it does not fit.

use volc_im::tui::fixtures::{self, code, draw, key, open_showing, screen_lines, settings};
use volc_im::tui::keys::{BINDINGS, KeyMap, Override};
use volc_im::tui::{App, Start};

fn app_with(keys: KeyMap, w: u16, h: u16) -> App {
    let mut s = settings(Start::Newest);
    s.ui.keys = keys;
    let (mut app, commands) = App::new(s, w, h);
    let (view, request) = fixtures::only_request(&commands);
    let messages = (1..=5).map(fixtures::message).collect::<Vec<_>>();
    app.update(fixtures::loaded(
        view,
        request,
        fixtures::page_of(messages, false, 0),
    ));
    app
}

fn over(action: &str, keys: &[&str]) -> Override {
    Override {
        action: action.into(),
        at: 0,
        keys: keys.iter().map(|k| (k.to_string(), 0)).collect(),
    }
}

#[test]
fn the_help_lists_exactly_the_bound_keys() {
    let (mut app, _) = open_showing(vec![fixtures::message(1)], false, 100, 40);
    app.update(key('?'));
    let t = draw(&mut app, 100, 40);
    insta::assert_snapshot!("help_default_keys", t.backend());
    let screen = screen_lines(t.backend().buffer()).join("\n");
    let map = KeyMap::default();
    for b in BINDINGS {
        let shown: Vec<String> = map.keys_of(b.op).iter().map(ToString::to_string).collect();
        let row = shown.join(" ");
        assert!(
            screen.contains(&row),
            "{} ({row}) missing:\n{screen}",
            b.name
        );
        assert!(screen.contains(b.help), "{} missing", b.help);
    }
}

#[test]
fn the_help_follows_the_configured_keys() {
    let map =
        KeyMap::with_overrides(&[over("quit", &["ctrl-q", "f10"]), over("retry", &[])]).unwrap();
    let mut app = app_with(map, 100, 40);
    app.update(key('?'));
    let screen = screen_lines(draw(&mut app, 100, 40).backend().buffer()).join("\n");
    assert!(screen.contains("Ctrl-q F10"), "{screen}");
    assert!(
        !screen.contains("retry after an error"),
        "an unbound action is left out"
    );
    // The old quit key now closes the help only when bound to quit: q does nothing.
    app.update(key('q'));
    assert!(app.help_open());
    app.update(code(crossterm::event::KeyCode::Esc));
    assert!(!app.help_open());
    app.update(key('q'));
    assert!(!app.should_quit(), "q is not bound any more");
}

#[test]
fn the_help_scrolls_when_it_does_not_fit_and_q_closes_it() {
    let (mut app, _) = open_showing(vec![fixtures::message(1)], false, 40, 12);
    app.update(key('?'));
    let t = draw(&mut app, 40, 12);
    insta::assert_snapshot!("help_40x12_top", t.backend());
    for _ in 0..100 {
        app.update(key('j'));
    }
    let t = draw(&mut app, 40, 12);
    insta::assert_snapshot!("help_40x12_bottom", t.backend());
    let screen = screen_lines(t.backend().buffer()).join("\n");
    assert!(screen.contains("mouse"), "{screen}");
    app.update(key('g'));
    let screen = screen_lines(draw(&mut app, 40, 12).backend().buffer()).join("\n");
    assert!(screen.contains("next message"), "{screen}");
    app.update(key('q'));
    assert!(!app.help_open());
    assert!(!app.should_quit(), "q closes the help, it does not quit");
}

#[test]
fn the_prompt_edits_at_its_cursor_and_recalls_earlier_queries() {
    use crossterm::event::KeyCode;
    let (mut app, _) = open_showing((1..=5).map(fixtures::message).collect(), false, 100, 20);
    app.update(key('/'));
    for c in "mesage 2".chars() {
        app.update(key(c));
    }
    for _ in 0..5 {
        app.update(code(KeyCode::Left));
    }
    app.update(key('s'));
    assert_eq!(app.prompt().unwrap().text(), "message 2");
    let screen = screen_lines(draw(&mut app, 100, 20).backend().buffer()).join("\n");
    assert!(screen.contains(" /message 2"), "{screen}");
    insta::assert_snapshot!("prompt_cursor_inside", draw(&mut app, 100, 20).backend());
    app.update(code(KeyCode::Enter));
    assert!(app.prompt().is_none());
    app.update(key('/'));
    app.update(fixtures::ctrl('w'));
    app.update(code(KeyCode::Up));
    assert_eq!(app.prompt().unwrap().text(), "message 2");
}
