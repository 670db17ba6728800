//! Decoding client frames: each mistake gets its own message, and faults are read and
//! capped.

use std::time::Duration;

use wslab_protocol::{
    api::Fault,
    chat::ChatRequest,
    decode::{QUOTED_CHARS, excerpt},
    stocks::StockRequest,
};

#[test]
fn chat_requests_are_decoded_with_reasons() {
    assert_eq!(
        ChatRequest::decode(r#"{"type":"leave"}"#),
        Ok(ChatRequest::Leave { room: None })
    );
    let message = |text: &str| ChatRequest::decode(text).expect_err("an error").to_string();
    assert!(message("{nope").starts_with("malformed JSON: "));
    assert_eq!(message("[1]"), "the message has no \"type\" field");
    assert_eq!(
        message(r#"{"type":"shout"}"#),
        "unknown message type \"shout\"; expected join, message or leave"
    );
    assert!(
        message(r#"{"type":"join"}"#).starts_with("bad join message: missing field `username`")
    );
}

#[test]
fn errors_quote_only_the_start_of_a_long_value() {
    assert_eq!(excerpt("short", 40), "short");
    assert_eq!(excerpt("ééééé", 3), "ééé…", "cut on characters, not bytes");
    assert_eq!(excerpt("abc", 3), "abc");

    let long = "x".repeat(60_000);
    let errors = [
        ChatRequest::decode(&format!(r#"{{"type":"{long}"}}"#))
            .expect_err("unknown type")
            .to_string(),
        ChatRequest::decode(&format!(
            r#"{{"type":"join","username":"{long}","since":"{long}"}}"#
        ))
        .expect_err("a string where a number goes")
        .to_string(),
        StockRequest::decode(&format!(r#"{{"action":"{long}"}}"#))
            .expect_err("unknown action")
            .to_string(),
        match Fault::decode(&format!(r#"{{"fault":"{long}"}}"#)) {
            Some(Err(problem)) => problem,
            other => panic!("expected a refusal, got {other:?}"),
        },
    ];
    for error in errors {
        assert!(
            error.chars().count() < 6 * QUOTED_CHARS,
            "{} chars: {}",
            error.len(),
            excerpt(&error, 80)
        );
        assert!(error.contains("xxxx…"), "{error}");
    }
}

#[test]
fn stock_requests_are_decoded_with_reasons() {
    assert_eq!(
        StockRequest::decode(r#"{"action":"unsubscribe","symbols":["AAPL"]}"#),
        Ok(StockRequest::Unsubscribe {
            symbols: vec!["AAPL".into()]
        })
    );
    let message = |text: &str| {
        StockRequest::decode(text)
            .expect_err("an error")
            .to_string()
    };
    assert!(message("nope").starts_with("malformed JSON"));
    assert_eq!(
        message(r#"{"action":"buy"}"#),
        "unknown action \"buy\"; expected subscribe or unsubscribe"
    );
    assert_eq!(
        message(r#"{"action":7}"#),
        "the request has no \"action\" field"
    );
    assert!(
        message(r#"{"action":"subscribe","symbols":"AAPL"}"#).starts_with("bad subscribe request")
    );
}

#[test]
fn fault_messages_are_read_checked_and_capped() {
    assert_eq!(Fault::decode("ping"), None);
    assert_eq!(Fault::decode(r#"{"type":"x"}"#), None);
    assert_eq!(Fault::decode(r#"{"fault":"drop"}"#), Some(Ok(Fault::Drop)));
    assert_eq!(
        Fault::decode(r#"{"fault":"mute","seconds":5}"#),
        Some(Ok(Fault::Mute(Duration::from_secs(5))))
    );
    assert_eq!(
        Fault::decode(r#"{"fault":"close","code":4001,"reason":"bye"}"#),
        Some(Ok(Fault::Close(4001, "bye".into())))
    );
    assert!(matches!(
        Fault::decode(r#"{"fault":"close","code":1006}"#),
        Some(Err(_))
    ));
    assert!(matches!(Fault::decode(r#"{"fault":"mute"}"#), Some(Err(_))));
    assert!(matches!(
        Fault::decode(r#"{"fault":"explode"}"#),
        Some(Err(_))
    ));
    assert_eq!(
        Fault::decode(r#"{"fault":"restart","seconds":9999}"#),
        Some(Ok(Fault::Restart(Duration::from_secs(60))))
    );
}
