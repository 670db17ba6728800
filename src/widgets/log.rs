//! A bounded log of what happened on a connection, and its view: a `role="log"` list that
//! screen readers announce politely. Every demo page shows one.

use std::collections::VecDeque;

use yew::AttrValue;

/// Entries kept in a log; older ones are dropped and counted.
pub const LOG_CAPACITY: usize = 500;

/// What kind of line a log entry is (also its CSS class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// A frame this page sent.
    Sent,
    /// A frame the server sent.
    Received,
    /// A connection event.
    Info,
    /// Something went wrong.
    Error,
}

impl LogKind {
    /// CSS class of the line.
    pub fn class(self) -> &'static str {
        match self {
            Self::Sent => "log-sent",
            Self::Received => "log-received",
            Self::Info => "log-info",
            Self::Error => "log-error",
        }
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Unique within its log; the render key.
    pub id: u64,
    /// Its kind.
    pub kind: LogKind,
    /// Its text.
    pub text: AttrValue,
}

/// A bounded, append-only log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Log {
    entries: VecDeque<LogEntry>,
    next_id: u64,
    dropped: u64,
}

impl Log {
    /// Appends a line, dropping the oldest beyond [`LOG_CAPACITY`].
    pub fn push(&mut self, kind: LogKind, text: impl Into<AttrValue>) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(LogEntry {
            id: self.next_id,
            kind,
            text: text.into(),
        });
        self.next_id += 1;
    }

    /// The lines kept, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// How many lines were dropped to stay within capacity.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Whether screen readers read a log's new lines as they come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// Politely, each new line (a log of things the user did or should hear of).
    Polite,
    /// Not at all: a log that grows on its own (a tick a second) would bury everything
    /// else; the page announces what matters in a region of its own.
    Off,
}

/// The log as a list, newest last. The scrolling box is the `role="log"` (a list inside
/// keeps its list semantics) and takes the focus, so it can be scrolled with the keyboard.
pub fn view_log(log: &Log, id: &'static str, announce: Announce) -> yew::Html {
    use yew::html;
    let live = match announce {
        Announce::Polite => "polite",
        Announce::Off => "off",
    };
    html! {
        <div class="log-wrap">
            if log.dropped() > 0 {
                <p class="log-dropped">{ format!("{} older lines dropped", log.dropped()) }</p>
            }
            <div class="log" role="log" aria-live={live} tabindex="0" aria-label="Log">
                <ul {id}>
                    { for log.entries().map(|entry| html! {
                        <li key={entry.id} class={entry.kind.class()}>{ entry.text.clone() }</li>
                    }) }
                </ul>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_bounded_and_counts_what_it_drops() {
        let mut log = Log::default();
        for i in 0..LOG_CAPACITY + 7 {
            log.push(LogKind::Info, i.to_string());
        }
        assert_eq!(log.entries().len(), LOG_CAPACITY);
        assert_eq!(log.dropped(), 7);
        assert_eq!(log.entries().next().map(|e| e.text.as_str()), Some("7"));
    }
}
