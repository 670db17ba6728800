//! Fuzz target: every way the server decodes a client's frame.
//!
//! Properties checked on any input: no decoder panics; a chat or stocks request that
//! decodes re-encodes to JSON that decodes to the same request; a close request built from
//! any code and reason is either refused or within the rules (sendable code, reason of at
//! most 123 bytes).

#![no_main]

use libfuzzer_sys::fuzz_target;
use wslab_protocol::{
    api::Fault,
    chat::ChatRequest,
    close::{CloseRequest, MAX_REASON_BYTES},
    stocks::StockRequest,
};

fuzz_target!(|data: &[u8]| {
    // Close codes and reasons come from the user, in the app: the first two bytes are a
    // code, the rest a reason.
    if let [high, low, reason @ ..] = data {
        let code = u16::from_be_bytes([*high, *low]);
        let reason = String::from_utf8_lossy(reason);
        if let Ok(request) = CloseRequest::new(code, reason.as_ref()) {
            assert_eq!(request.code(), code);
            assert!(code == 1000 || (3000..=4999).contains(&code), "{code}");
            assert!(request.reason().len() <= MAX_REASON_BYTES);
        }
    }
    // Text frames: what /chat, /stocks and /api read.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(request) = ChatRequest::decode(text) {
        let json = serde_json::to_string(&request).expect("a decoded request encodes");
        assert_eq!(ChatRequest::decode(&json).as_ref(), Ok(&request), "{json}");
    }
    if let Ok(request) = StockRequest::decode(text) {
        let json = serde_json::to_string(&request).expect("a decoded request encodes");
        assert_eq!(StockRequest::decode(&json).as_ref(), Ok(&request), "{json}");
    }
    let _ = Fault::decode(text);
});
