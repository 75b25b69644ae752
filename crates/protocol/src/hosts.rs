//! The site label of a source card: which host a link really opens, shown so that a
//! look-alike cannot pass for the real one.
//!
//! The widget parses the link with the browser's own URL parser (the WHATWG parser, so `\`,
//! `@`, tabs and percent tricks resolve exactly as a click would) and hands the resulting
//! ASCII hostname here. Internationalised labels (`xn--…`) are shown in their own script
//! when every letter is of one allow-listed script and could not be read as Latin; otherwise
//! (scripts mixed, an unknown script, or a Cyrillic or Greek label made only of letters that
//! look Latin, as in "аррӏе") they stay in punycode, which is what makes a confusable visible.

/// The label for a hostname as the URL parser returns it (ASCII, lower case, punycode).
/// `www.` is dropped; bidi controls cannot occur (the parser refuses them).
pub fn host_label(ascii_host: &str) -> String {
    let host = ascii_host.strip_prefix("www.").unwrap_or(ascii_host);
    host.split('.').map(label).collect::<Vec<_>>().join(".")
}

fn label(part: &str) -> String {
    let Some(encoded) = part.strip_prefix("xn--") else {
        return part.to_string();
    };
    match idna::punycode::decode_to_string(encoded) {
        Some(unicode) if readable(&unicode) => unicode,
        _ => part.to_string(),
    }
}

/// The scripts a label may be shown in. Han, kana and Hangul form one group: Japanese and
/// Korean names mix them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Armenian,
    Hebrew,
    Arabic,
    Devanagari,
    Thai,
    Cjk,
}

fn script(c: char) -> Option<Option<Script>> {
    use Script::*;
    let s = match c {
        '0'..='9' | '-' => return Some(None),
        'a'..='z' | '\u{DF}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' => Latin,
        '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}' => Greek,
        '\u{400}'..='\u{52F}' => Cyrillic,
        '\u{531}'..='\u{58F}' => Armenian,
        '\u{591}'..='\u{5FF}' => Hebrew,
        '\u{600}'..='\u{6FF}' | '\u{750}'..='\u{77F}' => Arabic,
        '\u{900}'..='\u{97F}' => Devanagari,
        '\u{E00}'..='\u{E7F}' => Thai,
        '\u{1100}'..='\u{11FF}'
        | '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}' => Cjk,
        _ => return None,
    };
    Some(Some(s))
}

/// Cyrillic and Greek letters that read as Latin ones.
const LATIN_LOOKALIKES: &str =
    "аеорсухѕіјӏԁԛԝһԍвмнкт\u{3BF}\u{3B1}\u{3BD}\u{3B9}\u{3BA}\u{3C4}\u{3C1}\u{3C5}\u{3C7}\u{3B5}";

fn readable(label: &str) -> bool {
    let mut seen = None;
    for c in label.chars() {
        match script(c) {
            None => return false,
            Some(None) => {}
            Some(Some(s)) if seen.is_none_or(|t| t == s) => seen = Some(s),
            Some(Some(_)) => return false,
        }
    }
    let latin_looking = matches!(seen, Some(Script::Cyrillic | Script::Greek))
        && label
            .chars()
            .all(|c| !c.is_alphabetic() || LATIN_LOOKALIKES.contains(c));
    seen.is_some() && !latin_looking
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_hosts_lose_only_www() {
        assert_eq!(host_label("www.example.com"), "example.com");
        assert_eq!(host_label("docs.example.com"), "docs.example.com");
        assert_eq!(host_label("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn one_script_labels_show_in_their_script() {
        // Encodings checked against the idna crate's encoder below.
        for unicode in [
            "bücher",
            "münchen",
            "пример",
            "例え",
            "한국",
            "ελληνικά",
            "مثال",
        ] {
            let ascii = format!("xn--{}", idna::punycode::encode_str(unicode).unwrap());
            assert_eq!(
                host_label(&format!("{ascii}.example")),
                format!("{unicode}.example")
            );
        }
    }

    #[test]
    fn mixed_scripts_and_latin_lookalikes_stay_in_punycode() {
        // "pаypal" with a Cyrillic а; "аррӏе" all Cyrillic but reads "apple"; Latin + Greek.
        for unicode in ["pаypal", "аррӏе", "gοogle", "ex\u{2028}ample", "a\u{1F600}"] {
            let ascii = format!("xn--{}", idna::punycode::encode_str(unicode).unwrap());
            assert_eq!(
                host_label(&format!("{ascii}.com")),
                format!("{ascii}.com"),
                "{unicode}"
            );
        }
    }

    #[test]
    fn broken_punycode_is_shown_as_sent() {
        assert_eq!(host_label("xn--.com"), "xn--.com");
        assert_eq!(
            host_label("xn--99999999999999.com"),
            "xn--99999999999999.com"
        );
    }
}
