//! Searching a real archive file: matching in any case and script, short CJK words,
//! emoji, several words, every filter, newest first, and the index kept in step when
//! a message changes.

mod common;

use common::search::{APP, DIRECT, Fixture, GROUP, OTHER_APP, hit_texts};
use volc_im::archive::{SearchPlan, SearchQuery};
use volc_im::model::{AppId, ConversationId, MsgType, UserId};

fn words(typed: &str) -> SearchQuery {
    SearchQuery {
        words: SearchQuery::words_of(typed),
        limit: 50,
        ..SearchQuery::default()
    }
}

#[test]
fn ascii_matches_in_any_case_and_inside_words() {
    let f = Fixture::new();
    let found = hit_texts(&f.archive, &words("LAUNCH"));
    assert_eq!(
        found,
        [
            "poll: which launch venue?",
            "prelaunch checklist is done",
            "Launch day! 🚀🎉",
            "the launch is on Thursday",
        ]
    );
    assert_eq!(words("LAUNCH").plan(), SearchPlan::Trigrams);
}

#[test]
fn cjk_words_of_one_two_and_more_characters() {
    let f = Fixture::new();
    assert_eq!(
        hit_texts(&f.archive, &words("你好")),
        ["你好", "大家好，你好世界"]
    );
    assert_eq!(words("你好").plan(), SearchPlan::Grams);
    assert_eq!(
        hit_texts(&f.archive, &words("好")),
        ["你好", "大家好，你好世界", "好"]
    );
    assert_eq!(
        hit_texts(&f.archive, &words("你好世界")),
        ["大家好，你好世界"]
    );
    assert_eq!(hit_texts(&f.archive, &words("发布会")), ["发布会定在周四"]);
    assert!(hit_texts(&f.archive, &words("世好")).is_empty());
}

#[test]
fn emoji_alone_and_in_sequences() {
    let f = Fixture::new();
    assert_eq!(hit_texts(&f.archive, &words("🚀")), ["Launch day! 🚀🎉"]);
    assert_eq!(hit_texts(&f.archive, &words("🚀🎉")), ["Launch day! 🚀🎉"]);
    assert_eq!(
        hit_texts(&f.archive, &words("👍🏽")),
        ["thanks 👍🏽"],
        "a skin tone is part of the emoji"
    );
}

#[test]
fn several_words_must_all_appear_in_any_order() {
    let f = Fixture::new();
    assert_eq!(
        hit_texts(&f.archive, &words("thursday LAUNCH")),
        ["the launch is on Thursday"]
    );
    assert_eq!(
        hit_texts(&f.archive, &words("你好 世界")),
        ["大家好，你好世界"]
    );
    assert_eq!(
        hit_texts(&f.archive, &words("launch 🚀")),
        ["Launch day! 🚀🎉"]
    );
    assert_eq!(
        hit_texts(&f.archive, &words("is on")),
        ["prelaunch checklist is done", "the launch is on Thursday"],
        "short words are substrings too: d-on-e"
    );
    assert_eq!(
        hit_texts(&f.archive, &words("\"is on thursday\"")),
        ["the launch is on Thursday"],
        "a quoted phrase keeps its spaces"
    );
    assert!(hit_texts(&f.archive, &words("\"thursday on\"")).is_empty());
    assert!(hit_texts(&f.archive, &words("launch 你好")).is_empty());
}

#[test]
fn nothing_is_found_for_what_is_absent() {
    let f = Fixture::new();
    for absent in ["zebra", "鼠", "🦄", "qx", "launchpad", "\"\""] {
        assert!(hit_texts(&f.archive, &words(absent)).is_empty(), "{absent}");
    }
}

#[test]
fn every_filter_narrows_the_hits() {
    let f = Fixture::new();
    let all = |q: SearchQuery| hit_texts(&f.archive, &q);
    let base = words("launch");
    assert_eq!(
        all(SearchQuery {
            conversations: vec![(Some(AppId(APP)), ConversationId(DIRECT))],
            ..base.clone()
        }),
        ["prelaunch checklist is done"]
    );
    assert_eq!(
        all(SearchQuery {
            conversations: vec![
                (None, ConversationId(GROUP)),
                (None, ConversationId(DIRECT))
            ],
            ..base.clone()
        })
        .len(),
        4
    );
    assert_eq!(
        all(SearchQuery {
            apps: vec![AppId(OTHER_APP)],
            ..words("report")
        }),
        ["weekly report, other app"]
    );
    assert_eq!(
        all(SearchQuery {
            senders: vec![UserId(2)],
            ..base.clone()
        }),
        ["Launch day! 🚀🎉"]
    );
    assert_eq!(
        all(SearchQuery {
            types: vec![MsgType::Custom],
            ..words("poll")
        }),
        ["poll: which launch venue?"]
    );
    assert!(
        all(SearchQuery {
            types: vec![MsgType::Text],
            ..words("poll")
        })
        .is_empty()
    );
    // The fixture's messages are a day apart from day 1; the launch ones on days 3 to 6.
    let day = |n: i64| common::search::day_ms(n);
    assert_eq!(
        all(SearchQuery {
            since_ms: Some(day(4)),
            ..base.clone()
        }),
        [
            "poll: which launch venue?",
            "prelaunch checklist is done",
            "Launch day! 🚀🎉"
        ]
    );
    assert_eq!(
        all(SearchQuery {
            until_ms: Some(day(4)),
            ..base.clone()
        }),
        ["Launch day! 🚀🎉", "the launch is on Thursday"],
        "until includes its own millisecond"
    );
    assert_eq!(
        all(SearchQuery {
            since_ms: Some(day(4)),
            until_ms: Some(day(4)),
            ..words("好")
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        all(SearchQuery {
            limit: 1,
            ..base.clone()
        }),
        ["poll: which launch venue?"],
        "the limit keeps the newest"
    );
}

#[test]
fn short_ascii_words_are_found_by_scanning() {
    let f = Fixture::new();
    assert_eq!(words("ok").plan(), SearchPlan::Scan);
    assert_eq!(
        hit_texts(&f.archive, &words("OK")),
        ["ok 👌", "Okay, see you"]
    );
    assert_eq!(hit_texts(&f.archive, &words("ok 👌")), ["ok 👌"]);
}

#[test]
fn a_changed_message_is_found_by_its_new_text_only() {
    let mut f = Fixture::new();
    assert_eq!(
        hit_texts(&f.archive, &words("venue")),
        ["poll: which launch venue?"]
    );
    f.replace_text(GROUP, 5, "poll closed: the rooftop 屋顶 won");
    assert!(hit_texts(&f.archive, &words("venue")).is_empty());
    assert_eq!(
        hit_texts(&f.archive, &words("rooftop")),
        ["poll closed: the rooftop 屋顶 won"]
    );
    assert_eq!(
        hit_texts(&f.archive, &words("屋顶")),
        ["poll closed: the rooftop 屋顶 won"]
    );
}

#[test]
fn hits_carry_names_and_the_raw_json() {
    let f = Fixture::new();
    let hits = f.archive.search(&words("Thursday")).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.conversation_name.as_deref(), Some("launch team"));
    assert_eq!(hit.sender_name.as_deref(), Some("Alice"));
    assert_eq!(hit.raw, f.raw_of(GROUP, 3));
}

#[test]
fn an_archive_written_before_the_index_existed_is_indexed_when_opened() {
    let Fixture { archive, path, dir } = Fixture::new();
    drop(archive);
    {
        // Back to the schema before the search step: its tables (and later ones) gone, version 1.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update;
             DROP TRIGGER messages_search_delete; DROP TABLE message_search;
             DROP TABLE message_grams; DROP TABLE message_search_pending;
             DROP TABLE reading; DROP TABLE conversation_figures; DROP TABLE figures_state;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let archive = volc_im::archive::Archive::open(&path).unwrap();
    assert_eq!(
        hit_texts(&archive, &words("你好")),
        ["你好", "大家好，你好世界"]
    );
    assert_eq!(hit_texts(&archive, &words("launch")).len(), 4);
    drop(dir);
}

#[test]
fn a_message_changed_before_it_was_indexed_is_found_by_its_new_text_only() {
    let mut f = Fixture::new();
    f.replace_text(GROUP, 5, "poll closed: the rooftop won");
    assert!(hit_texts(&f.archive, &words("venue")).is_empty());
    assert_eq!(
        hit_texts(&f.archive, &words("rooftop")),
        ["poll closed: the rooftop won"]
    );
}

#[test]
fn a_word_is_found_only_where_it_occurs_whole_not_where_its_pieces_are_scattered() {
    let mut f = Fixture::new();
    // Every trigram of "launch" and of "Überweisung", none of the words.
    f.replace_text(
        GROUP,
        5,
        "lau aun unc nch / übe ber erw rwe wei eis isu sun ung",
    );
    assert_eq!(
        hit_texts(&f.archive, &words("launch")),
        [
            "prelaunch checklist is done",
            "Launch day! 🚀🎉",
            "the launch is on Thursday",
        ]
    );
    assert!(hit_texts(&f.archive, &words("ÜBERWEISUNG")).is_empty());
    assert_eq!(
        hit_texts(&f.archive, &words("\"UNC NCH\"")),
        ["lau aun unc nch / übe ber erw rwe wei eis isu sun ung"]
    );
}
