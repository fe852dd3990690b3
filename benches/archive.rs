//! The archive's figures, printed (medians of several runs):
//!
//! 1. Storing pages, no network: messages per second into an archive on disk, each
//!    page in its own transaction with its coverage, as a sync stores them.
//! 2. Size on disk per message against its JSON, for demo-like messages.
//! 3. `sync` of every demo conversation through the real client into the in-process
//!    demo server, both at the documented 100 requests a second: pages per second,
//!    and the server's busiest one-second window.
//!
//! Run with `cargo bench --bench archive`.

use std::time::{Duration, Instant};

use serde_json::Value;
use volc_im::api::client::{Client, ClientSettings};
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, PageFetch, SharedArchive};
use volc_im::demo::{
    DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
    demo_data,
};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::paging::Direction;
use volc_im::sync::{SyncOptions, SyncTarget, sync_conversation};

/// Runs per measurement; the median is reported.
const RUNS: usize = 7;
/// Messages stored per run of the store bench.
const STORE_MESSAGES: usize = 50_000;
/// Messages in the archive whose size is measured.
const SIZE_MESSAGES: usize = 100_000;
const PAGE: usize = 20;
const LIMIT_QPS: u32 = 100;

/// Demo-like messages, as many as asked: the demo group's, over and over, each with
/// a fresh `MessageId` and `IndexInConversation`, and its text varied.
fn messages(n: usize, first_index: i64) -> Vec<Message> {
    let templates: Vec<Value> = demo_data()
        .conversation(ConversationId(DEMO_GROUP))
        .unwrap()
        .raw_messages()
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    (0..n)
        .map(|i| {
            let mut v = templates[i % templates.len()].clone();
            let index = first_index + i as i64;
            v["MessageId"] = Value::from(7_400_000_000_000_000_000i64 + index);
            v["IndexInConversation"] = Value::from(index);
            if let Some(Value::String(content)) = v.get_mut("Content") {
                content.push_str(&format!(" #{index}"));
            }
            Message::from_value(&v)
        })
        .collect()
}

/// Pages newest-first, as a walk from the newest message would receive them.
fn pages(n: usize) -> Vec<(PageFetch, Page)> {
    let all = messages(n, 1);
    let chunks: Vec<&[Message]> = all.chunks(PAGE).collect();
    let count = chunks.len();
    let mut out = Vec::with_capacity(count);
    let mut cursor = Cursor::NEWEST;
    for (i, chunk) in chunks.into_iter().rev().enumerate() {
        let lowest = chunk[0].body.index_in_conversation.unwrap();
        let next = (i + 1 < count).then_some(Cursor(lowest - 1));
        let fetch = PageFetch::new(
            AppId(DEMO_APP_ID),
            ConversationId(DEMO_GROUP),
            Direction::NewestFirst,
            cursor,
            Cursor::NEWEST,
        );
        let page = Page {
            has_more: Some(next.is_some()),
            new_cursor: next,
            messages: chunk.iter().rev().cloned().collect(),
        };
        out.push((fetch, page));
        if let Some(next) = next {
            cursor = next;
        }
    }
    out
}

/// CPU time of the whole process so far (user and system).
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes into the struct it is given.
    let usage = unsafe {
        let mut usage = std::mem::zeroed::<libc::rusage>();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Messages stored a second: by the clock (median, lowest, highest) and by CPU time
/// (median), which a busy shared machine disturbs less.
fn store_rate(search_index: bool) -> (f64, f64, f64, f64) {
    let pages = pages(STORE_MESSAGES);
    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = fresh_archive(&dir.path().join("bench.sqlite3"), search_index);
        let (started, cpu) = (Instant::now(), cpu_time());
        for (fetch, page) in &pages {
            archive.store_page(fetch, page).unwrap();
        }
        rates.push(STORE_MESSAGES as f64 / started.elapsed().as_secs_f64());
        cpu_rates.push(STORE_MESSAGES as f64 / (cpu_time() - cpu).as_secs_f64());
    }
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    (median(rates), lo, hi, median(cpu_rates))
}

/// A new archive; without `search_index`, the triggers that keep the search index
/// are dropped, to see what the index costs.
fn fresh_archive(path: &std::path::Path, search_index: bool) -> Archive {
    let archive = Archive::open(path).unwrap();
    if !search_index {
        let conn = rusqlite::Connection::open(path).unwrap();
        for t in ["insert", "update", "delete"] {
            conn.execute_batch(&format!("DROP TRIGGER messages_search_{t}"))
                .unwrap();
        }
    }
    archive
}

fn size_ratio(search_index: bool) -> (f64, u64, u64) {
    let pages = pages(SIZE_MESSAGES);
    let json: u64 = pages
        .iter()
        .flat_map(|(_, p)| &p.messages)
        .map(|m| m.raw_json().len() as u64)
        .sum();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("size.sqlite3");
    let mut archive = fresh_archive(&path, search_index);
    for (fetch, page) in &pages {
        archive.store_page(fetch, page).unwrap();
    }
    archive.checkpoint().unwrap();
    let file = std::fs::metadata(&path).unwrap().len();
    (file as f64 / json as f64, file, json)
}

async fn sync_at_limit() -> (f64, f64, f64, u32, u64) {
    let server = DemoServer::start(DemoOptions {
        max_qps: LIMIT_QPS,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let mut settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    settings.max_qps = LIMIT_QPS;
    let client = Client::new(settings, demo_credentials()).unwrap();
    let targets: Vec<SyncTarget> = [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE]
        .into_iter()
        .map(|c| SyncTarget {
            label: c.to_string(),
            app: AppId(DEMO_APP_ID),
            conversation: ConversationId(c),
            live: c == DEMO_LIVE,
        })
        .collect();
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().unwrap();
        let archive = SharedArchive::new(Archive::open(&dir.path().join("s.sqlite3")).unwrap());
        let started = Instant::now();
        let runs = targets.iter().map(|t| {
            let (client, archive) = (&client, &archive);
            async move {
                sync_conversation(client, archive, t, &SyncOptions::default(), |_| {})
                    .await
                    .map_err(|(e, _)| e)
                    .unwrap()
            }
        });
        let tallies = futures::future::join_all(runs).await;
        let pages: u64 = tallies.iter().map(|t| t.pages).sum();
        rates.push(pages as f64 / started.elapsed().as_secs_f64());
    }
    let stats = server.stats();
    let lo = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = rates.iter().copied().fold(0.0, f64::max);
    (
        median(rates),
        lo,
        hi,
        stats.max_accepted_in_window,
        stats.qps_rejected,
    )
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    for (search_index, label) in [
        (true, "with the search index"),
        (false, "without the search index"),
    ] {
        let (rate, lo, hi, cpu_rate) = store_rate(search_index);
        println!(
            "store, {label}: {rate:.0} messages/s ({RUNS} runs of {STORE_MESSAGES}: {lo:.0}-{hi:.0}), {cpu_rate:.0} messages per CPU-second; one transaction per page of {PAGE} with its coverage"
        );
        let (ratio, file, json) = size_ratio(search_index);
        println!(
            "size, {label}: {ratio:.2}x the JSON ({file} bytes on disk for {json} bytes of JSON, {SIZE_MESSAGES} messages, {:.0} bytes a message)",
            file as f64 / SIZE_MESSAGES as f64
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (rate, lo, hi, window, refused) = runtime.block_on(sync_at_limit());
    println!(
        "sync at {LIMIT_QPS} QPS: {rate:.1} pages/s ({RUNS} runs: {lo:.1}-{hi:.1}); busiest 1-second window at the server: {window}, {refused} refused"
    );
}
