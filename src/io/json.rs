//! JSON string literals, written by `serde_json`, for the places that embed one in other text
//! (the viewer pages' data and the Python file beside a saved model).

use std::fmt::Write as _;

/// Writes `s` as a JSON string literal, with quotes.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).expect("a string is always JSON"));
}

/// [`write_string`], also escaping `<`, `>`, `&`, U+2028 and U+2029, so that the literal can
/// stand inside an HTML `<script>` element (and is still JSON).
pub(crate) fn write_script_string(out: &mut String, s: &str) {
    for c in serde_json::to_string(s)
        .expect("a string is always JSON")
        .chars()
    {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}
