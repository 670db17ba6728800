//! Server frames read into the protocol's typed events.
//!
//! In the browser the JSON is parsed by the browser's own `JSON.parse` and the fields are
//! read off the object it gives, so serde_json's parser, its float tables and its error
//! messages stay out of the app (about 14 KB gzipped). Natively, where the reducers' unit
//! tests run, it is the protocol crate's serde reading. Both end in the protocol's
//! `from_fields`, and `tests/wire.rs` runs one table of frames through both in Chromium.
//!
//! Where the two readers may differ, on frames the server never sends: a top-level array
//! (serde would read a struct from it positionally; here it is malformed), a repeated key
//! (serde refuses it; `JSON.parse` keeps the last), and whole numbers written with a
//! fraction such as `1.0` (serde refuses them as `u64`; here they are whole).

use wslab_protocol::{
    api::FaultRefused,
    chat::{ChatEvent, Incoming},
    parallel::ParallelEvent,
    stocks::StockEvent,
};

/// A chat server frame, as [`ChatEvent::read`] reads it.
pub fn chat_event(text: &str) -> Incoming<ChatEvent> {
    #[cfg(target_arch = "wasm32")]
    {
        browser::chat_fields(text).map_or(Incoming::Malformed, ChatEvent::from_fields)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ChatEvent::read(text)
    }
}

/// A stocks server frame, as [`StockEvent::read`] reads it.
pub fn stock_event(text: &str) -> Option<StockEvent> {
    #[cfg(target_arch = "wasm32")]
    {
        browser::stock_fields(text).and_then(StockEvent::from_fields)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        StockEvent::read(text)
    }
}

/// A `/parallel` server frame, as [`ParallelEvent::read`] reads it.
pub fn parallel_event(text: &str) -> Option<ParallelEvent> {
    #[cfg(target_arch = "wasm32")]
    {
        browser::parallel_fields(text).and_then(ParallelEvent::from_fields)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ParallelEvent::read(text)
    }
}

/// An `/api` frame refusing a fault, as [`FaultRefused::read`] reads it.
pub fn fault_refused(text: &str) -> Option<FaultRefused> {
    // Only a JSON object can be one: `pong` and echoed text cost no parsing.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    #[cfg(target_arch = "wasm32")]
    {
        browser::fault_refused_fields(text).and_then(FaultRefused::from_fields)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        FaultRefused::read(text)
    }
}

#[cfg(target_arch = "wasm32")]
mod browser {
    //! `JSON.parse` and typed field reads, with serde's rules: an absent or `null` field
    //! is `None`; a field of the wrong type makes the whole frame unreadable.

    use js_sys::{Array, JSON, Reflect};
    use wasm_bindgen::JsValue;
    use wslab_protocol::{
        api::FaultRefusedFields, chat::ChatFields, parallel::ParallelFields, stocks::StockFields,
    };

    /// The largest whole number a JavaScript number holds exactly (2^53 − 1).
    const MAX_EXACT: f64 = 9_007_199_254_740_991.0;

    /// The fields of a chat frame; `None` if it is not a JSON object of the right types.
    pub fn chat_fields(text: &str) -> Option<ChatFields> {
        let object = Object::parse(text)?;
        Some(ChatFields {
            kind: object.string("type")?,
            username: object.string("username")?,
            text: object.string("text")?,
            room: object.string("room")?,
            id: object.whole("id")?,
            ts: object.whole("ts")?,
            members: object.strings("members")?,
            message: object.string("message")?,
            since: object.whole("since")?,
        })
    }

    /// The fields of a stocks frame; `None` if it is not a JSON object of the right types.
    pub fn stock_fields(text: &str) -> Option<StockFields> {
        let object = Object::parse(text)?;
        Some(StockFields {
            kind: object.string("type")?,
            symbol: object.string("symbol")?,
            price: object.number("price")?,
            change: object.number("change")?,
            volume: object.whole("volume")?,
            message: object.string("message")?,
        })
    }

    /// The fields of a `/parallel` frame; `None` if it is not a JSON object of the right
    /// types.
    pub fn parallel_fields(text: &str) -> Option<ParallelFields> {
        let object = Object::parse(text)?;
        Some(ParallelFields {
            kind: object.string("type")?,
            host: object.string("host")?,
            port: object.whole("port")?,
            n: object.whole("n")?,
            text: object.string("text")?,
            after_tick: object.whole("after_tick")?,
            message: object.string("message")?,
        })
    }

    /// The fields of an `/api` refusal; `None` if it is not a JSON object of the right types.
    pub fn fault_refused_fields(text: &str) -> Option<FaultRefusedFields> {
        let object = Object::parse(text)?;
        Some(FaultRefusedFields {
            kind: object.string("type")?,
            fault: object.string("fault")?,
            message: object.string("message")?,
        })
    }

    /// A parsed JSON object. Each getter answers `None` for a field of the wrong type and
    /// `Some(None)` for an absent or `null` one.
    struct Object(JsValue);

    impl Object {
        fn parse(text: &str) -> Option<Self> {
            let value = JSON::parse(text).ok()?;
            (value.is_object() && !Array::is_array(&value)).then_some(Self(value))
        }

        fn field<T>(
            &self,
            key: &str,
            read: impl FnOnce(JsValue) -> Option<T>,
        ) -> Option<Option<T>> {
            let value = Reflect::get(&self.0, &JsValue::from_str(key)).ok()?;
            if value.is_undefined() || value.is_null() {
                Some(None)
            } else {
                read(value).map(Some)
            }
        }

        fn string(&self, key: &str) -> Option<Option<String>> {
            self.field(key, |value| value.as_string())
        }

        /// A finite number (`JSON.parse` turns `1e400` into infinity; serde refuses it).
        fn number(&self, key: &str) -> Option<Option<f64>> {
            self.field(key, |value| value.as_f64().filter(|n| n.is_finite()))
        }

        /// A whole number from 0 to 2^53 − 1, the range a JavaScript number holds exactly.
        fn whole(&self, key: &str) -> Option<Option<u64>> {
            self.field(key, |value| {
                let n = value.as_f64()?;
                // Checked first: whole, not negative, at most 2^53 - 1, so `as` is exact.
                (n.fract() == 0.0 && (0.0..=MAX_EXACT).contains(&n)).then_some(n as u64)
            })
        }

        fn strings(&self, key: &str) -> Option<Option<Vec<String>>> {
            self.field(key, |value| {
                if !Array::is_array(&value) {
                    return None;
                }
                Array::from(&value)
                    .iter()
                    .map(|item| item.as_string())
                    .collect()
            })
        }
    }
}
