//! The status line's sentence while an answer has no text yet ("Searching for …",
//! "Thinking…"). Pure Rust, so it is tested natively.

use sherpa_protocol::Status;

use crate::i18n::{fill, Strings as Texts, Text};

/// The status sentence for `s`. The server's words (queries, a tool's name) are isolated
/// (FSI … PDI): they keep their own direction inside the sentence of a right-to-left widget.
pub fn status_text(t: &Texts, s: Option<&Status>) -> String {
    let isolated = |words: &str| format!("\u{2068}{words}\u{2069}");
    match s {
        Some(Status::Searching { queries }) if !queries.is_empty() => fill(
            t.get(Text::SearchingFor),
            &[("query", &isolated(&queries.join(", ")))],
        ),
        Some(Status::Searching { .. }) => t.get(Text::Searching).to_owned(),
        Some(Status::Reading) => t.get(Text::Reading).to_owned(),
        Some(Status::RunningTool { name: Some(tool) }) if !tool.is_empty() => {
            fill(t.get(Text::RunningToolNamed), &[("tool", &isolated(tool))])
        }
        Some(Status::RunningTool { .. }) => t.get(Text::RunningTool).to_owned(),
        Some(Status::Thinking) | None => t.get(Text::Thinking).to_owned(),
        Some(Status::Answering) => t.get(Text::Answering).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_words_in_a_status_are_isolated_and_tools_named() {
        let ar = crate::i18n::for_lang("ar");
        let searching = Status::Searching {
            queries: vec!["refund policy".into()],
        };
        let text = status_text(&ar, Some(&searching));
        assert!(text.contains("\u{2068}refund policy\u{2069}"), "{text}");
        assert!(!text.contains("{query}"));
        let tool = Status::RunningTool {
            name: Some("web_search".into()),
        };
        let en = Texts::default();
        assert_eq!(
            status_text(&en, Some(&tool)),
            "Running \u{2068}web_search\u{2069}…"
        );
        let unnamed = Status::RunningTool { name: None };
        assert_eq!(status_text(&en, Some(&unnamed)), "Running a tool…");
        assert_eq!(status_text(&en, None), "Thinking…");
    }
}
