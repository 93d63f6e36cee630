//! The kernel's sockets and the tasks that own them.
//!
//! - heartbeat: echoes every frame as it came;
//! - IOPub: one writer task, fed through a queue, so messages keep the order they were queued in;
//! - shell: a reader task queues verified requests; an executor handles them one at a time,
//!   so a long cell never stops the reader (and `stop_on_error` can abort what is queued);
//! - control: handled as it arrives, even while a cell runs (interrupt, shutdown, kernel_info).
//!
//! Every shell and control request is wrapped in busy/idle here, and its reply goes out only
//! after the IOPub queue has been flushed: no handler can get either wrong.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jupyter_protocol::{ConnectionInfo, JupyterMessage};
use jupyter_zmq_client::{
    create_kernel_control_connection, create_kernel_heartbeat_connection,
    create_kernel_iopub_connection, create_kernel_shell_connection, Connection,
};
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use zeromq::{SocketRecv, SocketSend};

use super::handler::{
    Completeness, ExecuteContext, ExecuteRequest, Handler, HistoryQuery, KernelInfo, Output,
    OutputSink, StreamName,
};
use super::wire::{self, Incoming, PROTOCOL_VERSION};
use super::JupyterError;

/// How the serve loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A `shutdown_request` from the client.
    Shutdown { restart: bool },
    /// The caller's shutdown signal (for example SIGTERM).
    Stopped,
}

enum IopubCommand {
    Publish(Box<JupyterMessage>),
    Flush(oneshot::Sender<()>),
}

/// The IOPub queue. Cloned into every task that publishes.
#[derive(Clone)]
struct Iopub {
    queue: mpsc::UnboundedSender<IopubCommand>,
    session: Arc<str>,
}

impl Iopub {
    fn publish(&self, msg_type: &str, content: Value, parent: Option<&Incoming>) {
        let message = wire::message(msg_type, content, parent, &self.session, false);
        let _ = self.queue.send(IopubCommand::Publish(Box::new(message)));
    }

    fn status(&self, state: &str, parent: Option<&Incoming>) {
        self.publish("status", json!({ "execution_state": state }), parent);
    }

    /// Waits until everything queued so far has been handed to the socket.
    async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(IopubCommand::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// Shared between the shell executor and the control task.
struct Shared {
    session: Arc<str>,
    iopub: Iopub,
    kernel_info: Value,
    /// The cancellation of the request running on shell; an interrupt cancels it.
    running: Mutex<CancellationToken>,
    /// Set once with the reason the kernel stops.
    exit: Mutex<Option<Exit>>,
    stop: CancellationToken,
}

impl Shared {
    fn interrupt(&self) {
        if let Ok(running) = self.running.lock() {
            running.cancel();
        }
    }

    fn request_exit(&self, exit: Exit) {
        if let Ok(mut slot) = self.exit.lock() {
            slot.get_or_insert(exit);
        }
        self.interrupt();
        self.stop.cancel();
    }
}

/// Binds the sockets of `info` and serves `handler` until a `shutdown_request` or `stop`.
/// `interrupts` lets the caller interrupt the running cell (the binary wires SIGINT to it).
pub async fn serve<H: Handler>(
    info: &ConnectionInfo,
    mut handler: H,
    stop: CancellationToken,
    interrupts: Option<mpsc::UnboundedReceiver<()>>,
) -> Result<Exit, JupyterError> {
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        return Err(JupyterError::Config(format!(
            "signature scheme {:?} is not supported (only hmac-sha256)",
            info.signature_scheme
        )));
    }
    let session: Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let bind = |e: jupyter_zmq_client::RuntimeError| JupyterError::Bind(e.to_string());
    let mut iopub_socket = create_kernel_iopub_connection(info, &session)
        .await
        .map_err(bind)?;
    let shell = create_kernel_shell_connection(info, &session)
        .await
        .map_err(bind)?;
    let control = create_kernel_control_connection(info, &session)
        .await
        .map_err(bind)?;
    let mut heartbeat = create_kernel_heartbeat_connection(info)
        .await
        .map_err(bind)?;
    // stdin is bound so clients can connect; the kernel never asks for input.
    let stdin = jupyter_zmq_client::create_kernel_stdin_connection(info, &session)
        .await
        .map_err(bind)?;

    let tasks = CancellationToken::new();
    let (iopub_tx, mut iopub_rx) = mpsc::unbounded_channel::<IopubCommand>();
    let iopub = Iopub {
        queue: iopub_tx,
        session: Arc::clone(&session),
    };
    let shared = Arc::new(Shared {
        session: Arc::clone(&session),
        iopub: iopub.clone(),
        kernel_info: kernel_info_content(&handler.kernel_info()),
        running: Mutex::new(CancellationToken::new()),
        exit: Mutex::new(None),
        stop: stop.clone(),
    });

    let writer = tokio::spawn(async move {
        while let Some(command) = iopub_rx.recv().await {
            match command {
                IopubCommand::Publish(message) => {
                    if let Err(e) = iopub_socket.send(*message).await {
                        tracing::warn!("iopub send failed: {e}");
                    }
                }
                IopubCommand::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    });

    let hb_stop = tasks.clone();
    let heartbeat_task = tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = hb_stop.cancelled() => break,
                frame = heartbeat.socket.recv() => match frame {
                    Ok(frame) => {
                        if let Err(e) = heartbeat.socket.send(frame).await {
                            tracing::warn!("heartbeat echo failed: {e}");
                        }
                    }
                    Err(e) => tracing::warn!("heartbeat receive failed: {e}"),
                },
            }
        }
    });

    let (shell_send, mut shell_recv) = shell.split();
    let (queue_tx, mut queue_rx) = mpsc::unbounded_channel::<Incoming>();
    let reader_stop = tasks.clone();
    let reader = tokio::spawn(async move {
        loop {
            let frames = tokio::select! {
                _ = reader_stop.cancelled() => break,
                frames = shell_recv.socket.recv() => frames,
            };
            match frames {
                Ok(frames) => match wire::decode(frames, &shell_recv.mac) {
                    Ok(incoming) => {
                        if queue_tx.send(incoming).is_err() {
                            break;
                        }
                    }
                    Err(e) => tracing::warn!("shell: dropped a message: {e}"),
                },
                Err(e) => tracing::warn!("shell: receive failed: {e}"),
            }
        }
    });

    let control_shared = Arc::clone(&shared);
    let control_stop = tasks.clone();
    let control_task = tokio::spawn(async move {
        let mut control = control;
        loop {
            let frames = tokio::select! {
                _ = control_stop.cancelled() => break,
                frames = control.socket.recv() => frames,
            };
            let incoming = match frames.map(|f| wire::decode(f, &control.mac)) {
                Ok(Ok(incoming)) => incoming,
                Ok(Err(e)) => {
                    tracing::warn!("control: dropped a message: {e}");
                    continue;
                }
                Err(e) => {
                    tracing::warn!("control: receive failed: {e}");
                    continue;
                }
            };
            handle_control(&control_shared, &mut control, &incoming).await;
        }
    });

    if let Some(mut interrupts) = interrupts {
        let signal_shared = Arc::clone(&shared);
        let signal_stop = tasks.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = signal_stop.cancelled() => break,
                    got = interrupts.recv() => match got {
                        Some(()) => signal_shared.interrupt(),
                        None => break,
                    },
                }
            }
        });
    }

    iopub.status("starting", None);
    let mut executor = Executor {
        shared: Arc::clone(&shared),
        shell: shell_send,
        execution_count: 0,
        pending: std::collections::VecDeque::new(),
    };
    loop {
        let next = match executor.pending.pop_front() {
            Some(request) => request,
            None => tokio::select! {
                _ = stop.cancelled() => break,
                request = queue_rx.recv() => match request {
                    Some(request) => request,
                    None => break,
                },
            },
        };
        executor.handle(&mut handler, next, &mut queue_rx).await;
        if stop.is_cancelled() {
            break;
        }
    }

    let exit = shared
        .exit
        .lock()
        .ok()
        .and_then(|slot| *slot)
        .unwrap_or(Exit::Stopped);
    let restart = matches!(exit, Exit::Shutdown { restart: true });
    handler.shutdown(restart).await;
    iopub.flush().await;
    tasks.cancel();
    drop(stdin);
    for task in [reader, control_task, heartbeat_task] {
        let _ = task.await;
    }
    drop(executor);
    drop(shared);
    drop(iopub);
    // The writer ends once every queue handle is gone; give it a moment to drain.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    Ok(exit)
}

fn kernel_info_content(info: &KernelInfo) -> Value {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": info.implementation,
        "implementation_version": info.implementation_version,
        "language_info": info.language_info,
        "banner": info.banner,
        "debugger": false,
        "supported_features": [],
        "help_links": info.help_links.iter()
            .map(|(text, url)| json!({ "text": text, "url": url }))
            .collect::<Vec<_>>(),
    })
}

type RouterSend = Connection<zeromq::RouterSendHalf>;

async fn send_reply<S: zeromq::SocketSend>(
    shared: &Shared,
    socket: &mut Connection<S>,
    request: &Incoming,
    content: Value,
) {
    // Outputs first, then the reply: flush what this request queued on IOPub.
    shared.iopub.flush().await;
    let message = wire::message(
        &wire::reply_type(request.msg_type()),
        content,
        Some(request),
        &shared.session,
        true,
    );
    if let Err(e) = socket.send(message).await {
        tracing::warn!(
            "could not send {}: {e}",
            wire::reply_type(request.msg_type())
        );
    }
}

fn unsupported(request: &Incoming) -> Value {
    json!({
        "status": "error",
        "ename": "UnsupportedRequest",
        "evalue": format!("the Spark SQL kernel does not handle {}", request.msg_type()),
        "traceback": [],
    })
}

async fn handle_control(
    shared: &Shared,
    control: &mut Connection<zeromq::RouterSocket>,
    request: &Incoming,
) {
    shared.iopub.status("busy", Some(request));
    let content = match request.msg_type() {
        "kernel_info_request" => shared.kernel_info.clone(),
        "interrupt_request" => {
            shared.interrupt();
            json!({ "status": "ok" })
        }
        "shutdown_request" => shutdown_reply(shared, request),
        _ => unsupported(request),
    };
    send_reply(shared, control, request, content).await;
    shared.iopub.status("idle", Some(request));
}

fn shutdown_reply(shared: &Shared, request: &Incoming) -> Value {
    let restart = request
        .content
        .get("restart")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    shared.request_exit(Exit::Shutdown { restart });
    json!({ "status": "ok", "restart": restart })
}

struct Executor {
    shared: Arc<Shared>,
    shell: RouterSend,
    execution_count: usize,
    /// Requests taken off the queue while aborting, to be handled next.
    pending: std::collections::VecDeque<Incoming>,
}

impl Executor {
    async fn handle<H: Handler>(
        &mut self,
        handler: &mut H,
        request: Incoming,
        queue: &mut mpsc::UnboundedReceiver<Incoming>,
    ) {
        let iopub = self.shared.iopub.clone();
        iopub.status("busy", Some(&request));
        let mut abort_queue = false;
        let content = match request.msg_type() {
            "execute_request" => {
                let (content, failed_and_stop) = self.handle_execute(handler, &request).await;
                abort_queue = failed_and_stop;
                content
            }
            "kernel_info_request" => self.shared.kernel_info.clone(),
            "is_complete_request" => handle_is_complete(handler, &request),
            "complete_request" => handle_complete(handler, &request).await,
            "inspect_request" => handle_inspect(handler, &request).await,
            "history_request" => handle_history(handler, &request),
            "comm_info_request" => json!({ "status": "ok", "comms": {} }),
            "shutdown_request" => shutdown_reply(&self.shared, &request),
            "interrupt_request" => {
                self.shared.interrupt();
                json!({ "status": "ok" })
            }
            // Comm messages have no reply; the kernel has no comm targets.
            "comm_open" | "comm_msg" | "comm_close" => {
                iopub.status("idle", Some(&request));
                return;
            }
            _ => unsupported(&request),
        };
        // What is queued now was sent before the client could see this failure: only that is
        // aborted. Anything that arrives after the reply is the client's next decision.
        let to_abort = if abort_queue {
            self.take_queued_executions(queue).await
        } else {
            Vec::new()
        };
        send_reply(&self.shared, &mut self.shell, &request, content).await;
        iopub.status("idle", Some(&request));
        for queued in to_abort {
            self.answer_aborted(&queued).await;
        }
    }

    /// Returns the reply content and whether queued executions must now be aborted.
    async fn handle_execute<H: Handler>(
        &mut self,
        handler: &mut H,
        request: &Incoming,
    ) -> (Value, bool) {
        let field = |key: &str| request.content.get(key);
        let Some(code) = field("code").and_then(Value::as_str).map(str::to_owned) else {
            let content = json!({
                "status": "error",
                "execution_count": self.execution_count,
                "ename": "BadRequest",
                "evalue": "execute_request without code",
                "traceback": [],
            });
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
            iopub.publish(
                "execute_input",
                json!({ "code": code, "execution_count": count }),
                Some(request),
            );
        }

        let cancel = CancellationToken::new();
        if let Ok(mut running) = self.shared.running.lock() {
            *running = cancel.clone();
        }
        let sink: OutputSink = if silent {
            Arc::new(|_| {})
        } else {
            let parent = request.clone();
            let iopub = iopub.clone();
            Arc::new(move |output| {
                let (msg_type, content) = output_content(output, count);
                iopub.publish(msg_type, content, Some(&parent));
            })
        };
        let ctx = ExecuteContext::new(sink, cancel);
        let execute = ExecuteRequest {
            code,
            silent,
            store_history,
            execution_count: count,
        };
        match handler.execute(execute, ctx).await {
            Ok(()) => (
                json!({
                    "status": "ok",
                    "execution_count": count,
                    "user_expressions": {},
                    "payload": [],
                }),
                false,
            ),
            Err(error) => {
                if !silent {
                    iopub.publish(
                        "error",
                        json!({
                            "ename": error.ename,
                            "evalue": error.evalue,
                            "traceback": error.traceback,
                        }),
                        Some(request),
                    );
                }
                let content = json!({
                    "status": "error",
                    "execution_count": count,
                    "ename": error.ename,
                    "evalue": error.evalue,
                    "traceback": error.traceback,
                    "user_expressions": {},
                    "payload": [],
                });
                (content, stop_on_error)
            }
        }
    }

    /// After a failed cell with `stop_on_error`: the executions already queued, to be answered
    /// `aborted`. Other requests keep their place.
    async fn take_queued_executions(
        &mut self,
        queue: &mut mpsc::UnboundedReceiver<Incoming>,
    ) -> Vec<Incoming> {
        // Let the reader hand over what has already arrived.
        tokio::task::yield_now().await;
        let mut executions = Vec::new();
        while let Ok(request) = queue.try_recv() {
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
        iopub.status("busy", Some(request));
        let content = json!({
            "status": "aborted",
            "execution_count": self.execution_count,
            "user_expressions": {},
            "payload": [],
        });
        send_reply(&self.shared, &mut self.shell, request, content).await;
        iopub.status("idle", Some(request));
    }
}

fn output_content(output: Output, execution_count: usize) -> (&'static str, Value) {
    let bundle = |data| Value::Object(Map::from_iter(data));
    match output {
        Output::Stream { name, text } => {
            let name = match name {
                StreamName::Stdout => "stdout",
                StreamName::Stderr => "stderr",
            };
            ("stream", json!({ "name": name, "text": text }))
        }
        Output::Display { data, display_id } => {
            let transient = match display_id {
                Some(id) => json!({ "display_id": id }),
                None => json!({}),
            };
            (
                "display_data",
                json!({ "data": bundle(data), "metadata": {}, "transient": transient }),
            )
        }
        Output::UpdateDisplay { data, display_id } => (
            "update_display_data",
            json!({
                "data": bundle(data),
                "metadata": {},
                "transient": { "display_id": display_id },
            }),
        ),
        Output::Result { data } => (
            "execute_result",
            json!({ "execution_count": execution_count, "data": bundle(data), "metadata": {} }),
        ),
    }
}

fn handle_is_complete<H: Handler>(handler: &H, request: &Incoming) -> Value {
    let code = request
        .content
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("");
    match handler.is_complete(code) {
        Completeness::Complete => json!({ "status": "complete" }),
        Completeness::Incomplete { indent } => json!({ "status": "incomplete", "indent": indent }),
        Completeness::Invalid => json!({ "status": "invalid" }),
        Completeness::Unknown => json!({ "status": "unknown" }),
    }
}

fn code_and_cursor(request: &Incoming) -> (String, usize) {
    let code = request
        .content
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let cursor = request
        .content
        .get("cursor_pos")
        .and_then(Value::as_u64)
        .map_or(code.chars().count(), |c| c as usize);
    (code, cursor)
}

async fn handle_complete<H: Handler>(handler: &mut H, request: &Incoming) -> Value {
    let (code, cursor) = code_and_cursor(request);
    let completion = handler.complete(&code, cursor).await;
    json!({
        "status": "ok",
        "matches": completion.matches,
        "cursor_start": completion.cursor_start,
        "cursor_end": completion.cursor_end,
        "metadata": completion.metadata,
    })
}

async fn handle_inspect<H: Handler>(handler: &mut H, request: &Incoming) -> Value {
    let (code, cursor) = code_and_cursor(request);
    let detail = request
        .content
        .get("detail_level")
        .and_then(Value::as_u64)
        .unwrap_or(0)
        .min(1) as u8;
    match handler.inspect(&code, cursor, detail).await {
        Some(data) => json!({
            "status": "ok", "found": true, "data": Value::Object(Map::from_iter(data)), "metadata": {},
        }),
        None => json!({ "status": "ok", "found": false, "data": {}, "metadata": {} }),
    }
}

/// Reads a `history_request` leniently: a missing `n` means "all", a missing `pattern` "*".
pub(crate) fn history_query(content: &Value) -> Option<(HistoryQuery, bool)> {
    let text = |k: &str| content.get(k).and_then(Value::as_str);
    let int = |k: &str| content.get(k).and_then(Value::as_i64);
    let output = content
        .get("output")
        .and_then(Value::as_bool)
        .unwrap_or(false);
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
            unique: content
                .get("unique")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        _ => return None,
    };
    Some((query, output))
}

fn handle_history<H: Handler>(handler: &H, request: &Incoming) -> Value {
    let Some((query, output)) = history_query(&request.content) else {
        return json!({
            "status": "error",
            "ename": "BadRequest",
            "evalue": "history_request needs hist_access_type tail, range or search",
            "traceback": [],
            "history": [],
        });
    };
    let history: Vec<Value> = handler
        .history(&query, output)
        .into_iter()
        .map(|entry| match (output, entry.output) {
            (true, out) => json!([entry.session, entry.line, [entry.input, out]]),
            (false, _) => json!([entry.session, entry.line, entry.input]),
        })
        .collect();
    json!({ "status": "ok", "history": history })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn outputs_become_messages_with_empty_transients_never_null() {
        let mut data = crate::jupyter::MimeBundle::new();
        data.insert("text/plain".into(), json!("1"));
        let (kind, content) = output_content(
            Output::Display {
                data: data.clone(),
                display_id: None,
            },
            3,
        );
        assert_eq!(kind, "display_data");
        assert_eq!(content["transient"], json!({}));
        let (kind, content) = output_content(Output::Result { data }, 3);
        assert_eq!(kind, "execute_result");
        assert_eq!(content["execution_count"], 3);
        assert!(content.get("transient").is_none());
    }
}
