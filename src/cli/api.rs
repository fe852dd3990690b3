//! `volc-im api ACTION --body JSON|@FILE [--dry-run]`: a signed call to any action.

use std::borrow::Cow;
use std::io::{IsTerminal, Read, Write};

use anyhow::{Context, bail};

use crate::api::wire::{
    BatchGetConversationsRequest, BatchGetUserRequest, ConversationsResult,
    GetConversationMessagesRequest, GetMessagesRequest, GetUserConversationsRequest, Page,
    RawMessages, UserConversationsPage, UsersResult, decode,
};
use crate::archive::{PageFetch, SharedArchive};
use crate::cli::archive_flags::{ArchiveArgs, failure_warning};
use crate::model::Cursor;
use crate::model::safe_text::escape_json_for_terminal;
use crate::paging::Direction;
use crate::session::{ConnectArgs, DemoFallback};

/// Call any IM action, signed, and print the JSON result
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  volc-im api GetConversationUserCount --body '{\"AppId\":100001,\"ConversationShortId\":7300000000000000001}' --demo\n  volc-im api GetMessages --body @request.json --dry-run"
)]
pub struct ApiArgs {
    /// The action, e.g. GetConversationMessages
    pub action: String,
    /// The JSON body: inline, @FILE to read a file, or @- to read standard input
    #[arg(long, default_value = "{}")]
    pub body: String,
    /// Print the signed request (method, URL, headers, body) instead of sending it
    #[arg(long)]
    pub dry_run: bool,
    /// Print the whole response envelope's Result as received, without pretty-printing
    #[arg(long)]
    pub raw: bool,
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

fn read_body(spec: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = match spec.strip_prefix('@') {
        Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading the body from standard input")?;
            buf
        }
        Some(path) => {
            std::fs::read(path).with_context(|| format!("reading the body from {path}"))?
        }
        None => spec.as_bytes().to_vec(),
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|e| anyhow::anyhow!("the body is not valid JSON: {e}"))?;
    Ok(bytes)
}

/// JSON as it goes to stdout: exact to a file or a pipe; on a terminal, with the
/// control characters the server may have put in its strings escaped.
pub(crate) fn for_stdout(json: &str, terminal: bool) -> Cow<'_, str> {
    if terminal {
        escape_json_for_terminal(json)
    } else {
        Cow::Borrowed(json)
    }
}

/// Runs the command.
pub async fn run(args: ApiArgs) -> anyhow::Result<()> {
    if args.action.is_empty() || !args.action.chars().all(|c| c.is_ascii_alphanumeric()) {
        bail!(
            "{:?} is not an action name (letters and digits, e.g. GetMessages)",
            args.action
        );
    }
    let body = read_body(&args.body)?;
    let session = args.connect.open(DemoFallback::Never).await?;
    let terminal = std::io::stdout().is_terminal();
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        let req = session.client.prepare(&args.action, &body);
        writeln!(out, "{} {}", req.method, req.url)?;
        for (name, value) in &req.headers {
            writeln!(out, "{name}: {value}")?;
        }
        writeln!(out)?;
        out.write_all(&req.body)?;
        writeln!(out)?;
        return Ok(());
    }
    let archive = args.archive.open(&session.config, session.is_demo)?;
    let result = session.client.call_raw(&args.action, &body).await?;
    if let Some(archive) = &archive {
        keep(
            archive,
            &args.action,
            &body,
            &result,
            Cursor(session.config.newest_cursor),
        )
        .await;
        if let Some(warning) = failure_warning(Some(archive)) {
            eprintln!("{warning}");
        }
    }
    let json = if args.raw {
        result.get().to_owned()
    } else {
        let value: serde_json::Value = serde_json::from_str(result.get())?;
        serde_json::to_string_pretty(&value)?
    };
    writeln!(out, "{}", for_stdout(&json, terminal))?;
    Ok(())
}

/// Keeps what a call of a reading action returned in the archive. A request or a
/// result that does not read as the action's is simply not kept.
async fn keep(
    archive: &SharedArchive,
    action: &str,
    body: &[u8],
    result: &serde_json::value::RawValue,
    newest_start: Cursor,
) {
    match action {
        "GetConversationMessages" => {
            let (Ok(req), Ok(page)) = (
                serde_json::from_slice::<GetConversationMessagesRequest>(body),
                Page::from_result(action, result),
            ) else {
                return;
            };
            let direction = if req.reverse == Some(1) {
                Direction::NewestFirst
            } else {
                Direction::OldestFirst
            };
            let fetch = PageFetch::new(
                req.app_id,
                req.conversation_short_id,
                direction,
                req.cursor,
                newest_start,
            );
            archive.keep_page(fetch, page).await;
        }
        "GetMessages" => {
            if let (Ok(req), Ok(found)) = (
                serde_json::from_slice::<GetMessagesRequest>(body),
                decode::<RawMessages>(action, result),
            ) {
                archive
                    .keep_messages(req.app_id, req.conversation_short_id, found.read())
                    .await;
            }
        }
        "BatchGetUser" => {
            if let (Ok(req), Ok(found)) = (
                serde_json::from_slice::<BatchGetUserRequest>(body),
                decode::<UsersResult>(action, result),
            ) {
                archive.keep_users(req.app_id, found.users).await;
            }
        }
        "BatchGetConversations" => {
            if let (Ok(req), Ok(found)) = (
                serde_json::from_slice::<BatchGetConversationsRequest>(body),
                decode::<ConversationsResult>(action, result),
            ) {
                archive
                    .keep_conversations(req.app_id, found.conversation_core_infos)
                    .await;
            }
        }
        "GetUserConversations" => {
            if let (Ok(req), Ok(found)) = (
                serde_json::from_slice::<GetUserConversationsRequest>(body),
                decode::<UserConversationsPage>(action, result),
            ) {
                archive
                    .keep_conversations(req.app_id, found.conversation_infos)
                    .await;
            }
        }
        _ => {}
    }
}
