//! The built-in knowledge base: the help centre of "Lumen Notes", a fictional note-taking app.
//!
//! Articles live in `corpus.md` (embedded in the binary). Each starts with `=== <id>`, then
//! `key: value` header lines, a blank line and a Markdown body.

use std::sync::LazyLock;

/// One help-centre article.
#[derive(Clone, Debug)]
pub struct Article {
    /// Connector document id, e.g. `LN-016`.
    pub id: String,
    /// Small integer id, like Onyx's database id (`db_doc_id`).
    pub db_id: i64,
    pub title: String,
    pub url: String,
    /// Onyx document set.
    pub document_set: String,
    /// Onyx source type (`web`, `confluence`, ...).
    pub source_type: String,
    /// `(tag_key, tag_value)` pairs.
    pub tags: Vec<(String, String)>,
    /// `YYYY-MM-DD`.
    pub updated: String,
    /// The question this article answers best (used for follow-up suggestions).
    pub question: String,
    /// Markdown body.
    pub body: String,
}

impl Article {
    /// ISO date-time of the last update, as Onyx serialises `updated_at`.
    pub fn updated_at(&self) -> String {
        format!("{}T09:00:00+00:00", self.updated)
    }

    /// The first paragraph of the body.
    pub fn lead(&self) -> &str {
        self.blocks().next().unwrap_or("")
    }

    /// Body blocks separated by blank lines (fenced code kept whole).
    pub fn blocks(&self) -> impl Iterator<Item = &str> {
        split_blocks(&self.body).into_iter()
    }

    /// A short excerpt: the first sentence or two of the lead, at most ~200 characters.
    pub fn blurb(&self) -> String {
        let lead = self.lead();
        let mut out = String::new();
        for sentence in lead.split_inclusive(". ") {
            if !out.is_empty() && out.len() + sentence.len() > 200 {
                break;
            }
            out.push_str(sentence);
        }
        out.trim().to_string()
    }
}

fn split_blocks(body: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut start: Option<usize> = None;
    let mut in_fence = false;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_fence = !in_fence;
        }
        if trimmed.is_empty() && !in_fence {
            if let Some(s) = start.take() {
                blocks.push(body[s..offset].trim_end());
            }
        } else if start.is_none() {
            start = Some(offset);
        }
        offset += line.len();
    }
    if let Some(s) = start {
        blocks.push(body[s..].trim_end());
    }
    blocks
}

/// All articles, parsed once.
pub fn articles() -> &'static [Article] {
    static ARTICLES: LazyLock<Vec<Article>> = LazyLock::new(|| parse(include_str!("corpus.md")));
    &ARTICLES
}

fn parse(text: &str) -> Vec<Article> {
    let mut out = Vec::new();
    for (i, chunk) in text
        .split("=== ")
        .filter(|c| !c.trim().is_empty())
        .enumerate()
    {
        let (head, body) = chunk.split_once("\n\n").unwrap_or((chunk, ""));
        let mut lines = head.lines();
        let id = lines.next().unwrap_or_default().trim().to_string();
        let mut a = Article {
            id,
            db_id: 300 + i as i64,
            title: String::new(),
            url: String::new(),
            document_set: String::new(),
            source_type: String::new(),
            tags: Vec::new(),
            updated: String::new(),
            question: String::new(),
            body: body.trim().to_string(),
        };
        for line in lines {
            let Some((k, v)) = line.split_once(": ") else {
                continue;
            };
            let v = v.trim().to_string();
            match k {
                "title" => a.title = v,
                "url" => a.url = v,
                "set" => a.document_set = v,
                "source" => a.source_type = v,
                "updated" => a.updated = v,
                "question" => a.question = v,
                "tags" => {
                    a.tags = v
                        .split(',')
                        .filter_map(|t| t.trim().split_once('='))
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect()
                }
                _ => {}
            }
        }
        out.push(a);
    }
    out
}

/// Retrieval filters, as Onyx's `internal_search_filters` / `retrieval_options.filters`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    pub document_set: Vec<String>,
    pub source_type: Vec<String>,
    pub tags: Vec<(String, String)>,
    /// Only documents updated at or after this ISO date (date part compared).
    pub time_cutoff: Option<String>,
}

impl Filters {
    /// Reads a filters object (`null` or missing fields mean "no restriction").
    pub fn from_json(v: Option<&serde_json::Value>) -> Filters {
        let Some(v) = v.filter(|v| v.is_object()) else {
            return Filters::default();
        };
        let list = |key: &str| -> Vec<String> {
            match v.get(key) {
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Some(serde_json::Value::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let tags = v
            .get("tags")
            .and_then(|t| t.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|t| {
                        Some((
                            t.get("tag_key")?.as_str()?.to_string(),
                            t.get("tag_value")?.as_str()?.to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let time_cutoff = v
            .get("time_cutoff")
            .and_then(|t| t.as_str())
            .or_else(|| {
                v.get("updated_at_range")
                    .and_then(|r| r.get("start"))
                    .and_then(|t| t.as_str())
            })
            .map(str::to_string);
        Filters {
            document_set: list("document_set"),
            source_type: list("source_type"),
            tags,
            time_cutoff,
        }
    }

    /// Whether an article passes every filter.
    pub fn admits(&self, a: &Article) -> bool {
        (self.document_set.is_empty() || self.document_set.contains(&a.document_set))
            && (self.source_type.is_empty() || self.source_type.contains(&a.source_type))
            && (self.tags.is_empty() || self.tags.iter().any(|t| a.tags.iter().any(|at| at == t)))
            && self
                .time_cutoff
                .as_ref()
                .is_none_or(|cut| a.updated.as_str() >= cut.get(..10).unwrap_or(cut))
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// A retrieved article with its BM25 score.
#[derive(Clone, Debug)]
pub struct Hit {
    pub article: &'static Article,
    pub score: f64,
}

/// Ranks the articles that pass `filters` against `query` and keeps the relevant ones
/// (best first, at most `limit`).
pub fn search(query: &str, filters: &Filters, limit: usize) -> Vec<Hit> {
    let index = index();
    let mut hits: Vec<Hit> = index
        .rank(query)
        .into_iter()
        .filter(|(i, _)| filters.admits(&articles()[*i]))
        .map(|(i, score)| Hit {
            article: &articles()[i],
            score,
        })
        .collect();
    let Some(best) = hits.first().map(|h| h.score) else {
        return hits;
    };
    if best < MIN_SCORE {
        return Vec::new();
    }
    hits.retain(|h| h.score >= best * 0.4 && h.score >= MIN_SCORE * 0.6);
    hits.truncate(limit);
    hits
}

/// Below this best score the question is treated as outside the help centre.
const MIN_SCORE: f64 = 2.0;

fn index() -> &'static crate::bm25::Index {
    static INDEX: LazyLock<crate::bm25::Index> = LazyLock::new(|| {
        crate::bm25::Index::new(
            articles()
                .iter()
                .map(|a| {
                    // The title counts twice, so a match in it weighs more than one in the body.
                    format!("{} {} {} {}", a.title, a.title, a.question, a.body)
                })
                .collect(),
        )
    });
    &INDEX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_parses() {
        let all = articles();
        assert!(all.len() >= 20);
        for a in all {
            assert!(
                !a.title.is_empty() && a.url.starts_with("https://"),
                "{}",
                a.id
            );
            assert!(!a.body.is_empty() && !a.question.is_empty(), "{}", a.id);
            assert_eq!(a.updated.len(), 10, "{}", a.id);
        }
    }

    #[test]
    fn ranks_the_obvious_article_first() {
        let f = Filters::default();
        assert_eq!(search("refund policy", &f, 3)[0].article.id, "LN-016");
        for casual in [
            "i paid for a year by mistake, can i get my money back??",
            "how do i get a refnud",
        ] {
            assert_eq!(search(casual, &f, 3)[0].article.id, "LN-016", "{casual}");
        }
        assert_eq!(
            search("how do I turn on 2FA two-factor", &f, 3)[0]
                .article
                .id,
            "LN-019"
        );
        assert_eq!(
            search("my notes are not syncing", &f, 3)[0].article.id,
            "LN-010"
        );
        assert!(search("what is the capital of France", &f, 3).is_empty());
        assert!(search("hello", &f, 3).is_empty());
    }

    #[test]
    fn filters_restrict() {
        let f = Filters {
            document_set: vec!["Developers".into()],
            ..Filters::default()
        };
        for h in search("create a note", &f, 5) {
            assert_eq!(h.article.document_set, "Developers");
        }
        let f = Filters {
            time_cutoff: Some("2026-06-01T00:00:00Z".into()),
            ..Filters::default()
        };
        assert!(search("refund policy", &f, 3)
            .iter()
            .all(|h| h.article.id != "LN-016"));
    }
}
