//! The live stock ticker (the Brython API reference's StockTicker): connects when shown, subscribes to the
//! API reference's five symbols on open, and keeps a table of Symbol / Price / Change / Volume.
//!
//! Under load, quotes are buffered as they arrive and applied once per animation frame;
//! rows are keyed components that re-render only when their own symbol changed. The
//! connection is the reliable one: after a drop it reconnects and resubscribes, and each
//! symbol's snapshot brings its row up to date.

mod client;
pub mod doc;
pub mod state;

use std::rc::Rc;

pub use client::{LiveDataClient, StockCodec};
use gloo_render::{AnimationFrame, request_animation_frame};
use web_sys::HtmlInputElement;
use wslab_protocol::stocks::{CATALOGUE, Quote, StockEvent};
use yew::prelude::*;

use crate::{
    demos::{Demo, Words},
    inspector::{Inspector, use_inspector},
    lean::vec_map::VecMap,
    settings::endpoint,
    widgets::{
        fields::{on_enter, use_prefilled, value_of},
        sparkline::Sparkline,
    },
};
use wslab_socket::{SocketEvent, SocketOptions, reconnect::Policy, use_socket};

/// The ticker page in the registry.
pub static DEMO: Demo = Demo {
    slug: "ticker",
    name: Words {
        en: "Ticker",
        fr: "Cotations",
    },
    endpoints: &[wslab_protocol::stocks::PATH],
    doc: &doc::DOC,
    view: |server| html! { <TickerDemo url={endpoint(server, wslab_protocol::stocks::PATH)} /> },
};
use state::{
    Action, Move, Row, SPARK_POINTS, TickerState, format_change, format_price, format_volume,
    resume_request,
};

/// Props of [`TickerDemo`].
#[derive(Properties, PartialEq)]
pub struct TickerDemoProps {
    /// The `/stocks` endpoint's URL (without query).
    pub url: AttrValue,
}

/// Quotes held for one frame before they are conflated to one per symbol.
const MAX_BUFFERED: usize = 20_000;

/// Quotes waiting for the next animation frame, and the frame request if one is pending.
#[derive(Default)]
struct FrameBuffer {
    quotes: Vec<Quote>,
    frame: Option<AnimationFrame>,
}

/// The ticker demo.
#[component]
pub fn TickerDemo(props: &TickerDemoProps) -> Html {
    let state = use_reducer(TickerState::default);
    let buffer = use_mut_ref(FrameBuffer::default);
    let callbacks: client::Callbacks = use_mut_ref(VecMap::new);

    // Quotes go into the frame buffer; one animation frame applies them all.
    let on_quote = {
        let (buffer, dispatch) = (buffer.clone(), state.dispatcher());
        Callback::from(move |quote: Quote| {
            let mut pending = buffer.borrow_mut();
            pending.quotes.push(quote);
            // Animation frames stop in a hidden tab while quotes keep coming: past a bound,
            // keep only each symbol's newest (they are applied as one batch anyway).
            if pending.quotes.len() > MAX_BUFFERED {
                let mut seen = VecMap::new();
                let mut newest: Vec<Quote> = std::mem::take(&mut pending.quotes)
                    .into_iter()
                    .rev()
                    .filter(|q| seen.insert(q.symbol.clone(), ()).is_none())
                    .collect();
                newest.reverse();
                pending.quotes = newest;
            }
            if pending.frame.is_none() {
                let (buffer, dispatch) = (buffer.clone(), dispatch.clone());
                pending.frame = Some(request_animation_frame(move |now| {
                    let quotes = {
                        let mut pending = buffer.borrow_mut();
                        pending.frame = None;
                        std::mem::take(&mut pending.quotes)
                    };
                    dispatch.dispatch(Action::Quotes { quotes, now });
                }));
            }
        })
    };
    // Quotes go to their channel's callback (a dropped channel has none: ignored); the
    // rest to the reducer.
    let on_event = {
        let (dispatch, callbacks) = (state.dispatcher(), callbacks.clone());
        Callback::from(move |event| match event {
            SocketEvent::Message(StockEvent::Quote(quote)) => {
                client::deliver(&callbacks, quote);
            }
            other => dispatch.dispatch(Action::Socket(other)),
        })
    };
    // On every open (the first, as the API reference's demo does, and each reconnect): subscribe to what is
    // wanted, which brings a fresh snapshot of each symbol.
    let resume = {
        let (callbacks, on_quote, wanted) =
            (callbacks.clone(), on_quote.clone(), state.wanted.clone());
        Callback::from(move |()| {
            let mut registered = callbacks.borrow_mut();
            for symbol in &wanted {
                registered.insert(symbol.to_string(), on_quote.clone());
            }
            resume_request(&wanted).into_iter().collect()
        })
    };
    // Records every quote frame too: cheaply (one batch per animation frame, rows only
    // while the panel is open), so the table keeps its frame rate.
    let inspector = use_inspector();
    let socket = use_socket(
        SocketOptions::with_codec(StockCodec, on_event)
            .reliable(Policy::default())
            .resume(resume)
            .tap(inspector.tap()),
    );
    let client = LiveDataClient::new(socket, callbacks);

    let rate_field = use_prefilled("".into());
    let symbol_field = use_node_ref();
    // Connect when shown (and when the server changes; Reconnect connects by itself).
    {
        let (client, dispatch) = (client.clone(), state.dispatcher());
        use_effect_with(props.url.clone(), move |url| {
            if let Err(error) = client.connect(url) {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
        });
    }
    // On unmount: drop the pending frame.
    {
        let buffer = buffer.clone();
        use_effect_with((), move |()| move || drop(buffer.borrow_mut().frame.take()));
    }
    let add = {
        let (client, on_quote, dispatch, field) = (
            client.clone(),
            on_quote.clone(),
            state.dispatcher(),
            symbol_field.clone(),
        );
        let wanted = state.wanted.clone();
        Callback::from(move |()| {
            let typed = value_of(&field).trim().to_ascii_uppercase();
            if typed.is_empty() {
                return;
            }
            let symbols: Vec<String> = typed
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let (known, unknown): (Vec<String>, Vec<String>) = symbols
                .into_iter()
                .partition(|s| CATALOGUE.contains(&s.as_str()));
            if !unknown.is_empty() {
                dispatch.dispatch(Action::Notice(
                    format!("Error: unknown symbol {}", unknown.join(", ")).into(),
                ));
            }
            let new: Vec<&str> = known
                .iter()
                .map(String::as_str)
                .filter(|s| !wanted.iter().any(|w| w == s))
                .collect();
            if new.is_empty() {
                return;
            }
            dispatch.dispatch(Action::Want(
                new.iter().map(|s| AttrValue::from(s.to_string())).collect(),
            ));
            if let Err(error) = client.subscribe_all(&new, on_quote.clone()) {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
            if let Some(input) = field.cast::<HtmlInputElement>() {
                input.set_value("");
            }
        })
    };
    let add_all = {
        let (client, on_quote, dispatch) = (client.clone(), on_quote.clone(), state.dispatcher());
        Callback::from(move |_: MouseEvent| {
            dispatch.dispatch(Action::Want(
                CATALOGUE.iter().map(|s| AttrValue::from(*s)).collect(),
            ));
            if let Err(error) = client.subscribe_all(&CATALOGUE, on_quote.clone()) {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
        })
    };
    let remove = {
        let (client, dispatch, open) = (client.clone(), state.dispatcher(), state.is_open());
        Callback::from(move |symbol: AttrValue| {
            dispatch.dispatch(Action::Drop(symbol.clone()));
            if !open {
                // Nothing to tell the server now: the next open subscribes to what is
                // wanted, which no longer has this symbol. (Queued, the unsubscribe would
                // reach the server after that and be refused: not subscribed.)
                client.forget(&symbol);
            } else if let Err(error) = client.unsubscribe(&symbol) {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
        })
    };
    // Reconnects at once, whatever the state: also after the connection gave up.
    let apply_rate = {
        let (client, base, field, dispatch) = (
            client.clone(),
            props.url.clone(),
            rate_field.clone(),
            state.dispatcher(),
        );
        Callback::from(move |()| {
            let typed = value_of(&field);
            let url = match typed.trim() {
                "" => base.clone(),
                text => match text.parse::<u32>() {
                    Ok(rate) if rate > 0 && f64::from(rate) <= wslab_protocol::stocks::MAX_RATE => {
                        AttrValue::from(format!("{base}?rate={rate}"))
                    }
                    _ => {
                        dispatch.dispatch(Action::Notice(
                            format!("Error: rate \"{text}\" must be a number from 1 to 10000")
                                .into(),
                        ));
                        return;
                    }
                },
            };
            if let Err(error) = client.connect(&url) {
                dispatch.dispatch(Action::Notice(format!("Error: {error}").into()));
            }
        })
    };

    let open = state.is_open();
    // Enter adds, as the Add button does, and only when it would be enabled.
    let on_symbol_key = on_enter(if open { add.clone() } else { Callback::noop() });
    html! {
        <section class="demo ticker" aria-labelledby="ticker-title">
            <h2 id="ticker-title" class="ticker-title">{ "Live Stock Prices" }</h2>
            <div class="controls">
                <label for="ticker-symbol">{ "Symbol" }</label>
                <input id="ticker-symbol" ref={symbol_field} placeholder="e.g. NVDA, META" spellcheck="false"
                    onkeypress={on_symbol_key} />
                <button id="ticker-add" disabled={!open} onclick={add.reform(|_: MouseEvent| ())}>{ "Add" }</button>
                <button id="ticker-all" disabled={!open} onclick={add_all}>{ format!("Add all {}", CATALOGUE.len()) }</button>
                <label for="ticker-rate-input">{ "Quotes/s" }</label>
                <input id="ticker-rate-input" ref={rate_field} inputmode="numeric" placeholder="server default"
                    size="8" onkeypress={on_enter(apply_rate.clone())} />
                <button id="ticker-rate-apply" onclick={apply_rate.reform(|_: MouseEvent| ())}>{ "Reconnect" }</button>
            </div>
            <p class="hint" aria-live="off">
                <span id="ticker-rate">{ format!("{} quotes/s applied", crate::lean::decimal::fixed(state.rate, 0)) }</span>
                { format!(" · {} symbols · ", state.wanted.len()) }
                <span id="ticker-applied">{ state.applied }</span>{ " quotes in all" }
            </p>
            <ul id="ticker-notices" class="notices" aria-live="polite">
                { for state.notices.iter().map(|(id, n)| html! { <li key={*id}>{ n.clone() }</li> }) }
            </ul>
            <table id="ticker-table" role="table" aria-label="Live Stock Prices" tabindex="0">
                <thead role="rowgroup">
                    <tr role="row">
                        <th scope="col" role="columnheader">{ "Symbol" }</th>
                        <th scope="col" role="columnheader">{ "Price" }</th>
                        <th scope="col" role="columnheader">{ "Change" }</th>
                        <th scope="col" role="columnheader">{ "Volume" }</th>
                        <th scope="col" role="columnheader">{ "Trend" }</th>
                        <th scope="col" role="columnheader"><span class="visually-hidden">{ "Remove" }</span></th>
                    </tr>
                </thead>
                <tbody role="rowgroup">
                    { for state.rows.iter().map(|row| html! {
                        <TickerRow key={row.symbol.as_str()} row={row.clone()} on_remove={remove.clone()} />
                    }) }
                </tbody>
            </table>
            <Inspector link={inspector} id_prefix="ticker" />
        </section>
    }
}

/// Props of [`TickerRow`].
#[derive(Properties)]
pub struct TickerRowProps {
    /// The row's data; a new `Rc` means it changed.
    pub row: Rc<Row>,
    /// Asks to remove the row's symbol.
    pub on_remove: Callback<AttrValue>,
}

impl PartialEq for TickerRowProps {
    fn eq(&self, other: &Self) -> bool {
        // Identity: an unchanged row keeps its Rc, so this is O(1) and skips the render.
        Rc::ptr_eq(&self.row, &other.row)
    }
}

/// One row: the API reference's four cells (its ids and order), a sparkline, and a remove button.
#[component]
pub fn TickerRow(props: &TickerRowProps) -> Html {
    let row = &props.row;
    // The API reference colours the cell inline: green from zero up, red below.
    let (change_class, colour) = if row.change >= 0.0 {
        ("up", "color: green")
    } else {
        ("down", "color: red")
    };
    // Two names for the same animation, alternating, so each update restarts it.
    let flash = match (row.flash, row.flashes % 2) {
        (Move::Up, 0) => "flash-up-a",
        (Move::Up, _) => "flash-up-b",
        (Move::Down, 0) => "flash-down-a",
        (Move::Down, _) => "flash-down-b",
        (Move::Flat, _) => "",
    };
    let remove = {
        let (on_remove, symbol) = (props.on_remove.clone(), row.symbol.clone());
        Callback::from(move |_: MouseEvent| on_remove.emit(symbol.clone()))
    };
    html! {
        <tr id={format!("row_{}", row.symbol)} role="row">
            <td class="symbol" role="cell">{ row.symbol.clone() }</td>
            <td class={classes!("price", flash)} role="cell">{ format_price(row.price) }</td>
            <td class={classes!("change", change_class)} style={colour} role="cell">{ format_change(row.change) }</td>
            <td class="volume" role="cell">{ format_volume(row.volume) }</td>
            <td class="trend" role="cell"><Sparkline points={row.history.clone()} capacity={SPARK_POINTS} /></td>
            <td role="cell"><button class="remove" onclick={remove} aria-label={format!("Remove {}", row.symbol)}>{ "✕" }</button></td>
        </tr>
    }
}
