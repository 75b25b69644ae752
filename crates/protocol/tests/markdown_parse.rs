//! parse(): one test per construct, citations, plain_text, nesting limits, and an XSS corpus.

use proptest::prelude::*;
use sherpa_protocol::citations::{MARK_CLOSE, MARK_OPEN};
use sherpa_protocol::markdown::{parse, plain_text, safe_href, Align, Node, MAX_DEPTH};

fn t(s: &str) -> Node {
    Node::Text(s.into())
}

fn p(children: Vec<Node>) -> Node {
    Node::Paragraph(children)
}

fn m(n: u32) -> String {
    format!("{MARK_OPEN}{n}{MARK_CLOSE}")
}

/// Every node of the tree, depth first.
fn walk<'a>(nodes: &'a [Node], out: &mut Vec<&'a Node>) {
    for n in nodes {
        out.push(n);
        match n {
            Node::Table { head, rows, .. } => {
                for cell in head.iter().chain(rows.iter().flatten()) {
                    walk(cell, out);
                }
            }
            _ => walk(n.children().unwrap_or_default(), out),
        }
    }
}

fn all_nodes(nodes: &[Node]) -> Vec<&Node> {
    let mut v = Vec::new();
    walk(nodes, &mut v);
    v
}

fn depth(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Paragraph(c)
            | Node::BlockQuote(c)
            | Node::Item(c)
            | Node::Emphasis(c)
            | Node::Strong(c)
            | Node::Strikethrough(c)
            | Node::Heading { children: c, .. }
            | Node::Link { children: c, .. }
            | Node::List { items: c, .. } => 1 + depth(c),
            Node::Table { head, rows, .. } => {
                2 + head
                    .iter()
                    .chain(rows.iter().flatten())
                    .map(|c| depth(c))
                    .max()
                    .unwrap_or(0)
            }
            _ => 1,
        })
        .max()
        .unwrap_or(0)
}

fn hrefs(nodes: &[Node]) -> Vec<Option<String>> {
    all_nodes(nodes)
        .into_iter()
        .filter_map(|n| match n {
            Node::Link { href, .. } | Node::Image { href, .. } => Some(href.clone()),
            _ => None,
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// Constructs
// ------------------------------------------------------------------------------------------

#[test]
fn paragraph_with_inline_styles() {
    assert_eq!(
        parse("a *b* **c** ~~d~~ `e`"),
        vec![p(vec![
            t("a "),
            Node::Emphasis(vec![t("b")]),
            t(" "),
            Node::Strong(vec![t("c")]),
            t(" "),
            Node::Strikethrough(vec![t("d")]),
            t(" "),
            Node::Code("e".into()),
        ])]
    );
}

#[test]
fn headings_all_levels() {
    for level in 1..=6u8 {
        let src = format!("{} Title", "#".repeat(level as usize));
        assert_eq!(
            parse(&src),
            vec![Node::Heading {
                level,
                children: vec![t("Title")]
            }]
        );
    }
    assert_eq!(
        parse("Title\n==="),
        vec![Node::Heading {
            level: 1,
            children: vec![t("Title")]
        }]
    );
}

#[test]
fn block_quote() {
    assert_eq!(
        parse("> quoted\n> more"),
        vec![Node::BlockQuote(vec![p(vec![
            t("quoted"),
            Node::SoftBreak,
            t("more")
        ])])]
    );
}

#[test]
fn lists_tight_loose_ordered_nested() {
    assert_eq!(
        parse("- a\n- b"),
        vec![Node::List {
            start: None,
            items: vec![Node::Item(vec![t("a")]), Node::Item(vec![t("b")])]
        }]
    );
    assert_eq!(
        parse("3. a\n\n4. b"),
        vec![Node::List {
            start: Some(3),
            items: vec![
                Node::Item(vec![p(vec![t("a")])]),
                Node::Item(vec![p(vec![t("b")])])
            ]
        }]
    );
    assert_eq!(
        parse("- a\n  - b"),
        vec![Node::List {
            start: None,
            items: vec![Node::Item(vec![
                t("a"),
                Node::List {
                    start: None,
                    items: vec![Node::Item(vec![t("b")])]
                }
            ])]
        }]
    );
}

#[test]
fn task_list_markers() {
    assert_eq!(
        parse("- [x] done\n- [ ] todo"),
        vec![Node::List {
            start: None,
            items: vec![
                Node::Item(vec![Node::TaskMarker(true), t("done")]),
                Node::Item(vec![Node::TaskMarker(false), t("todo")])
            ]
        }]
    );
}

#[test]
fn code_blocks() {
    assert_eq!(
        parse("```rust\nfn main() {}\n\n// end\n```"),
        vec![Node::CodeBlock {
            lang: Some("rust".into()),
            code: "fn main() {}\n\n// end\n".into()
        }]
    );
    assert_eq!(
        parse("~~~\nplain\n~~~"),
        vec![Node::CodeBlock {
            lang: None,
            code: "plain\n".into()
        }]
    );
    assert_eq!(
        parse("    indented\n    code"),
        vec![Node::CodeBlock {
            lang: None,
            code: "indented\ncode".into()
        }]
    );
    // Only a plain name is a language.
    assert_eq!(
        parse("```c++ extra words\nx\n```"),
        vec![Node::CodeBlock {
            lang: Some("c++".into()),
            code: "x\n".into()
        }]
    );
    assert_eq!(
        parse("```js\"onload=x\nx\n```"),
        vec![Node::CodeBlock {
            lang: None,
            code: "x\n".into()
        }]
    );
    // HTML in code is code.
    assert_eq!(
        parse("```html\n<script>alert(1)</script>\n```"),
        vec![Node::CodeBlock {
            lang: Some("html".into()),
            code: "<script>alert(1)</script>\n".into()
        }]
    );
}

#[test]
fn tables() {
    assert_eq!(
        parse("| a | b | c | d |\n|---|:--|:-:|--:|\n| 1 | *2* | 3 | 4 |"),
        vec![Node::Table {
            alignments: vec![Align::None, Align::Left, Align::Center, Align::Right],
            head: vec![vec![t("a")], vec![t("b")], vec![t("c")], vec![t("d")]],
            rows: vec![vec![
                vec![t("1")],
                vec![Node::Emphasis(vec![t("2")])],
                vec![t("3")],
                vec![t("4")]
            ]]
        }]
    );
}

#[test]
fn thematic_break_and_breaks() {
    assert_eq!(
        parse("a\n\n---\n\nb  \nc\\\nd\ne"),
        vec![
            p(vec![t("a")]),
            Node::ThematicBreak,
            p(vec![
                t("b"),
                Node::HardBreak,
                t("c"),
                Node::HardBreak,
                t("d"),
                Node::SoftBreak,
                t("e")
            ])
        ]
    );
}

#[test]
fn links_keep_safe_href_and_title() {
    assert_eq!(
        parse("[docs](https://example.com/a?b=1 \"The docs\")"),
        vec![p(vec![Node::Link {
            href: Some("https://example.com/a?b=1".into()),
            title: "The docs".into(),
            children: vec![t("docs")]
        }])]
    );
    assert_eq!(
        parse("[mail](mailto:help@example.com)"),
        vec![p(vec![Node::Link {
            href: Some("mailto:help@example.com".into()),
            title: String::new(),
            children: vec![t("mail")]
        }])]
    );
    // Relative: text kept, no href.
    assert_eq!(
        parse("[page](/help)"),
        vec![p(vec![Node::Link {
            href: None,
            title: String::new(),
            children: vec![t("page")]
        }])]
    );
}

#[test]
fn autolinks() {
    assert_eq!(
        parse("<https://example.com>"),
        vec![p(vec![Node::Link {
            href: Some("https://example.com".into()),
            title: String::new(),
            children: vec![t("https://example.com")]
        }])]
    );
    assert_eq!(
        parse("<help@example.com>"),
        vec![p(vec![Node::Link {
            href: Some("mailto:help@example.com".into()),
            title: String::new(),
            children: vec![t("help@example.com")]
        }])]
    );
}

#[test]
fn bare_urls_become_links() {
    let link = |u: &str| Node::Link {
        href: Some(u.into()),
        title: String::new(),
        children: vec![t(u)],
    };
    assert_eq!(
        parse("See https://example.com/a_(b). Or (http://x.org/y), ok?"),
        vec![p(vec![
            t("See "),
            link("https://example.com/a_(b)"),
            t(". Or ("),
            link("http://x.org/y"),
            t("), ok?")
        ])]
    );
    // Not inside links or code, and not without a host.
    assert_eq!(
        parse("[https://a.example](https://b.example) `https://c.example` https:// x"),
        vec![p(vec![
            link_to("https://b.example", vec![t("https://a.example")]),
            t(" "),
            Node::Code("https://c.example".into()),
            t(" https:// x")
        ])]
    );
    // Glued to a word: not a link.
    assert_eq!(
        parse("xhttps://a.example"),
        vec![p(vec![t("xhttps://a.example")])]
    );
}

fn link_to(href: &str, children: Vec<Node>) -> Node {
    Node::Link {
        href: Some(href.into()),
        title: String::new(),
        children,
    }
}

#[test]
fn images_are_links_with_alt_text() {
    assert_eq!(
        parse("![A *diagram*](https://example.com/d.png \"Fig\")"),
        vec![p(vec![Node::Image {
            href: Some("https://example.com/d.png".into()),
            title: "Fig".into(),
            alt: "A diagram".into()
        }])]
    );
    assert_eq!(
        parse("![pixel](img/p.gif)"),
        vec![p(vec![Node::Image {
            href: None,
            title: String::new(),
            alt: "pixel".into()
        }])]
    );
}

#[test]
fn www_and_email_autolinks() {
    let link = |href: &str, text: &str| link_to(href, vec![t(text)]);
    assert_eq!(
        parse("Go to www.example.com/help. Mail help@example.com, or (www.x.example)."),
        vec![p(vec![
            t("Go to "),
            link("http://www.example.com/help", "www.example.com/help"),
            t(". Mail "),
            link("mailto:help@example.com", "help@example.com"),
            t(", or ("),
            link("http://www.x.example", "www.x.example"),
            t(").")
        ])]
    );
    // Not glued to a word, not without a dot in the domain, not inside code or links.
    assert_eq!(
        parse("xwww.a.example a@b `www.c.example` [d@e.example](https://f.example)"),
        vec![p(vec![
            t("xwww.a.example a@b "),
            Node::Code("www.c.example".into()),
            t(" "),
            link("https://f.example", "d@e.example"),
        ])]
    );
}

#[test]
fn inline_raw_html_is_one_literal_span() {
    // No emphasis from a `*` inside a tag's attribute (CommonMark 0.31.2, example 634-like).
    assert_eq!(
        parse("*<img title=\"*\"/>"),
        vec![p(vec![t("*<img title=\"*\"/>")])]
    );
    // Markdown between tags is still markdown.
    assert_eq!(
        parse("<span a='_x_'>*b*</span>"),
        vec![p(vec![
            t("<span a='_x_'>"),
            Node::Emphasis(vec![t("b")]),
            t("</span>")
        ])]
    );
    // Comments, processing instructions, declarations, CDATA: literal as a whole.
    for html in [
        "<!-- *a* -->",
        "<? *a* ?>",
        "<!DOCTYPE *a*>",
        "<![CDATA[ *a* ]]>",
        "<!-->",
    ] {
        // After text, so that it is inline (at a line's start some would open an HTML block).
        let src = format!("x {html}");
        assert_eq!(parse(&src), vec![p(vec![t(&src)])], "{html}");
    }
    // Not a tag: markdown applies.
    assert_eq!(
        parse("< *a* > <1 *b*>"),
        vec![p(vec![
            t("< "),
            Node::Emphasis(vec![t("a")]),
            t(" > <1 "),
            Node::Emphasis(vec![t("b")]),
            t(">")
        ])]
    );
    // Many unclosed openers stay linear (each search for a terminator is done once).
    let many = "<a b=\" <!-- <? ".repeat(20_000);
    assert!(!parse(&many).is_empty());
}

#[test]
fn raw_html_is_text() {
    assert_eq!(
        parse("Use <b>bold</b> here"),
        vec![p(vec![t("Use <b>bold</b> here")])]
    );
    assert_eq!(
        parse("<div class=\"x\">\n<p>inside</p>\n</div>"),
        vec![p(vec![
            t("<div class=\"x\">"),
            Node::SoftBreak,
            t("<p>inside</p>"),
            Node::SoftBreak,
            t("</div>")
        ])]
    );
}

#[test]
fn citations_in_text_code_and_links() {
    let src = format!("Refunds take 5 days {}{}.", m(1), m(12));
    assert_eq!(
        parse(&src),
        vec![p(vec![
            t("Refunds take 5 days "),
            Node::Citation(1),
            Node::Citation(12),
            t(".")
        ])]
    );
    // In code, as [n].
    assert_eq!(
        parse(&format!("`x{}`", m(3))),
        vec![p(vec![Node::Code("x[3]".into())])]
    );
    assert_eq!(
        parse(&format!("```\nx {}\n```", m(4))),
        vec![Node::CodeBlock {
            lang: None,
            code: "x [4]\n".into()
        }]
    );
    // In emphasis and link text.
    assert_eq!(
        parse(&format!("*a {}* [b {}](https://x.example)", m(1), m(2))),
        vec![p(vec![
            Node::Emphasis(vec![t("a "), Node::Citation(1)]),
            t(" "),
            link_to("https://x.example", vec![t("b "), Node::Citation(2)])
        ])]
    );
    // In a heading and a table cell.
    assert_eq!(
        parse(&format!("# H {}", m(7))),
        vec![Node::Heading {
            level: 1,
            children: vec![t("H "), Node::Citation(7)]
        }]
    );
    // Stray or malformed markers never show.
    let stray = format!("a{MARK_OPEN}b{MARK_CLOSE}c{MARK_OPEN}99 d{MARK_OPEN}{MARK_CLOSE}");
    assert_eq!(parse(&stray), vec![p(vec![t("abc99 d")])]);
    let code = format!("`{MARK_OPEN}x{MARK_CLOSE}`");
    assert_eq!(parse(&code), vec![p(vec![Node::Code("x".into())])]);
}

#[test]
fn citation_markers_never_reach_any_string() {
    let src = format!(
        "# t{a}\n\n- i{a}\n\n| h{a} |\n|---|\n| c{a} |\n\n![alt{a}](https://x.example/{a} \"t{a}\")\n\n<b{a}>",
        a = m(1)
    );
    let nodes = parse(&src);
    let dbg = format!("{nodes:?}");
    assert!(
        !dbg.contains(MARK_OPEN) && !dbg.contains(MARK_CLOSE),
        "{dbg}"
    );
    assert!(dbg.contains("Citation(1)"));
}

#[test]
fn plain_text_for_clipboard_and_screen_readers() {
    let src = format!(
        "# Reset\n\nOpen **Settings** {} and choose *Reset*.\nThen wait {}.\n\n\
         1. One\n2. Two\n   - nested\n\n- [x] done\n\n> quote\n\n```\ncode\n  block\n```\n\n\
         | a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n![img](https://x.example/i.png) [link](https://x.example) `c`",
        m(1),
        m(2)
    );
    assert_eq!(
        plain_text(&parse(&src)),
        "Reset\n\n\
         Open Settings and choose Reset. Then wait.\n\n\
         1. One\n2. Two\n  - nested\n\n\
         - [x] done\n\n\
         quote\n\n\
         code\n  block\n\n\
         a\tb\n1\t2\n\n\
         img link c"
    );
    // A citation glued to the next word keeps a space.
    assert_eq!(plain_text(&parse(&format!("a {}b", m(1)))), "a b");
    assert_eq!(plain_text(&[]), "");
}

#[test]
fn deep_nesting_is_flattened_not_overflowed() {
    let cases = [
        format!("{}x", ">".repeat(20_000)),
        format!("{}x{}", "*".repeat(20_000), "*".repeat(20_000)),
        format!("{}x{}", "[".repeat(20_000), "]".repeat(20_000)),
        "- ".repeat(10_000) + "x",
        (0..3000)
            .map(|i| format!("{}- x\n", "  ".repeat(i)))
            .collect::<String>(),
        format!("{}x{}", "**_~".repeat(5_000), "~_**".repeat(5_000)),
        format!("{}| a |\n|---|\n| b |", "> ".repeat(30)),
        format!("{}1. x", "> - ".repeat(30)),
    ];
    for src in &cases {
        let nodes = parse(src);
        assert!(
            depth(&nodes) <= MAX_DEPTH + 1,
            "depth {} for {:?}…",
            depth(&nodes),
            &src[..20]
        );
        let text = plain_text(&nodes);
        assert!(text.contains('x') || text.contains('a'), "content kept");
    }
}

#[test]
fn unbalanced_and_empty_inputs() {
    assert_eq!(parse(""), vec![]);
    assert_eq!(parse("\n\n  \n"), vec![]);
    assert_eq!(parse("*a"), vec![p(vec![t("*a")])]);
    assert_eq!(
        parse("```\nnever closed"),
        vec![Node::CodeBlock {
            lang: None,
            code: "never closed".into()
        }]
    );
}

// ------------------------------------------------------------------------------------------
// safe_href
// ------------------------------------------------------------------------------------------

#[test]
fn safe_href_allows_only_absolute_http_https_mailto() {
    for ok in [
        "https://example.com",
        "http://example.com/a?b#c",
        "HTTPS://EXAMPLE.COM",
        "mailto:a@b.example",
        "MailTo:a@b.example",
        "  https://example.com  ",
        "https://例え.jp/パス",
    ] {
        let got = safe_href(ok);
        assert!(got.is_some(), "{ok:?} should be allowed");
    }
    assert_eq!(
        safe_href("\u{1}\thttps://exa\nmple.com\t").as_deref(),
        Some("https://example.com")
    );
    for bad in [
        "",
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\u{0}javascript:alert(1)",
        "\u{1b}javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "//evil.example/x",
        "\\\\evil.example/x",
        "/relative",
        "relative.html",
        "?q=1",
        "#frag",
        "jav%61script:alert(1)",
        "http:evil.example",
        "http:/evil.example",
        "https:///evil.example",
        "https://",
        "https:// evil",
        "mailto:",
        "ftp://example.com",
        "https\u{200b}://example.com",
        "ｈttps://example.com",
        "https://ex\u{7f}ample.com",
        "https://example.com/\u{85}",
    ] {
        assert_eq!(safe_href(bad), None, "{bad:?} must be refused");
    }
}

// ------------------------------------------------------------------------------------------
// XSS corpus
// ------------------------------------------------------------------------------------------

const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"x\" onerror=\"alert(1)\">",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](jav&#9;ascript:alert(1))",
    "[x](java&NewLine;script:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](javascript&#x3A;alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](\\javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](<java script:alert(1)>)",
    "[x](%6Aavascript:alert(1))",
    "[x](&#0;javascript:alert(1))",
    "[x](\u{1}javascript:alert(1))",
    "[x](\u{0}javascript:alert(1))",
    "[x](java\u{E000}1\u{E001}script:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=javascript:alert(1)>x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "![x](javascript:alert(1))",
    "![x](JAVASCRIPT:alert(1) \"t\")",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\">",
    "<object data=\"javascript:alert(1)\">",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=javascript:alert(1)><input type=submit>",
    "<style>*{display:none}</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<!-- --><script>alert(1)</script>",
    "<x onclick=alert(1)>click</x>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,x>",
    "[x][1]\n\n[1]: javascript:alert(1)",
    "[x][1]\n[1]: javascript:alert(1)",
    "[x]\n\n[x]: javascript:alert(1)",
    "[x][]\n\n[x]: <javascript:alert(1)> \"t\"",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/x)",
    "[x](\\\\evil.example/x)",
    "[x](/relative/path)",
    "[x](relative.html)",
    "[x](https:javascript:alert(1))",
    "[x](http:/evil.example)",
    "[[x](javascript:alert(1))](https://ok.example)",
    "[x](https://ok.example \"title\\\" onmouseover=alert(1)\")",
    "[<img src=x onerror=alert(1)>](https://ok.example)",
    "[x](https://ok.example)<script>alert(1)</script>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>",
    "- <img src=x onerror=alert(1)>",
    "| <script>alert(1)</script> | x |\n|---|---|\n| <img src=x onerror=alert(1)> | y |",
    "https://ok.example/\"onmouseover=\"alert(1)",
    "javascript:alert(1)",
    "[x](mailto:javascript:alert(1))",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "[x](javas\u{0}cript:alert(1))",
    "[x](\u{FEFF}javascript:alert(1))",
];

fn assert_safe(src: &str) {
    let nodes = parse(src);
    for href in hrefs(&nodes).into_iter().flatten() {
        let lower = href.to_ascii_lowercase();
        assert!(
            lower.starts_with("http://")
                || lower.starts_with("https://")
                || lower.starts_with("http:\\\\")
                || lower.starts_with("https:\\\\")
                || lower.starts_with("mailto:"),
            "unsafe href {href:?} from {src:?}"
        );
        assert!(
            !href.chars().any(|c| c.is_control() || c == MARK_OPEN),
            "{href:?}"
        );
        assert_eq!(safe_href(&href).as_deref(), Some(href.as_str()));
    }
    // Tags only ever appear as text the user can read.
    for node in all_nodes(&nodes) {
        if let Node::Text(s) | Node::Code(s) | Node::CodeBlock { code: s, .. } = node {
            let _ = s; // text, rendered escaped
        }
    }
    let dbg = format!("{nodes:?}");
    assert!(!dbg.contains(MARK_OPEN));
}

#[test]
fn xss_corpus_never_yields_an_unsafe_href() {
    assert!(XSS.len() >= 40);
    for src in XSS {
        assert_safe(src);
        // Also inside other constructs.
        assert_safe(&format!("> - *{src}*"));
        assert_safe(&format!("| a |\n|---|\n| {src} |"));
    }
}

#[test]
fn xss_raw_html_is_visible_text() {
    for src in XSS.iter().filter(|s| {
        s.starts_with('<')
            && !s.starts_with("<javascript")
            && !s.starts_with("<JAVASCRIPT")
            && !s.starts_with("<vbscript")
            && !s.starts_with("<data")
    }) {
        let text = plain_text(&parse(src));
        let tag: String = src.chars().take_while(|&c| c != ' ' && c != '>').collect();
        assert!(text.contains(&tag), "{src:?} shows as text, got {text:?}");
    }
}

#[test]
fn xss_javascript_links_keep_their_text_without_href() {
    for src in [
        "[x](javascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](jav&#x09;ascript:alert(1))",
        "[1]: javascript:alert(1)\n\n[x][1]",
    ] {
        assert_eq!(
            parse(src),
            vec![p(vec![Node::Link {
                href: None,
                title: String::new(),
                children: vec![t("x")]
            }])],
            "{src:?}"
        );
    }
    assert_eq!(
        parse("<javascript:alert(1)>"),
        vec![p(vec![Node::Link {
            href: None,
            title: String::new(),
            children: vec![t("javascript:alert(1)")]
        }])]
    );
    assert_eq!(
        parse("![x](javascript:alert(1))"),
        vec![p(vec![Node::Image {
            href: None,
            title: String::new(),
            alt: "x".into()
        }])]
    );
}

proptest! {
    #[test]
    fn arbitrary_strings_parse_safely(src in any::<String>()) {
        let nodes = parse(&src);
        for href in hrefs(&nodes).into_iter().flatten() {
            prop_assert_eq!(safe_href(&href), Some(href.clone()));
        }
        let _ = plain_text(&nodes);
    }

    #[test]
    fn link_soup_parses_safely(parts in prop::collection::vec(prop::sample::select(vec![
        "[", "]", "(", ")", "<", ">", "!", "javascript:", "JaVa", "script:", "&#106;", "&#x09;",
        "\\", "\"", "'", " ", "\t", "\n", "https://", "//", "data:", "mailto:", "x", "*", "`",
        "&colon;", "\u{E000}1\u{E001}", "\u{0}", ":",
    ]), 0..40)) {
        let src: String = parts.concat();
        let nodes = parse(&src);
        for href in hrefs(&nodes).into_iter().flatten() {
            let lower = href.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http") || lower.starts_with("mailto:"), "{}", href);
            prop_assert_eq!(safe_href(&href), Some(href.clone()));
        }
    }
}
