//! Reading back an output for `--append`: the file goes to its format's reader
//! (each beside its writer, in `FORMAT/read.rs`), which fills in an [`ExistingOutput`].

use crate::export::Format;
use crate::export::existing::{ExistingOutput, ExistingOutputError};

impl ExistingOutput {
    /// Reads what `bytes` (a file's content) holds as `format` output. An empty file is fresh.
    pub fn scan(format: Format, bytes: &[u8]) -> Result<Self, ExistingOutputError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ExistingOutput::fresh());
        }
        // A file cut inside a multi-byte character is a cut record like any other:
        // what comes before the character is read, and the cut found from there.
        let (text, cut_in_char) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, false),
            Err(e) if e.error_len().is_none() => (
                std::str::from_utf8(&bytes[..e.valid_up_to()]).expect("valid up to there"),
                true,
            ),
            Err(e) => {
                return Err(ExistingOutputError::NotThisFormat {
                    format,
                    problem: format!("not UTF-8: {e}"),
                });
            }
        };
        let mut found = ExistingOutput::default();
        match format {
            Format::Jsonl => found.scan_jsonl(text)?,
            Format::Json => found.scan_json(text)?,
            Format::Csv => found.scan_csv(text)?,
            Format::Markdown => found.scan_markdown(text, cut_in_char)?,
        }
        if cut_in_char {
            // volc-im's jsonl, json and csv records end in ASCII: a cut character
            // always leaves a record unfinished, which the scan refuses above.
            return Err(ExistingOutputError::NotThisFormat {
                format,
                problem: "it ends in a cut character after a whole record".into(),
            });
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::existing::{MarkdownPosition, Repair};
    use crate::export::format::fixtures::{SharedBuf, odd_messages, target};
    use crate::export::format::markdown::MESSAGE_MARKER;
    use crate::export::format::new_writer;
    use crate::model::{MessageId, MessageKey};

    fn written(format: Format, finish: bool) -> String {
        let buf = SharedBuf::default();
        let mut w = new_writer(format, Box::new(buf.clone()), &ExistingOutput::fresh()).unwrap();
        w.begin_conversation(&target()).unwrap();
        for m in &odd_messages() {
            w.write_message(&target(), m).unwrap();
        }
        if finish {
            w.finish().unwrap();
        } else {
            w.flush().unwrap();
        }
        buf.text()
    }

    #[test]
    fn every_format_reads_back_its_messages() {
        let conv = target().conversation;
        for format in Format::ALL {
            let found = ExistingOutput::scan(format, written(format, false).as_bytes())
                .unwrap_or_else(|e| panic!("{format}: {e}"));
            assert!(!found.is_fresh());
            assert_eq!(found.messages(), 7, "{format}");
            let keys = found.known_keys(conv);
            for id in [9223372036854775806, 2, 3, 4, 5, 7] {
                assert!(
                    keys.contains(&MessageKey::Id(MessageId(id))),
                    "{format}: {id}"
                );
            }
            assert_eq!(found.count(conv), 7, "{format}");
        }
    }

    #[test]
    fn where_each_format_left_off() {
        let json = ExistingOutput::scan(Format::Json, written(Format::Json, false).as_bytes());
        assert_eq!(json.unwrap().json_elements(), Some(7));
        let closed = ExistingOutput::scan(Format::Json, written(Format::Json, true).as_bytes());
        assert_eq!(closed.unwrap_err(), ExistingOutputError::Complete);
        let md = ExistingOutput::scan(
            Format::Markdown,
            written(Format::Markdown, false).as_bytes(),
        )
        .unwrap();
        assert_eq!(
            md.markdown_position(),
            Some(MarkdownPosition {
                conversation: Some(target().conversation),
                day: Some("2024-05-02".into())
            })
        );
        let empty = ExistingOutput::scan(Format::Csv, b"").unwrap();
        assert!(empty.is_fresh());
        assert_eq!(empty.json_elements(), None);
    }

    fn truncated_at(format: Format, text: &str) -> u64 {
        match ExistingOutput::scan(format, text.as_bytes()) {
            Err(ExistingOutputError::Truncated { offset, .. }) => offset,
            other => panic!("{format}: {other:?}"),
        }
    }

    #[test]
    fn a_whole_record_without_what_follows_it_is_mended() {
        let jsonl = written(Format::Jsonl, false);
        let found = ExistingOutput::scan(Format::Jsonl, jsonl.trim_end().as_bytes()).unwrap();
        assert_eq!(found.messages(), 7);
        assert_eq!(found.repair(), Some(Repair::EndLastLine));
        assert_eq!(
            ExistingOutput::scan(Format::Jsonl, jsonl.as_bytes())
                .unwrap()
                .repair(),
            None
        );

        let json = written(Format::Json, false);
        for dangling in [",", ",\n", " ,\n  "] {
            let found =
                ExistingOutput::scan(Format::Json, format!("{json}{dangling}").as_bytes()).unwrap();
            assert_eq!(found.json_elements(), Some(7));
            assert_eq!(
                found.repair(),
                Some(Repair::DropDanglingComma {
                    keep: json.len() as u64
                }),
                "{dangling:?}"
            );
        }

        let csv = written(Format::Csv, false);
        let found = ExistingOutput::scan(Format::Csv, csv.trim_end().as_bytes()).unwrap();
        assert_eq!(found.messages(), 7);
        assert_eq!(found.repair(), Some(Repair::EndLastLine));
    }

    #[test]
    fn a_cut_record_is_refused_with_where_the_whole_part_ends() {
        let jsonl = written(Format::Jsonl, false);
        let last_line = jsonl.trim_end().rfind('\n').unwrap() as u64 + 1;
        assert_eq!(
            truncated_at(Format::Jsonl, &jsonl[..jsonl.len() - 3]),
            last_line
        );

        let json = written(Format::Json, false);
        let last_comma = json.rfind(",\n").unwrap() as u64;
        assert_eq!(
            truncated_at(Format::Json, &json[..json.len() - 3]),
            last_comma
        );
        assert_eq!(
            truncated_at(Format::Json, &format!("{json},\n{{\"a\"")),
            json.len() as u64
        );

        let csv = written(Format::Csv, false);
        // The last row's raw JSON, and an earlier column holding a line break.
        let at = truncated_at(Format::Csv, &csv[..csv.len() - 3]);
        assert!(csv[at as usize..].starts_with("7000000000000000001,7,"));
        let third = csv.find("7000000000000000001,3,").unwrap();
        let inside_text = third + csv[third..].find("heading\n").unwrap() + 8;
        assert_eq!(truncated_at(Format::Csv, &csv[..inside_text]), third as u64);

        let md = written(Format::Markdown, false);
        let last_marker = md.rfind(MESSAGE_MARKER).unwrap();
        let previous_end = md[..last_marker].rfind("-->\n").unwrap() as u64 + 4;
        assert_eq!(
            truncated_at(Format::Markdown, &md[..md.len() - 4]),
            previous_end
        );
        // Cut at a line end inside the last message: its text is missing.
        let sender_line_end = md[..last_marker].rfind("\n**").unwrap() + 1;
        let sender_line_end = sender_line_end + md[sender_line_end..].find('\n').unwrap() + 1;
        assert_eq!(
            truncated_at(Format::Markdown, &md[..sender_line_end]),
            previous_end
        );
        let cut_heading = format!("{md}\n### 2024-0");
        assert_eq!(
            truncated_at(Format::Markdown, &cut_heading),
            md.len() as u64
        );
        assert_eq!(truncated_at(Format::Markdown, &md[..10]), 0, "a cut title");

        let err = ExistingOutput::scan(Format::Jsonl, &jsonl.as_bytes()[..jsonl.len() - 3])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("truncate -s {last_line} FILE")),
            "{err}"
        );
        assert!(err.contains("nothing was changed"), "{err}");
    }

    #[test]
    fn a_file_cut_inside_a_character_gets_the_same_instruction() {
        for format in Format::ALL {
            let text = written(format, false);
            // Inside the last "长" of the huge message (and, for csv, its raw column).
            let at = text.rfind('长').unwrap() + 1;
            let err = ExistingOutput::scan(format, &text.as_bytes()[..at]).unwrap_err();
            let ExistingOutputError::Truncated { offset, .. } = err else {
                panic!("{format}: {err:?}");
            };
            assert!(
                err.to_string()
                    .contains(&format!("truncate -s {offset} FILE")),
                "{format}: {err}"
            );
            let kept = ExistingOutput::scan(format, &text.as_bytes()[..offset as usize]).unwrap();
            assert_eq!(kept.messages(), 6, "{format}");
        }
    }

    #[test]
    fn only_volc_im_output_of_the_same_format_is_appended_to() {
        let notes = "# My notes\n\nbuy milk\n";
        let other_jsonl = "{\"level\":\"info\",\"msg\":\"started\"}\n";
        let other_json = "[{\"name\":\"x\"},\n{\"name\":\"y\"}";
        let other_csv = "name,email\nx,y@z\n";
        for format in Format::ALL {
            let mut foreign: Vec<String> = [notes, other_jsonl, other_json, other_csv]
                .map(String::from)
                .to_vec();
            foreign.extend(
                Format::ALL
                    .iter()
                    .filter(|&&other| other != format)
                    .map(|&other| written(other, false)),
            );
            for text in foreign {
                match ExistingOutput::scan(format, text.as_bytes()) {
                    Err(ExistingOutputError::NotThisFormat { .. }) => {}
                    other => panic!("{format} accepted {text:.60?}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn a_cut_off_record_or_another_format_is_refused() {
        let jsonl = written(Format::Jsonl, false);
        let cut = &jsonl[..jsonl.len() - 10];
        assert!(matches!(
            ExistingOutput::scan(Format::Jsonl, cut.as_bytes()),
            Err(ExistingOutputError::Truncated { .. })
        ));
        let json = written(Format::Json, false);
        assert!(matches!(
            ExistingOutput::scan(Format::Json, &json.as_bytes()[..json.len() - 3]),
            Err(ExistingOutputError::Truncated { .. })
        ));
        assert!(matches!(
            ExistingOutput::scan(Format::Csv, jsonl.as_bytes()),
            Err(ExistingOutputError::NotThisFormat { .. })
        ));
        assert!(matches!(
            ExistingOutput::scan(Format::Json, jsonl.as_bytes()),
            Err(ExistingOutputError::NotThisFormat { .. })
        ));
    }
}
