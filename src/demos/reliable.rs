//! The reliable connection demo (the Brython API reference's ReliableConnection on `/api`): heartbeat,
//! reconnect with backoff, and buttons that make the server misbehave so you can watch
//! the connection recover.

pub mod doc;
pub mod state;

use std::{collections::VecDeque, rc::Rc};

use gloo_timers::callback::Interval;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::{
    demos::{Demo, Words},
    inspector::{Inspector, use_inspector},
    settings::endpoint,
    widgets::{
        fields::{on_enter, use_prefilled, value_of},
        log::{Announce, view_log},
        sparkline::Sparkline,
    },
};
use wslab_socket::{
    Message, SocketOptions,
    reconnect::{Heartbeat, Policy, Status},
    use_socket,
};

/// The reliable connection page in the registry.
pub static DEMO: Demo = Demo {
    slug: "reliable",
    name: Words {
        en: "Reliable",
        fr: "Connexion fiable",
    },
    endpoints: &["/api"],
    doc: &doc::DOC,
    view: |server| html! { <ReliableDemo url={endpoint(server, "/api")} /> },
};
use state::{Action, ReliableView, describe};

/// The policy of the demo page: the API reference's, but pinging every 5 s (not 30 s) with a 3 s
/// timeout, so a dead connection shows within seconds.
pub fn demo_policy() -> Policy {
    Policy {
        heartbeat: Some(Heartbeat {
            interval: 5_000,
            timeout: 3_000,
            ..Heartbeat::default()
        }),
        ..Policy::default()
    }
}

/// The status for screen readers: the phase only, so it is announced once per change.
fn phase(status: Status) -> &'static str {
    match status {
        Status::Idle => "idle",
        Status::Connecting { .. } => "connecting",
        Status::Open => "open",
        Status::Closing => "closing",
        Status::Waiting { .. } => "reconnecting",
        Status::Offline => "offline",
        Status::GaveUp => "gave up",
        Status::Closed { .. } => "closed",
    }
}

/// Props of [`ReliableDemo`].
#[derive(Properties, PartialEq)]
pub struct ReliableDemoProps {
    /// The `/api` endpoint's URL.
    pub url: AttrValue,
    /// How to reconnect and ping.
    #[prop_or_else(demo_policy)]
    pub policy: Policy,
}

/// The reliable connection demo.
#[component]
pub fn ReliableDemo(props: &ReliableDemoProps) -> Html {
    let view = use_reducer(ReliableView::default);
    let input = use_node_ref();
    let fault_code = use_prefilled("1011".into());
    // Re-render every 100 ms while a countdown shows.
    let clock = use_state(|| 0u32);
    let inspector = use_inspector();
    let on_event = {
        let (dispatch, max) = (view.dispatcher(), props.policy.max_attempts);
        Callback::from(move |event| {
            let at = wslab_socket::clock_ms();
            dispatch.dispatch(Action::Event {
                event,
                at,
                max_attempts: max,
            });
        })
    };
    let socket = use_socket(
        SocketOptions::new(on_event)
            .reliable(props.policy.clone())
            .tap(inspector.tap()),
    );

    // Connect when shown, as the API reference's demo does, and anew for another server or
    // policy; the hook closes it when the page goes.
    {
        let (socket, dispatch) = (socket.clone(), view.dispatcher());
        use_effect_with(
            (props.url.clone(), props.policy.clone()),
            move |(url, _)| {
                dispatch.dispatch(Action::NewServer);
                if let Err(error) = socket.open(url.as_str()) {
                    dispatch.dispatch(Action::Refused(error));
                }
            },
        );
    }
    let status = view.status.unwrap_or(Status::Idle);
    {
        let clock = clock.clone();
        let counting = matches!(status, Status::Waiting { .. });
        use_effect_with(counting, move |&counting| {
            let ticker =
                counting.then(|| Interval::new(100, move || clock.set(clock.wrapping_add(1))));
            move || drop(ticker)
        });
    }

    // What the handle refuses goes on the timeline.
    let noted = {
        let dispatch = view.dispatcher();
        move |result: Result<(), wslab_socket::SocketError>| {
            if let Err(error) = result {
                dispatch.dispatch(Action::Refused(error));
            }
        }
    };
    let send_text = {
        let (socket, noted) = (socket.clone(), noted.clone());
        move |text: String| noted(socket.send(Message::Text(text)))
    };
    let connect = {
        let (socket, noted) = (socket.clone(), noted.clone());
        Callback::from(move |_: MouseEvent| noted(socket.reconnect()))
    };
    let close = {
        let (socket, noted) = (socket.clone(), noted.clone());
        Callback::from(move |_: MouseEvent| noted(socket.close(1000, "Client closing")))
    };
    let fault = {
        let (send_text, dispatch) = (send_text.clone(), view.dispatcher());
        move |json: String| {
            let (send_text, dispatch) = (send_text.clone(), dispatch.clone());
            Callback::from(move |_: MouseEvent| {
                dispatch.dispatch(Action::Note(json.clone().into()));
                send_text(json.clone());
            })
        }
    };
    let close_fault = {
        let (send_text, dispatch, field) =
            (send_text.clone(), view.dispatcher(), fault_code.clone());
        Callback::from(move |_: MouseEvent| {
            let typed = value_of(&field);
            let Ok(code) = typed.trim().parse::<u16>() else {
                dispatch.dispatch(Action::Note(
                    format!("close code \"{typed}\" is not a number: nothing sent").into(),
                ));
                return;
            };
            let json =
                format!(r#"{{"fault":"close","code":{code},"reason":"injected by the demo"}}"#);
            dispatch.dispatch(Action::Note(json.clone().into()));
            send_text(json);
        })
    };
    let send = {
        let (send_text, dispatch, input) = (send_text.clone(), view.dispatcher(), input.clone());
        Callback::from(move |()| {
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let text = field.value();
            if text.is_empty() {
                return;
            }
            dispatch.dispatch(Action::Note(text.clone().into()));
            send_text(text);
            field.set_value("");
        })
    };
    let offline = {
        let (socket, noted) = (socket.clone(), noted.clone());
        Callback::from(move |event: Event| {
            let checked = event
                .target_dyn_into::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            noted(socket.simulate_offline(checked));
        })
    };

    let now = wslab_socket::clock_ms();
    let open = status == Status::Open;
    let can_connect = matches!(
        status,
        Status::Idle | Status::GaveUp | Status::Closed { .. }
    );
    let max = props.policy.max_attempts;
    let attempt = match status {
        Status::Waiting { attempt, at } => Some(format!(
            "attempt {attempt} of {} in {} s",
            max.map_or("∞".into(), |m| m.to_string()),
            crate::lean::decimal::seconds(at.saturating_sub(now), 1)
        )),
        Status::Connecting { attempt } if attempt > 0 => Some(format!(
            "attempt {attempt} of {}",
            max.map_or("∞".into(), |m| m.to_string())
        )),
        _ => None,
    };
    let rtts: Rc<VecDeque<f64>> = Rc::new(view.rtts.iter().map(|r| *r as f64).collect());
    let (pending, dropped) = (view.pending, view.dropped);
    // From the whole milliseconds, not the f64 copy: `Display for f64` alone would cost
    // the app 8 KB gzipped.
    let last_rtt = view.rtts.back().map_or("–".into(), |r| format!("{r} ms"));
    let heartbeat = props.policy.heartbeat.as_ref().map_or("off".into(), |h| {
        format!(
            "\"{}\" every {} s, dead after {} s without a reply",
            h.message,
            h.interval / 1000,
            h.timeout / 1000
        )
    });

    html! {
        <section class="demo reliable" aria-labelledby="reliable-title">
            <h2 id="reliable-title">{ "Reliable connection" }</h2>
            <dl class="status">
                <dt>{ "Status" }</dt>
                // The countdown re-renders ten times a second: not a live region. The phase
                // (without the countdown) is announced once, below.
                <dd id="reliable-status">{ describe(status, now) }</dd>
                <dt>{ "Attempt" }</dt>
                <dd id="reliable-attempt">{ attempt.unwrap_or_else(|| "–".into()) }</dd>
                <dt>{ "Plan" }</dt>
                <dd id="reliable-plan">{ state::plan(&props.policy) }</dd>
                <dt>{ "Heartbeat" }</dt>
                <dd>{ heartbeat }</dd>
                <dt>{ "Round trip" }</dt>
                <dd id="reliable-rtt">{ last_rtt }{ " " }<Sparkline points={rtts} capacity={state::RTT_KEPT} /></dd>
                <dt>{ "Outbox" }</dt>
                <dd id="reliable-outbox">{ format!("{pending} waiting, {dropped} dropped") }</dd>
            </dl>
            <div class="controls">
                <button id="reliable-connect" disabled={!can_connect} onclick={connect}>{ "Connect" }</button>
                <button id="reliable-close" disabled={can_connect} onclick={close}>{ "Close" }</button>
                <label class="inline"><input id="reliable-offline" type="checkbox" onchange={offline} />{ " go offline" }</label>
            </div>
            <div class="controls">
                <label for="reliable-input" class="visually-hidden">{ "Message" }</label>
                <input id="reliable-input" ref={input} placeholder="Message (queued while disconnected)"
                    onkeypress={on_enter(send.clone())} />
                <button id="reliable-send" onclick={send.reform(|_: MouseEvent| ())}>{ "Send" }</button>
            </div>
            <fieldset class="faults">
                <legend>{ "Make the server misbehave" }</legend>
                <button id="fault-drop" disabled={!open} onclick={fault(r#"{"fault":"drop"}"#.into())}>{ "Drop TCP" }</button>
                <button id="fault-mute" disabled={!open} onclick={fault(r#"{"fault":"mute","seconds":10}"#.into())}>{ "Mute pings 10 s" }</button>
                <button id="fault-delay" disabled={!open} onclick={fault(r#"{"fault":"delay","ms":500}"#.into())}>{ "Delay replies 500 ms" }</button>
                <span class="inline">
                    <button id="fault-close" disabled={!open} onclick={close_fault}>{ "Close with code" }</button>
                    <label for="fault-code" class="visually-hidden">{ "Close code" }</label>
                    <input id="fault-code" ref={fault_code} size="5" inputmode="numeric" />
                </span>
                <button id="fault-restart" disabled={!open || view.drill_refused}
                    aria-describedby={view.drill_refused.then_some("fault-restart-refused")}
                    onclick={fault(r#"{"fault":"restart","seconds":3}"#.into())}>{ "Restart drill 3 s" }</button>
                if view.drill_refused {
                    <span id="fault-restart-refused" class="inline">{ "not allowed by this server (see its --drills)" }</span>
                }
            </fieldset>
            <span class="visually-hidden" aria-live="polite">{ phase(status) }</span>
            { view_log(&view.timeline, "reliable-log", Announce::Polite) }
            <Inspector link={inspector} id_prefix="reliable" />
        </section>
    }
}
