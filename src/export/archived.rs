//! An export's pages land in the archive: the page source, wrapped.

use std::future::Future;

use super::{PageSource, SourceStats};
use crate::api::ApiError;
use crate::api::calls::Waiting;
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

    // The progress line asks the wrapper; without this a silent server shows a
    // bare "starting" for as long as it stays silent.
    fn waiting(&self) -> Option<Waiting> {
        self.inner.waiting()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A source whose one request has been out for 14 s.
    #[derive(Clone)]
    struct Slow;

    impl PageSource for Slow {
        async fn fetch_page(
            &self,
            _: AppId,
            _: ConversationId,
            _: &PageRequest,
        ) -> Result<Page, ApiError> {
            std::future::pending().await
        }

        fn stats(&self) -> SourceStats {
            SourceStats::default()
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

    #[test]
    fn the_archive_wrapper_tells_what_the_slow_request_waits_for() {
        let source = Archiving {
            inner: Slow,
            archive: None,
            newest_start: crate::model::Cursor(0),
        };
        let shown = source.waiting().map(|w| w.to_string());
        assert_eq!(
            shown.as_deref(),
            Some("waiting for the server · 14 s · attempt 2 of 5")
        );
    }
}
