//! The browser on the archive: from start to the first full frame with 1,000,000 and
//! 1,000 messages archived (open the file, read the first window, build the app, draw
//! one 200×60 frame), what one frame costs with either archive open, and the resident
//! memory after reading back through 100,000 messages.
//!
//! The memory is measured in a child process of this bench (the same binary, told by
//! `VOLC_IM_BROWSE_RSS`), so that building the archive does not count.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::Criterion;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use volc_im::archive::{Archive, PageFetch, SharedArchive};
use volc_im::model::Cursor;
use volc_im::pager::{Direction, PageRequest};
use volc_im::tui::archived::read_window;
use volc_im::tui::fixtures::{self, APP, CONVERSATION, History};
use volc_im::tui::{Action, App, Command, Start, ui};

const W: u16 = 200;
const H: u16 = 60;
/// Messages read back through for the memory figure.
const READ_THROUGH: i64 = 100_000;
/// Messages stored in one transaction while building an archive.
const BUILD_PAGE: u32 = 1_000;

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).unwrap()
}

/// An archive of `n` fixture messages in one conversation, walked newest-first in
/// pages (so its coverage is one stretch from the newest to the beginning). The
/// search index's triggers are dropped: reading never uses them.
fn build(path: &Path, n: i64) {
    let mut archive = Archive::open(path).expect("the archive opens");
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    conn.execute_batch(
        "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update;
         DROP TRIGGER messages_search_delete;",
    )
    .expect("the triggers go");
    let history = History::new(n, fixtures::message);
    let mut cursor = Cursor::NEWEST;
    loop {
        let request = PageRequest {
            seq: 0,
            cursor,
            reverse: 1,
            limit: BUILD_PAGE,
        };
        let page = history.answer(&request);
        let fetch = PageFetch::new(
            APP,
            CONVERSATION,
            Direction::NewestFirst,
            cursor,
            Cursor::NEWEST,
        );
        let next = page.new_cursor.filter(|_| page.has_more == Some(true));
        archive.store_page(&fetch, &page).expect("stored");
        match next {
            Some(c) => cursor = c,
            None => break,
        }
    }
    archive.checkpoint().expect("checkpointed");
}

/// Start to the first full frame: open the file, read, build the app, draw.
fn first_frame(path: &Path) -> Terminal<TestBackend> {
    let reads = SharedArchive::new(Archive::open_read_only(path).expect("opens"));
    let settings = volc_im::tui::Settings {
        archive: Some(reads),
        ..fixtures::settings(Start::Newest)
    };
    let (app, commands) = App::new(settings, W, H);
    black_box(commands);
    let mut t = terminal();
    t.draw(|f| ui::draw(f, &app)).unwrap();
    t
}

/// An app open on an archive, its first window shown.
fn opened(path: &Path) -> App {
    let reads = SharedArchive::new(Archive::open_read_only(path).expect("opens"));
    let settings = volc_im::tui::Settings {
        archive: Some(reads),
        ..fixtures::settings(Start::Newest)
    };
    App::new(settings, W, H).0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Medians of `runs` timings of `f`, the two paths timed in turn.
fn medians(paths: [&Path; 2], runs: usize, f: impl Fn(&Path)) -> [Duration; 2] {
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (i, p) in paths.iter().enumerate() {
            let start = Instant::now();
            f(p);
            times[i].push(start.elapsed());
        }
    }
    let [a, b] = times;
    [median(a), median(b)]
}

/// Frame cost: the median over rounds of many frames, the apps in turn.
fn frame_medians(apps: [&App; 2]) -> [Duration; 2] {
    let mut terminals = [terminal(), terminal()];
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..15 {
        for i in 0..2 {
            let start = Instant::now();
            for _ in 0..300 {
                terminals[i]
                    .draw(|f| ui::draw(f, black_box(apps[i])))
                    .unwrap();
            }
            times[i].push(start.elapsed() / 300);
        }
    }
    let [a, b] = times;
    [median(a), median(b)]
}

/// The child: reads back through [`READ_THROUGH`] messages with Page Up, the archive
/// answering each read as the terminal's loop would, then reports its memory.
fn read_through(path: &Path) {
    let reads = SharedArchive::new(Archive::open_read_only(path).expect("opens"));
    let settings = volc_im::tui::Settings {
        archive: Some(reads.clone()),
        ..fixtures::settings(Start::Newest)
    };
    let total = reads.lock().message_count(APP, CONVERSATION).unwrap() as i64;
    let history = History::new(total, fixtures::message);
    let (mut app, commands) = App::new(settings, W, H);
    let mut pending: Vec<Command> = commands;
    let mut presses = 0;
    loop {
        while let Some(command) = pending.pop() {
            let action = match command {
                Command::ReadArchive { view, read } => {
                    let result = read_window(&reads.lock(), &read).map_err(|e| e.to_string());
                    Action::ArchiveRead { view, read, result }
                }
                // The check for newer messages: the server has none.
                Command::FetchPage { view, request, .. } => Action::PageLoaded {
                    view,
                    request,
                    page: history.answer(&request),
                },
                _ => continue,
            };
            pending.extend(app.update(action));
        }
        if fixtures::selected_number(&app) <= total - READ_THROUGH {
            break;
        }
        pending = app.update(Action::Key(crossterm::event::KeyEvent::from(
            KeyCode::PageUp,
        )));
        presses += 1;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map(|l| l[name.len()..].trim().to_owned())
            .unwrap_or_default()
    };
    println!(
        "memory: after reading back through {READ_THROUGH} of {total} archived messages ({presses} Page Up): \
         RSS {}, peak {}; {} messages held",
        field("VmRSS:"),
        field("VmHWM:"),
        app.view().unwrap().store().len()
    );
}

fn main() {
    if let Ok(path) = std::env::var("VOLC_IM_BROWSE_RSS") {
        read_through(Path::new(&path));
        return;
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let big = dir.path().join("1m.sqlite3");
    let small = dir.path().join("1k.sqlite3");
    let started = Instant::now();
    build(&big, 1_000_000);
    build(&small, 1_000);
    println!(
        "built the archives in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let child = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .env("VOLC_IM_BROWSE_RSS", &big)
        .output()
        .expect("the memory run");
    print!("{}", String::from_utf8_lossy(&child.stdout));
    eprint!("{}", String::from_utf8_lossy(&child.stderr));

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut group = c.benchmark_group("browse");
    group.bench_function("first frame, 1M archived", |b| b.iter(|| first_frame(&big)));
    group.bench_function("first frame, 1k archived", |b| {
        b.iter(|| first_frame(&small))
    });
    let (big_app, small_app) = (opened(&big), opened(&small));
    let mut t = terminal();
    group.bench_function("frame, 1M archived", |b| {
        b.iter(|| {
            t.draw(|f| ui::draw(f, black_box(&big_app))).unwrap();
        })
    });
    group.bench_function("frame, 1k archived", |b| {
        b.iter(|| {
            t.draw(|f| ui::draw(f, black_box(&small_app))).unwrap();
        })
    });
    group.finish();
    c.final_summary();

    let [first_big, first_small] = medians([&big, &small], 31, |p| {
        black_box(first_frame(p));
    });
    println!("first frame/1M archived: median {first_big:?}; 1k archived: {first_small:?}");
    let [frame_big, frame_small] = frame_medians([&big_app, &small_app]);
    println!(
        "frame/1M archived: {frame_big:?}; 1k archived: {frame_small:?}; ratio {:.3}",
        frame_big.as_secs_f64() / frame_small.as_secs_f64()
    );
}
