//! Citation markers in answer text.
//!
//! Onyx-family servers write citation `n` into the answer as ` [[n]](url)`, or `[[n]]()` when
//! the document has no link. [`CitationText`] rewrites each into a compact marker,
//! [`MARK_OPEN`] `n` [`MARK_CLOSE`] (private-use characters that survive markdown parsing as
//! plain text), and holds back a partial trailing `[[n…` while streaming so that half a marker
//! never flashes on screen. The renderer turns markers into citation buttons and drops those
//! whose number never resolves to a document.

/// Starts a citation marker in converted text.
pub const MARK_OPEN: char = '\u{E000}';
/// Ends a citation marker in converted text.
pub const MARK_CLOSE: char = '\u{E001}';

/// Longest link inside `(…)` accepted as part of a citation. A longer run is not a citation
/// link, so at most this much text is ever held back. The decision depends on the text alone,
/// never on how it was chunked.
const MAX_LINK: usize = 2048;

/// Streaming converter from server answer text to text with citation markers.
#[derive(Debug, Default)]
pub struct CitationText {
    pending: String,
}

/// What the text starting at a `[` is.
#[derive(Debug, PartialEq, Eq)]
enum Parse {
    /// Not a citation.
    No,
    /// Could still become a citation; more text is needed to decide.
    Partial,
    /// Citation `n` spanning this many bytes if the text ended here; more text could extend it
    /// (`[[1]]` may be followed by `(link)`).
    PartialOrBare(u32, usize),
    /// Citation `n` spanning this many bytes.
    Yes(u32, usize),
}

/// Reads a citation at the start of `s` (which starts with `[`): `[[n]]` with 1–4 digits,
/// optionally followed by `(link)` where the link has no whitespace.
fn parse_citation(s: &str) -> Parse {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied();
    for i in 0..2 {
        match at(i) {
            None => return Parse::Partial,
            Some(b'[') => {}
            Some(_) => return Parse::No,
        }
    }
    let mut i = 2;
    let mut n: u32 = 0;
    loop {
        match at(i) {
            None => return Parse::Partial,
            Some(d @ b'0'..=b'9') => {
                if i >= 6 {
                    return Parse::No; // more than 4 digits
                }
                n = n * 10 + u32::from(d - b'0');
                i += 1;
            }
            Some(b']') if i > 2 => break,
            Some(_) => return Parse::No,
        }
    }
    match at(i + 1) {
        None => return Parse::Partial,
        Some(b']') => {}
        Some(_) => return Parse::No,
    }
    let end = i + 2;
    match at(end) {
        None => return Parse::PartialOrBare(n, end),
        Some(b'(') => {}
        Some(_) => return Parse::Yes(n, end),
    }
    let mut j = end + 1;
    loop {
        if j - end > MAX_LINK {
            return Parse::Yes(n, end);
        }
        match at(j) {
            None => return Parse::PartialOrBare(n, end),
            Some(b')') => return Parse::Yes(n, j + 1),
            Some(c) if c.is_ascii_whitespace() => return Parse::Yes(n, end),
            Some(_) => j += 1,
        }
    }
}

impl CitationText {
    /// Converts the next piece of answer text; returns what can be shown now.
    pub fn feed(&mut self, text: &str) -> String {
        // Markers a server wrote itself are dropped. Checked first (a fast byte search for
        // each), so ordinary text is copied at once: char by char, a 4 MB delta took 40 ms.
        if text.contains(MARK_OPEN) || text.contains(MARK_CLOSE) {
            self.pending
                .extend(text.chars().filter(|&c| c != MARK_OPEN && c != MARK_CLOSE));
        } else {
            self.pending.push_str(text);
        }
        self.convert(false)
    }

    /// The answer ended: returns whatever was held back.
    pub fn finish(&mut self) -> String {
        self.convert(true)
    }

    fn convert(&mut self, at_end: bool) -> String {
        let src = std::mem::take(&mut self.pending);
        let mut out = String::with_capacity(src.len());
        let mut rest = src.as_str();
        while let Some(pos) = rest.find('[') {
            let (before, from_bracket) = rest.split_at(pos);
            out.push_str(before);
            rest = from_bracket;
            let consumed = match parse_citation(rest) {
                Parse::Yes(n, len) => {
                    push_marker(&mut out, n);
                    len
                }
                Parse::PartialOrBare(n, len) if at_end => {
                    push_marker(&mut out, n);
                    len
                }
                Parse::Partial | Parse::PartialOrBare(..) if !at_end => {
                    self.pending = rest.to_string();
                    return out;
                }
                _ => {
                    out.push('[');
                    1
                }
            };
            // Every length above ends just after an ASCII byte, so it is a char boundary.
            rest = rest.get(consumed..).unwrap_or_default();
        }
        out.push_str(rest);
        out
    }
}

/// Writes a marker. (The space the server puts before a citation is kept: trimming it would
/// depend on whether it arrived in the same chunk.)
fn push_marker(out: &mut String, n: u32) {
    out.push(MARK_OPEN);
    out.push_str(&n.to_string());
    out.push(MARK_CLOSE);
}

/// Removes citation markers (for copying an answer as plain text, or for announcing it).
pub fn strip_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_marker = false;
    for c in text.chars() {
        match c {
            MARK_OPEN => in_marker = true,
            MARK_CLOSE => in_marker = false,
            _ if !in_marker => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(chunks: &[&str]) -> String {
        let mut c = CitationText::default();
        let mut out: String = chunks.iter().map(|p| c.feed(p)).collect();
        out.push_str(&c.finish());
        out
    }

    fn m(n: u32) -> String {
        format!("{MARK_OPEN}{n}{MARK_CLOSE}")
    }

    #[test]
    fn converts_links_and_empty_links_at_every_split() {
        let text = "Refunds within 30 days. [[1]](https://kb.example.com/refund) Also [[2]]() and [x](y) [[3]].";
        let want = format!(
            "Refunds within 30 days. {} Also {} and [x](y) {}.",
            m(1),
            m(2),
            m(3)
        );
        assert_eq!(conv(&[text]), want);
        let idx: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for &i in &idx {
            assert_eq!(conv(&[&text[..i], &text[i..]]), want, "split at {i}");
        }
    }

    #[test]
    fn holds_back_partial_marker_while_streaming() {
        let mut c = CitationText::default();
        assert_eq!(c.feed("Yes [["), "Yes ");
        assert_eq!(c.feed("1]](https://x"), "");
        assert_eq!(c.feed(") done"), format!("{} done", m(1)));
    }

    #[test]
    fn long_links_are_decided_by_content_not_chunking() {
        let link = "a".repeat(MAX_LINK + 10);
        let text = format!("x [[1]]({link}) y");
        let whole = conv(&[&text]);
        for i in (0..text.len()).step_by(97) {
            assert_eq!(conv(&[&text[..i], &text[i..]]), whole, "split at {i}");
        }
        assert!(whole.starts_with(&format!("x {}(", m(1))));
        let short = "x [[2]](https://k/b) y";
        assert_eq!(conv(&[short]), format!("x {} y", m(2)));
    }

    #[test]
    fn not_citations_pass_through() {
        for t in [
            "[[12345]]",
            "[[a]]",
            "[[]]",
            "[x]",
            "[[1]x",
            "a [ b",
            "[[1]]",
        ] {
            let got = conv(&[t]);
            if t == "[[1]]" {
                assert_eq!(got, m(1));
            } else {
                assert_eq!(got, t);
            }
        }
        assert_eq!(conv(&["ends [[1"]), "ends [[1");
        assert_eq!(
            conv(&["ends [[1]](http://x"]),
            format!("ends {}(http://x", m(1))
        );
    }

    #[test]
    fn spoofed_marker_chars_are_removed() {
        assert_eq!(conv(&["a\u{E000}9\u{E001}b"]), "a9b");
    }

    #[test]
    fn strip_markers_removes_them() {
        assert_eq!(strip_markers(&format!("a{} b", m(12))), "a b");
    }
}
