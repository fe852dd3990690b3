//! The messages the server serves: the shipped ones, and with `--grow-every-ms` new
//! ones appended while it runs, so that a sync or a browser can be shown (and
//! tested) picking up what arrived since it last looked.
//!
//! A grown message is written like the shipped ones (`scripts/gen-demo-data.py`):
//! the same fields in the same order, the next `IndexInConversation`, a larger
//! `MessageId`, a later `CreateTime`, and now and then a reply quoting a recent
//! message.

use std::sync::{Arc, RwLock};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use serde_json::value::RawValue;

use super::data::{DemoData, Direction, MessagesPage, StoredMessage, page};
use crate::model::{ConversationId, Message, MessageId, MsgType, UserId};

/// How many messages growth adds to one conversation at most: the server keeps
/// them in memory, and a server left running must not grow without bound.
pub const MAX_GROWN_PER_CONVERSATION: usize = 100_000;
/// The gap between one `MessageId` and the next grown one. Small enough that
/// [`MAX_GROWN_PER_CONVERSATION`] messages never reach another conversation's ids.
const ID_STEP: std::ops::Range<i64> = 1_000_000..100_000_000;
/// The share of grown messages that reply to a recent one.
const REPLY_SHARE: f64 = 0.2;
/// How far back a reply looks for the message it quotes.
const REPLY_WITHIN: usize = 15;
/// The longest quote hint, in characters, as in the shipped data.
const HINT_CHARS: usize = 60;

/// Lines a grown message says, in the shipped data's mix of languages and emoji.
const LINES: &[&str] = &[
    "有新进展吗？",
    "Quick update: the dashboard numbers look good 📈",
    "下午三点开个短会？",
    "I pushed a fix for the login flow",
    "数据已经同步到表格里了",
    "Can someone double-check the release notes?",
    "用户反馈汇总发群里了 🙏",
    "Downloads keep climbing 🚀",
    "明天的值班表更新了",
    "Reminder: retro notes are due Friday",
    "客服那边的工单少了很多",
    "Crash-free sessions still above 99.9%",
    "周报我来写",
    "Nice work everyone 👏",
    "新版本的反馈比预期好",
    "Let's sync after lunch",
    "我看了一下日志，没有异常",
    "Store rating is 4.8 ★ now",
    "这个需求下个迭代再做吧",
    "Who is on call tonight?",
    "今晚我值班 🌙",
    "The tablet layout mockups are in Figma",
    "平板版的设计稿出来了 ✨",
    "C'est parti pour la 6.4 !",
    "よろしくお願いします 🙇",
    "مرحبا، كل شيء يعمل بشكل جيد",
];
/// Short replies, as in the shipped data.
const REPLIES: &[&str] = &[
    "👍",
    "收到",
    "on it",
    "agreed",
    "+1",
    "LGTM",
    "没问题",
    "let me check",
    "稍等，我看一下",
    "done ✅",
    "明白",
    "makes sense",
    "我来跟进",
    "thanks!",
    "👌",
];

/// Every conversation's messages as served, ascending by index.
#[derive(Debug)]
pub(crate) struct Histories {
    conversations: RwLock<Vec<History>>,
}

#[derive(Debug)]
struct History {
    id: ConversationId,
    /// Members who may say something: not bots.
    speakers: Vec<UserId>,
    messages: Vec<StoredMessage>,
    /// How many of `messages` were shipped; the rest grew.
    shipped: usize,
    /// The last message's `MessageId` and `CreateTime`, which the next one passes.
    last_id: i64,
    last_time: i64,
}

/// Appends grown messages, deterministically for a seed (apart from `CreateTime`,
/// which is the clock's).
#[derive(Debug)]
pub(crate) struct Grower {
    rng: StdRng,
}

impl Histories {
    /// The shipped messages of every conversation.
    pub(crate) fn shipped(data: &DemoData) -> Histories {
        let conversations = data
            .conversations()
            .iter()
            .map(|c| {
                let messages = c.stored().to_vec();
                let (last_id, last_time) = messages
                    .last()
                    .map(|m| (m.id.0, create_time(&m.raw)))
                    .unwrap_or((0, 0));
                let speakers = c
                    .members()
                    .iter()
                    .copied()
                    .filter(|m| !data.user(*m).is_some_and(is_bot))
                    .collect();
                History {
                    id: c.id(),
                    speakers,
                    shipped: messages.len(),
                    messages,
                    last_id,
                    last_time,
                }
            })
            .collect();
        Histories {
            conversations: RwLock::new(conversations),
        }
    }

    /// A page of one conversation; `None` when there is no such conversation.
    pub(crate) fn page(
        &self,
        id: ConversationId,
        cursor: i64,
        limit: usize,
        direction: Direction,
    ) -> Option<MessagesPage> {
        let all = self.read();
        let history = all.iter().find(|h| h.id == id)?;
        Some(page(&history.messages, cursor, limit, direction))
    }

    /// A message by id, in one conversation.
    pub(crate) fn message(&self, id: ConversationId, message: MessageId) -> Option<Arc<RawValue>> {
        let all = self.read();
        let history = all.iter().find(|h| h.id == id)?;
        history
            .messages
            .iter()
            .rev()
            .find(|m| m.id == message)
            .map(|m| Arc::clone(&m.raw))
    }

    /// How many messages a conversation holds now.
    pub(crate) fn len(&self, id: ConversationId) -> usize {
        self.read()
            .iter()
            .find(|h| h.id == id)
            .map_or(0, |h| h.messages.len())
    }

    /// Appends one new message to each conversation that has room left; returns how
    /// many were added.
    pub(crate) fn grow(&self, grower: &mut Grower, now_ms: i64) -> usize {
        let mut all = self
            .conversations
            .write()
            .expect("the histories lock is never poisoned");
        let mut added = 0;
        for history in all.iter_mut() {
            if history.messages.len() - history.shipped >= MAX_GROWN_PER_CONVERSATION {
                continue;
            }
            if let Some(message) = grower.next(history, now_ms) {
                history.messages.push(message);
                added += 1;
            }
        }
        added
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<History>> {
        self.conversations
            .read()
            .expect("the histories lock is never poisoned")
    }
}

impl Grower {
    pub(crate) fn new(seed: u64) -> Grower {
        Grower {
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The next message of a conversation; `None` when its ids are used up.
    fn next(&mut self, history: &mut History, now_ms: i64) -> Option<StoredMessage> {
        let last = history.messages.last()?;
        let template = Message::from_raw((*last.raw).to_owned());
        let index = last.index.checked_add(1)?;
        let id = history
            .last_id
            .checked_add(self.rng.random_range(ID_STEP))?;
        let time = now_ms.max(history.last_time.saturating_add(1));
        let sender = match history.speakers.len() {
            0 => template.body.sender.map_or(0, |s| s.0),
            n => history.speakers[self.rng.random_range(0..n)].0,
        };
        let quoted = if self.rng.random::<f64>() < REPLY_SHARE {
            quotable(&history.messages, UserId(sender))
        } else {
            None
        };
        let text = match quoted {
            Some(_) => REPLIES[self.rng.random_range(0..REPLIES.len())],
            None => LINES[self.rng.random_range(0..LINES.len())],
        };
        let content = json!({ "text": text }).to_string();
        let mut value = json!({
            "AppId": template.body.app_id,
            "ConversationShortId": history.id.0,
            "ConversationType": template.body.conversation_type,
            "MessageId": id,
            "Sender": sender,
            "MsgType": MsgType::Text.code(),
            "Content": content,
            "CreateTime": time,
            "Status": 0,
            "IndexInConversation": index,
        });
        if let Some(target) = quoted {
            value["RefMsgInfo"] = json!({
                "ReferencedMessageId": target.id().map_or(0, |m| m.0),
                "Hint": hint(&target),
                "ReferencedMessageType": target.body.msg_type,
                "Status": target.body.status,
            });
        }
        let raw = RawValue::from_string(value.to_string()).expect("serde_json writes JSON");
        history.last_id = id;
        history.last_time = time;
        Some(StoredMessage {
            index,
            id: MessageId(id),
            raw: Arc::from(raw),
        })
    }
}

/// A recent visible text message by someone else that is not itself a reply.
fn quotable(messages: &[StoredMessage], not_sender: UserId) -> Option<Message> {
    messages
        .iter()
        .rev()
        .take(REPLY_WITHIN)
        .map(|m| Message::from_raw((*m.raw).to_owned()))
        .find(|m| {
            m.msg_type() == MsgType::Text
                && m.body.sender != Some(not_sender)
                && m.body.status == 0
                && m.body.ref_msg_info.is_none()
                && m.decoded_content().text.is_some_and(|t| !t.is_empty())
        })
}

/// The quote hint: the quoted text on one line, cut at [`HINT_CHARS`].
fn hint(target: &Message) -> String {
    let text = target
        .decoded_content()
        .text
        .unwrap_or_default()
        .replace('\n', " ");
    if text.chars().count() <= HINT_CHARS {
        text
    } else {
        let cut: String = text.chars().take(HINT_CHARS).collect();
        format!("{cut}…")
    }
}

fn create_time(raw: &RawValue) -> i64 {
    Message::from_raw(raw.to_owned())
        .body
        .create_time
        .unwrap_or(0)
}

fn is_bot(user: &crate::model::User) -> bool {
    user.ext
        .as_ref()
        .is_some_and(|e| e.get("bot").is_some_and(|v| v == "true"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DEMO_GROUP, demo_data};

    const NOW: i64 = 1_800_000_000_000;

    fn grown(seed: u64, rounds: usize) -> Vec<String> {
        let histories = Histories::shipped(demo_data());
        let mut grower = Grower::new(seed);
        for _ in 0..rounds {
            assert_eq!(histories.grow(&mut grower, NOW), 3);
        }
        let group = ConversationId(DEMO_GROUP);
        let shipped = demo_data().conversation(group).unwrap().len();
        let newest = histories
            .page(group, i64::MAX, rounds, Direction::Backward)
            .unwrap();
        assert_eq!(histories.len(group), shipped + rounds);
        newest.messages.iter().map(|m| m.get().to_owned()).collect()
    }

    #[test]
    fn the_same_seed_grows_the_same_messages() {
        assert_eq!(grown(7, 20), grown(7, 20));
        assert_ne!(grown(7, 20), grown(8, 20));
    }

    #[test]
    fn times_pass_the_last_message_even_when_the_clock_is_behind() {
        let histories = Histories::shipped(demo_data());
        let mut grower = Grower::new(1);
        histories.grow(&mut grower, 0);
        histories.grow(&mut grower, 0);
        let group = ConversationId(DEMO_GROUP);
        let page = histories
            .page(group, i64::MAX, 3, Direction::Backward)
            .unwrap();
        let times: Vec<i64> = page.messages.iter().map(|m| create_time(m)).collect();
        assert!(times[0] > times[1] && times[1] > times[2], "{times:?}");
    }

    #[test]
    fn grown_messages_are_found_by_id() {
        let histories = Histories::shipped(demo_data());
        histories.grow(&mut Grower::new(2), NOW);
        let group = ConversationId(DEMO_GROUP);
        let newest = histories
            .page(group, i64::MAX, 1, Direction::Backward)
            .unwrap();
        let id = Message::from_raw((*newest.messages[0]).to_owned())
            .id()
            .unwrap();
        assert_eq!(
            histories.message(group, id).unwrap().get(),
            newest.messages[0].get()
        );
    }
}
