//! The browser's sections of the configuration file (`[keys]`, `[theme]`,
//! `copy_command`) as written, with where each key and value stands: read in the
//! same parse as the rest of the file, given their meaning by `tui::settings`, which
//! names the line of anything it refuses.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// The sections as written; spans are byte offsets into the file.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BrowserSections {
    /// `[keys]`: action = ["key", ...].
    #[serde(default)]
    pub keys: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    /// `[theme]`: style = "colours and modifiers", or senders = ["colour", ...].
    #[serde(default)]
    pub theme: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// The program copies are handed to.
    pub copy_command: Option<Spanned<String>>,
}

/// What the browser finds in the file: its sections, or why they do not have the
/// shape it needs, and the file's line starts to name lines by (the text itself is
/// not kept: it may hold a secret).
#[derive(Clone, Debug)]
pub struct BrowserConfig {
    /// The sections, or the error of reading them (its span in the file).
    pub sections: Result<BrowserSections, toml::de::Error>,
    line_starts: Vec<usize>,
}

impl Default for BrowserConfig {
    fn default() -> Self {
        BrowserConfig {
            sections: Ok(BrowserSections::default()),
            line_starts: vec![0],
        }
    }
}

impl BrowserConfig {
    /// The browser's reading of the parsed file `document`, whose text is `text`.
    pub(super) fn read(document: Spanned<toml::de::DeTable<'_>>, text: &str) -> Self {
        let sections = BrowserSections::deserialize(toml::de::Deserializer::from(document));
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        BrowserConfig {
            sections,
            line_starts,
        }
    }

    /// The line (from 1) of a byte offset.
    pub fn line_of(&self, at: usize) -> usize {
        self.line_starts
            .partition_point(|&start| start <= at)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> BrowserConfig {
        BrowserConfig::read(toml::de::DeTable::parse(text).unwrap(), text)
    }

    #[test]
    fn positions_name_the_line_they_stand_on() {
        let text = "region = \"x\"\n\n[keys]\nquit = [\n  \"q\",\n  \"ctrl-c\",\n]\n";
        let browser = read(text);
        let sections = browser.sections.as_ref().unwrap();
        let (action, keys) = sections.keys.iter().next().unwrap();
        assert_eq!(action.get_ref(), "quit");
        assert_eq!(browser.line_of(action.span().start), 4);
        let lines: Vec<usize> = keys
            .get_ref()
            .iter()
            .map(|k| browser.line_of(k.span().start))
            .collect();
        assert_eq!(lines, [5, 6]);
        assert_eq!(browser.line_of(0), 1);
        assert_eq!(browser.line_of(text.len() + 10), 8);
    }

    #[test]
    fn a_section_of_the_wrong_shape_is_kept_as_its_error() {
        let browser = read("[keys]\nquit = \"ctrl-q\"\n");
        let err = browser.sections.as_ref().unwrap_err();
        assert_eq!(browser.line_of(err.span().unwrap().start), 2);
    }
}
