//! Senders' display names, as the browser knows them: asked for, known, or known to
//! be missing. A leaf: it depends on nothing else of the browser.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::model::{AppId, Message, UserId};

/// A sender's display name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Name {
    Requested,
    Known(String),
    /// The server has no name (or could not be asked): the id is shown.
    Unknown,
}

/// Display names by app and user.
pub type Names = HashMap<(AppId, UserId), Name>;

/// A sender's display name in `names`, when known.
pub fn known_name(names: &Names, app: AppId, user: UserId) -> Option<&str> {
    match names.get(&(app, user)) {
        Some(Name::Known(n)) => Some(n),
        _ => None,
    }
}

/// The name a message's sender is shown under: the display name when known, else the
/// sender id.
pub fn shown_name<'a>(names: &'a Names, app: AppId, message: &Message) -> Cow<'a, str> {
    match message.body.sender.and_then(|u| known_name(names, app, u)) {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(message.sender_label()),
    }
}
