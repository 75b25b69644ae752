//! Puts a minified copy of `style/sherpa.css` in `OUT_DIR` for `src/mount.rs` to embed:
//! comments and layout whitespace cost the wasm ~4 KB and the shadow root's stylesheet nothing.
//! (The loader's launcher rules are cut from `style/sherpa.css` itself by
//! `scripts/build-loader.mjs`.)

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=style/sherpa.css");
    let css = fs::read_to_string("style/sherpa.css").expect("style/sherpa.css");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("sherpa.css");
    fs::write(out, minify(&css)).expect("write the minified CSS");
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
