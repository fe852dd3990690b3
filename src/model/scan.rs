//! A forgiving walk over one JSON object's members, for messages that a strict
//! parser refuses as a whole: a lone surrogate escape in one string, nesting deeper
//! than the parser's recursion limit, a duplicated key. Each member's value is
//! handed back as its exact text, so that every field can be read on its own and an
//! unreadable one costs only itself.
//!
//! The walk keeps no stack (nesting is counted, not recursed into) and never
//! allocates for a key without escapes.

use std::borrow::Cow;

/// What a JSON value is, from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// The kind of the value whose text is `value` (already trimmed).
    pub(crate) fn of(value: &str) -> Kind {
        match value.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// `a string`, `an object`, ...: for messages about a value of the wrong kind.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// The members of the JSON object `text`, in order: each key (unescaped, lone
/// surrogates replaced) and its value's exact text. `None` when `text` is not an
/// object or is cut short.
pub(crate) fn members(text: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return None;
    }
    at = skip_ws(bytes, at + 1);
    let mut out = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        return Some(out);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, at)?;
        let key = unescape(&text[at..key_end]);
        at = skip_ws(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        let start = skip_ws(bytes, at + 1);
        let end = value_end(bytes, start)?;
        out.push((key, &text[start..end]));
        at = skip_ws(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => return Some(out),
            _ => return None,
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
    {
        at += 1;
    }
    at
}

/// The index just past the string that opens at `at` (its closing quote included).
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the value that starts at `at`.
fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => string_end(bytes, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = bytes[at..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .unwrap_or(bytes.len() - at);
            (len > 0).then_some(at + len)
        }
    }
}

/// The text of the JSON string literal `quoted` (quotes included). Unlike a strict
/// parser, a lone surrogate escape or an unknown escape becomes U+FFFD instead of
/// failing the whole string. Borrows when there is no escape.
pub(crate) fn unescape(quoted: &str) -> Cow<'_, str> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let Some(unit) = hex4(&mut chars) else {
                    out.push(char::REPLACEMENT_CHARACTER);
                    continue;
                };
                if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate is only whole with a low one right after it.
                    let rest = chars.as_str();
                    let low = rest
                        .strip_prefix("\\u")
                        .and_then(|r| u32::from_str_radix(r.get(..4)?, 16).ok())
                        .filter(|low| (0xDC00..0xE000).contains(low));
                    match low {
                        Some(low) => {
                            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                            out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                            chars = rest[6..].chars();
                        }
                        None => out.push(char::REPLACEMENT_CHARACTER),
                    }
                } else {
                    out.push(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER));
                }
            }
            _ => out.push(char::REPLACEMENT_CHARACTER),
        }
    }
    Cow::Owned(out)
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let rest = chars.as_str();
    let digits = rest.get(..4)?;
    let unit = u32::from_str_radix(digits, 16).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    *chars = rest[4..].chars();
    Some(unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_at_any_depth_without_recursing() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let text = format!(r#" {{ "a" : 1 , "b":{deep},"c":"x\"}}","d":null}} "#);
        let m = members(&text).unwrap();
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "b", "c", "d"]);
        assert_eq!(m[0].1, "1");
        assert_eq!(m[1].1, deep);
        assert_eq!(m[2].1, r#""x\"}""#);
        assert_eq!(members("{}").unwrap().len(), 0);
        for bad in ["", "[1]", "{\"a\":1", "{\"a\" 1}", "{\"a\":}", "{\"a\":[}"] {
            assert!(members(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn strings_unescape_and_lone_surrogates_become_replacement_characters() {
        assert_eq!(unescape(r#""plain""#), "plain");
        assert!(matches!(unescape(r#""plain""#), Cow::Borrowed(_)));
        assert_eq!(unescape(r#""a\n\"b\" \u00e9""#), "a\n\"b\" é");
        assert_eq!(unescape(r#""\ud83d\ude00""#), "😀");
        assert_eq!(
            unescape(r#""truncated emoji \ud83d""#),
            "truncated emoji \u{fffd}"
        );
        assert_eq!(
            unescape(r#""\ude00 \ud83dx \q \u12""#),
            "\u{fffd} \u{fffd}x \u{fffd} \u{fffd}12"
        );
    }
}
