//! Where history comes from, for everything that reads it: the browser, the export
//! and the sync all fetch through one [`Source`]. The API client is one, the
//! [`Archiving`] wrapper (which keeps every answer in the archive) another, the
//! offline export's archive reader and the tests' stand-ins more.
//!
//! A fetch is expected to have done its own retrying: an error here is final.

use std::future::Future;

use crate::api::ApiError;
use crate::api::calls::Waiting;
use crate::api::client::Client;
use crate::api::wire::{
    BatchGetConversationsRequest, BatchGetUserRequest, ConversationsResult, GetMessagesRequest,
    Page, USER_BATCH_LIMIT, UsersResult,
};
use crate::archive::Archiving;
use crate::model::{AppId, ConversationId, Message, User, UserId};
use crate::paging::PageRequest;

/// Request counters of a source, shown in progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Requests sent, retries included.
    pub requests: u64,
    /// Requests that were attempts after a failure.
    pub retries: u64,
    /// Answers that said the caller was throttled.
    pub throttled: u64,
}

/// A source of history. Only pages are required: a source that holds nothing but
/// pages (the offline export's archive, most stand-ins) knows no message, user or
/// conversation by id, sends no requests and never waits.
pub trait Source: Clone + Send + Sync + 'static {
    /// One page of `conversation`'s history, as `request` asks.
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send;

    /// Messages by id; those the source does not know are left out.
    fn get_messages(
        &self,
        request: GetMessagesRequest,
    ) -> impl Future<Output = Result<Vec<Message>, ApiError>> + Send {
        let _ = request;
        std::future::ready(Ok(Vec::new()))
    }

    /// Users by id, with those not found named.
    fn batch_get_user(
        &self,
        request: BatchGetUserRequest,
    ) -> impl Future<Output = Result<UsersResult, ApiError>> + Send {
        std::future::ready(Ok(UsersResult {
            users: Vec::new(),
            not_found_users: request.user_ids,
        }))
    }

    /// Conversation descriptions; those the source does not know are left out.
    fn batch_get_conversations(
        &self,
        request: BatchGetConversationsRequest,
    ) -> impl Future<Output = Result<ConversationsResult, ApiError>> + Send {
        let _ = request;
        std::future::ready(Ok(ConversationsResult::default()))
    }

    /// Display names of `users` (those that have one that is not blank), for
    /// transcripts: asked of [`Source::batch_get_user`] in batches it accepts.
    fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> impl Future<Output = Result<Vec<(UserId, String)>, ApiError>> + Send {
        async move {
            let mut names = Vec::new();
            for batch in users.chunks(USER_BATCH_LIMIT) {
                let request = BatchGetUserRequest {
                    app_id: app,
                    user_ids: batch.to_vec(),
                };
                let found = self.batch_get_user(request).await?;
                names.extend(found.users.into_iter().filter_map(|user| {
                    let name = user.nick_name.filter(|n| !n.trim().is_empty())?;
                    Some((user.user_id, name))
                }));
            }
            Ok(names)
        }
    }

    /// The call that has been waiting long enough to say so, if any (for progress
    /// displays and the status bar).
    fn waiting(&self) -> Option<Waiting> {
        None
    }

    /// The request counters so far (shared by everything using this source).
    fn stats(&self) -> SourceStats {
        SourceStats::default()
    }
}

impl Source for Client {
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send {
        let client = self.clone();
        async move { client.fetch_page(app, conversation, &request).await }
    }

    fn get_messages(
        &self,
        request: GetMessagesRequest,
    ) -> impl Future<Output = Result<Vec<Message>, ApiError>> + Send {
        let client = self.clone();
        async move { client.get_messages(&request).await }
    }

    fn batch_get_user(
        &self,
        request: BatchGetUserRequest,
    ) -> impl Future<Output = Result<UsersResult, ApiError>> + Send {
        let client = self.clone();
        async move { client.batch_get_user(&request).await }
    }

    fn batch_get_conversations(
        &self,
        request: BatchGetConversationsRequest,
    ) -> impl Future<Output = Result<ConversationsResult, ApiError>> + Send {
        let client = self.clone();
        async move { client.batch_get_conversations(&request).await }
    }

    fn waiting(&self) -> Option<Waiting> {
        self.calls().slow()
    }

    fn stats(&self) -> SourceStats {
        let stats = Client::stats(self);
        SourceStats {
            requests: stats.requests,
            retries: stats.retries,
            throttled: stats.throttled,
        }
    }
}

/// Every answer is also kept in the archive (when there is one).
impl<S: Source> Source for Archiving<S> {
    async fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    ) -> Result<Page, ApiError> {
        let page = self.inner.fetch_page(app, conversation, request).await?;
        self.keep_page(app, conversation, &request, &page).await;
        Ok(page)
    }

    async fn get_messages(&self, request: GetMessagesRequest) -> Result<Vec<Message>, ApiError> {
        let (app, conversation) = (request.app_id, request.conversation_short_id);
        let messages = self.inner.get_messages(request).await?;
        self.keep_messages(app, conversation, &messages).await;
        Ok(messages)
    }

    async fn batch_get_user(&self, request: BatchGetUserRequest) -> Result<UsersResult, ApiError> {
        let app = request.app_id;
        let users = self.inner.batch_get_user(request).await?;
        self.keep_users(app, &users.users).await;
        Ok(users)
    }

    async fn batch_get_conversations(
        &self,
        request: BatchGetConversationsRequest,
    ) -> Result<ConversationsResult, ApiError> {
        let app = request.app_id;
        let found = self.inner.batch_get_conversations(request).await?;
        self.keep_conversations(app, &found.conversation_core_infos)
            .await;
        Ok(found)
    }

    // Asked of the inner source, so one that answers names its own way (the
    // offline archive, a stand-in) is asked that way, and the names kept here.
    async fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, ApiError> {
        let names = self.inner.user_names(app, users).await?;
        let kept: Vec<User> = names
            .iter()
            .map(|(id, name)| User::named(*id, name.clone()))
            .collect();
        self.keep_users(app, &kept).await;
        Ok(names)
    }

    // Progress displays ask the wrapper; without this a silent server shows a
    // bare "starting" for as long as it stays silent.
    fn waiting(&self) -> Option<Waiting> {
        self.inner.waiting()
    }

    fn stats(&self) -> SourceStats {
        self.inner.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Cursor;

    /// A source whose one request has been out for 14 s, and that knows two users,
    /// one of them without a name.
    #[derive(Clone)]
    struct Slow;

    impl Source for Slow {
        async fn fetch_page(
            &self,
            _: AppId,
            _: ConversationId,
            _: PageRequest,
        ) -> Result<Page, ApiError> {
            std::future::pending().await
        }

        async fn batch_get_user(
            &self,
            request: BatchGetUserRequest,
        ) -> Result<UsersResult, ApiError> {
            Ok(UsersResult {
                users: vec![User::named(UserId(1), "Ada"), User::named(UserId(2), "  ")],
                not_found_users: request.user_ids[2..].to_vec(),
            })
        }

        fn waiting(&self) -> Option<Waiting> {
            Some(Waiting {
                action: "GetConversationMessages".into(),
                seconds: 14,
                attempt: 2,
                max_attempts: 5,
                retry_in: None,
                queued: false,
            })
        }
    }

    fn archiving() -> Archiving<Slow> {
        Archiving {
            inner: Slow,
            archive: None,
            newest_start: Cursor(0),
        }
    }

    #[test]
    fn the_archive_wrapper_tells_what_the_slow_request_waits_for() {
        let shown = archiving().waiting().map(|w| w.to_string());
        assert_eq!(
            shown.as_deref(),
            Some("waiting for the server · 14 s · attempt 2 of 5")
        );
    }

    #[tokio::test]
    async fn names_are_those_users_found_with_a_name_that_is_not_blank() {
        let users = [UserId(1), UserId(2), UserId(3)];
        let names = archiving().user_names(crate::model::AppId(7), &users).await;
        assert_eq!(names.unwrap(), vec![(UserId(1), "Ada".to_owned())]);
    }
}
