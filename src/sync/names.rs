//! Names and types of conversations and users, looked up and kept in the archive.
//! A failed lookup is reported and never stops anything.

use std::collections::BTreeMap;

use crate::api::client::Client;
use crate::api::wire::{BatchGetConversationsRequest, BatchGetUserRequest, USER_BATCH_LIMIT};
use crate::archive::SharedArchive;
use crate::model::{AppId, ConversationId, User};

/// How many conversations one `BatchGetConversations` asks for.
const CONVERSATION_BATCH: usize = 20;

/// What a name lookup did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameLookup {
    pub conversations: u64,
    pub users: u64,
    /// The first failure, if any (the lookup went on without it).
    pub failure: Option<String>,
}

/// Looks up, and keeps in `archive`, the names and types of `conversations`; with
/// `senders`, the names of their senders the archive has no record of instead.
pub async fn look_up_names(
    client: &Client,
    archive: &SharedArchive,
    conversations: &[(AppId, ConversationId)],
    senders: bool,
) -> NameLookup {
    let mut lookup = NameLookup::default();
    let fail = |lookup: &mut NameLookup, e: String| {
        tracing::warn!("name lookup failed: {e}");
        lookup.failure.get_or_insert(e);
    };
    let mut by_app: BTreeMap<AppId, Vec<ConversationId>> = BTreeMap::new();
    for (app, conv) in conversations {
        by_app.entry(*app).or_default().push(*conv);
    }
    for (app, convs) in &by_app {
        let conversation_batches = if senders { &[][..] } else { &convs[..] };
        for batch in conversation_batches.chunks(CONVERSATION_BATCH) {
            let req = BatchGetConversationsRequest {
                app_id: *app,
                conversation_short_id: batch.to_vec(),
                skip_member_count: Some(true),
            };
            match client.batch_get_conversations(&req).await {
                Ok(found) => {
                    lookup.conversations += found.conversation_core_infos.len() as u64;
                    archive
                        .keep_conversations(*app, found.conversation_core_infos)
                        .await;
                }
                Err(e) => fail(&mut lookup, e.to_string()),
            }
        }
        let sender_lookups = if senders { &convs[..] } else { &[][..] };
        for conv in sender_lookups {
            let (app, conv) = (*app, *conv);
            let senders = match archive
                .with(move |a| a.senders_without_names(app, conv))
                .await
            {
                Ok(senders) => senders,
                Err(e) => {
                    fail(&mut lookup, e.to_string());
                    continue;
                }
            };
            for batch in senders.chunks(USER_BATCH_LIMIT) {
                let req = BatchGetUserRequest {
                    app_id: app,
                    user_ids: batch.to_vec(),
                };
                match client.batch_get_user(&req).await {
                    Ok(found) => {
                        lookup.users += found.users.len() as u64;
                        let mut users = found.users;
                        // Kept without a name, so that they are not asked for again and again.
                        users.extend(found.not_found_users.into_iter().map(|id| User {
                            user_id: id,
                            nick_name: None,
                            portrait: None,
                            ext: None,
                        }));
                        archive.keep_users(app, users).await;
                    }
                    Err(e) => fail(&mut lookup, e.to_string()),
                }
            }
        }
    }
    if lookup.failure.is_none()
        && let Some((e, _)) = archive.failure()
    {
        lookup.failure = Some(e);
    }
    lookup
}
