//! Hash routes (`#/echo`), so links work on static hosting from any sub-path.

use gloo_events::EventListener;
use yew::prelude::*;

/// A page of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Open / Send / Close, and the one-shot hello.
    Echo,
    /// The chat room.
    Chat,
    /// The live stock ticker.
    Ticker,
    /// Heartbeat, reconnect and fault injection.
    Reliable,
}

impl Route {
    /// Every page, in navigation order.
    pub const ALL: [Route; 4] = [Route::Echo, Route::Chat, Route::Ticker, Route::Reliable];

    /// The page a `location.hash` names; unknown or empty hashes go to the first page.
    pub fn from_hash(hash: &str) -> Self {
        match hash.trim_start_matches('#').trim_start_matches('/') {
            "chat" => Self::Chat,
            "ticker" => Self::Ticker,
            "reliable" => Self::Reliable,
            _ => Self::Echo,
        }
    }

    /// The page's `href`.
    pub fn href(self) -> &'static str {
        match self {
            Self::Echo => "#/echo",
            Self::Chat => "#/chat",
            Self::Ticker => "#/ticker",
            Self::Reliable => "#/reliable",
        }
    }
}

fn current() -> Route {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    Route::from_hash(&hash)
}

/// The current route, updated on `hashchange`; the listener goes when the component does.
#[hook]
pub fn use_route() -> Route {
    let route = use_state(current);
    {
        let route = route.clone();
        use_effect_with((), move |()| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "hashchange", move |_| route.set(current()))
            });
            move || drop(listener)
        });
    }
    *route
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_map_to_pages() {
        assert_eq!(Route::from_hash(""), Route::Echo);
        assert_eq!(Route::from_hash("#/echo"), Route::Echo);
        assert_eq!(Route::from_hash("#/chat"), Route::Chat);
        assert_eq!(Route::from_hash("#/ticker"), Route::Ticker);
        assert_eq!(Route::from_hash("#/nowhere"), Route::Echo);
        for route in Route::ALL {
            assert_eq!(Route::from_hash(route.href()), route);
        }
    }
}
