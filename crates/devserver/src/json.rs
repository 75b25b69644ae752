//! The dev server's JSON: serde_json values (insertion-ordered, the `preserve_order` feature)
//! written in the spacings Onyx uses.
//!
//! Onyx writes its stream lines with Python's `json.dumps` defaults (`", "` and `": "`
//! separators, every character outside printable ASCII escaped as `\uXXXX`), while its error
//! bodies go through Starlette's `JSONResponse` (compact separators, raw UTF-8). Key order
//! matters to byte-exact tests (`type` first inside a packet), so objects keep it.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// A JSON value (serde_json's, objects in insertion order).
pub type J = serde_json::Value;

/// Builds an object from `(key, value)` pairs, keeping their order.
pub fn obj<const N: usize>(pairs: [(&str, J); N]) -> J {
    J::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// A JSON string.
pub fn s(v: impl Into<String>) -> J {
    J::String(v.into())
}

/// An array of strings.
pub fn strs<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> J {
    J::Array(items.into_iter().map(|v| J::String(v.into())).collect())
}

/// The renderings Onyx uses, and an in-place key update.
pub trait Dump {
    /// Python `json.dumps(obj)` with default settings.
    fn py(&self) -> String;
    /// Starlette `JSONResponse`: compact, raw UTF-8.
    fn compact(&self) -> String;
    /// Python `json.dumps(obj, ensure_ascii=False)`: Python spacing, raw UTF-8 text.
    fn py_utf8(&self) -> String;
    /// Adds or replaces a key of an object (no-op on other values).
    fn set(&mut self, key: &str, value: J);
}

impl Dump for J {
    fn py(&self) -> String {
        write_with(self, Python { ascii: true })
    }

    fn compact(&self) -> String {
        self.to_string()
    }

    fn py_utf8(&self) -> String {
        write_with(self, Python { ascii: false })
    }

    fn set(&mut self, key: &str, value: J) {
        if let J::Object(map) = self {
            map.insert(key.to_string(), value);
        }
    }
}

fn write_with(v: &J, f: Python) -> String {
    let mut out = Vec::new();
    v.serialize(&mut Serializer::with_formatter(&mut out, f))
        .expect("a JSON value serialises");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// `", "` before every item but the first of an array or object.
fn separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        w.write_all(b", ")
    }
}

/// Python's `json.dumps` separators; with `ascii`, its `ensure_ascii` escapes (serde_json
/// already escapes quotes, backslashes and control characters as Python does).
struct Python {
    ascii: bool,
}

impl Formatter for Python {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        text: &str,
    ) -> io::Result<()> {
        if !self.ascii {
            return w.write_all(text.as_bytes());
        }
        let mut units = [0u16; 2];
        for c in text.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        // `{:?}` prints the shortest round-trip form and keeps `.0`, like Python's repr.
        write!(w, "{value:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spacing_and_escapes() {
        let v = obj([
            ("type", s("message_delta")),
            ("content", s("Café 😀\n\u{7f}\"\\")),
            ("n", J::from(1.0)),
            ("l", J::Array(vec![J::from(1), J::Null])),
        ]);
        assert_eq!(
            v.py(),
            r#"{"type": "message_delta", "content": "Caf\u00e9 \ud83d\ude00\n\u007f\"\\", "n": 1.0, "l": [1, null]}"#
        );
        assert_eq!(
            v.py_utf8(),
            "{\"type\": \"message_delta\", \"content\": \"Café 😀\\n\u{7f}\\\"\\\\\", \"n\": 1.0, \"l\": [1, null]}"
        );
        assert_eq!(
            v.compact(),
            "{\"type\":\"message_delta\",\"content\":\"Café 😀\\n\u{7f}\\\"\\\\\",\"n\":1.0,\"l\":[1,null]}"
        );
    }

    #[test]
    fn keys_keep_their_order_and_set_replaces_in_place() {
        let mut v = obj([("z", J::from(1)), ("a", J::from(2))]);
        v.set("z", J::from(3));
        v.set("m", J::Null);
        assert_eq!(v.compact(), r#"{"z":3,"a":2,"m":null}"#);
    }
}
