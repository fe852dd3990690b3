//! Identifier types. Ids reach ~9.2e18, so they are `i64` end to end: never `f64`.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A message's `MessageId`.
    MessageId(i64)
);
id_type!(
    /// A position in a conversation's cursor space, as sent in `Cursor` and received
    /// in `NewCursor`. Opaque: it is passed back as received, never computed.
    Cursor(i64)
);
id_type!(
    /// A conversation's `ConversationShortId`.
    ConversationId(i64)
);
id_type!(
    /// An application's `AppId`.
    AppId(i64)
);
id_type!(
    /// A user id (`Sender`, `UserId`).
    UserId(i64)
);

impl Cursor {
    /// Where a newest-first walk starts unless configured otherwise.
    pub const NEWEST: Cursor = Cursor(i64::MAX);
    /// Where an oldest-first walk starts.
    pub const OLDEST: Cursor = Cursor(0);
}
