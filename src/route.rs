//! Hash routes (`#/echo`), so links work on static hosting from any sub-path. The routes are
//! the registry's demos ([`crate::demos::DEMOS`]).

use gloo_events::EventListener;
use yew::prelude::*;

use crate::demos::{DEMOS, Demo};

/// A page of the app: one of the registry's demos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route(usize);

impl Route {
    /// Every page, in navigation order.
    pub fn all() -> impl Iterator<Item = Route> {
        (0..DEMOS.len()).map(Route)
    }

    /// The home page: the registry's first demo.
    pub fn home() -> Self {
        Route(0)
    }

    /// The page a `location.hash` names; unknown or empty hashes go to the home page.
    pub fn from_hash(hash: &str) -> Self {
        let slug = hash.trim_start_matches('#').trim_start_matches('/');
        DEMOS
            .iter()
            .position(|demo| demo.slug == slug)
            .map_or(Self::home(), Route)
    }

    /// The page's demo.
    pub fn demo(self) -> &'static Demo {
        DEMOS[self.0]
    }

    /// The page's `href`.
    pub fn href(self) -> String {
        format!("#/{}", self.demo().slug)
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
        let slug = |hash| Route::from_hash(hash).demo().slug;
        assert_eq!(slug(""), "echo");
        assert_eq!(slug("#/echo"), "echo");
        assert_eq!(slug("#/chat"), "chat");
        assert_eq!(slug("#/ticker"), "ticker");
        assert_eq!(slug("#/nowhere"), "echo");
        for route in Route::all() {
            assert_eq!(Route::from_hash(&route.href()), route);
        }
        assert_eq!(Route::all().count(), DEMOS.len());
    }
}
