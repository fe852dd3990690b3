//! Carrying out commands: each one in its own task, its answer sent back as an action.
//! The network sits behind a [`Source`], so the rest of the UI can be tested without it.

use tokio::sync::mpsc::UnboundedSender;
use tracing::Instrument;

use crate::api::wire::{BatchGetConversationsRequest, BatchGetUserRequest, GetMessagesRequest};
use crate::source::Source;

use super::action::{Action, Command};

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
        Command::Poll {
            view,
            app,
            conversation,
            request,
        } => Action::Polled {
            view,
            result: source.fetch_page(app, conversation, request).await,
        },
        // The archive's commands are the terminal loop's, not the source's.
        Command::Quit
        | Command::Outside(_)
        | Command::ReadArchive { .. }
        | Command::SearchArchive { .. }
        | Command::SaveReading { .. }
        | Command::SearchEverywhere { .. }
        | Command::LoadOverview
        | Command::FindTime { .. } => return None,
    })
}

/// A short name for a command, for logs.
fn kind(command: &Command) -> &'static str {
    match command {
        Command::FetchPage { .. } => "fetch_page",
        Command::FetchUsers { .. } => "fetch_users",
        Command::FetchReferenced { .. } => "fetch_referenced",
        Command::FetchConversations { .. } => "fetch_conversations",
        Command::Poll { .. } => "poll",
        Command::ReadArchive { .. } => "read_archive",
        Command::SaveReading { .. } => "save_reading",
        Command::SearchArchive { .. } => "search_archive",
        Command::SearchEverywhere { .. } => "search_everywhere",
        Command::LoadOverview => "load_overview",
        Command::FindTime { .. } => "find_time",
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
    use crate::api::wire::{ConversationsResult, Page, UsersResult};
    use crate::model::{AppId, ConversationId, Cursor, Message, MessageId, User, UserId};
    use crate::paging::PageRequest;
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
                    .map(|&user_id| User::named(user_id, format!("user {user_id}")))
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
