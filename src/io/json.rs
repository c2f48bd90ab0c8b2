//! A small JSON reader and string writer: just enough for a safetensors header.
//!
//! Numbers are kept as their text, so that a `u64` offset is read exactly (no detour through
//! `f64`). Nesting is limited to [`MAX_DEPTH`] levels, so a hostile header such as `[[[[…`
//! gets an error instead of overflowing the stack.

use std::fmt::Write as _;

/// How deep arrays and objects may nest (a safetensors header needs 3).
pub(crate) const MAX_DEPTH: usize = 64;

/// A parsed JSON value. Objects keep their keys in file order, duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number's text, validated against JSON's number grammar.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A short name of the value's type, for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }

    /// The value as a non-negative integer, if it is one that fits a `u64`.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
            _ => None,
        }
    }
}

/// Parses one JSON value that fills `text` (whitespace around it allowed).
///
/// # Errors
/// The byte offset where parsing failed and what was expected there.
pub(crate) fn parse(text: &str) -> Result<Json, (usize, String)> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error("end of input after the value"));
    }
    Ok(value)
}

/// Writes `s` as a JSON string literal, with quotes.
pub(crate) fn write_string(out: &mut String, s: &str) {
    write_escaped(out, s, false);
}

/// [`write_string`], also escaping `<`, `>`, `&`, U+2028 and U+2029, so that the literal can
/// stand inside an HTML `<script>` element (and is still JSON).
pub(crate) fn write_script_string(out: &mut String, s: &str) {
    write_escaped(out, s, true);
}

fn write_escaped(out: &mut String, s: &str, script: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if script => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &str) -> (usize, String) {
        let found = match self.bytes.get(self.pos) {
            None => "the end of the header".to_string(),
            Some(&b) if b.is_ascii_graphic() || b == b' ' => format!("{:?}", char::from(b)),
            Some(&b) => format!("byte 0x{b:02x}"),
        };
        (self.pos, format!("expected {expected}, found {found}"))
    }

    fn skip_ws(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, (usize, String)> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error(&format!("`{word}`")))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, (usize, String)> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a JSON value")),
        }
    }

    fn nested(&self, depth: usize) -> Result<(), (usize, String)> {
        if depth > MAX_DEPTH {
            Err((self.pos, format!("nesting deeper than {MAX_DEPTH} levels")))
        } else {
            Ok(())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, (usize, String)> {
        self.nested(depth)?;
        self.pos += 1; // '{'
        let mut members = Vec::new();
        self.skip_ws();
        if self.eat(b'}') {
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error("a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if !self.eat(b':') {
                return Err(self.error("`:` after the key"));
            }
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(Json::Object(members));
            }
            if !self.eat(b',') {
                return Err(self.error("`,` or `}`"));
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, (usize, String)> {
        self.nested(depth)?;
        self.pos += 1; // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_ws();
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("`,` or `]`"));
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Result<Json, (usize, String)> {
        let start = self.pos;
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.error("no digit after a leading 0"));
            }
        } else if self.digits() == 0 {
            return Err(self.error("a digit"));
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.error("a digit after `.`"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(self.error("a digit in the exponent"));
            }
        }
        // The bytes are ASCII digits, signs, `.` and `e`, so they are valid UTF-8.
        let text = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
        Ok(Json::Number(text))
    }

    fn hex4(&mut self) -> Result<u32, (usize, String)> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .bytes
                .get(self.pos)
                .and_then(|&b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("4 hex digits after `\\u`"))?;
            v = v * 16 + d;
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, (usize, String)> {
        self.pos += 1; // '"'
        let mut out = Vec::new();
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(self.error("`\"` to close the string"));
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    // Only whole UTF-8 sequences and pushed chars went into `out`.
                    return String::from_utf8(out)
                        .map_err(|_| (self.pos, "a string that is not UTF-8".to_string()));
                }
                b'\\' => {
                    self.pos += 1;
                    let c = match self.bytes.get(self.pos) {
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
                            let c = self.unicode_escape()?;
                            let mut buf = [0; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return Err(self.error("an escape (`\\n`, `\\\"`, `\\u00e9`, …)")),
                    };
                    self.pos += 1;
                    out.push(u8::try_from(u32::from(c)).expect("the escapes above are ASCII"));
                }
                0x00..=0x1f => return Err(self.error("no control character inside a string")),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// The character of a `\uXXXX` escape (after the `\u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, (usize, String)> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(self.error("`\\u` with the low half of a surrogate pair"));
            }
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err((self.pos, "an unpaired surrogate in `\\u` escapes".into()));
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else {
            hi
        };
        char::from_u32(code)
            .ok_or_else(|| (self.pos, "an unpaired surrogate in `\\u` escapes".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_safetensors_header() {
        let j = parse(r#" {"__metadata__":{"k":"v\u00e9\n"},"0.weight":{"dtype":"F64","shape":[4,2],"data_offsets":[0,64]}}  "#)
            .unwrap();
        let Json::Object(m) = j else { panic!() };
        assert_eq!(
            m[0].1,
            Json::Object(vec![("k".into(), Json::String("vé\n".into()))])
        );
        let Json::Object(t) = &m[1].1 else { panic!() };
        assert_eq!(
            t[1].1,
            Json::Array(vec![Json::Number("4".into()), Json::Number("2".into())])
        );
        assert_eq!(
            t[2].1,
            Json::Array(vec![Json::Number("0".into()), Json::Number("64".into())])
        );
    }

    #[test]
    fn rejects_bad_json_with_the_offset() {
        assert_eq!(parse("{\"a\" 1}").unwrap_err().0, 5);
        assert!(parse("[1,]").is_err());
        assert!(parse("01").is_err());
        assert!(parse("\"\\ud800\"").is_err());
        assert!(parse("{} x").is_err());
        assert!(
            parse(&"[".repeat(100_000))
                .unwrap_err()
                .1
                .contains("nesting")
        );
    }

    #[test]
    fn string_escapes_round_trip() {
        let s = "a\"b\\c\n\u{1}é𝄞";
        let mut out = String::new();
        write_string(&mut out, s);
        assert_eq!(parse(&out).unwrap(), Json::String(s.into()));
        assert_eq!(
            parse(r#""\ud834\udd1e""#).unwrap(),
            Json::String("𝄞".into())
        );
    }

    #[test]
    fn integers_read_exactly() {
        assert_eq!(
            parse("18446744073709551615").unwrap().as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(parse("18446744073709551616").unwrap().as_u64(), None);
        assert_eq!(parse("-1").unwrap().as_u64(), None);
        assert_eq!(parse("1.0").unwrap().as_u64(), None);
    }
}
