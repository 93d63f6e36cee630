//! The SQL workbench's kernel side: the comm of the catalog sidebar and the history panel
//! (`spark_sql_kbase.catalog`), served beside the cells, so that a panel never waits behind a
//! running cell. Catalog answers come from the session's own catalog cache (the one completion
//! and inspection read, dropped by DDL in any cell), through a handle on the session made at
//! its last connection; history comes from the journal.
//! Must not: run anything but catalog statements, or touch the running cell's state.

mod answer;
pub mod protocol;
#[cfg(test)]
mod schema_tests;
mod search;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use jupyter_kernel::{BesideComms, Comm, ExecuteContext, OpenComm, Output};
use serde_json::Value;

pub use answer::{Previews, Unanswered};
use protocol::{Event, Op, Request, TARGET};

use crate::journal::Reader;
use crate::session::CatalogBeside;
use crate::sync::locked;

/// The workbench's comms (shared by the shell's reader and the kernel).
pub struct Workbench {
    catalog: CatalogBeside,
    previews: answer::Previews,
    journal: Option<Reader>,
    notebook: Option<String>,
    open: Mutex<HashSet<String>>,
}

impl Workbench {
    pub fn new(
        catalog: CatalogBeside,
        previews: answer::Previews,
        journal: Option<Reader>,
        notebook: Option<String>,
    ) -> Self {
        Workbench {
            catalog,
            previews,
            journal,
            notebook,
            open: Mutex::new(HashSet::new()),
        }
    }

    /// Whether `message` belongs to the workbench (a comm opened on its target).
    pub fn owns(&self, message: &Comm) -> bool {
        match message {
            Comm::Open { target_name, .. } => target_name == TARGET,
            Comm::Msg { comm_id, .. } | Comm::Close { comm_id, .. } => {
                locked(&self.open).contains(comm_id)
            }
        }
    }
}

impl BesideComms for Workbench {
    fn targets(&self) -> Vec<String> {
        vec![TARGET.to_owned()]
    }

    fn ready(&self) -> bool {
        self.catalog.is_ready()
    }

    fn comm(&self, message: Comm, ctx: ExecuteContext) {
        match message {
            Comm::Open { comm_id, .. } => {
                locked(&self.open).insert(comm_id);
            }
            Comm::Close { comm_id, .. } => {
                locked(&self.open).remove(&comm_id);
            }
            Comm::Msg { comm_id, data } => {
                let job = Job {
                    catalog: self.catalog.clone(),
                    previews: self.previews.clone(),
                    journal: self.journal.clone(),
                    notebook: self.notebook.clone(),
                };
                tokio::spawn(job.answer(comm_id, data, ctx));
            }
        }
    }

    fn comms(&self) -> Vec<OpenComm> {
        locked(&self.open)
            .iter()
            .map(|c| OpenComm {
                comm_id: c.clone(),
                target_name: TARGET.to_owned(),
            })
            .collect()
    }
}

/// One request's answering, in a task of its own.
struct Job {
    catalog: CatalogBeside,
    previews: answer::Previews,
    journal: Option<Reader>,
    notebook: Option<String>,
}

impl Job {
    async fn answer(self, comm_id: String, data: Value, ctx: ExecuteContext) {
        let request = match serde_json::from_value::<Request>(data.clone()) {
            Ok(request) => request,
            Err(e) => {
                let id = data.get("id").and_then(Value::as_u64).unwrap_or(0);
                let message = super::words::explorer_bad_request(&e.to_string());
                return send(&ctx, &comm_id, &Event::Error { id, message });
            }
        };
        let id = request.id;
        let outcome = match request.op {
            Op::History { text, all, limit } => self.history(id, text, all, limit).await,
            Op::Refresh => {
                self.catalog.refresh();
                Ok(Event::Refreshed { id })
            }
            Op::Search { text, catalog } => {
                let tell = |found: search::Searched| {
                    let event = Event::Found {
                        id,
                        text: text.clone(),
                        matches: found.matches,
                        searched: found.searched,
                        namespaces: found.namespaces,
                        done: found.done,
                        complete: found.complete,
                    };
                    send(&ctx, &comm_id, &event);
                };
                match search::search(&self.catalog, &text, catalog.as_deref(), tell).await {
                    Some(()) => return,
                    None => Err(Unanswered::Slow),
                }
            }
            Op::Children { path } => match self.catalog.reader() {
                Some(mut catalog) => answer::children(&mut catalog, &path)
                    .await
                    .map(|nodes| Event::Children { id, path, nodes }),
                None => Err(Unanswered::Slow),
            },
            Op::Preview { path } => match self.catalog.forked() {
                Some(forked) => answer::preview(&self.previews, forked, &path)
                    .await
                    .map(|data| Event::Preview { id, path, data }),
                None => Err(Unanswered::Slow),
            },
            Op::Details { path } => match self.catalog.reader() {
                Some(mut catalog) => answer::details(&mut catalog, &path)
                    .await
                    .map(|rows| Event::Details { id, path, rows }),
                None => Err(Unanswered::Slow),
            },
        };
        send(&ctx, &comm_id, &answer::event(id, outcome));
    }

    /// The journal is read on a blocking thread (SQLite).
    async fn history(
        self,
        id: u64,
        text: Option<String>,
        all: bool,
        limit: usize,
    ) -> Result<Event, Unanswered> {
        let (journal, notebook) = (self.journal, self.notebook);
        let read = tokio::task::spawn_blocking(move || {
            answer::history(
                journal.as_ref(),
                notebook.as_deref(),
                text.as_deref(),
                all,
                limit,
            )
        });
        match read.await {
            Ok(found) => found.map(|records| Event::History { id, records }),
            Err(e) => Err(Unanswered::NoJournal(Some(e.to_string()))),
        }
    }
}

fn send(ctx: &ExecuteContext, comm_id: &str, event: &Event) {
    match serde_json::to_value(event) {
        Ok(data) => ctx.send(Output::Comm(Comm::Msg {
            comm_id: comm_id.to_owned(),
            data,
        })),
        Err(e) => tracing::error!("workbench: cannot write an event for {comm_id}: {e}"),
    }
}

/// The workbench shared by the kernel and the shell's reader.
pub type Shared = Arc<Workbench>;

/// Serves `message` once the session has connected (the workbench reads the catalog through
/// the session's last connection); a session that cannot connect is the request's answer.
pub async fn connect_then_serve(
    workbench: &Workbench,
    session: &mut crate::session::SparkSession,
    message: Comm,
    ctx: ExecuteContext,
) {
    if let (Comm::Msg { comm_id, data }, false) = (&message, workbench.ready()) {
        if let Err(e) = session.fork(ctx.cancel_token()).await {
            let id = data.get("id").and_then(Value::as_u64).unwrap_or(0);
            let message = super::words::workbench_session(&e);
            send(&ctx, comm_id, &Event::Error { id, message });
            return;
        }
    }
    workbench.comm(message, ctx);
}
