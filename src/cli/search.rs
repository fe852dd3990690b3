//! `volc-im search QUERY`: the archived messages whose text holds every word of the
//! query, newest first. Reads the archive only: no network.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use jiff::tz::TimeZone;

use crate::archive::{Archive, ArchiveError, SearchHit, SearchQuery, match_ranges};
use crate::cli::archive_flags::archive_path;
use crate::cli::sync::parse_date;
use crate::config::{Config, NamedConversation};
use crate::model::safe_text::{escape_json_for_terminal, strip_controls};
use crate::model::{AppId, ConversationId, MsgType, UserId};
use crate::session::demo_conversations;

/// How many hits unless `--limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 50;
/// The most text shown of one hit, in characters, around its first match.
const SHOWN_CHARS: usize = 160;
/// How much text before the first match a cut hit keeps, in characters.
const LEAD_CHARS: usize = 40;
/// Turns highlighting on and off on a terminal (reverse video).
const HIGHLIGHT_ON: &str = "\x1b[7m";
const HIGHLIGHT_OFF: &str = "\x1b[27m";

/// Search the archived messages' text, newest first (no network)
#[derive(clap::Args, Clone, Debug)]
#[command(after_help = "\
A message matches when its text holds every word of QUERY, in any case and any \
script; \"double quotes\" keep a phrase, spaces included. Only archived messages are \
searched: `volc-im sync` (or an export, or browsing) fills the archive.

Examples:
  volc-im search launch
  volc-im search 你好 --conversation \"launch team\" --since 2025-05-01
  volc-im search \"press kit\" --from 1880000003 --type text --limit 10
  volc-im search --demo 直播 --json | jq .MessageId")]
pub struct SearchArgs {
    /// The words to find (all of them must appear)
    #[arg(value_name = "QUERY", required = true, num_args = 1..)]
    pub query: Vec<String>,
    /// Only this conversation: its id, or its name (configured, or as archived); repeat for several
    #[arg(long, value_name = "ID|NAME")]
    pub conversation: Vec<String>,
    /// Only this app
    #[arg(long, value_name = "ID")]
    pub app_id: Option<i64>,
    /// Only messages sent by this user id; repeat for several
    #[arg(long, value_name = "USER_ID")]
    pub from: Vec<i64>,
    /// Only messages created at or after this: 2025-05-16, "2025-05-16 14:00", or RFC 3339
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<i64>,
    /// Only messages created at or before this (a date alone includes that whole day)
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    pub until: Option<i64>,
    /// Only messages of this type: text, image, file, custom, or its MsgType number; repeat for several
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_type)]
    pub types: Vec<MsgType>,
    /// At most this many messages
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub limit: u32,
    /// One line per message: its JSON exactly as received
    #[arg(long)]
    pub json: bool,
    /// The archive file [default: `archive` from the config file, else archive.sqlite3 in
    /// the data directory; the demo's own file with --demo]
    #[arg(long, value_name = "PATH")]
    pub archive: Option<PathBuf>,
    /// Configuration file [default: config.toml in the platform config directory]
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Search the demo's own archive
    #[arg(long)]
    pub demo: bool,
}

fn parse_since(value: &str) -> Result<i64, String> {
    parse_date(value, &TimeZone::system())
}

fn parse_until(value: &str) -> Result<i64, String> {
    until_in(value, &TimeZone::system())
}

/// The last millisecond `value` names: a date alone is its whole day.
fn until_in(value: &str, tz: &TimeZone) -> Result<i64, String> {
    let value_trimmed = value.trim();
    // A bare date means its whole day; jiff's date parser would also take
    // "2025-05-15 14:00" as a date, silently moving that bound to the day's end.
    let bare_date = !value_trimmed.contains([' ', 'T', 't', ':']);
    if let Some(date) = bare_date
        .then(|| value_trimmed.parse::<jiff::civil::Date>().ok())
        .flatten()
    {
        let next = date
            .tomorrow()
            .map_err(|e| format!("{value:?}: {e}"))?
            .to_string();
        return parse_date(&next, tz).map(|ms| ms - 1);
    }
    parse_date(value, tz)
}

fn parse_type(value: &str) -> Result<MsgType, String> {
    let named = match value.trim().to_ascii_lowercase().as_str() {
        "text" => MsgType::Text,
        "image" => MsgType::Image,
        "file" => MsgType::File,
        "custom" => MsgType::Custom,
        other => other.parse::<i32>().map(MsgType::from_code).map_err(|_| {
            format!(
                "{value:?} is not a message type: use text, image, file, custom or a MsgType number"
            )
        })?,
    };
    Ok(named)
}

/// Runs `volc-im search`.
pub fn run(args: SearchArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref())?;
    let path = archive_path(args.archive.as_deref(), &config, args.demo)?;
    let archive = open(&path)?;
    let query = query(&args, &config, &archive)?;
    let hits = archive.search(&query)?;
    let mut out = std::io::stdout().lock();
    let write = if args.json {
        write_json(&mut out, &hits, std::io::stdout().is_terminal())
    } else {
        let highlight = std::io::stdout().is_terminal();
        write_lines(
            &mut out,
            &hits,
            &query.words,
            highlight,
            &TimeZone::system(),
        )
    };
    match write.and_then(|()| out.flush()) {
        Ok(()) => {}
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
        Err(e) => return Err(e).context("cannot write to standard output"),
    }
    if hits.is_empty() {
        eprintln!("volc-im: no archived message matches");
    }
    Ok(())
}

/// Opens the archive for reading: brought up to date when it can be written, read as
/// it is when it cannot; never created.
fn open(path: &std::path::Path) -> anyhow::Result<Archive> {
    if !path.exists() {
        bail!(
            "no archive at {} yet: `volc-im sync` (or an export, or browsing) fills it; --archive PATH names another",
            path.display()
        );
    }
    match Archive::open(path) {
        Ok(archive) => Ok(archive),
        Err(ArchiveError::ReadOnly { .. }) => Ok(Archive::open_read_only(path)?),
        Err(e) => Err(e.into()),
    }
}

/// The query the arguments ask for, conversations resolved by id or name.
fn query(args: &SearchArgs, config: &Config, archive: &Archive) -> anyhow::Result<SearchQuery> {
    let words = SearchQuery::words_of(&args.query.join(" "));
    if words.is_empty() {
        bail!("nothing to search for: give at least one word");
    }
    let app = args.app_id.map(AppId);
    let named = if args.demo {
        demo_conversations()
    } else {
        config.conversations.clone()
    };
    let mut conversations = Vec::new();
    for value in &args.conversation {
        conversations.push(resolve(value, app, &named, archive)?);
    }
    Ok(SearchQuery {
        words,
        apps: app.into_iter().collect(),
        conversations,
        senders: args.from.iter().copied().map(UserId).collect(),
        types: args.types.clone(),
        since_ms: args.since,
        until_ms: args.until,
        limit: args.limit as usize,
    })
}

/// A conversation by id, or by its name in the config file (the demo's names with
/// --demo), or as archived.
fn resolve(
    value: &str,
    app: Option<AppId>,
    named: &[NamedConversation],
    archive: &Archive,
) -> anyhow::Result<(Option<AppId>, ConversationId)> {
    if let Some(named) = named.iter().find(|c| c.name == value) {
        return Ok((
            Some(app.unwrap_or(AppId(named.app_id))),
            ConversationId(named.conversation_id),
        ));
    }
    if let Ok(id) = value.trim().parse::<i64>() {
        return Ok((app, ConversationId(id)));
    }
    let found = archive.conversation_named(app, value)?;
    match found.as_slice() {
        [(app, id)] => Ok((Some(*app), *id)),
        [] => bail!(
            "{value:?} is neither a conversation id nor the name of a configured or archived conversation"
        ),
        several => {
            let ids: Vec<String> = several
                .iter()
                .map(|(a, c)| format!("{c} (app {a})"))
                .collect();
            bail!(
                "several archived conversations are named {value:?}: {}; give its id instead",
                ids.join(", ")
            )
        }
    }
}

/// One line per hit. To a terminal, C1, DEL and bidi controls are written as `\u`
/// escapes (the same JSON, unable to drive the terminal); to a file or a pipe the
/// JSON is written as received.
fn write_json(out: &mut impl Write, hits: &[SearchHit], terminal: bool) -> std::io::Result<()> {
    for hit in hits {
        // The JSON as received; a line break between its tokens (a pretty-printing
        // service) becomes a space, as in a jsonl export, so a record is one line.
        let line = if hit.raw.contains(['\n', '\r']) {
            hit.raw.replace(['\n', '\r'], " ")
        } else {
            hit.raw.clone()
        };
        let line = if terminal {
            escape_json_for_terminal(&line).into_owned()
        } else {
            line
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One line per hit: local time, conversation, sender, the text around its first
/// match, with the matches highlighted when asked.
fn write_lines(
    out: &mut impl Write,
    hits: &[SearchHit],
    words: &[String],
    highlight: bool,
    tz: &TimeZone,
) -> std::io::Result<()> {
    let mut names: HashMap<(AppId, UserId), String> = HashMap::new();
    for hit in hits {
        let time = hit
            .create_time
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|ts| tz.to_datetime(ts).strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "????-??-?? ??:??".to_owned());
        let conversation = hit
            .conversation_name
            .as_deref()
            .map(one_line)
            .unwrap_or_else(|| hit.conversation.to_string());
        let sender = match hit.sender {
            Some(user) => names
                .entry((hit.app, user))
                .or_insert_with(|| {
                    hit.sender_name
                        .as_deref()
                        .map(one_line)
                        .unwrap_or_else(|| user.to_string())
                })
                .clone(),
            None => "?".to_owned(),
        };
        let text = shown(&hit.text, words, highlight);
        writeln!(out, "{time}  {conversation}  {sender}  {text}")?;
    }
    Ok(())
}

/// Text made safe for one line: controls removed, line breaks and tabs as spaces.
fn one_line(text: &str) -> String {
    strip_controls(text).replace(['\n', '\t'], " ")
}

/// The part of `text` shown for a hit: all of it when short, else a window that
/// starts a little before the first match; matches highlighted when asked. Each
/// piece is made safe on its own, so no control character survives and none is
/// added but the highlight's own.
fn shown(text: &str, words: &[String], highlight: bool) -> String {
    let ranges = match_ranges(text, words);
    let total = text.chars().count();
    let (from, to) = if total <= SHOWN_CHARS {
        (0, text.len())
    } else {
        let first = ranges.first().map_or(0, |r| r.start);
        let first_char = text[..first].chars().count();
        let start_char = first_char
            .saturating_sub(LEAD_CHARS)
            .min(total - SHOWN_CHARS);
        let byte_at = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
        (byte_at(start_char), byte_at(start_char + SHOWN_CHARS))
    };
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    let mut at = from;
    for r in ranges.iter().filter(|r| r.end > from && r.start < to) {
        let (start, end) = (r.start.max(from), r.end.min(to));
        shown.push_str(&one_line(&text[at..start]));
        if highlight {
            shown.push_str(HIGHLIGHT_ON);
        }
        shown.push_str(&one_line(&text[start..end]));
        if highlight {
            shown.push_str(HIGHLIGHT_OFF);
        }
        at = end;
    }
    shown.push_str(&one_line(&text[at..to]));
    if to < text.len() {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn matches_are_highlighted_and_controls_never_pass() {
        let text = "\x1b[31mLaunch\x1b[0m day\nlaunch";
        let plain = shown(text, &words(&["launch"]), false);
        assert_eq!(plain, "[31mLaunch[0m day launch");
        let lit = shown(text, &words(&["launch"]), true);
        assert_eq!(
            lit,
            format!(
                "[31m{HIGHLIGHT_ON}Launch{HIGHLIGHT_OFF}[0m day {HIGHLIGHT_ON}launch{HIGHLIGHT_OFF}"
            )
        );
        assert_eq!(
            lit.matches('\x1b').count(),
            4,
            "only the highlight's escapes"
        );
    }

    #[test]
    fn json_to_a_terminal_has_its_controls_escaped_and_to_a_pipe_is_exact() {
        let raw = "{\"MessageId\":1,\"Content\":\"x\u{9b}2J\u{7f}\u{202e}y\"}";
        let hit = SearchHit {
            row: 1,
            app: AppId(1),
            conversation: ConversationId(9),
            conversation_name: None,
            sender: None,
            sender_name: None,
            create_time: None,
            msg_type: None,
            text: String::new(),
            raw: raw.to_owned(),
        };
        let mut piped = Vec::new();
        write_json(&mut piped, std::slice::from_ref(&hit), false).unwrap();
        assert_eq!(piped, format!("{raw}\n").into_bytes());
        let mut shown = Vec::new();
        write_json(&mut shown, &[hit], true).unwrap();
        let shown = String::from_utf8(shown).unwrap();
        assert!(
            !shown.contains(['\u{9b}', '\u{7f}', '\u{202e}']),
            "{shown:?}"
        );
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back["Content"], "x\u{9b}2J\u{7f}\u{202e}y");
    }

    #[test]
    fn a_long_text_is_cut_around_its_first_match() {
        let text = format!("{}你好{}", "前".repeat(300), "后".repeat(300));
        let cut = shown(&text, &words(&["你好"]), false);
        assert!(cut.starts_with('…') && cut.ends_with('…'), "{cut}");
        assert!(cut.contains("你好"));
        assert_eq!(cut.chars().count(), SHOWN_CHARS + 2);
    }

    #[test]
    fn until_a_date_includes_that_whole_day() {
        let utc = TimeZone::UTC;
        let end = until_in("2025-05-15", &utc).unwrap();
        assert_eq!(end, parse_date("2025-05-16", &utc).unwrap() - 1);
        assert_eq!(
            until_in("2025-05-15 14:00", &utc).unwrap(),
            parse_date("2025-05-15T14:00:00Z", &utc).unwrap()
        );
        assert!(until_in("yesterday-ish", &utc).is_err());
    }

    #[test]
    fn types_by_name_or_number() {
        assert_eq!(parse_type("text").unwrap(), MsgType::Text);
        assert_eq!(parse_type("IMAGE").unwrap(), MsgType::Image);
        assert_eq!(parse_type("10077").unwrap(), MsgType::from_code(10077));
        assert!(parse_type("gif").is_err());
    }
}
