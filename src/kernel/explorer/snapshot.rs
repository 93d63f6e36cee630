//! A view's snapshot on the server: made when a frontend first opens the view (evicting the
//! least recently used snapshot when the kernel keeps its most) and between cells (a cell that
//! starts interrupts it; it is made again when the cell ended), released when its last comm
//! closes, when evicted and at shutdown. Its state is watched by the requests that wait for it.
//! Must not: answer requests (`answer` does) or build SQL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{Array, Int64Array};
use tokio_util::sync::CancellationToken;

use super::gate::Gate;
use super::{send, Explorer, Shared, ViewEntry};
use crate::explore::protocol::{Event, Gone};
use crate::explore::query::{self, Part};
use crate::jupyter::ExecuteContext;
use crate::session::{Forked, SessionError, SparkSession};
use crate::spark::{QueryResult, SparkError};

/// How long releasing the snapshots at shutdown may take.
pub const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);
/// Partitions a snapshot may have at most (the rows of its layout query).
const MAX_PARTS: usize = 1_000_000;

/// Where a view's snapshot is.
#[derive(Debug, Clone)]
pub enum Snap {
    /// Not made (or released): the next request makes it.
    None,
    Building,
    Ready {
        parts: Arc<Vec<Part>>,
        total: u64,
        seconds: f64,
        /// The pages served and fetched ahead from this snapshot.
        pages: Arc<super::pages::Pages>,
    },
    /// Cannot be explored any more; the message says why.
    Gone(Gone, String),
}

impl Snap {
    pub fn is_none(&self) -> bool {
        matches!(self, Snap::None)
    }

    /// Whether it holds (or is about to hold) a cache on the server.
    pub fn is_live(&self) -> bool {
        matches!(self, Snap::Building | Snap::Ready { .. })
    }
}

impl Explorer {
    /// Starts making `entry`'s snapshot in the background, after evicting the least recently
    /// used ones if the kernel keeps its most.
    pub(super) async fn start_snapshot(
        &mut self,
        session: &mut SparkSession,
        entry: &Arc<ViewEntry>,
        ctx: &ExecuteContext,
    ) {
        self.evict_for(session, entry, ctx).await;
        let forked = match session.fork(ctx.cancel_token()).await {
            Ok(forked) => forked,
            Err(e) => {
                let message = super::super::words::session(&e);
                notify(&self.registry, entry, ctx, &Event::Error { id: 0, message });
                return;
            }
        };
        entry.snap.send_replace(Snap::Building);
        let job = Build {
            entry: Arc::clone(entry),
            forked,
            registry: Arc::clone(&self.registry),
            ctx: ctx.clone(),
            gate: self.gate.clone(),
        };
        tokio::spawn(job.run());
    }

    async fn evict_for(
        &mut self,
        session: &mut SparkSession,
        keep: &Arc<ViewEntry>,
        ctx: &ExecuteContext,
    ) {
        loop {
            let oldest = {
                let Ok(registry) = self.registry.lock() else {
                    return;
                };
                let live: Vec<&Arc<ViewEntry>> = registry
                    .views
                    .values()
                    .filter(|e| e.view != keep.view && e.snap.borrow().is_live())
                    .collect();
                if live.len() < self.cap {
                    return;
                }
                live.into_iter().min_by_key(|e| e.last_used()).cloned()
            };
            let Some(oldest) = oldest else {
                return;
            };
            let message = super::super::words::explorer_gone(Gone::Evicted, self.cap);
            release(session, &oldest, ctx.cancel_token()).await;
            oldest
                .snap
                .send_replace(Snap::Gone(Gone::Evicted, message.clone()));
            let event = Event::Gone {
                why: Gone::Evicted,
                message,
            };
            notify(&self.registry, &oldest, ctx, &event);
        }
    }
}

/// Sends `event` to every comm open to `entry`'s view.
pub(super) fn notify(registry: &Shared, entry: &ViewEntry, ctx: &ExecuteContext, event: &Event) {
    let comms = registry
        .lock()
        .map(|r| r.comms_of(&entry.view))
        .unwrap_or_default();
    for comm_id in comms {
        send(ctx, &comm_id, event);
    }
}

/// Making one snapshot.
struct Build {
    entry: Arc<ViewEntry>,
    forked: Forked,
    registry: Shared,
    ctx: ExecuteContext,
    /// Closed while a cell runs.
    gate: Gate,
}

impl Build {
    async fn run(mut self) {
        let started = Instant::now();
        let outcome = self.make_between_cells().await;
        let entry = &self.entry;
        let event = match outcome {
            Ok(parts) => {
                let total = parts.iter().map(|p| p.rows).sum();
                let seconds = started.elapsed().as_secs_f64();
                let nobody = self
                    .registry
                    .lock()
                    .map(|r| r.comms_of(&entry.view).is_empty())
                    .unwrap_or(true);
                if nobody || !matches!(*entry.snap.borrow(), Snap::Building) {
                    // Closed (or evicted) while it was being made.
                    drop_now(&mut self.forked, entry, &CancellationToken::new()).await;
                    return;
                }
                let parts = Arc::new(parts);
                entry.snap.send_replace(Snap::Ready {
                    parts,
                    total,
                    seconds,
                    pages: Arc::default(),
                });
                Event::Ready { total, seconds }
            }
            Err(e) => {
                drop_now(&mut self.forked, entry, &CancellationToken::new()).await;
                if matches!(e, SessionError::Spark(SparkError::Cancelled)) {
                    entry.snap.send_replace(Snap::None);
                    let message = super::super::words::explorer_interrupted();
                    Event::Error { id: 0, message }
                } else {
                    let message = super::super::words::explorer_failed(&e);
                    entry
                        .snap
                        .send_replace(Snap::Gone(Gone::Failed, message.clone()));
                    Event::Gone {
                        why: Gone::Failed,
                        message,
                    }
                }
            }
        };
        notify(&self.registry, entry, &self.ctx, &event);
    }

    /// Makes the snapshot while no cell runs: a cell that starts interrupts it on the server,
    /// and it is made again once the cell ended (the views are told it waits).
    async fn make_between_cells(&mut self) -> Result<Vec<Part>, SessionError> {
        let interrupted = self.ctx.cancel_token().clone();
        let mut paused = false;
        loop {
            if !self.gate.is_open() && !paused {
                paused = true;
                self.tell_paused();
            }
            let Some(pass) = self.gate.pass(&interrupted).await else {
                return Err(SessionError::Spark(SparkError::Cancelled));
            };
            if std::mem::take(&mut paused) {
                notify(
                    &self.registry,
                    &self.entry,
                    &self.ctx,
                    &Event::Resumed { id: 0 },
                );
            }
            match self.make(&pass.cancel).await {
                Err(_) if pass.was_paused(&interrupted) => {
                    paused = true;
                    self.tell_paused();
                }
                outcome => return outcome,
            }
        }
    }

    fn tell_paused(&self) {
        let message = super::super::words::explorer_paused();
        notify(
            &self.registry,
            &self.entry,
            &self.ctx,
            &Event::Paused { id: 0, message },
        );
    }

    async fn make(&mut self, cancel: &CancellationToken) -> Result<Vec<Part>, SessionError> {
        let mark = uuid::Uuid::new_v4().as_u64_pair().0 >> 1;
        for sql in query::snapshot(&self.entry.name, &self.entry.sql, mark) {
            self.forked.run(&sql, 1, cancel).await?;
        }
        let layout = self
            .forked
            .run(&query::parts(&self.entry.name), MAX_PARTS, cancel)
            .await?;
        Ok(query::layout(counts(&layout)))
    }
}

/// (partition, rows) pairs of the layout query's result.
fn counts(result: &QueryResult) -> Vec<(u64, u64)> {
    let mut pairs = Vec::new();
    for batch in &result.batches {
        let column = |i: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<Int64Array>()
                .cloned()
        };
        let (Some(parts), Some(rows)) = (column(0), column(1)) else {
            continue;
        };
        for i in 0..parts.len() {
            pairs.push((parts.value(i) as u64, rows.value(i) as u64));
        }
    }
    pairs
}

/// Releases `entry`'s snapshot in the background (on a fork of the session).
pub(super) async fn release(
    session: &mut SparkSession,
    entry: &Arc<ViewEntry>,
    cancel: &CancellationToken,
) {
    if !entry.snap.borrow().is_live() {
        return;
    }
    entry.snap.send_replace(Snap::None);
    let Ok(mut forked) = session.fork(cancel).await else {
        return;
    };
    let entry = Arc::clone(entry);
    tokio::spawn(async move {
        drop_now(&mut forked, &entry, &CancellationToken::new()).await;
    });
}

/// Releases `entry`'s snapshot and waits until the server has.
pub(super) async fn release_now(
    session: &mut SparkSession,
    entry: &ViewEntry,
    cancel: &CancellationToken,
) {
    entry.snap.send_replace(Snap::None);
    if let Ok(mut forked) = session.fork(cancel).await {
        drop_now(&mut forked, entry, cancel).await;
    }
}

async fn drop_now(forked: &mut Forked, entry: &ViewEntry, cancel: &CancellationToken) {
    for sql in query::release(&entry.name) {
        if let Err(e) = forked.run(&sql, 1, cancel).await {
            tracing::warn!("explorer: releasing {} failed: {e}", entry.name);
        }
    }
}
