//! What a stopped export says: the error, what was kept, and the command that
//! resumes it without a gap or a duplicate.

use super::*;

/// The error on its own first line, then what was kept and how to resume.
/// `given` are the conversations exported, as given, once each; `signal` is what
/// stopped an interrupted export.
pub(super) fn failure_report(
    args: &ExportArgs,
    given: &[String],
    failure: &ExportFailure,
    signal: Option<StopSignal>,
) -> String {
    let mut report = match (&failure.error, signal) {
        (ExportError::Interrupted, Some(signal)) => signal.to_string(),
        (error, _) => error.to_string().replace('\n', " "),
    };
    let Some(point) = failure.resume else {
        return report;
    };
    let written = failure.summary.messages();
    let target = match &args.output {
        Some(path) => path.display().to_string(),
        None => "stdout".into(),
    };
    report.push_str(&format!(
        "\n{written} message{} written to {target} before stopping",
        if written == 1 { "" } else { "s" }
    ));
    if failure.json_left_open {
        report.push_str(
            " (the JSON array is left open, without its closing `]`: resuming completes it)",
        );
    }
    // A resume must not run into the same wall: after the service refused an
    // oldest-first walk of a live group it goes newest-first (from the newest, the
    // cursor of the refused walk means nothing there), and after the server's
    // paging got stuck it starts the conversation over rather than at the cursor
    // that got stuck (what the output holds is skipped, not written twice).
    let (cursor, newest_first) = match &failure.error {
        ExportError::Api {
            live_group: true, ..
        } => (None, true),
        ExportError::Paging { .. } => {
            report.push_str(
                "; the server's paging went wrong there, so the resume starts that conversation \
                 over (skipping what the output holds) instead of at the cursor that got stuck",
            );
            (None, args.newest_first)
        }
        _ => (Some(point.cursor), args.newest_first),
    };
    match &args.output {
        Some(_) => report.push_str("; to resume, run:\n  "),
        None => report.push_str(&format!(
            ".\nTo fetch the rest, resume into the file you redirected stdout to, with \
             --output and --append (which skip what it holds and carry on its format): \
             run this with {STDOUT_FILE} replaced by that file's path \
             (if stdout was not saved to a file, export again from the start instead):\n  "
        )),
    }
    let remaining = &given[point.conversation_index.min(given.len())..];
    report.push_str(&resume_command(args, remaining, cursor, newest_first));
    report
}

/// Stands for the file an export to stdout was redirected to, in its resume command.
const STDOUT_FILE: &str = "<the file you redirected stdout to>";

/// The command that resumes `args` with the `remaining` conversations, the first
/// from `cursor` (or from its start), appending to the output (for an export to
/// stdout, to [`STDOUT_FILE`], which the user replaces with the file they
/// redirected it to).
pub fn resume_command(
    args: &ExportArgs,
    remaining: &[String],
    cursor: Option<Cursor>,
    newest_first: bool,
) -> String {
    let mut words: Vec<String> = vec!["volc-im".into(), "export".into()];
    let mut flag = |name: &str, value: Option<String>| {
        words.push(name.to_owned());
        words.extend(value);
    };
    let connect = &args.connect;
    if let Some(config) = &connect.config {
        flag("--config", Some(config.display().to_string()));
    }
    if let Some(endpoint) = &connect.endpoint {
        flag("--endpoint", Some(endpoint.clone()));
    }
    if let Some(region) = &connect.region {
        flag("--region", Some(region.clone()));
    }
    if connect.allow_insecure_http {
        flag("--allow-insecure-http", None);
    }
    if connect.demo {
        flag("--demo", None);
    }
    if let Some(max_qps) = connect.max_qps {
        flag("--max-qps", Some(max_qps.to_string()));
    }
    if let Some(archive) = &args.archive.archive {
        flag("--archive", Some(archive.display().to_string()));
    }
    if args.archive.no_archive {
        flag("--no-archive", None);
    }
    if args.offline {
        flag("--offline", None);
    }
    if let Some(app) = args.app_id {
        flag("--app-id", Some(app.to_string()));
    }
    for conversation in remaining {
        flag("--conversation", Some(conversation.clone()));
    }
    if newest_first {
        flag("--newest-first", None);
    }
    flag("--format", Some(args.format.name().into()));
    if let Some(max) = args.max_messages {
        // The same limit: the resumed export appends, and an appended output counts
        // the messages of each conversation it holds toward it.
        flag("--max-messages", Some(max.to_string()));
    }
    if let Some(cursor) = cursor {
        flag("--cursor", Some(cursor.to_string()));
    }
    let output = match &args.output {
        Some(output) => output.display().to_string(),
        None => STDOUT_FILE.to_owned(),
    };
    flag("--output", Some(output));
    flag("--append", None);
    words
        .iter()
        .map(|w| shlex::try_quote(w).map_or_else(|_| w.clone(), |q| q.into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;
    use super::*;

    #[test]
    fn the_resume_command_repeats_the_arguments_from_the_stopped_conversation() {
        let args = parse(&[
            "--demo",
            "--conversation",
            "a",
            "--conversation",
            "team chat",
            "--conversation",
            "c",
            "--newest-first",
            "--format",
            "csv",
            "--max-messages",
            "100",
            "--output",
            "out dir/x.csv",
        ])
        .unwrap();
        let command = resume_command(&args, &args.conversation[1..], Some(Cursor(-5)), true);
        assert_eq!(
            command,
            "volc-im export --demo --conversation 'team chat' --conversation c --newest-first \
             --format csv --max-messages 100 --cursor -5 --output 'out dir/x.csv' --append"
        );
        let words = shlex::split(&command).unwrap();
        let again = parse(&words.iter().skip(2).map(String::as_str).collect::<Vec<_>>()).unwrap();
        assert_eq!(again.conversation, vec!["team chat", "c"]);
        assert_eq!(again.cursor, Some(-5));
        assert!(again.append);
    }

    #[test]
    fn the_resume_command_keeps_the_request_rate() {
        let args = parse(&["--conversation", "1", "--max-qps", "40", "-o", "x.jsonl"]).unwrap();
        let command = resume_command(&args, &args.conversation, Some(Cursor(3)), true);
        assert!(command.contains(" --max-qps 40 "), "{command}");
        let words = shlex::split(&command).unwrap();
        let again = parse(&words.iter().skip(2).map(String::as_str).collect::<Vec<_>>()).unwrap();
        assert_eq!(again.connect.max_qps, Some(40));
    }

    #[test]
    fn on_stdout_the_resume_appends_to_the_file_stdout_went_to_with_the_same_limit() {
        for conversations in [&["1"][..], &["1", "2"]] {
            let mut words = vec!["--app-id", "9", "--max-messages", "100"];
            for c in conversations {
                words.extend(["--conversation", c]);
            }
            let args = parse(&words).unwrap();
            let more = if conversations.len() == 2 {
                " --conversation 2"
            } else {
                ""
            };
            assert_eq!(
                resume_command(&args, &args.conversation, Some(Cursor(77)), false),
                format!(
                    "volc-im export --app-id 9 --conversation 1{more} --format jsonl \
                     --max-messages 100 --cursor 77 \
                     --output '<the file you redirected stdout to>' --append"
                )
            );
        }
    }

    #[test]
    fn the_stdout_report_says_to_resume_into_the_redirected_file() {
        let args = parse(&["--conversation", "1", "--format", "json"]).unwrap();
        let failure = ExportFailure {
            error: ExportError::Interrupted,
            resume: Some(crate::export::ResumePoint {
                conversation_index: 0,
                cursor: Cursor(12),
                written: 1,
            }),
            summary: crate::export::ExportSummary {
                conversations: vec![crate::export::ConversationSummary {
                    messages: 1,
                    ..Default::default()
                }],
                ..Default::default()
            },
            json_left_open: true,
        };
        let report = failure_report(&args, &args.conversation, &failure, None);
        assert!(report.starts_with("interrupted (Ctrl-C)\n1 message written to stdout"));
        let report = failure_report(
            &args,
            &args.conversation,
            &failure,
            Some(StopSignal::Terminate),
        );
        assert!(report.starts_with("stopped by SIGTERM\n1 message written to stdout"));
        assert!(
            report.contains("resume into the file you redirected stdout to"),
            "{report}"
        );
        let command = report.lines().last().unwrap().trim();
        let words = shlex::split(command).unwrap();
        let again = parse(&words.iter().skip(2).map(String::as_str).collect::<Vec<_>>()).unwrap();
        assert!(again.append);
        assert_eq!(again.cursor, Some(12));
        assert_eq!(
            again.output.as_deref(),
            Some(std::path::Path::new(STDOUT_FILE))
        );
    }

    fn failure(error: ExportError) -> ExportFailure {
        ExportFailure {
            error,
            resume: Some(crate::export::ResumePoint {
                conversation_index: 1,
                cursor: Cursor(4242),
                written: 3,
            }),
            summary: crate::export::ExportSummary::default(),
            json_left_open: false,
        }
    }

    fn resumed(report: &str) -> ExportArgs {
        let command = report.lines().last().unwrap().trim();
        let words = shlex::split(command).unwrap();
        parse(&words.iter().skip(2).map(String::as_str).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_resume_never_repeats_the_cause_of_the_failure() {
        let args = parse(&[
            "--conversation",
            "a",
            "--conversation",
            "b",
            "-o",
            "x.jsonl",
        ])
        .unwrap();
        let given = args.conversation.clone();
        let refused = ExportError::Api {
            conversation: "conversation b".into(),
            source: Box::new(crate::api::ApiError::Service {
                action: "GetConversationMessages".into(),
                status: 400,
                code: "InvalidParameter".into(),
                code_n: None,
                message: "live group does not support Reverse=0".into(),
                request_id: None,
            }),
            live_group: true,
        };
        let again = resumed(&failure_report(&args, &given, &failure(refused), None));
        assert!(again.newest_first, "a live group is resumed newest-first");
        assert_eq!(
            again.cursor, None,
            "from the newest, not the refused cursor"
        );
        assert_eq!(again.conversation, vec!["b"]);

        let stuck = ExportError::Paging {
            conversation: "conversation b".into(),
            source: crate::pager::PagingError::RepeatedCursor(Cursor(4242)),
        };
        let report = failure_report(&args, &given, &failure(stuck), None);
        assert!(!report.lines().last().unwrap().contains("4242"), "{report}");
        let again = resumed(&report);
        assert_eq!(again.cursor, None);
        assert!(again.append && !again.newest_first);

        let plain = resumed(&failure_report(
            &args,
            &given,
            &failure(ExportError::Interrupted),
            Some(StopSignal::HangUp),
        ));
        assert_eq!(
            plain.cursor,
            Some(4242),
            "an interruption resumes where it stopped"
        );
    }
}
