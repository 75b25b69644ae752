//! A small JSON value with a strict parser (RFC 8259) and a compact serializer: all the JSON
//! the widget reads (server replies, saved conversations) and writes (request bodies).
//!
//! * Objects keep their members in order, as a `Vec` of pairs. [`Value::get`] returns the
//!   last member with a key, so a duplicated key reads like it would in `JSON.parse`.
//! * Numbers keep their literal text (see [`Number`]).
//! * Strings: every escape is decoded; a `\u` escape that is half of a surrogate pair without
//!   its other half becomes U+FFFD (as a browser would show it) instead of failing the whole
//!   document. Raw control characters in a string are an error.
//! * Containers nested deeper than [`MAX_DEPTH`] are an error, so hostile input cannot
//!   overflow the stack; so is anything but whitespace after the value.

use std::fmt;

/// Arrays and objects nested deeper than this are rejected.
pub const MAX_DEPTH: usize = 128;

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    /// Members in document order (duplicates kept; [`Value::get`] reads the last).
    Object(Vec<(String, Value)>),
}

/// A JSON number, kept as its literal text and converted when read.
///
/// Why text: turning every number into an `f64` when parsing, and back when writing, would
/// link core's float parser and formatter into the widget (about 14 KB of wasm and more),
/// while the widget only ever needs integers (ids, counts, citation numbers). Integers are
/// read exactly with [`Number::as_i64`] / [`Number::as_u64`]; [`Number::as_f64`] exists for
/// the rare caller that really wants a float. Equality compares the text (`1.0 != 1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// The number as written (always valid JSON number syntax).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value if it is written as an integer (no fraction, no exponent) in `i64`'s range.
    /// `-0` reads as 0.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The value if it is written as a non-negative integer in `u64`'s range.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value as a float. Links the float parser: not for the widget's wasm build.
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// The value rounded up to a whole number, negatives as 0, saturating at `u64::MAX`
    /// (`1.2` → 2, `3e2` → 300, `-4` → 0), without going through a float.
    pub fn ceil_u64(&self) -> Option<u64> {
        if self.0.starts_with('-') {
            return Some(0);
        }
        let (mantissa, exp) = match self.0.find(['e', 'E']) {
            Some(i) => (&self.0[..i], &self.0[i + 1..]),
            None => (self.0.as_str(), "0"),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = || int.bytes().chain(frac.bytes()).map(|d| u64::from(d - b'0'));
        if digits().all(|d| d == 0) {
            return Some(0);
        }
        // The value is 0.DIGITS × 10^point, with DIGITS = int followed by frac.
        let point = match exp.parse::<i64>() {
            Ok(e) => (int.len() as i64).saturating_add(e),
            Err(_) if exp.starts_with('-') => i64::MIN,
            Err(_) => i64::MAX,
        };
        let mut whole: u64 = 0;
        let mut rest_nonzero = false;
        for (i, d) in digits().enumerate() {
            if (i as i64) < point {
                whole = whole.saturating_mul(10).saturating_add(d);
            } else {
                rest_nonzero |= d != 0;
            }
        }
        // Zeros the exponent adds after the last digit.
        let len = (int.len() + frac.len()) as i64;
        for _ in len..point.min(len + 20) {
            whole = whole.saturating_mul(10);
        }
        Some(whole.saturating_add(u64::from(rest_nonzero)))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a document stopped being valid JSON (byte offset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub offset: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}", self.offset)
    }
}

impl std::error::Error for Error {}

/// Parses one JSON document; whitespace may surround it, nothing else.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_bounded(text, Bounds::NONE)
}

/// How much of a document [`parse_bounded`] keeps. What it drops is read past, never copied
/// or built: a hostile multi-megabyte line costs one scan, not megabytes of values to build
/// and free. The rest of a cut string is still checked; array items past the bound are
/// passed over by their quotes and brackets only, so invalid JSON there goes unnoticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Bytes kept of each string (cut at a character boundary).
    pub string_bytes: usize,
    /// Items kept of each array (the first ones).
    pub array_items: usize,
}

impl Bounds {
    /// Everything is kept.
    pub const NONE: Bounds = Bounds {
        string_bytes: usize::MAX,
        array_items: usize::MAX,
    };
}

/// [`parse`], keeping only what `bounds` allows of each string and array.
pub fn parse_bounded(text: &str, bounds: Bounds) -> Result<Value, Error> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        bounds,
    };
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos == p.bytes.len() {
        Ok(v)
    } else {
        Err(p.error())
    }
}

/// Parses one JSON document from bytes, which must be UTF-8 (no byte order mark).
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => Err(Error {
            offset: e.valid_up_to(),
        }),
    }
}

impl Value {
    /// An object's member (the last one, if the key repeats); `None` for other values.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// See [`Number::as_i64`].
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// See [`Number::as_u64`].
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    /// See [`Number::as_f64`] (not for the wasm build).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number()?.as_f64()
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// An object with these members, in this order (what [`object!`] builds).
    pub fn from_members(members: Vec<(&str, Value)>) -> Value {
        let mut out = Vec::with_capacity(members.len());
        for (k, v) in members {
            out.push((k.to_string(), v));
        }
        Value::Object(out)
    }

    /// Sets an object's member: replaces the value of an existing key, or appends the member.
    /// Does nothing on other values.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.set_value(key, value.into());
    }

    // Not generic, so the wasm holds one copy.
    fn set_value(&mut self, key: &str, value: Value) {
        if let Value::Object(members) = self {
            match members.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => members.push((key.to_string(), value)),
            }
        }
    }

    /// A field of an object for tolerant readers (saved data): absent or `null` reads as
    /// `T::default()`, a value of the wrong type is `None`.
    pub fn field<T: FromJson + Default>(&self, key: &str) -> Option<T> {
        match self.get(key) {
            None | Some(Value::Null) => Some(T::default()),
            Some(v) => T::from_json(v),
        }
    }

    /// Compact JSON text (no spaces), e.g. for a request body.
    pub fn stringify(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(&n.0),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(k, out);
                    out.push(':');
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.stringify())
    }
}

/// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`.
fn write_string(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let b = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------------
// Building values
// ---------------------------------------------------------------------------------------------

/// Builds a [`Value::Object`] with members in the order written; each value goes through
/// `Value::from`: `object! { "message": text, "stream": true, "prompt_id": Value::Null }`.
#[macro_export]
macro_rules! object {
    ($($key:literal : $value:expr),* $(,)?) => {
        $crate::json::Value::from_members(vec![
            $(($key, $crate::json::Value::from($value)),)*
        ])
    };
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(Number(n.to_string()))
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(Number(n.to_string()))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::from(u64::from(n))
    }
}

/// `None` is `null`.
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl From<&[String]> for Value {
    fn from(items: &[String]) -> Self {
        Value::Array(items.iter().map(Value::from).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading values into Rust types (for saved data)
// ---------------------------------------------------------------------------------------------

/// A type read from a JSON value; `None` when the value has the wrong shape.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Option<Self>;
}

impl FromJson for String {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_str().map(str::to_string)
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_bool()
    }
}

impl FromJson for i64 {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_i64()
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Option<Self> {
        v.as_u64()
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Option<Self> {
        u32::try_from(v.as_u64()?).ok()
    }
}

/// `null` is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            v => T::from_json(v).map(Some),
        }
    }
}

/// Every item must read.
impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Option<Self> {
        let items = v.as_array()?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(T::from_json(item)?);
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// How many bytes of `b` come before its first `"`, `\\` or control character, looked at
/// eight bytes at a time (a byte loop took 2 ns a byte: 4 ms for two 1 MB strings).
fn plain_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `w` is below `n` (exact for n <= 0x80; bytes >= 0x80 never are).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH != 0;
    let mut i = 0;
    for word in b.chunks_exact(8) {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        let (quote, slash) = (w ^ (ONES * u64::from(b'"')), w ^ (ONES * u64::from(b'\\')));
        if below(quote, 1) || below(slash, 1) || below(w, 0x20) {
            break;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

/// Appends as much of `piece` as fits in `keep` bytes of `out` (whole characters only);
/// after a cut `keep` is 0, so nothing later is appended.
fn keep_str(out: &mut String, piece: &str, keep: &mut usize) {
    let room = keep.saturating_sub(out.len());
    if piece.len() <= room {
        out.push_str(piece);
        return;
    }
    let mut end = room;
    while !piece.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&piece[..end]);
    *keep = 0;
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    bounds: Bounds,
}

impl Parser<'_> {
    fn error(&self) -> Error {
        Error { offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `b` (after whitespace) if it comes next.
    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string(self.bounds.string_bytes).map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error()),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, Error> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error())
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error());
        }
        self.pos += 1; // [
        let mut items = Vec::new();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            if items.len() < self.bounds.array_items {
                items.push(self.value(depth)?);
            } else {
                self.skip()?;
            }
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error());
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error());
        }
        self.pos += 1; // {
        let mut members = Vec::new();
        if self.eat(b'}') {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error());
            }
            let key = self.string(usize::MAX)?;
            if !self.eat(b':') {
                return Err(self.error());
            }
            members.push((key, self.value(depth)?));
            if self.eat(b'}') {
                return Ok(Value::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.error());
            }
        }
    }

    /// A string literal, from its opening quote; at most `keep` bytes of it are kept.
    fn string(&mut self, mut keep: usize) -> Result<String, Error> {
        self.pos += 1; // "
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character. They are all
            // ASCII, so the run ends on a character boundary.
            let start = self.pos;
            self.pos += plain_run(&self.bytes[start..]);
            keep_str(&mut out, &self.text[start..self.pos], &mut keep);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    keep_str(&mut out, c.encode_utf8(&mut [0; 4]), &mut keep);
                }
                _ => return Err(self.error()),
            }
        }
    }

    /// Passes over an array item past the bound without building or checking it: strings
    /// by their quotes and escapes, containers by their brackets, up to the `,` or `]` that
    /// ends the item. Several times faster than parsing; what is dropped need not be valid.
    fn skip(&mut self) -> Result<(), Error> {
        let mut depth = 0usize;
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error());
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    loop {
                        let rest = &self.bytes[self.pos..];
                        let Some(i) = rest.iter().position(|&c| c == b'"' || c == b'\\') else {
                            self.pos = self.bytes.len();
                            return Err(self.error());
                        };
                        self.pos += i + 1;
                        if rest[i] == b'"' {
                            break;
                        }
                        self.pos += 1; // the escaped byte
                    }
                    continue;
                }
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth == 0 => return Ok(()),
                b']' | b'}' => depth -= 1,
                b',' if depth == 0 => return Ok(()),
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// The character of an escape, after its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                return self.unicode_escape();
            }
            _ => return Err(self.error()),
        };
        self.pos += 1;
        Ok(c)
    }

    /// `XXXX` after `\u`, with the low half of a surrogate pair if one follows.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit) && self.bytes[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // Not a low surrogate: this escape is read on its own next time.
            self.pos = save;
        }
        Ok(char::from_u32(unit).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.error()),
            };
            n = n * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(n)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        Ok(Value::Number(Number(
            self.text[start..self.pos].to_string(),
        )))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), Error> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error());
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(t: &str) -> Number {
        match parse(t) {
            Ok(Value::Number(n)) => n,
            other => panic!("{t}: {other:?}"),
        }
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn parses_every_kind_of_value() {
        let v = parse(r#" {"a": [1, -2.5, true, false, null, "x"], "b": {}, "c": []} "#).unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                (
                    "a".into(),
                    Value::Array(vec![
                        Value::Number(num("1")),
                        Value::Number(num("-2.5")),
                        Value::Bool(true),
                        Value::Bool(false),
                        Value::Null,
                        s("x"),
                    ])
                ),
                ("b".into(), Value::Object(vec![])),
                ("c".into(), Value::Array(vec![])),
            ])
        );
        assert_eq!(parse("\t\r\n 7 \n").unwrap(), Value::Number(num("7")));
        assert_eq!(parse(r#""""#).unwrap(), s(""));
    }

    #[test]
    fn decodes_every_escape() {
        let v = parse(r#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC \u0000""#).unwrap();
        assert_eq!(v, s("\" \\ / \u{8} \u{c} \n \r \t A é € \0"));
        // Raw non-ASCII passes through.
        assert_eq!(parse("\"héllo → 日本\"").unwrap(), s("héllo → 日本"));
    }

    #[test]
    fn joins_surrogate_pairs_and_replaces_lone_halves() {
        assert_eq!(parse(r#""\ud83d\ude00""#).unwrap(), s("😀"));
        assert_eq!(parse(r#""\uD834\uDD1E""#).unwrap(), s("𝄞"));
        // A lone high half, a lone low half, two high halves, a high half before a letter.
        assert_eq!(parse(r#""a\ud83db""#).unwrap(), s("a\u{fffd}b"));
        assert_eq!(parse(r#""\ude00""#).unwrap(), s("\u{fffd}"));
        assert_eq!(parse(r#""\ud83d\ud83d\ude00""#).unwrap(), s("\u{fffd}😀"));
        assert_eq!(parse(r#""\ud83d\u0041""#).unwrap(), s("\u{fffd}A"));
        assert_eq!(parse(r#""\ud83d""#).unwrap(), s("\u{fffd}"));
        // A broken escape after a high half is still an error.
        assert!(parse(r#""\ud83d\uZZZZ""#).is_err());
    }

    #[test]
    fn plain_run_stops_at_the_first_quote_backslash_or_control_character() {
        let text = "é€xyzabcdefghijklmnopqrst".as_bytes();
        for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for at in 0..20 {
                let mut b = text[..24].to_vec();
                b[at] = stop;
                assert_eq!(plain_run(&b), at, "{stop:#x} at {at}");
            }
        }
        let plain = "abcdefghijé\u{7f} ~!#€€€".as_bytes();
        assert_eq!(plain_run(plain), plain.len());
        assert_eq!(plain_run(b""), 0);
    }

    #[test]
    fn bounded_parse_cuts_strings_and_arrays_and_still_checks_the_rest() {
        let b = Bounds {
            string_bytes: 3,
            array_items: 2,
        };
        let v = parse_bounded(
            r#"{"long":"abcdef","é":"aé\u00e9x","list":[1,"xyzw",{"a":[2]},null,"\n"]}"#,
            b,
        );
        let v = v.unwrap();
        assert_eq!(v.get("long"), Some(&s("abc")));
        assert_eq!(
            v.get("é"),
            Some(&s("aé")),
            "cut before a character, not inside it"
        );
        assert_eq!(
            v.get("list").and_then(Value::as_array),
            Some(&[Value::Number(num("1")), s("xyz")][..])
        );
        // The rest of a cut string is still checked; dropped items are passed over by their
        // quotes and brackets, escaped quotes included.
        assert!(parse_bounded(r#"["abcd\q"]"#, b).is_err());
        assert!(parse_bounded("[\"ab\ncd\"]", b).is_err());
        for bad in ["[1,2,[3]", r#"[1,2,"x]"#, r#"[1,2,"\"]"#] {
            assert!(parse_bounded(bad, b).is_err(), "{bad}");
        }
        let v = parse_bounded(r#"[1,2,"a\"],[{", x, {"k": [1, "]"]}]"#, b).unwrap();
        assert_eq!(v, parse("[1,2]").unwrap());
        assert_eq!(parse_bounded("[1,2,[[3]],true,-1.5e3]", b), parse("[1,2]"));
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "",
            "   ",
            "nul",
            "True",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\":}",
            "[",
            "]",
            "{",
            "\"abc",
            "\"a\\x\"",
            "\"a\\u12\"",
            "\"tab\there\"",
            "\"nl\nhere\"",
            "01",
            "-",
            "+1",
            "1.",
            ".5",
            "1e",
            "1e+",
            "0x10",
            "NaN",
            "Infinity",
            "1 2",
            "{} x",
            "[]]",
            "\u{feff}{}",
            "'a'",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
        assert_eq!(parse("[1, x]"), Err(Error { offset: 4 }));
        assert!(parse_bytes(b"\"\xff\"").is_err());
        assert_eq!(
            parse_bytes(b" [true] ").unwrap(),
            Value::Array(vec![Value::Bool(true)])
        );
    }

    #[test]
    fn numbers_keep_their_text_and_convert_on_demand() {
        for t in [
            "0",
            "-0",
            "1e5",
            "1E+5",
            "-2.50",
            "1.5e-3",
            "123456789012345678901234567890",
        ] {
            assert_eq!(num(t).as_str(), t);
            assert_eq!(parse(t).unwrap().stringify(), t);
        }
        assert_eq!(num("-0").as_i64(), Some(0));
        assert_eq!(num("-0").as_u64(), None);
        assert_eq!(num("42").as_u64(), Some(42));
        assert_eq!(num("-42").as_i64(), Some(-42));
        assert_eq!(num("-42").as_u64(), None);
        assert_eq!(num("1e5").as_i64(), None);
        assert_eq!(num("1.0").as_i64(), None);
        assert_eq!(num("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(num("9223372036854775808").as_i64(), None);
        assert_eq!(num("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(num("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(num("18446744073709551616").as_u64(), None);
        assert_eq!(num("1e5").as_f64(), Some(100000.0));
        assert_eq!(num("-2.5").as_f64(), Some(-2.5));
    }

    #[test]
    fn ceil_u64_rounds_up_without_floats() {
        for (t, want) in [
            ("0", 0),
            ("-0", 0),
            ("7", 7),
            ("1.2", 2),
            ("1.0", 1),
            ("0.001", 1),
            ("0.0", 0),
            ("-4.5", 0),
            ("3e2", 300),
            ("2.5E1", 25),
            ("2.51e1", 26),
            ("15e-1", 2),
            ("10e-1", 1),
            ("1e-400", 1),
            ("0e999999999999999999999", 0),
            ("1e30", u64::MAX),
            ("1e999999999999999999999", u64::MAX),
            ("18446744073709551616", u64::MAX),
        ] {
            assert_eq!(num(t).ceil_u64(), Some(want), "{t}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
        let objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert!(parse(&objects).is_err());
        // Hostile input far deeper than the limit fails quickly, without overflowing.
        assert!(parse(&"[".repeat(1_000_000)).is_err());
        assert!(parse(&"{\"a\":[".repeat(500_000)).is_err());
    }

    #[test]
    fn serializes_with_escapes_and_round_trips() {
        let v = Value::Object(vec![
            (
                "q\"k\\".into(),
                s("line\nbreak\ttab\r\u{8}\u{c}\u{1}\u{1f}\u{7f} é 😀 </script>"),
            ),
            ("n".into(), Value::Null),
            (
                "a".into(),
                Value::Array(vec![Value::Bool(true), Value::from(-3i64)]),
            ),
        ]);
        let text = v.stringify();
        assert_eq!(
            text,
            r#"{"q\"k\\":"line\nbreak\ttab\r\b\f\u0001\u001f"#.to_string()
                + "\u{7f} é 😀 </script>\",\"n\":null,\"a\":[true,-3]}"
        );
        assert_eq!(parse(&text).unwrap(), v);
        assert_eq!(v.to_string(), text);
    }

    #[test]
    fn get_reads_the_last_duplicate_and_set_replaces() {
        let mut v = parse(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_i64), Some(3));
        assert_eq!(v.get("zz"), None);
        assert_eq!(Value::Null.get("a"), None);
        v.set("b", "two");
        v.set("c", true);
        assert_eq!(v.stringify(), r#"{"a":1,"b":"two","a":3,"c":true}"#);
        let mut not_object = Value::Null;
        not_object.set("a", 1i64);
        assert!(not_object.is_null());
    }

    #[test]
    fn builds_objects_in_order() {
        let list = vec!["x".to_string()];
        let v = crate::object! {
            "s": "text",
            "n": 5u32,
            "i": -1i64,
            "none": None::<String>,
            "some": Some("y"),
            "list": list.as_slice(),
            "null": Value::Null,
        };
        assert_eq!(
            v.stringify(),
            r#"{"s":"text","n":5,"i":-1,"none":null,"some":"y","list":["x"],"null":null}"#
        );
    }

    #[test]
    fn fields_default_when_absent_and_fail_on_wrong_types() {
        let v = parse(r#"{"s": "x", "n": null, "i": 4, "b": true, "l": ["a"], "bad": 1}"#).unwrap();
        assert_eq!(v.field::<String>("s"), Some("x".into()));
        assert_eq!(v.field::<String>("n"), Some(String::new()));
        assert_eq!(v.field::<String>("missing"), Some(String::new()));
        assert_eq!(v.field::<Option<i64>>("i"), Some(Some(4)));
        assert_eq!(v.field::<Option<i64>>("n"), Some(None));
        assert_eq!(v.field::<u32>("i"), Some(4));
        assert_eq!(v.field::<bool>("b"), Some(true));
        assert_eq!(v.field::<Vec<String>>("l"), Some(vec!["a".to_string()]));
        assert_eq!(v.field::<String>("bad"), None);
        assert_eq!(v.field::<Vec<String>>("s"), None);
        assert_eq!(v.field::<bool>("i"), None);
    }
}
