//! `x` exports the open conversation from the view: a prompt with a default file name,
//! the format from its extension, refusals that change nothing, and (end to end) the
//! file written by the engine of `volc-im export` while the browser stays live.

mod tui_support;

use crossterm::event::KeyCode;
use tui_support::{Tui, group_newest_first, recognisable};
use volc_im::demo::DEMO_GROUP;
use volc_im::export::Format;
use volc_im::paging::Direction;
use volc_im::tui::action::Outside;
use volc_im::tui::fixtures::{self, code, draw, key, open_showing, screen_lines};
use volc_im::tui::{Action, App, Command};

fn type_in(app: &mut App, s: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in s.chars() {
        out.extend(app.update(key(c)));
    }
    out
}

fn screen(app: &mut App) -> String {
    screen_lines(draw(app, 120, 20).backend().buffer()).join("\n")
}

#[test]
fn x_offers_a_file_name_and_exports_in_the_format_its_extension_names() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, _) = open_showing((1..=3).map(fixtures::message).collect(), false, 120, 20);
    app.update(key('x'));
    assert_eq!(app.prompt().unwrap().text(), "Team-chat.jsonl");
    assert!(screen(&mut app).contains("export to: Team-chat.jsonl"));
    app.update(fixtures::ctrl('u'));
    let path = dir.path().join("team.csv");
    type_in(&mut app, path.to_str().unwrap());
    let commands = app.update(code(KeyCode::Enter));
    let job = commands
        .iter()
        .find_map(|c| match c {
            Command::Outside(Outside::Export(job)) => Some(job.clone()),
            _ => None,
        })
        .expect("an export");
    assert_eq!(
        (job.format, job.direction),
        (Format::Csv, Direction::OldestFirst)
    );
    assert_eq!(job.path, path);
    assert_eq!(job.target.conversation, fixtures::CONVERSATION);
    assert!(
        screen(&mut app).contains("exporting to"),
        "progress in the status bar"
    );
    assert!(app.is_fetching(), "the spinner turns");
    app.update(Action::ExportProgress(40));
    assert!(
        screen(&mut app).contains("40 messages written"),
        "the count grows in the status bar"
    );
    // One at a time.
    app.update(key('x'));
    assert!(app.prompt().is_none());
    assert!(screen(&mut app).contains("still running"));
    app.update(Action::ExportEnded(
        "exported 3 messages to team.csv (csv)".into(),
    ));
    assert!(screen(&mut app).contains("exported 3 messages"));
    assert!(app.exporting().is_none());
}

#[test]
fn a_name_that_will_not_do_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("notes.md");
    std::fs::write(&existing, "mine").unwrap();
    let (mut app, _) = open_showing(vec![fixtures::message(1)], false, 120, 20);
    for (name, says) in [
        (
            existing.to_str().unwrap().to_owned(),
            "exists: give another name",
        ),
        (
            dir.path().join("out.txt").to_str().unwrap().to_owned(),
            "end the name in .jsonl",
        ),
        ("   ".to_owned(), "no file name"),
    ] {
        app.update(key('x'));
        app.update(fixtures::ctrl('u'));
        type_in(&mut app, &name);
        let commands = app.update(code(KeyCode::Enter));
        assert!(
            !commands
                .iter()
                .any(|c| matches!(c, Command::Outside(Outside::Export(_)))),
            "{name}"
        );
        assert!(
            screen(&mut app).contains(says),
            "{name}: {}",
            screen(&mut app)
        );
    }
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "mine");
}

#[test]
fn the_export_writes_the_whole_conversation_while_the_browser_stays_live() {
    let home = tempfile::tempdir().unwrap();
    let group = DEMO_GROUP.to_string();
    let mut tui = Tui::start_with(
        &["--demo", "--conversation", &group],
        home.path(),
        (140, 40),
        &[],
    );
    let all = group_newest_first();
    tui.wait_for(&recognisable(&all[0].decoded_content().summary()));
    tui.send("x");
    tui.wait_for("export to:");
    tui.send("\u{15}group.jsonl\r");
    tui.wait_for("exported");
    let written = std::fs::read_to_string(home.path().join("group.jsonl")).unwrap();
    assert_eq!(written.lines().count(), all.len());
    assert!(
        tui.contents()
            .contains(&format!("exported {} messages", all.len()))
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}
