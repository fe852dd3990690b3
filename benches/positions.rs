//! The browser's archive lookups over a generated archive of 1,000,000 messages in
//! 40 conversations (`VOLC_IM_BENCH_MESSAGES` sets another count): the picker's
//! figures (messages archived and the newest's time per conversation) read from the
//! kept figures, against counting the messages as the archive did before; the same
//! after a page arrived; and the jump to a time (`t`), a binary search over the
//! position index. Medians of several runs.

use std::time::{Duration, Instant};

use serde_json::json;
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, PageFetch};
use volc_im::model::{AppId, ConversationId, Cursor, Message};
use volc_im::pager::Direction;

const DEFAULT_MESSAGES: i64 = 1_000_000;
const CONVERSATIONS: i64 = 40;
const APP: AppId = AppId(100001);
/// 2024-01-01T00:00:00Z.
const START_MS: i64 = 1_704_067_200_000;
const PAGE: i64 = 1000;
const RUNS: usize = 9;

fn message(conversation: i64, idx: i64) -> Message {
    Message::from_value(&json!({
        "MessageId": conversation * 10_000_000 + idx,
        "IndexInConversation": idx,
        "CreateTime": START_MS + idx * 60_000,
        "Sender": 1_880_000_000 + idx % 17,
        "MsgType": 10001,
        "Content": json!({"text": format!("message {idx} of {conversation}")}).to_string(),
    }))
}

fn store(archive: &mut Archive, conversation: i64, lo: i64, hi: i64) {
    let c = ConversationId(7_400_000_000_000_000_000 + conversation);
    let fetch = PageFetch::new(APP, c, Direction::NewestFirst, Cursor(hi), Cursor::NEWEST);
    let page = Page {
        has_more: Some(lo > 1),
        new_cursor: Some(Cursor(lo - 1)),
        messages: (lo..=hi).rev().map(|i| message(conversation, i)).collect(),
    };
    archive.store_page(&fetch, &page).expect("stored");
}

fn median_ms(mut run: impl FnMut()) -> f64 {
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            run();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[RUNS / 2].as_secs_f64() * 1000.0
}

fn main() {
    let count: i64 = std::env::var("VOLC_IM_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("positions.sqlite3");
    let mut archive = Archive::open(&path).expect("an archive");
    let per = count / CONVERSATIONS;
    println!("storing {count} messages in {CONVERSATIONS} conversations");
    for c in 0..CONVERSATIONS {
        let mut hi = per;
        while hi > 0 {
            let lo = (hi - PAGE + 1).max(1);
            store(&mut archive, c, lo, hi);
            hi = lo - 1;
        }
    }
    archive.checkpoint().expect("checkpointed");
    // The figures as kept (the first read after storing brings them up to date).
    archive.figures().expect("figures");
    let kept = median_ms(|| {
        archive.figures().expect("figures");
    });
    let listed = median_ms(|| {
        archive.conversations().expect("conversations");
    });
    let counted = {
        let conn = rusqlite::Connection::open(&path).expect("a second connection");
        median_ms(|| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT app_id, conversation_id, count(*), max(create_time)
                     FROM messages GROUP BY app_id, conversation_id",
                )
                .unwrap();
            let n = stmt.query_map([], |_| Ok(())).unwrap().count();
            assert_eq!(n as i64, CONVERSATIONS);
        })
    };
    println!("picker figures, kept: {kept:.3} ms; conversations(): {listed:.3} ms");
    println!(
        "picker figures by counting the messages: {counted:.1} ms (ratio {:.0}×)",
        counted / kept
    );
    // A page arrives between two looks.
    let mut next = per;
    let after_a_page = median_ms(|| {
        let lo = next + 1;
        next += 20;
        store(&mut archive, 0, lo, next);
        archive.figures().expect("figures");
    });
    println!("a page stored, then the figures: {after_a_page:.3} ms");
    let c = ConversationId(7_400_000_000_000_000_000 + CONVERSATIONS / 2);
    let mut k = 0;
    let landing = median_ms(|| {
        k += 1;
        let at = START_MS + (per * k / (RUNS as i64 + 1)) * 60_000 + 30_000;
        let found = archive.first_at_or_after(APP, c, at).expect("a landing");
        assert!(found.is_some());
    });
    println!(
        "first message at or after a time (t), {per} messages in the conversation: {landing:.3} ms"
    );
}
