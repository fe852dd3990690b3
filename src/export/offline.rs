//! `export --offline`: pages read from the archive instead of the service.

use std::future::Future;

use crate::api::ApiError;
use crate::api::wire::Page;
use crate::archive::{Archive, OlderEdge, SharedArchive};
use crate::model::{AppId, ConversationId, UserId};
use crate::paging::PageRequest;
use crate::source::Source;

/// Serves an export from the archive alone: no request leaves the machine.
#[derive(Clone, Debug)]
pub struct ArchivePages {
    pub archive: SharedArchive,
}

impl Source for ArchivePages {
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send {
        let archive = self.archive.clone();
        async move {
            let direction = req.direction();
            archive
                .with(move |a| a.archived_page(app, conversation, req.cursor, direction, req.limit))
                .await
                .map_err(|e| ApiError::Request(e.to_string()))
        }
    }

    async fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, ApiError> {
        let users = users.to_vec();
        let names = self
            .archive
            .with(move |a| a.user_names(app))
            .await
            .map_err(|e| ApiError::Request(e.to_string()))?;
        Ok(users
            .into_iter()
            .filter_map(|u| names.get(&u).map(|n| (u, n.clone())))
            .collect())
    }
}

/// What the archive lacks of a conversation, said for a person; `None` when it holds
/// the whole history from its beginning without a gap.
pub fn coverage_warning(
    archive: &Archive,
    app: AppId,
    conversation: ConversationId,
    label: &str,
) -> Result<Option<String>, crate::archive::ArchiveError> {
    if archive.message_count(app, conversation)? == 0 {
        return Ok(Some(format!(
            "the archive holds no message of {label}: `volc-im sync --conversation {conversation}` fetches it"
        )));
    }
    let stretches = archive.coverage(app, conversation)?;
    let from_beginning = stretches.iter().any(|s| s.older == OlderEdge::Beginning);
    let gaps = stretches.len().saturating_sub(1);
    let lacking = match (from_beginning, gaps) {
        (true, 0) => return Ok(None),
        (true, n) => format!("has {n} gap{} in", if n == 1 { "" } else { "s" }),
        (false, 0) => "does not reach the beginning of".to_owned(),
        (false, n) => format!(
            "does not reach the beginning of, and has {n} gap{} in,",
            if n == 1 { "" } else { "s" }
        ),
    };
    Ok(Some(format!(
        "the archive {lacking} {label}: the export holds only what is archived (`volc-im sync --conversation {conversation}` fetches the rest)"
    )))
}
