//! Builds deterministic answers from the retrieved articles.
//!
//! An answer is a list of segments: Markdown text and citation markers. Each backend module
//! renders the markers its own way (` [[n]](url)` for Onyx, nothing for Odyssey) and cuts the
//! text into small pieces for streaming.

use crate::corpus::{self, Article, Filters, Hit};

/// Part of an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Seg {
    Text(String),
    /// Citation number (1-based) into [`Answer::cited`].
    Cite(u32),
}

/// A complete answer to one question.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The (rewritten) search query.
    pub query: String,
    /// Everything retrieved, best first.
    pub hits: Vec<Hit>,
    /// Cited articles: citation `n` is `cited[n - 1]`.
    pub cited: Vec<&'static Article>,
    pub segs: Vec<Seg>,
    /// Questions to ask next (Odyssey shows these).
    pub follow_ups: Vec<String>,
}

/// Extra context shaping an answer.
#[derive(Clone, Debug, Default)]
pub struct AnswerOptions {
    pub filters: Filters,
    /// `provider/version` from `llm_override`, echoed as the answer's last line.
    pub model: Option<String>,
    /// Text put before the answer (the `utf8-split` fault uses it for non-ASCII text).
    pub prefix: Option<String>,
}

/// Sentence used when nothing in the help centre matches.
pub const NO_MATCH: &str = "I couldn't find that in the Lumen Notes help centre. Could you rephrase the question? I can help with notebooks, writing and formatting, sync, sharing, billing, security, team administration and the developer API.";

/// Answers `question` from the help centre.
pub fn answer(question: &str, opts: &AnswerOptions) -> Answer {
    let query = rewrite(question);
    let hits = corpus::search(&query, &opts.filters, 4);
    let mut segs = Vec::new();
    if let Some(prefix) = &opts.prefix {
        segs.push(Seg::Text(prefix.clone()));
    }
    let mut cited: Vec<&'static Article> = Vec::new();
    match hits.first() {
        None => segs.push(Seg::Text(NO_MATCH.to_string())),
        Some(top) => {
            let a = top.article;
            cited.push(a);
            segs.push(Seg::Text(format!("**{}.** {}", a.title, a.lead())));
            segs.push(Seg::Cite(1));
            // The rest of the top article: its lists, tables and code, up to two blocks.
            for block in a.blocks().skip(1).take(2) {
                segs.push(Seg::Text(format!("\n\n{block}")));
            }
            let related: Vec<&Hit> = hits.iter().skip(1).take(2).collect();
            if !related.is_empty() {
                segs.push(Seg::Text("\n\nRelated articles:".to_string()));
                for h in related {
                    cited.push(h.article);
                    let n = cited.len() as u32;
                    segs.push(Seg::Text(format!(
                        "\n\n- *{}*: {}",
                        h.article.title,
                        h.article.blurb()
                    )));
                    segs.push(Seg::Cite(n));
                }
            }
        }
    }
    if let Some(model) = &opts.model {
        segs.push(Seg::Text(format!("\n\n_(model: {model})_")));
    }
    let follow_ups = follow_ups(&hits, &opts.filters);
    Answer {
        query,
        hits,
        cited,
        segs,
        follow_ups,
    }
}

/// A search query as Onyx's query rewriting might produce: the question without its
/// punctuation and filler.
fn rewrite(question: &str) -> String {
    let q: String = question
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words: Vec<&str> = q.split_whitespace().collect();
    let s = words.join(" ").to_lowercase();
    if s.is_empty() {
        question.trim().to_string()
    } else {
        s
    }
}

fn follow_ups(hits: &[Hit], filters: &Filters) -> Vec<String> {
    let Some(top) = hits.first() else {
        return vec![
            "How do I get started with Lumen Notes?".to_string(),
            "How does sync work between my devices?".to_string(),
        ];
    };
    let top = top.article;
    // Related articles: the other hits, then articles similar to the top one's title, then
    // the rest of its document set, then anything.
    let similar = corpus::search(&top.title, filters, 6);
    let candidates = hits
        .iter()
        .skip(1)
        .map(|h| h.article)
        .chain(similar.iter().map(|h| h.article))
        .chain(
            corpus::articles()
                .iter()
                .filter(|a| a.document_set == top.document_set),
        )
        .chain(corpus::articles().iter());
    let mut out: Vec<String> = Vec::new();
    for a in candidates {
        if out.len() >= 3 {
            break;
        }
        if a.id != top.id && filters.admits(a) && !out.contains(&a.question) {
            out.push(a.question.clone());
        }
    }
    out
}

impl Answer {
    /// The answer text. With `with_links`, citations are written ` [[n]](url)` as Onyx does;
    /// otherwise they are left out.
    pub fn text(&self, with_links: bool) -> String {
        self.segs
            .iter()
            .map(|s| match s {
                Seg::Text(t) => t.clone(),
                Seg::Cite(n) if with_links => self.cite_marker(*n),
                Seg::Cite(_) => String::new(),
            })
            .collect()
    }

    /// The ` [[n]](url)` marker of citation `n`.
    pub fn cite_marker(&self, n: u32) -> String {
        let url = self
            .cited
            .get(n as usize - 1)
            .map_or("", |a| a.url.as_str());
        format!(" [[{n}]]({url})")
    }

    /// The article cited as `n`.
    pub fn cited_article(&self, n: u32) -> Option<&'static Article> {
        self.cited.get((n as usize).checked_sub(1)?).copied()
    }

    /// The answer cut into stream pieces of a few words each; citations stay separate pieces.
    pub fn pieces(&self) -> Vec<Seg> {
        let mut out = Vec::new();
        for seg in &self.segs {
            match seg {
                Seg::Text(t) => {
                    for piece in split_words(t, 3) {
                        out.push(Seg::Text(piece));
                    }
                }
                c => out.push(c.clone()),
            }
        }
        out
    }
}

/// Splits text into pieces of `n` words, keeping every byte (whitespace stays attached).
pub fn split_words(text: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut words = 0;
    for part in text.split_inclusive([' ', '\n']) {
        cur.push_str(part);
        if !part.trim().is_empty() {
            words += 1;
        }
        if words >= n {
            out.push(std::mem::take(&mut cur));
            words = 0;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cited_answer_and_pieces() {
        let a = answer("Can I get a refund?", &AnswerOptions::default());
        assert_eq!(a.cited[0].id, "LN-016");
        let text = a.text(true);
        assert!(text.contains(" [[1]](https://help.lumen.example/billing/refunds)"));
        let joined: String = a
            .pieces()
            .iter()
            .map(|p| match p {
                Seg::Text(t) => t.clone(),
                Seg::Cite(n) => a.cite_marker(*n),
            })
            .collect();
        assert_eq!(joined, text);
    }

    /// The README promises a JSON code block for this question (the note-creating request body),
    /// not the API overview's curl command.
    #[test]
    fn create_note_question_answers_with_the_json_body() {
        let a = answer(
            "How do I create a note with the API?",
            &AnswerOptions::default(),
        );
        assert_eq!(a.cited[0].id, "LN-027");
        let text: String = a
            .segs
            .iter()
            .filter_map(|s| match s {
                Seg::Text(t) => Some(t.as_str()),
                Seg::Cite(_) => None,
            })
            .collect();
        assert!(text.contains("```json\n{\"title\""), "{text}");
        assert!(!text.contains("```bash"), "{text}");
    }

    #[test]
    fn no_match_is_polite_and_uncited() {
        let a = answer("What is the capital of France?", &AnswerOptions::default());
        assert!(a.cited.is_empty());
        assert_eq!(a.text(true), NO_MATCH);
    }
}
