//! The message list, virtualized: only the rows in view (plus a margin) are in the DOM, so
//! 100,000 lines cost as much to render as 50. Rows have a fixed height; a long line is
//! cut with an ellipsis and shown whole in its tooltip.
//!
//! It follows the newest line while the reader is at the bottom; once they scroll up it
//! stays put and shows a "new messages" button instead.

use web_sys::HtmlElement;
use yew::prelude::*;

use super::{lines::Lines, state::Line};

/// Height of one row, in CSS pixels (`.chat-row` in the stylesheet agrees).
pub const ROW_HEIGHT: f64 = 24.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;
/// Height of the list before it has been measured (`.chat-scroll` in the stylesheet).
const DEFAULT_VIEW: f64 = 384.0;

/// Props of [`ChatList`].
#[derive(Properties, PartialEq)]
pub struct ChatListProps {
    /// Every line.
    pub lines: Lines<Line>,
    /// Whether to tag lines with their room (when the user is in several).
    #[prop_or_default]
    pub multi_room: bool,
}

/// Where the reader is.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Viewport {
    top: f64,
    height: f64,
    /// At the bottom: follow new lines.
    pinned: bool,
}

/// The first and one-past-last rows to render for `len` rows seen through `view`.
fn window(len: usize, view: Viewport) -> (usize, usize) {
    let height = view.height.max(ROW_HEIGHT);
    let top = if view.pinned {
        (len as f64 * ROW_HEIGHT - height).max(0.0)
    } else {
        view.top.max(0.0)
    };
    let first = ((top / ROW_HEIGHT).floor() as usize).saturating_sub(OVERSCAN);
    let last = (((top + height) / ROW_HEIGHT).ceil() as usize + OVERSCAN).min(len);
    (first.min(last), last)
}

/// The list.
#[component]
pub fn ChatList(props: &ChatListProps) -> Html {
    let scroller = use_node_ref();
    let view = use_state(|| Viewport {
        top: 0.0,
        height: DEFAULT_VIEW,
        pinned: true,
    });
    let len = props.lines.len();
    // Lines that arrived while the reader was scrolled up.
    let unseen_from = use_state(|| None::<usize>);

    let on_scroll = {
        let (scroller, view, unseen_from) = (scroller.clone(), view.clone(), unseen_from.clone());
        Callback::from(move |_: Event| {
            let Some(element) = scroller.cast::<HtmlElement>() else {
                return;
            };
            let top = f64::from(element.scroll_top());
            let height = f64::from(element.client_height());
            let bottom = f64::from(element.scroll_height()) - height;
            let pinned = top >= bottom - ROW_HEIGHT / 2.0;
            if pinned {
                unseen_from.set(None);
            }
            view.set(Viewport {
                top,
                height,
                pinned,
            });
        })
    };

    // Keep the browser's scroll position at the bottom while following.
    {
        let (scroller, pinned, unseen_from) = (scroller.clone(), view.pinned, unseen_from.clone());
        use_effect_with(len, move |&len| {
            if pinned {
                if let Some(element) = scroller.cast::<HtmlElement>() {
                    element.set_scroll_top(element.scroll_height());
                }
            } else if unseen_from.is_none() && len > 0 {
                unseen_from.set(Some(len - 1));
            }
        });
    }

    let jump_to_newest = {
        let (scroller, view) = (scroller.clone(), view.clone());
        Callback::from(move |_: MouseEvent| {
            view.set(Viewport {
                pinned: true,
                ..*view
            });
            if let Some(element) = scroller.cast::<HtmlElement>() {
                element.set_scroll_top(element.scroll_height());
            }
        })
    };

    let (first, last) = window(len, *view);
    let rows = (first..last).filter_map(|index| {
        let line = props.lines.get(index)?;
        let style = format!("top:{}px", crate::lean::decimal::fixed(index as f64 * ROW_HEIGHT, 0));
        Some(match line {
            Line::Chat {
                username,
                text,
                room,
                ..
            } => html! {
                <div key={index} class="chat-row chat-line" {style} title={text.clone()} data-index={index.to_string()}>
                    if props.multi_room {
                        <span class="chat-room-tag">{ format!("#{room} ") }</span>
                    }
                    <b>{ format!("{username}: ") }</b>
                    <span>{ text.clone() }</span>
                </div>
            },
            Line::System(text) => html! {
                <div key={index} class="chat-row chat-system" {style} title={text.clone()} data-index={index.to_string()}>
                    { text.clone() }
                </div>
            },
        })
    });
    let total = format!(
        "height:{}px",
        crate::lean::decimal::fixed(len as f64 * ROW_HEIGHT, 0)
    );

    html! {
        <div class="chat-list">
            <div id="chat-scroll" class="chat-scroll" ref={scroller} onscroll={on_scroll} tabindex="0"
                aria-label="Messages">
                <div id="chat-messages" style={total} role="log" aria-live="polite">
                    { for rows }
                </div>
            </div>
            if unseen_from.is_some() && !view.pinned {
                <button id="chat-new" class="chat-new" onclick={jump_to_newest}>{ "New messages ↓" }</button>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(top: f64, pinned: bool) -> Viewport {
        Viewport {
            top,
            height: 240.0,
            pinned,
        }
    }

    #[test]
    fn renders_the_visible_rows_plus_a_margin() {
        // 10 rows fit in 240 px.
        assert_eq!(window(5, view(0.0, false)), (0, 5));
        assert_eq!(window(100_000, view(0.0, false)), (0, 20));
        assert_eq!(window(100_000, view(24_000.0, false)), (990, 1020));
    }

    #[test]
    fn follows_the_bottom_when_pinned() {
        assert_eq!(window(100_000, view(0.0, true)), (99_980, 100_000));
        assert_eq!(window(3, view(0.0, true)), (0, 3));
    }

    #[test]
    fn never_more_than_a_screen_and_two_margins() {
        for len in [0, 1, 149, 150, 10_000, 100_000] {
            for top in [0.0, 1234.0, 1e9] {
                let (first, last) = window(len, view(top, false));
                assert!(first <= last && last <= len);
                assert!(last - first <= 10 + 1 + 2 * OVERSCAN);
            }
        }
    }
}
