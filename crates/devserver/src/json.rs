//! A tiny ordered JSON value with two renderings.
//!
//! Onyx writes its stream lines with Python's `json.dumps` defaults (`", "` and `": "`
//! separators, every non-ASCII character escaped as `\uXXXX`), while its error bodies go
//! through Starlette's `JSONResponse` (compact separators, raw UTF-8). Key order matters to
//! byte-exact tests (`type` first inside a packet), so objects keep insertion order here.

use std::fmt::Write as _;

/// An ordered JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Builds an object from `(key, value)` pairs, keeping their order.
pub fn obj<const N: usize>(pairs: [(&str, J); N]) -> J {
    J::Obj(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A JSON string.
pub fn s(v: impl Into<String>) -> J {
    J::Str(v.into())
}

/// An array of strings.
pub fn strs<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> J {
    J::Arr(items.into_iter().map(|v| J::Str(v.into())).collect())
}

impl J {
    /// Python `json.dumps(obj)` with default settings.
    pub fn py(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Style::Python);
        out
    }

    /// Starlette `JSONResponse`: compact, raw UTF-8.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Style::Compact);
        out
    }

    /// Python `json.dumps(obj, ensure_ascii=False)`: Python spacing but raw UTF-8 text.
    pub fn py_utf8(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, Style::PythonUtf8);
        out
    }

    /// Adds or replaces a key of an object (no-op on other values).
    pub fn set(&mut self, key: &str, value: J) {
        if let J::Obj(pairs) = self {
            if let Some(slot) = pairs.iter_mut().find(|(k, _)| k == key) {
                slot.1 = value;
            } else {
                pairs.push((key.to_string(), value));
            }
        }
    }

    fn write(&self, out: &mut String, style: Style) {
        let (item_sep, key_sep) = match style {
            Style::Python | Style::PythonUtf8 => (", ", ": "),
            Style::Compact => (",", ":"),
        };
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(i) => {
                let _ = write!(out, "{i}");
            }
            J::Float(f) => {
                if f.is_finite() {
                    // `{:?}` prints the shortest round-trip form and keeps `.0`, like Python.
                    let _ = write!(out, "{f:?}");
                } else {
                    out.push_str("null");
                }
            }
            J::Str(v) => write_str(out, v, style == Style::Python),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    item.write(out, style);
                }
                out.push(']');
            }
            J::Obj(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item_sep);
                    }
                    write_str(out, k, style == Style::Python);
                    out.push_str(key_sep);
                    v.write(out, style);
                }
                out.push('}');
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Python,
    PythonUtf8,
    Compact,
}

fn write_str(out: &mut String, v: &str, ascii_only: bool) {
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ascii_only && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl From<&serde_json::Value> for J {
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => J::Null,
            serde_json::Value::Bool(b) => J::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => J::Int(i),
                None => J::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => J::Str(s.clone()),
            serde_json::Value::Array(a) => J::Arr(a.iter().map(J::from).collect()),
            serde_json::Value::Object(o) => {
                J::Obj(o.iter().map(|(k, v)| (k.clone(), J::from(v))).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spacing_and_escapes() {
        let v = obj([
            ("type", s("message_delta")),
            ("content", s("Café 😀\n")),
            ("n", J::Float(1.0)),
            ("l", J::Arr(vec![J::Int(1), J::Null])),
        ]);
        assert_eq!(
            v.py(),
            r#"{"type": "message_delta", "content": "Caf\u00e9 \ud83d\ude00\n", "n": 1.0, "l": [1, null]}"#
        );
        assert_eq!(
            v.compact(),
            "{\"type\":\"message_delta\",\"content\":\"Café 😀\\n\",\"n\":1.0,\"l\":[1,null]}"
        );
    }
}
