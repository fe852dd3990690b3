//! The export loop against an in-memory page source: order, de-duplication, limits,
//! paging errors, failures, interruption and resuming.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;
use tokio::sync::Notify;
use volc_im::api::ApiError;
use volc_im::api::wire::Page;
use volc_im::export::{
    ConversationTarget, ExistingOutput, ExportError, ExportFailure, ExportOptions, ExportSummary,
    Format, Output, export,
};
use volc_im::model::{AppId, ConversationId, Cursor, Message, UserId};
use volc_im::pager::PagingError;
use volc_im::paging::{Direction, PageRequest};
use volc_im::source::{Source, SourceStats};

const APP: AppId = AppId(1);

/// How the fake answers.
#[derive(Default)]
struct Behaviour {
    /// `NewCursor` is the last message's own index, so the next page repeats it.
    repeat_boundary: bool,
    /// `NewCursor` is always the request's cursor.
    repeat_cursor: bool,
    /// Requests (0-based, counted across conversations) that fail for good.
    fail_at: HashSet<u64>,
    /// The request (0-based) that never gets an answer.
    stuck_at: Option<u64>,
    /// Conversations that refuse `Reverse=0` as a live group does.
    live: HashSet<ConversationId>,
    /// Asking for sender names fails.
    names_fail: bool,
}

impl Behaviour {
    /// Each page's `NewCursor` repeats its last message, as the service's can.
    fn repeating_boundary() -> Self {
        Behaviour {
            repeat_boundary: true,
            ..Behaviour::default()
        }
    }
}

#[derive(Clone)]
struct Fake {
    history: Arc<HashMap<ConversationId, Vec<Message>>>,
    behaviour: Arc<Behaviour>,
    requests: Arc<AtomicU64>,
    stuck: Arc<Notify>,
    name_lookups: Arc<AtomicU64>,
}

fn message(conversation: i64, index: i64) -> Message {
    Message::from_value(&json!({
        "AppId": 1, "ConversationShortId": conversation, "ConversationType": 2,
        "MessageId": conversation % 1000 * 1_000_000 + index, "Sender": 10 + index % 3,
        "MsgType": 10001, "Content": format!("{{\"text\":\"message {index} of {conversation}\"}}"),
        "CreateTime": 1_714_564_800_000i64 + index * 3_600_000, "Status": 0,
        "IndexInConversation": index, "Future": [1.50, "x"]
    }))
}

impl Fake {
    fn new(sizes: &[(i64, i64)], behaviour: Behaviour) -> Self {
        let history = sizes
            .iter()
            .map(|&(id, n)| {
                let messages = (1..=n).map(|i| message(id, i)).collect();
                (ConversationId(id), messages)
            })
            .collect();
        Fake {
            history: Arc::new(history),
            behaviour: Arc::new(behaviour),
            requests: Arc::default(),
            stuck: Arc::default(),
            name_lookups: Arc::default(),
        }
    }

    fn messages(&self, id: i64) -> &[Message] {
        &self.history[&ConversationId(id)]
    }

    /// A fresh export of the conversations `ids` into `path`, with nothing set but
    /// the format and direction.
    async fn export(
        &self,
        ids: &[i64],
        format: Format,
        direction: Direction,
        path: &Path,
    ) -> Result<ExportSummary, ExportFailure> {
        let targets: Vec<_> = ids.iter().map(|&id| target(id)).collect();
        run(self, &targets, &options(format, direction), path, false).await
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    fn answer(&self, conversation: ConversationId, req: &PageRequest) -> Result<Page, ApiError> {
        let b = &self.behaviour;
        if req.reverse == 0 && b.live.contains(&conversation) {
            return Err(service(
                400,
                "InvalidParameter",
                "live group only supports Reverse=1",
            ));
        }
        let all = &self.history[&conversation];
        let len = all.len() as i64;
        let limit = i64::from(req.limit);
        let (page, next, has_more): (Vec<Message>, i64, bool) = if req.reverse == 0 {
            let first = req.cursor.0.max(1);
            let last = (first + limit - 1).min(len);
            let page = (first..=last)
                .map(|i| all[i as usize - 1].clone())
                .collect();
            let next = if b.repeat_boundary { last } else { last + 1 };
            (page, next, last < len)
        } else {
            let first = req.cursor.0.min(len);
            let last = (first - limit + 1).max(1);
            let page = (last..=first)
                .rev()
                .map(|i| all[i as usize - 1].clone())
                .collect();
            let next = if b.repeat_boundary { last } else { last - 1 };
            (page, next, last > 1)
        };
        let next = if b.repeat_cursor { req.cursor.0 } else { next };
        Ok(Page {
            has_more: Some(has_more),
            new_cursor: Some(Cursor(next)),
            messages: page,
        })
    }
}

fn service(status: u16, code: &str, message: &str) -> ApiError {
    ApiError::Service {
        action: "GetConversationMessages".into(),
        status,
        code: code.into(),
        code_n: None,
        message: message.into(),
        request_id: Some("fake-request-7".into()),
    }
}

impl Source for Fake {
    async fn fetch_page(
        &self,
        app: AppId,
        conversation: ConversationId,
        req: PageRequest,
    ) -> Result<Page, ApiError> {
        assert_eq!(app, APP);
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        if self.behaviour.stuck_at == Some(n) {
            self.stuck.notify_one();
            std::future::pending::<()>().await;
        }
        if self.behaviour.fail_at.contains(&n) {
            return Err(service(
                401,
                "SignatureDoesNotMatch",
                "the signature does not match",
            ));
        }
        tokio::task::yield_now().await;
        self.answer(conversation, &req)
    }

    async fn user_names(
        &self,
        app: AppId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, String)>, ApiError> {
        assert_eq!(app, APP);
        self.name_lookups.fetch_add(1, Ordering::SeqCst);
        if self.behaviour.names_fail {
            return Err(service(403, "AccessDenied", "no BatchGetUser for you"));
        }
        Ok(users
            .iter()
            .map(|u| (*u, format!("User {}", u.0)))
            .collect())
    }

    fn stats(&self) -> SourceStats {
        SourceStats {
            requests: self.requests(),
            ..SourceStats::default()
        }
    }
}

fn target(id: i64) -> ConversationTarget {
    ConversationTarget::by_id(APP, ConversationId(id))
}

fn options(format: Format, direction: Direction) -> ExportOptions {
    ExportOptions {
        format,
        direction,
        ..ExportOptions::default()
    }
}

async fn run(
    fake: &Fake,
    targets: &[ConversationTarget],
    options: &ExportOptions,
    path: &Path,
    append: bool,
) -> Result<ExportSummary, ExportFailure> {
    let output = if append {
        Output::append(path, options.format).expect("appendable")
    } else {
        Output::create(path).unwrap()
    };
    export(fake, targets, options, output, std::future::pending()).await
}

fn raw_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn expected(messages: &[Message]) -> Vec<String> {
    messages.iter().map(|m| m.raw_json().to_owned()).collect()
}

/// The message ids a finished output of any format holds, in order, with the check
/// that it is complete and well-formed.
fn ids_in(path: &Path, format: Format) -> Vec<i64> {
    let text = std::fs::read_to_string(path).unwrap();
    match format {
        Format::Jsonl => text
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["MessageId"]
                    .as_i64()
                    .unwrap()
            })
            .collect(),
        Format::Json => serde_json::from_str::<Vec<serde_json::Value>>(&text)
            .unwrap()
            .iter()
            .map(|m| m["MessageId"].as_i64().unwrap())
            .collect(),
        Format::Csv => csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap()[1].parse().unwrap())
            .collect(),
        Format::Markdown => text
            .lines()
            .filter_map(|l| l.split("<!-- volc-im:message ").nth(1))
            .map(|rest| rest.split_whitespace().nth(1).unwrap().parse().unwrap())
            .collect(),
    }
}

fn ids(messages: &[Message]) -> Vec<i64> {
    messages.iter().map(|m| m.id().unwrap().0).collect()
}

#[tokio::test]
async fn every_message_once_in_walk_order_even_when_pages_repeat_their_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let fake = Fake::new(&[(501, 95)], Behaviour::repeating_boundary());
    let summary = fake
        .export(&[501], Format::Jsonl, Direction::OldestFirst, &path)
        .await
        .unwrap();
    assert_eq!(raw_lines(&path), expected(fake.messages(501)));
    assert_eq!(summary.messages(), 95);
    assert!(summary.conversations[0].complete);
    assert!(
        summary.conversations[0].skipped >= 4,
        "boundary repeats dropped"
    );

    let summary = fake
        .export(&[501], Format::Jsonl, Direction::NewestFirst, &path)
        .await
        .unwrap();
    let mut newest_first = expected(fake.messages(501));
    newest_first.reverse();
    assert_eq!(raw_lines(&path), newest_first);
    assert_eq!(summary.messages(), 95);
}

#[tokio::test]
async fn max_messages_stops_each_conversation_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let fake = Fake::new(&[(501, 95), (502, 10)], Behaviour::default());
    let mut opts = options(Format::Jsonl, Direction::OldestFirst);
    opts.max_messages = Some(25);
    let summary = run(&fake, &[target(501), target(502)], &opts, &path, false)
        .await
        .unwrap();
    let mut want = expected(&fake.messages(501)[..25]);
    want.extend(expected(fake.messages(502)));
    assert_eq!(raw_lines(&path), want);
    assert!(summary.conversations[0].reached_max);
    assert!(
        !summary.conversations[1].reached_max,
        "10 < 25: the whole history"
    );
    assert_eq!(
        fake.requests(),
        2 + 1,
        "no page beyond the limit is fetched"
    );
}

#[tokio::test]
async fn several_conversations_are_written_as_blocks_in_the_order_given() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let sizes = [(503, 7), (501, 130), (502, 41)];
    let fake = Fake::new(&sizes, Behaviour::repeating_boundary());
    let conversations = sizes.map(|(id, _)| id);
    fake.export(&conversations, Format::Jsonl, Direction::NewestFirst, &path)
        .await
        .unwrap();
    let mut want = Vec::new();
    for (id, _) in sizes {
        let mut block = expected(fake.messages(id));
        block.reverse();
        want.extend(block);
    }
    assert_eq!(raw_lines(&path), want);
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let fake = Fake::new(
        &[(501, 95)],
        Behaviour {
            repeat_cursor: true,
            ..Behaviour::default()
        },
    );
    let mut opts = options(Format::Jsonl, Direction::OldestFirst);
    opts.first_cursor = Some(Cursor(1));
    let failure = run(&fake, &[target(501)], &opts, &path, false)
        .await
        .unwrap_err();
    assert!(
        matches!(
            failure.error,
            ExportError::Paging {
                source: PagingError::RepeatedCursor(Cursor(1)),
                ..
            }
        ),
        "{failure:?}"
    );
    assert_eq!(fake.requests(), 1);
    assert_eq!(
        raw_lines(&path),
        expected(&fake.messages(501)[..20]),
        "the page is kept"
    );
    let resume = failure.resume.unwrap();
    assert_eq!(
        resume.cursor,
        Cursor(1),
        "resuming asks for that page again"
    );
}

#[tokio::test]
async fn a_live_group_read_from_the_start_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let fake = Fake::new(&[(503, 5)], Behaviour::default());
    let mut live = target(503);
    live.live = true;
    let failure = run(
        &fake,
        &[live],
        &options(Format::Jsonl, Direction::OldestFirst),
        &path,
        false,
    )
    .await
    .unwrap_err();
    assert!(matches!(
        failure.error,
        ExportError::LiveGroupFromStart { .. }
    ));
    assert!(failure.error.to_string().contains("--newest-first"));
    assert_eq!(fake.requests(), 0);
    assert!(failure.resume.is_none());

    // Not configured as live: the service's refusal says what to do.
    let fake = Fake::new(
        &[(503, 5)],
        Behaviour {
            live: [ConversationId(503)].into(),
            ..Behaviour::default()
        },
    );
    let failure = fake
        .export(&[503], Format::Jsonl, Direction::OldestFirst, &path)
        .await
        .unwrap_err();
    let text = failure.error.to_string();
    assert!(
        text.contains("InvalidParameter") && text.contains("use --newest-first"),
        "{text}"
    );
    let summary = fake
        .export(&[503], Format::Jsonl, Direction::NewestFirst, &path)
        .await
        .unwrap();
    assert_eq!(summary.messages(), 5);
}

/// Fails at a request, then resumes from the failure's resume point into the same
/// file with `--append`; the result must equal an export that never failed.
async fn fail_then_resume(format: Format, direction: Direction, fail_at: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out");
    let sizes = [(501, 95), (502, 33)];
    let targets: Vec<_> = sizes.iter().map(|&(id, _)| target(id)).collect();
    let failing = Fake::new(
        &sizes,
        Behaviour {
            fail_at: [fail_at].into(),
            ..Behaviour::repeating_boundary()
        },
    );
    let opts = options(format, direction);
    let failure = run(&failing, &targets, &opts, &path, false)
        .await
        .unwrap_err();
    let text = failure.error.to_string();
    assert!(
        text.contains("SignatureDoesNotMatch") && text.contains("RequestId fake-request-7"),
        "{text}"
    );
    assert_eq!(failure.json_left_open, format == Format::Json);
    let point = failure.resume.expect("resumable");
    let partial = ExistingOutput::scan(format, &std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        partial.messages(),
        failure.summary.messages(),
        "everything written was flushed"
    );

    let healthy = Fake::new(&sizes, Behaviour::repeating_boundary());
    let mut resumed = opts.clone();
    resumed.first_cursor = Some(point.cursor);
    run(
        &healthy,
        &targets[point.conversation_index..],
        &resumed,
        &path,
        true,
    )
    .await
    .unwrap();

    let mut want = Vec::new();
    for (id, _) in sizes {
        let mut block = ids(healthy.messages(id));
        if direction == Direction::NewestFirst {
            block.reverse();
        }
        want.extend(block);
    }
    assert_eq!(
        ids_in(&path, format),
        want,
        "{format} {direction} failing at request {fail_at}"
    );
}

#[tokio::test]
async fn a_failed_export_resumed_with_append_has_no_gap_and_no_duplicate() {
    for format in Format::ALL {
        for direction in [Direction::OldestFirst, Direction::NewestFirst] {
            // Requests of the two conversations interleave: these fail somewhere in
            // the first, the second, or either.
            for fail_at in [0, 3, 6] {
                fail_then_resume(format, direction, fail_at).await;
            }
        }
    }
}

#[tokio::test]
async fn an_interrupted_export_keeps_whole_pages_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let fake = Fake::new(
        &[(501, 95)],
        Behaviour {
            stuck_at: Some(2),
            ..Behaviour::default()
        },
    );
    let opts = options(Format::Json, Direction::OldestFirst);
    let stuck = fake.stuck.clone();
    let output = Output::create(&path).unwrap();
    let failure = export(&fake, &[target(501)], &opts, output, async move {
        stuck.notified().await
    })
    .await
    .unwrap_err();
    assert!(matches!(failure.error, ExportError::Interrupted));
    assert!(failure.json_left_open);
    let point = failure.resume.unwrap();
    // Two pages were fetched; the second may or may not have been written yet.
    assert!(matches!(point.written, 20 | 40), "{point:?}");
    assert_eq!(point.cursor, Cursor(point.written as i64 + 1));
    let partial = ExistingOutput::scan(Format::Json, &std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(partial.messages(), point.written);

    let healthy = Fake::new(&[(501, 95)], Behaviour::default());
    let mut resumed = opts.clone();
    resumed.first_cursor = Some(point.cursor);
    run(&healthy, &[target(501)], &resumed, &path, true)
        .await
        .unwrap();
    assert_eq!(ids_in(&path, Format::Json), ids(healthy.messages(501)));
}

#[tokio::test]
async fn appending_counts_what_the_output_holds_toward_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let fake = Fake::new(&[(501, 95)], Behaviour::default());
    let mut opts = options(Format::Csv, Direction::OldestFirst);
    opts.max_messages = Some(30);
    std::fs::write(&path, "").unwrap();
    run(&fake, &[target(501)], &opts, &path, true)
        .await
        .unwrap();
    run(&fake, &[target(501)], &opts, &path, true)
        .await
        .unwrap();
    assert_eq!(ids_in(&path, Format::Csv), ids(&fake.messages(501)[..30]));
    opts.max_messages = Some(50);
    run(&fake, &[target(501)], &opts, &path, true)
        .await
        .unwrap();
    assert_eq!(ids_in(&path, Format::Csv), ids(&fake.messages(501)[..50]));
}

#[tokio::test]
async fn a_closed_json_array_is_not_appended_to() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    let fake = Fake::new(&[(501, 5)], Behaviour::default());
    fake.export(&[501], Format::Json, Direction::OldestFirst, &path)
        .await
        .unwrap();
    let err = Output::append(&path, Format::Json).err().unwrap();
    assert!(err.to_string().contains("already closed"), "{err}");
    assert_eq!(ids_in(&path, Format::Json), ids(fake.messages(501)));
}

#[tokio::test]
async fn a_transcript_names_its_senders_and_carries_on_without_names_when_they_cannot_be_had() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.md");
    let sizes = [(501, 95), (502, 10)];
    let both = [501, 502];
    let fake = Fake::new(&sizes, Behaviour::default());
    fake.export(&both, Format::Markdown, Direction::OldestFirst, &path)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for sender in [10, 11, 12] {
        assert!(text.contains(&format!("\n**User {sender}** ")), "{sender}");
    }
    assert!(!text.contains("\n**10** "));
    assert!(
        fake.name_lookups.load(Ordering::SeqCst) <= 2,
        "each sender asked for once"
    );
    let jsonl = dir.path().join("out.jsonl");
    fake.export(&both, Format::Jsonl, Direction::OldestFirst, &jsonl)
        .await
        .unwrap();
    let before = fake.name_lookups.load(Ordering::SeqCst);
    fake.export(&both, Format::Csv, Direction::OldestFirst, &jsonl)
        .await
        .unwrap();
    assert_eq!(
        fake.name_lookups.load(Ordering::SeqCst),
        before,
        "only transcripts need names"
    );

    let fake = Fake::new(
        &sizes,
        Behaviour {
            names_fail: true,
            ..Behaviour::default()
        },
    );
    fake.export(&both, Format::Markdown, Direction::OldestFirst, &path)
        .await
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\n**10** "));
    assert_eq!(ids_in(&path, Format::Markdown).len(), 105);
    assert_eq!(
        fake.name_lookups.load(Ordering::SeqCst),
        1,
        "not asked again after a failure"
    );
}

/// An export of conversation 501 (95 messages) into `path` that fails after a few
/// pages, leaving a partial output; the source that then completes it.
async fn partial_export(format: Format, path: &Path) -> Fake {
    let failing = Fake::new(
        &[(501, 95)],
        Behaviour {
            fail_at: [2].into(),
            ..Behaviour::default()
        },
    );
    let opts = options(format, Direction::OldestFirst);
    let failure = run(&failing, &[target(501)], &opts, path, false)
        .await
        .unwrap_err();
    assert!(
        failure.summary.messages() > 0,
        "{format}: something written"
    );
    Fake::new(&[(501, 95)], Behaviour::default())
}

#[tokio::test]
async fn an_output_stopped_between_a_whole_record_and_what_follows_it_is_mended_and_continued() {
    let dir = tempfile::tempdir().unwrap();
    // (format, what the last write left: the partial output with this end instead).
    type Damage = fn(&str) -> String;
    let cases: [(Format, Damage); 4] = [
        (Format::Jsonl, |t| t.strip_suffix('\n').unwrap().to_owned()),
        (Format::Json, |t| format!("{t},\n")),
        (Format::Json, |t| format!("{t},")),
        (Format::Csv, |t| t.strip_suffix('\n').unwrap().to_owned()),
    ];
    for (n, (format, damage)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("out{n}.{format}"));
        let healthy = partial_export(format, &path).await;
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, damage(&text)).unwrap();

        let output = Output::append(&path, format).expect("mendable");
        let repaired = output.repaired().expect("says what it mended").to_owned();
        assert!(repaired.contains("cut short"), "{repaired}");
        let opts = options(format, Direction::OldestFirst);
        export(
            &healthy,
            &[target(501)],
            &opts,
            output,
            std::future::pending(),
        )
        .await
        .unwrap();
        assert_eq!(
            ids_in(&path, format),
            ids(healthy.messages(501)),
            "{format} case {n}: one valid output, no gap, no duplicate"
        );
        if format != Format::Csv {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("},,") && !text.contains(",\n,"), "{text}");
        }
    }
}

#[tokio::test]
async fn an_output_whose_last_record_is_cut_is_refused_with_the_byte_to_cut_back_to() {
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let path = dir.path().join(format!("out.{format}"));
        let healthy = partial_export(format, &path).await;
        let text = std::fs::read(&path).unwrap();
        // Cut inside the last message (its raw JSON, or a transcript's text).
        std::fs::write(&path, &text[..text.len() - 12]).unwrap();
        let cut = std::fs::read(&path).unwrap();

        let err = Output::append(&path, format).err().expect("refused");
        let message = err.to_string();
        let ExportError::Existing { source, .. } = &err else {
            panic!("{format}: {message}")
        };
        let volc_im::export::ExistingOutputError::Truncated { offset, .. } = source else {
            panic!("{format}: {message}")
        };
        assert!(
            message.contains(&format!("truncate -s {offset} ")),
            "{format}: {message}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), cut, "{format}: untouched");
        let whole = ExistingOutput::scan(format, &cut[..*offset as usize]).expect("whole");
        assert!(whole.messages() > 0, "{format}: only the cut record goes");

        std::fs::write(&path, &cut[..*offset as usize]).unwrap();
        let opts = options(format, Direction::OldestFirst);
        run(&healthy, &[target(501)], &opts, &path, true)
            .await
            .unwrap();
        assert_eq!(
            ids_in(&path, format),
            ids(healthy.messages(501)),
            "{format}: complete once cut back"
        );
    }
}

/// The resume command repeats `--max-messages` as given, for every conversation
/// left: resumed with `--append`, the interrupted one counts what the output holds.
#[tokio::test]
async fn a_resumed_export_of_several_conversations_keeps_each_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let sizes = [(501, 95), (502, 33)];
    let targets: Vec<_> = sizes.iter().map(|&(id, _)| target(id)).collect();
    let fake = Fake::new(&sizes, Behaviour::default());
    // What an interrupted first run left: 10 messages of the first conversation.
    let mut opts = options(Format::Jsonl, Direction::OldestFirst);
    opts.max_messages = Some(10);
    run(&fake, &targets[..1], &opts, &path, false)
        .await
        .unwrap();

    opts.max_messages = Some(30);
    run(&fake, &targets, &opts, &path, true).await.unwrap();
    let healthy = fake;
    let mut want = ids(&healthy.messages(501)[..30]);
    want.extend(ids(&healthy.messages(502)[..30]));
    assert_eq!(ids_in(&path, Format::Jsonl), want);
}
