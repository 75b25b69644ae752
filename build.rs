//! Puts a minified copy of `style/sherpa.css` in `OUT_DIR` for `src/mount.rs` to embed:
//! comments and layout whitespace cost the wasm ~4 KB and the shadow root's stylesheet nothing.
//! Beside it, `launcher.css`: the rules the loader's placeholder launcher needs, which
//! `examples/loader_facts.rs` hands to `scripts/build-loader.mjs` (so the loader's launcher
//! and the widget's are drawn by the same rules).

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=style/sherpa.css");
    let css = fs::read_to_string("style/sherpa.css").expect("style/sherpa.css");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("sherpa.css");
    let css = minify(&css);
    let launcher = launcher_rules(&css);
    assert!(
        launcher.contains(".launcher{"),
        "style/sherpa.css has no .launcher rule for the loader's launcher"
    );
    fs::write(&out, &css).expect("write the minified CSS");
    fs::write(out.with_file_name("launcher.css"), launcher).expect("write the launcher's CSS");
}

/// The rules of minified CSS that draw the launcher before the widget runs: those with a
/// selector about the host, the launcher button or the wrapper itself, and the stylesheet's
/// global resets; at-rules (`@media`) keep what they hold of these.
fn launcher_rules(css: &str) -> String {
    let mut out = String::new();
    for (prelude, body) in blocks(css) {
        if prelude.starts_with('@') {
            let inner = launcher_rules(body);
            if !inner.is_empty() {
                out.push_str(&format!("{prelude}{{{inner}}}"));
            }
        } else if prelude.split(',').any(|s| is_launcher_selector(s.trim())) {
            out.push_str(&format!("{prelude}{{{body}}}"));
        }
    }
    out
}

fn is_launcher_selector(sel: &str) -> bool {
    let wrapper = sel.strip_prefix(".sherpa").is_some_and(|rest| {
        // `.sherpa` with attribute selectors only: `.sherpa[data-mode="launcher"]`.
        rest.is_empty() || (rest.starts_with('[') && rest.ends_with(']') && !rest.contains(' '))
    });
    let launcher = sel.match_indices(".launcher").any(|(i, m)| {
        let next = sel[i + m.len()..].chars().next();
        // A word boundary, as in `.launcher-error` (a part of the launcher) but not `.launchers`.
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    sel.contains(":host")
        || launcher
        || wrapper
        || matches!(sel, "*" | "[hidden]" | ":focus-visible")
}

/// The top-level `prelude{body}` blocks of minified CSS (no comments left).
fn blocks(css: &str) -> Vec<(&str, &str)> {
    let mut list = Vec::new();
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => continue,
            }
            if depth == 0 {
                end = open + i;
                break;
            }
        }
        list.push((rest[..open].trim(), &rest[open + 1..end]));
        rest = rest.get(end + 1..).unwrap_or("");
    }
    list
}

/// Drops comments, and whitespace that does not separate anything: runs of whitespace become
/// one space, and none is kept after `{ } ; , :` or before `{ } ;`. (The stylesheet has no
/// strings or URLs in which that would matter.)
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        text.push(' ');
        rest = rest[start + 2..]
            .split_once("*/")
            .map_or("", |(_, after)| after);
    }
    text.push_str(rest);

    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let after_separator = out.ends_with(['{', '}', ';', ',', ':']);
        let before_separator = word.starts_with(['{', '}', ';']);
        if !out.is_empty() && !after_separator && !before_separator {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
