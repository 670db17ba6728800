//! Connection workers: threads that each run a single-threaded tokio runtime, and the
//! accepted connections handed to them in turn.
//!
//! A connection served on a worker stays on that thread for its whole life. Its wake-ups
//! then touch nothing shared with other threads: no work-stealing queues, no parking and
//! unparking of idle workers, no scheduler statistics. On one echoed message that is a
//! fifth of the server's instructions (`cargo xtask bench server`: 4,600 on tokio's
//! multi-threaded runtime, 3,776 on a single-threaded one). The price is that there is
//! no stealing: connections are spread evenly when they arrive, and a thread whose
//! connections happen to be the busy ones keeps them. And each worker waits for its own
//! connections: with fewer events per wake-up, two workers on cores the load shares cost
//! more per message than one ([`crate::default_workers`] says how many by default).
//!
//! Everything else (accepting, the chat broker's link, signals) stays on the runtime that
//! called [`crate::serve`]. The workers stop when [`Workers`] is stopped or dropped; a
//! worker's runtime drops whatever tasks are left on it as it ends.

use std::{future::Future, io, thread::JoinHandle};

use tokio::runtime::{Builder, Handle};
use tokio_util::sync::CancellationToken;

/// One worker thread and the way to reach and stop it.
#[derive(Debug)]
struct Worker {
    handle: Handle,
    thread: Option<JoinHandle<()>>,
}

/// The connection workers of one server (see the module docs).
#[derive(Debug)]
pub(crate) struct Workers {
    workers: Vec<Worker>,
    next: usize,
    stop: CancellationToken,
}

impl Workers {
    /// Starts `count` workers; with none, [`Workers::spawn`] runs tasks on the caller's
    /// runtime.
    ///
    /// # Errors
    /// A runtime or thread could not be created (out of memory or threads).
    pub(crate) fn start(count: usize) -> io::Result<Self> {
        let stop = CancellationToken::new();
        let mut workers = Self {
            workers: Vec::with_capacity(count),
            next: 0,
            stop,
        };
        for index in 0..count {
            let runtime = Builder::new_current_thread().enable_all().build()?;
            let handle = runtime.handle().clone();
            let stopped = workers.stop.clone();
            let thread = std::thread::Builder::new()
                .name(format!("wslab-worker-{index}"))
                .spawn(move || runtime.block_on(stopped.cancelled()))?;
            workers.workers.push(Worker {
                handle,
                thread: Some(thread),
            });
        }
        Ok(workers)
    }

    /// Runs `task` on the next worker in turn.
    pub(crate) fn spawn<F>(&mut self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let Some(worker) = self.workers.get(self.next) else {
            tokio::spawn(task);
            return;
        };
        self.next = (self.next + 1) % self.workers.len();
        worker.handle.spawn(task);
    }

    /// Stops every worker and waits for its thread to end.
    pub(crate) async fn stop(mut self) {
        self.stop.cancel();
        let threads: Vec<JoinHandle<()>> = self
            .workers
            .iter_mut()
            .filter_map(|worker| worker.thread.take())
            .collect();
        let joined = tokio::task::spawn_blocking(move || {
            for thread in threads {
                if thread.join().is_err() {
                    tracing::warn!("a connection worker panicked");
                }
            }
        });
        let _ = joined.await;
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        // Ending without `stop` (an accept error): the threads end on their own.
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_go_to_the_workers_in_turn_each_on_its_own_thread() {
        let mut workers = Workers::start(2).expect("workers start");
        let mut names = Vec::new();
        for _ in 0..4 {
            let (tx, rx) = tokio::sync::oneshot::channel();
            workers.spawn(async move {
                let name = std::thread::current().name().map(str::to_owned);
                let _ = tx.send(name);
            });
            names.push(rx.await.expect("the task ran").unwrap_or_default());
        }
        assert_eq!(
            names,
            [
                "wslab-worker-0",
                "wslab-worker-1",
                "wslab-worker-0",
                "wslab-worker-1"
            ]
        );
        workers.stop().await;
    }

    #[tokio::test]
    async fn with_no_workers_tasks_run_on_the_callers_runtime() {
        let mut workers = Workers::start(0).expect("no workers");
        let (tx, rx) = tokio::sync::oneshot::channel();
        let here = std::thread::current().id();
        workers.spawn(async move {
            let _ = tx.send(std::thread::current().id());
        });
        assert_eq!(rx.await.expect("the task ran"), here);
        workers.stop().await;
    }
}
