//! Helpers for the browser component tests: mount a component in its own element, find
//! and drive elements inside it, and wait for a condition with a timeout (never a bare sleep).

#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew::{AppHandle, BaseComponent};

/// Upper bound for one wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// The live server's base URL (`ws://127.0.0.1:PORT`), fixed when the tests were compiled.
pub fn server() -> &'static str {
    // A runtime failure, not `env!`, so the crate still compiles for clippy without it.
    match option_env!("WSLAB_TEST_SERVER") {
        Some(url) => url,
        None => panic!("WSLAB_TEST_SERVER must be set at compile time: run `cargo xtask test`"),
    }
}

/// A component mounted in a fresh `<div>` of the page; unmounted and removed on drop.
pub struct Mounted<C: BaseComponent> {
    /// The element the component renders into.
    pub root: Element,
    handle: Option<AppHandle<C>>,
}

impl<C: BaseComponent> Mounted<C> {
    /// Mounts `C` with `props`.
    pub async fn new(props: C::Properties) -> Self {
        let document = gloo_utils_document();
        let root = document.create_element("div").expect("create div");
        document
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append");
        let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        Self {
            root,
            handle: Some(handle),
        }
    }

    /// The element matching `selector` inside the component.
    pub fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .expect("valid selector")
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    /// Whether the element is disabled.
    pub fn disabled(&self, selector: &str) -> bool {
        self.find(selector).has_attribute("disabled")
    }

    /// Clicks the element.
    pub async fn click(&self, selector: &str) {
        self.find(selector)
            .dyn_into::<HtmlElement>()
            .expect("an HTML element")
            .click();
        yew::scheduler::flush().await;
    }

    /// Sets an input's value.
    pub fn set_value(&self, selector: &str, value: &str) {
        self.find(selector)
            .dyn_into::<HtmlInputElement>()
            .expect("an input")
            .set_value(value);
    }

    /// The text of the element.
    pub fn text(&self, selector: &str) -> String {
        self.find(selector).text_content().unwrap_or_default()
    }

    /// The texts of the element's children.
    pub fn lines(&self, selector: &str) -> Vec<String> {
        let children = self.find(selector).children();
        (0..children.length())
            .filter_map(|i| children.item(i))
            .map(|child| child.text_content().unwrap_or_default())
            .collect()
    }

    /// The texts of every element matching `selector`, in document order.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        let nodes = self
            .root
            .query_selector_all(selector)
            .expect("valid selector");
        (0..nodes.length())
            .filter_map(|i| nodes.item(i))
            .map(|node| node.text_content().unwrap_or_default())
            .collect()
    }

    /// Waits until `condition` holds, re-checking after each render; panics after [`WAIT`]
    /// saying what it waited for.
    pub async fn wait_for(&self, what: &str, condition: impl Fn(&Self) -> bool) {
        self.wait_within(WAIT, what, condition).await;
    }

    /// [`Self::wait_for`] with its own limit (for waits that include reconnect backoff).
    pub async fn wait_within(
        &self,
        limit: Duration,
        what: &str,
        condition: impl Fn(&Self) -> bool,
    ) {
        let deadline = js_sys::Date::now() + limit.as_millis() as f64;
        loop {
            yew::scheduler::flush().await;
            if condition(self) {
                return;
            }
            if js_sys::Date::now() > deadline {
                panic!(
                    "timed out after {limit:?} waiting for: {what}\ncomponent HTML: {}",
                    self.root.inner_html()
                );
            }
            // Yield to the browser so socket events can arrive.
            TimeoutFuture::new(10).await;
        }
    }
}

impl<C: BaseComponent> Drop for Mounted<C> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

fn gloo_utils_document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}
