//! `volc-im conversations`: the conversations a user takes part in.

use std::io::Write;

use anyhow::Context;

use crate::cli::archive_flags::{ArchiveArgs, failure_warning};
use crate::conversations::user_conversations;
use crate::model::{AppId, UserId};
use crate::session::{ConnectArgs, DemoFallback, Session};

/// How many conversations are listed unless `--max` says otherwise.
pub const DEFAULT_MAX: usize = 200;

/// List the conversations a user takes part in (GetUserConversations)
#[derive(clap::Args, Debug)]
pub struct ConversationsArgs {
    /// The app [default: `app_id` from the config file]
    #[arg(long, value_name = "ID")]
    pub app_id: Option<i64>,
    /// The user [default: `user_id` from the config file]
    #[arg(long, value_name = "ID")]
    pub user_id: Option<i64>,
    /// At most this many conversations
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX)]
    pub max: usize,
    /// One JSON object per line instead of a table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The app and user to list for: the arguments, else the configuration, else (in
/// demo mode) the demo app and its first user.
pub fn app_and_user(
    session: &Session,
    app: Option<i64>,
    user: Option<i64>,
) -> Option<(AppId, UserId)> {
    let demo = crate::demo::demo_data();
    let app = app
        .or(session.config.app_id)
        .or(session.is_demo.then(|| demo.app_id().0))?;
    let user = user.or(session.config.user_id).or_else(|| {
        session
            .is_demo
            .then(|| demo.users().first().map(|u| u.user_id.0))
            .flatten()
    })?;
    Some((AppId(app), UserId(user)))
}

/// Runs the command.
pub async fn run(args: ConversationsArgs) -> anyhow::Result<()> {
    let session = args.connect.open(DemoFallback::Never).await?;
    let (app, user) = app_and_user(&session, args.app_id, args.user_id).context(
        "whose conversations? pass --app-id and --user-id, or set app_id and user_id in the config file",
    )?;
    let list = user_conversations(&session.client, app, user, args.max).await?;
    if let Some(archive) = args.archive.open(&session.config, session.is_demo)? {
        archive.keep_conversations(app, list.clone()).await;
        if let Some(warning) = failure_warning(Some(&archive)) {
            eprintln!("{warning}");
        }
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        for c in &list {
            writeln!(out, "{}", serde_json::to_string(c)?)?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "{:<20} {:<11} {:>7}  NAME",
        "CONVERSATION", "TYPE", "MEMBERS"
    )?;
    for c in &list {
        let members = c.member_count.map(|n| n.to_string()).unwrap_or_default();
        let name = crate::model::safe_text::strip_controls(c.name.as_deref().unwrap_or(""));
        writeln!(
            out,
            "{:<20} {:<11} {:>7}  {}",
            c.conversation_short_id,
            c.kind().label(),
            members,
            name
        )?;
    }
    Ok(())
}
