//! Which characters of strangers' text must never reach a terminal or a document
//! as they are. The browser shows them as placeholders; files and tables drop them.

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069):
/// they reorder what follows and can disguise text.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Text with every control character removed (C0 such as ESC and BEL, DEL, C1 such
/// as CSI) and the bidi controls; `\r\n` becomes `\n`; line breaks and tabs stay.
pub fn strip_controls(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !(c.is_control() || is_bidi_control(c)))
        .collect()
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
}
