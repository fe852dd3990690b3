//! A small archive with known messages, for the search tests: two conversations of
//! one app and one of another, a day apart each, in several scripts.

use std::path::PathBuf;

use serde_json::json;
use serde_json::value::RawValue;
use volc_im::api::wire::Page;
use volc_im::archive::{Archive, PageFetch, SearchQuery};
use volc_im::model::{AppId, ConversationId, ConversationInfo, Cursor, Message, User, UserId};
use volc_im::paging::Direction;

pub const APP: i64 = 100001;
pub const OTHER_APP: i64 = 200002;
pub const GROUP: i64 = 7300000000000000001;
pub const DIRECT: i64 = 7300000000000000002;
pub const ELSEWHERE: i64 = 7300000000000000009;

const TEXT: i32 = 10001;
const IMAGE: i32 = 10003;
const CUSTOM: i32 = 10012;

/// 2025-05-01T00:00:00Z.
const DAY_ZERO_MS: i64 = 1_746_057_600_000;

/// The `CreateTime` of the fixture's message of day `n`.
pub fn day_ms(n: i64) -> i64 {
    DAY_ZERO_MS + n * 86_400_000
}

/// (day, app, conversation, index, sender, type, text)
const MESSAGES: &[(i64, i64, i64, i64, i64, i32, &str)] = &[
    (1, APP, GROUP, 1, 1, TEXT, "好"),
    (2, APP, GROUP, 2, 1, TEXT, "大家好，你好世界"),
    (3, APP, GROUP, 3, 1, TEXT, "the launch is on Thursday"),
    (4, APP, GROUP, 4, 2, TEXT, "Launch day! 🚀🎉"),
    (5, APP, DIRECT, 1, 3, TEXT, "prelaunch checklist is done"),
    (6, APP, GROUP, 5, 3, CUSTOM, "poll: which launch venue?"),
    (7, APP, GROUP, 6, 1, TEXT, "发布会定在周四"),
    (8, APP, DIRECT, 2, 1, TEXT, "你好"),
    (9, APP, GROUP, 7, 3, TEXT, "thanks 👍🏽"),
    (10, APP, GROUP, 8, 1, TEXT, "Okay, see you"),
    (11, APP, DIRECT, 3, 2, TEXT, "ok 👌"),
    (
        12,
        OTHER_APP,
        ELSEWHERE,
        1,
        1,
        TEXT,
        "weekly report, other app",
    ),
    (13, APP, GROUP, 9, 2, IMAGE, ""),
];

/// The fixture's message: its JSON as the service would send it.
pub fn raw(
    day: i64,
    app: i64,
    conversation: i64,
    index: i64,
    sender: i64,
    kind: i32,
    text: &str,
) -> String {
    let content = if kind == IMAGE {
        json!({"__files": {"image": {"remoteURL": "https://example.com/a.png"}}}).to_string()
    } else {
        json!({ "text": text }).to_string()
    };
    json!({
        "AppId": app,
        "ConversationShortId": conversation,
        "ConversationType": if conversation == DIRECT { 1 } else { 2 },
        "MessageId": 7_400_000_000_000_000_000 + conversation % 100 * 1000 + index,
        "Sender": sender,
        "MsgType": kind,
        "Content": content,
        "CreateTime": day_ms(day),
        "Status": 0,
        "IndexInConversation": index,
    })
    .to_string()
}

pub fn message(raw: String) -> Message {
    Message::from_raw(RawValue::from_string(raw).expect("JSON"))
}

/// An archive file in a temporary directory, holding [`MESSAGES`] and names.
pub struct Fixture {
    pub archive: Archive,
    pub path: PathBuf,
    /// The temporary directory holding the file, removed when dropped.
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("archive.sqlite3");
        let mut archive = Archive::open(&path).expect("the archive opens");
        for (app, conversation) in [(APP, GROUP), (APP, DIRECT), (OTHER_APP, ELSEWHERE)] {
            let mut messages: Vec<Message> = MESSAGES
                .iter()
                .filter(|m| m.1 == app && m.2 == conversation)
                .map(|&(d, a, c, i, s, k, t)| message(raw(d, a, c, i, s, k, t)))
                .collect();
            messages.reverse();
            let fetch = PageFetch::new(
                AppId(app),
                ConversationId(conversation),
                Direction::NewestFirst,
                Cursor::NEWEST,
                Cursor::NEWEST,
            );
            let page = Page {
                has_more: Some(false),
                new_cursor: Some(Cursor(0)),
                messages,
            };
            archive
                .store_page(&fetch, &page)
                .expect("the page is stored");
        }
        let names = [(GROUP, "launch team"), (DIRECT, "Alice & Carol")];
        let infos: Vec<ConversationInfo> = names
            .iter()
            .map(|(id, name)| ConversationInfo {
                conversation_short_id: ConversationId(*id),
                conversation_type: if *id == DIRECT { 1 } else { 2 },
                name: Some((*name).to_owned()),
                ..ConversationInfo::default()
            })
            .collect();
        archive.store_conversations(AppId(APP), &infos).unwrap();
        let users: Vec<User> = [(1, "Alice"), (2, "Bob"), (3, "Carol")]
            .iter()
            .map(|(id, name)| User::named(UserId(*id), *name))
            .collect();
        archive.store_users(AppId(APP), &users).unwrap();
        Fixture { archive, path, dir }
    }

    /// The stored JSON of a fixture message.
    pub fn raw_of(&self, conversation: i64, index: i64) -> String {
        let &(d, a, c, i, s, k, t) = MESSAGES
            .iter()
            .find(|m| m.2 == conversation && m.3 == index)
            .expect("a fixture message");
        raw(d, a, c, i, s, k, t)
    }

    /// The fixture's messages of a conversation, oldest first, as stored.
    pub fn raws(&self, conversation: i64) -> Vec<String> {
        MESSAGES
            .iter()
            .filter(|m| m.2 == conversation)
            .map(|&(d, a, c, i, s, k, t)| raw(d, a, c, i, s, k, t))
            .collect()
    }

    /// Fetches a message again with another text, as `GetMessages` would.
    pub fn replace_text(&mut self, conversation: i64, index: i64, text: &str) {
        let &(d, a, c, i, s, k, _) = MESSAGES
            .iter()
            .find(|m| m.2 == conversation && m.3 == index)
            .expect("a fixture message");
        let changed = message(raw(d, a, c, i, s, k, text));
        self.archive
            .store_messages(AppId(a), ConversationId(c), &[changed])
            .expect("stored");
    }
}

/// The hits' texts, in the order found.
pub fn hit_texts(archive: &Archive, query: &SearchQuery) -> Vec<String> {
    archive
        .search(query)
        .expect("the search runs")
        .into_iter()
        .map(|h| h.text)
        .collect()
}
