//! Which characters of strangers' text must never reach a terminal or a document
//! as they are. The browser shows them as placeholders; files and tables drop them;
//! messages for a person (errors, progress, the log) show them escaped.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// they reorder what follows and can disguise text.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// True for what must never reach a terminal as it is: C0 controls (ESC, BEL, line
/// breaks...), DEL, C1 controls (CSI, OSC...) and the bidi controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Text with every control character removed (C0 such as ESC and BEL, DEL, C1 such
/// as CSI) and the bidi controls; `\r\n` becomes `\n`; line breaks and tabs stay.
pub fn strip_controls(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !is_unsafe(c))
        .collect()
}

/// Server text as one line for a person: every control character, the line breaks
/// included, written as a visible escape (`\n`, `\u{1b}`), so that it can neither
/// drive the terminal nor pass for a line of its own. Nothing is dropped.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    escape_where(text, is_unsafe)
}

/// Like [`escape_controls`], but line breaks stay: for whole reports of several
/// lines, whose every server-given part is already one line.
pub fn escape_controls_keep_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| c != '\n' && is_unsafe(c))
}

fn escape_where(text: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// JSON text for a terminal: C0 controls other than white space, DEL, C1 controls
/// and the bidi controls written as `\u` escapes. Valid JSON stays valid and means
/// the same (such characters can only stand inside strings), but can no longer
/// drive the terminal it is shown on. JSON for a file or a pipe is written as
/// received instead.
pub fn escape_json_for_terminal(json: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| !matches!(c, '\n' | '\r' | '\t' | ' ') && is_unsafe(c);
    if !json.chars().any(unsafe_char) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_c1_and_bidi_controls_are_removed() {
        assert_eq!(
            strip_controls("a\u{1b}[2Jb\u{9b}c\u{202E}d\r\ne\u{7}\u{7f}\tf"),
            "a[2Jbcd\ne\tf"
        );
    }

    #[test]
    fn escaping_keeps_every_character_visible() {
        let osc = "\u{1b}]0;pwned\u{7}";
        assert_eq!(escape_controls(osc), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(
            escape_controls("a\nb\r\tc\u{9b}d\u{202e}e\u{7f}"),
            "a\\nb\\r\\tc\\u{9b}d\\u{202e}e\\u{7f}"
        );
        assert_eq!(escape_controls_keep_lines("a\nb\u{1b}"), "a\nb\\u{1b}");
        assert!(matches!(escape_controls("plain 你好 👍🏽"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_for_a_terminal_escapes_and_still_means_the_same() {
        let raw = "{\"Content\":\"x\u{9b}2J\u{7f}\u{202e}y\",\n \"n\":1}";
        let safe = escape_json_for_terminal(raw);
        assert_eq!(
            safe,
            "{\"Content\":\"x\\u009b2J\\u007f\\u202ey\",\n \"n\":1}"
        );
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(a, b);
        assert!(matches!(
            escape_json_for_terminal("{\"a\":\"\\u001b\"}"),
            Cow::Borrowed(_)
        ));
    }
}
