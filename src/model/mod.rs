//! The message model: typed views of what the API returns, each keeping the JSON
//! exactly as it came so that nothing is ever lost on the way out.

mod content;
mod conversation;
mod ids;
mod key;
mod message;
pub mod safe_text;
mod scan;

pub use content::{DecodedContent, decode_content};
pub use conversation::{ConversationInfo, ConversationKind, User};
pub use ids::{AppId, ConversationId, Cursor, MessageId, UserId};
pub use key::MessageKey;
pub use message::{
    FieldDefect, KNOWN_FIELDS, Message, MessageBody, MessageStatus, MsgType, RefMsgInfo, RefStatus,
};
