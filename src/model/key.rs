//! What identifies a message when it comes again: on an overlapping page, in a
//! resumed export, in the archive.

use sha2::{Digest, Sha256};
use std::fmt;

use super::ids::MessageId;
use super::message::Message;

/// A message's identity. Its `MessageId` when that is readable; else its
/// `IndexInConversation`; else a digest of the JSON exactly as received, so that a
/// message with no usable id is still recognised when the same bytes come again.
///
/// `Index` and `Raw` keys are meaningful within one conversation only: scope them by
/// conversation wherever messages of several conversations meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKey {
    /// The `MessageId`.
    Id(MessageId),
    /// The `IndexInConversation` of a message without a usable `MessageId`.
    Index(i64),
    /// The first 16 bytes of the SHA-256 of the received JSON, for a message with
    /// neither.
    Raw([u8; 16]),
}

impl MessageKey {
    /// The key of a message whose received JSON is `raw` and whose readable id and
    /// index are given.
    pub fn new(id: Option<MessageId>, index: Option<i64>, raw: &str) -> MessageKey {
        match (id, index) {
            (Some(id), _) => MessageKey::Id(id),
            (None, Some(index)) => MessageKey::Index(index),
            (None, None) => MessageKey::Raw(raw_digest(raw)),
        }
    }

    /// The `MessageId`, for an `Id` key.
    pub fn message_id(self) -> Option<MessageId> {
        match self {
            MessageKey::Id(id) => Some(id),
            _ => None,
        }
    }
}

/// `id:N`, `index:N` or `raw:HEX`: a stable text form, for storage and logs.
impl fmt::Display for MessageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageKey::Id(id) => write!(f, "id:{id}"),
            MessageKey::Index(i) => write!(f, "index:{i}"),
            MessageKey::Raw(d) => write!(f, "raw:{}", hex::encode(d)),
        }
    }
}

/// The parse of [`MessageKey`]'s text form.
impl std::str::FromStr for MessageKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not a message key: {s:?}");
        let (kind, value) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "id" => value
                .parse()
                .map(|v| MessageKey::Id(MessageId(v)))
                .map_err(|_| bad()),
            "index" => value.parse().map(MessageKey::Index).map_err(|_| bad()),
            "raw" => {
                let bytes = hex::decode(value).map_err(|_| bad())?;
                let digest: [u8; 16] = bytes.try_into().map_err(|_| bad())?;
                Ok(MessageKey::Raw(digest))
            }
            _ => Err(bad()),
        }
    }
}

fn raw_digest(raw: &str) -> [u8; 16] {
    let full = Sha256::digest(raw.as_bytes());
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&full[..16]);
    digest
}

impl Message {
    /// This message's identity: see [`MessageKey`].
    pub fn key(&self) -> MessageKey {
        MessageKey::new(self.id(), self.body.index_in_conversation, self.raw_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_id_wins_then_the_index_then_the_bytes() {
        let with_id = Message::from_value(&json!({"MessageId": 7, "IndexInConversation": 3}));
        assert_eq!(with_id.key(), MessageKey::Id(MessageId(7)));
        let with_index = Message::from_value(&json!({"IndexInConversation": 3, "Content": "a"}));
        assert_eq!(with_index.key(), MessageKey::Index(3));
        let bare = Message::from_value(&json!({"Content": "a"}));
        let again = Message::from_value(&json!({"Content": "a"}));
        let other = Message::from_value(&json!({"Content": "b"}));
        assert!(matches!(bare.key(), MessageKey::Raw(_)));
        assert_eq!(bare.key(), again.key(), "the same bytes, the same key");
        assert_ne!(bare.key(), other.key());
    }

    #[test]
    fn the_text_form_reads_back() {
        for key in [
            MessageKey::Id(MessageId(i64::MAX)),
            MessageKey::Index(-4),
            Message::from_value(&json!({"x": 1})).key(),
        ] {
            assert_eq!(key.to_string().parse::<MessageKey>(), Ok(key));
        }
        assert!("id:".parse::<MessageKey>().is_err());
        assert!("raw:abcd".parse::<MessageKey>().is_err());
        assert!("name:1".parse::<MessageKey>().is_err());
    }
}
