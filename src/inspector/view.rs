//! The `<Inspector>` panel: a `<details>` under a demo with the controls, the counters and
//! the list of frames, newest first.
//!
//! Cheap under a flood: batches arrive at most once per animation frame, rows render only
//! while the panel is open and at most [`VISIBLE_ROWS`] of them, and a row that is already
//! on screen never renders again (its frame never changes). The list sits in a `role="log"`
//! box that is announced only while open, live and slow enough to be read.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlDetailsElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::{
    filter::DirectionFilter,
    format::{clock, preview},
    link::InspectorLink,
    ring::{CAPACITY, Frame},
    state::{Action, InspectorState},
};
use wslab_socket::{Direction, Payload};

/// Rows rendered at most: the newest that pass the filter (all are kept and exported).
pub const VISIBLE_ROWS: usize = 200;

/// How long an export's object URL lives after the click (the download has started by then).
const REVOKE_AFTER_MS: u32 = 10_000;

/// Props of [`Inspector`].
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// The demo's link (see [`super::use_inspector`]); its tap goes to the demo's socket.
    pub link: InspectorLink,
    /// Starts every id (`{id_prefix}-inspector-filter`…): unique ids with several demos on
    /// one page. Usually the demo's name.
    pub id_prefix: AttrValue,
}

/// The message inspector panel of one demo.
#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    let state = use_reducer(InspectorState::default);
    let problem = use_state(|| None::<AttrValue>);
    // One offset for the session: rows show local times without a JavaScript call each.
    let offset_minutes = *use_memo((), |()| js_sys::Date::new_0().get_timezone_offset() as i64);
    {
        let sink = state.dispatcher().to_callback().reform(Action::Record);
        use_effect_with(props.link.clone(), move |link| {
            link.attach(sink);
            let link = link.clone();
            move || link.detach()
        });
    }

    let prefix = props.id_prefix.clone();
    let id = |part: &str| format!("{prefix}-inspector{part}");
    let dispatch = state.dispatcher();
    let on_toggle = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(details) = event.target_dyn_into::<HtmlDetailsElement>() {
                dispatch.dispatch(Action::Expand(details.open()));
            }
        })
    };
    let on_filter = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
                dispatch.dispatch(Action::Filter(input.value().into()));
            }
        })
    };
    let on_direction = {
        let dispatch = dispatch.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                dispatch.dispatch(Action::Direction(DirectionFilter::from_value(
                    &select.value(),
                )));
            }
        })
    };
    let paused = state.is_paused();
    let on_pause = {
        let dispatch = dispatch.clone();
        let action = if paused {
            Action::Resume
        } else {
            Action::Pause
        };
        Callback::from(move |_: MouseEvent| dispatch.dispatch(action.clone()))
    };
    let on_clear = {
        let dispatch = dispatch.clone();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::Clear))
    };
    let on_export = {
        let (state, problem) = (state.clone(), problem.clone());
        let file_name = format!("{prefix}-frames.ndjson");
        Callback::from(
            move |_: MouseEvent| match download(&file_name, &state.export()) {
                Ok(()) => problem.set(None),
                Err(error) => problem.set(Some(
                    format!("Export failed: {}", crate::js::reason(&error)).into(),
                )),
            },
        )
    };

    let totals = state.totals();
    let ready = state.ready();
    let expanded = state.is_expanded();
    let rows = if expanded {
        state.visible(VISIBLE_ROWS)
    } else {
        Vec::new()
    };
    let kept = state.shown().len();

    html! {
        <details id={id("")} class="inspector" ontoggle={on_toggle}>
            <summary>
                <span class="inspector-title">{ "Message inspector" }</span>
                <span class="inspector-summary">
                    { format!(" {} in · {} out · {}", totals.messages_in, totals.messages_out, ready.name()) }
                </span>
            </summary>
            <div class="inspector-controls">
                <label for={id("-filter")}>{ "Filter" }</label>
                <input id={id("-filter")} type="search" placeholder="text or hex"
                    spellcheck="false" autocomplete="off" oninput={on_filter} />
                <label for={id("-direction")}>{ "Direction" }</label>
                <select id={id("-direction")} onchange={on_direction}>
                    { for DirectionFilter::ALL.iter().map(|choice| html! {
                        <option value={choice.value()}
                            selected={state.filter().direction == *choice}>{ choice.label() }</option>
                    }) }
                </select>
                <button id={id("-pause")} type="button" onclick={on_pause}>
                    { if paused { "Resume" } else { "Pause" } }
                </button>
                <button id={id("-clear")} type="button" onclick={on_clear}>{ "Clear" }</button>
                <button id={id("-export")} type="button" onclick={on_export}
                    title="The frames shown (filtered), oldest first, full payloads">{ "Export NDJSON" }</button>
                if let Some(message) = &*problem {
                    <span class="error" role="status">{ message.clone() }</span>
                }
            </div>
            <dl class="inspector-counters">
                <div><dt>{ "Messages in" }</dt><dd id={id("-messages-in")}>{ totals.messages_in }</dd></div>
                <div><dt>{ "Messages out" }</dt><dd id={id("-messages-out")}>{ totals.messages_out }</dd></div>
                <div><dt>{ "Bytes in" }</dt><dd id={id("-bytes-in")}>{ totals.bytes_in }</dd></div>
                <div><dt>{ "Bytes out" }</dt><dd id={id("-bytes-out")}>{ totals.bytes_out }</dd></div>
                <div><dt>{ "Ready state" }</dt><dd id={id("-ready")}>{ format!("{} ({})", ready.number(), ready.name()) }</dd></div>
                <div><dt>{ "Dropped" }</dt><dd id={id("-dropped")}>{ state.dropped() }</dd></div>
            </dl>
            <p class="inspector-status">
                { "Totals since the page opened · " }
                <span id={id("-kept")}>{ kept }</span>{ format!(" frames kept (the last {CAPACITY})") }
                if paused {
                    { " · paused, " }<span id={id("-new")}>{ state.new_since_pause() }</span>{ " new" }
                }
                if rows.len() == VISIBLE_ROWS {
                    { format!(" · newest {VISIBLE_ROWS} shown") }
                }
            </p>
            <p class="visually-hidden" aria-live="polite">
                { if expanded && !paused && state.is_flooding() { "Frames arrive too fast to read out; pause to read them." } else { "" } }
            </p>
            // The log is a box around the list, so the list keeps its list semantics.
            <div id={id("-log")} class="inspector-log" role="log" tabindex="0"
                aria-label="Frames, newest first" aria-relevant="additions"
                aria-live={if state.announces() { "polite" } else { "off" }}>
                <ol class="inspector-list">
                    { for rows.into_iter().map(|frame| html! {
                        <FrameRow key={frame.id} frame={frame.clone()} {offset_minutes} />
                    }) }
                </ol>
            </div>
        </details>
    }
}

/// Props of [`FrameRow`].
#[derive(Properties)]
struct FrameRowProps {
    frame: Frame,
    offset_minutes: i64,
}

impl PartialEq for FrameRowProps {
    fn eq(&self, other: &Self) -> bool {
        // A frame never changes after it is recorded: its id says it all.
        self.frame.id == other.frame.id && self.offset_minutes == other.offset_minutes
    }
}

/// One frame: time, direction, size, type and payload preview.
#[component]
fn FrameRow(props: &FrameRowProps) -> Html {
    let frame = &props.frame;
    let (class, arrow) = match frame.direction {
        Direction::In => ("inspector-frame inspector-in", "←"),
        Direction::Out => ("inspector-frame inspector-out", "→"),
    };
    let kind = match frame.payload {
        Payload::Text(_) => "text",
        Payload::Binary(_) => "binary",
    };
    let direction = frame.direction.name();
    html! {
        <li {class} data-dir={direction} data-size={frame.size_bytes.to_string()}>
            <span class="inspector-time">{ clock(frame.at_ms, props.offset_minutes) }</span>
            <span class="inspector-dir"><span aria-hidden="true">{ arrow }</span>{ " " }{ direction }</span>
            <span class="inspector-size">{ format!("{} B", frame.size_bytes) }</span>
            <span class="inspector-kind">{ kind }</span>
            <code class="inspector-data">{ preview(&frame.payload) }</code>
        </li>
    }
}

/// Saves `text` as a file named `file_name`: a Blob, an object URL and a temporary
/// `<a download>` clicked once. The URL is revoked later by a task that owns the wait.
fn download(file_name: &str, text: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let clicked = click_link(&url, file_name);
    // Revoking at once can cancel the download in some browsers.
    wasm_bindgen_futures::spawn_local(async move {
        gloo_timers::future::TimeoutFuture::new(REVOKE_AFTER_MS).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    clicked
}

fn click_link(url: &str, file_name: &str) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")?
        .dyn_into()
        .map_err(JsValue::from)?;
    anchor.set_href(url);
    anchor.set_download(file_name);
    anchor.set_hidden(true);
    body.append_child(&anchor)?;
    anchor.click();
    anchor.remove();
    Ok(())
}
