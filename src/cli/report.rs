//! How a command's failure reaches the user: one report on stderr (and in the log),
//! each cause said once, server text escaped, and the exit status that says why.

use crate::model::safe_text::escape_controls_keep_lines;

/// A failure that ends the process with a given exit status (130 after Ctrl-C, 143
/// after SIGTERM...) instead of 1.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    /// The whole report.
    pub message: String,
    /// The process's exit status.
    pub code: u8,
}

/// The report of `error` for a person: its chain of causes joined by `: `, each
/// said once (an error whose message already includes its cause's is not followed
/// by that cause again), with every control character escaped.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let cause = cause.to_string();
        if cause.is_empty() || text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    escape_controls_keep_lines(&text).into_owned()
}

/// The exit status for `error`: its own for an [`Exit`], else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    error.downcast_ref::<Exit>().map_or(1, |exit| exit.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug, thiserror::Error)]
    #[error("writing {output}: {source}")]
    struct Write {
        output: String,
        source: io::Error,
    }

    #[test]
    fn a_cause_already_in_its_error_is_not_said_twice() {
        let error: anyhow::Error = Write {
            output: "out.jsonl".into(),
            source: io::Error::from_raw_os_error(30),
        }
        .into();
        assert_eq!(
            error_text(&error),
            "writing out.jsonl: Read-only file system (os error 30)"
        );
        let error = anyhow::Error::new(io::Error::from_raw_os_error(2)).context("reading x.toml");
        assert_eq!(
            error_text(&error),
            "reading x.toml: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn control_characters_are_escaped_and_the_exit_status_is_kept() {
        let error = anyhow::Error::new(Exit {
            message: "interrupted\n  \u{1b}]0;x\u{7}".into(),
            code: 143,
        });
        assert_eq!(error_text(&error), "interrupted\n  \\u{1b}]0;x\\u{7}");
        assert_eq!(exit_code(&error), 143);
        assert_eq!(exit_code(&anyhow::anyhow!("plain")), 1);
    }
}
