//! Answering one request of a view's frontend, in the background on a fork of the session:
//! it waits for the snapshot, runs the request's query and sends the answer on the comm (an
//! error as a message the view shows). An interrupt ends it; a cell that starts pauses it.
//! Must not: build SQL (`explore::query` does) or touch the registry.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::compute::{concat_batches, sort_to_indices, take_record_batch};
use tokio::sync::watch;

use tokio_util::sync::CancellationToken;

use super::failure::Failure;
use super::gate::Gate;
use super::pages::{PageKey, PageRows, Pages};
use super::snapshot::Snap;
use super::{send, ViewEntry, MAX_PAGE};
use crate::explorer_model::protocol::{ColumnSummary, Event, ExportFormat, Op, State, ViewRequest};
use crate::explorer_model::query::{self, Part};
use crate::kernel::words;
use crate::session::{Forked, SessionError};
use jupyter_kernel::ExecuteContext;
use spark_connect::{QueryResult, Running, SinkProgress};

/// One request to answer.
pub struct Answering {
    pub entry: Arc<ViewEntry>,
    pub forked: Forked,
    pub ctx: ExecuteContext,
    pub comm_id: String,
    pub home: Option<std::path::PathBuf>,
    /// Closed while a cell runs.
    pub gate: Gate,
    /// Where the export's statement and file are recorded.
    pub recorder: Option<crate::kernel::journaling::Recorder>,
}

/// Answers `request` on the job's comm. While a cell runs, its work on the server is
/// interrupted and waits (the view is told), then it is tried again.
pub async fn answer(mut job: Answering, request: ViewRequest) {
    let id = request.id;
    let interrupted = job.ctx.cancel_token().clone();
    let mut paused = false;
    let event = loop {
        let ready = match job.ready().await {
            Ok(ready) => ready,
            Err(failure) => {
                let message = words::explorer_failure(&failure);
                break Event::Error { id, message };
            }
        };
        if !job.gate.is_open() && !paused {
            paused = true;
            job.tell(&Event::Paused {
                id,
                message: words::explorer_paused(),
            });
        }
        let Some(pass) = job.gate.pass(&interrupted).await else {
            let message = words::explorer_interrupted();
            break Event::Error { id, message };
        };
        if std::mem::take(&mut paused) {
            job.tell(&Event::Resumed { id });
        }
        match job.run(request.clone(), &ready, &pass.cancel).await {
            Err(_) if pass.was_paused(&interrupted) => {
                paused = true;
                job.tell(&Event::Paused {
                    id,
                    message: words::explorer_paused(),
                });
            }
            outcome => {
                break outcome.unwrap_or_else(|failure| Event::Error {
                    id,
                    message: words::explorer_failure(&failure),
                })
            }
        }
    };
    job.tell(&event);
}

/// Pages fetched ahead after the one asked for (one before it is fetched too).
const AHEAD: u64 = 3;

/// Where a request's rows come from, as requests use it: a made snapshot, or the live
/// statement.
struct Ready {
    parts: Arc<Vec<Part>>,
    /// The snapshot's rows; `None`: read live (the count must be asked).
    total: Option<u64>,
    pages: Arc<Pages>,
}

impl Ready {
    fn source<'a>(&self, entry: &'a ViewEntry) -> query::Source<'a> {
        match self.total {
            Some(_) => query::Source::Snapshot(&entry.name),
            None => query::Source::Live(&entry.sql),
        }
    }
}

impl Answering {
    fn tell(&self, event: &Event) {
        send(&self.ctx, &self.comm_id, event);
    }

    /// The snapshot, once it is made; why not, if it cannot be.
    async fn ready(&self) -> Result<Ready, Failure> {
        let mut watching = self.entry.snap.subscribe();
        loop {
            match watching.borrow_and_update().clone() {
                Snap::Ready {
                    parts,
                    total,
                    pages,
                    ..
                } => {
                    return Ok(Ready {
                        parts,
                        total: Some(total),
                        pages,
                    })
                }
                Snap::Live { pages } => {
                    let parts = Arc::default();
                    return Ok(Ready {
                        parts,
                        total: None,
                        pages,
                    });
                }
                Snap::Gone(ended) => return Err(Failure::Ended(ended)),
                Snap::None => return Err(Failure::Interrupted),
                Snap::Building => {}
            }
            tokio::select! {
                changed = watching.changed() => {
                    if changed.is_err() {
                        return Err(Failure::Interrupted);
                    }
                }
                () = self.ctx.cancelled() => return Err(Failure::Interrupted),
            }
        }
    }

    /// Runs `request` once; `cancel` ends its work on the server.
    async fn run(
        &mut self,
        request: ViewRequest,
        ready: &Ready,
        cancel: &CancellationToken,
    ) -> Result<Event, Failure> {
        let id = request.id;
        let started = Instant::now();
        let entry = Arc::clone(&self.entry);
        let (source, columns) = (ready.source(&entry), &entry.columns);
        match request.op {
            Op::Page { start, size, state } => {
                let key = PageKey::new(&state, start, size.clamp(1, MAX_PAGE));
                let fetch = Fetch {
                    entry: &entry,
                    source,
                    parts: &ready.parts,
                    state: &state,
                    pages: &ready.pages,
                    cancel,
                };
                let rows = ready
                    .pages
                    .get(&key, || fetch.rows(&mut self.forked, &key))
                    .await?;
                self.fetch_ahead(ready, &state, &key, cancel);
                let seconds = started.elapsed().as_secs_f64();
                Ok(Event::Page {
                    id,
                    start,
                    rows: rows.as_ref().clone(),
                    seconds,
                })
            }
            Op::Count { state } => {
                if let (Some(total), true) = (ready.total, state.filters.is_empty()) {
                    let seconds = started.elapsed().as_secs_f64();
                    return Ok(Event::Count { id, total, seconds });
                }
                let sql = query::count(source, columns, &state)?;
                let result = self.query(&sql, 1, cancel).await?;
                let total = first_numbers(&result)
                    .first()
                    .copied()
                    .flatten()
                    .unwrap_or(0);
                let seconds = started.elapsed().as_secs_f64();
                Ok(Event::Count { id, total, seconds })
            }
            Op::Summary { state } => {
                let sql = query::summary(source, columns, &state)?;
                let result = self.query(&sql, 1, cancel).await?;
                Ok(summary(id, &result, columns.len()))
            }
            Op::Export {
                state,
                path,
                format,
            } => {
                let sql = query::whole(source, columns, &state)?;
                let job = ExportOrder {
                    sql: &sql,
                    path: &path,
                    format,
                };
                self.export(id, job, cancel).await
            }
            // Answered by the explorer itself (a snapshot made on request).
            Op::Keep => Err(Failure::Misrouted("keep")),
        }
    }

    /// Fetches the pages after `key` (a reader clicking Next finds them) and the one before it
    /// in the background, unless they are kept. Sorted or filtered, the first missing page
    /// after it brings the others with it (see `Fetch::rows`).
    fn fetch_ahead(&self, ready: &Ready, state: &State, key: &PageKey, cancel: &CancellationToken) {
        let size = key.size();
        let mut ahead: Vec<PageKey> = (1..=AHEAD)
            .map(|n| key.at(key.start() + n * size))
            .collect();
        if key.start() > 0 {
            ahead.push(key.at(key.start().saturating_sub(size)));
        }
        let known = ready.total.filter(|_| state.filters.is_empty());
        let passes = !is_plain(state);
        let mut block = false;
        for next in ahead {
            if ready.pages.has(&next) || known.is_some_and(|total| next.start() >= total) {
                continue;
            }
            if passes && next.start() > key.start() {
                if block {
                    continue;
                }
                block = true;
            }
            let mut forked = self.forked.fork();
            let (entry, parts, pages, live) = (
                Arc::clone(&self.entry),
                Arc::clone(&ready.parts),
                Arc::clone(&ready.pages),
                ready.total.is_none(),
            );
            let (state, cancel) = (state.clone(), cancel.clone());
            tokio::spawn(async move {
                let source = if live {
                    query::Source::Live(&entry.sql)
                } else {
                    query::Source::Snapshot(&entry.name)
                };
                let fetch = Fetch {
                    entry: &entry,
                    source,
                    parts: &parts,
                    state: &state,
                    pages: &pages,
                    cancel: &cancel,
                };
                let _ = pages.get(&next, || fetch.rows(&mut forked, &next)).await;
            });
        }
    }

    async fn query(
        &mut self,
        sql: &str,
        limit: usize,
        cancel: &CancellationToken,
    ) -> Result<QueryResult, Failure> {
        Ok(self.forked.run(sql, limit, cancel).await?)
    }

    /// Writes the result of the export's SQL (the whole view, sorted and filtered) to a file.
    async fn export(
        &mut self,
        id: u64,
        ExportOrder { sql, path, format }: ExportOrder<'_>,
        cancel: &CancellationToken,
    ) -> Result<Event, Failure> {
        let entry = Arc::clone(&self.entry);
        let format = match format {
            ExportFormat::Csv => crate::export::Format::Csv,
            ExportFormat::Tsv => crate::export::Format::Tsv,
            ExportFormat::Json => crate::export::Format::JsonLines,
            ExportFormat::Parquet => crate::export::Format::Parquet,
        };
        let target = crate::export::resolve(path, self.home.as_deref());
        let mut sink = crate::export::Exporter::create(&target, format, entry.zone.clone())?;
        let started = Instant::now();
        let stamp = crate::kernel::journaling::Started::now();
        let (progress, receiver) = watch::channel(Running::default());
        let ticker = tokio::spawn(report_progress(
            receiver,
            self.ctx.clone(),
            self.comm_id.clone(),
            id,
        ));
        let outcome = self.forked.export(sql, cancel, &progress, &mut sink).await;
        ticker.abort();
        let result = match outcome {
            Ok(result) => result,
            Err(SessionError::Spark(spark_connect::SparkError::SinkStopped)) => {
                return Err(sink.failure().into())
            }
            Err(e) => return Err(e.into()),
        };
        let written = sink.finish(&result.columns)?;
        let message = words::exported(&written, format, started.elapsed());
        if let Some(recorder) = &self.recorder {
            let ended = crate::kernel::journaling::Ended::Result {
                result: &result,
                exported: Some(written.rows),
                files: vec![crate::journal::FileWritten {
                    path: written.path.display().to_string(),
                    format: format.key().to_owned(),
                    bytes: Some(written.bytes),
                    rows: Some(written.rows),
                }],
            };
            let count = u32::try_from(self.ctx.execution_count()).unwrap_or(u32::MAX);
            recorder.exported(&self.forked, &stamp, sql, count, ended);
        }
        Ok(Event::Exported { id, message })
    }
}

/// An export the view asked for: the SQL of the whole view, the file, its format.
struct ExportOrder<'a> {
    sql: &'a str,
    path: &'a str,
    format: ExportFormat,
}

/// Rows a sorted or filtered fetch brings at most (its pages, `AHEAD + 1` at most).
const BLOCK_ROWS: u64 = 2000;

/// Whether `state` neither sorts nor filters: its pages are row-id ranges of the snapshot.
fn is_plain(state: &State) -> bool {
    state.sort.is_none() && state.filters.is_empty()
}

/// What fetching a page needs besides the session.
struct Fetch<'a> {
    entry: &'a ViewEntry,
    source: query::Source<'a>,
    parts: &'a [Part],
    state: &'a State,
    /// Where the pages a fetch brings besides its own are kept.
    pages: &'a Pages,
    cancel: &'a CancellationToken,
}

impl Fetch<'_> {
    /// The page `key` of the snapshot, as text. A sorted or filtered page costs Spark a pass
    /// over the whole snapshot whatever its size, so the pages after it come in the same pass
    /// and are kept: Next is then answered without another.
    async fn rows(&self, forked: &mut Forked, key: &PageKey) -> Result<PageRows, Failure> {
        let entry = self.entry;
        let plain = is_plain(self.state);
        let size = key.size();
        let count = if plain {
            1
        } else {
            (BLOCK_ROWS / size).clamp(1, AHEAD + 1)
        };
        let range = query::RowSpan {
            start: key.start(),
            size: size * count,
        };
        let sql = query::page(self.source, &entry.columns, self.parts, self.state, range)?;
        let result = forked
            .run(&sql, (size * count) as usize, self.cancel)
            .await?;
        let mut rows = page_rows(&result, plain, entry)?;
        let size = size as usize;
        let later = rows.split_off(size.min(rows.len()));
        for n in 1..count as usize {
            let low = ((n - 1) * size).min(later.len());
            let high = (n * size).min(later.len());
            let next = key.at(key.start() + (n * size) as u64);
            self.pages.put(&next, Arc::new(later[low..high].to_vec()));
        }
        Ok(Arc::new(rows))
    }
}

/// Sends an export's rows and bytes written twice a second while it runs.
async fn report_progress(
    mut receiver: watch::Receiver<Running>,
    ctx: ExecuteContext,
    comm_id: String,
    id: u64,
) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let Some(SinkProgress { rows, bytes }) = receiver.borrow_and_update().written else {
            continue;
        };
        send(&ctx, &comm_id, &Event::Progress { id, rows, bytes });
    }
}

/// A page's rows as text, without the snapshot's hidden columns; an unsorted page in the
/// order of its row ids.
pub(super) fn page_rows(
    result: &QueryResult,
    unsorted: bool,
    entry: &ViewEntry,
) -> Result<Vec<Vec<Option<String>>>, arrow::error::ArrowError> {
    let Some(first) = result.batches.first() else {
        return Ok(Vec::new());
    };
    let mut batch: RecordBatch = concat_batches(&first.schema(), &result.batches)?;
    let position = |name: &str| result.columns.iter().position(|c| c.name == name);
    if let (true, Some(row)) = (unsorted, position(query::ROW)) {
        let order = sort_to_indices(batch.column(row), None, None)?;
        batch = take_record_batch(&batch, &order)?;
    }
    let keep: Vec<usize> = (0..result.columns.len())
        .filter(|&i| ![query::ROW, query::MARK].contains(&result.columns[i].name.as_str()))
        .collect();
    let visible = QueryResult {
        columns: keep.iter().map(|&i| result.columns[i].clone()).collect(),
        batches: vec![batch.project(&keep)?],
        rows_received: 0,
        more: false,
        reattaches: 0,
        elapsed: result.elapsed,
    };
    let options = crate::render::TableOptions {
        max_chars: entry.max_chars,
        zone: entry.zone.clone(),
        max_bytes: 0,
        hints: crate::render::Hints::default(),
        label: None,
    };
    Ok(crate::render::row_texts(&visible, &options))
}

/// The first row's values as whole numbers (`None` where a value is null or not a number).
fn first_numbers(result: &QueryResult) -> Vec<Option<u64>> {
    first_texts(result)
        .into_iter()
        .map(|t| t.and_then(|t| t.parse().ok()))
        .collect()
}

fn first_texts(result: &QueryResult) -> Vec<Option<String>> {
    let whole = crate::render::TableOptions {
        max_chars: 0,
        zone: crate::render::Zone::default(),
        max_bytes: 0,
        hints: crate::render::Hints::default(),
        label: None,
    };
    crate::render::row_texts(result, &whole)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The summary query's one row, read by its column names.
fn summary(id: u64, result: &QueryResult, columns: usize) -> Event {
    let texts = first_texts(result);
    let value = |name: &str| -> Option<String> {
        let i = result.columns.iter().position(|c| c.name == name)?;
        texts.get(i).cloned().flatten()
    };
    let number = |name: &str| value(name).and_then(|t| t.parse::<u64>().ok());
    let summaries = (0..columns)
        .map(|i| ColumnSummary {
            nulls: number(&format!("nulls_{i}")).unwrap_or(0),
            distinct: number(&format!("distinct_{i}")),
            min: value(&format!("min_{i}")),
            max: value(&format!("max_{i}")),
        })
        .collect();
    Event::Summary {
        id,
        rows: number("n").unwrap_or(0),
        columns: summaries,
    }
}
