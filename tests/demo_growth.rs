//! The demo server's `--grow-every-ms`: conversations gain messages while it runs,
//! written like the shipped ones, and paging (both ways, and from cursors handed out
//! before the growth) sees them.

use std::time::Duration;

use volc_im::api::wire::{GetConversationMessagesRequest, PAGE_LIMIT, Page};
use volc_im::api::{Client, ClientSettings};
use volc_im::demo::{
    DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
    demo_data,
};
use volc_im::model::{AppId, ConversationId, Cursor, Message};

const EVERY: Duration = Duration::from_millis(15);
/// How long a test waits for growth before it fails.
const PATIENCE: Duration = Duration::from_secs(20);

async fn growing(seed: u64) -> DemoServer {
    DemoServer::start(DemoOptions {
        grow_every: Some(EVERY),
        seed,
        max_qps: 0,
        ..DemoOptions::default()
    })
    .await
    .expect("the server starts")
}

fn client_for(server: &DemoServer) -> Client {
    let settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    Client::new(settings, demo_credentials()).unwrap()
}

fn shipped(conversation: i64) -> Vec<&'static str> {
    demo_data()
        .conversation(ConversationId(conversation))
        .unwrap()
        .raw_messages()
}

/// Waits until the conversation holds at least `n` messages.
async fn until_count(server: &DemoServer, conversation: i64, n: usize) {
    let waiting = async {
        while server.message_count(ConversationId(conversation)) < n {
            tokio::time::sleep(EVERY).await;
        }
    };
    tokio::time::timeout(PATIENCE, waiting)
        .await
        .unwrap_or_else(|_| panic!("conversation {conversation} never reached {n} messages"));
}

async fn page(client: &Client, conversation: i64, cursor: Cursor, reverse: i32) -> Page {
    client
        .get_conversation_messages(&GetConversationMessagesRequest {
            app_id: AppId(DEMO_APP_ID),
            conversation_short_id: ConversationId(conversation),
            cursor,
            limit: PAGE_LIMIT,
            reverse: Some(reverse),
        })
        .await
        .unwrap()
}

/// Every message from `cursor` on, in the walk's order.
async fn walk_from(
    client: &Client,
    conversation: i64,
    cursor: Cursor,
    reverse: i32,
) -> Vec<String> {
    let mut cursor = cursor;
    let mut seen = Vec::new();
    loop {
        let page = page(client, conversation, cursor, reverse).await;
        seen.extend(page.messages.iter().map(|m| m.raw_json().to_owned()));
        if page.has_more != Some(true) {
            return seen;
        }
        cursor = page.new_cursor.expect("a cursor when there is more");
        assert!(seen.len() < 100_000, "the walk does not end");
    }
}

fn parsed(raws: &[String]) -> Vec<Message> {
    raws.iter()
        .map(|r| Message::from_raw(serde_json::value::RawValue::from_string(r.clone()).unwrap()))
        .collect()
}

#[tokio::test]
async fn grown_messages_follow_the_shipped_ones_in_every_conversation() {
    let server = growing(3).await;
    let client = client_for(&server);
    let all_conversations = [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE];
    for conversation in all_conversations {
        until_count(&server, conversation, shipped(conversation).len() + 40).await;
    }
    let mut replies = 0;
    for conversation in all_conversations {
        let old = shipped(conversation);
        let mut all = walk_from(&client, conversation, Cursor::NEWEST, 1).await;
        all.reverse();
        if conversation != DEMO_LIVE {
            let forward = walk_from(&client, conversation, Cursor::OLDEST, 0).await;
            // Growth may add messages between the two walks: the older walk is a prefix.
            assert_eq!(forward[..all.len()], all[..], "{conversation}");
        }
        assert!(all.len() >= old.len() + 40, "{conversation} grew");
        assert!(
            all.iter().zip(&old).all(|(a, b)| a == b),
            "{conversation}: the shipped messages come first, unchanged"
        );
        let messages = parsed(&all);
        for pair in messages.windows(2) {
            let (a, b) = (&pair[0].body, &pair[1].body);
            assert_eq!(
                b.index_in_conversation,
                a.index_in_conversation.map(|i| i + 1)
            );
            assert!(b.message_id > a.message_id, "ids grow");
            assert!(b.create_time > a.create_time, "times grow");
        }
        let shipped_kind = messages[0].body.conversation_type;
        for (at, m) in messages.iter().enumerate().skip(old.len()) {
            assert!(m.defects.is_empty(), "{:?}", m.defects);
            assert_eq!(m.body.conversation_type, shipped_kind);
            assert_eq!(m.body.app_id, Some(DEMO_APP_ID));
            assert_eq!(
                m.body.conversation_short_id,
                Some(ConversationId(conversation))
            );
            let text = m.decoded_content().text.unwrap_or_default();
            assert!(!text.is_empty(), "a grown message says something");
            let sender = m.body.sender.expect("a sender");
            assert!(
                demo_data().user(sender).is_some(),
                "{sender} is a demo user"
            );
            if let Some(quote) = &m.body.ref_msg_info {
                replies += 1;
                let target = messages[..at]
                    .iter()
                    .find(|t| t.id() == quote.referenced_message_id)
                    .expect("a reply quotes an earlier message of its conversation");
                assert_eq!(quote.referenced_message_type, target.body.msg_type);
                assert_eq!(quote.status, target.body.status);
                let quoted = target.decoded_content().text.unwrap_or_default();
                let hint = quote.hint.trim_end_matches('…');
                assert!(
                    quoted.replace('\n', " ").starts_with(hint),
                    "{hint:?} quotes {quoted:?}"
                );
            }
        }
    }
    assert!(replies > 0, "replies among the grown messages");
    server.shutdown().await;
}

#[tokio::test]
async fn cursors_handed_out_before_the_growth_stay_valid() {
    let server = growing(5).await;
    let client = client_for(&server);
    let before = server.message_count(ConversationId(DEMO_GROUP));
    let newest = page(&client, DEMO_GROUP, Cursor::NEWEST, 1).await;
    let back = newest.new_cursor.expect("a cursor to older messages");
    let older_then = page(&client, DEMO_GROUP, back, 1).await;
    let mut forward = Cursor::OLDEST;
    let mut known = Vec::new();
    loop {
        let p = page(&client, DEMO_GROUP, forward, 0).await;
        known.extend(p.messages.iter().map(|m| m.raw_json().to_owned()));
        forward = p.new_cursor.expect("a forward cursor");
        if p.has_more != Some(true) {
            break;
        }
    }

    until_count(&server, DEMO_GROUP, known.len() + 5).await;
    let after = server.message_count(ConversationId(DEMO_GROUP));
    assert!(after > before);
    let older_now = page(&client, DEMO_GROUP, back, 1).await;
    let raws =
        |p: &Page| -> Vec<String> { p.messages.iter().map(|m| m.raw_json().to_owned()).collect() };
    assert_eq!(
        raws(&older_now),
        raws(&older_then),
        "older pages do not move"
    );

    let new = walk_from(&client, DEMO_GROUP, forward, 0).await;
    assert!(
        new.len() >= 5,
        "the old forward cursor continues into the new messages"
    );
    let first_new = &parsed(&new)[0];
    assert_eq!(
        first_new.body.index_in_conversation,
        Some(known.len() as i64 + 1),
        "nothing skipped, nothing repeated"
    );
    let newest_now = page(&client, DEMO_GROUP, Cursor::NEWEST, 1).await;
    let newest_index = newest_now.messages[0].body.index_in_conversation.unwrap();
    assert!(newest_index >= known.len() as i64 + new.len() as i64);
    server.shutdown().await;
}
