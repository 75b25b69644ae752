//! Okapi BM25 over a handful of documents: enough to rank the help centre honestly.

use std::collections::HashMap;

const K1: f64 = 1.2;
const B: f64 = 0.75;

/// An inverted index with per-document term frequencies.
pub struct Index {
    /// Term frequencies per document.
    docs: Vec<HashMap<String, u32>>,
    lengths: Vec<f64>,
    avg_len: f64,
    /// Number of documents each term occurs in.
    df: HashMap<String, u32>,
}

impl Index {
    /// Indexes the given texts; document `i` is `texts[i]`.
    pub fn new(texts: Vec<String>) -> Index {
        let mut docs = Vec::with_capacity(texts.len());
        let mut lengths = Vec::with_capacity(texts.len());
        let mut df: HashMap<String, u32> = HashMap::new();
        for text in &texts {
            let mut tf: HashMap<String, u32> = HashMap::new();
            let terms = tokens(text);
            lengths.push(terms.len() as f64);
            for t in terms {
                *tf.entry(t).or_default() += 1;
            }
            for t in tf.keys() {
                *df.entry(t.clone()).or_default() += 1;
            }
            docs.push(tf);
        }
        let avg_len = lengths.iter().sum::<f64>() / lengths.len().max(1) as f64;
        Index {
            docs,
            lengths,
            avg_len,
            df,
        }
    }

    /// Scores every document against `query`; returns `(doc, score)` with score > 0, best first
    /// (ties broken by document order, so results are deterministic).
    pub fn rank(&self, query: &str) -> Vec<(usize, f64)> {
        let mut terms: Vec<String> = tokens(query)
            .into_iter()
            .flat_map(|t| self.expand(t))
            .collect();
        terms.sort();
        terms.dedup();
        let n = self.docs.len() as f64;
        let mut scores: Vec<(usize, f64)> = self
            .docs
            .iter()
            .enumerate()
            .map(|(i, tf)| {
                let norm = K1 * (1.0 - B + B * self.lengths[i] / self.avg_len);
                let score = terms
                    .iter()
                    .filter_map(|t| {
                        let f = f64::from(*tf.get(t)?);
                        let df = f64::from(self.df[t]);
                        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                        Some(idf * f * (K1 + 1.0) / (f + norm))
                    })
                    .sum::<f64>();
                (i, score)
            })
            .filter(|(_, s)| *s > 0.0)
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scores
    }
}

impl Index {
    /// A query term, its synonyms, and, for a term no document has, indexed terms one edit
    /// away (typo tolerance, for words of five letters or more).
    fn expand(&self, term: String) -> Vec<String> {
        let mut out: Vec<String> = SYNONYMS
            .iter()
            .filter(|(w, _)| *w == term)
            .flat_map(|(_, more)| more.iter().map(|m| stem(m.to_string())))
            .collect();
        if !self.df.contains_key(&term) && term.chars().count() >= 5 {
            out.extend(
                self.df
                    .keys()
                    .filter(|k| within_one_edit(&term, k))
                    .cloned(),
            );
        }
        out.push(term);
        out
    }
}

/// Casual words → the help centre's words (keys and values are unstemmed).
const SYNONYMS: &[(&str, &[&str])] = &[
    ("money", &["refund"]),
    ("reimburse", &["refund"]),
    ("reimbursement", &["refund"]),
    ("repay", &["refund"]),
    ("paid", &["payment", "refund"]),
    ("pay", &["payment"]),
    ("charg", &["payment", "refund"]),
    ("mistake", &["refund"]),
    ("accident", &["refund"]),
    ("accidentally", &["refund"]),
    ("unsubscribe", &["cancel", "subscription"]),
    ("2fa", &["two", "factor"]),
    ("mfa", &["two", "factor"]),
    ("login", &["sign"]),
    ("log", &["sign"]),
    ("pwd", &["password"]),
    // The stemmer leaves `create` and `creating` apart (the API article says "Creating notes").
    ("create", &["creating"]),
];

/// Whether `a` and `b` differ by one insertion, deletion, substitution or adjacent swap.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return a == b;
    }
    let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = |x: &[char], y: &[char]| x == y;
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            tail(&a[p + 1..], &b[p + 1..])
                || (p + 1 < a.len()
                    && a[p] == b[p + 1]
                    && a[p + 1] == b[p]
                    && tail(&a[p + 2..], &b[p + 2..]))
        }
        std::cmp::Ordering::Less => tail(&a[p..], &b[p + 1..]),
        std::cmp::Ordering::Greater => tail(&a[p + 1..], &b[p..]),
    }
}

const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how",
    "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "so", "that", "the", "this",
    "to", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your", "there",
    "any", "should", "about", "tell", "lumen", "notes", "note", "hello", "hi", "please", "get",
    "use", "using", "want", "need", "has", "have", "was", "were", "not", "but", "all", "than",
];

/// Lower-cased alphanumeric words without stop words, lightly stemmed.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(stem)
        .collect()
}

/// A crude suffix stripper: `syncing`/`synced`/`syncs` → `sync`, `refunds` → `refund`.
fn stem(word: String) -> String {
    for suffix in ["ing", "ed", "s"] {
        if word.len() > suffix.len() + 3 && word.ends_with(suffix) {
            if suffix == "s" && word.ends_with("ss") {
                return word;
            }
            return word[..word.len() - suffix.len()].to_string();
        }
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_relevance() {
        let idx = Index::new(vec![
            "cats purr and sleep".into(),
            "dogs bark at cats".into(),
            "syncing devices".into(),
        ]);
        assert_eq!(idx.rank("sync")[0].0, 2);
        assert_eq!(idx.rank("barking dogs")[0].0, 1);
        assert!(idx.rank("weather").is_empty());
        // A typo one edit away still finds the word.
        assert_eq!(idx.rank("barkking doggs")[0].0, 1);
    }

    #[test]
    fn edits() {
        assert!(within_one_edit("refund", "refnd"));
        assert!(within_one_edit("refund", "rfeund"));
        assert!(within_one_edit("refund", "refunx"));
        assert!(within_one_edit("refund", "refundx"));
        assert!(!within_one_edit("refund", "rxfunx"));
        assert!(!within_one_edit("refund", "payment"));
    }
}
