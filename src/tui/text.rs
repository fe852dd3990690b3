//! Making strangers' text safe and measurable for the terminal.
//!
//! Message text, names, hints and server error messages come from other people.
//! Everything shown passes through here first: control characters and escape
//! sequences become visible placeholders (so nothing reaches the terminal as a
//! command), bidi controls are neutralised, tabs become spaces, and widths are
//! measured exactly as ratatui measures them so that columns stay aligned.

use std::borrow::Cow;

use ratatui::buffer::CellWidth;

use crate::model::safe_text::is_bidi_control;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_segmentation::{Graphemes, UnicodeSegmentation};

/// Columns between tab stops.
pub const TAB_WIDTH: usize = 4;
/// Marks text that was cut.
pub const ELLIPSIS: &str = "…";
/// Stands for a line break in one-line text.
pub const NEWLINE_MARK: &str = "↵";
/// Shown for C1 controls, bidi embedding/override/isolate controls, and characters
/// whose drawn width is doubtful.
pub const REPLACEMENT: char = '\u{FFFD}';
/// The most characters one grapheme may keep (a family emoji needs about 11); the rest
/// of a pile of combining marks is dropped.
pub const MAX_GRAPHEME_CHARS: usize = 16;

const SPACES: &str = "                ";

/// What becomes of one character.
enum CharFate {
    Keep,
    Drop,
    Show(char),
}

fn fate(c: char) -> CharFate {
    match c {
        // C0 controls: the Unicode "control pictures" block (ESC → ␛, CR → ␍, ...).
        '\u{0}'..='\u{1f}' => match char::from_u32(0x2400 + c as u32) {
            Some(picture) => CharFate::Show(picture),
            None => CharFate::Show(REPLACEMENT),
        },
        '\u{7f}' => CharFate::Show('\u{2421}'),
        // C1 controls (CSI U+009B, OSC U+009D, NEL U+0085, ...).
        '\u{80}'..='\u{9f}' => CharFate::Show(REPLACEMENT),
        // Bidi embeddings, overrides and isolates: they would reorder the row.
        c if is_bidi_control(c) => CharFate::Show(REPLACEMENT),
        // Bidi marks: invisible and only influence ordering; dropped.
        '\u{200e}' | '\u{200f}' | '\u{061c}' => CharFate::Drop,
        c if !c.is_ascii() && has_doubtful_width(c) => CharFate::Show(REPLACEMENT),
        _ => CharFate::Keep,
    }
}

/// True for characters terminals draw at widths of their own: unassigned code points
/// and noncharacters (U+FFFF, U+FDD0, ...; a terminal may draw nothing, one column or
/// a two-column box) and private-use characters (whatever the font makes of them).
/// Also the Hangul fillers: invisible by definition, yet measured as one or two
/// columns, and drawn at none, one or two. Measured wrong, they would shift the rest
/// of the row and leave stale cells behind.
fn has_doubtful_width(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{3164}' | '\u{FFA0}')
        || matches!(
            c.general_category(),
            GeneralCategory::Unassigned | GeneralCategory::PrivateUse
        )
}

fn is_line_break(g: &str) -> bool {
    matches!(g, "\n" | "\r\n" | "\u{2028}" | "\u{2029}")
}

/// The emoji presentation selector. Terminals disagree on the width of a narrow
/// character followed by it (`❤️` is one column in some, two in others).
const EMOJI_PRESENTATION: char = '\u{FE0F}';

/// The zero-width joiner. Between two pictographs it makes one emoji (👨‍👩‍👧);
/// anywhere else some terminals misplace the text after it (tmux drew it in the next
/// row), so it is dropped there.
const ZWJ: char = '\u{200D}';

/// True for an Extended_Pictographic character. unicode-segmentation knows the
/// property but does not export it; its grapheme rules tell: `😀 ZWJ c` is one
/// grapheme when `c` is pictographic (GB11), and `a ZWJ c` only when `c` would join
/// anything (an extending or spacing mark, GB9/GB9a).
fn is_pictographic(c: char) -> bool {
    let one_grapheme = |first: char| {
        let s: String = [first, ZWJ, c].into_iter().collect();
        s.graphemes(true).nth(1).is_none()
    };
    one_grapheme('\u{1F600}') && !one_grapheme('a')
}

/// True when the ZWJ at `chars[i]` joins two pictographs. Within one grapheme the
/// character after a ZWJ can be pictographic only by GB11, which also asks for a
/// pictograph (and extenders) before it.
fn joins_pictographs(chars: &[char], i: usize) -> bool {
    // A pictograph that is itself replaced (unassigned, say) joins nothing, on
    // either side.
    let kept = |c: char| matches!(fate(c), CharFate::Keep);
    i.checked_sub(1)
        .and_then(|p| chars.get(p))
        .is_some_and(|&c| kept(c))
        && chars
            .get(i + 1)
            .is_some_and(|&c| is_pictographic(c) && kept(c))
}

/// True when a grapheme holds a ZWJ that joins no pictographs.
fn has_loose_zwj(g: &str) -> bool {
    if !g.contains(ZWJ) {
        return false;
    }
    let chars: Vec<char> = g.chars().take(MAX_GRAPHEME_CHARS).collect();
    (0..chars.len()).any(|i| chars[i] == ZWJ && !joins_pictographs(&chars, i))
}

/// One grapheme made safe; borrowed when it needed no change.
fn clean_grapheme(g: &str) -> Cow<'_, str> {
    let needs_change = g.chars().count() > MAX_GRAPHEME_CHARS
        || g.chars().any(|c| !matches!(fate(c), CharFate::Keep))
        || has_loose_zwj(g);
    if !needs_change {
        return settle_presentation(Cow::Borrowed(g));
    }
    let mut out = String::new();
    let chars: Vec<char> = g.chars().take(MAX_GRAPHEME_CHARS).collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ZWJ && !joins_pictographs(&chars, i) {
            continue;
        }
        match fate(c) {
            CharFate::Keep => out.push(c),
            CharFate::Drop => {}
            CharFate::Show(p) => out.push(p),
        }
    }
    settle_presentation(Cow::Owned(out))
}

/// Drops the emoji presentation selector from a grapheme that is narrow without it,
/// so that every terminal gives it the one column it is measured at.
fn settle_presentation(g: Cow<'_, str>) -> Cow<'_, str> {
    if !g.contains(EMOJI_PRESENTATION) {
        return g;
    }
    let plain: String = g.chars().filter(|&c| c != EMOJI_PRESENTATION).collect();
    if !plain.is_empty() && plain.cell_width() == 1 {
        Cow::Owned(plain)
    } else {
        g
    }
}

/// The width ratatui gives a clean grapheme (0 means ratatui would not draw it).
fn grapheme_width(g: &str) -> usize {
    if g.is_empty() {
        0
    } else {
        usize::from(g.cell_width())
    }
}

/// A piece of cleaned text.
enum Piece<'a> {
    Text(Cow<'a, str>, usize),
    Break,
}

/// Walks text grapheme by grapheme, lazily: callers that stop early never look at
/// the rest, so a megabyte of text costs no more than what is kept of it.
struct Pieces<'a> {
    graphemes: Graphemes<'a>,
    col: usize,
    /// The last grapheme given out on this line.
    last: Option<Cow<'a, str>>,
}

impl<'a> Pieces<'a> {
    fn new(s: &'a str) -> Self {
        Pieces {
            graphemes: s.graphemes(true),
            col: 0,
            last: None,
        }
    }
}

/// True when `next` would join `last` into one grapheme if written after it. Cleaning
/// can bring such neighbours together (a dropped mark between a digit and an emoji
/// selector), and the joined grapheme is wider than the two were measured.
fn would_join(last: &str, next: &str) -> bool {
    let joined = format!("{last}{next}");
    joined.graphemes(true).next().map(str::len) != Some(last.len())
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        loop {
            let g = self.graphemes.next()?;
            if is_line_break(g) {
                self.col = 0;
                self.last = None;
                return Some(Piece::Break);
            }
            if g == "\t" {
                let n = TAB_WIDTH - self.col % TAB_WIDTH;
                self.col += n;
                self.last = None;
                return Some(Piece::Text(Cow::Borrowed(&SPACES[..n]), n));
            }
            let clean = clean_grapheme(g);
            let w = grapheme_width(&clean);
            if w == 0 {
                // ratatui skips zero-width graphemes; so does the measure.
                continue;
            }
            let starts_ascii = clean.as_bytes().first().is_some_and(u8::is_ascii);
            if !starts_ascii
                && let Some(last) = &self.last
                && would_join(last, &clean)
            {
                // Left over from something cleaned away before it: dropped.
                continue;
            }
            // Even ASCII may be joined onto (`0` and an emoji selector).
            self.last = Some(clean.clone());
            self.col += w;
            return Some(Piece::Text(clean, w));
        }
    }
}

/// Strangers' text as one safe line of at most `max_cols` columns: line breaks shown
/// as `↵`, cut with `…`. Only as much of `s` is read as fits.
pub fn one_line(s: &str, max_cols: usize) -> String {
    let mut out = String::new();
    let mut col = 0;
    // Where the text stood while it still left room for the ellipsis.
    let mut cut = (0, 0);
    for piece in Pieces::new(s) {
        let (text, w) = match piece {
            Piece::Text(t, w) => (t, w),
            Piece::Break => (Cow::Borrowed(NEWLINE_MARK), 1),
        };
        if col + w > max_cols {
            out.truncate(cut.0);
            if cut.1 < max_cols {
                out.push_str(ELLIPSIS);
            }
            return out;
        }
        out.push_str(&text);
        col += w;
        if col < max_cols {
            cut = (out.len(), col);
        }
    }
    out
}

/// Strangers' text as safe lines (split at line breaks), tabs expanded.
pub fn lines(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for piece in Pieces::new(s) {
        match piece {
            Piece::Text(t, _) => out.last_mut().expect("never empty").push_str(&t),
            Piece::Break => out.push(String::new()),
        }
    }
    out
}

/// Strangers' text made safe for a terminal but otherwise as written, for programs
/// that lay it out themselves (a pager): controls and bidi controls become
/// placeholders; line breaks and tabs stay, and so does everything else (emoji
/// selectors, joiners, characters of any width).
pub fn as_written(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\t' => Some(c),
            c => match fate(c) {
                CharFate::Keep => Some(c),
                CharFate::Drop => None,
                CharFate::Show(p) => Some(p),
            },
        })
        .collect()
}

/// The width of clean text in terminal columns, as ratatui draws it.
pub fn width(s: &str) -> usize {
    // Clean ASCII has no controls: one column per byte.
    if s.is_ascii() {
        return s.len();
    }
    s.graphemes(true).map(grapheme_width).sum()
}

/// Clean text cut to `cols` columns, ending in `…` when it was cut.
pub fn fit(s: &str, cols: usize) -> Cow<'_, str> {
    if s.len() <= cols && s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let mut col = 0;
    let mut cut = (0, 0);
    for (at, g) in s.grapheme_indices(true) {
        let w = grapheme_width(g);
        if col + w > cols {
            let mut out = s[..cut.0].to_owned();
            if cut.1 < cols {
                out.push_str(ELLIPSIS);
            }
            return Cow::Owned(out);
        }
        col += w;
        if col < cols {
            cut = (at + g.len(), col);
        }
    }
    Cow::Borrowed(s)
}

/// Clean text cut or padded with spaces to exactly `cols` columns.
pub fn fit_pad(s: &str, cols: usize) -> String {
    let cut = fit(s, cols);
    let w = width(&cut);
    let mut out = cut.into_owned();
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// One wrapped row of clean text: the row is `s[start..end]`, the next row starts at
/// `next` (after a space the row broke at).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub end: usize,
    pub next: usize,
}

/// Where the row starting at byte `start` of clean text ends when rows are `cols`
/// wide. Breaks after a space when a word would be cut, else mid-word; always
/// advances by at least one grapheme. Reads only the row's own text.
pub fn next_row(s: &str, start: usize, cols: usize) -> Row {
    let cols = cols.max(1);
    let rest = &s[start..];
    if let Some(row) = next_ascii_row(rest.as_bytes(), cols) {
        return Row {
            end: start + row.end,
            next: start + row.next,
        };
    }
    let mut col = 0;
    let mut last_space: Option<usize> = None;
    for (at, g) in rest.grapheme_indices(true) {
        let w = grapheme_width(g);
        if col + w > cols && at > 0 {
            if g == " " {
                return Row {
                    end: start + at,
                    next: start + at + 1,
                };
            }
            if let Some(sp) = last_space.filter(|&sp| sp > 0) {
                return Row {
                    end: start + sp,
                    next: start + sp + 1,
                };
            }
            return Row {
                end: start + at,
                next: start + at,
            };
        }
        if g == " " {
            last_space = Some(at);
        }
        col += w;
    }
    Row {
        end: s.len(),
        next: s.len(),
    }
}

/// [`next_row`] for a row that is plain ASCII (one column per byte), without
/// segmenting graphemes; `None` when the row holds anything else.
fn next_ascii_row(rest: &[u8], cols: usize) -> Option<Row> {
    let window = &rest[..rest.len().min(cols + 1)];
    if !window.is_ascii() {
        return None;
    }
    if rest.len() <= cols {
        return Some(Row {
            end: rest.len(),
            next: rest.len(),
        });
    }
    // The next character would overflow: break before it, at a space if there is one.
    if window[cols] == b' ' {
        return Some(Row {
            end: cols,
            next: cols + 1,
        });
    }
    if let Some(sp) = window[1..cols].iter().rposition(|&b| b == b' ') {
        let sp = sp + 1;
        return Some(Row {
            end: sp,
            next: sp + 1,
        });
    }
    Some(Row {
        end: cols,
        next: cols,
    })
}

/// The start of the row before the row starting at `offset` (a row start) in the same
/// line; `None` at the first row. Rewraps from the line's start.
pub fn previous_row_start(s: &str, offset: usize, cols: usize) -> Option<usize> {
    if offset == 0 {
        return None;
    }
    let mut start = 0;
    loop {
        let row = next_row(s, start, cols);
        if row.next >= offset || row.next >= s.len() {
            return Some(start);
        }
        start = row.next;
    }
}

/// The start of the last row of clean text wrapped at `cols`.
pub fn last_row_start(s: &str, cols: usize) -> usize {
    let mut start = 0;
    loop {
        let row = next_row(s, start, cols);
        if row.next >= s.len() {
            return start;
        }
        start = row.next;
    }
}

/// True when a string holds nothing that may not reach the terminal.
pub fn is_terminal_safe(s: &str) -> bool {
    s.chars().all(|c| matches!(fate(c), CharFate::Keep)) && !s.graphemes(true).any(has_loose_zwj)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible_placeholders() {
        let s = one_line("a\u{1b}[31mred\u{1b}]0;title\u{7}b", 80);
        assert_eq!(s, "a␛[31mred␛]0;title␇b");
        assert!(is_terminal_safe(&s));
    }

    #[test]
    fn c0_del_and_c1_controls_are_replaced() {
        let s = one_line("x\u{8}\u{7f}\u{9b}2J\u{85}\u{0}y", 80);
        assert_eq!(s, "x␈␡�2J�␀y");
        assert!(is_terminal_safe(&s));
    }

    #[test]
    fn carriage_return_alone_is_shown_but_crlf_is_a_line_break() {
        assert_eq!(one_line("a\rb", 80), "a␍b");
        assert_eq!(one_line("a\r\nb\nc", 80), "a↵b↵c");
        assert_eq!(lines("a\r\nb\rc\n"), vec!["a", "b␍c", ""]);
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(one_line("a\tb", 80), "a   b");
        assert_eq!(one_line("abcd\te", 80), "abcd    e");
        assert_eq!(lines("x\n\ty"), vec!["x", "    y"]);
    }

    #[test]
    fn bidi_controls_are_neutralised() {
        let s = one_line("abc\u{202e}fed\u{202c} \u{2067}x\u{2069}\u{200f}!", 80);
        assert_eq!(s, "abc�fed� �x�!");
        assert!(is_terminal_safe(&s));
        assert_eq!(width(&s), 13);
    }

    #[test]
    fn characters_of_doubtful_width_get_a_visible_placeholder() {
        let odd = [
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{1FFFE}',
            '\u{0378}',
            '\u{E000}',
            '\u{F0000}',
            '\u{115F}',
            '\u{3164}',
        ];
        for odd in odd {
            let s = one_line(&format!("a{odd}b"), 80);
            assert_eq!(s, "a\u{FFFD}b", "{odd:?}");
            assert_eq!(width(&s), 3);
            assert!(!is_terminal_safe(&format!("a{odd}b")), "{odd:?}");
        }
        assert_eq!(lines("x\u{FFFF}\ny"), vec!["x\u{FFFD}", "y"]);
    }

    #[test]
    fn skin_tones_stay_with_their_emoji() {
        for s in ["👍🏽", "✌🏿", "👩🏻\u{200d}💻", "ok 👋🏾 bye"] {
            assert_eq!(one_line(s, 80), s);
            assert_eq!(lines(s), vec![s.to_owned()]);
            assert!(is_terminal_safe(s));
        }
        assert_eq!(width("👍🏽"), 2, "one glyph, two columns");
        assert_eq!(fit("👍🏽👍🏽", 2), "…", "never split from its modifier");
    }

    #[test]
    fn widths_follow_unicode_width() {
        assert_eq!(width("中文"), 4);
        assert_eq!(width("e\u{301}"), 1, "combining mark");
        assert_eq!(width("👍"), 2);
        assert_eq!(
            width("👨\u{200d}👩\u{200d}👧"),
            2,
            "ZWJ family is one glyph"
        );
        assert_eq!(width("🇯🇵"), 2, "flag");
    }

    #[test]
    fn narrow_characters_lose_the_emoji_selector_so_terminals_agree() {
        assert_eq!(one_line("I \u{2764}\u{FE0F} it", 80), "I \u{2764} it");
        assert_eq!(width(&one_line("\u{2764}\u{FE0F}", 80)), 1);
        assert_eq!(
            one_line("\u{1F44D}\u{FE0F}", 80),
            "\u{1F44D}\u{FE0F}",
            "wide stays"
        );
    }

    #[test]
    fn a_zwj_stays_only_between_two_pictographs() {
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(one_line(family, 80), family);
        let rainbow = "🏳\u{fe0f}\u{200d}🌈";
        assert_eq!(one_line(rainbow, 80), rainbow, "through a selector");
        let astronaut = "👩\u{1f3fd}\u{200d}🚀";
        assert_eq!(one_line(astronaut, 80), astronaut, "through a skin tone");
        assert_eq!(one_line("a\u{200d}b", 80), "ab");
        assert_eq!(one_line("a\u{200d}👍", 80), "a👍");
        assert_eq!(one_line("👍\u{200d}b", 80), "👍b");
        assert_eq!(one_line("\u{200d}x\u{200d}", 80), "x");
        // Found by the property test: cleaning must not bring together what then
        // joins into a wider grapheme (here a digit and an emoji selector).
        let s = one_line("0\u{200f}\u{fe0f}\u{1f3fd}x", 80);
        assert_eq!(width(&s), s.graphemes(true).map(width).sum::<usize>());
        assert!(width(&one_line("A\t0\u{200f}\u{fe0f}🏽🏽¡a", 8)) <= 8);
        // Found by the property test: a joiner before a pictograph that is replaced.
        let s = one_line("👍\u{200d}\u{1f8ae}", 80);
        assert_eq!(s, "👍\u{FFFD}");
        assert!(is_terminal_safe(&s));
        let s = one_line("\u{1fc00}\u{200d}©", 80);
        assert_eq!(s, "\u{FFFD}©");
        assert!(is_terminal_safe(&s));
        assert_eq!(one_line("中\u{200d}\u{200d}文", 80), "中文");
        assert_eq!(lines("a\u{200d}\nb\u{200d}"), vec!["a", "b"]);
        assert!(!is_terminal_safe("a\u{200d}b"));
        assert!(is_terminal_safe(family));
        assert!(is_pictographic('👍') && is_pictographic('\u{2764}'));
        assert!(!is_pictographic('a') && !is_pictographic('\u{301}'));
    }

    #[test]
    fn cutting_never_splits_a_wide_character() {
        assert_eq!(one_line("中文字", 4), "中…");
        assert_eq!(width(&one_line("中文字", 4)), 3);
        assert_eq!(one_line("中文字", 5), "中文…");
        assert_eq!(one_line("中文", 4), "中文");
        assert_eq!(one_line("abcdef", 0), "");
        assert_eq!(one_line("abcdef", 1), "…");
        assert_eq!(fit("hello world", 5), "hell…");
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit_pad("ab", 4), "ab  ");
        assert_eq!(fit_pad("中文字", 4), "中… ");
    }

    #[test]
    fn one_line_reads_only_what_it_keeps() {
        let big = "word ".repeat(200_000);
        let s = one_line(&big, 20);
        assert_eq!(width(&s), 20);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn combining_mark_piles_are_capped() {
        let zalgo = format!("a{}", "\u{301}".repeat(500));
        let s = one_line(&zalgo, 10);
        assert_eq!(s.chars().count(), MAX_GRAPHEME_CHARS);
        assert_eq!(width(&s), 1);
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_always_advances() {
        let s = "hello brave new world";
        let r = next_row(s, 0, 11);
        assert_eq!(&s[..r.end], "hello brave");
        assert_eq!(&s[r.next..], "new world");
        let r = next_row(s, 0, 3);
        assert_eq!(&s[..r.end], "hel");
        let wide = "中文";
        let r = next_row(wide, 0, 1);
        assert_eq!(&wide[..r.end], "中", "a too-wide grapheme still advances");
        let mixed = "ab 中文 cd efgh";
        let r = next_row(mixed, 0, 6);
        assert_eq!(&mixed[..r.end], "ab");
        // The ASCII shortcut and the general path agree.
        for text in [
            "hello brave new world",
            "a  b   c",
            "abcdefghijkl",
            " lead",
            "x y",
        ] {
            for cols in 1..14 {
                let mut start = 0;
                while start < text.len() {
                    let fast = next_row(text, start, cols);
                    let slow = next_row(&format!("{text}中"), start, cols);
                    if fast.next < text.len() {
                        assert_eq!(fast, slow, "{text:?} at {start}, {cols} cols");
                    }
                    start = fast.next;
                }
            }
        }
        assert_eq!(previous_row_start(s, 12, 11), Some(0));
        assert_eq!(previous_row_start(s, 0, 11), None);
        assert_eq!(&s[last_row_start(s, 11)..], "new world");
    }
}
