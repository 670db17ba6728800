//! The scripted socket's place when the `testing` feature is off: a [`Script`] that cannot
//! exist, so every scripted branch of the agents is unreachable and leaves the build (an
//! app's wasm carries no test harness).

use futures::channel::oneshot;

use crate::{
    agent::Heard,
    reconnect::Millis,
    run::Receiver,
    types::{Message, ReadyState},
};

/// No script without the `testing` feature: this type has no values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Script {}

impl Script {
    pub(crate) fn connect(&self, _url: &str) -> (usize, Receiver<Heard>) {
        match *self {}
    }

    pub(crate) fn url_of(&self, _index: usize) -> String {
        match *self {}
    }

    pub(crate) fn state_of(&self, _index: usize) -> ReadyState {
        match *self {}
    }

    pub(crate) fn record(&self, _index: usize, _frame: Message) {
        match *self {}
    }

    pub(crate) fn page_closes(&self, _index: usize, _code: u16, _reason: &str) {
        match *self {}
    }

    pub(crate) fn page_drops(&self, _index: usize) {
        match *self {}
    }

    pub(crate) fn sleep_until(&self, _at: Millis) -> oneshot::Receiver<()> {
        match *self {}
    }

    pub(crate) fn now(&self) -> Millis {
        match *self {}
    }
}
