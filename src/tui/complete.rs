//! Tab completion of file paths for the "open a trace" prompt.

use std::path::{Path, PathBuf};

/// Expands a leading `~` to `$HOME`, as a shell would.
pub fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix('~'), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            PathBuf::from(format!("{}{rest}", home.to_string_lossy()))
        }
        _ => PathBuf::from(text),
    }
}

/// Completes `text` against `names` (the entries of its directory, directories ending in `/`):
/// the longest common extension of the matches, and the matches themselves, sorted.
pub fn complete_among(typed_name: &str, names: &[String]) -> (String, Vec<String>) {
    let mut matches: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with(typed_name))
        // Hidden entries only when asked for, as shells do.
        .filter(|n| typed_name.starts_with('.') || !n.starts_with('.'))
        .cloned()
        .collect();
    matches.sort();
    let Some(first) = matches.first() else {
        return (typed_name.to_string(), matches);
    };
    let mut common = first.clone();
    for m in &matches[1..] {
        let len = common
            .char_indices()
            .zip(m.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        common.truncate(len);
    }
    (common, matches)
}

/// Completes a typed path from the file system: the new text and the candidates (names only).
pub fn complete_path(text: &str) -> (String, Vec<String>) {
    let (dir_text, typed_name) = match text.rfind('/') {
        Some(i) => (&text[..=i], &text[i + 1..]),
        None => ("", text),
    };
    let dir = if dir_text.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(dir_text)
    };
    let names = list_dir(&dir);
    let (name, candidates) = complete_among(typed_name, &names);
    (format!("{dir_text}{name}"), candidates)
}

/// Entry names of `dir`, directories marked with a trailing `/`; empty when unreadable.
fn list_dir(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            // `metadata` follows symlinks, so a link to a directory completes like one.
            let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            Some(if is_dir { format!("{name}/") } else { name })
        })
        // A directory with a million files must not stall completion for long.
        .take(10_000)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn completes_the_common_prefix() {
        let n = names(&["azure_v1.pkl", "azure_v2.pkl", "b/", ".hidden"]);
        assert_eq!(
            complete_among("az", &n),
            ("azure_v".into(), names(&["azure_v1.pkl", "azure_v2.pkl"]))
        );
        assert_eq!(complete_among("b", &n), ("b/".into(), names(&["b/"])));
        assert_eq!(complete_among("x", &n), ("x".into(), vec![]));
        assert_eq!(complete_among("", &n).1.len(), 3, "hidden entries left out");
        assert_eq!(complete_among(".h", &n).0, ".hidden");
    }

    #[test]
    fn completes_from_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("trace_a.pkl"), b"").unwrap();
        std::fs::create_dir(dir.path().join("traces")).unwrap();
        let base = format!("{}/", dir.path().display());
        let (text, cands) = complete_path(&format!("{base}trace"));
        assert_eq!(text, format!("{base}trace"));
        assert_eq!(cands, names(&["trace_a.pkl", "traces/"]));
        let (text, _) = complete_path(&format!("{base}trace_"));
        assert_eq!(text, format!("{base}trace_a.pkl"));
        let (text, _) = complete_path(&format!("{base}traces"));
        assert_eq!(text, format!("{base}traces/"));
    }
}
