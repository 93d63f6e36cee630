//! The result explorer, kernel side: every explorable result is registered as a view (its
//! statement and columns) and shown with the explorer's MIME type beside its static table. When
//! a frontend opens a comm to the view, Spark estimates the result's size: within the snapshot
//! budget a snapshot of it is made on the server, larger it is read live (until the user keeps
//! a copy); the
//! comm's requests (pages, counts, summaries, exports) run beside the cells on a fork of the
//! session and are answered on the comm. A cell goes first: while one runs, that work is
//! interrupted on the server and waits, and the view says so (`gate`). A snapshot is released
//! when its last comm closes (the output was cleared, the cell re-ran, the notebook closed),
//! when it is evicted to keep at most
//! `SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS`, and at shutdown.
//! Must not: build SQL (`explore::query` does) or know sockets.

mod answer;
mod failure;
mod gate;
mod pages;
mod registrar;
mod snapshot;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;
use tokio::sync::watch;

use crate::explorer_model::protocol::{
    self, Event, Gone, Op, Open, ViewColumn, ViewRequest, MIME, TARGET,
};
use crate::explorer_model::query::ColumnRef;
use crate::render::Zone;
use crate::session::SparkSession;
use crate::sync::locked;
pub use failure::{Ended, Failure};
pub use gate::Gate;
use jupyter_kernel::ExecuteContext;
use jupyter_kernel::{Comm, MimeBundle, OpenComm, Output};
pub use registrar::Registrar;
use snapshot::Snap;
use spark_connect::QueryResult;

/// Views registered but never opened that the kernel remembers (each is a statement's text).
const MAX_VIEWS: usize = 1000;

/// One explorable result.
pub struct ViewEntry {
    /// The view's id (what its display and comms name).
    view: String,
    /// The snapshot's name on the server.
    name: String,
    sql: String,
    columns: Vec<ColumnRef>,
    zone: Zone,
    max_chars: usize,
    snap: watch::Sender<Snap>,
    last_used: Mutex<Instant>,
    /// Spark's estimate of the result's size in bytes, once asked.
    estimate: Mutex<Option<u64>>,
}

impl ViewEntry {
    pub(super) fn estimated(&self) -> Option<u64> {
        *locked(&self.estimate)
    }

    fn touch(&self) {
        *locked(&self.last_used) = Instant::now();
    }

    fn last_used(&self) -> Instant {
        *locked(&self.last_used)
    }
}

/// The views and the comms open to them.
#[derive(Default)]
struct Registry {
    views: HashMap<String, Arc<ViewEntry>>,
    order: VecDeque<String>,
    /// Comm id → view id.
    comms: HashMap<String, String>,
}

impl Registry {
    fn comms_of(&self, view: &str) -> Vec<String> {
        self.comms
            .iter()
            .filter(|(_, v)| v.as_str() == view)
            .map(|(c, _)| c.clone())
            .collect()
    }
}

type SharedRegistry = Arc<Mutex<Registry>>;

/// What the explorer needs of a result to register it.
pub struct Explorable<'a> {
    pub sql: &'a str,
    pub result: &'a QueryResult,
    /// How the static table shows it (the first page shows the same rows).
    pub options: &'a crate::render::TableOptions,
    pub page_size: usize,
}

/// The kernel's explorer.
pub struct Explorer {
    cap: usize,
    /// The bytes (Spark's estimates) the kernel's snapshots may hold in all.
    budget: u64,
    /// This kernel's part of snapshot names (unique per kernel).
    tag: String,
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
    registry: SharedRegistry,
    /// Closed while a cell runs: the explorer's work on the server waits.
    gate: gate::Gate,
    /// Where exports are recorded (none: the journal is off).
    recorder: Option<super::journaling::Recorder>,
}

impl Explorer {
    /// The same explorer, recording its exports with `recorder`.
    pub fn with_recorder(mut self, recorder: Option<super::journaling::Recorder>) -> Explorer {
        self.recorder = recorder;
        self
    }

    pub fn new(cap: usize, budget: u64) -> Explorer {
        let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        Explorer {
            cap: cap.max(1),
            budget,
            tag,
            next: Default::default(),
            registry: SharedRegistry::default(),
            gate: gate::Gate::default(),
            recorder: None,
        }
    }

    /// A cell starts: the explorer's work on the server is interrupted (and waits).
    pub fn cell_starts(&self) {
        self.gate.close();
    }

    /// The cell ended: the explorer's work is tried again.
    pub fn cell_ends(&self) {
        self.gate.open();
    }

    /// The gate other work beside the cells passes too (the journal's lookups).
    pub fn gate(&self) -> Gate {
        self.gate.clone()
    }

    /// Registers `what` as a view and adds the explorer's part to its `bundle`.
    pub fn register(&mut self, what: &Explorable<'_>, bundle: &mut MimeBundle) -> Option<String> {
        self.registrar().register(what, bundle)
    }

    /// What registers views beside the cells too (the catalog sidebar's previews).
    pub fn registrar(&self) -> Registrar {
        Registrar {
            tag: self.tag.clone(),
            next: self.next.clone(),
            registry: self.registry.clone(),
        }
    }

    /// Tells the open views of `view` that their footer now reads `label` (a result gone).
    pub fn relabel(&self, view: &str, label: &str, ctx: &ExecuteContext) {
        let registry = locked(&self.registry);
        let event = Event::Label {
            label: label.to_owned(),
        };
        for (comm_id, _) in registry.comms.iter().filter(|(_, v)| v.as_str() == view) {
            send(ctx, comm_id, &event);
        }
    }

    /// The comms open now, for `comm_info_request`.
    pub fn comms(&self) -> Vec<OpenComm> {
        locked(&self.registry)
            .comms
            .keys()
            .map(|c| OpenComm {
                comm_id: c.clone(),
                target_name: TARGET.to_owned(),
            })
            .collect()
    }

    /// Handles one comm message from a frontend.
    pub async fn comm(&mut self, session: &mut SparkSession, message: Comm, ctx: ExecuteContext) {
        match message {
            Comm::Open {
                comm_id,
                target_name,
                data,
            } => {
                if target_name != TARGET {
                    close(&ctx, comm_id);
                    return;
                }
                self.open(session, comm_id, data, ctx).await;
            }
            Comm::Msg { comm_id, data } => self.request(session, comm_id, data, ctx).await,
            Comm::Close { comm_id, .. } => self.closed(session, &comm_id, &ctx).await,
        }
    }

    fn entry_of_comm(&self, comm_id: &str) -> Option<Arc<ViewEntry>> {
        let registry = locked(&self.registry);
        let view = registry.comms.get(comm_id)?;
        registry.views.get(view).cloned()
    }

    async fn open(
        &mut self,
        session: &mut SparkSession,
        comm_id: String,
        data: Value,
        ctx: ExecuteContext,
    ) {
        let view = serde_json::from_value::<Open>(data).map(|o| o.view);
        let entry = view.as_ref().ok().and_then(|view| {
            let mut registry = locked(&self.registry);
            let entry = registry.views.get(view).cloned()?;
            registry.comms.insert(comm_id.clone(), view.clone());
            Some(entry)
        });
        let Some(entry) = entry else {
            let message = super::words::explorer_gone(Gone::Unknown, self.cap);
            send(
                &ctx,
                &comm_id,
                &Event::Gone {
                    why: Gone::Unknown,
                    message,
                },
            );
            close(&ctx, comm_id);
            return;
        };
        entry.touch();
        let snap = entry.snap.borrow().clone();
        match snap {
            Snap::Ready { total, seconds, .. } => {
                send(&ctx, &comm_id, &Event::Ready { total, seconds });
            }
            Snap::Live { .. } => {
                let estimate = entry.estimated().unwrap_or(u64::MAX);
                let message = super::words::explorer_live(estimate);
                send(&ctx, &comm_id, &Event::Live { estimate, message });
            }
            Snap::Gone(ended) => {
                let message = super::words::explorer_ended(&ended);
                let why = ended.gone();
                send(&ctx, &comm_id, &Event::Gone { why, message });
            }
            Snap::Building => {}
            Snap::None => self.start_view(session, &entry, &ctx, false).await,
        }
    }

    async fn request(
        &mut self,
        session: &mut SparkSession,
        comm_id: String,
        data: Value,
        ctx: ExecuteContext,
    ) {
        let Some(entry) = self.entry_of_comm(&comm_id) else {
            tracing::warn!("explorer: a message for comm {comm_id}, which is not open");
            return;
        };
        let request = match serde_json::from_value::<ViewRequest>(data.clone()) {
            Ok(request) => request,
            Err(e) => {
                let id = data.get("id").and_then(Value::as_u64).unwrap_or(0);
                let message = super::words::explorer_bad_request(&e.to_string());
                send(&ctx, &comm_id, &Event::Error { id, message });
                return;
            }
        };
        entry.touch();
        if let Op::Keep = request.op {
            // A stable copy, asked for (the view showed Spark's estimate first).
            if matches!(*entry.snap.borrow(), Snap::Live { .. } | Snap::None) {
                self.start_view(session, &entry, &ctx, true).await;
            }
            return;
        }
        if entry.snap.borrow().is_none() {
            self.start_view(session, &entry, &ctx, false).await;
        }
        let forked = match session.fork(ctx.cancel_token()).await {
            Ok(forked) => forked,
            Err(e) => {
                let message = super::words::session(&e);
                send(
                    &ctx,
                    &comm_id,
                    &Event::Error {
                        id: request.id,
                        message,
                    },
                );
                return;
            }
        };
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        let job = answer::Answering {
            entry,
            forked,
            ctx,
            comm_id,
            home,
            gate: self.gate.clone(),
            recorder: self.recorder.clone(),
        };
        tokio::spawn(answer::answer(job, request));
    }

    async fn closed(&mut self, session: &mut SparkSession, comm_id: &str, ctx: &ExecuteContext) {
        let entry = {
            let mut registry = locked(&self.registry);
            let Some(view) = registry.comms.remove(comm_id) else {
                return;
            };
            if !registry.comms_of(&view).is_empty() {
                return;
            }
            registry.views.get(&view).cloned()
        };
        if let Some(entry) = entry {
            snapshot::release(session, &entry, ctx.cancel_token()).await;
        }
    }

    /// Releases every snapshot on the server (at shutdown), bounded in time.
    pub async fn shutdown(&mut self, session: &mut SparkSession) {
        let entries: Vec<Arc<ViewEntry>> = locked(&self.registry).views.values().cloned().collect();
        let live: Vec<_> = entries
            .into_iter()
            .filter(|e| e.snap.borrow().holds_cache())
            .collect();
        if live.is_empty() {
            return;
        }
        let never = tokio_util::sync::CancellationToken::new();
        let all = async {
            for entry in &live {
                snapshot::release_now(session, entry, &never).await;
            }
        };
        let _ = tokio::time::timeout(snapshot::RELEASE_TIMEOUT, all).await;
    }
}

/// Sends `event` on the comm `comm_id`.
fn send(ctx: &ExecuteContext, comm_id: &str, event: &Event) {
    match event.to_json() {
        Ok(data) => ctx.send(Output::Comm(Comm::Msg {
            comm_id: comm_id.to_owned(),
            data,
        })),
        Err(e) => tracing::error!("explorer: cannot write an event for {comm_id}: {e}"),
    }
}

fn close(ctx: &ExecuteContext, comm_id: String) {
    ctx.send(Output::Comm(Comm::Close {
        comm_id,
        data: Value::Object(serde_json::Map::new()),
    }));
}

/// Rows per page a frontend may ask for at most.
pub const MAX_PAGE: u64 = 1000;

#[cfg(test)]
mod tests;
