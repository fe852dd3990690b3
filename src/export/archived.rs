//! An export's pages land in the archive: the page source, wrapped.

use std::future::Future;

use super::{PageSource, SourceStats};
use crate::api::ApiError;
use crate::api::wire::Page;
use crate::archive::Archiving;
use crate::model::{AppId, ConversationId, User, UserId};
use crate::pager::PageRequest;

impl<S: PageSource> PageSource for Archiving<S> {
    fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: &PageRequest,
    ) -> impl Future<Output = Result<Page, ApiError>> + Send {
        let req = *req;
        async move {
            let page = self.inner.fetch_page(app, conversation, &req).await?;
            self.keep_page(app, conversation, &req, &page).await;
            Ok(page)
        }
    }

    fn stats(&self) -> SourceStats {
        self.inner.stats()
    }

    async fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, ApiError> {
        let names = self.inner.user_names(app, users).await?;
        let kept: Vec<User> = names
            .iter()
            .map(|(id, name)| User {
                user_id: *id,
                nick_name: Some(name.clone()),
                portrait: None,
                ext: None,
            })
            .collect();
        self.keep_users(app, &kept).await;
        Ok(names)
    }
}
