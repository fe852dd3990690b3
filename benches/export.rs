//! Export throughput, printed as figures (medians of several runs):
//!
//! 1. Against the in-process demo server with no latency and the default limit
//!    (100 requests a second, on the client and on the server): pages per second,
//!    and the server's busiest one-second window.
//! 2. The same with the limit lifted on both sides: pages per second and process CPU
//!    time per page (client and in-process server together).
//! 3. The export engine alone, on an in-memory page source: pages per second and CPU
//!    time per page, per format (paging, de-duplication, formatting, writing).
//!
//! Run with `cargo bench --bench export`.

use std::io;
use std::time::{Duration, Instant};

use volc_im::api::ApiError;
use volc_im::api::client::{Client, ClientSettings};
use volc_im::api::wire::Page;
use volc_im::demo::{
    DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
    demo_data,
};
use volc_im::export::{ConversationTarget, ExportOptions, ExportSummary, Format, Output, export};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::paging::{Direction, PageRequest};
use volc_im::source::Source;

/// Runs per measurement; the median is reported.
const RUNS: usize = 7;
/// The documented limit, and the demo server's and the client's default.
const LIMIT_QPS: u32 = 100;
/// "No limit" for the client: far above what one machine can send.
const UNLIMITED_QPS: u32 = 1_000_000;

/// Every demo conversation, newest first (the live group reads no other way).
fn demo_targets() -> Vec<ConversationTarget> {
    [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE]
        .into_iter()
        .map(|c| ConversationTarget::by_id(AppId(DEMO_APP_ID), ConversationId(c)))
        .collect()
}

fn options(format: Format) -> ExportOptions {
    ExportOptions {
        format,
        direction: Direction::NewestFirst,
        ..ExportOptions::default()
    }
}

/// User plus system CPU time of this process so far.
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

/// One measurement: `exports` whole exports back to back.
struct Measured {
    pages: u64,
    wall: Duration,
    cpu: Duration,
}

impl Measured {
    fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_page(&self) -> Duration {
        self.cpu / self.pages.max(1) as u32
    }
}

async fn measure<S: Source>(source: &S, format: Format, exports: usize) -> Measured {
    let targets = demo_targets();
    let (wall_start, cpu_start) = (Instant::now(), cpu_time());
    let mut pages = 0;
    for _ in 0..exports {
        let summary: ExportSummary = export(
            source,
            &targets,
            &options(format),
            Output::writer("sink", io::sink()),
            std::future::pending(),
        )
        .await
        .unwrap_or_else(|failure| panic!("export failed: {failure}"));
        pages += summary.pages();
    }
    Measured {
        pages,
        wall: wall_start.elapsed(),
        cpu: cpu_time() - cpu_start,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn client(server: &DemoServer, max_qps: u32) -> Client {
    let mut settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    settings.max_qps = max_qps;
    Client::new(settings, demo_credentials()).unwrap()
}

async fn rate_limited() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    assert_eq!(server.options().max_qps, LIMIT_QPS);
    let client = client(&server, LIMIT_QPS);
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        // Four exports of every demo conversation: 196 pages, about two seconds.
        rates.push(measure(&client, Format::Jsonl, 4).await.pages_per_second());
    }
    let stats = server.stats();
    let rate = median(rates.clone());
    let baseline = median({
        let mut rates = Vec::new();
        for _ in 0..RUNS {
            rates.push(client_alone(&client, 196).await);
        }
        rates
    });
    println!("limited to {LIMIT_QPS} requests/s (client and server), no latency, jsonl:");
    println!(
        "  pages/s, median of {RUNS}: {rate:.1}   (runs: {})",
        list(&rates)
    );
    println!(
        "  server: {} requests, busiest 1-second window {} (limit {LIMIT_QPS}), {} refused as over the limit; client retries {}",
        stats.total_requests,
        stats.max_accepted_in_window,
        stats.qps_rejected,
        client.stats().retries
    );
    println!(
        "  baseline, the client alone fetching 196 pages one after another: {baseline:.1} pages/s"
    );
    let ok = rate >= 97.0 && stats.max_accepted_in_window <= LIMIT_QPS && stats.qps_rejected == 0;
    println!(
        "  target >= 97 pages/s with no window over the limit: {}",
        if ok { "met" } else { "MISSED" }
    );
}

/// Pages per second of the client alone: `pages` fetches in a row, no export.
async fn client_alone(client: &Client, pages: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..pages {
        let req = PageRequest {
            seq: 0,
            cursor: Cursor::NEWEST,
            reverse: 1,
            limit: 20,
        };
        client
            .fetch_page(AppId(DEMO_APP_ID), ConversationId(DEMO_GROUP), &req)
            .await
            .expect("a page");
    }
    pages as f64 / start.elapsed().as_secs_f64()
}

async fn unlimited() {
    let server = DemoServer::start(DemoOptions {
        max_qps: 0,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let client = client(&server, UNLIMITED_QPS);
    println!("limit lifted (server unlimited, client {UNLIMITED_QPS}/s), no latency:");
    for format in [Format::Jsonl, Format::Markdown] {
        measure(&client, format, 2).await; // warm-up: connections, caches
        let runs: Vec<Measured> = futures_runs(&client, format).await;
        report(format, &runs);
    }
}

async fn futures_runs<S: Source>(source: &S, format: Format) -> Vec<Measured> {
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(measure(source, format, 20).await);
    }
    runs
}

fn report(format: Format, runs: &[Measured]) {
    let rates: Vec<f64> = runs.iter().map(Measured::pages_per_second).collect();
    let cpu: Vec<f64> = runs
        .iter()
        .map(|m| m.cpu_per_page().as_secs_f64() * 1e6)
        .collect();
    println!(
        "  {format:<8} pages/s {:>9.1}   CPU µs/page {:>7.1}   (runs: {} pages/s; {} µs)",
        median(rates.clone()),
        median(cpu.clone()),
        list(&rates),
        list(&cpu)
    );
}

fn list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The demo conversations served from memory, paged as the service pages: the
/// export engine's own cost, without HTTP, signing or JSON parsing.
#[derive(Clone)]
struct InMemory {
    conversations: std::sync::Arc<Vec<(ConversationId, Vec<Message>)>>,
}

impl InMemory {
    fn new() -> Self {
        let data = demo_data();
        let conversations = data
            .conversations()
            .iter()
            .map(|c| (c.id(), c.messages()))
            .collect();
        InMemory {
            conversations: std::sync::Arc::new(conversations),
        }
    }
}

impl Source for InMemory {
    async fn fetch_page(
        &self,
        _app: AppId,
        conversation: ConversationId,
        req: PageRequest,
    ) -> Result<Page, ApiError> {
        let (_, all) = self
            .conversations
            .iter()
            .find(|(id, _)| *id == conversation)
            .expect("a demo conversation");
        // Newest first: the cursor is the index of the first message wanted.
        let end =
            all.partition_point(|m| m.body.index_in_conversation.unwrap_or(0) <= req.cursor.0);
        let start = end.saturating_sub(req.limit as usize);
        let messages: Vec<Message> = all[start..end].iter().rev().cloned().collect();
        let next = messages
            .last()
            .and_then(|m| m.body.index_in_conversation)
            .map_or(req.cursor.0, |i| i - 1);
        Ok(Page {
            has_more: Some(start > 0),
            new_cursor: Some(Cursor(next)),
            messages,
        })
    }
}

async fn engine_only() {
    let source = InMemory::new();
    println!("export engine alone (in-memory page source):");
    for format in Format::ALL {
        measure(&source, format, 5).await;
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            runs.push(measure(&source, format, 200).await);
        }
        report(format, &runs);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: both run it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        rate_limited().await;
        unlimited().await;
        engine_only().await;
    });
}
