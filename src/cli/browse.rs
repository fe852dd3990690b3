//! `volc-im` with no command: the conversation browser.

use anyhow::bail;

use crate::cli::conversations::app_and_user;
use crate::conversations::{ListError, user_conversations};

use crate::archive::SharedArchive;
use crate::cli::archive_flags::{ArchiveArgs, archive_path, failure_warning, open_archive};
use crate::config::{Config, NamedConversation};
use crate::model::{AppId, ConversationId, ConversationKind, Cursor};
use crate::session::{CONFIGURE_HINT, ConnectArgs, DemoFallback, demo_conversations, display_name};
use crate::tui::offline::ArchiveOnlyOptions;
use crate::tui::{Start, Target, TuiOptions};

/// How many of the user's conversations the picker lists when none are configured.
const LISTED_MAX: usize = 200;

/// Options of the browser.
#[derive(clap::Args, Debug, Default)]
pub struct BrowseArgs {
    /// The app of the conversation [default: `app_id` from the config file]
    #[arg(long, value_name = "ID")]
    pub app_id: Option<i64>,
    /// The conversation to open: its id, or the name of a configured conversation
    /// [default: the conversation picker]
    #[arg(long, value_name = "ID|NAME")]
    pub conversation: Option<String>,
    /// Open at the oldest message instead of the newest
    #[arg(long)]
    pub from_start: bool,
    /// Browse the local archive alone, with no network at all (the status bar says
    /// `offline`)
    #[arg(long, conflicts_with_all = ["no_archive", "endpoint", "region", "allow_insecure_http", "max_qps"])]
    pub offline: bool,
    #[command(flatten)]
    pub archive: ArchiveArgs,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Finds the conversation a `--conversation` value names: a configured name, or an id
/// with the app from `--app-id` or the configuration.
pub fn resolve_conversation(
    value: &str,
    app_id: Option<i64>,
    named: &[NamedConversation],
    default_app: Option<i64>,
) -> anyhow::Result<NamedConversation> {
    if let Some(found) = named.iter().find(|c| c.name == value) {
        let mut found = found.clone();
        if let Some(app) = app_id {
            found.app_id = app;
        }
        return Ok(found);
    }
    let Ok(id) = value.trim().parse::<i64>() else {
        let names: Vec<&str> = named.iter().map(|c| c.name.as_str()).collect();
        if names.is_empty() {
            bail!(
                "{value:?} is neither a conversation id nor the name of a configured conversation (none are configured)"
            );
        }
        bail!(
            "{value:?} is neither a conversation id nor a configured name ({})",
            names.join(", ")
        );
    };
    if let Some(known) = named
        .iter()
        .find(|c| c.conversation_id == id && app_id.is_none_or(|a| a == c.app_id))
    {
        return Ok(known.clone());
    }
    let Some(app) = app_id.or(default_app) else {
        bail!("conversation {id}: which app? pass --app-id, or set app_id in the config file");
    };
    Ok(NamedConversation {
        name: id.to_string(),
        app_id: app,
        conversation_id: id,
        live: false,
    })
}

/// What the browser says when it has no terminal to draw on.
pub const NEEDS_A_TERMINAL: &str = "volc-im needs a terminal; for scripts use `volc-im export`";

/// Runs the browser.
pub async fn run(args: BrowseArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!(NEEDS_A_TERMINAL);
    }
    if args.offline {
        return run_offline(args).await;
    }
    let session = args.connect.open(DemoFallback::WhenNoCredentials).await?;
    let archive = args.archive.open(&session.config, session.is_demo)?;
    let ui = crate::tui::settings::from_config(&session.config)?;
    let named = session.named_conversations();
    let default_app = if session.is_demo {
        Some(crate::demo::DEMO_APP_ID)
    } else {
        session.config.app_id
    };
    let configured = named.clone();
    let targets = match &args.conversation {
        Some(value) => {
            // Whether it is a live group, and its name, the browser asks the service.
            vec![resolve_conversation(
                value,
                args.app_id,
                &named,
                default_app,
            )?]
        }
        None if named.is_empty() => {
            let listed = match app_and_user(&session, args.app_id, None) {
                Some((app, user)) => {
                    match user_conversations(&session.client, app, user, LISTED_MAX).await {
                        Ok(list) => {
                            if let Some(archive) = &archive {
                                archive.keep_conversations(app, list.clone()).await;
                            }
                            list.iter()
                                .map(|c| NamedConversation::listed(app, c))
                                .collect()
                        }
                        // The service is out of reach: what the archive holds is browsable.
                        Err(ListError::Api(e))
                            if crate::tui::follow::is_unreachable(&e)
                                && let Some(found) =
                                    archived_conversations(archive.as_ref(), app) =>
                        {
                            tracing::warn!(error = %e, "listing conversations failed; the archived ones are offered");
                            found
                        }
                        Err(e) => {
                            return Err(anyhow::Error::new(e).context(
                                "listing your conversations (user_id in the config file)",
                            ));
                        }
                    }
                }
                None => Vec::new(),
            };
            if listed.is_empty() {
                bail!(
                    "no conversation to open: pass --app-id and --conversation, name conversations in the config file, or set app_id and user_id there to list yours (see config.example.toml)"
                );
            }
            listed
        }
        None => named,
    };
    let options = TuiOptions {
        client: session.client.clone(),
        archive: archive.clone(),
        targets: targets
            .into_iter()
            .map(|c| Target {
                // A conversation given by bare id has no name of ours: the browser
                // shows the one the service gives.
                name: (configured.contains(&c) || args.conversation.is_none())
                    .then(|| display_name(&c, session.is_demo)),
                app_id: AppId(c.app_id),
                conversation: ConversationId(c.conversation_id),
                live: c.live,
            })
            .collect(),
        start: if args.from_start {
            Start::Oldest
        } else {
            Start::Newest
        },
        newest_cursor: Cursor(session.config.newest_cursor),
        is_demo: session.is_demo,
        demo_hint: session
            .is_demo
            .then(|| format!("demo data: {CONFIGURE_HINT}")),
        ui,
        follow_interval: session.config.follow_interval,
    };
    let result = crate::tui::run(options).await;
    drop(session);
    if let Some(warning) = failure_warning(archive.as_ref()) {
        eprintln!("{warning}");
    }
    result
}

/// The conversations of an app the archive holds messages of, named as it kept them;
/// `None` when it holds none (or cannot be read).
fn archived_conversations(
    archive: Option<&SharedArchive>,
    app: AppId,
) -> Option<Vec<NamedConversation>> {
    let archived = archive?.lock().conversations().ok()?;
    let found: Vec<NamedConversation> = archived
        .into_iter()
        .filter(|c| c.app == app && c.messages > 0)
        .map(|c| NamedConversation {
            name: c
                .name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| c.conversation.to_string()),
            app_id: app.0,
            conversation_id: c.conversation.0,
            live: c.conversation_type == Some(ConversationKind::LiveGroup.code()),
        })
        .collect();
    (!found.is_empty()).then_some(found)
}

/// The browser on the archive alone: no session, no client, nothing leaves the machine.
async fn run_offline(args: BrowseArgs) -> anyhow::Result<()> {
    let config = Config::load(args.connect.config.as_deref())?;
    let demo = args.connect.demo;
    let path = archive_path(args.archive.archive.as_deref(), &config, demo)?;
    if !path.exists() {
        bail!(
            "no archive at {} yet: `volc-im sync` (or browsing without --offline) fills it",
            path.display()
        );
    }
    let archive = SharedArchive::new(open_archive(&path, false)?);
    let ui = crate::tui::settings::from_config(&config)?;
    let named = if demo {
        demo_conversations()
    } else {
        config.conversations.clone()
    };
    let default_app = if demo {
        Some(crate::demo::DEMO_APP_ID)
    } else {
        config.app_id
    };
    let targets = offline_targets(&args, &archive, &named, default_app, demo)?;
    let options = ArchiveOnlyOptions {
        archive: archive.clone(),
        targets,
        start: if args.from_start {
            Start::Oldest
        } else {
            Start::Newest
        },
        is_demo: demo,
        ui,
    };
    crate::tui::offline::run(options).await
}

/// The conversations to offer offline: the one asked for (by configured name, id, or
/// a name the archive kept), else the configured ones, else every archived one.
fn offline_targets(
    args: &BrowseArgs,
    archive: &SharedArchive,
    named: &[NamedConversation],
    default_app: Option<i64>,
    demo: bool,
) -> anyhow::Result<Vec<Target>> {
    let archived = archive.lock().conversations()?;
    let live = |app: i64, id: i64| {
        archived.iter().any(|c| {
            (c.app.0, c.conversation.0) == (app, id)
                && c.conversation_type == Some(ConversationKind::LiveGroup.code())
        })
    };
    let target = |c: &NamedConversation, name: Option<String>| Target {
        name,
        app_id: AppId(c.app_id),
        conversation: ConversationId(c.conversation_id),
        live: c.live || live(c.app_id, c.conversation_id),
    };
    if let Some(value) = &args.conversation {
        let found = match resolve_conversation(value, args.app_id, named, default_app) {
            Ok(found) => found,
            Err(e) => match archive
                .lock()
                .conversation_named(args.app_id.map(AppId), value)?
                .as_slice()
            {
                [(app, id)] => NamedConversation {
                    name: value.clone(),
                    app_id: app.0,
                    conversation_id: id.0,
                    live: false,
                },
                _ => return Err(e),
            },
        };
        let name = named.contains(&found).then(|| display_name(&found, demo));
        return Ok(vec![target(&found, name)]);
    }
    if !named.is_empty() {
        return Ok(named
            .iter()
            .map(|c| target(c, Some(display_name(c, demo))))
            .collect());
    }
    let listed: Vec<Target> = archived
        .iter()
        .filter(|c| c.messages > 0 && default_app.is_none_or(|a| a == c.app.0))
        .map(|c| Target {
            name: None,
            app_id: c.app,
            conversation: c.conversation,
            live: c.conversation_type == Some(ConversationKind::LiveGroup.code()),
        })
        .collect();
    if listed.is_empty() {
        bail!(
            "no conversation to open: the archive at {} holds none (`volc-im sync` fills it)",
            archive.lock().path().display()
        );
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named() -> Vec<NamedConversation> {
        vec![NamedConversation {
            name: "team".into(),
            app_id: 7,
            conversation_id: 42,
            live: false,
        }]
    }

    #[test]
    fn a_name_an_id_or_an_error() {
        assert_eq!(
            resolve_conversation("team", None, &named(), None)
                .unwrap()
                .conversation_id,
            42
        );
        let by_id = resolve_conversation("42", None, &named(), None).unwrap();
        assert_eq!((by_id.name.as_str(), by_id.app_id), ("team", 7));
        let other = resolve_conversation("99", Some(3), &named(), None).unwrap();
        assert_eq!((other.app_id, other.conversation_id), (3, 99));
        assert_eq!(
            resolve_conversation("99", None, &named(), Some(5))
                .unwrap()
                .app_id,
            5
        );
        let err = resolve_conversation("99", None, &named(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--app-id"), "{err}");
        let err = resolve_conversation("teem", None, &named(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("team"), "{err}");
    }
}
