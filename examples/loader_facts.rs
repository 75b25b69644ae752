//! Prints, as one JSON object, what the loader (`src/loader/sherpa.js`) needs before the
//! widget's module runs, taken from the widget's own sources so the two cannot drift apart:
//! the launcher's label and the "not available" note in every built-in language, the
//! right-to-left subtags, the launcher's icon, and its CSS rules (cut from `style/sherpa.css` by
//! `build.rs`). `scripts/build-loader.mjs` runs it:
//!
//! ```text
//! cargo run --quiet --example loader_facts
//! ```

use serde_json::{json, Map, Value};
use sherpa::i18n::{self, Text};

const LAUNCHER_CSS: &str = include_str!(concat!(env!("OUT_DIR"), "/launcher.css"));

/// `{ "en": "…", "fr": "…", … }`: one text in every built-in language.
fn by_language(text: Text) -> Value {
    let texts: Map<String, Value> = i18n::languages()
        .map(|lang| (lang.into(), i18n::for_lang(lang).get(text).into()))
        .collect();
    Value::Object(texts)
}

fn main() {
    let (rtl_langs, rtl_scripts) = i18n::rtl_subtags();
    let facts = json!({
        "open": by_language(Text::OpenChat),
        "unavailable": by_language(Text::ErrorUnavailable),
        "rtlLangs": rtl_langs,
        "rtlScripts": rtl_scripts,
        "launcherCss": LAUNCHER_CSS,
        "icon": sherpa::icons::LAUNCHER,
    });
    println!("{facts}");
}
