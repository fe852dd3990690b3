//! `volc-im export`: write whole conversation histories to a file or stdout.
//! A thin layer over [`crate::export`]: arguments in, a summary or a resume hint out.

mod resume;

use resume::failure_report;
pub use resume::resume_command;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{anyhow, bail};

use crate::archive::{Archiving, SharedArchive};
use crate::cli::archive_flags::{ArchiveArgs, archive_path, failure_warning, open_archive};
use crate::cli::browse::resolve_conversation;
use crate::cli::report::Exit;
use crate::cli::stop::{StopSignal, StopSignals};
use crate::config::{Config, NamedConversation};
use crate::export::progress::summary_line;
use crate::export::{
    ArchivePages, ConversationTarget, ExportError, ExportFailure, ExportOptions, Format, Output,
    check_direction, coverage_warning, export,
};
use crate::model::safe_text::escape_controls;
use crate::model::{AppId, ConversationId, ConversationKind, Cursor};
use crate::paging::Direction;
use crate::session::{ConnectArgs, DemoFallback, demo_conversations};
use crate::source::Source;

/// Write whole conversation histories (JSONL, JSON, CSV or Markdown)
#[derive(clap::Args, Clone, Debug)]
#[command(after_help = "\
Several --conversation values export concurrently into one output, each conversation's \
messages together, in the order given.

A failed or interrupted export keeps what it wrote and prints the command that resumes it \
(with --cursor, --output and --append); the resumed output has no gap and no duplicate. \
An export to standard output is resumed the same way, into the file its output was \
redirected to: --append reads what that file holds, writes none of it again and carries on \
its format (no second `[`, CSV header or title); --max-messages counts what it holds.

Examples:
  volc-im export --demo --conversation demo-group --output group.jsonl
  volc-im export --app-id 100001 --conversation 7300000000000000001 --format csv --output history.csv
  volc-im export --conversation live-room --newest-first --max-messages 500 --format markdown")]
pub struct ExportArgs {
    /// The app of the conversations [default: the configured conversation's, else `app_id` from the config file]
    #[arg(long, value_name = "ID")]
    pub app_id: Option<i64>,
    /// A conversation to export: its id, or the name of a configured conversation; repeat for several
    #[arg(long, value_name = "ID|NAME", required = true)]
    pub conversation: Vec<String>,
    /// Oldest message first (the default)
    #[arg(long, conflicts_with = "newest_first")]
    pub from_start: bool,
    /// Newest message first (the only order a live group can be read in)
    #[arg(long)]
    pub newest_first: bool,
    /// Output format: jsonl, json and csv keep every message exactly as received
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    /// Write to this file [default: standard output]
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// At most this many messages per conversation (with --append, those the file already holds count)
    #[arg(long, value_name = "N")]
    pub max_messages: Option<u64>,
    /// Start the first --conversation at this cursor (to resume; a failed export prints it)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub cursor: Option<i64>,
    /// Add to the --output file instead of replacing it; messages it already holds are not written again
    #[arg(long, requires = "output")]
    pub append: bool,
    /// Write from the archive alone, with no network at all (warns when the archive
    /// lacks part of a conversation)
    #[arg(long, conflicts_with_all = ["no_archive", "endpoint", "region", "allow_insecure_http"])]
    pub offline: bool,
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

impl ExportArgs {
    fn direction(&self) -> Direction {
        if self.newest_first {
            Direction::NewestFirst
        } else {
            Direction::OldestFirst
        }
    }
}

/// Runs `volc-im export`.
pub async fn run(args: ExportArgs) -> anyhow::Result<()> {
    // From here on Ctrl-C, SIGTERM and SIGHUP stop the export cleanly instead of
    // killing it mid-write.
    let signals = StopSignals::listen();
    if args.offline {
        return run_offline(args, signals).await;
    }
    let session = args.connect.open(DemoFallback::Never).await?;
    let archive = args.archive.open(&session.config, session.is_demo)?;
    let named = session.named_conversations();
    let (targets, given) = resolve_targets(&args, |value| {
        let found = resolve_conversation(value, args.app_id, &named, session.config.app_id)?;
        Ok(ConversationTarget {
            label: found.name,
            app: AppId(found.app_id),
            conversation: ConversationId(found.conversation_id),
            live: found.live,
        })
    })?;
    check_direction(&targets, args.direction())?;
    let newest_start = Cursor(session.config.newest_cursor);
    let source = Archiving {
        inner: session.client.clone(),
        archive: archive.clone(),
        newest_start,
    };
    let result = write(&args, &given, &targets, &source, newest_start, signals).await;
    if let Some(warning) = failure_warning(archive.as_ref()) {
        eprintln!("{warning}");
    }
    result
}

/// The conversations to export, each once (a repeat is warned about and dropped),
/// and the `--conversation` values that named them, for a resume command.
fn resolve_targets(
    args: &ExportArgs,
    mut resolve: impl FnMut(&str) -> anyhow::Result<ConversationTarget>,
) -> anyhow::Result<(Vec<ConversationTarget>, Vec<String>)> {
    let mut targets: Vec<ConversationTarget> = Vec::with_capacity(args.conversation.len());
    let mut given: Vec<String> = Vec::with_capacity(args.conversation.len());
    for value in &args.conversation {
        let target = resolve(value)?;
        if let Some(first) = targets
            .iter()
            .find(|t| t.app == target.app && t.conversation == target.conversation)
        {
            eprintln!(
                "volc-im: warning: --conversation {} is {} again: exporting it once",
                escape_controls(value),
                escape_controls(&conversation_label(first)),
            );
            continue;
        }
        targets.push(target);
        given.push(value.clone());
    }
    Ok((targets, given))
}

/// Writes `targets` from `source` into the output `args` name, until done or
/// stopped by a signal; the summary on a terminal, or the error with its resume
/// command.
async fn write<S: Source>(
    args: &ExportArgs,
    given: &[String],
    targets: &[ConversationTarget],
    source: &S,
    newest_start: Cursor,
    mut signals: StopSignals,
) -> anyhow::Result<()> {
    let output = match &args.output {
        Some(path) if args.append => Output::append(path, args.format)?,
        Some(path) => Output::create(path)?,
        None => Output::stdout(),
    };
    if let Some(mended) = output.repaired() {
        eprintln!("volc-im: {}", escape_controls(mended));
    }
    let terminal = std::io::stderr().is_terminal();
    let options = ExportOptions {
        format: args.format,
        direction: args.direction(),
        first_cursor: args.cursor.map(Cursor),
        newest_start,
        max_messages: args.max_messages,
        show_progress: terminal,
        written: None,
    };
    let stopped_by = std::cell::Cell::new(None);
    let stopped = async {
        stopped_by.set(Some(signals.received().await));
    };
    match export(source, targets, &options, output, stopped).await {
        Ok(summary) => {
            if terminal {
                eprintln!(
                    "{}",
                    summary_line(
                        summary.messages(),
                        summary.pages(),
                        targets.len(),
                        summary.elapsed,
                        summary.stats
                    )
                );
            }
            Ok(())
        }
        // The reader of stdout stopped reading (`| head`): it has what it wanted.
        Err(failure) if args.output.is_none() && is_broken_pipe(&failure.error) => Ok(()),
        Err(failure) => {
            let signal = stopped_by.get();
            let message = failure_report(args, given, &failure, signal);
            match signal {
                Some(signal) => Err(Exit {
                    message,
                    code: signal.exit_code(),
                }
                .into()),
                None => Err(anyhow!(message)),
            }
        }
    }
}

/// `7300… (launch team)`: a conversation as a warning names it.
fn conversation_label(target: &ConversationTarget) -> String {
    if target.label == target.conversation.to_string() {
        format!("conversation {}", target.conversation)
    } else {
        format!("conversation {} ({})", target.conversation, target.label)
    }
}

/// `export --offline`: the same export, its pages read from the archive.
async fn run_offline(args: ExportArgs, signals: StopSignals) -> anyhow::Result<()> {
    let config = Config::load(args.connect.config.as_deref())?;
    let demo = args.connect.demo;
    let path = archive_path(args.archive.archive.as_deref(), &config, demo)?;
    if !path.exists() {
        bail!(
            "no archive at {} yet: `volc-im sync` (or an export without --offline) fills it",
            path.display()
        );
    }
    let archive = SharedArchive::new(open_archive(&path, false)?);
    let named = if demo {
        demo_conversations()
    } else {
        config.conversations.clone()
    };
    let (targets, given) = resolve_targets(&args, |value| {
        let found = match resolve_conversation(value, args.app_id, &named, config.app_id) {
            Ok(found) => found,
            Err(e) => {
                let app = args.app_id.map(AppId);
                match archive.lock().conversation_named(app, value)?.as_slice() {
                    [(app, id)] => NamedConversation {
                        name: value.to_owned(),
                        app_id: app.0,
                        conversation_id: id.0,
                        live: false,
                    },
                    _ => return Err(e),
                }
            }
        };
        let (app, conversation) = (AppId(found.app_id), ConversationId(found.conversation_id));
        let live = found.live
            || archive
                .lock()
                .conversation(app, conversation)?
                .and_then(|c| c.conversation_type)
                == Some(ConversationKind::LiveGroup.code());
        Ok(ConversationTarget {
            label: found.name,
            app,
            conversation,
            live,
        })
    })?;
    check_direction(&targets, args.direction())?;
    for target in &targets {
        let label = escape_controls(&target.label);
        if let Some(warning) =
            coverage_warning(&archive.lock(), target.app, target.conversation, &label)?
        {
            eprintln!("volc-im: warning: {warning}");
        }
    }
    let source = ArchivePages { archive };
    write(&args, &given, &targets, &source, Cursor::NEWEST, signals).await
}

fn is_broken_pipe(error: &ExportError) -> bool {
    matches!(error, ExportError::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        export: ExportArgs,
    }

    pub(super) fn parse(args: &[&str]) -> Result<ExportArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("export").chain(args.iter().copied())).map(|c| c.export)
    }
    #[test]
    fn conflicting_or_incomplete_arguments_are_refused() {
        assert!(parse(&["--conversation", "1", "--from-start", "--newest-first"]).is_err());
        assert!(
            parse(&["--conversation", "1", "--append"]).is_err(),
            "--append needs --output"
        );
        assert!(parse(&[]).is_err(), "a conversation is required");
        assert!(parse(&["--conversation", "1", "--format", "xml"]).is_err());
        let args = parse(&["--conversation", "1", "--format", "markdown"]).unwrap();
        assert_eq!(args.format, Format::Markdown);
        assert_eq!(args.direction(), Direction::OldestFirst);
    }
}
