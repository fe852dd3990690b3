//! Listing a user's conversations with `GetUserConversations`, page by page.

use std::collections::HashSet;

use crate::api::ApiError;
use crate::api::client::Client;
use crate::api::wire::{GetUserConversationsRequest, PAGE_LIMIT};
use crate::model::{AppId, ConversationInfo, UserId};
use crate::pager::MAX_FRUITLESS_PAGES;

/// Why a listing stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A call failed (after the client's retries).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The server handed back a cursor it had already given while claiming more.
    #[error(
        "the server handed back conversation cursor {0} again while claiming more; stopped to avoid a loop"
    )]
    RepeatedCursor(i64),
    /// Pages that brought nothing while claiming more, too many in a row.
    #[error(
        "the server sent {0} empty pages in a row while claiming more conversations; stopped to avoid a loop"
    )]
    EmptyPages(u32),
}

/// Lists up to `max` conversations of `user` in `app`, following `NextCursor`
/// until `HasMore` is false. Never loops: a cursor seen twice, or pages that bring
/// nothing twice in a row while claiming more, are errors.
pub async fn user_conversations(
    client: &Client,
    app: AppId,
    user: UserId,
    max: usize,
) -> Result<Vec<ConversationInfo>, ListError> {
    let mut out = Vec::new();
    let mut cursor = 0i64;
    let mut used = HashSet::new();
    let mut empty = 0;
    while out.len() < max {
        used.insert(cursor);
        let page = client
            .get_user_conversations(&GetUserConversationsRequest {
                app_id: app,
                participant_user_id: user,
                cursor,
                limit: PAGE_LIMIT,
                data_type: None,
                inbox_type: None,
                skip_member_count: None,
            })
            .await?;
        empty = if page.conversation_infos.is_empty() {
            empty + 1
        } else {
            0
        };
        out.extend(page.conversation_infos);
        if !page.has_more {
            break;
        }
        if empty >= MAX_FRUITLESS_PAGES {
            return Err(ListError::EmptyPages(empty));
        }
        if !used.insert(page.next_cursor) {
            return Err(ListError::RepeatedCursor(page.next_cursor));
        }
        cursor = page.next_cursor;
    }
    out.truncate(max);
    Ok(out)
}
