//! Decoding a message's app-defined `Content`.

use serde_json::Value;

/// What a `Content` string holds, decoded as far as it goes.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedContent {
    /// The text to show: the `text` member of JSON content, or plain content as is.
    pub text: Option<String>,
    /// The content parsed as JSON, when it is a JSON object or array.
    pub json: Option<Value>,
    /// Remote URLs of attached files (`__files` map, `remoteURL` members), in order.
    pub files: Vec<String>,
}

impl DecodedContent {
    /// A one-line summary for previews: the text, else the attached files, else the JSON.
    pub fn summary(&self) -> String {
        if let Some(text) = &self.text {
            return text.clone();
        }
        if !self.files.is_empty() {
            return self.files.join(" ");
        }
        match &self.json {
            Some(json) => json.to_string(),
            None => String::new(),
        }
    }
}

/// Decodes content: JSON objects and arrays are parsed (with `text` and `__files`
/// picked out); anything else is plain text, shown as is.
pub fn decode_content(content: &str) -> DecodedContent {
    let trimmed = content.trim_start();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    let json = if looks_json {
        serde_json::from_str::<Value>(content).ok()
    } else {
        None
    };
    let Some(json) = json else {
        return DecodedContent {
            text: Some(content.to_owned()),
            json: None,
            files: Vec::new(),
        };
    };
    let text = json
        .get("text")
        .or_else(|| json.get("Text"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut files = Vec::new();
    if let Some(Value::Object(map)) = json.get("__files") {
        for file in map.values() {
            if let Some(url) = file.get("remoteURL").and_then(Value::as_str) {
                files.push(url.to_owned());
            }
        }
    }
    DecodedContent {
        text,
        json: Some(json),
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_is_decoded() {
        let d = decode_content(r#"{"text":"你好 👋"}"#);
        assert_eq!(d.text.as_deref(), Some("你好 👋"));
        assert_eq!(d.summary(), "你好 👋");
    }

    #[test]
    fn plain_text_stays_as_is() {
        let d = decode_content("{not json");
        assert_eq!(d.text.as_deref(), Some("{not json"));
        assert!(d.json.is_none());
        assert_eq!(decode_content("hello").summary(), "hello");
    }

    #[test]
    fn media_files_are_found() {
        let d = decode_content(
            r#"{"__files":{"img":{"remoteURL":"https://example.invalid/a.png","ext":{}}}}"#,
        );
        assert_eq!(d.text, None);
        assert_eq!(d.files, vec!["https://example.invalid/a.png"]);
        assert_eq!(d.summary(), "https://example.invalid/a.png");
    }
}
