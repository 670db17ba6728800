//! Form fields the demos share: a field prefilled once, its value at the moment of use,
//! and Enter as a button.

use web_sys::HtmlInputElement;
use yew::prelude::*;

/// A text field that starts with `initial` but is then the user's: the value is written to
/// the DOM once (and again only if `initial` changes), never on every render, so what the
/// user typed survives re-renders. Read it at the moment of use with [`value_of`].
#[hook]
pub fn use_prefilled(initial: AttrValue) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(initial, move |initial| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.set_value(initial);
            }
        });
    }
    node
}

/// The current text of an input (empty if it is not mounted).
pub fn value_of(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default()
}

/// A `keypress` handler that runs `action` on Enter (and keeps Enter from submitting).
pub fn on_enter(action: Callback<()>) -> Callback<KeyboardEvent> {
    Callback::from(move |event: KeyboardEvent| {
        if event.key() == "Enter" {
            event.prevent_default();
            action.emit(());
        }
    })
}
