//! The browser's source with `--offline`: everything from the archive, no request
//! leaves the machine. Pages are cut from the archive as the service would hand them
//! out; names, conversations and quoted messages are what the archive kept.

use crate::api::ApiError;
use crate::api::wire::{
    BatchGetConversationsRequest, BatchGetUserRequest, ConversationsResult, GetMessagesRequest,
    Page, UsersResult,
};
use crate::archive::{ArchiveError, SharedArchive};
use crate::model::{AppId, ConversationId, ConversationInfo, Message, MessageKey, User};
use crate::paging::PageRequest;

use super::{Start, Target, settings::UiSettings};
use crate::source::Source;

/// Answers the browser from the archive alone.
#[derive(Clone, Debug)]
pub struct ArchiveOnly {
    pub archive: SharedArchive,
}

fn failed(e: ArchiveError) -> ApiError {
    ApiError::Request(format!("reading the archive: {e}"))
}

impl Source for ArchiveOnly {
    async fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        request: PageRequest,
    ) -> Result<Page, ApiError> {
        let direction = request.direction();
        self.archive
            .with(move |a| {
                a.archived_page(app, conversation, request.cursor, direction, request.limit)
            })
            .await
            .map_err(failed)
    }

    async fn get_messages(&self, request: GetMessagesRequest) -> Result<Vec<Message>, ApiError> {
        self.archive
            .with(move |a| {
                let mut found = Vec::new();
                for id in &request.message_ids {
                    let key = MessageKey::Id(*id).to_string();
                    if let Some(m) =
                        a.message_by_key(request.app_id, request.conversation_short_id, &key)?
                    {
                        found.push(m.message);
                    }
                }
                Ok(found)
            })
            .await
            .map_err(failed)
    }

    async fn batch_get_user(&self, request: BatchGetUserRequest) -> Result<UsersResult, ApiError> {
        let app = request.app_id;
        let names = self
            .archive
            .with(move |a| a.user_names(app))
            .await
            .map_err(failed)?;
        let (mut users, mut not_found_users) = (Vec::new(), Vec::new());
        for id in request.user_ids {
            match names.get(&id) {
                Some(name) => users.push(User {
                    user_id: id,
                    nick_name: Some(name.clone()),
                    portrait: None,
                    ext: None,
                }),
                None => not_found_users.push(id),
            }
        }
        Ok(UsersResult {
            users,
            not_found_users,
        })
    }

    async fn batch_get_conversations(
        &self,
        request: BatchGetConversationsRequest,
    ) -> Result<ConversationsResult, ApiError> {
        let app = request.app_id;
        let ids = request.conversation_short_id;
        self.archive
            .with(move |a| {
                let mut infos = Vec::new();
                for id in ids {
                    if let Some(c) = a.conversation(app, id)?
                        && let Some(kind) = c.conversation_type
                    {
                        infos.push(ConversationInfo {
                            conversation_short_id: id,
                            conversation_type: kind,
                            name: c.name,
                            ..ConversationInfo::default()
                        });
                    }
                }
                Ok(ConversationsResult {
                    conversation_core_infos: infos,
                })
            })
            .await
            .map_err(failed)
    }
}

/// What the browser needs with `--offline`: no client, the archive alone.
#[derive(Clone, Debug)]
pub struct ArchiveOnlyOptions {
    pub archive: SharedArchive,
    pub targets: Vec<Target>,
    pub start: Start,
    pub is_demo: bool,
    pub ui: UiSettings,
}

/// Runs the browser on the archive alone until the user quits.
pub async fn run(opts: ArchiveOnlyOptions) -> anyhow::Result<()> {
    let mut settings = super::Settings {
        targets: opts.targets,
        start: opts.start,
        // The archive's newest-first pages start at its newest message.
        newest_cursor: crate::model::Cursor::NEWEST,
        is_demo: opts.is_demo,
        demo_hint: None,
        time_zone: jiff::tz::TimeZone::system(),
        ui: opts.ui,
        offline: true,
        follow_interval: crate::tui::follow::DEFAULT_INTERVAL,
        archive: Some(opts.archive.clone()),
    };
    super::load_history(&mut settings.ui);
    let archives = super::terminal::Archives {
        reads: Some(opts.archive.clone()),
        writes: Some(opts.archive.clone()),
    };
    let source = ArchiveOnly {
        archive: opts.archive,
    };
    super::terminal::run(source, settings, archives).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Archive, PageFetch};
    use crate::model::{Cursor, MessageId, UserId};
    use crate::paging::Direction;
    use serde_json::json;

    const APP: AppId = AppId(7);
    const CONV: ConversationId = ConversationId(42);

    fn archive_with_history() -> (tempfile::TempDir, SharedArchive) {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::open(&dir.path().join("a.sqlite3")).unwrap();
        let messages: Vec<Message> = (1..=5)
            .rev()
            .map(|i| {
                Message::from_value(&json!({
                    "MessageId": 100 + i, "IndexInConversation": i,
                    "CreateTime": 1_700_000_000_000i64 + i, "Sender": 9,
                    "Content": format!("{{\"text\":\"m{i}\"}}")
                }))
            })
            .collect();
        let fetch = PageFetch::new(
            APP,
            CONV,
            Direction::NewestFirst,
            Cursor::NEWEST,
            Cursor::NEWEST,
        );
        let page = Page {
            has_more: Some(false),
            new_cursor: None,
            messages,
        };
        archive.store_page(&fetch, &page).unwrap();
        archive
            .store_users(
                APP,
                &[User {
                    user_id: UserId(9),
                    nick_name: Some("Alice".into()),
                    portrait: None,
                    ext: None,
                }],
            )
            .unwrap();
        archive
            .store_conversations(
                APP,
                &[ConversationInfo {
                    conversation_short_id: CONV,
                    conversation_type: 2,
                    name: Some("team".into()),
                    ..ConversationInfo::default()
                }],
            )
            .unwrap();
        (dir, SharedArchive::new(archive))
    }

    #[tokio::test]
    async fn pages_names_quotes_and_conversations_come_from_the_archive() {
        let (_dir, archive) = archive_with_history();
        let source = ArchiveOnly { archive };
        let page = source
            .fetch_page(
                APP,
                CONV,
                PageRequest {
                    seq: 1,
                    cursor: Cursor::NEWEST,
                    limit: 3,
                    reverse: 1,
                },
            )
            .await
            .unwrap();
        let idx: Vec<i64> = page
            .messages
            .iter()
            .filter_map(|m| m.body.index_in_conversation)
            .collect();
        assert_eq!(idx, [5, 4, 3]);
        let quoted = source
            .get_messages(GetMessagesRequest {
                app_id: APP,
                conversation_short_id: CONV,
                message_ids: vec![MessageId(102), MessageId(999)],
            })
            .await
            .unwrap();
        assert_eq!(quoted.len(), 1, "only what is archived");
        assert_eq!(quoted[0].body.index_in_conversation, Some(2));
        let users = source
            .batch_get_user(BatchGetUserRequest {
                app_id: APP,
                user_ids: vec![UserId(9), UserId(10)],
            })
            .await
            .unwrap();
        assert_eq!(users.users[0].nick_name.as_deref(), Some("Alice"));
        assert_eq!(users.not_found_users, [UserId(10)]);
        let found = source
            .batch_get_conversations(BatchGetConversationsRequest {
                app_id: APP,
                conversation_short_id: vec![CONV, ConversationId(43)],
                skip_member_count: Some(true),
            })
            .await
            .unwrap();
        assert_eq!(found.conversation_core_infos.len(), 1);
        assert_eq!(
            found.conversation_core_infos[0].name.as_deref(),
            Some("team")
        );
    }
}
