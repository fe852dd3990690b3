//! `volc-im sync` while the demo server's conversations grow: a second sync fetches
//! only the new pages, and the archive holds exactly what the server holds.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use volc_im::api::wire::{GetConversationMessagesRequest, PAGE_LIMIT};
use volc_im::api::{Client, ClientSettings};
use volc_im::demo::{
    DEMO_APP_ID, DEMO_DIRECT, DEMO_GROUP, DEMO_LIVE, DemoOptions, DemoServer, demo_credentials,
};
use volc_im::model::{AppId, ConversationId, Cursor};

const ALL: [i64; 3] = [DEMO_GROUP, DEMO_DIRECT, DEMO_LIVE];
const EVERY: Duration = Duration::from_millis(20);

fn archived(archive: &Path, conversation: i64) -> Vec<String> {
    let conn = rusqlite::Connection::open(archive).unwrap();
    let mut stmt = conn
        .prepare("SELECT raw FROM messages WHERE app_id = ?1 AND conversation_id = ?2 ORDER BY idx")
        .unwrap();
    stmt.query_map([DEMO_APP_ID, conversation], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The server's whole history of a conversation, oldest first, read newest-first.
async fn server_history(client: &Client, conversation: i64) -> Vec<String> {
    let mut cursor = Cursor::NEWEST;
    let mut seen = Vec::new();
    loop {
        let page = client
            .get_conversation_messages(&GetConversationMessagesRequest {
                app_id: AppId(DEMO_APP_ID),
                conversation_short_id: ConversationId(conversation),
                cursor,
                limit: PAGE_LIMIT,
                reverse: Some(1),
            })
            .await
            .unwrap();
        seen.extend(page.messages.iter().map(|m| m.raw_json().to_owned()));
        if page.has_more != Some(true) {
            seen.reverse();
            return seen;
        }
        cursor = page.new_cursor.unwrap();
        assert!(seen.len() < 1_000_000);
    }
}

fn page_requests(server: &DemoServer) -> u64 {
    server
        .stats()
        .per_action
        .get("GetConversationMessages")
        .copied()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_growth_a_second_sync_fetches_only_the_new_pages_and_the_archive_is_exact() {
    let server = DemoServer::start(DemoOptions {
        grow_every: Some(EVERY),
        seed: 5,
        max_qps: 0,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let archive = home.path().join("archive.sqlite3");
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &ALL),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let first: Vec<usize> = ALL.iter().map(|c| archived(&archive, *c).len()).collect();

    // Let every conversation gain more than two pages' worth.
    let target: Vec<usize> = first.iter().map(|n| n + 45).collect();
    let waiting = async {
        while ALL
            .iter()
            .zip(&target)
            .any(|(c, n)| server.message_count(ConversationId(*c)) < *n)
        {
            tokio::time::sleep(EVERY).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the server grows");
    let before = page_requests(&server);
    let ran = run(
        &mut volc_im(home.path()),
        &sync_args(&server.endpoint(), &archive, &ALL),
    )
    .await;
    assert!(ran.status.success(), "{}", ran.stderr);
    let spent = page_requests(&server) - before;

    let settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    let client = Client::new(settings, demo_credentials()).unwrap();
    let mut new_pages = 0;
    for (i, c) in ALL.iter().enumerate() {
        let held = archived(&archive, *c);
        assert!(
            held.len() >= target[i],
            "{c}: the new messages are archived"
        );
        let history = server_history(&client, *c).await;
        // The server kept growing after the sync: what the archive holds is its prefix.
        assert!(held[..] == history[..held.len()], "{c}: exact, in order");
        new_pages += (held.len() - first[i]).div_ceil(PAGE_LIMIT as usize) as u64;
    }
    assert!(
        spent <= new_pages + ALL.len() as u64,
        "{spent} page requests for {new_pages} pages of new messages"
    );
}
