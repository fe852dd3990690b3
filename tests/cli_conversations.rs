//! `volc-im conversations`: a user's conversations, listed through GetUserConversations.

mod common;

use common::{run, volc_im, words};
use volc_im::demo::demo_data;

#[tokio::test]
async fn lists_the_demo_users_conversations_as_a_table_and_as_json() {
    let home = tempfile::tempdir().unwrap();
    let data = demo_data();
    let user = data.users()[0].user_id;
    let expected: Vec<i64> = data
        .conversations_of(user)
        .iter()
        .map(|c| c.id().0)
        .collect();
    assert!(!expected.is_empty());

    let out = run(
        &mut volc_im(home.path()),
        &words(&["conversations", "--demo"]),
    )
    .await;
    assert!(out.status.success(), "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert!(lines.next().unwrap().starts_with("CONVERSATION"));
    let listed: Vec<i64> = lines
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    let mut sorted_listed = listed.clone();
    sorted_listed.sort();
    let mut sorted_expected = expected.clone();
    sorted_expected.sort();
    assert_eq!(sorted_listed, sorted_expected);
    for c in data.conversations_of(user) {
        assert!(
            out.stdout.contains(c.name()),
            "{} missing from:\n{}",
            c.name(),
            out.stdout
        );
    }

    let args = words(&["conversations", "--demo", "--json", "--max", "2"]);
    let out = run(&mut volc_im(home.path()), &args).await;
    assert!(out.status.success(), "{}", out.stderr);
    let rows: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2.min(expected.len()));
    assert!(rows[0]["ConversationShortId"].is_i64());
    assert!(
        rows[0].get("Notice").is_none(),
        "absent fields stay absent: {}",
        rows[0]
    );
}

#[tokio::test]
async fn without_a_user_it_says_how_to_give_one() {
    let home = tempfile::tempdir().unwrap();
    let args = words(&["conversations", "--endpoint", "http://127.0.0.1:9"]);
    let out = run(&mut volc_im(home.path()), &args).await;
    assert!(!out.status.success());
    assert!(out.stderr.contains("--user-id"), "{}", out.stderr);
}
