//! Whatever the browser's worker fetches lands in the archive: pages with their
//! coverage, quoted messages, user and conversation names. The real client against
//! the in-process demo server, the archive a real file.

use volc_im::api::client::{Client, ClientSettings};
use volc_im::archive::{Archive, Archiving, NewerEdge, OlderEdge, SharedArchive};
use volc_im::demo::{
    DEMO_APP_ID, DEMO_GROUP, DemoOptions, DemoServer, demo_credentials, demo_data,
};
use volc_im::model::{AppId, ConversationId, Cursor, UserId};
use volc_im::pager::{Direction, Pager};
use volc_im::tui::action::{Command, ViewId};
use volc_im::tui::worker::execute;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browsers_fetches_are_archived() {
    let server = DemoServer::start(DemoOptions::default()).await.unwrap();
    let settings = ClientSettings::new(server.endpoint().parse().unwrap(), "cn-north-1");
    let client = Client::new(settings, demo_credentials()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive.sqlite3");
    let archive = SharedArchive::new(Archive::open(&path).unwrap());
    let source = Archiving {
        inner: client,
        archive: Some(archive.clone()),
        newest_start: Cursor::NEWEST,
    };
    let (app, conversation) = (AppId(DEMO_APP_ID), ConversationId(DEMO_GROUP));

    // Two pages back from the newest, as the browser scrolls up.
    let mut pager = Pager::new(Direction::NewestFirst);
    for _ in 0..2 {
        let request = pager.next_request().unwrap();
        let command = Command::FetchPage {
            view: ViewId(1),
            app,
            conversation,
            request,
        };
        match execute(&source, command).await {
            Some(volc_im::tui::action::Action::PageLoaded { page, request, .. }) => {
                pager.accept(&request, page);
            }
            other => panic!("not a page: {other:?}"),
        }
    }
    let demo = demo_data().conversation(conversation).unwrap();
    let raws = demo.raw_messages();
    let held: Vec<String> = archive
        .lock()
        .messages(app, conversation)
        .unwrap()
        .iter()
        .map(|m| m.message.raw_json().to_owned())
        .collect();
    assert_eq!(held, raws[raws.len() - 40..], "the newest 40, exactly");
    let coverage = archive.lock().coverage(app, conversation).unwrap();
    assert_eq!(coverage.len(), 1, "one chain: {coverage:?}");
    assert!(matches!(coverage[0].newer, NewerEdge::NewestAt(_)));
    assert!(matches!(coverage[0].older, OlderEdge::Cursor(_)));

    // A quoted message far back, fetched by id.
    let oldest = demo.messages()[0].clone();
    let command = Command::FetchReferenced {
        view: ViewId(1),
        app,
        conversation,
        ids: vec![oldest.id().unwrap()],
    };
    execute(&source, command).await;
    let key = oldest.key().to_string();
    let found = archive
        .lock()
        .message_by_key(app, conversation, &key)
        .unwrap();
    assert_eq!(found.unwrap().message.raw_json(), oldest.raw_json());
    assert_eq!(
        archive.lock().coverage(app, conversation).unwrap().len(),
        1,
        "a message by id claims no coverage"
    );

    let sender = oldest.body.sender.unwrap();
    execute(
        &source,
        Command::FetchUsers {
            app,
            ids: vec![sender, UserId(1)],
        },
    )
    .await;
    let names = archive.lock().user_names(app).unwrap();
    assert!(names.contains_key(&sender), "{names:?}");

    execute(
        &source,
        Command::FetchConversations {
            app,
            ids: vec![conversation],
        },
    )
    .await;
    let kept = archive
        .lock()
        .conversation(app, conversation)
        .unwrap()
        .unwrap();
    assert_eq!(kept.name.as_deref(), Some(demo.name()));
    assert_eq!(kept.conversation_type, Some(2));
    assert_eq!(kept.messages, 41);
}
