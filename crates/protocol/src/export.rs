//! Server text made fit for other uses: a source's snippet as plain text, and a whole
//! conversation as markdown (to copy or download).

use crate::citations::{MARK_CLOSE, MARK_OPEN};
use crate::event::Document;
use crate::markdown::{parse, plain_text, safe_href};

/// A source snippet as one line of plain text: markdown punctuation the server left in it
/// (`**Settings → Export**`, backticks, links) rendered away, whitespace collapsed. Raw HTML
/// stays text, as in answers.
pub fn snippet_text(blurb: &str) -> String {
    let plain = plain_text(&parse(blurb));
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One message of a conversation to export.
pub struct ExportMessage<'a> {
    pub user: bool,
    /// The text as kept (an answer's markdown with citation markers).
    pub text: &'a str,
    pub documents: &'a [Document],
    /// Citation number → document id.
    pub citations: &'a [(u32, String)],
}

/// The localised words of an export.
pub struct ExportLabels<'a> {
    pub you: &'a str,
    pub assistant: &'a str,
    pub sources: &'a str,
}

/// The conversation as markdown: each question and answer under its speaker, citations as
/// `[n]`, and each answer's cited sources (all its sources when none is cited) as a list of
/// links (only safe links; a source without one is listed by title).
pub fn conversation_markdown(messages: &[ExportMessage], labels: &ExportLabels) -> String {
    let mut out = String::new();
    for m in messages {
        if m.text.trim().is_empty() && m.documents.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n---\n\n");
        }
        let who = if m.user { labels.you } else { labels.assistant };
        out.push_str(&format!("**{}**\n\n", escape(who)));
        out.push_str(markers_as_numbers(m).trim_end());
        let sources = sources_list(m);
        if !sources.is_empty() {
            out.push_str(&format!("\n\n**{}**\n\n{sources}", escape(labels.sources)));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// The text with each resolved citation marker as `[n]` (unresolved ones dropped).
fn markers_as_numbers(m: &ExportMessage) -> String {
    let mut out = String::with_capacity(m.text.len());
    let mut number: Option<String> = None;
    for c in m.text.chars() {
        match (c, &mut number) {
            (MARK_OPEN, _) => number = Some(String::new()),
            (MARK_CLOSE, n) => {
                if let Some(n) = n.take() {
                    if resolved(m, &n).is_some() {
                        out.push_str(&format!("[{n}]"));
                    }
                }
            }
            (c, Some(n)) => n.push(c),
            (c, None) => out.push(c),
        }
    }
    out
}

/// The document citation `n` (as text) refers to.
fn resolved<'a>(m: &'a ExportMessage, n: &str) -> Option<&'a Document> {
    let n: u32 = n.parse().ok()?;
    let (_, id) = m.citations.iter().find(|(k, _)| *k == n)?;
    m.documents.iter().find(|d| &d.id == id)
}

/// `- [n] [title](url)` per cited source in number order, or `- [title](url)` per source when
/// none is cited.
fn sources_list(m: &ExportMessage) -> String {
    let mut cited: Vec<(u32, &Document)> = m
        .citations
        .iter()
        .filter_map(|(n, id)| Some((*n, m.documents.iter().find(|d| &d.id == id)?)))
        .collect();
    cited.sort_by_key(|(n, _)| *n);
    let mut lines = Vec::new();
    if cited.is_empty() {
        lines.extend(m.documents.iter().map(|d| format!("- {}", link(d))));
    } else {
        let mut seen: Vec<&str> = Vec::new();
        for (n, d) in cited {
            if !seen.contains(&d.id.as_str()) {
                seen.push(&d.id);
                lines.push(format!("- \\[{n}\\] {}", link(d)));
            }
        }
    }
    lines.join("\n")
}

/// `[title](url)`, or the title alone for a source without a safe link.
fn link(d: &Document) -> String {
    let title = if d.title.trim().is_empty() {
        d.id.as_str()
    } else {
        d.title.as_str()
    };
    let title = escape(
        title
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
    );
    match d.link.as_deref().and_then(safe_href) {
        Some(url) => format!("[{title}]({})", url_text(&url)),
        None => title,
    }
}

/// Backslash-escapes the characters that would start markup in inline text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '[' | ']' | '*' | '_' | '`' | '<' | '>' | '#' | '!' | '|' | '~' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A URL as a link destination: characters that would end or break it percent-encoded.
fn url_text(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_lose_their_markdown_punctuation() {
        assert_eq!(
            snippet_text("Open **Settings → Export**, then `Export all`.\n\n[More](https://x.io)"),
            "Open Settings → Export, then Export all. More"
        );
        assert_eq!(snippet_text("<b>raw</b> & *a*"), "<b>raw</b> & a");
        assert_eq!(
            snippet_text("plain   text\nover lines"),
            "plain text over lines"
        );
        assert_eq!(snippet_text(""), "");
    }

    fn doc(id: &str, title: &str, link: Option<&str>) -> Document {
        Document {
            id: id.into(),
            title: title.into(),
            link: link.map(str::to_string),
            ..Document::default()
        }
    }

    const LABELS: ExportLabels = ExportLabels {
        you: "You",
        assistant: "Assistant",
        sources: "Sources",
    };

    #[test]
    fn a_conversation_exports_with_numbered_citations_and_source_links() {
        let docs = [
            doc(
                "a",
                "Export [guide]",
                Some("https://help.example.com/export (v2)"),
            ),
            doc("b", "Sync", Some("javascript:alert(1)")),
            doc("c", "Unused", Some("https://help.example.com/c")),
        ];
        let cites = [(2, "b".to_string()), (1, "a".to_string())];
        let answer = format!(
            "Use **Export**{o}1{c}{o}2{c}{o}9{c}.\n",
            o = MARK_OPEN,
            c = MARK_CLOSE
        );
        let msgs = [
            ExportMessage {
                user: true,
                text: "How do I export?",
                documents: &[],
                citations: &[],
            },
            ExportMessage {
                user: false,
                text: &answer,
                documents: &docs,
                citations: &cites,
            },
        ];
        assert_eq!(
            conversation_markdown(&msgs, &LABELS),
            "**You**\n\nHow do I export?\n\n---\n\n**Assistant**\n\nUse **Export**[1][2].\n\n\
             **Sources**\n\n\
             - \\[1\\] [Export \\[guide\\]](https://help.example.com/export%20%28v2%29)\n\
             - \\[2\\] Sync\n"
        );
    }

    #[test]
    fn uncited_sources_are_all_listed_and_empty_messages_skipped() {
        let docs = [doc("a", "A", Some("https://a.example")), doc("b", "", None)];
        let msgs = [
            ExportMessage {
                user: false,
                text: "Hi",
                documents: &docs,
                citations: &[],
            },
            ExportMessage {
                user: false,
                text: "  ",
                documents: &[],
                citations: &[],
            },
        ];
        assert_eq!(
            conversation_markdown(&msgs, &LABELS),
            "**Assistant**\n\nHi\n\n**Sources**\n\n- [A](https://a.example)\n- b\n"
        );
        assert_eq!(conversation_markdown(&[], &LABELS), "");
    }

    /// What an export says parses back to the same words (the parser is the widget's own).
    #[test]
    fn an_export_reads_back_as_the_conversation() {
        let docs = [doc("a", "A*b", Some("https://a.example/x"))];
        let cites = [(1, "a".to_string())];
        let text = format!("Answer{}1{}", MARK_OPEN, MARK_CLOSE);
        let msgs = [ExportMessage {
            user: false,
            text: &text,
            documents: &docs,
            citations: &cites,
        }];
        let md = conversation_markdown(&msgs, &LABELS);
        let plain = plain_text(&parse(&md));
        assert!(plain.contains("Answer[1]"), "{plain}");
        assert!(plain.contains("[1] A*b"), "{plain}");
    }
}
