//! A source whose every answer is also kept in the archive.

use super::{PageFetch, SharedArchive};
use crate::api::wire::Page;
use crate::model::{AppId, ConversationId, ConversationInfo, Cursor, Message, User};
use crate::paging::PageRequest;

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
            let fetch = PageFetch::new(
                app,
                conversation,
                request.direction(),
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
