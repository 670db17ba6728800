//! What a chat request must be before any room sees it: a valid room name, username and
//! text. The [`super::Hub`] and the [`super::Broker`] both check with these, so both refuse
//! alike, in the same words.

use wslab_protocol::{
    chat::{DEFAULT_ROOM, MAX_ROOM_CHARS, MAX_TEXT_CHARS, MAX_USERNAME_CHARS},
    decode::{QUOTED_CHARS, excerpt},
};

/// The room a request names, checked; the default room when it names none.
pub(super) fn room_name(room: Option<String>) -> Result<String, String> {
    let Some(room) = room else {
        return Ok(DEFAULT_ROOM.to_owned());
    };
    let length = room.chars().count();
    let valid_chars = room
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if (1..=MAX_ROOM_CHARS).contains(&length) && valid_chars {
        Ok(room)
    } else {
        Err(format!(
            "room name {:?} is not valid: use 1 to {MAX_ROOM_CHARS} letters, digits, - or _",
            excerpt(&room, QUOTED_CHARS)
        ))
    }
}

/// The name a join asks for, trimmed; the refusal's words if it is empty, too long or has
/// control characters.
pub(super) fn username(username: &str) -> Result<&str, String> {
    let wanted = username.trim();
    let length = wanted.chars().count();
    if (1..=MAX_USERNAME_CHARS).contains(&length) && !wanted.chars().any(char::is_control) {
        Ok(wanted)
    } else {
        Err(format!(
            "username must be 1 to {MAX_USERNAME_CHARS} characters without control characters (got {length})"
        ))
    }
}

/// A line's text, trimmed; the refusal's words if it is empty or too long.
pub(super) fn text(text: &str) -> Result<&str, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("message text is empty".into());
    }
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(format!(
            "message text is {length} characters; the limit is {MAX_TEXT_CHARS}"
        ));
    }
    Ok(text)
}
