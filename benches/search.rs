//! The archive's search and store over a generated archive of 1,000,000 messages
//! (`VOLC_IM_BENCH_MESSAGES` sets another count): storing pages with the search
//! index maintained, against the same store without it; size on disk against the
//! messages' JSON; and search medians for words of three or more characters (the
//! trigram index) and of one or two CJK characters (the gram index), against the
//! plain scan the gram index replaces.
//!
//! Messages are built like the demo data: its lines and words in its mix of
//! English, Chinese, emoji and other scripts, 40 conversations over two years.

use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use serde_json::value::RawValue;
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, PageFetch, SearchQuery};
use volc_im::demo::demo_data;
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::paging::Direction;

const DEFAULT_MESSAGES: usize = 1_000_000;
const CONVERSATIONS: i64 = 40;
const PAGE: usize = 20;
const APP: i64 = 100001;
/// 2024-01-01T00:00:00Z.
const START_MS: i64 = 1_704_067_200_000;
const TWO_YEARS_MS: i64 = 2 * 365 * 24 * 3600 * 1000;
/// Runs of each query; its median counts.
const RUNS: usize = 9;
/// One message in this many carries an incident number, a rare word.
const TICKET_EVERY: u64 = 500;

/// Words of three characters or more, from common to absent.
const LONG_QUERIES: &[&str] = &[
    "launch",
    "review",
    "smoke suite",
    "LGTM",
    "landing page",
    "直播间",
    "发布会",
    "🚀🚀",
    "INC-",
    "INC-00c0ff",
    "Émilie ✨",
    "not-in-any-message",
];
/// One or two CJK characters (and emoji), from common to absent.
const SHORT_QUERIES: &[&str] = &[
    "好", "你好", "直播", "截图", "冷", "的", "周末", "群", "🚀", "鼠",
];

fn main() {
    let count = std::env::var("VOLC_IM_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let dir = tempfile::tempdir().expect("a temporary directory");
    println!("generating {count} messages in {CONVERSATIONS} conversations");
    let pages = generate(count);
    let json_bytes: usize = pages
        .iter()
        .flat_map(|(_, p)| &p.messages)
        .map(|m| m.raw_json().len())
        .sum();

    let plain = dir.path().join("plain.sqlite3");
    let indexed = dir.path().join("indexed.sqlite3");
    let plain_rate = store_all(&plain, &pages, false);
    let plain_size = checkpointed_size(&plain);
    let scans: Vec<f64> = SHORT_QUERIES
        .iter()
        .map(|q| {
            let ms = scan_median(&plain, q);
            println!("  scan without the gram index {q:?}: {ms:.2} ms");
            ms
        })
        .collect();
    println!(
        "search, 1-2 CJK characters by scanning the text (no gram index): median {:.2} ms",
        median(&scans)
    );
    // Room on the disk for the second file.
    std::fs::remove_file(&plain).expect("the plain archive goes");
    let indexed_rate = store_all(&indexed, &pages, true);
    let indexed_size = checkpointed_size(&indexed);
    println!(
        "store: {:.0} messages/s with the search index, {:.0} without it (ratio {:.2})",
        indexed_rate,
        plain_rate,
        indexed_rate / plain_rate
    );
    println!(
        "size: {} bytes of JSON; file {} bytes with the index ({:.2}x the JSON, {:.0} bytes a message), {} without ({:.2}x)",
        json_bytes,
        indexed_size,
        indexed_size as f64 / json_bytes as f64,
        indexed_size as f64 / count as f64,
        plain_size,
        plain_size as f64 / json_bytes as f64
    );
    drop(pages);

    let archive = Archive::open(&indexed).expect("the archive opens");
    let long = medians(&archive, LONG_QUERIES);
    let short = medians(&archive, SHORT_QUERIES);
    println!(
        "search, 3+ characters: median {:.2} ms (medians of {} queries)",
        median(&long),
        long.len()
    );
    println!(
        "search, 1-2 CJK characters: median {:.2} ms (medians of {} queries)",
        median(&short),
        short.len()
    );
}

/// The pages of every conversation, newest first, each with the request it answers.
fn generate(count: usize) -> Vec<(PageFetch, Page)> {
    let mut rng = StdRng::seed_from_u64(20250515);
    let lines = demo_lines();
    let words: Vec<String> = lines
        .iter()
        .flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let per = count.div_ceil(CONVERSATIONS as usize);
    let mut pages = Vec::new();
    let mut made = 0;
    let mut ticket: u64 = 0;
    for c in 0..CONVERSATIONS {
        let conversation = 7_400_000_000_000_000_000 + c;
        let n = per.min(count - made);
        made += n;
        let mut time = START_MS + rng.random_range(0..3_600_000);
        let step = TWO_YEARS_MS / n.max(1) as i64;
        let mut messages = Vec::with_capacity(n);
        for i in 0..n {
            time += rng.random_range(1..step.max(2) * 2);
            let mut text = if rng.random::<f64>() < 0.4 {
                lines[rng.random_range(0..lines.len())].clone()
            } else {
                let k = rng.random_range(2..10);
                (0..k)
                    .map(|_| words[rng.random_range(0..words.len())].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            if rng.random_range(0..TICKET_EVERY) == 0 {
                ticket += 1;
                text.push_str(&format!(" INC-{:06x}", ticket * 193));
            }
            let raw = json!({
                "AppId": APP,
                "ConversationShortId": conversation,
                "ConversationType": 2,
                "MessageId": 7_400_000_000_000_000_000 + (c << 32) + i as i64,
                "Sender": 1_880_000_001 + rng.random_range(0..10),
                "MsgType": 10001,
                "Content": json!({ "text": text }).to_string(),
                "CreateTime": time,
                "Status": 0,
                "IndexInConversation": i as i64 + 1,
            });
            let raw = RawValue::from_string(raw.to_string()).expect("JSON");
            messages.push(Message::from_raw(raw));
        }
        messages.reverse();
        let mut cursor = Cursor::NEWEST;
        let chunks: Vec<Vec<Message>> = messages.chunks(PAGE).map(<[Message]>::to_vec).collect();
        let last = chunks.len().saturating_sub(1);
        for (at, chunk) in chunks.into_iter().enumerate() {
            let lowest = chunk
                .last()
                .and_then(|m| m.body.index_in_conversation)
                .unwrap_or(1);
            let fetch = PageFetch::new(
                AppId(APP),
                ConversationId(conversation),
                Direction::NewestFirst,
                cursor,
                Cursor::NEWEST,
            );
            let next = Cursor(lowest - 1);
            pages.push((
                fetch,
                Page {
                    has_more: Some(at < last),
                    new_cursor: Some(next),
                    messages: chunk,
                },
            ));
            cursor = next;
        }
    }
    pages
}

/// The demo data's text lines, without its few very long messages.
fn demo_lines() -> Vec<String> {
    demo_data()
        .conversations()
        .iter()
        .flat_map(|c| c.messages())
        .filter_map(|m| m.decoded_content().text)
        .filter(|t| t.chars().count() <= 200 && !t.contains('\u{1b}'))
        .collect()
}

/// Stores every page (one transaction each, as a sync does); messages a second.
fn store_all(path: &Path, pages: &[(PageFetch, Page)], indexed: bool) -> f64 {
    let mut archive = Archive::open(path).expect("the archive opens");
    if !indexed {
        let conn = rusqlite::Connection::open(path).expect("sqlite");
        conn.execute_batch(
            "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update;
             DROP TRIGGER messages_search_delete;",
        )
        .expect("the triggers go");
    }
    let messages: usize = pages.iter().map(|(_, p)| p.messages.len()).sum();
    let started = Instant::now();
    for (fetch, page) in pages {
        archive.store_page(fetch, page).expect("the page is stored");
    }
    // The store indexes in batches; the last batch is indexed by the first search.
    let first = SearchQuery {
        words: vec!["x".to_owned()],
        limit: 1,
        ..SearchQuery::default()
    };
    archive.search(&first).expect("the search runs");
    let took = started.elapsed();
    messages as f64 / took.as_secs_f64()
}

fn checkpointed_size(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    drop(conn);
    std::fs::metadata(path).expect("the file").len()
}

/// Each query's median time for the first 50 hits, printed with its hit count.
fn medians(archive: &Archive, queries: &[&str]) -> Vec<f64> {
    queries
        .iter()
        .map(|q| {
            let query = SearchQuery {
                words: SearchQuery::words_of(q),
                limit: 50,
                ..SearchQuery::default()
            };
            let mut hits = 0;
            let mut times = Vec::new();
            for _ in 0..RUNS {
                let started = Instant::now();
                hits = archive.search(&query).expect("the search runs").len();
                times.push(ms(started.elapsed()));
            }
            let m = median(&times);
            println!("  {q:?} ({:?}): {hits} hits, {m:.2} ms", query.plan());
            m
        })
        .collect()
}

/// A scan of the text for one short word, newest first, first 50: what a search
/// without the gram index does.
fn scan_median(path: &Path, word: &str) -> f64 {
    let conn = rusqlite::Connection::open(path).expect("sqlite");
    let mut stmt = conn
        .prepare(
            "SELECT id, raw FROM messages WHERE instr(text, ?1) > 0
             ORDER BY create_time DESC LIMIT 50",
        )
        .expect("the scan");
    let mut times = Vec::new();
    for _ in 0..RUNS.min(3) {
        let started = Instant::now();
        let n = stmt
            .query_map([word], |r| r.get::<_, i64>(0))
            .expect("rows")
            .count();
        std::hint::black_box(n);
        times.push(ms(started.elapsed()));
    }
    median(&times)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
