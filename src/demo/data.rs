//! The demo app's users, conversations and messages, shipped as JSON in
//! `assets/demo/` (written by `scripts/gen-demo-data.py`) and built into the binary.
//!
//! Messages are kept as the exact JSON text of the files: the server hands them out
//! byte for byte, so fields the program does not know survive the trip.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE};
use crate::model::{
    AppId, ConversationId, ConversationInfo, ConversationKind, Message, MessageId, User, UserId,
};

const USERS_JSON: &str = include_str!("../../assets/demo/users.json");
const CONVERSATIONS_JSON: &str = include_str!("../../assets/demo/conversations.json");
/// One messages file per conversation.
const MESSAGE_FILES: &[(i64, &str, &str)] = &[
    (
        DEMO_GROUP,
        "messages-group.json",
        include_str!("../../assets/demo/messages-group.json"),
    ),
    (
        DEMO_DIRECT,
        "messages-direct.json",
        include_str!("../../assets/demo/messages-direct.json"),
    ),
    (
        DEMO_LIVE,
        "messages-live.json",
        include_str!("../../assets/demo/messages-live.json"),
    ),
];

/// Everything the demo app holds.
#[derive(Debug)]
pub struct DemoData {
    app_id: AppId,
    users: Vec<User>,
    conversations: Vec<DemoConversation>,
}

/// One conversation of the demo app: its description, members and messages.
#[derive(Debug)]
pub struct DemoConversation {
    info: ConversationInfo,
    members: Vec<UserId>,
    /// Ascending by `IndexInConversation`.
    messages: Vec<StoredMessage>,
}

/// A message as served: its exact JSON text, with the two fields paging needs.
#[derive(Debug, Clone)]
pub(crate) struct StoredMessage {
    pub(crate) index: i64,
    pub(crate) id: MessageId,
    pub(crate) raw: Arc<RawValue>,
}

/// Which way a page of messages goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Older to newer (`Reverse` 0).
    Forward,
    /// Newer to older (`Reverse` 1).
    Backward,
}

/// One page of messages, as `GetConversationMessages` answers.
#[derive(Debug, Clone)]
pub(crate) struct MessagesPage {
    pub(crate) messages: Vec<Arc<RawValue>>,
    pub(crate) has_more: bool,
    pub(crate) new_cursor: i64,
}

/// The parsed demo data, read once from the files built into the binary.
pub fn demo_data() -> &'static DemoData {
    static DATA: OnceLock<DemoData> = OnceLock::new();
    DATA.get_or_init(|| {
        DemoData::parse().unwrap_or_else(|e| panic!("the shipped demo data is invalid: {e}"))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConversationsFile {
    app_id: i64,
    conversations: Vec<ConversationEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ConversationEntry {
    #[serde(flatten)]
    info: ConversationInfo,
    members: Vec<UserId>,
}

/// The fields of a stored message that paging and checking need.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StoredFields {
    app_id: i64,
    conversation_short_id: i64,
    message_id: i64,
    index_in_conversation: i64,
}

impl DemoData {
    fn parse() -> Result<DemoData, String> {
        let users: Vec<User> =
            serde_json::from_str(USERS_JSON).map_err(|e| format!("users.json: {e}"))?;
        let file: ConversationsFile = serde_json::from_str(CONVERSATIONS_JSON)
            .map_err(|e| format!("conversations.json: {e}"))?;
        if file.app_id != DEMO_APP_ID {
            return Err(format!("conversations.json: AppId {}", file.app_id));
        }
        let mut seen_ids = HashSet::new();
        let mut conversations = Vec::new();
        for entry in file.conversations {
            let id = entry.info.conversation_short_id.0;
            let (_, name, text) = MESSAGE_FILES
                .iter()
                .find(|(cid, _, _)| *cid == id)
                .ok_or_else(|| format!("conversation {id} has no messages file"))?;
            let messages = parse_messages(id, name, text, &mut seen_ids)?;
            conversations.push(DemoConversation {
                info: entry.info,
                members: entry.members,
                messages,
            });
        }
        if conversations.len() != MESSAGE_FILES.len() {
            return Err("a messages file has no conversation".into());
        }
        Ok(DemoData {
            app_id: AppId(file.app_id),
            users,
            conversations,
        })
    }

    /// The demo app's `AppId`.
    pub fn app_id(&self) -> AppId {
        self.app_id
    }

    /// Every user of the app.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// A user by id.
    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.iter().find(|u| u.user_id == id)
    }

    /// Every conversation of the app.
    pub fn conversations(&self) -> &[DemoConversation] {
        &self.conversations
    }

    /// A conversation by id.
    pub fn conversation(&self, id: ConversationId) -> Option<&DemoConversation> {
        self.conversations
            .iter()
            .find(|c| c.info.conversation_short_id == id)
    }

    /// The conversations a user is a member of, most recently active first.
    pub fn conversations_of(&self, user: UserId) -> Vec<&DemoConversation> {
        let mut found: Vec<&DemoConversation> = self
            .conversations
            .iter()
            .filter(|c| c.members.contains(&user))
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse(c.info.modify_time));
        found
    }
}

fn parse_messages(
    conversation: i64,
    name: &str,
    text: &'static str,
    seen_ids: &mut HashSet<i64>,
) -> Result<Vec<StoredMessage>, String> {
    let raws: Vec<&'static RawValue> =
        serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    let mut messages: Vec<StoredMessage> = Vec::with_capacity(raws.len());
    for raw in raws {
        let fields: StoredFields =
            serde_json::from_str(raw.get()).map_err(|e| format!("{name}: {e}"))?;
        let at = format!("{name}: message {}", fields.message_id);
        if fields.app_id != DEMO_APP_ID || fields.conversation_short_id != conversation {
            return Err(format!("{at} belongs elsewhere"));
        }
        if !seen_ids.insert(fields.message_id) {
            return Err(format!("{at}: the id is used twice"));
        }
        if let Some(prev) = messages.last()
            && prev.index >= fields.index_in_conversation
        {
            return Err(format!("{at}: not in ascending index order"));
        }
        messages.push(StoredMessage {
            index: fields.index_in_conversation,
            id: MessageId(fields.message_id),
            raw: Arc::from(raw.to_owned()),
        });
    }
    Ok(messages)
}

impl DemoConversation {
    /// The conversation's id.
    pub fn id(&self) -> ConversationId {
        self.info.conversation_short_id
    }

    /// The conversation as `BatchGetConversations` describes it (times in seconds).
    pub fn info(&self) -> &ConversationInfo {
        &self.info
    }

    /// One-to-one, group or live group.
    pub fn kind(&self) -> ConversationKind {
        self.info.kind()
    }

    /// The display name.
    pub fn name(&self) -> &str {
        self.info.name.as_deref().unwrap_or("")
    }

    /// The members, as `GetUserConversations` finds them.
    pub fn members(&self) -> &[UserId] {
        &self.members
    }

    /// How many messages the conversation holds.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// True when the conversation holds no message.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The messages in ascending index order, each as its exact stored JSON text.
    pub fn raw_messages(&self) -> Vec<&str> {
        self.messages.iter().map(|m| m.raw.get()).collect()
    }

    /// The messages in ascending index order, parsed.
    pub fn messages(&self) -> Vec<Message> {
        self.messages
            .iter()
            .map(|m| Message::from_raw((*m.raw).to_owned()))
            .collect()
    }

    /// The shipped messages, ascending by index, as the server starts serving them.
    pub(crate) fn stored(&self) -> &[StoredMessage] {
        &self.messages
    }

    /// A page of the shipped messages; see [`page`].
    #[cfg(test)]
    pub(crate) fn page(&self, cursor: i64, limit: usize, direction: Direction) -> MessagesPage {
        page(&self.messages, cursor, limit, direction)
    }
}

/// A page of `all` (ascending by index). `cursor` is the index of the first message
/// wanted, included. Forward pages ascend and their `new_cursor` is one past the last
/// index returned; backward pages descend and their `new_cursor` is one before. An
/// empty page hands the cursor back unchanged.
pub(crate) fn page(
    all: &[StoredMessage],
    cursor: i64,
    limit: usize,
    direction: Direction,
) -> MessagesPage {
    let (picked, has_more): (Vec<&StoredMessage>, bool) = match direction {
        Direction::Forward => {
            let start = all.partition_point(|m| m.index < cursor);
            let end = all.len().min(start.saturating_add(limit));
            (all[start..end].iter().collect(), end < all.len())
        }
        Direction::Backward => {
            let end = all.partition_point(|m| m.index <= cursor);
            let start = end.saturating_sub(limit);
            (all[start..end].iter().rev().collect(), start > 0)
        }
    };
    let new_cursor = match (picked.last(), direction) {
        (Some(last), Direction::Forward) => last.index.saturating_add(1),
        (Some(last), Direction::Backward) => last.index.saturating_sub(1),
        (None, _) => cursor,
    };
    MessagesPage {
        messages: picked.iter().map(|m| Arc::clone(&m.raw)).collect(),
        has_more,
        new_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MessageStatus, MsgType};

    fn group() -> &'static DemoConversation {
        demo_data()
            .conversation(ConversationId(DEMO_GROUP))
            .unwrap()
    }

    #[test]
    fn the_shipped_data_parses_and_holds_the_three_conversations() {
        let data = demo_data();
        assert_eq!(data.app_id(), AppId(DEMO_APP_ID));
        assert!((8..=12).contains(&data.users().len()));
        let kinds: Vec<_> = data.conversations().iter().map(|c| c.kind()).collect();
        assert_eq!(
            kinds,
            [
                ConversationKind::Group,
                ConversationKind::OneToOne,
                ConversationKind::LiveGroup
            ]
        );
        assert!((550..=650).contains(&group().len()));
        for c in data.conversations() {
            assert!(!c.is_empty());
            for member in c.members() {
                assert!(data.user(*member).is_some(), "member {member}");
            }
            for m in c.messages() {
                assert!(m.defects.is_empty(), "{:?}", m.defects);
                let sender = m.body.sender.unwrap();
                assert!(data.user(sender).is_some(), "sender {sender}");
            }
        }
    }

    #[test]
    fn indexes_run_from_one_without_gaps_and_ids_are_large() {
        for c in demo_data().conversations() {
            for (i, m) in c.messages().iter().enumerate() {
                assert_eq!(m.body.index_in_conversation, Some(i as i64 + 1));
                assert!(m.id().unwrap().0 > 7_000_000_000_000_000_000);
            }
        }
    }

    #[test]
    fn the_group_chat_exercises_what_the_program_must_handle() {
        let messages = group().messages();
        let types: Vec<MsgType> = messages.iter().map(Message::msg_type).collect();
        for t in [
            MsgType::Text,
            MsgType::Image,
            MsgType::File,
            MsgType::Custom,
            MsgType::System,
            MsgType::Other(10077),
        ] {
            assert!(types.contains(&t), "{t:?}");
        }
        let text = |m: &Message| m.decoded_content().text.unwrap_or_default();
        assert!(messages.iter().any(|m| text(m).chars().count() > 2000));
        assert!(messages.iter().any(|m| text(m).contains('\n')));
        assert!(messages.iter().any(|m| text(m).contains('\u{1b}')));
        assert!(messages.iter().any(|m| text(m).contains('\u{9b}')));
        assert!(messages.iter().any(|m| m.body.content.contains('\u{1b}')));
        assert!(messages.iter().any(|m| text(m).contains('\u{8}')));
        assert!(messages.iter().any(|m| text(m).contains("مرحبا")));
        assert!(messages.iter().any(|m| !m.unknown_fields().is_empty()));
        assert!(messages.iter().any(|m| m.decoded_content().json.is_none()));
        assert!(messages.iter().any(|m| !m.body.ext.is_empty()));

        let by_id = |id: MessageId| messages.iter().find(|m| m.id() == Some(id));
        let replies: Vec<_> = messages
            .iter()
            .filter_map(|m| Some((m, m.body.ref_msg_info.as_ref()?)))
            .collect();
        assert!(replies.len() > 20);
        for (reply, info) in &replies {
            let target = by_id(info.referenced_message_id.unwrap()).expect("a real message");
            assert!(target.body.index_in_conversation < reply.body.index_in_conversation);
            assert_eq!(info.referenced_message_type, target.body.msg_type);
            assert_eq!(info.status, target.body.status);
        }
        assert!(replies.iter().any(|(_, i)| i.hint == "[图片]"));
        let recalled = replies
            .iter()
            .find(|(_, i)| i.status() == MessageStatus::Recalled)
            .expect("a reply quoting a recalled message");
        let target = by_id(recalled.1.referenced_message_id.unwrap()).unwrap();
        assert_eq!(target.status(), MessageStatus::Recalled);
    }

    #[test]
    fn forward_pages_include_the_cursor_and_point_past_the_last() {
        let all = group().raw_messages();
        let page = group().page(0, 20, Direction::Forward);
        assert_eq!(page.messages.len(), 20);
        assert_eq!(page.messages[0].get(), all[0]);
        assert!(page.has_more);
        assert_eq!(page.new_cursor, 21);
        let next = group().page(page.new_cursor, 20, Direction::Forward);
        assert_eq!(next.messages[0].get(), all[20]);
        let n = all.len() as i64;
        let tail = group().page(n - 2, 20, Direction::Forward);
        assert_eq!(tail.messages.len(), 3);
        assert!(!tail.has_more);
        assert_eq!(tail.new_cursor, n + 1);
        let beyond = group().page(n + 5, 20, Direction::Forward);
        assert!(beyond.messages.is_empty() && !beyond.has_more);
        assert_eq!(beyond.new_cursor, n + 5);
    }

    #[test]
    fn backward_pages_descend_from_the_cursor() {
        let all = group().raw_messages();
        let n = all.len();
        let newest = group().page(i64::MAX, 20, Direction::Backward);
        assert_eq!(newest.messages[0].get(), all[n - 1]);
        assert_eq!(newest.messages[19].get(), all[n - 20]);
        assert_eq!(newest.new_cursor, n as i64 - 20);
        assert!(newest.has_more);
        let head = group().page(3, 20, Direction::Backward);
        let got: Vec<&str> = head.messages.iter().map(|m| m.get()).collect();
        assert_eq!(got, [all[2], all[1], all[0]]);
        assert!(!head.has_more);
        assert_eq!(head.new_cursor, 0);
        let before = group().page(0, 20, Direction::Backward);
        assert!(before.messages.is_empty() && !before.has_more);
    }

    #[test]
    fn conversations_of_a_user_are_those_they_belong_to() {
        let data = demo_data();
        let alice = data.conversations()[0].info().owner_user_id.unwrap();
        assert_eq!(data.conversations_of(UserId(alice)).len(), 3);
        assert!(data.conversations_of(UserId(1)).is_empty());
    }
}
