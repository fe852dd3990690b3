//! What drawing costs: one 200×60 frame with 1,000 and with 1,000,000 messages
//! loaded (the cost must follow what is visible, not what is loaded), a frame whose
//! selected message is 1 MB, and the memory each loaded message takes.
//!
//! Memory is counted by a global allocator that tracks the bytes requested and
//! freed (`Layout::size`); the allocator's own per-block overhead is not included.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use volc_im::demo::{DEMO_GROUP, demo_data};
use volc_im::model::{ConversationId, Message};
use volc_im::tui::fixtures::{self, BASE_MS};
use volc_im::tui::{App, ui};

struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter
// is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const W: u16 = 200;
const H: u16 = 60;

/// Realistic messages: the demo group's, cycled, each with its own id and index.
fn demo_like_json(n: usize) -> Vec<String> {
    let conv = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .expect("the demo group");
    let raws = conv.raw_messages();
    (0..n)
        .map(|i| {
            let mut v: Value = serde_json::from_str(raws[i % raws.len()]).unwrap();
            v["MessageId"] = json!(7_100_000_000_000_000_000i64 + i as i64);
            v["IndexInConversation"] = json!(i);
            v["CreateTime"] = json!(BASE_MS + i as i64 * 45_000);
            v.to_string()
        })
        .collect()
}

fn fixture_json(n: usize) -> Vec<String> {
    (1..=n as i64)
        .map(|i| fixtures::message_json(i).to_string())
        .collect()
}

fn parse(json: Vec<String>) -> Vec<Message> {
    json.into_iter()
        .map(|s| Message::from_raw(serde_json::value::RawValue::from_string(s).unwrap()))
        .collect()
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(W, H)).unwrap()
}

fn frame(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal.draw(|f| ui::draw(f, black_box(app))).unwrap();
}

/// Time of one frame for each app: the best of several rounds of many frames, the
/// apps measured in turn within each round so that they share the machine's moods.
fn time_frames(apps: &[&App]) -> Vec<Duration> {
    let mut terminals: Vec<_> = apps.iter().map(|_| terminal()).collect();
    for (t, app) in terminals.iter_mut().zip(apps) {
        for _ in 0..200 {
            frame(t, app);
        }
    }
    let mut best = vec![Duration::MAX; apps.len()];
    let per_round = 500;
    for _ in 0..15 {
        for (i, (t, app)) in terminals.iter_mut().zip(apps).enumerate() {
            let start = Instant::now();
            for _ in 0..per_round {
                frame(t, app);
            }
            best[i] = best[i].min(start.elapsed() / per_round);
        }
    }
    best
}

/// Bytes held per loaded message, against the size of its JSON: in all, and the part
/// that is the parsed message itself (the model: raw JSON kept plus typed view).
fn memory_per_message(label: &str, make: fn(usize) -> Vec<String>, n: usize) {
    let base = LIVE_BYTES.load(Ordering::SeqCst);
    let json = make(n);
    let json_bytes: usize = json.iter().map(String::len).sum();
    let messages = parse(json);
    let parsed = LIVE_BYTES.load(Ordering::SeqCst);
    let app = fixtures::app_showing(messages, true, W, H);
    let loaded = LIVE_BYTES.load(Ordering::SeqCst);
    assert_eq!(app.view().unwrap().store().len(), n);
    let per = |bytes: isize| bytes as f64 / n as f64;
    let json_per = json_bytes as f64 / n as f64;
    let total = per(loaded - base);
    println!(
        "memory/{label}: {n} messages loaded: {total:.0} bytes each = {:.2}x its JSON ({json_per:.0} bytes); \
         the parsed message {:.0}, the browser's own (row data, indexes, pager) {:.0}",
        total / json_per,
        per(parsed - base),
        per(loaded - parsed),
    );
    drop(app);
}

fn main() {
    let small = fixtures::app_showing(parse(demo_like_json(1_000)), true, W, H);
    let big = fixtures::app_showing(parse(demo_like_json(1_000_000)), true, W, H);
    // The same text at two sizes: both fill the detail pane, so what differs is only
    // how much of it lies beyond the screen.
    let with_long_message = |bytes: usize| {
        let mut messages = parse(demo_like_json(999));
        let text = "lorem ipsum 你好 ".repeat(bytes / 18);
        messages.push(fixtures::message_from(json!({
            "MessageId": 1, "Sender": 1880000001, "MsgType": 10001, "IndexInConversation": 5_000,
            "CreateTime": BASE_MS + 999 * 45_000, "Content": json!({"text": text}).to_string(),
        })));
        let app = fixtures::app_showing(messages, true, W, H);
        let selected = app.view().unwrap().selected().unwrap();
        assert!(selected.message.raw_json().len() >= bytes * 9 / 10);
        app
    };
    let huge = with_long_message(1024 * 1024);
    let medium = with_long_message(5 * 1024);

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut group = c.benchmark_group("frame 200x60");
    for (name, app) in [
        ("1k loaded", &small),
        ("1M loaded", &big),
        ("1MB message selected", &huge),
        ("5KB message selected", &medium),
    ] {
        let mut t = terminal();
        group.bench_function(name, |b| b.iter(|| frame(&mut t, app)));
    }
    group.finish();
    c.final_summary();

    let t = time_frames(&[&small, &big, &huge, &medium]);
    println!("frame/1k loaded: {:?}", t[0]);
    println!("frame/1M loaded: {:?}", t[1]);
    println!("frame/1MB message selected: {:?}", t[2]);
    println!("frame/5KB message selected: {:?}", t[3]);
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "ratio 1M/1k loaded: {:.3}; 1MB/5KB message selected: {:.3}",
        ratio(t[1], t[0]),
        ratio(t[2], t[3])
    );
    // Selecting the 1 MB message lays out its detail document once, in update.
    let mut app = huge;
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        app.update(fixtures::key('k'));
        app.update(fixtures::key('j'));
    }
    println!(
        "moving off and back onto the 1MB message: {:?} per pair of moves",
        start.elapsed() / rounds
    );
    drop((small, big, app, medium));

    println!(
        "memory/inline: a loaded message's slot is {} bytes (of which the message {})",
        std::mem::size_of::<volc_im::tui::store::Entry>(),
        std::mem::size_of::<Message>()
    );
    memory_per_message("demo", demo_like_json, 100_000);
    memory_per_message("fixture", fixture_json, 100_000);
}
