//! The app's frame reader (`JSON.parse` in the browser) against the protocol crate's serde
//! reader, in headless Chromium, over one table of frames: every event the servers send,
//! unknown types, missing fields, fields of the wrong type, numbers out of range and text
//! that is not JSON. Both must read each frame to the same event, or refuse it alike.

use wasm_bindgen_test::*;
use wslab::lean::wire;
use wslab_protocol::{
    api::FaultRefused, chat::ChatEvent, parallel::ParallelEvent, stocks::StockEvent,
};

wasm_bindgen_test_configure!(run_in_browser);

/// Frames both readers see; the comment says what each one tries.
const FRAMES: &[&str] = &[
    // Every chat event, as the server writes it.
    r#"{"type":"message","username":"Ada","text":"Bonjour","room":"general","id":7,"ts":1700000000000}"#,
    r#"{"type":"join","username":"Bob","room":"general"}"#,
    r#"{"type":"leave","username":"Bob","room":"maths"}"#,
    r#"{"type":"joined","username":"Ada (2)","room":"general","members":["Ada","Ada (2)"]}"#,
    r#"{"type":"error","message":"bad input"}"#,
    r#"{"type":"gap","room":"general","since":1796297097758004}"#,
    r#"{"type":"gap","room":"general","since":"5"}"#,
    // Every stocks event.
    r#"{"type":"quote","symbol":"AAPL","price":189.12,"change":-0.42,"volume":1200}"#,
    r#"{"type":"quote","symbol":"MSFT","price":0,"change":0,"volume":0}"#,
    // Field order, extra fields, null for an optional field, escapes, non-ASCII.
    r#"{"room":"r","username":"Zoë","type":"join","extra":[1,{"a":null}]}"#,
    r#"{"type":"error","message":"quote \" backslash \\ tab \t é \u00e9 😀","symbol":null}"#,
    r#"  {"type":"join","username":"A","room":"b"}  "#,
    // Unknown or missing type.
    r#"{"type":"typing","username":"Ada"}"#,
    r#"{"username":"Ada","room":"general"}"#,
    r#"{}"#,
    // The API reference's own shapes, without what wslab's server adds (room, id, ts).
    r#"{"type":"message","username":"Ada","text":"hi"}"#,
    r#"{"type":"leave","username":"Ada"}"#,
    r#"{"type":"message","username":"Ada","text":"hi","room":"general","id":7}"#,
    // A known type with a field missing.
    r#"{"type":"join"}"#,
    r#"{"type":"message","username":"Ada","room":"general","id":7,"ts":1}"#,
    r#"{"type":"quote","symbol":"AAPL","price":1.5,"change":0.1}"#,
    // Fields of the wrong type.
    r#"{"type":7}"#,
    r#"{"type":"join","username":42,"room":"general"}"#,
    r#"{"type":"joined","username":"Ada","room":"g","members":"Ada"}"#,
    r#"{"type":"joined","username":"Ada","room":"g","members":["Ada",3]}"#,
    r#"{"type":"quote","symbol":"AAPL","price":"1.5","change":0.1,"volume":3}"#,
    r#"{"type":"message","username":"A","text":"t","room":"r","id":-1,"ts":1}"#,
    r#"{"type":"message","username":"A","text":"t","room":"r","id":1.5,"ts":1}"#,
    r#"{"type":"quote","symbol":"AAPL","price":1e400,"change":0,"volume":3}"#,
    r#"{"type":"quote","symbol":"AAPL","price":1,"change":0,"volume":true}"#,
    // The largest whole number both hold exactly.
    r#"{"type":"message","username":"A","text":"t","room":"r","id":9007199254740991,"ts":0}"#,
    // `/api`: a refused drill, an acknowledgement (its fault is an object), a refusal
    // without its message.
    r#"{"type":"error","fault":"restart","message":"restart drills are off on this server"}"#,
    r#"{"type":"fault","fault":{"fault":"restart","seconds":3}}"#,
    r#"{"type":"error","fault":"restart"}"#,
    // `/parallel`: every event, a port out of range, a tick without its number.
    r#"{"type":"address","host":"127.0.0.1","port":54321}"#,
    r#"{"type":"address","host":"203.0.113.7","port":null}"#,
    r#"{"type":"address","host":"127.0.0.1","port":70000}"#,
    r#"{"type":"tick","n":3}"#,
    r#"{"type":"tick"}"#,
    r#"{"type":"reply","text":"bonjour","after_tick":2}"#,
    // Not JSON, or not an object.
    "",
    "ping",
    "pong",
    r#"{"type":"join","username":"A","room":"b""#,
    r#"{"type":"join","username":"A","room":"b"} trailing"#,
    "null",
    "42",
    r#""a string""#,
];

#[wasm_bindgen_test]
fn chat_frames_read_alike() {
    for frame in FRAMES {
        assert_eq!(
            wire::chat_event(frame),
            ChatEvent::read(frame),
            "chat frame {frame}"
        );
    }
}

#[wasm_bindgen_test]
fn stock_frames_read_alike() {
    for frame in FRAMES {
        assert_eq!(
            wire::stock_event(frame),
            StockEvent::read(frame),
            "stocks frame {frame}"
        );
    }
}

#[wasm_bindgen_test]
fn parallel_frames_read_alike() {
    for frame in FRAMES {
        assert_eq!(
            wire::parallel_event(frame),
            ParallelEvent::read(frame),
            "parallel frame {frame}"
        );
    }
    assert!(
        FRAMES
            .iter()
            .filter(|f| wire::parallel_event(f).is_some())
            .count()
            >= 5,
        "the table holds every /parallel event"
    );
}

#[wasm_bindgen_test]
fn api_refusals_read_alike() {
    for frame in FRAMES {
        assert_eq!(
            wire::fault_refused(frame),
            FaultRefused::read(frame),
            "api frame {frame}"
        );
    }
    assert_eq!(
        FRAMES
            .iter()
            .filter(|f| wire::fault_refused(f).is_some())
            .count(),
        1,
        "exactly the one refusal reads as one"
    );
}

#[wasm_bindgen_test]
fn the_table_reaches_every_outcome() {
    // So that "alike" is not "both always refuse": the table holds events, unknown types
    // and malformed frames for chat, and events and refusals for stocks.
    use wslab_protocol::chat::Incoming;
    let chat: Vec<_> = FRAMES.iter().map(|f| wire::chat_event(f)).collect();
    assert!(
        chat.iter()
            .filter(|i| matches!(i, Incoming::Event(_)))
            .count()
            >= 7
    );
    assert!(chat.iter().any(|i| matches!(i, Incoming::Unknown)));
    assert!(
        chat.iter()
            .filter(|i| matches!(i, Incoming::Malformed))
            .count()
            >= 10
    );
    let stocks: Vec<_> = FRAMES.iter().map(|f| wire::stock_event(f)).collect();
    assert!(stocks.iter().filter(|s| s.is_some()).count() >= 4);
    assert!(stocks.iter().filter(|s| s.is_none()).count() >= 20);
}
