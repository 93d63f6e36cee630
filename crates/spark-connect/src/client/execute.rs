//! Running one SQL statement: a reattachable `ExecutePlan` of `Limit(limit + 1)` over the `SQL`
//! relation, resumed with `ReattachExecute` when the stream ends early, released afterwards;
//! a cancelled cell interrupts its operation by tag and waits briefly for the server to end it.
//! A stream the server leaves silent for the stall timeout is given up and resumed once on a
//! new connection; silent again, the statement fails saying so.
//! Must not: hold a whole result in memory: rows past the limit go to the sink or are dropped.

use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{
    request, Call, Credentials, SessionCall, SparkClient, CANCEL_GRACE, MAX_BROKEN_STREAMS,
};
use crate::error::SparkError;
use crate::proto::{
    execute_plan_request, execute_plan_response::ResponseType, interrupt_request, plan, relation,
    release_execute_request, ExecutePlanRequest, ExecutePlanResponse, InterruptRequest, Limit,
    Plan, ReattachExecuteRequest, ReattachOptions, Relation, ReleaseExecuteRequest,
    ResultChunkingOptions, Sql,
};
use crate::result::{BatchSink, Chunks, Collector, Progress, QueryResult, Running};
use crate::version::SparkVersion;

/// The largest piece of an Arrow batch a 4.1+ server sends in one message: well under the
/// 4 MiB that gRPC's own clients and proxies accept by default.
const CHUNK_BYTES: i64 = 1024 * 1024;

/// One SQL statement run in the session: at most `limit` rows of its result come back, and a
/// sink (an export) takes all of it.
struct SqlCall<'a, 's> {
    sql: &'a str,
    limit: RowLimit,
    progress: &'a watch::Sender<Running>,
    sink: Option<&'a mut (dyn BatchSink + 's)>,
}

/// How many rows of a statement's result come back, and whether the server is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLimit {
    /// At most this many: the plan is wrapped in `Limit(rows + 1)`, so Spark stops early.
    Plan(usize),
    /// At most this many of a result sent whole: what Spark cannot analyse under a `Limit`
    /// (a SQL script), or what a sink takes whole.
    Collect(usize),
}

impl From<usize> for RowLimit {
    fn from(rows: usize) -> RowLimit {
        RowLimit::Plan(rows)
    }
}

impl SessionCall for SqlCall<'_, '_> {
    type Output = QueryResult;

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<QueryResult, SparkError> {
        let sink: Option<&mut dyn BatchSink> = match &mut self.sink {
            Some(sink) => Some(&mut **sink),
            None => None,
        };
        client
            .execute_once(creds, self.sql, self.limit, cancel, self.progress, sink)
            .await
    }
}

impl SparkClient {
    /// Runs one SQL statement and returns at most `limit` rows of its result.
    pub async fn execute_sql(
        &mut self,
        creds: &Credentials,
        sql: &str,
        limit: impl Into<RowLimit>,
        cancel: &CancellationToken,
    ) -> Result<QueryResult, SparkError> {
        let (progress, _) = watch::channel(Running::default());
        self.execute_sql_with_progress(creds, sql, limit, cancel, &progress)
            .await
    }

    /// [`execute_sql`](Self::execute_sql), publishing Spark's `execution_progress` reports
    /// in `progress` as they arrive.
    pub async fn execute_sql_with_progress(
        &mut self,
        creds: &Credentials,
        sql: &str,
        limit: impl Into<RowLimit>,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
    ) -> Result<QueryResult, SparkError> {
        let mut statement = SqlCall {
            sql,
            limit: limit.into(),
            progress,
            sink: None,
        };
        self.in_session(creds, cancel, &mut statement).await
    }

    /// Runs one SQL statement and hands its whole result to `sink`, batch by batch as it
    /// arrives; at most `limit` rows of it come back to be shown.
    pub async fn export_sql(
        &mut self,
        creds: &Credentials,
        sql: &str,
        limit: usize,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
        sink: &mut dyn BatchSink,
    ) -> Result<QueryResult, SparkError> {
        let mut statement = SqlCall {
            sql,
            limit: RowLimit::Collect(limit),
            progress,
            sink: Some(sink),
        };
        self.in_session(creds, cancel, &mut statement).await
    }

    pub(super) async fn execute_once(
        &mut self,
        creds: &Credentials,
        sql: &str,
        limit: RowLimit,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
        sink: Option<&mut dyn BatchSink>,
    ) -> Result<QueryResult, SparkError> {
        let started = Instant::now();
        progress.send_modify(|r| r.heard = started);
        let operation_id = uuid::Uuid::new_v4().to_string();
        self.last_operation = Some(operation_id.clone());
        // Tagged with the client's name (`name/version …`), as Spark's UI lists it.
        let name = self
            .client_type
            .split('/')
            .next()
            .unwrap_or("spark-connect");
        let tag = format!("{name}-{operation_id}");
        let (limited, limit) = match limit {
            RowLimit::Plan(rows) => (sink.is_none().then_some(rows), rows),
            RowLimit::Collect(rows) => (None, rows),
        };
        let plan_request = self.plan_request(creds, sql, limited, &operation_id, &tag);
        let mut op = Operation {
            tag,
            chunks: Chunks::default(),
            collector: Collector::with_sink(limit, sink),
            last_response: None,
            interrupted: None,
            progress,
            messages: 0,
        };
        let mut reattaches = 0u32;
        let mut broken = 0u32;
        // Streams in a row that ended with no message at all (Spark acknowledges every attach).
        let mut empty = 0u32;
        let mut stalled = false;
        let mut stream = self
            .start_execute(creds, &plan_request, cancel)
            .await
            .inspect_err(|e| self.interrupt_if_cancelled(creds, &op.tag, e))?;
        loop {
            let heard_before = op.messages;
            match self.drain(&mut stream, &mut op, cancel, creds).await {
                Ok(true) => break,
                Ok(false) if op.messages > heard_before => empty = 0,
                Ok(false) => {
                    empty += 1;
                    if empty >= MAX_EMPTY_STREAMS {
                        self.interrupt_tag(creds, &op.tag);
                        return Err(SparkError::StreamEndsEmpty {
                            address: self.shown.clone(),
                            times: empty,
                        });
                    }
                }
                Err(Drained::Failed(e)) => {
                    if op.interrupted.is_some() || e.server().is_some_and(|s| s.is_cancelled()) {
                        return Err(SparkError::Cancelled);
                    }
                    if !e.is_transient() || broken >= MAX_BROKEN_STREAMS {
                        return Err(self.with_details(creds, e).await);
                    }
                    broken += 1;
                }
                Err(Drained::Cancelled) => return Err(SparkError::Cancelled),
                Err(Drained::Stalled) if !stalled => {
                    tracing::warn!(
                        "no answer for {:?}; resuming on a new connection",
                        self.stall
                    );
                    stalled = true;
                    self.new_connection();
                }
                Err(Drained::Stalled) => {
                    self.interrupt_tag(creds, &op.tag);
                    return Err(self.stalled("while running the query, nor on a new connection"));
                }
            }
            // The stream ended without `result_complete`: resume after the last response.
            reattaches += 1;
            tracing::debug!("reattaching to operation {operation_id} ({reattaches})");
            let reattach = {
                let stamp = self.stamp(creds);
                ReattachExecuteRequest {
                    session_id: stamp.session_id,
                    client_observed_server_side_session_id: stamp.observed,
                    user_context: stamp.user_context,
                    client_type: stamp.client_type,
                    operation_id: operation_id.clone(),
                    last_response_id: op.last_response.clone(),
                }
            };
            let started_nothing = op.last_response.is_none();
            let calls = (&reattach, &plan_request, started_nothing);
            stream = self
                .resume(creds, calls, cancel, &mut stalled)
                .await
                .inspect_err(|e| self.interrupt_if_cancelled(creds, &op.tag, e))?;
        }
        self.release_execute(creds, &operation_id);
        Ok(op.collector.finish(reattaches, started.elapsed()))
    }

    /// Resumes an operation whose stream ended early: `ReattachExecute`, or the `ExecutePlan`
    /// again when the server never started it. A reattach the server leaves unanswered for the
    /// stall timeout is tried once more on a new connection (as a silent stream is).
    async fn resume(
        &mut self,
        creds: &Credentials,
        (reattach, plan_request, started_nothing): (
            &ReattachExecuteRequest,
            &ExecutePlanRequest,
            bool,
        ),
        cancel: &CancellationToken,
        stalled: &mut bool,
    ) -> Result<tonic::Streaming<ExecutePlanResponse>, SparkError> {
        loop {
            match self.reattach(creds, reattach, cancel).await {
                Ok(stream) => return Ok(stream),
                Err(SparkError::Server(e)) if e.is_operation_not_found() && started_nothing => {
                    // The server never started the operation: start it again.
                    return self.start_execute(creds, plan_request, cancel).await;
                }
                Err(SparkError::Stalled { .. }) if !*stalled => {
                    tracing::warn!("no answer to a reattach; trying once more on a new connection");
                    *stalled = true;
                    self.new_connection();
                }
                Err(e) => return Err(self.with_details(creds, e).await),
            }
        }
    }

    /// The reattachable, tagged `ExecutePlan` of `Limit(limit + 1)` over the SQL relation (the
    /// SQL relation alone for a whole result).
    fn plan_request(
        &self,
        creds: &Credentials,
        sql: &str,
        limit: Option<usize>,
        operation_id: &str,
        tag: &str,
    ) -> ExecutePlanRequest {
        let sql_relation = Relation {
            common: None,
            rel_type: Some(relation::RelType::Sql(Sql {
                query: sql.to_owned(),
                ..Sql::default()
            })),
        };
        let root = match limit {
            None => sql_relation,
            Some(limit) => Relation {
                common: None,
                rel_type: Some(relation::RelType::Limit(Box::new(Limit {
                    input: Some(Box::new(sql_relation)),
                    limit: i32::try_from(limit.saturating_add(1)).unwrap_or(i32::MAX),
                }))),
            },
        };
        use execute_plan_request::request_option::RequestOption;
        let mut options = vec![RequestOption::ReattachOptions(ReattachOptions {
            reattachable: true,
        })];
        // Big Arrow batches in chunks (4.1+): a value larger than one gRPC message (or than
        // the 4 MiB a proxy allows) still arrives. Sent only to servers that know it.
        if self
            .session
            .version
            .as_ref()
            .is_some_and(SparkVersion::knows_result_chunking)
        {
            options.push(RequestOption::ResultChunkingOptions(
                ResultChunkingOptions {
                    allow_arrow_batch_chunking: true,
                    preferred_arrow_chunk_size: Some(CHUNK_BYTES),
                },
            ));
        }
        {
            let stamp = self.stamp(creds);
            ExecutePlanRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                operation_id: Some(operation_id.to_owned()),
                plan: Some(Plan {
                    op_type: Some(plan::OpType::Root(root)),
                }),
                request_options: options
                    .into_iter()
                    .map(|option| execute_plan_request::RequestOption {
                        request_option: Some(option),
                    })
                    .collect(),
                tags: vec![tag.to_owned()],
            }
        }
    }

    async fn start_execute(
        &mut self,
        creds: &Credentials,
        plan_request: &ExecutePlanRequest,
        cancel: &CancellationToken,
    ) -> Result<tonic::Streaming<ExecutePlanResponse>, SparkError> {
        let call = Call {
            what: "the query (ExecutePlan)",
            message: plan_request,
        };
        let result = self
            .rpc(creds, cancel, call, |mut g, r| async move {
                g.execute_plan(r).await
            })
            .await;
        match result {
            Ok(stream) => Ok(stream),
            Err(e) => Err(self.with_details(creds, e).await),
        }
    }

    async fn reattach(
        &mut self,
        creds: &Credentials,
        reattach: &ReattachExecuteRequest,
        cancel: &CancellationToken,
    ) -> Result<tonic::Streaming<ExecutePlanResponse>, SparkError> {
        let call = Call {
            what: "a ReattachExecute request",
            message: reattach,
        };
        self.rpc(creds, cancel, call, |mut g, r| async move {
            g.reattach_execute(r).await
        })
        .await
    }

    /// Reads the stream to its end. `Ok(true)`: the result is complete; `Ok(false)`: the
    /// stream ended early (reattach). On cancel, interrupts the operation and waits a
    /// little for the server to end it.
    async fn drain(
        &mut self,
        stream: &mut tonic::Streaming<ExecutePlanResponse>,
        op: &mut Operation<'_, '_>,
        cancel: &CancellationToken,
        creds: &Credentials,
    ) -> Result<bool, Drained> {
        let Operation {
            tag,
            chunks,
            collector,
            last_response,
            interrupted,
            progress,
            messages,
        } = op;
        // When the server last sent anything on this (new) stream.
        let mut heard = tokio::time::Instant::now();
        loop {
            let grace = interrupted.unwrap_or_else(|| tokio::time::Instant::now() + CANCEL_GRACE);
            // Biased: an interrupt is seen before a message that arrived with it, and the grace
            // for the server to end an interrupted stream ends even while messages flow; a
            // message that is there is read before the stall timeout is looked at.
            let message = tokio::select! {
                biased;
                _ = cancel.cancelled(), if interrupted.is_none() => {
                    *interrupted = Some(tokio::time::Instant::now() + CANCEL_GRACE);
                    self.interrupt_tag(creds, tag);
                    continue;
                }
                _ = tokio::time::sleep_until(grace), if interrupted.is_some() => {
                    return Err(Drained::Cancelled);
                }
                message = stream.message() => message,
                _ = tokio::time::sleep_until(heard + self.stall), if interrupted.is_none() => {
                    return Err(Drained::Stalled);
                }
            };
            match message {
                Ok(Some(response)) => {
                    *messages += 1;
                    heard = tokio::time::Instant::now();
                    progress.send_modify(|r| r.heard = Instant::now());
                    self.saw_session(&response.server_side_session_id);
                    if !response.response_id.is_empty() {
                        *last_response = Some(response.response_id.clone());
                    }
                    if let Some(schema) = &response.schema {
                        collector.schema(schema);
                    }
                    match response.response_type {
                        Some(ResponseType::ArrowBatch(batch)) => {
                            let Some(whole) = chunks.join(batch).map_err(Drained::Failed)? else {
                                continue; // more chunks of this batch to come
                            };
                            collector.arrow(whole).map_err(Drained::Failed)?;
                            if let Some(written) = collector.written() {
                                progress.send_modify(|r| r.written = Some(written));
                            }
                        }
                        Some(ResponseType::ResultComplete(_)) => {
                            // A result the user interrupted is not shown, however it ended.
                            if interrupted.is_some() || cancel.is_cancelled() {
                                return Err(Drained::Cancelled);
                            }
                            return Ok(true);
                        }
                        Some(ResponseType::ExecutionProgress(report)) => {
                            let report = Progress::from_report(&report);
                            progress.send_modify(|r| r.progress = Some(report));
                        }
                        _ => {}
                    }
                }
                Ok(None) => {
                    if interrupted.is_some() {
                        return Err(Drained::Cancelled);
                    }
                    return Ok(false);
                }
                Err(status) => return Err(Drained::Failed(self.status_error(&status))),
            }
        }
    }

    /// Interrupts the operation with `tag` when `error` says the user cancelled it before its
    /// stream began: the server may have started it (it answers only with its first rows).
    fn interrupt_if_cancelled(&self, creds: &Credentials, tag: &str, error: &SparkError) {
        if matches!(error, SparkError::Cancelled) {
            self.interrupt_tag(creds, tag);
        }
    }

    /// Asks the server to interrupt the operation with `tag`, without waiting. An interrupt
    /// that ends nothing (or fails) is sent again a few times: the server may not have
    /// registered an operation whose request is still on its way (it would then run to its end
    /// unasked). One left unanswered for the stall timeout is not.
    fn interrupt_tag(&self, creds: &Credentials, tag: &str) {
        let message = {
            let stamp = self.stamp(creds);
            InterruptRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                interrupt_type: interrupt_request::InterruptType::Tag as i32,
                interrupt: Some(interrupt_request::Interrupt::OperationTag(tag.to_owned())),
            }
        };
        let (creds, params) = (creds.clone(), self.address.params.clone());
        let (mut grpc, deadline) = (self.grpc.clone(), self.stall);
        tokio::spawn(async move {
            for pause in [Duration::ZERO].into_iter().chain(INTERRUPT_AGAIN) {
                tokio::time::sleep(pause).await;
                let Ok(req) = request(message.clone(), &creds, &params) else {
                    return;
                };
                match tokio::time::timeout(deadline, grpc.interrupt(req)).await {
                    Ok(Ok(r)) => {
                        let ended = r.into_inner().interrupted_ids;
                        tracing::info!("interrupted {ended:?}");
                        if !ended.is_empty() {
                            return;
                        }
                    }
                    Ok(Err(s)) => tracing::warn!("interrupt failed: {}", s.message()),
                    Err(_) => {
                        // A server that cannot answer in the stall timeout will not sooner.
                        tracing::warn!("interrupt not answered within {deadline:?}");
                        return;
                    }
                }
            }
        });
    }

    /// Frees what the server keeps of a finished operation, without waiting.
    fn release_execute(&self, creds: &Credentials, operation_id: &str) {
        let release = Some(release_execute_request::Release::ReleaseAll(
            release_execute_request::ReleaseAll {},
        ));
        let message = {
            let stamp = self.stamp(creds);
            ReleaseExecuteRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                operation_id: operation_id.to_owned(),
                release,
            }
        };
        let Ok(req) = request(message, creds, &self.address.params) else {
            return;
        };
        let (mut grpc, deadline) = (self.grpc.clone(), self.stall);
        tokio::spawn(async move {
            match tokio::time::timeout(deadline, grpc.release_execute(req)).await {
                Ok(Ok(_)) => {}
                Ok(Err(s)) => {
                    tracing::debug!("release of a finished operation failed: {}", s.message())
                }
                Err(_) => tracing::debug!("release of a finished operation not answered"),
            }
        });
    }
}

/// Result streams in a row that may end with no message before the statement fails: Spark
/// acknowledges every attach, so only something between (a proxy) ends streams empty.
const MAX_EMPTY_STREAMS: u32 = 10;

/// The pauses before an interrupt that ended nothing is sent again (about 8 s in all).
const INTERRUPT_AGAIN: [Duration; 5] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// What one execution has seen so far, across reattaches.
struct Operation<'p, 's> {
    /// The tag an interrupt names.
    tag: String,
    /// The chunks of an Arrow batch received so far (kept across a reattach).
    chunks: Chunks,
    collector: Collector<'s>,
    /// The last response received: where a reattach resumes.
    last_response: Option<String>,
    /// When the user interrupted: the deadline for the server to end the stream.
    interrupted: Option<tokio::time::Instant>,
    /// Where progress reports go.
    progress: &'p watch::Sender<Running>,
    /// Messages received so far, on every stream.
    messages: u64,
}

/// Why reading a result stream stopped early.
enum Drained {
    Failed(SparkError),
    Cancelled,
    /// Nothing arrived for the stall timeout.
    Stalled,
}
