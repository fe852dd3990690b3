//! The archive shared by the tasks of one command. Pages are handed to a writer
//! thread of its own, which stores them in a transaction it keeps open for a batch
//! (the pages of up to [`LINGER`]), so a fast walk costs one commit per batch, with
//! its pages stored beside the walk, and a slow one one wake-up per batch, not one
//! blocking call per page; every read through [`SharedArchive::with`] or
//! [`SharedArchive::lock`] first writes and commits whatever was handed over before
//! it. A failure is kept so the command can report it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::{Archive, ArchiveError, PageFetch, PageStored};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, ConversationInfo, Cursor, Message, User};
use crate::pager::{Direction, PageRequest};

/// How long the writer waits for more pages after the first of a batch: pages
/// fetched within it share one transaction. A read, or the end of the command,
/// writes them at once.
const LINGER: Duration = Duration::from_millis(200);
/// A batch of this many bytes of pages (by [`page_weight`]) is committed without
/// waiting out the linger.
const BATCH_BYTES: usize = 512 * 1024;
/// Within a batch, the writer stores pages once this many bytes of them wait (and
/// at the linger's end), so that a fast walk's pages are stored while the walk
/// goes on, not all after it, while a slow walk still costs one wake-up per
/// several pages.
const STEP_BYTES: usize = 64 * 1024;
/// A step is taken only when its bytes came within this long: pages arriving
/// more slowly (a walk at the rate limit, or on a slow network) wait for the
/// linger's end instead, so that each wake-up of the writer stores many pages.
const STEP_WINDOW: Duration = Duration::from_millis(20);
/// At most this many bytes of pages wait for the writer: past it, handing a page
/// over waits (a page bigger than this still goes, alone).
const ROOM_BYTES: usize = 4 * 1024 * 1024;
/// What a page is counted as besides its messages: the page and its vector.
const PAGE_OVERHEAD: usize = 256;

/// An [`Archive`] for several tasks. Cheap to clone.
///
/// Pages handed over with [`SharedArchive::keep_page`] are written before any later
/// read through this archive, before [`SharedArchive::failure`] answers, and when
/// the last clone is dropped, at the latest [`LINGER`] after they were handed over.
#[derive(Clone)]
pub struct SharedArchive {
    shared: Arc<Shared>,
    writer: Arc<Writer>,
}

impl std::fmt::Debug for SharedArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedArchive")
            .field("archive", &self.shared.archive)
            .finish_non_exhaustive()
    }
}

struct Shared {
    archive: Mutex<Archive>,
    queue: Mutex<Queue>,
    /// Wakes the writer: a first page, a full batch, or the end.
    wake: Condvar,
    /// Bytes of room for pages waiting; taken by a hand-off, given back once written.
    room: Semaphore,
    first_failure: Mutex<Option<(String, u64)>>,
    /// [`LINGER`] and [`STEP_WINDOW`], but in tests.
    linger: Duration,
    step_window: Duration,
}

/// Pages handed over and not yet written.
#[derive(Default)]
struct Queue {
    pages: Vec<(PageFetch, Page)>,
    /// Their weight, as taken from `room`.
    bytes: usize,
    /// The writer waits for a first page: the next hand-off must wake it (and only
    /// that one, so that a batch costs one wake-up).
    idle: bool,
    /// The writer has a batch open and waits for [`STEP_BYTES`] more, since this
    /// instant.
    stepping: Option<Instant>,
    /// The last handle is gone: the writer writes what is left and ends.
    closed: bool,
}

/// The writer thread, started with the second page handed over (or [`LINGER`]
/// after the first), and ended (after writing what is left) with the last clone:
/// a command that hands over one page and ends writes it as it ends, without a
/// thread.
struct Writer {
    shared: Arc<Shared>,
    thread: Mutex<Thread>,
    /// A start after [`LINGER`] is scheduled.
    timed: std::sync::atomic::AtomicBool,
}

enum Thread {
    NotYet,
    Running(JoinHandle<()>),
    /// It could not be started: each page is written as it is kept.
    Unavailable,
}

impl Writer {
    /// Starts the thread unless it runs (or could not start).
    fn start(&self) {
        let mut thread = lock(&self.thread);
        if !matches!(*thread, Thread::NotYet) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        *thread = match std::thread::Builder::new()
            .name("archive-writer".into())
            .spawn(move || write_batches(&shared))
        {
            Ok(handle) => Thread::Running(handle),
            Err(e) => {
                tracing::warn!("no archive writer thread ({e}): each page is written as kept");
                Thread::Unavailable
            }
        };
    }

    /// Whether pages handed over will be written by the thread (now or once it
    /// starts): not when it could not start, nor once it has ended (a panic).
    fn writes(&self) -> bool {
        match &*lock(&self.thread) {
            Thread::NotYet => true,
            Thread::Running(handle) => !handle.is_finished(),
            Thread::Unavailable => false,
        }
    }

    fn started(&self) -> bool {
        !matches!(*lock(&self.thread), Thread::NotYet)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        lock(&self.shared.queue).closed = true;
        self.shared.wake.notify_all();
        let thread = std::mem::replace(&mut *lock(&self.thread), Thread::Unavailable);
        if let Thread::Running(handle) = thread {
            // The thread writes whatever is queued before it ends; a panic there has
            // been reported by the panic hook already.
            let _ = handle.join();
        }
        // Without a thread (not started, could not start, or it panicked) the pages
        // left are written here.
        drop(self.shared.lock_flushed());
    }
}

impl SharedArchive {
    /// Shares `archive`; its writer thread starts when pages come.
    pub fn new(archive: Archive) -> SharedArchive {
        SharedArchive::with_timing(archive, LINGER, STEP_WINDOW)
    }

    fn with_timing(archive: Archive, linger: Duration, step_window: Duration) -> SharedArchive {
        let shared = Arc::new(Shared {
            archive: Mutex::new(archive),
            queue: Mutex::default(),
            wake: Condvar::new(),
            room: Semaphore::new(ROOM_BYTES),
            first_failure: Mutex::default(),
            linger,
            step_window,
        });
        SharedArchive {
            writer: Arc::new(Writer {
                shared: Arc::clone(&shared),
                thread: Mutex::new(Thread::NotYet),
                timed: std::sync::atomic::AtomicBool::new(false),
            }),
            shared,
        }
    }

    /// Runs `f` on the archive on a blocking thread (a write may wait for another
    /// process's for up to the busy timeout), after writing the pages handed over.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Archive) -> Result<T, ArchiveError> + Send + 'static,
    ) -> Result<T, ArchiveError> {
        let shared = Arc::clone(&self.shared);
        let run = tokio::task::spawn_blocking(move || f(&mut shared.lock_flushed()));
        match run.await {
            Ok(result) => result,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The archive, locked, for reads on the calling thread, after writing the pages
    /// handed over.
    pub fn lock(&self) -> MutexGuard<'_, Archive> {
        self.shared.lock_flushed()
    }

    /// Stores a page with its coverage, now, and says what that did.
    pub async fn store_page(
        &self,
        fetch: PageFetch,
        page: Page,
    ) -> Result<PageStored, ArchiveError> {
        self.with(move |a| a.store_page(&fetch, &page)).await
    }

    /// Hands a page over for a command whose own output matters more than the
    /// archive (export, the browser): it is written with the pages around it, and a
    /// failure is logged and kept, never returned. Waits only while the pages not yet
    /// written fill the room for them.
    pub async fn keep_page(&self, fetch: PageFetch, page: Page) {
        // Without a writer (it could not start, or it panicked) nothing would free
        // the room the pages waiting take: each page is written as it is kept.
        if !self.writer.writes() {
            let result = self.store_page(fetch, page).await;
            self.shared.keep(result.map(drop));
            return;
        }
        let weight = page_weight(&page.messages).min(ROOM_BYTES);
        let permits = u32::try_from(weight).unwrap_or(u32::MAX);
        match self.shared.room.acquire_many(permits).await {
            // Given back by whoever writes the page.
            Ok(permit) => permit.forget(),
            Err(_) => unreachable!("the room is never closed"),
        }
        let mut queue = lock(&self.shared.queue);
        queue.pages.push((fetch, page));
        queue.bytes += weight;
        let waiting = queue.pages.len();
        let step = queue.bytes >= STEP_BYTES
            && queue
                .stepping
                .is_some_and(|since| since.elapsed() <= self.shared.step_window);
        let wake = std::mem::take(&mut queue.idle) || step || queue.bytes >= BATCH_BYTES;
        if wake {
            queue.stepping = None;
        }
        drop(queue);
        if self.writer.started() {
            if wake {
                self.shared.wake.notify_one();
            }
        } else if waiting >= 2 || queue_full(weight) {
            self.writer.start();
        } else {
            self.start_writer_later();
        }
    }

    /// Starts the writer [`LINGER`] from now (at once outside an async runtime),
    /// so that a lone page is written within it even if no other follows.
    fn start_writer_later(&self) {
        use std::sync::atomic::Ordering;
        if self.writer.timed.swap(true, Ordering::Relaxed) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.writer.start();
            return;
        };
        let writer = Arc::downgrade(&self.writer);
        let linger = self.shared.linger;
        runtime.spawn(async move {
            tokio::time::sleep(linger).await;
            if let Some(writer) = writer.upgrade() {
                writer.start();
            }
        });
    }

    /// Stores messages fetched by id, keeping any failure.
    pub async fn keep_messages(
        &self,
        app: AppId,
        conversation: ConversationId,
        messages: Vec<Message>,
    ) {
        let result = self
            .with(move |a| a.store_messages(app, conversation, &messages))
            .await;
        self.shared.keep(result.map(drop));
    }

    /// Stores conversation names and types, keeping any failure.
    pub async fn keep_conversations(&self, app: AppId, infos: Vec<ConversationInfo>) {
        let result = self.with(move |a| a.store_conversations(app, &infos)).await;
        self.shared.keep(result);
    }

    /// Stores user names, keeping any failure.
    pub async fn keep_users(&self, app: AppId, users: Vec<User>) {
        let result = self.with(move |a| a.store_users(app, &users)).await;
        self.shared.keep(result);
    }

    /// The first failure to store, and how many stores failed, if any did (the pages
    /// handed over are written first, so their failures count).
    pub fn failure(&self) -> Option<(String, u64)> {
        drop(self.shared.lock_flushed());
        lock(&self.shared.first_failure).clone()
    }
}

impl Shared {
    /// The archive, locked, with every page handed over so far written and
    /// committed: pages leave the queue only under the archive's lock, so once it
    /// is held none is in flight.
    fn lock_flushed(&self) -> MutexGuard<'_, Archive> {
        let mut archive = lock(&self.archive);
        self.store_waiting(&mut archive);
        self.end_batch(&mut archive);
        archive
    }

    /// Stores the pages waiting in the archive's open batch (opening one); their
    /// bytes, given back to the room.
    fn store_waiting(&self, archive: &mut Archive) -> usize {
        let (pages, bytes) = {
            let mut queue = lock(&self.queue);
            (
                std::mem::take(&mut queue.pages),
                std::mem::take(&mut queue.bytes),
            )
        };
        if !pages.is_empty() {
            match archive.store_in_batch(&pages) {
                Ok(results) => results.into_iter().for_each(|r| self.keep(r.map(drop))),
                Err(e) => self.keep_failures(&e, pages.len() as u64),
            }
            drop(pages);
            self.room.add_permits(bytes);
        }
        bytes
    }

    /// Commits the archive's open batch, counting the pages it lost if it fails.
    fn end_batch(&self, archive: &mut Archive) {
        if let Err(lost) = archive.end_batch() {
            self.keep_failures(&lost.error, lost.pages);
        }
    }

    fn keep(&self, result: Result<(), ArchiveError>) {
        if let Err(e) = result {
            self.keep_failures(&e, 1);
        }
    }

    fn keep_failures(&self, e: &ArchiveError, count: u64) {
        tracing::warn!(stores = count, "not archived: {e}");
        let mut failure = lock(&self.first_failure);
        match failure.as_mut() {
            Some((_, n)) => *n += count,
            None => *failure = Some((e.to_string(), count)),
        }
    }
}

/// The writer thread: waits for a first page and stores it in a new batch, then
/// for [`LINGER`] stores more as [`STEP_BYTES`] of them wait (all at once when the
/// last handle is gone), and commits the batch at the linger's end or once it
/// holds [`BATCH_BYTES`].
fn write_batches(shared: &Shared) {
    loop {
        let mut queue = lock(&shared.queue);
        while queue.pages.is_empty() {
            if queue.closed {
                return;
            }
            queue.idle = true;
            queue = shared
                .wake
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        queue.idle = false;
        drop(queue);
        let deadline = Instant::now() + shared.linger;
        let mut archive = lock(&shared.archive);
        let mut batch = shared.store_waiting(&mut archive);
        drop(archive);
        loop {
            let mut queue = lock(&shared.queue);
            let left = deadline.saturating_duration_since(Instant::now());
            if queue.closed || left.is_zero() || batch + queue.bytes >= BATCH_BYTES {
                break;
            }
            if queue.bytes < STEP_BYTES {
                queue.stepping = Some(Instant::now());
                queue = match shared.wake.wait_timeout(queue, left) {
                    Ok((queue, _)) => queue,
                    Err(poisoned) => poisoned.into_inner().0,
                };
                queue.stepping = None;
            }
            let closed = queue.closed;
            drop(queue);
            if closed {
                break;
            }
            let mut archive = lock(&shared.archive);
            batch += shared.store_waiting(&mut archive);
        }
        drop(shared.lock_flushed());
    }
}

/// A page this heavy alone fills a batch: the writer starts at once.
fn queue_full(weight: usize) -> bool {
    weight >= BATCH_BYTES
}

/// The bytes a page waiting for the writer is counted as: each message's received
/// JSON and its typed view, and the page's own overhead.
fn page_weight(messages: &[Message]) -> usize {
    PAGE_OVERHEAD
        + messages
            .iter()
            .map(|m| m.raw_json().len() + std::mem::size_of::<Message>())
            .sum::<usize>()
}

/// A poisoned lock only means another task panicked mid-call; SQLite rolled back
/// whatever that call had not committed, so the archive is still sound.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A source of pages (the API client, in the program) whose every answer is also
/// kept in the archive, when there is one. The export's and the browser's sources
/// wrap the client in it, so whatever they fetch lands in the archive.
#[derive(Clone, Debug)]
pub struct Archiving<S> {
    /// The source asked.
    pub inner: S,
    /// Where answers are kept; `None` with `--no-archive`.
    pub archive: Option<SharedArchive>,
    /// Where newest-first walks start, to tell a walk from the newest message apart.
    pub newest_start: Cursor,
}

impl<S> Archiving<S> {
    /// Keeps a page fetched as `request` asked.
    pub async fn keep_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: &PageRequest,
        page: &Page,
    ) {
        if let Some(archive) = &self.archive {
            let direction = if request.reverse == 1 {
                Direction::NewestFirst
            } else {
                Direction::OldestFirst
            };
            let fetch = PageFetch::new(
                app,
                conversation,
                direction,
                request.cursor,
                self.newest_start,
            );
            archive.keep_page(fetch, page.clone()).await;
        }
    }

    /// Keeps messages fetched by id.
    pub async fn keep_messages(
        &self,
        app: AppId,
        conversation: ConversationId,
        messages: &[Message],
    ) {
        if let Some(archive) = &self.archive {
            archive
                .keep_messages(app, conversation, messages.to_vec())
                .await;
        }
    }

    /// Keeps users' names.
    pub async fn keep_users(&self, app: AppId, users: &[User]) {
        if let Some(archive) = &self.archive {
            archive.keep_users(app, users.to_vec()).await;
        }
    }

    /// Keeps conversations' names and types.
    pub async fn keep_conversations(&self, app: AppId, infos: &[ConversationInfo]) {
        if let Some(archive) = &self.archive {
            archive.keep_conversations(app, infos.to_vec()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::FutureExt;
    use serde_json::json;

    use super::*;

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
        SharedArchive::new(Archive::open(&dir.path().join("a.sqlite3")).unwrap())
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
        let archive = SharedArchive::with_timing(
            Archive::open(&path).unwrap(),
            Duration::from_millis(50),
            STEP_WINDOW,
        );
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
        let archive = SharedArchive::with_timing(
            Archive::open(&dir.path().join("a.sqlite3")).unwrap(),
            long,
            long,
        );
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
        let archive = SharedArchive::with_timing(
            Archive::open(&dir.path().join("a.sqlite3")).unwrap(),
            Duration::from_secs(600),
            Duration::ZERO,
        );
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
}
