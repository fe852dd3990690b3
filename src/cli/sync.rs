//! `volc-im sync`: mirror conversations into the archive, incrementally, several at
//! once under the one rate limit.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use futures::StreamExt;

use crate::archive::SharedArchive;
use crate::cli::archive_flags::{archive_path, open_archive};
use crate::cli::browse::resolve_conversation;
use crate::cli::conversations::app_and_user;
use crate::config::NamedConversation;
use crate::conversations::user_conversations;
use crate::export::progress::Progress;
use crate::model::safe_text::{escape_controls, strip_controls};
use crate::model::{AppId, ConversationId, ConversationKind, Cursor};
use crate::session::{ConnectArgs, DemoFallback, Session};
use crate::source::Source;
use crate::sync::{
    ConversationLock, SyncOptions, SyncTarget, Tally, look_up_names, sync_conversation,
};

/// How many conversations sync at the same time (all under the one rate limit).
pub const CONCURRENT_CONVERSATIONS: usize = 8;

/// How many of the user's conversations `--all` lists.
const LISTED_MAX: usize = 10_000;

/// Mirror conversations into the archive, fetching only what it does not hold yet
#[derive(clap::Args, Clone, Debug)]
#[command(after_help = "\
Each conversation is read newest-first from its newest message until the archive's \
messages are reached; then gaps and older history are filled, down to the beginning \
(or --since). A second sync with nothing new costs about one request per conversation. \
Interrupted (Ctrl-C, a kill, a failed request), it keeps everything fetched, and the next \
sync carries on where it stopped.

Examples:
  volc-im sync --demo --all
  volc-im sync --conversation \"launch team\" --since 2025-01-01
  volc-im sync --app-id 100001 --conversation 7300000000000000001 --archive ~/chat.sqlite3")]
pub struct SyncArgs {
    /// The app of conversations given by id [default: `app_id` from the config file]
    #[arg(long, value_name = "ID")]
    pub app_id: Option<i64>,
    /// A conversation to sync: its id, or its name (configured, or as archived); repeat for several
    #[arg(long, value_name = "ID|NAME", required_unless_present = "all")]
    pub conversation: Vec<String>,
    /// Every conversation named in the config file and, when `user_id` is set, the user's own
    #[arg(long)]
    pub all: bool,
    /// Fetch nothing older than this: 2025-05-16, "2025-05-16 14:00", or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<i64>,
    /// The archive file [default: `archive` from the config file, else archive.sqlite3 in
    /// the data directory; the demo's own file with --demo]
    #[arg(long, value_name = "PATH")]
    pub archive: Option<PathBuf>,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Reads a date or a date and time (in the local time zone unless it says its offset)
/// as milliseconds since the epoch.
pub fn parse_since(value: &str) -> Result<i64, String> {
    parse_date(value, &jiff::tz::TimeZone::system())
}

/// [`parse_since`] in a given time zone.
pub fn parse_date(value: &str, tz: &jiff::tz::TimeZone) -> Result<i64, String> {
    let value = value.trim();
    if let Ok(ts) = value.parse::<jiff::Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let civil = value
        .replacen(' ', "T", 1)
        .parse::<jiff::civil::DateTime>()
        .or_else(|_| value.parse::<jiff::civil::Date>().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .map_err(|_| {
            format!("{value:?} is not a date: use 2025-05-16, \"2025-05-16 14:00\" or 2025-05-16T14:00:00Z")
        })?;
    tz.to_timestamp(civil)
        .map(|ts| ts.as_millisecond())
        .map_err(|e| format!("{value:?}: {e}"))
}

/// What one conversation's sync came to.
struct Outcome {
    target: SyncTarget,
    tally: Tally,
    error: Option<String>,
}

/// Runs `volc-im sync`.
pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let session = args.connect.open(DemoFallback::Never).await?;
    let path = archive_path(args.archive.as_deref(), &session.config, session.is_demo)?;
    let archive = SharedArchive::new(open_archive(&path, false)?);
    let mut targets = targets(&args, &session, &archive).await?;
    // Names and types first: a conversation given by id may turn out to be a live group.
    let ids: Vec<(AppId, ConversationId)> =
        targets.iter().map(|t| (t.app, t.conversation)).collect();
    // The display starts before the first request, so that a server that keeps
    // silent is shown as such ("waiting for the server · 14 s · attempt 2 of 5").
    let terminal = std::io::stderr().is_terminal();
    let progress = Progress::new(terminal);
    let watched = session.client.clone();
    progress.show_waiting(move || watched.calls().slow().map(|w| w.to_string()));
    let names = look_up_names(&session.client, &archive, &ids, false).await;
    mark_live_groups(&mut targets, &archive);

    let options = SyncOptions {
        since: args.since,
        newest_start: Cursor(session.config.newest_cursor),
    };
    let client = session.client.clone();
    let runs = futures::stream::iter(targets.iter().cloned())
        .map(|target| {
            let (client, archive, path, progress) = (&client, &archive, &path, &progress);
            async move {
                let bar = progress.conversation(&target.label);
                let lock = match ConversationLock::try_acquire(path, target.app, target.conversation) {
                    Ok(Some(lock)) => Ok(lock),
                    Ok(None) => {
                        let line = format!(
                            "volc-im: {}: another sync of this conversation is running; waiting for it to finish",
                            escape_controls(&target.label)
                        );
                        if progress.is_shown() {
                            progress.println(&line);
                        } else {
                            eprintln!("{line}");
                        }
                        ConversationLock::acquire(path, target.app, target.conversation).await
                    }
                    Err(e) => Err(e),
                };
                let _lock = match lock {
                    Ok(lock) => lock,
                    Err(e) => {
                        bar.abandon("failed");
                        return Outcome { target, tally: Tally::default(), error: Some(e.to_string()) };
                    }
                };
                let on_page = |t: &Tally| bar.page(t.new, t.pages, Source::stats(client));
                match sync_conversation(client, archive, &target, &options, on_page).await {
                    Ok(tally) => {
                        bar.finish(&done_note(&tally));
                        Outcome { target, tally, error: None }
                    }
                    Err((error, tally)) => {
                        bar.abandon("failed");
                        Outcome { target, tally, error: Some(error.to_string()) }
                    }
                }
            }
        })
        .buffer_unordered(CONCURRENT_CONVERSATIONS)
        .collect::<Vec<Outcome>>();
    let outcomes = tokio::select! {
        outcomes = runs => outcomes,
        signal = interrupted() => {
            progress.clear();
            bail!(
                "{signal}: stopped; every page fetched before is archived in {}, and the next sync carries on from there",
                path.display()
            );
        }
    };
    // Senders' names once their messages are in.
    let users = look_up_names(&session.client, &archive, &ids, true).await;
    progress.clear();
    let mut outcomes = outcomes;
    outcomes.sort_by_key(|o| targets.iter().position(|t| *t == o.target));
    if terminal {
        for line in summary(&outcomes, started.elapsed(), Source::stats(&client).retries) {
            eprintln!("{line}");
        }
    }
    for failure in [names.failure, users.failure].into_iter().flatten() {
        eprintln!(
            "volc-im: warning: names not looked up (the messages are archived): {}",
            strip_controls(&failure)
        );
    }
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.error.as_ref().map(|e| {
                format!(
                    "{} ({}): {}",
                    escape_controls(&o.target.label),
                    o.target.conversation,
                    strip_controls(e).replace('\n', " ")
                )
            })
        })
        .collect();
    drop(session);
    if failed.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "{} of {} conversations failed; what they fetched is archived, and the next sync carries on:\n  {}",
        failed.len(),
        outcomes.len(),
        failed.join("\n  ")
    ))
}

/// The conversations to sync, each once, in the order given.
async fn targets(
    args: &SyncArgs,
    session: &Session,
    archive: &SharedArchive,
) -> anyhow::Result<Vec<SyncTarget>> {
    let named = session.named_conversations();
    let default_app = if session.is_demo {
        Some(crate::demo::DEMO_APP_ID)
    } else {
        session.config.app_id
    };
    let mut found: Vec<NamedConversation> = Vec::new();
    for value in &args.conversation {
        let conv = match resolve_conversation(value, args.app_id, &named, default_app) {
            Ok(conv) => conv,
            Err(e) => {
                let archived = archive
                    .lock()
                    .conversation_named(args.app_id.map(AppId), value)?;
                match archived.as_slice() {
                    [(app, id)] => NamedConversation {
                        name: value.clone(),
                        app_id: app.0,
                        conversation_id: id.0,
                        live: false,
                    },
                    [] => return Err(e),
                    _ => bail!(
                        "{value:?} names several archived conversations: give its id (and --app-id)"
                    ),
                }
            }
        };
        found.push(conv);
    }
    if args.all {
        found.extend(named.iter().cloned());
        if let Some((app, user)) = app_and_user(session, args.app_id, None) {
            let listed = user_conversations(&session.client, app, user, LISTED_MAX)
                .await
                .context("listing your conversations (user_id in the config file)")?;
            archive.keep_conversations(app, listed.clone()).await;
            found.extend(listed.iter().map(|c| NamedConversation::listed(app, c)));
        }
    }
    let mut seen = BTreeSet::new();
    let targets: Vec<SyncTarget> = found
        .into_iter()
        .filter(|c| seen.insert((c.app_id, c.conversation_id)))
        .map(|c| SyncTarget {
            label: crate::session::display_name(&c, session.is_demo),
            app: AppId(c.app_id),
            conversation: ConversationId(c.conversation_id),
            live: c.live,
        })
        .collect();
    if targets.is_empty() {
        bail!(
            "nothing to sync: --all found no conversation (name some in the config file, or set user_id there); or pass --conversation"
        );
    }
    Ok(targets)
}

/// Marks the targets the archive knows to be live groups.
fn mark_live_groups(targets: &mut [SyncTarget], archive: &SharedArchive) {
    let known = archive.lock().conversations().unwrap_or_default();
    for target in targets.iter_mut() {
        if let Some(c) = known
            .iter()
            .find(|c| c.app == target.app && c.conversation == target.conversation)
            && c.conversation_type == Some(ConversationKind::LiveGroup.code())
        {
            target.live = true;
        }
    }
}

fn done_note(tally: &Tally) -> String {
    let mut note = format!("{} new", tally.new);
    if tally.changed > 0 {
        note.push_str(&format!(", {} changed", tally.changed));
    }
    note.push_str(if tally.complete {
        " · complete"
    } else {
        " · up to date"
    });
    note
}

/// The closing lines: one per conversation, then the totals.
fn summary(outcomes: &[Outcome], elapsed: std::time::Duration, retries: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for o in outcomes {
        let state = match &o.error {
            Some(_) => "failed".to_owned(),
            None if o.tally.complete => "complete".to_owned(),
            None => "up to date".to_owned(),
        };
        lines.push(format!(
            "  {}: {} new message{} ({} page{}) · {state}",
            escape_controls(&o.target.label),
            o.tally.new,
            plural(o.tally.new),
            o.tally.pages,
            plural(o.tally.pages),
        ));
    }
    let new: u64 = outcomes.iter().map(|o| o.tally.new).sum();
    let pages: u64 = outcomes.iter().map(|o| o.tally.pages).sum();
    let mut total = format!(
        "synced {new} new message{} ({pages} page{}) in {} conversation{} in {:.1}s",
        plural(new),
        plural(pages),
        outcomes.len(),
        plural(outcomes.len() as u64),
        elapsed.as_secs_f64()
    );
    if retries > 0 {
        total.push_str(&format!(
            ", {retries} retr{}",
            if retries == 1 { "y" } else { "ies" }
        ));
    }
    lines.push(total);
    lines
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Completes on Ctrl-C or SIGTERM, with the signal's name.
async fn interrupted() -> &'static str {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return "interrupted";
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "terminated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_the_local_zone_unless_they_say_otherwise() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let day = parse_date("2025-05-16", &tz).unwrap();
        assert_eq!(day, parse_date("2025-05-15T16:00:00Z", &tz).unwrap());
        assert_eq!(
            parse_date("2025-05-16 14:00", &tz).unwrap(),
            day + 14 * 3_600_000
        );
        assert_eq!(
            parse_date("2025-05-16T14:00:30", &tz).unwrap(),
            day + 14 * 3_600_000 + 30_000
        );
        let err = parse_date("last tuesday", &tz).unwrap_err();
        assert!(err.contains("2025-05-16"), "{err}");
    }
}
