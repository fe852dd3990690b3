//! Conversations and users, as `GetUserConversations`, `BatchGetConversations`
//! and `BatchGetUser` describe them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::ids::{ConversationId, UserId};

/// What kind of conversation: the `ConversationType` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConversationKind {
    /// 1: two people.
    OneToOne,
    /// 2: a group chat.
    Group,
    /// 100: a live group, which can only be read newest-first.
    LiveGroup,
    /// Any other value, shown raw.
    Other(i32),
}

impl ConversationKind {
    /// From the wire value.
    pub fn from_code(code: i32) -> Self {
        match code {
            1 => ConversationKind::OneToOne,
            2 => ConversationKind::Group,
            100 => ConversationKind::LiveGroup,
            other => ConversationKind::Other(other),
        }
    }

    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            ConversationKind::OneToOne => 1,
            ConversationKind::Group => 2,
            ConversationKind::LiveGroup => 100,
            ConversationKind::Other(c) => c,
        }
    }

    /// A short name for people.
    pub fn label(self) -> String {
        match self {
            ConversationKind::OneToOne => "one-to-one".into(),
            ConversationKind::Group => "group".into(),
            ConversationKind::LiveGroup => "live group".into(),
            ConversationKind::Other(c) => format!("type {c}"),
        }
    }
}

/// A conversation's description (`ConversationInfos` / `ConversationCoreInfos` items).
/// Times here are in **seconds**.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ConversationInfo {
    pub conversation_short_id: ConversationId,
    pub conversation_type: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_user_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modify_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ext: Option<BTreeMap<String, String>>,
}

impl ConversationInfo {
    /// The kind from `ConversationType`.
    pub fn kind(&self) -> ConversationKind {
        ConversationKind::from_code(self.conversation_type)
    }
}

/// A user as `BatchGetUser` returns one: the display name for a sender id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub user_id: UserId,
    #[serde(default)]
    pub nick_name: Option<String>,
    #[serde(default)]
    pub portrait: Option<String>,
    #[serde(default)]
    pub ext: Option<BTreeMap<String, String>>,
}

impl User {
    /// A user known by a display name alone.
    pub fn named(user_id: UserId, name: impl Into<String>) -> User {
        User {
            user_id,
            nick_name: Some(name.into()),
            portrait: None,
            ext: None,
        }
    }
}
