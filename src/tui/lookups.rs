//! Names arriving: senders' display names asked for and answered, and conversations'
//! descriptions (names, types), which may reopen a live group newest-first.

use crate::api::ApiError;
use crate::api::wire::{ConversationsResult, USER_BATCH_LIMIT, UsersResult};
use crate::model::{AppId, ConversationId, ConversationKind, UserId};
use crate::pager::Direction;

use super::action::Command;
use super::app::App;
use super::names::Name;

impl App {
    pub(super) fn request_names(&mut self, app: AppId, senders: Vec<UserId>) -> Vec<Command> {
        let new: Vec<UserId> = senders
            .into_iter()
            .filter(|id| !self.names.contains_key(&(app, *id)))
            .collect();
        for id in &new {
            self.names.insert((app, *id), Name::Requested);
        }
        let commands: Vec<Command> = new
            .chunks(USER_BATCH_LIMIT)
            .map(|ids| Command::FetchUsers {
                app,
                ids: ids.to_vec(),
            })
            .collect();
        self.users_in_flight += commands.len();
        commands
    }

    pub(super) fn users_loaded(
        &mut self,
        app: AppId,
        ids: &[UserId],
        result: Result<UsersResult, ApiError>,
    ) {
        self.users_in_flight = self.users_in_flight.saturating_sub(1);
        match result {
            Ok(r) => {
                for user in r.users {
                    let name = match user.nick_name {
                        Some(n) if !n.trim().is_empty() => Name::Known(n),
                        _ => Name::Unknown,
                    };
                    self.names.insert((app, user.user_id), name);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "fetching display names failed");
                // Said once; then user ids stand in for the names without more ado.
                let now = self.ticks;
                if !self.names_failure_told
                    && let Some(view) = self.view.as_mut()
                {
                    self.names_failure_told = true;
                    view.set_notice(
                        &format!(
                            "display names could not be loaded ({}): user ids are shown",
                            e.short()
                        ),
                        now,
                    );
                }
            }
        }
        for id in ids {
            let name = self.names.entry((app, *id)).or_insert(Name::Unknown);
            if *name == Name::Requested {
                *name = Name::Unknown;
            }
        }
        self.names_version += 1;
    }

    pub(super) fn conversations_loaded(
        &mut self,
        app: AppId,
        ids: &[ConversationId],
        result: Result<ConversationsResult, ApiError>,
    ) {
        self.infos_settled.extend(ids.iter().map(|id| (app, *id)));
        match result {
            Ok(r) => {
                for info in r.conversation_core_infos {
                    self.infos.insert((app, info.conversation_short_id), info);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, ?ids, "fetching conversation descriptions failed");
            }
        }
        // A live group opened oldest-first would only earn a server error: reopen it.
        let reopen = self.view.as_ref().is_some_and(|v| {
            v.direction() == Direction::OldestFirst
                && self.kind_of(v.target()) == Some(ConversationKind::LiveGroup)
        });
        if reopen {
            let index = self.picker.selected;
            self.open(index);
        }
    }
}
