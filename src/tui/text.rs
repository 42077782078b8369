//! Editing the explorer's text fields (form values, export dialog, open prompt) with
//! tui-input's editing rules: cursor keys, Home/End, Ctrl-A/E/U/W/K, and paste. A field
//! holds at most [`MAX_FIELD`] characters, so a huge paste cannot fill the form.

use tui_input::{Input, InputRequest};

/// Most characters of one text field: far more than a path or a list of model names needs.
pub const MAX_FIELD: usize = 4096;

/// Applies `req` to `text` at `caret` (characters before the cursor; `None`: at the end).
/// Returns `false`, changing nothing, when an insertion would pass [`MAX_FIELD`].
pub fn apply(text: &mut String, caret: &mut Option<usize>, req: InputRequest) -> bool {
    if matches!(req, InputRequest::InsertChar(_)) && text.chars().count() >= MAX_FIELD {
        return false;
    }
    let len = text.chars().count();
    let mut input = Input::new(std::mem::take(text)).with_cursor(caret.unwrap_or(len).min(len));
    input.handle(req);
    *caret = Some(input.cursor());
    *text = input.value().to_string();
    true
}

/// Inserts pasted text at the caret: control characters (newlines included) are dropped, and
/// what would pass [`MAX_FIELD`] is cut. Returns `false` when something was cut.
pub fn paste(text: &mut String, caret: &mut Option<usize>, pasted: &str) -> bool {
    let room = MAX_FIELD.saturating_sub(text.chars().count());
    let clean: Vec<char> = pasted.chars().filter(|c| !c.is_control()).collect();
    let len = text.chars().count();
    let at = caret.unwrap_or(len).min(len);
    let byte = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
    let kept: String = clean.iter().take(room).collect();
    text.insert_str(byte, &kept);
    *caret = Some(at + kept.chars().count());
    clean.len() <= room
}

/// `text` with a bar at the caret, for drawing.
pub fn with_caret(text: &str, caret: Option<usize>) -> String {
    let len = text.chars().count();
    let at = caret.unwrap_or(len).min(len);
    let byte = text.char_indices().nth(at).map_or(text.len(), |(i, _)| i);
    format!("{}▏{}", &text[..byte], &text[byte..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_at_the_caret() {
        let mut t = String::from("gpt1,gpt3");
        let mut c = None;
        apply(&mut t, &mut c, InputRequest::GoToStart);
        apply(&mut t, &mut c, InputRequest::InsertChar('x'));
        assert_eq!((t.as_str(), c), ("xgpt1,gpt3", Some(1)));
        apply(&mut t, &mut c, InputRequest::GoToEnd);
        apply(&mut t, &mut c, InputRequest::DeletePrevWord);
        assert_eq!(t, "xgpt1,");
        apply(&mut t, &mut c, InputRequest::DeleteLine);
        assert_eq!((t.as_str(), c), ("", Some(0)));
        assert_eq!(with_caret("ab", Some(1)), "a▏b");
        assert_eq!(with_caret("éa", None), "éa▏");
    }

    #[test]
    fn fields_are_bounded() {
        let mut t = String::new();
        let mut c = None;
        let huge = "x".repeat(200_000);
        assert!(!paste(&mut t, &mut c, &huge));
        assert_eq!(t.chars().count(), MAX_FIELD);
        assert!(!apply(&mut t, &mut c, InputRequest::InsertChar('y')));
        assert_eq!(t.chars().count(), MAX_FIELD);
        let mut t = String::from("ab");
        let mut c = Some(1);
        assert!(paste(&mut t, &mut c, "1\n2\u{1b}"));
        assert_eq!((t.as_str(), c), ("a12b", Some(3)));
    }
}
