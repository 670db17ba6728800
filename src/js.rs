//! JavaScript errors as the app shows them: a thrown value or a rejected promise from a web
//! API (fetch, the clipboard, a download) becomes a sentence for the page.

use wasm_bindgen::{JsCast, JsValue};

/// The message of a JavaScript `Error` (a `DOMException` too), a thrown string as is, or
/// "unknown error".
pub fn reason(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value
        .as_string()
        .unwrap_or_else(|| "unknown error".to_owned())
}
