//! Syntax highlighting of fenced code blocks: the code cut into pieces, each plain or of one
//! [`Token`] kind, for the widget to show as text nodes in spans (never as HTML).
//!
//! One small lexer serves every language, driven by a [`Spec`] of its comment, string and
//! keyword syntax; diff, HTML/XML, JSON and YAML add a rule or two. It works line by line and
//! carries only what a line leaves open (a block comment, a multi-line string) to the next,
//! so a streaming code block can be highlighted as its lines arrive, in time linear in its
//! length ([`Highlighter::line`]). Unknown languages give `None`: the block stays plain.

/// What a piece of code is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token {
    Keyword,
    String,
    Comment,
    /// Numbers and literals such as `true` and `null`.
    Number,
    /// Object keys and attribute names.
    Key,
    /// Markup tag names.
    Tag,
    /// Diff lines added and removed.
    Added,
    Removed,
}

impl Token {
    /// The CSS class of the span that shows it.
    pub fn class(self) -> &'static str {
        match self {
            Token::Keyword => "tok-kw",
            Token::String => "tok-str",
            Token::Comment => "tok-com",
            Token::Number => "tok-num",
            Token::Key => "tok-key",
            Token::Tag => "tok-tag",
            Token::Added => "tok-add",
            Token::Removed => "tok-del",
        }
    }
}

/// A piece of a line: its byte range and kind (`None`: plain text).
pub type Piece = (std::ops::Range<usize>, Option<Token>);

/// The syntax of a language, as far as highlighting needs it.
struct Spec {
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    /// Quote characters; `'''`/`"""` style triple quotes when `triple`.
    quotes: &'static [u8],
    triple: bool,
    /// Space-separated words.
    keywords: &'static str,
    literals: &'static str,
    case_insensitive: bool,
    /// A word right before `:` is a key (JSON, YAML, CSS properties).
    keys_before_colon: bool,
    mode: Mode,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Markup,
    Diff,
}

const C_LIKE: Spec = Spec {
    line_comments: &["//"],
    block_comment: Some(("/*", "*/")),
    quotes: b"\"'`",
    triple: false,
    keywords: "",
    literals: "true false null undefined nil None True False",
    case_insensitive: false,
    keys_before_colon: false,
    mode: Mode::Code,
};

const JS: &str = "async await break case catch class const continue default delete do else export \
    extends finally for from function if import in instanceof interface let new of \
    return static super switch this throw try type typeof var void while yield";
const RUST: &str =
    "as async await break const continue crate dyn else enum extern fn for if impl in \
    let loop match mod move mut pub ref return self Self static struct super trait \
    type unsafe use where while";
const GO: &str = "break case chan const continue default defer else fallthrough for func go goto \
    if import interface map package range return select struct switch type var";
const JAVA: &str = "abstract boolean break case catch class continue default do double else enum \
    extends final finally float for if implements import instanceof int interface \
    long new package private protected public return static super switch this throw \
    throws try void while var";
const PYTHON: &str =
    "and as assert async await break class continue def del elif else except finally \
    for from global if import in is lambda nonlocal not or pass raise return try \
    while with yield";
const SHELL: &str =
    "case do done elif else esac export fi for function if in local return then until \
    while sudo cd echo";
const SQL: &str = "add alter and as asc by create delete desc distinct drop from group having in \
    index insert into is join key left limit not on or order primary right select \
    set table update values where with inner outer union count";

/// The spec of a fenced block's language name, if it is one we highlight.
fn spec(lang: &str) -> Option<Spec> {
    let lang = lang.to_ascii_lowercase();
    let code = |keywords| Spec { keywords, ..C_LIKE };
    Some(match lang.as_str() {
        "js" | "javascript" | "jsx" | "ts" | "typescript" | "tsx" | "mjs" | "cjs" => code(JS),
        "rust" | "rs" => code(RUST),
        "go" | "golang" => code(GO),
        "java" | "kotlin" | "c" | "cpp" | "c++" | "cs" | "csharp" => code(JAVA),
        "py" | "python" => Spec {
            line_comments: &["#"],
            block_comment: None,
            quotes: b"\"'",
            triple: true,
            keywords: PYTHON,
            ..C_LIKE
        },
        "sh" | "bash" | "shell" | "zsh" | "console" | "shell-session" => Spec {
            line_comments: &["#"],
            block_comment: None,
            quotes: b"\"'",
            keywords: SHELL,
            ..C_LIKE
        },
        "sql" | "postgresql" | "mysql" | "sqlite" => Spec {
            line_comments: &["--"],
            quotes: b"'\"",
            keywords: SQL,
            literals: "null true false",
            case_insensitive: true,
            ..C_LIKE
        },
        "json" | "jsonc" | "json5" => Spec {
            quotes: b"\"",
            keys_before_colon: true,
            ..C_LIKE
        },
        "yaml" | "yml" => Spec {
            line_comments: &["#"],
            block_comment: None,
            quotes: b"\"'",
            literals: "true false null yes no on off ~",
            keys_before_colon: true,
            ..C_LIKE
        },
        "css" | "scss" | "less" => Spec {
            line_comments: &[],
            quotes: b"\"'",
            literals: "",
            keys_before_colon: true,
            ..C_LIKE
        },
        "html" | "xml" | "svg" | "xhtml" | "vue" => Spec {
            block_comment: Some(("<!--", "-->")),
            quotes: b"\"'",
            mode: Mode::Markup,
            ..C_LIKE
        },
        "diff" | "patch" => Spec {
            mode: Mode::Diff,
            ..C_LIKE
        },
        _ => return None,
    })
}

/// What a line left open for the next one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Nothing,
    BlockComment,
    /// A string of this quote (tripled if `triple`).
    Str {
        quote: u8,
        triple: bool,
    },
    /// Inside a markup tag (attributes).
    Tag,
}

/// Highlights a code block line by line.
pub struct Highlighter {
    spec: Spec,
    open: Open,
}

impl Highlighter {
    /// A highlighter for a fenced block's language name, or `None` if it has none.
    pub fn new(lang: &str) -> Option<Highlighter> {
        Some(Highlighter {
            spec: spec(lang)?,
            open: Open::Nothing,
        })
    }

    /// The pieces of one line (without its line ending), in order, covering it.
    pub fn line(&mut self, line: &str) -> Vec<Piece> {
        let mut lx = Lexer {
            s: line,
            b: line.as_bytes(),
            i: 0,
            plain: 0,
            out: Vec::new(),
        };
        if self.spec.mode == Mode::Diff {
            let tok = match lx.b.first() {
                Some(b'+') => Some(Token::Added),
                Some(b'-') => Some(Token::Removed),
                Some(b'@') => Some(Token::Keyword),
                _ => None,
            };
            return vec![(0..line.len(), tok)];
        }
        self.open = self.resume(&mut lx);
        while lx.i < lx.b.len() {
            self.open = self.step(&mut lx);
            if self.open != Open::Nothing {
                break;
            }
        }
        lx.flush_plain(lx.b.len());
        lx.out
    }

    /// Continues what the previous line left open; returns what is still open.
    fn resume(&self, lx: &mut Lexer) -> Open {
        match self.open {
            Open::Nothing => Open::Nothing,
            Open::BlockComment => {
                let end = self.spec.block_comment.map_or("", |(_, e)| e);
                lx.until(0, end, Token::Comment)
                    .map_or(Open::BlockComment, |_| Open::Nothing)
            }
            Open::Str { quote, triple } => lx
                .string_from(0, quote, triple)
                .map_or(self.open, |_| Open::Nothing),
            Open::Tag => self.tag_rest(lx),
        }
    }

    /// Lexes one token at `lx.i`; returns what it leaves open at the end of the line.
    fn step(&self, lx: &mut Lexer) -> Open {
        let spec = &self.spec;
        let rest = &lx.s[lx.i..];
        if let Some(c) = spec.line_comments.iter().find(|c| rest.starts_with(**c)) {
            let shell_word = c == &"#" && lx.i > 0 && !lx.b[lx.i - 1].is_ascii_whitespace();
            if !shell_word {
                lx.token(lx.i, lx.b.len(), Token::Comment);
                return Open::Nothing;
            }
        }
        if let Some((start, end)) = spec.block_comment.filter(|(s, _)| rest.starts_with(*s)) {
            let from = lx.i;
            return match lx.until(from + start.len(), end, Token::Comment) {
                Some(_) => Open::Nothing,
                None => Open::BlockComment,
            };
        }
        let c = lx.b[lx.i];
        if spec.mode == Mode::Markup && c == b'<' {
            return self.tag_start(lx);
        }
        if spec.mode != Mode::Markup && spec.quotes.contains(&c) {
            let triple = spec.triple && rest.as_bytes().starts_with(&[c, c, c]);
            let from = lx.i;
            let body = from + if triple { 3 } else { 1 };
            lx.flush_plain(from);
            lx.i = body;
            return match lx.string_from(from, c, triple) {
                Some(end) => {
                    let key = spec.keys_before_colon && lx.next_non_space(end) == Some(b':');
                    if key {
                        if let Some(last) = lx.out.last_mut() {
                            last.1 = Some(Token::Key);
                        }
                    }
                    Open::Nothing
                }
                None if triple || c == b'`' => Open::Str { quote: c, triple },
                None => Open::Nothing,
            };
        }
        if c.is_ascii_digit() && (lx.i == 0 || !is_word(lx.b[lx.i - 1])) {
            let end = lx.i
                + lx.b[lx.i..]
                    .iter()
                    .take_while(|&&b| is_word(b) || b == b'.')
                    .count();
            lx.token(lx.i, end, Token::Number);
            return Open::Nothing;
        }
        if is_word(c) && (lx.i == 0 || !is_word(lx.b[lx.i - 1])) {
            let end = lx.i
                + lx.b[lx.i..]
                    .iter()
                    .take_while(|&&b| is_word(b) || b == b'-')
                    .count();
            let word = &lx.s[lx.i..end];
            let is = |list: &str| {
                list.split(' ').any(|k| {
                    if spec.case_insensitive {
                        k.eq_ignore_ascii_case(word)
                    } else {
                        k == word
                    }
                })
            };
            let tok = if spec.keys_before_colon && lx.next_non_space(end) == Some(b':') {
                Some(Token::Key)
            } else if is(spec.keywords) {
                Some(Token::Keyword)
            } else if is(spec.literals) {
                Some(Token::Number)
            } else {
                None
            };
            match tok {
                Some(t) => lx.token(lx.i, end, t),
                None => lx.i = end,
            }
            return Open::Nothing;
        }
        lx.i += utf8_len(c);
        Open::Nothing
    }

    /// `<` in markup: a comment, a tag (its name, then its attributes), or text.
    fn tag_start(&self, lx: &mut Lexer) -> Open {
        let from = lx.i;
        let name_at = from + 1 + usize::from(lx.b.get(from + 1) == Some(&b'/'));
        let len = lx.b[name_at..]
            .iter()
            .take_while(|&&b| is_word(b) || b == b'-' || b == b':' || b == b'?' || b == b'!')
            .count();
        if len == 0 {
            lx.i += 1;
            return Open::Nothing;
        }
        lx.token(from, name_at + len, Token::Tag);
        self.tag_rest(lx)
    }

    /// Attributes and values up to the tag's `>`; [`Open::Tag`] if the line ends first.
    fn tag_rest(&self, lx: &mut Lexer) -> Open {
        while lx.i < lx.b.len() {
            let c = lx.b[lx.i];
            if c == b'>' || (c == b'/' && lx.b.get(lx.i + 1) == Some(&b'>')) {
                let end = lx.i + if c == b'>' { 1 } else { 2 };
                lx.token(lx.i, end, Token::Tag);
                return Open::Nothing;
            }
            if c == b'"' || c == b'\'' {
                let from = lx.i;
                lx.flush_plain(from);
                lx.i += 1;
                if lx.string_from(from, c, false).is_none() {
                    return Open::Tag;
                }
            } else if is_word(c) {
                let end = lx.i
                    + lx.b[lx.i..]
                        .iter()
                        .take_while(|&&b| is_word(b) || b"-:.".contains(&b))
                        .count();
                lx.token(lx.i, end, Token::Key);
            } else {
                lx.i += 1;
            }
        }
        Open::Tag
    }
}

/// Highlights a whole block: its lines' pieces, with byte ranges into `code` (line endings
/// are plain text of their own). `None` if the language is not one we highlight.
pub fn highlight(lang: &str, code: &str) -> Option<Vec<Piece>> {
    let mut h = Highlighter::new(lang)?;
    let mut out = Vec::new();
    let mut at = 0;
    for line in code.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.extend(
            h.line(body)
                .into_iter()
                .map(|(r, t)| (r.start + at..r.end + at, t)),
        );
        if body.len() < line.len() {
            out.push((at + body.len()..at + line.len(), None));
        }
        at += line.len();
    }
    Some(out)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The length of the UTF-8 sequence that starts with `b` (1 for a stray continuation byte).
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// One line being cut into pieces.
struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Where the plain text not yet emitted starts.
    plain: usize,
    out: Vec<Piece>,
}

impl Lexer<'_> {
    fn flush_plain(&mut self, to: usize) {
        if to > self.plain {
            self.out.push((self.plain..to, None));
        }
        self.plain = self.plain.max(to);
    }

    fn token(&mut self, from: usize, to: usize, tok: Token) {
        self.flush_plain(from);
        if to > from {
            self.out.push((from..to, Some(tok)));
        }
        self.i = to;
        self.plain = to;
    }

    /// A `tok` from `self.i` through the first `end` at or after `search` (returned); to the
    /// end of the line (and `None`) if `end` is not on it.
    fn until(&mut self, search: usize, end: &str, tok: Token) -> Option<usize> {
        let search = search.min(self.b.len());
        let found = self.s[search..].find(end).map(|k| search + k + end.len());
        self.token(self.i, found.unwrap_or(self.b.len()), tok);
        found
    }

    /// A string whose opening quote (or the line start, for a continued string) is at
    /// `from` and whose body starts at `self.i`: through its closing quote (returned), or to
    /// the end of the line (`None`). A backslash escapes the next character.
    fn string_from(&mut self, from: usize, quote: u8, triple: bool) -> Option<usize> {
        let mut j = self.i;
        let close = |j: usize| {
            if triple {
                self.b[j..].starts_with(&[quote, quote, quote])
            } else {
                self.b[j] == quote
            }
        };
        let mut end = None;
        while j < self.b.len() {
            if self.b[j] == b'\\' {
                j += 2;
                continue;
            }
            if close(j) {
                end = Some(j + if triple { 3 } else { 1 });
                break;
            }
            j += 1;
        }
        let stop = end.unwrap_or(self.b.len()).min(self.b.len());
        self.token(from, stop, Token::String);
        end
    }

    fn next_non_space(&self, from: usize) -> Option<u8> {
        self.b
            .get(from..)?
            .iter()
            .copied()
            .find(|b| !b.is_ascii_whitespace())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(text, class)` of each token piece of one block.
    fn toks(lang: &str, code: &str) -> Vec<(String, &'static str)> {
        highlight(lang, code)
            .expect("a known language")
            .into_iter()
            .filter_map(|(r, t)| t.map(|t| (code[r].to_string(), t.class())))
            .collect()
    }

    fn pair(s: &str, c: &'static str) -> (String, &'static str) {
        (s.to_string(), c)
    }

    #[test]
    fn pieces_cover_the_code_in_order() {
        let code = "fn main() {\n    let s = \"hé\\\"llo\"; // done\n}\n/* a\nb */ x";
        let pieces = highlight("rust", code).unwrap();
        let mut at = 0;
        for (r, _) in &pieces {
            assert_eq!(r.start, at, "{pieces:?}");
            at = r.end;
        }
        assert_eq!(at, code.len());
    }

    #[test]
    fn rust_keywords_strings_comments_numbers() {
        assert_eq!(
            toks("rust", "let x = \"a // b\"; // c\nif 10 > y {}"),
            [
                pair("let", "tok-kw"),
                pair("\"a // b\"", "tok-str"),
                pair("// c", "tok-com"),
                pair("if", "tok-kw"),
                pair("10", "tok-num"),
            ]
        );
    }

    #[test]
    fn block_comments_and_triple_strings_span_lines() {
        assert_eq!(
            toks("js", "a /* one\ntwo */ return"),
            [
                pair("/* one", "tok-com"),
                pair("two */", "tok-com"),
                pair("return", "tok-kw")
            ]
        );
        assert_eq!(
            toks("python", "s = \"\"\"one\ntwo\"\"\" # c\ndef f(): pass"),
            [
                pair("\"\"\"one", "tok-str"),
                pair("two\"\"\"", "tok-str"),
                pair("# c", "tok-com"),
                pair("def", "tok-kw"),
                pair("pass", "tok-kw"),
            ]
        );
    }

    #[test]
    fn json_yaml_css_keys() {
        assert_eq!(
            toks("json", "{\"a\": \"b\", \"n\": 1, \"t\": true}"),
            [
                pair("\"a\"", "tok-key"),
                pair("\"b\"", "tok-str"),
                pair("\"n\"", "tok-key"),
                pair("1", "tok-num"),
                pair("\"t\"", "tok-key"),
                pair("true", "tok-num"),
            ]
        );
        assert_eq!(
            toks("yaml", "name: web # the app\nreplicas: 3"),
            [
                pair("name", "tok-key"),
                pair("# the app", "tok-com"),
                pair("replicas", "tok-key"),
                pair("3", "tok-num"),
            ]
        );
        assert_eq!(
            toks("css", ".a { color: red; } /* x */"),
            [pair("color", "tok-key"), pair("/* x */", "tok-com")]
        );
    }

    #[test]
    fn shell_sql_diff() {
        assert_eq!(
            toks("bash", "export A=\"x\" # note\necho a#b"),
            [
                pair("export", "tok-kw"),
                pair("\"x\"", "tok-str"),
                pair("# note", "tok-com"),
                pair("echo", "tok-kw"),
            ]
        );
        assert_eq!(
            toks("sql", "SELECT id FROM t -- all\nwhere name = 'x'"),
            [
                pair("SELECT", "tok-kw"),
                pair("FROM", "tok-kw"),
                pair("-- all", "tok-com"),
                pair("where", "tok-kw"),
                pair("'x'", "tok-str"),
            ]
        );
        assert_eq!(
            toks("diff", "@@ -1 +1 @@\n-old\n+new\n same"),
            [
                pair("@@ -1 +1 @@", "tok-kw"),
                pair("-old", "tok-del"),
                pair("+new", "tok-add")
            ]
        );
    }

    #[test]
    fn markup_tags_attributes_comments() {
        assert_eq!(
            toks("html", "<a href=\"/x\" hidden>t</a> <!-- c\nd -->"),
            [
                pair("<a", "tok-tag"),
                pair("href", "tok-key"),
                pair("\"/x\"", "tok-str"),
                pair("hidden", "tok-key"),
                pair(">", "tok-tag"),
                pair("</a", "tok-tag"),
                pair(">", "tok-tag"),
                pair("<!-- c", "tok-com"),
                pair("d -->", "tok-com"),
            ]
        );
    }

    #[test]
    fn unknown_languages_are_plain() {
        assert!(highlight("brainfuck", "+++").is_none());
        assert!(highlight("", "x").is_none());
    }

    proptest::proptest! {
        /// Any code in any language: no panic, pieces cover it in order on char boundaries,
        /// and highlighting line by line gives the same pieces as the whole block.
        #[test]
        fn any_code_is_covered(code in "[a-z0-9 \"'`#/*<>=:{}\\\\\n-]{0,60}|\\PC{0,30}", lang in proptest::sample::select(vec![
            "rust", "js", "python", "bash", "sql", "json", "yaml", "css", "html", "diff", "go", "java",
        ])) {
            let pieces = highlight(lang, &code).unwrap();
            let mut at = 0;
            for (r, _) in &pieces {
                proptest::prop_assert_eq!(r.start, at);
                proptest::prop_assert!(code.is_char_boundary(r.end));
                at = r.end;
            }
            proptest::prop_assert_eq!(at, code.len());
        }
    }
}
