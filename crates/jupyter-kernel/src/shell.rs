//! The shell socket: a reader task queues verified requests; the executor handles them one at a
//! time, so a long cell never stops the reader and `stop_on_error` can abort what is queued.
//! Each request is decoded once into a [`Request`] (leniently: a request the protocol's typed
//! structs would reject still gets a reply).
//! Must not: know what a cell means (the handler does).

use std::collections::VecDeque;
use std::sync::Arc;

use jupyter_protocol::{CompleteReply, ExecuteInput, ExecutionCount, ReplyStatus, Status};
use jupyter_zmq_client::Connection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use zeromq::SocketRecv;

use super::beside::{Beside, BesideComms};
use super::content::{self, ErrorReply, InspectReply, Published, Reply};
use super::handler::{ExecuteContext, Handler, OutputSink};
use super::request::{ExecuteRequest, Request};
use super::shared::{send_reply, Shared};
use super::wire::{self, Incoming};

type RouterRecv = Connection<zeromq::RouterRecvHalf>;
type RouterSend = Connection<zeromq::RouterSendHalf>;

/// Reads shell until `stop`, queueing every request that passes the signature check (but the
/// messages of comms served beside the cells, which `beside` serves at once).
pub async fn read(
    mut shell: RouterRecv,
    queue: mpsc::UnboundedSender<Incoming>,
    mut beside: Option<Beside>,
    stop: CancellationToken,
) {
    loop {
        let frames = tokio::select! {
            _ = stop.cancelled() => break,
            frames = shell.socket.recv() => frames,
        };
        match frames.map(|f| wire::decode(f, &shell.mac)) {
            Ok(Ok(request)) => {
                let request = match beside.as_mut() {
                    Some(beside) => beside.take(request),
                    None => Some(request),
                };
                if request.is_some_and(|r| queue.send(r).is_err()) {
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
    /// The comms served beside the cells (for `comm_info_request`).
    beside: Option<Arc<dyn BesideComms>>,
}

impl Executor {
    pub fn new(
        shared: Arc<Shared>,
        shell: RouterSend,
        queue: mpsc::UnboundedReceiver<Incoming>,
        beside: Option<Arc<dyn BesideComms>>,
    ) -> Executor {
        Executor {
            shared,
            shell,
            queue,
            execution_count: 0,
            pending: VecDeque::new(),
            beside,
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

    async fn handle<H: Handler>(&mut self, handler: &mut H, incoming: Incoming) {
        let iopub = self.shared.iopub.clone();
        iopub.status(Status::busy(), Some(&incoming));
        let request = Request::decode(&incoming);
        let Some(reply_type) = request.reply_type() else {
            // Comm messages have no reply: the handler answers on IOPub, if at all.
            match request {
                Request::Comm(comm) => {
                    // What the handler starts for a comm may outlive this message: the next
                    // interrupt ends it.
                    let ctx = ExecuteContext::new(
                        self.sink(&incoming, 0, false),
                        self.shared.until_interrupt(),
                    );
                    handler.comm(comm, ctx).await;
                }
                Request::BadComm(problem) => tracing::warn!("shell: dropped {problem}"),
                _ => {}
            }
            iopub.status(Status::idle(), Some(&incoming));
            return;
        };
        let mut abort_queue = false;
        let reply = match request {
            Request::Execute(execute) => {
                let executed = self.execute(handler, &incoming, execute).await;
                abort_queue = executed.abort_queue;
                Reply::Execute(executed.reply)
            }
            Request::IsComplete(request) => Reply::IsComplete(handler.is_complete(&request)),
            // Both may wait on the catalog: an interrupt ends them with an empty answer.
            Request::Complete(at) => {
                let cancel = self.shared.new_running();
                let nothing = CompleteReply {
                    matches: Vec::new(),
                    cursor_start: at.position,
                    cursor_end: at.position,
                    metadata: serde_json::Map::new(),
                    status: ReplyStatus::Ok,
                    error: None,
                };
                let completion = handler.complete(&at);
                Reply::Complete(unless_interrupted(&cancel, completion, nothing).await)
            }
            Request::Inspect(request) => {
                let cancel = self.shared.new_running();
                let inspection = handler.inspect(&request);
                let nothing = InspectReply::not_found();
                Reply::Inspect(unless_interrupted(&cancel, inspection, nothing).await)
            }
            Request::History(request) => Reply::History(handler.history(&request)),
            Request::CommInfo { target_name } => {
                let mut comms = handler.comms();
                comms.extend(self.beside.iter().flat_map(|b| b.comms()));
                Reply::CommInfo(content::comm_info(comms, target_name.as_deref()))
            }
            Request::Malformed { kind, problem } => {
                Reply::Error(ErrorReply::malformed(kind, problem))
            }
            Request::Unsupported(name) => Reply::Error(ErrorReply::new(
                reply_type,
                "UnsupportedRequest",
                format!("{} does not handle {name}", self.shared.sender.username),
            )),
            common => self.shared.answer(&common).unwrap_or_else(|| {
                let problem = format!("{reply_type} is not handled");
                Reply::Error(ErrorReply::new(reply_type, "UnsupportedRequest", problem))
            }),
        };
        // What is queued now was sent before the client could see this failure: only that is
        // aborted. Anything that arrives after the reply is the client's next decision.
        let to_abort = if abort_queue {
            self.take_queued_executions().await
        } else {
            Vec::new()
        };
        let shell = &mut self.shell;
        send_reply(&self.shared, shell, &incoming, reply).await;
        iopub.status(Status::idle(), Some(&incoming));
        for queued in to_abort {
            self.answer_aborted(&queued).await;
        }
    }

    /// Runs one execution: its reply, and whether queued executions must now be aborted.
    async fn execute<H: Handler>(
        &mut self,
        handler: &mut H,
        request: &Incoming,
        execute: ExecuteRequest,
    ) -> Executed {
        let silent = execute.silent;
        // As IPython counts: only an execution kept in history takes a new number.
        if !silent && execute.store_history {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        let iopub = self.shared.iopub.clone();
        if !silent {
            let input = ExecuteInput {
                code: execute.code.clone(),
                execution_count: ExecutionCount::new(count),
            };
            iopub.publish(Published::ExecuteInput(input), Some(request));
        }
        let sink = self.sink(request, count, silent);
        let ctx = ExecuteContext::new(sink, self.shared.new_running()).numbered(count);
        let stop_on_error = execute.stop_on_error;
        match handler.execute(execute, ctx).await {
            Ok(()) => Executed {
                reply: content::execute(count, ReplyStatus::Ok, None),
                abort_queue: false,
            },
            Err(error) => {
                if !silent {
                    iopub.publish(content::error(&error), Some(request));
                }
                Executed {
                    reply: content::execute(count, ReplyStatus::Error, Some(&error)),
                    abort_queue: stop_on_error,
                }
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
            iopub.publish(content::output(output, count), Some(&parent));
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
        let reply = content::execute(self.execution_count, ReplyStatus::Aborted, None);
        send_reply(
            &self.shared,
            &mut self.shell,
            request,
            Reply::Execute(reply),
        )
        .await;
        iopub.status(Status::idle(), Some(request));
    }
}

/// An execution's reply, and whether the executions queued behind it must be aborted (it
/// failed with `stop_on_error`).
struct Executed {
    reply: jupyter_protocol::ExecuteReply,
    abort_queue: bool,
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
