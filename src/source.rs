//! The source panel: a demo's real Rust files beside the live demo, as the original
//! teaching page showed its code next to its example.
//!
//! The files are not compiled into the app (it has a size budget): the build copies them
//! next to `index.html` under [`docs::SOURCE_DIR`] (the `copy-dir` / `copy-file` links of
//! `index.html`), and the panel fetches one when it is shown. So what it shows is what
//! was built, and it works from a sub-path too. One tab per file (arrow keys move between
//! them), a copy button that says whether copying worked, and a load failure shown as
//! such with a way to try again.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use crate::{
    docs,
    i18n::{Lang, Texts},
    js,
};

/// Where one file stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// Being fetched.
    Loading,
    /// Its text.
    Loaded(AttrValue),
    /// Why it could not be fetched (`HTTP 404 Not Found`, the browser's network error…).
    Failed(AttrValue),
}

/// Why a copy did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyError {
    /// `navigator.clipboard` does not exist here (not a secure context).
    NoClipboard,
    /// The browser refused, with its reason (permission denied, page not focused…).
    Refused(AttrValue),
}

/// The copy button's last outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CopyStatus {
    /// Nothing to say.
    #[default]
    Idle,
    /// The text is in the clipboard.
    Copied,
    /// It is not.
    Failed(CopyError),
}

/// What the fetches of a few files gave, by path. A handful at most: a list is smaller in
/// the wasm than a map.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loads(Vec<(AttrValue, Load)>);

impl Loads {
    /// Whether `key` should be fetched now (never asked for, or its failure forgotten).
    pub fn needs_fetch(&self, key: &str) -> bool {
        self.get(key).is_none()
    }

    /// What the fetch of `key` gave so far, if it was asked for.
    pub fn get(&self, key: &str) -> Option<&Load> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, load)| load)
    }

    fn set(&mut self, key: AttrValue, load: Load) {
        self.0.retain(|(k, _)| *k != key);
        self.0.push((key, load));
    }
}

impl Reducible for Loads {
    /// A fetch of this path started (`Loading`) or ended.
    type Action = (AttrValue, Load);

    fn reduce(self: Rc<Self>, (key, load): Self::Action) -> Rc<Self> {
        if self.get(&key) == Some(&load) {
            return self;
        }
        let mut next = (*self).clone();
        next.set(key, load);
        Rc::new(next)
    }
}

/// The panel's state: which file is shown, what each file's load gave, the copy outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceState {
    /// Index of the shown file.
    pub selected: usize,
    /// Files asked for so far; a file missing here has not been fetched.
    pub files: Loads,
    /// What the copy button last did (for the shown file).
    pub copy: CopyStatus,
}

/// Everything that changes a [`SourceState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Show the file at this index.
    Select(usize),
    /// A fetch of this file started (`Loading`) or ended.
    Load(AttrValue, Load),
    /// Forget a failure so the file is fetched again.
    Retry(&'static str),
    /// The copy button was pressed (clears the last outcome, so the next is announced).
    CopyStarted,
    /// The copy of the file at this index ended (ignored if another file is shown by then:
    /// its outcome would be read as the new file's).
    CopyEnded(usize, CopyStatus),
}

impl SourceState {
    /// Whether `file` should be fetched now (never asked for, or its failure forgotten).
    pub fn needs_fetch(&self, file: &str) -> bool {
        self.files.needs_fetch(file)
    }

    /// The state of `file`, if it was asked for.
    pub fn load(&self, file: &str) -> Option<&Load> {
        self.files.get(file)
    }
}

impl Reducible for SourceState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Select(index) if index == self.selected => return self,
            Action::Select(index) => {
                next.selected = index;
                next.copy = CopyStatus::Idle;
            }
            Action::Load(file, load) => next.files.set(file, load),
            Action::Retry(file) => {
                if !matches!(self.load(file), Some(Load::Failed(_))) {
                    return self;
                }
                next.files.0.retain(|(f, _)| f != file);
            }
            Action::CopyStarted if self.copy == CopyStatus::Idle => return self,
            Action::CopyStarted => next.copy = CopyStatus::Idle,
            Action::CopyEnded(index, _) if index != self.selected => return self,
            Action::CopyEnded(_, status) => next.copy = status,
        }
        Rc::new(next)
    }
}

/// The tab a key moves to from `current` among `len` tabs (the ARIA tabs pattern: arrows
/// wrap around, Home and End go to the ends); `None` for other keys.
pub fn tab_for_key(key: &str, current: usize, len: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    match key {
        "ArrowRight" | "ArrowDown" => Some((current + 1) % len),
        "ArrowLeft" | "ArrowUp" => Some((current + len - 1) % len),
        "Home" => Some(0),
        "End" => Some(len - 1),
        _ => None,
    }
}

/// The id of the tab of file `index`.
fn tab_id(index: usize) -> String {
    format!("source-tab-{index}")
}

/// Fetches `url` as text; an HTTP error status is a failure too. The cache is revalidated
/// (`no-cache`), so a new build's files replace the old ones at once. `signal` ends the
/// request (and the reading of its body) when the panel goes away.
async fn fetch_text(url: &str, signal: Option<&web_sys::AbortSignal>) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_cache(web_sys::RequestCache::NoCache);
    init.set_signal(signal);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|e| js::reason(&e))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "fetch gave something that is not a Response".to_owned())?;
    if !response.ok() {
        return Err(format!(
            "HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let text = response.text().map_err(|e| js::reason(&e))?;
    JsFuture::from(text)
        .await
        .map_err(|e| js::reason(&e))?
        .as_string()
        .ok_or_else(|| "the body is not text".to_owned())
}

/// Fetches the file at `wanted` (a path from the workspace root, as the build copies it
/// under [`docs::SOURCE_DIR`]), if any, and tells `on_load`: `Loading` at once, then
/// `Loaded` or `Failed`. The caller asks only for what it has not asked for yet
/// (see [`Loads::needs_fetch`]). Leaving the component aborts whatever is still loading:
/// one controller for all of its fetches, not one per fetch (the effect re-runs as soon as
/// its key is marked as loading, and that teardown must not cancel the request it started).
#[hook]
pub fn use_fetch(wanted: Option<AttrValue>, on_load: Callback<(AttrValue, Load)>) {
    let aborter = use_memo((), |()| web_sys::AbortController::new().ok());
    {
        let aborter = aborter.clone();
        use_effect_with((), move |()| {
            move || {
                if let Some(aborter) = aborter.as_ref() {
                    aborter.abort();
                }
            }
        });
    }
    use_effect_with(wanted, move |wanted| {
        if let Some(file) = wanted.clone() {
            let signal = aborter
                .as_ref()
                .as_ref()
                .map(web_sys::AbortController::signal);
            start_fetch(file, signal, on_load);
        }
    });
}

/// The body of [`use_fetch`]'s effect, one copy in the wasm for every user of the hook.
#[inline(never)]
fn start_fetch(
    file: AttrValue,
    signal: Option<web_sys::AbortSignal>,
    on_load: Callback<(AttrValue, Load)>,
) {
    on_load.emit((file.clone(), Load::Loading));
    spawn_local(async move {
        let load = match fetch_text(&docs::source_url(&file), signal.as_ref()).await {
            Ok(text) => Load::Loaded(text.into()),
            Err(reason) => Load::Failed(reason.into()),
        };
        on_load.emit((file, load));
    });
}

/// Puts `text` in the clipboard with `navigator.clipboard.writeText`.
async fn copy_text(text: &str) -> CopyStatus {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return CopyStatus::Failed(CopyError::NoClipboard);
    };
    // Only secure contexts have a clipboard: check before calling into it.
    let clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return CopyStatus::Failed(CopyError::NoClipboard);
    };
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    match JsFuture::from(clipboard.write_text(text)).await {
        Ok(_) => CopyStatus::Copied,
        Err(error) => CopyStatus::Failed(CopyError::Refused(js::reason(&error).into())),
    }
}

/// What the copy status region says.
fn copy_message(status: &CopyStatus, t: &Texts) -> String {
    match status {
        CopyStatus::Idle => String::new(),
        CopyStatus::Copied => t.copied.to_owned(),
        CopyStatus::Failed(CopyError::NoClipboard) => {
            format!("{}{}", t.copy_failed, t.no_clipboard)
        }
        CopyStatus::Failed(CopyError::Refused(reason)) => format!("{}{reason}", t.copy_failed),
    }
}

/// Props of [`SourcePanel`].
#[derive(Properties, PartialEq)]
pub struct SourcePanelProps {
    /// The files to offer, main file first.
    pub files: &'static [&'static str],
    /// The language of the panel's own words.
    pub lang: Lang,
    /// Whether the panel is open.
    pub open: bool,
    /// The user opened (`true`) or closed it.
    pub on_toggle: Callback<bool>,
}

/// The source panel: a disclosure with one tab per file.
#[component]
pub fn SourcePanel(props: &SourcePanelProps) -> Html {
    let state = use_reducer(SourceState::default);
    let t = props.lang.texts();
    let files = props.files;
    let selected = state.selected.min(files.len().saturating_sub(1));
    let current = files.get(selected).copied();

    // Fetch the shown file when the panel is open and the file was not asked for yet.
    let wanted = current.filter(|file| props.open && state.needs_fetch(file));
    use_fetch(
        wanted.map(AttrValue::Static),
        state
            .dispatcher()
            .to_callback()
            .reform(|(file, load)| Action::Load(file, load)),
    );

    let on_toggle = {
        let on_toggle = props.on_toggle.clone();
        Callback::from(move |event: Event| {
            if let Some(details) = event.target_dyn_into::<web_sys::HtmlDetailsElement>() {
                on_toggle.emit(details.open());
            }
        })
    };
    let on_tab_key = {
        let dispatch = state.dispatcher();
        let len = files.len();
        Callback::from(move |event: KeyboardEvent| {
            let Some(index) = tab_for_key(&event.key(), selected, len) else {
                return;
            };
            event.prevent_default();
            dispatch.dispatch(Action::Select(index));
            let tab = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(&tab_id(index)))
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(tab) = tab {
                let _ = tab.focus();
            }
        })
    };
    let tabs = files.iter().enumerate().map(|(index, file)| {
        let chosen = index == selected;
        let onclick = state
            .dispatcher()
            .to_callback()
            .reform(move |_: MouseEvent| Action::Select(index));
        html! {
            <button type="button" role="tab" id={tab_id(index)} aria-selected={chosen.to_string()}
                aria-controls="source-code" tabindex={if chosen { "0" } else { "-1" }} {onclick}
                title={*file}>
                { docs::tab_label(file) }
            </button>
        }
    });

    let body = match current.map(|file| (file, state.load(file))) {
        Some((file, Some(Load::Loaded(text)))) => {
            let copy = {
                let (dispatch, text) = (state.dispatcher(), text.clone());
                Callback::from(move |_: MouseEvent| {
                    dispatch.dispatch(Action::CopyStarted);
                    let (dispatch, text) = (dispatch.clone(), text.clone());
                    spawn_local(async move {
                        dispatch.dispatch(Action::CopyEnded(selected, copy_text(&text).await));
                    });
                })
            };
            let failed = matches!(state.copy, CopyStatus::Failed(_));
            html! {
                <>
                    <div class="source-bar">
                        <code id="source-path" class="source-path">{ file }</code>
                        <button type="button" id="source-copy" onclick={copy}>{ t.copy }</button>
                        <span id="source-copy-status" role="status"
                            class={classes!("copy-status", failed.then_some("error"))}>
                            { copy_message(&state.copy, t) }
                        </span>
                    </div>
                    <div id="source-code-scroll" class="code-scroll" tabindex="0" role="region"
                        aria-label={format!("{}{file}", t.code_of)}>
                        <pre><code id="source-text" data-file={file}>{ text.clone() }</code></pre>
                    </div>
                </>
            }
        }
        Some((file, Some(Load::Failed(reason)))) => {
            let retry = state
                .dispatcher()
                .to_callback()
                .reform(move |_: MouseEvent| Action::Retry(file));
            html! {
                <div class="source-failed">
                    <p class="error" id="source-error" role="alert">{ format!("{}{file}: {reason}", t.load_failed) }</p>
                    <p class="hint">{ t.load_failed_hint }</p>
                    <button type="button" id="source-retry" onclick={retry}>{ t.retry }</button>
                </div>
            }
        }
        Some((file, _)) => html! {
            <p class="hint" role="status">{ format!("{}{file}…", t.loading) }</p>
        },
        None => Html::default(),
    };

    html! {
        <details class="source" id="source" open={props.open} ontoggle={on_toggle}>
            <summary id="source-toggle"><h2 id="source-title">{ t.source }</h2></summary>
            <p class="hint">{ t.source_hint }</p>
            <div class="tabs" role="tablist" aria-label={t.files} onkeydown={on_tab_key}>
                { for tabs }
            </div>
            <div id="source-code" class="tab-panel" role="tabpanel"
                aria-labelledby={tab_id(selected)}>
                { body }
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(actions: impl IntoIterator<Item = Action>) -> Rc<SourceState> {
        actions
            .into_iter()
            .fold(Rc::new(SourceState::default()), |state, action| {
                state.reduce(action)
            })
    }

    const A: &str = "src/demos/echo.rs";
    const B: &str = "src/demos/echo/hello.rs";

    #[test]
    fn a_file_is_fetched_once_and_kept() {
        let start = SourceState::default();
        assert!(start.needs_fetch(A));
        let loading = run([Action::Load(A.into(), Load::Loading)]);
        assert!(!loading.needs_fetch(A));
        assert_eq!(loading.load(A), Some(&Load::Loading));
        let loaded = run([
            Action::Load(A.into(), Load::Loading),
            Action::Load(A.into(), Load::Loaded("fn main() {}".into())),
            Action::Select(1),
            Action::Select(0),
        ]);
        assert_eq!(loaded.load(A), Some(&Load::Loaded("fn main() {}".into())));
        assert!(!loaded.needs_fetch(A));
        assert!(loaded.needs_fetch(B));
    }

    #[test]
    fn a_failure_is_kept_until_retried() {
        let failed = run([
            Action::Load(A.into(), Load::Loading),
            Action::Load(A.into(), Load::Failed("HTTP 404".into())),
        ]);
        assert_eq!(failed.load(A), Some(&Load::Failed("HTTP 404".into())));
        assert!(!failed.needs_fetch(A), "no fetch loop on a failure");
        let retried = failed.reduce(Action::Retry(A));
        assert!(retried.needs_fetch(A));
        // Retry only forgets failures.
        let loaded = run([Action::Load(A.into(), Load::Loaded("x".into()))]);
        assert!(Rc::ptr_eq(
            &loaded,
            &Rc::clone(&loaded).reduce(Action::Retry(A))
        ));
    }

    #[test]
    fn each_copy_is_announced_again_and_switching_files_clears_it() {
        let copied = run([Action::CopyEnded(0, CopyStatus::Copied)]);
        assert_eq!(copied.copy, CopyStatus::Copied);
        // A copy that ends after another tab was chosen says nothing about the new file.
        let late = run([
            Action::CopyStarted,
            Action::Select(1),
            Action::CopyEnded(0, CopyStatus::Copied),
        ]);
        assert_eq!((late.selected, &late.copy), (1, &CopyStatus::Idle));
        // The next press empties the status first, so the same word is read again.
        assert_eq!(
            Rc::clone(&copied).reduce(Action::CopyStarted).copy,
            CopyStatus::Idle
        );
        let switched = copied.reduce(Action::Select(2));
        assert_eq!((switched.selected, &switched.copy), (2, &CopyStatus::Idle));
        let idle = Rc::new(SourceState::default());
        assert!(Rc::ptr_eq(
            &idle,
            &Rc::clone(&idle).reduce(Action::CopyStarted)
        ));
        assert!(Rc::ptr_eq(
            &idle,
            &Rc::clone(&idle).reduce(Action::Select(0))
        ));
    }

    #[test]
    fn failures_are_said_not_swallowed() {
        let en = Lang::En.texts();
        let fr = Lang::Fr.texts();
        assert_eq!(copy_message(&CopyStatus::Copied, en), "Copied");
        assert_eq!(copy_message(&CopyStatus::Copied, fr), "Copié");
        assert_eq!(
            copy_message(
                &CopyStatus::Failed(CopyError::Refused("Write permission denied.".into())),
                en
            ),
            "Could not copy: Write permission denied."
        );
        assert!(copy_message(&CopyStatus::Failed(CopyError::NoClipboard), fr).contains("https"));
        assert_eq!(copy_message(&CopyStatus::Idle, en), "");
    }

    #[test]
    fn arrow_keys_wrap_around_the_tabs() {
        assert_eq!(tab_for_key("ArrowRight", 0, 3), Some(1));
        assert_eq!(tab_for_key("ArrowRight", 2, 3), Some(0));
        assert_eq!(tab_for_key("ArrowLeft", 0, 3), Some(2));
        assert_eq!(tab_for_key("Home", 2, 3), Some(0));
        assert_eq!(tab_for_key("End", 0, 3), Some(2));
        assert_eq!(tab_for_key("Enter", 0, 3), None);
        assert_eq!(tab_for_key("ArrowRight", 0, 0), None);
    }
}
