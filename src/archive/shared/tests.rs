use std::sync::atomic::{AtomicUsize, Ordering};

use futures::FutureExt;
use serde_json::json;

use super::*;
use crate::model::Cursor;
use crate::paging::Direction;

const APP: AppId = AppId(1);
const CONVERSATION: ConversationId = ConversationId(2);

/// Page `n` of a newest-first walk from the newest message: messages
/// `100 - 10n` down to `91 - 10n`, continued at the cursor of the oldest.
fn page(n: i64) -> (PageFetch, Page) {
    let newest = 100 - 10 * n;
    let messages = (0..10)
        .map(|i| {
            let idx = newest - i;
            Message::from_value(&json!({
                "MessageId": 1000 + idx,
                "IndexInConversation": idx,
                "CreateTime": idx * 1000,
                "Content": format!("message {idx}"),
            }))
        })
        .collect();
    let cursor = if n == 0 {
        Cursor::NEWEST
    } else {
        Cursor(newest + 1)
    };
    let fetch = PageFetch::new(
        APP,
        CONVERSATION,
        Direction::NewestFirst,
        cursor,
        Cursor::NEWEST,
    );
    let page = Page {
        has_more: Some(true),
        new_cursor: Some(Cursor(newest - 9)),
        messages,
    };
    (fetch, page)
}

/// Page `n` as [`page`] makes it, each message carrying `pad` bytes more text.
fn heavy_page(n: i64, pad: usize) -> (PageFetch, Page) {
    let (fetch, mut page) = page(n);
    page.messages = page
        .messages
        .iter()
        .map(|m| {
            let idx = m.body.index_in_conversation.unwrap();
            Message::from_value(&json!({
                "MessageId": 1000 + idx,
                "IndexInConversation": idx,
                "CreateTime": idx * 1000,
                "Content": format!("message {idx} {}", "x".repeat(pad)),
            }))
        })
        .collect();
    (fetch, page)
}

/// Waits (bounded) until the writer has taken every page handed over.
fn until_taken(archive: &SharedArchive) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !lock(&archive.shared.queue).pages.is_empty() {
        assert!(Instant::now() < deadline, "the writer never took the pages");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Counts the commits of `archive`'s connection from now on.
fn count_commits(archive: &SharedArchive) -> Arc<AtomicUsize> {
    let commits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&commits);
    let _previous = archive.lock().conn.commit_hook(Some(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        false
    }));
    commits
}

fn open(dir: &tempfile::TempDir) -> SharedArchive {
    open_timed(dir, LINGER, STEP_WINDOW)
}

/// [`open`], with the writer's linger and step window set.
fn open_timed(dir: &tempfile::TempDir, linger: Duration, step_window: Duration) -> SharedArchive {
    SharedArchive::with_timing(
        Archive::open(&dir.path().join("a.sqlite3")).unwrap(),
        linger,
        step_window,
    )
}

fn indexes(archive: &Archive) -> Vec<i64> {
    archive
        .messages(APP, CONVERSATION)
        .unwrap()
        .iter()
        .filter_map(|m| m.message.body.index_in_conversation)
        .collect()
}

#[tokio::test]
async fn a_read_sees_every_page_handed_over_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    for n in 0..3 {
        let (fetch, page) = page(n);
        archive.keep_page(fetch, page).await;
    }
    assert_eq!(indexes(&archive.lock()), (71..=100).collect::<Vec<_>>());
    let (fetch, page) = page(3);
    archive.keep_page(fetch, page).await;
    let coverage = archive
        .with(|a| a.coverage(APP, CONVERSATION))
        .await
        .unwrap();
    assert_eq!(coverage.len(), 1, "one chain: {coverage:?}");
    assert_eq!(
        (coverage[0].lo_idx, coverage[0].hi_idx),
        (Some(61), Some(100))
    );
    assert_eq!(archive.failure(), None);
}

#[tokio::test]
async fn pages_waiting_together_are_written_in_one_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    let commits = Arc::new(AtomicUsize::new(0));
    {
        // Held while the pages are handed over, so none can be written yet.
        let mut held = archive.lock();
        let counter = Arc::clone(&commits);
        let _none_before = held.conn.commit_hook(Some(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            false
        }));
        for n in 0..5 {
            let (fetch, page) = page(n);
            archive
                .keep_page(fetch, page)
                .now_or_never()
                .expect("a hand-off does not wait for the archive");
        }
    }
    assert_eq!(indexes(&archive.lock()).len(), 50);
    assert_eq!(commits.load(Ordering::SeqCst), 1);
    let coverage = archive.lock().coverage(APP, CONVERSATION).unwrap();
    assert_eq!(coverage.len(), 1, "the five pages chain: {coverage:?}");
}

#[tokio::test]
async fn pages_handed_over_are_written_when_the_last_handle_goes() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    let other = archive.clone();
    for n in 0..4 {
        let (fetch, page) = page(n);
        other.keep_page(fetch, page).await;
    }
    drop(other);
    drop(archive);
    let reopened = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    assert_eq!(indexes(&reopened), (61..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn without_its_writer_a_page_is_written_as_it_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    archive.writer.start();
    lock(&archive.shared.queue).closed = true;
    archive.shared.wake.notify_all();
    let deadline = Instant::now() + Duration::from_secs(10);
    while archive.writer.writes() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(!archive.writer.writes(), "the writer ends once closed");
    let (fetch, page) = page(0);
    archive.keep_page(fetch, page).await;
    // Read past the flush: the page is there without it.
    let held = indexes(&lock(&archive.shared.archive));
    assert_eq!(held, (91..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_page_that_fails_is_counted_and_the_pages_around_it_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    {
        let held = archive.lock();
        held.conn
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON messages
                 WHEN NEW.idx = 85 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        for n in 0..3 {
            let (fetch, page) = page(n);
            archive
                .keep_page(fetch, page)
                .now_or_never()
                .expect("a hand-off does not wait for the archive");
        }
    }
    let (first, count) = archive.failure().expect("the second page failed");
    assert_eq!(count, 1);
    assert!(first.contains("refused"), "{first}");
    let held: Vec<i64> = indexes(&archive.lock());
    let expected: Vec<i64> = (71..=80).chain(91..=100).collect();
    assert_eq!(held, expected, "the failed page is rolled back whole");
}

#[tokio::test]
async fn a_lone_page_is_written_as_the_command_ends_without_a_thread() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    let (fetch, page) = page(0);
    archive.keep_page(fetch, page).await;
    assert!(!archive.writer.started(), "one page starts no thread");
    drop(archive);
    let reopened = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
    assert_eq!(indexes(&reopened), (91..=100).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_second_page_starts_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open(&dir);
    let (fetch, first) = page(0);
    archive.keep_page(fetch, first).await;
    assert!(!archive.writer.started());
    let (fetch, second) = page(1);
    archive.keep_page(fetch, second).await;
    assert!(archive.writer.started());
    until_taken(&archive);
}

#[tokio::test]
async fn a_lone_page_lands_within_the_linger_while_the_command_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite3");
    let archive = open_timed(&dir, Duration::from_millis(50), STEP_WINDOW);
    let (fetch, page) = page(0);
    archive.keep_page(fetch, page).await;
    // Read through a connection of its own, which writes nothing of this
    // archive's queue: the page is there once the writer committed it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen = indexes(&Archive::open_read_only(&path).unwrap());
        if seen == (91..=100).collect::<Vec<_>>() {
            break;
        }
        assert!(Instant::now() < deadline, "the page never landed: {seen:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(archive.writer.started());
}

#[tokio::test]
async fn pages_arriving_fast_are_stored_as_they_come_and_committed_once() {
    let dir = tempfile::tempdir().unwrap();
    let long = Duration::from_secs(600);
    let archive = open_timed(&dir, long, long);
    let commits = count_commits(&archive);
    for n in 0..4 {
        // Each page weighs more than a step; the second starts the writer.
        let (fetch, page) = heavy_page(n, STEP_BYTES / 8);
        archive.keep_page(fetch, page).await;
        if n > 0 {
            until_taken(&archive);
        }
    }
    assert_eq!(
        commits.load(Ordering::SeqCst),
        0,
        "stored within the batch, which is still open"
    );
    assert_eq!(indexes(&archive.lock()).len(), 40);
    assert_eq!(
        commits.load(Ordering::SeqCst),
        1,
        "one commit for the batch"
    );
}

#[tokio::test]
async fn pages_arriving_slowly_wait_for_the_linger() {
    let dir = tempfile::tempdir().unwrap();
    let archive = open_timed(&dir, Duration::from_secs(600), Duration::ZERO);
    let (fetch, first) = heavy_page(0, STEP_BYTES / 8);
    archive.keep_page(fetch, first).await;
    let (fetch, second) = heavy_page(1, STEP_BYTES / 8);
    archive.keep_page(fetch, second).await;
    // The writer took the first page at once (or both); a page that arrives
    // after the step's window no longer wakes it.
    until_taken(&archive);
    let deadline = Instant::now() + Duration::from_secs(20);
    while lock(&archive.shared.queue).stepping.is_none() {
        assert!(
            Instant::now() < deadline,
            "the writer never waited for a step"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let (fetch, third) = heavy_page(2, STEP_BYTES / 8);
    archive.keep_page(fetch, third).await;
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        lock(&archive.shared.queue).pages.len(),
        1,
        "left for the linger"
    );
    assert_eq!(indexes(&archive.lock()).len(), 30, "a read still sees it");
}
