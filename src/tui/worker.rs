//! Carrying out commands: each one in its own task, its answer sent back as an action.
//! The network sits behind [`Source`], so the rest of the UI can be tested without it.

use std::future::Future;

use tokio::sync::mpsc::UnboundedSender;
use tracing::Instrument;

use crate::api::ApiError;
use crate::api::calls::Waiting;
use crate::api::client::Client;
use crate::api::wire::{
    BatchGetConversationsRequest, BatchGetUserRequest, ConversationsResult, GetMessagesRequest,
    Page, UsersResult,
};
use crate::model::{AppId, ConversationId, Message};
use crate::pager::PageRequest;

use super::action::{Action, Command};

/// Where the UI's data comes from: the API client, or a stand-in in tests.
pub trait Source: Clone + Send + Sync + 'static {
    /// One page of history.
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send;
    /// Messages by id.
    fn get_messages(
        &self,
        request: GetMessagesRequest,
    ) -> impl Future<Output = Result<Vec<Message>, ApiError>> + Send;
    /// Display names.
    fn batch_get_user(
        &self,
        request: BatchGetUserRequest,
    ) -> impl Future<Output = Result<UsersResult, ApiError>> + Send;
    /// Conversation descriptions.
    fn batch_get_conversations(
        &self,
        request: BatchGetConversationsRequest,
    ) -> impl Future<Output = Result<ConversationsResult, ApiError>> + Send;
    /// The call that has been waiting long enough to say so, if any.
    fn waiting(&self) -> Option<Waiting> {
        None
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
}

/// The browser's source with an archive: every answer is also kept there.
impl<S: Source> Source for crate::archive::Archiving<S> {
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

    fn waiting(&self) -> Option<Waiting> {
        self.inner.waiting()
    }
}

/// Carries out one command; the action that reports its outcome (none for `Quit`).
pub async fn execute<S: Source>(source: &S, command: Command) -> Option<Action> {
    Some(match command {
        Command::FetchPage {
            view,
            app,
            conversation,
            request,
        } => match source.fetch_page(app, conversation, request).await {
            Ok(page) => Action::PageLoaded {
                view,
                request,
                page,
            },
            Err(error) => Action::PageFailed {
                view,
                request,
                error,
            },
        },
        Command::FetchUsers { app, ids } => {
            let request = BatchGetUserRequest {
                app_id: app,
                user_ids: ids.clone(),
            };
            let result = source.batch_get_user(request).await;
            Action::UsersLoaded { app, ids, result }
        }
        Command::FetchReferenced {
            view,
            app,
            conversation,
            ids,
        } => {
            let request = GetMessagesRequest {
                app_id: app,
                conversation_short_id: conversation,
                message_ids: ids.clone(),
            };
            let result = source.get_messages(request).await;
            Action::ReferencedLoaded { view, ids, result }
        }
        Command::FetchConversations { app, ids } => {
            let request = BatchGetConversationsRequest {
                app_id: app,
                conversation_short_id: ids.clone(),
                skip_member_count: Some(true),
            };
            let result = source.batch_get_conversations(request).await;
            Action::ConversationsLoaded { app, ids, result }
        }
        // The archive's commands are the terminal loop's, not the source's.
        Command::Quit
        | Command::Outside(_)
        | Command::ReadArchive { .. }
        | Command::SearchArchive { .. }
        | Command::SaveReading { .. } => return None,
    })
}

/// A short name for a command, for logs.
fn kind(command: &Command) -> &'static str {
    match command {
        Command::FetchPage { .. } => "fetch_page",
        Command::FetchUsers { .. } => "fetch_users",
        Command::FetchReferenced { .. } => "fetch_referenced",
        Command::FetchConversations { .. } => "fetch_conversations",
        Command::ReadArchive { .. } => "read_archive",
        Command::SaveReading { .. } => "save_reading",
        Command::SearchArchive { .. } => "search_archive",
        Command::Outside(_) => "outside",
        Command::Quit => "quit",
    }
}

/// Runs a command in its own task (inside a tracing span); its action goes to `tx`.
pub fn spawn<S: Source>(source: &S, command: Command, tx: UnboundedSender<Action>) {
    let source = source.clone();
    let span = tracing::info_span!("command", kind = kind(&command));
    tokio::spawn(
        async move {
            tracing::debug!(?command, "start");
            if let Some(action) = execute(&source, command).await {
                // The UI may have quit meanwhile; then nobody needs the answer.
                let _ = tx.send(action);
            }
        }
        .instrument(span),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ApiError;
    use crate::model::{Cursor, MessageId, User, UserId};
    use crate::tui::action::ViewId;
    use crate::tui::fixtures;

    /// Answers from fixtures; fails pages whose cursor is 13.
    #[derive(Clone)]
    struct Fake;

    impl Source for Fake {
        async fn fetch_page(
            &self,
            _app: AppId,
            _conversation: ConversationId,
            request: PageRequest,
        ) -> Result<Page, ApiError> {
            if request.cursor == Cursor(13) {
                return Err(ApiError::Request("unlucky".into()));
            }
            Ok(fixtures::page([3, 2, 1], false, 0))
        }

        async fn get_messages(
            &self,
            request: GetMessagesRequest,
        ) -> Result<Vec<Message>, ApiError> {
            Ok(request
                .message_ids
                .iter()
                .map(|id| fixtures::message(id.0))
                .collect())
        }

        async fn batch_get_user(
            &self,
            request: BatchGetUserRequest,
        ) -> Result<UsersResult, ApiError> {
            Ok(UsersResult {
                users: request
                    .user_ids
                    .iter()
                    .map(|&user_id| User {
                        user_id,
                        nick_name: Some(format!("user {user_id}")),
                        portrait: None,
                        ext: None,
                    })
                    .collect(),
                not_found_users: vec![],
            })
        }

        async fn batch_get_conversations(
            &self,
            _request: BatchGetConversationsRequest,
        ) -> Result<ConversationsResult, ApiError> {
            Ok(ConversationsResult::default())
        }
    }

    fn request(cursor: i64) -> PageRequest {
        PageRequest {
            seq: 7,
            cursor: Cursor(cursor),
            reverse: 1,
            limit: 20,
        }
    }

    #[tokio::test]
    async fn each_command_comes_back_as_its_action() {
        let page = Command::FetchPage {
            view: ViewId(1),
            app: fixtures::APP,
            conversation: fixtures::CONVERSATION,
            request: request(5),
        };
        match execute(&Fake, page).await {
            Some(Action::PageLoaded {
                view,
                request,
                page,
            }) => {
                assert_eq!((view, request.seq, page.messages.len()), (ViewId(1), 7, 3));
            }
            other => panic!("{other:?}"),
        }
        let failing = Command::FetchPage {
            view: ViewId(1),
            app: fixtures::APP,
            conversation: fixtures::CONVERSATION,
            request: request(13),
        };
        assert!(matches!(
            execute(&Fake, failing).await,
            Some(Action::PageFailed { request, .. }) if request.cursor == Cursor(13)
        ));
        let users = Command::FetchUsers {
            app: fixtures::APP,
            ids: vec![UserId(1), UserId(2)],
        };
        match execute(&Fake, users).await {
            Some(Action::UsersLoaded { ids, result, .. }) => {
                assert_eq!(ids.len(), 2);
                assert_eq!(
                    result.unwrap().users[1].nick_name.as_deref(),
                    Some("user 2")
                );
            }
            other => panic!("{other:?}"),
        }
        let refs = Command::FetchReferenced {
            view: ViewId(2),
            app: fixtures::APP,
            conversation: fixtures::CONVERSATION,
            ids: vec![MessageId(4)],
        };
        assert!(matches!(
            execute(&Fake, refs).await,
            Some(Action::ReferencedLoaded { view: ViewId(2), result: Ok(m), .. }) if m.len() == 1
        ));
        assert!(execute(&Fake, Command::Quit).await.is_none());
    }

    #[tokio::test]
    async fn spawned_commands_answer_on_the_channel() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        spawn(
            &Fake,
            Command::FetchConversations {
                app: fixtures::APP,
                ids: vec![fixtures::CONVERSATION],
            },
            tx,
        );
        assert!(matches!(
            rx.recv().await,
            Some(Action::ConversationsLoaded { .. })
        ));
    }
}
