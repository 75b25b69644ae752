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

/// Longest run held back waiting for a marker to complete; beyond it the text is released.
const MAX_PENDING: usize = 2048;

/// Streaming converter from server answer text to text with citation markers.
#[derive(Debug, Default)]
pub struct CitationText {
    pending: String,
}

/// A citation found at the start of a string: its number and the byte length it spans.
fn parse_citation(s: &str) -> Parse {
    let b = s.as_bytes();
    // "[[" digits "]]" ( "(" ... ")" )?
    if b.is_empty() {
        return Parse::Partial;
    }
    if b[0] != b'[' {
        return Parse::No;
    }
    if b.len() < 2 {
        return Parse::Partial;
    }
    if b[1] != b'[' {
        return Parse::No;
    }
    let mut i = 2;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let digits = &s[2..i];
    if i == b.len() {
        return if digits.len() <= 4 {
            Parse::Partial
        } else {
            Parse::No
        };
    }
    if digits.is_empty() || digits.len() > 4 || b[i] != b']' {
        return Parse::No;
    }
    let Ok(n) = digits.parse::<u32>() else {
        return Parse::No;
    };
    i += 1;
    if i == b.len() {
        return Parse::Partial;
    }
    if b[i] != b']' {
        return Parse::No;
    }
    i += 1;
    if i == b.len() {
        return Parse::PartialOrBare(n, i);
    }
    if b[i] != b'(' {
        return Parse::Yes(n, i);
    }
    match s[i..].find(')') {
        Some(close) if !s[i..i + close].contains(char::is_whitespace) => {
            Parse::Yes(n, i + close + 1)
        }
        Some(_) => Parse::Yes(n, i),
        None if s[i..].contains(char::is_whitespace) => Parse::Yes(n, i),
        None => Parse::PartialOrBare(n, i),
    }
}

enum Parse {
    /// Not a citation.
    No,
    /// Could still become a citation.
    Partial,
    /// A complete citation `n` of this many bytes, if the input ended here.
    PartialOrBare(u32, usize),
    /// A citation `n` spanning this many bytes.
    Yes(u32, usize),
}

impl CitationText {
    /// Converts the next piece of answer text; returns what can be shown now.
    pub fn feed(&mut self, text: &str) -> String {
        self.pending
            .extend(text.chars().filter(|&c| c != MARK_OPEN && c != MARK_CLOSE));
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
            out.push_str(&rest[..pos]);
            rest = &rest[pos..];
            match parse_citation(rest) {
                Parse::No => {
                    out.push('[');
                    rest = &rest[1..];
                }
                Parse::Yes(n, len) => {
                    push_marker(&mut out, n);
                    rest = &rest[len..];
                }
                Parse::PartialOrBare(n, len) if at_end => {
                    push_marker(&mut out, n);
                    rest = &rest[len..];
                }
                Parse::Partial | Parse::PartialOrBare(..) => {
                    if at_end || rest.len() > MAX_PENDING {
                        out.push('[');
                        rest = &rest[1..];
                    } else {
                        self.pending = rest.to_string();
                        return out;
                    }
                }
            }
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
    fn spoofed_marker_chars_are_removed() {
        assert_eq!(conv(&["a\u{E000}9\u{E001}b"]), "a9b");
    }

    #[test]
    fn strip_markers_removes_them() {
        assert_eq!(strip_markers(&format!("a{} b", m(12))), "a b");
    }
}
