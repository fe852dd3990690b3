//! The archive shared by the tasks of one command. Pages are handed to a writer
//! thread of its own, which stores them in a transaction it keeps open for a batch
//! (the pages of up to [`LINGER`]), so a fast walk costs one commit per batch, with
//! its pages stored beside the walk, and a slow one one wake-up per batch, not one
//! blocking call per page; every read through [`SharedArchive::with`] or
//! [`SharedArchive::lock`] first writes and commits whatever was handed over before
//! it. A failure is kept so the command can report it.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::{Archive, ArchiveError, PageFetch, PageStored};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, ConversationInfo, Message, User};

#[cfg(test)]
mod tests;
mod writer;

use writer::Writer;

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
            writer: Arc::new(Writer::new(Arc::clone(&shared))),
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
        } else if waiting >= 2 || wake {
            self.writer.start();
        } else {
            Writer::start_later(&self.writer, self.shared.linger);
        }
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
