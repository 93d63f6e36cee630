//! The shell socket: a reader task queues verified requests; the executor handles them one at a
//! time, so a long cell never stops the reader and `stop_on_error` can abort what is queued.
//! Requests are read leniently (a request the typed structs would reject still gets a reply).

use std::collections::VecDeque;
use std::sync::Arc;

use jupyter_protocol::{ReplyStatus, Status};
use jupyter_zmq_client::Connection;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use zeromq::SocketRecv;

use super::handler::{
    Completion, ExecuteContext, ExecuteRequest, Handler, HistoryQuery, OutputSink,
};
use super::server::{send_reply, Shared};
use super::wire::{self, Incoming};
use super::{control, replies};

type RouterRecv = Connection<zeromq::RouterRecvHalf>;
type RouterSend = Connection<zeromq::RouterSendHalf>;

/// Reads shell until `stop`, queueing every request that passes the signature check.
pub async fn read(
    mut shell: RouterRecv,
    queue: mpsc::UnboundedSender<Incoming>,
    stop: CancellationToken,
) {
    loop {
        let frames = tokio::select! {
            _ = stop.cancelled() => break,
            frames = shell.socket.recv() => frames,
        };
        match frames.map(|f| wire::decode(f, &shell.mac)) {
            Ok(Ok(request)) => {
                if queue.send(request).is_err() {
                    break;
                }
            }
            Ok(Err(e)) => tracing::warn!("shell: dropped a message: {e}"),
            Err(e) => tracing::warn!("shell: receive failed: {e}"),
        }
    }
}

/// Handles shell requests in order.
pub struct Executor {
    shared: Arc<Shared>,
    shell: RouterSend,
    queue: mpsc::UnboundedReceiver<Incoming>,
    execution_count: usize,
    /// Requests taken off the queue while aborting, to be handled next.
    pending: VecDeque<Incoming>,
}

impl Executor {
    pub fn new(
        shared: Arc<Shared>,
        shell: RouterSend,
        queue: mpsc::UnboundedReceiver<Incoming>,
    ) -> Executor {
        Executor {
            shared,
            shell,
            queue,
            execution_count: 0,
            pending: VecDeque::new(),
        }
    }

    /// Serves `handler` until `stop` or a shutdown request.
    pub async fn run<H: Handler>(&mut self, handler: &mut H, stop: &CancellationToken) {
        loop {
            let next = match self.pending.pop_front() {
                Some(request) => request,
                None => tokio::select! {
                    _ = stop.cancelled() => break,
                    request = self.queue.recv() => match request {
                        Some(request) => request,
                        None => break,
                    },
                },
            };
            self.handle(handler, next).await;
            if stop.is_cancelled() {
                break;
            }
        }
    }

    async fn handle<H: Handler>(&mut self, handler: &mut H, request: Incoming) {
        let iopub = self.shared.iopub.clone();
        iopub.status(Status::busy(), Some(&request));
        let mut abort_queue = false;
        let content = match request.msg_type() {
            "execute_request" => {
                let (content, failed_and_stop) = self.execute(handler, &request).await;
                abort_queue = failed_and_stop;
                content
            }
            "is_complete_request" => {
                replies::is_complete(handler.is_complete(text(&request, "code")))
            }
            // Both may wait on the catalog: an interrupt ends them with an empty answer.
            "complete_request" => {
                let (code, cursor) = code_and_cursor(&request);
                let cancel = self.shared.new_running();
                let nothing = Completion {
                    matches: Vec::new(),
                    cursor_start: cursor,
                    cursor_end: cursor,
                    metadata: serde_json::Map::new(),
                };
                let completion = handler.complete(&code, cursor);
                replies::complete(unless_interrupted(&cancel, completion, nothing).await)
            }
            "inspect_request" => {
                let (code, cursor) = code_and_cursor(&request);
                let detail = request.content.get("detail_level").and_then(Value::as_u64);
                let detail = u8::from(detail.unwrap_or(0) > 0);
                let cancel = self.shared.new_running();
                let inspection = handler.inspect(&code, cursor, detail);
                replies::inspect(unless_interrupted(&cancel, inspection, None).await)
            }
            "history_request" => history(handler, &request),
            "comm_info_request" => replies::comm_info(),
            // Comm messages have no reply; the kernel has no comm targets.
            "comm_open" | "comm_msg" | "comm_close" => {
                iopub.status(Status::idle(), Some(&request));
                return;
            }
            other => control::answer(&self.shared, &request).unwrap_or_else(|| {
                replies::failure(
                    "UnsupportedRequest",
                    format!("the Spark SQL kernel does not handle {other}"),
                )
            }),
        };
        // What is queued now was sent before the client could see this failure: only that is
        // aborted. Anything that arrives after the reply is the client's next decision.
        let to_abort = if abort_queue {
            self.take_queued_executions().await
        } else {
            Vec::new()
        };
        send_reply(&self.shared, &mut self.shell, &request, content).await;
        iopub.status(Status::idle(), Some(&request));
        for queued in to_abort {
            self.answer_aborted(&queued).await;
        }
    }

    /// Returns the reply content and whether queued executions must now be aborted.
    async fn execute<H: Handler>(&mut self, handler: &mut H, request: &Incoming) -> (Value, bool) {
        let field = |key: &str| request.content.get(key);
        let Some(code) = field("code").and_then(Value::as_str).map(str::to_owned) else {
            let content = replies::failure("BadRequest", "execute_request without code".into());
            return (content, false);
        };
        let flag =
            |key: &str, default: bool| field(key).and_then(Value::as_bool).unwrap_or(default);
        let silent = flag("silent", false);
        let store_history = flag("store_history", true) && !silent;
        let stop_on_error = flag("stop_on_error", true);
        if !silent {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        let iopub = self.shared.iopub.clone();
        if !silent {
            let input = jupyter_protocol::ExecuteInput {
                code: code.clone(),
                execution_count: jupyter_protocol::ExecutionCount::new(count),
            };
            iopub.publish("execute_input", input, Some(request));
        }
        let ctx = ExecuteContext::new(self.sink(request, count, silent), self.shared.new_running());
        let execute = ExecuteRequest {
            code,
            silent,
            store_history,
            execution_count: count,
        };
        match handler.execute(execute, ctx).await {
            Ok(()) => (replies::execute(count, ReplyStatus::Ok, None), false),
            Err(error) => {
                if !silent {
                    iopub.publish("error", replies::error(&error), Some(request));
                }
                let content = replies::execute(count, ReplyStatus::Error, Some(&error));
                (content, stop_on_error)
            }
        }
    }

    /// Where a request's outputs go: IOPub with the request as parent (nowhere when silent).
    fn sink(&self, request: &Incoming, count: usize, silent: bool) -> OutputSink {
        if silent {
            return Arc::new(|_| {});
        }
        let parent = request.clone();
        let iopub = self.shared.iopub.clone();
        Arc::new(move |output| {
            let (msg_type, content) = replies::output(output, count);
            iopub.publish(msg_type, content, Some(&parent));
        })
    }

    /// After a failed cell with `stop_on_error`: the executions already queued, to be answered
    /// `aborted`. Other requests keep their place.
    async fn take_queued_executions(&mut self) -> Vec<Incoming> {
        // Let the reader hand over what has already arrived.
        tokio::task::yield_now().await;
        let mut executions = Vec::new();
        while let Ok(request) = self.queue.try_recv() {
            if request.msg_type() == "execute_request" {
                executions.push(request);
            } else {
                self.pending.push_back(request);
            }
        }
        executions
    }

    async fn answer_aborted(&mut self, request: &Incoming) {
        let iopub = self.shared.iopub.clone();
        iopub.status(Status::busy(), Some(request));
        let content = replies::execute(self.execution_count, ReplyStatus::Aborted, None);
        send_reply(&self.shared, &mut self.shell, request, content).await;
        iopub.status(Status::idle(), Some(request));
    }
}

fn text<'a>(request: &'a Incoming, key: &str) -> &'a str {
    request
        .content
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The code and the cursor (code points; the end of the code when not given).
fn code_and_cursor(request: &Incoming) -> (String, usize) {
    let code = text(request, "code").to_owned();
    let cursor = request
        .content
        .get("cursor_pos")
        .and_then(Value::as_u64)
        .map_or(code.chars().count(), |c| c as usize);
    (code, cursor)
}

fn history<H: Handler>(handler: &H, request: &Incoming) -> Value {
    match history_query(&request.content) {
        Some((query, output)) => replies::history(handler.history(&query, output), output),
        None => {
            let mut content = replies::failure(
                "BadRequest",
                "history_request needs hist_access_type tail, range or search".into(),
            );
            content["history"] = Value::Array(Vec::new());
            content
        }
    }
}

/// Reads a `history_request` leniently: a missing `n` means "all", a missing `pattern` "*".
fn history_query(content: &Value) -> Option<(HistoryQuery, bool)> {
    let text = |k: &str| content.get(k).and_then(Value::as_str);
    let int = |k: &str| content.get(k).and_then(Value::as_i64);
    let flag = |k: &str| content.get(k).and_then(Value::as_bool).unwrap_or(false);
    let query = match text("hist_access_type")? {
        "tail" => HistoryQuery::Tail {
            n: int("n").map_or(usize::MAX, |n| n.max(0) as usize),
        },
        "range" => HistoryQuery::Range {
            session: int("session").unwrap_or(0),
            start: int("start").unwrap_or(0),
            stop: int("stop").unwrap_or(i64::MAX),
        },
        "search" => HistoryQuery::Search {
            pattern: text("pattern").unwrap_or("*").to_owned(),
            n: int("n").map(|n| n.max(0) as usize),
            unique: flag("unique"),
        },
        _ => return None,
    };
    Some((query, flag("output")))
}

/// `work`'s answer, or `fallback` as soon as `cancel` fires.
async fn unless_interrupted<T>(
    cancel: &CancellationToken,
    work: impl std::future::Future<Output = T>,
    fallback: T,
) -> T {
    tokio::select! {
        answer = work => answer,
        () = cancel.cancelled() => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn history_requests_are_read_leniently() {
        let (query, output) =
            history_query(&json!({"hist_access_type": "search", "pattern": "SEL*"})).unwrap();
        assert_eq!(
            query,
            HistoryQuery::Search {
                pattern: "SEL*".into(),
                n: None,
                unique: false
            }
        );
        assert!(!output);
        let (query, output) =
            history_query(&json!({"hist_access_type": "tail", "output": true})).unwrap();
        assert_eq!(query, HistoryQuery::Tail { n: usize::MAX });
        assert!(output);
        assert!(history_query(&json!({"hist_access_type": "everything"})).is_none());
        assert!(history_query(&json!({})).is_none());
    }
}
