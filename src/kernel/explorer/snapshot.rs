//! A view's snapshot on the server: made when a frontend opens the view and Spark estimates the
//! result within the snapshot budget, or when the user keeps a copy (evicting the least recently
//! used snapshots to stay within the kernel's cap and budget); made between cells (a cell that
//! starts interrupts it; it is made again when the cell ended); released when its last comm
//! closes, when evicted and at shutdown. A larger result is read live. Its state is watched by the requests that wait for it.
//! Must not: answer requests (`answer` does) or build SQL.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{Array, Int64Array};
use tokio_util::sync::CancellationToken;

use super::failure::Ended;
use super::gate::Gate;
use super::{send, Explorer, SharedRegistry, ViewEntry};
use crate::explorer_model::protocol::{Event, Gone};
use crate::explorer_model::query::{self, Part};
use crate::session::{Forked, SessionError, SparkSession};
use crate::sync::locked;
use jupyter_kernel::ExecuteContext;
use spark_connect::{QueryResult, SparkError};

/// How long releasing the snapshots at shutdown may take.
pub const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);
/// Partitions a snapshot may have at most (the rows of its layout query).
const MAX_PARTS: usize = 1_000_000;

/// Where a view's snapshot is.
#[derive(Debug, Clone)]
pub enum Snap {
    /// Not made (or released): the next request opens the view again.
    None,
    /// Being estimated, or made.
    Building,
    Ready {
        parts: Arc<Vec<Part>>,
        total: u64,
        seconds: f64,
        /// The pages served and fetched ahead from this snapshot.
        pages: Arc<super::pages::Pages>,
    },
    /// No snapshot: too large to keep unasked, its pages are read from the live statement.
    Live { pages: Arc<super::pages::Pages> },
    /// Cannot be explored any more, and why.
    Gone(Ended),
}

impl Snap {
    pub fn is_none(&self) -> bool {
        matches!(self, Snap::None)
    }

    /// Whether it holds (or is about to hold) a cache on the server.
    pub fn holds_cache(&self) -> bool {
        matches!(self, Snap::Building | Snap::Ready { .. })
    }
}

/// What opening a view, or keeping a copy of it, needs.
struct Opening {
    entry: Arc<ViewEntry>,
    forked: Forked,
    registry: SharedRegistry,
    ctx: ExecuteContext,
    gate: Gate,
    /// Snapshots the kernel keeps at most, and the bytes (Spark's estimates) they may hold.
    cap: usize,
    budget: u64,
}

impl Explorer {
    /// Opens `entry`'s view in the background: Spark estimates the result's size (no job
    /// runs), and a result within the snapshot budget gets its snapshot; a larger one is read
    /// live until the user keeps a copy. With `keep`, the snapshot is made whatever its size.
    pub(super) async fn start_view(
        &mut self,
        session: &mut SparkSession,
        entry: &Arc<ViewEntry>,
        ctx: &ExecuteContext,
        keep: bool,
    ) {
        let forked = match session.fork(ctx.cancel_token()).await {
            Ok(forked) => forked,
            Err(e) => {
                let message = super::super::words::session(&e);
                notify(&self.registry, entry, ctx, &Event::Error { id: 0, message });
                return;
            }
        };
        entry.snap.send_replace(Snap::Building);
        let opening = Opening {
            entry: Arc::clone(entry),
            forked,
            registry: Arc::clone(&self.registry),
            ctx: ctx.clone(),
            gate: self.gate.clone(),
            cap: self.cap,
            budget: self.budget,
        };
        tokio::spawn(opening.run(keep));
    }
}

impl Opening {
    async fn run(mut self, keep: bool) {
        let known = self.entry.estimated();
        let estimate = match known {
            Some(known) => Some(known),
            None => self.estimate().await,
        };
        let Some(bytes) = estimate else {
            return; // interrupted: told, and the view opens again at its next request
        };
        *locked(&self.entry.estimate) = Some(bytes);
        if !keep && bytes > self.budget {
            let pages = Arc::default();
            self.entry.snap.send_replace(Snap::Live { pages });
            let message = super::super::words::explorer_live(bytes);
            let event = Event::Live {
                estimate: bytes,
                message,
            };
            notify(&self.registry, &self.entry, &self.ctx, &event);
            return;
        }
        self.evict(bytes).await;
        let build = Build {
            entry: self.entry,
            forked: self.forked,
            registry: self.registry,
            ctx: self.ctx,
            gate: self.gate,
        };
        build.run().await;
    }

    /// Spark's estimate of the result's size (AnalyzePlan's COST explain: no job runs); a statement Spark
    /// cannot estimate counts as too large to keep unasked. `None` when the user interrupted.
    async fn estimate(&mut self) -> Option<u64> {
        let interrupted = self.ctx.cancel_token().clone();
        loop {
            let pass = self.gate.pass(&interrupted).await?;
            match self
                .forked
                .explain_cost(&self.entry.sql, &pass.cancel)
                .await
            {
                Ok(plan) => return Some(query::estimated_bytes(&plan).unwrap_or(u64::MAX)),
                Err(_) if pass.was_paused(&interrupted) => {}
                Err(SessionError::Spark(SparkError::Cancelled)) => {
                    self.entry.snap.send_replace(Snap::None);
                    let message = super::super::words::explorer_interrupted();
                    notify(
                        &self.registry,
                        &self.entry,
                        &self.ctx,
                        &Event::Error { id: 0, message },
                    );
                    return None;
                }
                Err(e) => {
                    tracing::info!("explorer: no estimate of the result's size: {e}");
                    return Some(u64::MAX);
                }
            }
        }
    }

    /// Evicts the least recently used snapshots until the kernel keeps fewer than its cap and
    /// all of them, with this one's `bytes`, fit the budget (or no other is left).
    async fn evict(&mut self, bytes: u64) {
        loop {
            let oldest = {
                let registry = locked(&self.registry);
                let live: Vec<&Arc<ViewEntry>> = registry
                    .views
                    .values()
                    .filter(|e| e.view != self.entry.view && e.snap.borrow().holds_cache())
                    .collect();
                let held: u64 = live
                    .iter()
                    .map(|e| e.estimated().unwrap_or(0))
                    .fold(0, u64::saturating_add);
                if live.len() < self.cap && held.saturating_add(bytes) <= self.budget.max(bytes) {
                    return;
                }
                live.into_iter().min_by_key(|e| e.last_used()).cloned()
            };
            let Some(oldest) = oldest else {
                return;
            };
            let ended = Ended::Evicted { cap: self.cap };
            let message = super::super::words::explorer_ended(&ended);
            oldest.snap.send_replace(Snap::Gone(ended));
            let mut forked = self.forked.fork();
            let released = Arc::clone(&oldest);
            tokio::spawn(async move {
                drop_now(&mut forked, &released, &CancellationToken::new()).await;
            });
            let event = Event::Gone {
                why: Gone::Evicted,
                message,
            };
            notify(&self.registry, &oldest, &self.ctx, &event);
        }
    }
}

/// Sends `event` to every comm open to `entry`'s view.
pub(super) fn notify(
    registry: &SharedRegistry,
    entry: &ViewEntry,
    ctx: &ExecuteContext,
    event: &Event,
) {
    let comms = locked(registry).comms_of(&entry.view);
    for comm_id in comms {
        send(ctx, &comm_id, event);
    }
}

/// Making one snapshot.
struct Build {
    entry: Arc<ViewEntry>,
    forked: Forked,
    registry: SharedRegistry,
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
                let nobody = locked(&self.registry).comms_of(&entry.view).is_empty();
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
                    let ended = Ended::Failed(Arc::new(e));
                    let message = super::super::words::explorer_ended(&ended);
                    entry.snap.send_replace(Snap::Gone(ended));
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
fn counts(result: &QueryResult) -> Vec<query::PartCount> {
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
            pairs.push(query::PartCount {
                number: parts.value(i) as u64,
                rows: rows.value(i) as u64,
            });
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
    if !entry.snap.borrow().holds_cache() {
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
