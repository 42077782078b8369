//! File-derived text made safe and short for messages and terminals: control characters are
//! escaped (a function name could otherwise clear the screen or set the terminal's title) and
//! long values are cut, so an error quotes at most a short piece of the input.

use std::borrow::Cow;

/// How many characters of a value an error message quotes.
pub const QUOTED_CHARS: usize = 80;

/// `s` with control characters escaped as `\u{…}` (tab, newline and the escape character
/// included), unchanged when it has none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// [`printable`] `s`, cut to `max_chars` characters with `…` and the full length when longer.
pub fn clip(s: &str, max_chars: usize) -> String {
    let safe = printable(s);
    let total = safe.chars().count();
    if total <= max_chars {
        return safe.into_owned();
    }
    let head: String = safe.chars().take(max_chars).collect();
    format!("{head}… ({total} characters)")
}

/// [`clip`] to [`QUOTED_CHARS`], for the value an error quotes.
pub fn quoted(s: &str) -> String {
    clip(s, QUOTED_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_cuts() {
        assert_eq!(printable("gpt0"), "gpt0");
        assert!(matches!(printable("gpt0"), Cow::Borrowed(_)));
        let hostile = "\u{1b}]2;PWNED\u{7}\u{1b}[2J";
        let shown = printable(hostile);
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(shown, "\\u{1b}]2;PWNED\\u{7}\\u{1b}[2J");
        assert_eq!(clip("abcdef", 3), "abc… (6 characters)");
        assert_eq!(clip("abc", 3), "abc");
        // Cut at characters, not bytes.
        assert_eq!(clip("ééé", 2), "éé… (3 characters)");
        assert_eq!(
            quoted(&"x".repeat(10_000_000)).len(),
            80 + "… (10000000 characters)".len()
        );
    }
}
