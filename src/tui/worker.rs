//! Carrying out commands: each one in its own task, its answer sent back as an action.
//! The network sits behind [`Source`], so the rest of the UI can be tested without it.

use std::future::Future;

use tokio::sync::mpsc::UnboundedSender;
use tracing::Instrument;

use crate::api::ApiError;
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
        Command::Quit => return None,
    })
}

/// A short name for a command, for logs.
fn kind(command: &Command) -> &'static str {
    match command {
        Command::FetchPage { .. } => "fetch_page",
        Command::FetchUsers { .. } => "fetch_users",
        Command::FetchReferenced { .. } => "fetch_referenced",
        Command::FetchConversations { .. } => "fetch_conversations",
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
