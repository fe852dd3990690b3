//! The command line: `volc-im` browses, `volc-im export` writes whole histories,
//! `volc-im api` makes a signed call, `volc-im demo-server` serves the demo data.

pub mod api;
pub mod archive_flags;
pub mod browse;
pub mod conversations;
pub mod demo_server;
pub mod export;
pub mod report;
pub mod search;
pub mod stop;
pub mod sync;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Read the message history of Volcengine RTC IM conversations.
///
/// With no command, opens the conversation browser. With no credentials anywhere,
/// it opens on built-in demo data.
#[derive(Parser, Debug)]
#[command(name = "volc-im", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(flatten)]
    pub browse: browse::BrowseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands besides browsing.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Browse conversations (what `volc-im` alone does), e.g. `volc-im browse --offline`
    Browse(browse::BrowseArgs),
    /// Write whole conversation histories (JSONL, JSON, CSV or Markdown)
    Export(export::ExportArgs),
    /// Mirror conversations into the local archive, fetching only what it lacks
    Sync(sync::SyncArgs),
    /// Search the archived messages' text, newest first (no network)
    Search(search::SearchArgs),
    /// List the conversations a user takes part in
    Conversations(conversations::ConversationsArgs),
    /// Call any IM action, signed, and print the JSON result
    Api(api::ApiArgs),
    /// Serve the built-in demo data over the real protocol, on loopback
    DemoServer(demo_server::DemoServerArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `volc-im man | man -l -`
    Man,
}

/// Writes the completion script for `shell` to stdout.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "volc-im", &mut script);
    print_all(&script)
}

/// Writes the man page to stdout.
fn man() -> anyhow::Result<()> {
    use clap::CommandFactory;
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    print_all(&page)
}

/// Writes to stdout; a reader that stopped early (`| head`) is not an error.
fn print_all(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The async runtime a command runs on. Commands that only call the service run
/// on this one thread: their tasks wait on the network and on the rate limit, and
/// handing each page from a worker thread to another would cost more CPU than the
/// page itself. The browser (which must stay responsive while pages parse) and the
/// demo server (which answers many clients) get a thread per core.
fn runtime_for(command: Option<&Command>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = match command {
        Some(
            Command::Export(_)
            | Command::Sync(_)
            | Command::Search(_)
            | Command::Conversations(_)
            | Command::Api(_)
            | Command::Completions { .. }
            | Command::Man,
        ) => tokio::runtime::Builder::new_current_thread(),
        None | Some(Command::Browse(_) | Command::DemoServer(_)) => {
            tokio::runtime::Builder::new_multi_thread()
        }
    };
    builder.enable_all().build()
}

/// Parses the command line and runs it; the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Printing a script or a page needs no runtime, no log and no configuration.
    let printed = match &cli.command {
        Some(Command::Completions { shell }) => Some(completions(*shell)),
        Some(Command::Man) => Some(man()),
        _ => None,
    };
    if let Some(result) = printed {
        return match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("volc-im: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    // Only the browser logs from a thread of its own: a command logs a few lines.
    let _log_guard = crate::logging::init(cli.command.is_none());
    let runtime = match runtime_for(cli.command.as_ref()) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("volc-im: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => browse::run(cli.browse).await,
            Some(Command::Browse(args)) => browse::run(args).await,
            Some(Command::Export(args)) => export::run(args).await,
            Some(Command::Sync(args)) => sync::run(args).await,
            Some(Command::Search(args)) => search::run(args),
            Some(Command::Conversations(args)) => conversations::run(args).await,
            Some(Command::Api(args)) => api::run(args).await,
            Some(Command::DemoServer(args)) => demo_server::run(args).await,
            Some(Command::Completions { .. } | Command::Man) => Ok(()),
        }
    });
    // Background tasks (the demo server, in-flight fetches) must not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The terminal is restored; shells report 128 + the signal.
        Err(e)
            if e.downcast_ref::<crate::tui::terminal::Signalled>()
                .is_some() =>
        {
            let signalled = e.downcast_ref::<crate::tui::terminal::Signalled>();
            ExitCode::from(signalled.map_or(1, |s| s.exit_code()))
        }
        Err(e) => {
            let text = report::error_text(&e);
            tracing::error!("{text}");
            eprintln!("volc-im: {text}");
            ExitCode::from(report::exit_code(&e))
        }
    }
}
