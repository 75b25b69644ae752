//! The embedding contract as a promise (README "Stability"): every attribute the widget reads
//! and every UI text it has is in the README's tables, and the tables name nothing the widget
//! does not read. Text-based: reads README.md, src/config.rs and src/loader/sherpa.js.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The README section that starts with `## {title}`, up to the next `## `.
fn section<'a>(readme: &'a str, title: &str) -> &'a str {
    let start = readme
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("README has no section {title}"));
    let rest = &readme[start + 4..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// Every `"name"` that is the first argument of one of `calls` (e.g. `get(`) in `src`, on
/// the same line or the next (as rustfmt may break a call).
fn called_with(src: &str, calls: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for call in calls {
        for (i, _) in src.match_indices(call) {
            let rest = src[i + call.len()..].trim_start();
            if let Some(arg) = rest.strip_prefix('"') {
                if let Some(end) = arg.find('"') {
                    out.insert(arg[..end].to_string());
                }
            }
        }
    }
    out
}

/// The backticked `data-…` names in the first column of the README's attribute table.
fn readme_attributes(readme: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in section(readme, "Attributes").lines() {
        let Some(first) = line.strip_prefix("| ").and_then(|l| l.split(" |").next()) else {
            continue;
        };
        for name in first.split(',') {
            if let Some(n) = name.trim().trim_matches('`').strip_prefix("data-") {
                out.insert(n.to_string());
            }
        }
    }
    out
}

#[test]
fn every_attribute_config_reads_is_documented_and_back() {
    let readme = read("README.md");
    let config = read("src/config.rs");
    // The parsing code only, not its unit tests.
    let config = &config[..config.find("#[cfg(test)]").unwrap_or(config.len())];
    let reads = [".get(", ".text(", ".flag(", ".keyword(", ".seconds("];
    let parsed = called_with(config, &reads);
    assert!(
        parsed.len() > 20,
        "found too few attributes in config.rs: {parsed:?}"
    );
    let documented = readme_attributes(&readme);

    let undocumented: Vec<_> = parsed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "config.rs parses data-{undocumented:?}, not in README's Attributes table"
    );

    // Names the README lists that config.rs does not parse: only those read elsewhere.
    let loader = read("src/loader/sherpa.js");
    let mount = read("src/mount.rs");
    for name in documented.difference(&parsed) {
        let elsewhere = match name.as_str() {
            "text-<name>" => read("src/i18n.rs").contains("strip_prefix(\"text-\")"),
            "load" | "trigger" | "shortcut" | "url-param" => {
                loader.contains(&format!("attr(script, '{name}')"))
            }
            "sherpa-ask" => loader.contains("'data-sherpa-ask'"),
            "sherpa" => mount.contains("\"sherpa\"") && loader.contains("data-sherpa"),
            _ => false,
        };
        assert!(
            elsewhere,
            "README documents data-{name}, which nothing reads"
        );
    }
}

/// The `data-text-<name>` names listed in the README's attribute table (after "Names:").
fn readme_text_names(readme: &str) -> BTreeSet<String> {
    let row = section(readme, "Attributes")
        .lines()
        .find(|l| l.starts_with("| `data-text-<name>`"))
        .expect("README's Attributes table has a data-text-<name> row");
    let names = &row[row
        .find("Names:")
        .expect("the row lists the names after \"Names:\"")..];
    // The list ends at the first full stop; the row's later sentences name other attributes.
    let names = names.split(". ").next().unwrap_or(names);
    names
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.starts_with('{'))
        .map(str::to_string)
        .collect()
}

// Kept apart from the attribute check so that another i18n-vs-README check can replace it.
#[test]
fn every_ui_text_is_documented_and_back() {
    let documented = readme_text_names(&read("README.md"));
    let texts: BTreeSet<String> = sherpa::i18n::keys().iter().map(|k| k.to_string()).collect();
    let undocumented: Vec<_> = texts.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&texts).collect();
    assert!(
        undocumented.is_empty(),
        "i18n texts missing from README's data-text-<name> list: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "README lists data-text-* names the widget does not have: {unknown:?}"
    );
}
