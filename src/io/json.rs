//! JSON text, written by `serde_json`, for the places that embed it in other text (the viewer
//! pages' data and the Python file beside a saved model).

use std::fmt::Write as _;

/// Writes `s` as a JSON string literal, with quotes.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string is always JSON"));
}

/// `value` as JSON that can stand inside an HTML `<script>` element: `serde_json`'s text with
/// `<`, `>`, `&`, U+2028 and U+2029 written as `\uXXXX`. Outside strings JSON has none of
/// these characters, so the text is still the same JSON, and `</script>` cannot appear in it.
pub(crate) fn script_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}
