//! Substring search by plain byte comparison, for the app's short needles (`://`, a filter
//! typed in the inspector).
//!
//! `str::find(&str)`, `contains(&str)` and `split_once(&str)` bring `core`'s two-way
//! searcher into the wasm; a window scan is a few instructions and, for needles of a few
//! bytes, as quick. On UTF-8 text a byte match is a character match, since no character's
//! encoding starts inside another's.

/// Where `needle` first occurs in `haystack` (byte offset), if it does. An empty needle
/// occurs at 0.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// `text` split around the first `separator`, as `str::split_once` does.
pub fn split_once<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let at = find(text.as_bytes(), separator.as_bytes())?;
    // `at` and `at + separator.len()` are character boundaries: a match of whole UTF-8
    // text starts and ends on one.
    Some((text.get(..at)?, text.get(at + separator.len()..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answers as the standard library's searcher, on ASCII and beyond.
    #[test]
    fn agrees_with_str_search() {
        let hays = [
            "",
            "a",
            "ws://host:8080",
            "été à Paris",
            "aaab",
            "x://y://z",
            "abc",
        ];
        let needles = ["", "a", "://", "à P", "aab", "été", "c", "abcd", "é"];
        for hay in hays {
            for needle in needles {
                assert_eq!(
                    find(hay.as_bytes(), needle.as_bytes()),
                    hay.find(needle),
                    "{hay:?} {needle:?}"
                );
                assert_eq!(
                    contains(hay.as_bytes(), needle.as_bytes()),
                    hay.contains(needle)
                );
                assert_eq!(
                    split_once(hay, needle),
                    hay.split_once(needle),
                    "{hay:?} {needle:?}"
                );
            }
        }
    }
}
