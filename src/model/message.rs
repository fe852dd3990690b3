//! `MessageBody`, typed, with the received JSON kept as it came.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

mod lenient;

use super::content::{DecodedContent, decode_content};
use super::ids::{ConversationId, MessageId, UserId};

/// The field names of `MessageBody` this model knows; anything else is kept raw
/// and shown as an unknown field.
pub const KNOWN_FIELDS: &[&str] = &[
    "AppId",
    "ConversationShortId",
    "ConversationType",
    "MessageId",
    "Sender",
    "SenderStr",
    "MsgType",
    "Content",
    "CreateTime",
    "Status",
    "Ext",
    "IndexInConversation",
    "RefMsgInfo",
];

/// The typed view of a message. Fields the spec marks optional are optional; fields
/// that may be missing from an odd message are optional too, so that such a message
/// can still be shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageBody {
    #[serde(default)]
    pub app_id: Option<i64>,
    #[serde(default)]
    pub conversation_short_id: Option<ConversationId>,
    #[serde(default)]
    pub conversation_type: Option<i32>,
    #[serde(default)]
    pub message_id: Option<MessageId>,
    #[serde(default)]
    pub sender: Option<UserId>,
    #[serde(default)]
    pub sender_str: Option<String>,
    #[serde(default)]
    pub msg_type: Option<i32>,
    /// App-defined: JSON such as `{"text": "..."}`, or plain text.
    #[serde(default)]
    pub content: String,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub create_time: Option<i64>,
    #[serde(default)]
    pub status: i32,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ext: BTreeMap<String, String>,
    #[serde(default)]
    pub index_in_conversation: Option<i64>,
    #[serde(default)]
    pub ref_msg_info: Option<RefMsgInfo>,
}

/// The message a message quotes or replies to.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RefMsgInfo {
    #[serde(default)]
    pub referenced_message_id: Option<MessageId>,
    /// The text to show for the quote, e.g. `[图片]`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hint: String,
    #[serde(default)]
    pub referenced_message_type: Option<i32>,
    #[serde(default)]
    pub status: i32,
}

impl RefMsgInfo {
    /// What became of the referenced message.
    pub fn status(&self) -> RefStatus {
        MessageStatus::from_code(self.status)
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What kind of message: the `MsgType` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgType {
    Text,
    Sticker,
    Image,
    Video,
    File,
    Audio,
    Location,
    System,
    Link,
    Custom,
    /// Any other value, shown as its number.
    Other(i32),
}

impl MsgType {
    /// From the wire value.
    pub fn from_code(code: i32) -> Self {
        match code {
            10001 => MsgType::Text,
            10002 => MsgType::Sticker,
            10003 => MsgType::Image,
            10004 => MsgType::Video,
            10005 => MsgType::File,
            10006 => MsgType::Audio,
            10007 => MsgType::Location,
            10008 => MsgType::System,
            10009 => MsgType::Link,
            10012 => MsgType::Custom,
            other => MsgType::Other(other),
        }
    }

    /// The wire value.
    pub fn code(self) -> i32 {
        match self {
            MsgType::Text => 10001,
            MsgType::Sticker => 10002,
            MsgType::Image => 10003,
            MsgType::Video => 10004,
            MsgType::File => 10005,
            MsgType::Audio => 10006,
            MsgType::Location => 10007,
            MsgType::System => 10008,
            MsgType::Link => 10009,
            MsgType::Custom => 10012,
            MsgType::Other(c) => c,
        }
    }

    /// A short lowercase name: `text`, `image`, ... or `type 10077`.
    pub fn label(self) -> String {
        match self {
            MsgType::Text => "text".into(),
            MsgType::Sticker => "sticker".into(),
            MsgType::Image => "image".into(),
            MsgType::Video => "video".into(),
            MsgType::File => "file".into(),
            MsgType::Audio => "audio".into(),
            MsgType::Location => "location".into(),
            MsgType::System => "system".into(),
            MsgType::Link => "link".into(),
            MsgType::Custom => "custom".into(),
            MsgType::Other(c) => format!("type {c}"),
        }
    }
}

/// A message's (or a referenced message's) visibility: `Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageStatus {
    Visible,
    Expired,
    Invisible,
    Recalled,
    /// Deleted after having been visible.
    Deleted,
    Other(i32),
}

/// The status of a referenced message uses the same values.
pub type RefStatus = MessageStatus;

impl MessageStatus {
    /// From the wire value.
    pub fn from_code(code: i32) -> Self {
        match code {
            0 => MessageStatus::Visible,
            1 => MessageStatus::Expired,
            2 => MessageStatus::Invisible,
            3 => MessageStatus::Recalled,
            4 => MessageStatus::Deleted,
            other => MessageStatus::Other(other),
        }
    }

    /// A short lowercase name.
    pub fn label(self) -> String {
        match self {
            MessageStatus::Visible => "visible".into(),
            MessageStatus::Expired => "expired".into(),
            MessageStatus::Invisible => "invisible".into(),
            MessageStatus::Recalled => "recalled".into(),
            MessageStatus::Deleted => "deleted".into(),
            MessageStatus::Other(c) => format!("status {c}"),
        }
    }
}

/// A field of a received message that was missing or not of the expected type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDefect {
    /// The wire name, e.g. `MessageId`.
    pub field: &'static str,
    /// What was wrong, e.g. `missing` or `expected a string, found 42`.
    pub problem: String,
}

impl fmt::Display for FieldDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

/// A received message: the JSON object exactly as it came, and its typed view.
#[derive(Clone, Debug)]
pub struct Message {
    raw: Box<RawValue>,
    /// The typed view; fields that could not be read hold defaults and are listed in `defects`.
    pub body: MessageBody,
    /// Fields that were missing or malformed. Empty for a well-formed message.
    pub defects: Vec<FieldDefect>,
}

impl Message {
    /// Reads one message from its received JSON. Never fails for a JSON object or any
    /// other JSON value: an odd message is kept raw, typed as well as it can be.
    pub fn from_raw(raw: Box<RawValue>) -> Self {
        let (body, defects) = match serde_json::from_str::<MessageBody>(raw.get()) {
            Ok(body) => {
                let defects = missing_fields(&body);
                (body, defects)
            }
            Err(_) => lenient::lenient_body(raw.get()),
        };
        Message { raw, body, defects }
    }

    /// Builds a message from a JSON value (tests, demo data).
    pub fn from_value(value: &Value) -> Self {
        let raw = RawValue::from_string(value.to_string()).expect("a Value serializes to JSON");
        Message::from_raw(raw)
    }

    /// The JSON object exactly as received.
    pub fn raw_json(&self) -> &str {
        self.raw.get()
    }

    /// The received JSON as a raw value, for writing it back out unchanged.
    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    /// The `MessageId`, when the message had a readable one.
    pub fn id(&self) -> Option<MessageId> {
        self.body.message_id
    }

    /// The message type.
    pub fn msg_type(&self) -> MsgType {
        MsgType::from_code(self.body.msg_type.unwrap_or(0))
    }

    /// The message's visibility.
    pub fn status(&self) -> MessageStatus {
        MessageStatus::from_code(self.body.status)
    }

    /// The content decoded: JSON text content as its text, structured content as JSON.
    pub fn decoded_content(&self) -> DecodedContent {
        decode_content(&self.body.content)
    }

    /// The sender as a string: `SenderStr` when the app uses string ids, else `Sender`.
    pub fn sender_label(&self) -> String {
        match (&self.body.sender_str, self.body.sender) {
            (Some(s), _) if !s.is_empty() => s.clone(),
            (_, Some(id)) => id.to_string(),
            _ => "?".into(),
        }
    }

    /// Fields of the received object that the model does not know, in received order.
    pub fn unknown_fields(&self) -> Map<String, Value> {
        match serde_json::from_str::<Value>(self.raw.get()) {
            Ok(Value::Object(map)) => map
                .into_iter()
                .filter(|(k, _)| !KNOWN_FIELDS.contains(&k.as_str()))
                .collect(),
            _ => Map::new(),
        }
    }

    /// Ordering within a conversation: by `IndexInConversation`, then `CreateTime`,
    /// then `MessageId`. Messages missing a field sort before those that have it.
    pub fn order_key(&self) -> (Option<i64>, Option<i64>, Option<MessageId>) {
        (
            self.body.index_in_conversation,
            self.body.create_time,
            self.body.message_id,
        )
    }
}

/// The fields a usable message needs; missing ones are defects (the message is kept).
pub(super) fn missing_fields(body: &MessageBody) -> Vec<FieldDefect> {
    let mut defects = Vec::new();
    let mut check = |present: bool, field: &'static str| {
        if !present {
            defects.push(FieldDefect {
                field,
                problem: "missing".into(),
            });
        }
    };
    check(body.message_id.is_some(), "MessageId");
    check(body.sender.is_some() || body.sender_str.is_some(), "Sender");
    check(body.msg_type.is_some(), "MsgType");
    check(body.create_time.is_some(), "CreateTime");
    defects
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_well_formed_message_is_typed_and_kept_as_received() {
        let raw = r#"{"AppId":1,"ConversationShortId":7000000000000000001,"ConversationType":2,"MessageId":9223372036854775806,"Sender":42,"MsgType":10001,"Content":"{\"text\":\"hi\"}","CreateTime":1714564800123,"Status":0,"Ext":{"k":"v"},"IndexInConversation":7,"RefMsgInfo":{"ReferencedMessageId":9223372036854775805,"Hint":"[图片]","ReferencedMessageType":10003,"Status":3},"Future":{"x":1.50}}"#;
        let m = Message::from_raw(RawValue::from_string(raw.into()).unwrap());
        assert!(m.defects.is_empty(), "{:?}", m.defects);
        assert_eq!(m.id(), Some(MessageId(9223372036854775806)));
        assert_eq!(
            m.body.conversation_short_id,
            Some(ConversationId(7000000000000000001))
        );
        assert_eq!(m.msg_type(), MsgType::Text);
        assert_eq!(m.decoded_content().text.as_deref(), Some("hi"));
        let r = m.body.ref_msg_info.as_ref().unwrap();
        assert_eq!(
            r.referenced_message_id,
            Some(MessageId(9223372036854775805))
        );
        assert_eq!(r.status(), MessageStatus::Recalled);
        assert_eq!(r.hint, "[图片]");
        assert_eq!(m.raw_json(), raw, "kept byte for byte");
        let unknown = m.unknown_fields();
        assert_eq!(unknown.len(), 1);
        assert!(unknown.contains_key("Future"));
    }

    #[test]
    fn odd_fields_keep_the_message_and_name_the_problem() {
        let m = Message::from_value(&json!({
            "MessageId": "123", "Sender": 5, "MsgType": 10001,
            "Content": 42, "CreateTime": 1, "Ext": null
        }));
        assert_eq!(m.id(), Some(MessageId(123)));
        assert_eq!(m.body.content, "42");
        assert!(m.body.ext.is_empty());
        let fields: Vec<_> = m.defects.iter().map(|d| d.field).collect();
        assert_eq!(fields, vec!["MessageId", "Content"]);

        let m = Message::from_value(
            &json!({"Sender": 5, "MsgType": 10001, "Content": "x", "CreateTime": 1}),
        );
        assert_eq!(m.id(), None);
        assert_eq!(m.defects[0].field, "MessageId");
        assert_eq!(m.defects[0].problem, "missing");

        let m = Message::from_value(&json!("just a string"));
        assert_eq!(m.defects[0].field, "(message)");
        assert_eq!(m.raw_json(), "\"just a string\"");
    }

    #[test]
    fn ext_null_is_empty_not_an_error() {
        let m = Message::from_value(
            &json!({"MessageId": 1, "Sender": 2, "MsgType": 10001, "Content": "a", "CreateTime": 3, "Ext": null}),
        );
        assert!(m.defects.is_empty());
        assert!(m.body.ext.is_empty());
    }

    #[test]
    fn labels() {
        assert_eq!(MsgType::from_code(10077).label(), "type 10077");
        assert_eq!(MsgType::from_code(10003).label(), "image");
        assert_eq!(MessageStatus::from_code(4).label(), "deleted");
    }
}
