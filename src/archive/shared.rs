//! The archive shared by the tasks of one command: writes run off the async
//! threads, one at a time; a failure is kept so the command can report it.

use std::sync::{Arc, Mutex, MutexGuard};

use super::{Archive, ArchiveError, PageFetch, PageStored};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, ConversationInfo, Cursor, Message, User};
use crate::pager::{Direction, PageRequest};

/// An [`Archive`] for several tasks. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SharedArchive {
    inner: Arc<Mutex<Archive>>,
    first_failure: Arc<Mutex<Option<(String, u64)>>>,
}

impl SharedArchive {
    /// Shares `archive`.
    pub fn new(archive: Archive) -> SharedArchive {
        SharedArchive {
            inner: Arc::new(Mutex::new(archive)),
            first_failure: Arc::default(),
        }
    }

    /// Runs `f` on the archive on a blocking thread (a write may wait for another
    /// process's for up to the busy timeout).
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Archive) -> Result<T, ArchiveError> + Send + 'static,
    ) -> Result<T, ArchiveError> {
        let inner = self.inner.clone();
        let run = tokio::task::spawn_blocking(move || f(&mut lock(&inner)));
        match run.await {
            Ok(result) => result,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The archive, locked, for reads on the calling thread.
    pub fn lock(&self) -> MutexGuard<'_, Archive> {
        lock(&self.inner)
    }

    /// Stores a page with its coverage.
    pub async fn store_page(
        &self,
        fetch: PageFetch,
        page: Page,
    ) -> Result<PageStored, ArchiveError> {
        self.with(move |a| a.store_page(&fetch, &page)).await
    }

    /// Stores a page for a command whose own output matters more than the archive
    /// (export, the browser): a failure is logged and kept, never returned.
    pub async fn keep_page(&self, fetch: PageFetch, page: Page) {
        let result = self.store_page(fetch, page).await;
        self.keep(result.map(drop));
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
        self.keep(result.map(drop));
    }

    /// Stores conversation names and types, keeping any failure.
    pub async fn keep_conversations(&self, app: AppId, infos: Vec<ConversationInfo>) {
        let result = self.with(move |a| a.store_conversations(app, &infos)).await;
        self.keep(result);
    }

    /// Stores user names, keeping any failure.
    pub async fn keep_users(&self, app: AppId, users: Vec<User>) {
        let result = self.with(move |a| a.store_users(app, &users)).await;
        self.keep(result);
    }

    fn keep(&self, result: Result<(), ArchiveError>) {
        if let Err(e) = result {
            tracing::warn!("not archived: {e}");
            let mut failure = lock(&self.first_failure);
            match failure.as_mut() {
                Some((_, count)) => *count += 1,
                None => *failure = Some((e.to_string(), 1)),
            }
        }
    }

    /// The first failure to store, and how many stores failed, if any did.
    pub fn failure(&self) -> Option<(String, u64)> {
        lock(&self.first_failure).clone()
    }
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
