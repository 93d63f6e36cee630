//! The seam between the transport and the kernel: what the transport asks ([`Handler`]) and
//! what the kernel may send back during a request ([`Output`] through an [`ExecuteContext`]).
//! Plain data only: no sockets, no Spark.
//! Must not: hold sockets or Spark.

use std::future::Future;
use std::sync::{Arc, Mutex};

use jupyter_protocol::{CompleteReply, HelpLink, HistoryReply, IsCompleteReply, LanguageInfo};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::content::InspectReply;
use crate::output::{Comm, ErrorOutput, Output, StreamName};
use crate::request::{Cursor, ExecuteRequest, HistoryRequest, InspectRequest, IsCompleteRequest};

/// Static facts for `kernel_info_reply`.
#[derive(Debug, Clone)]
pub struct KernelInfo {
    pub implementation: String,
    pub implementation_version: String,
    pub banner: String,
    pub language_info: LanguageInfo,
    pub help_links: Vec<HelpLink>,
}

/// Where outputs go. The transport's sink queues them on IOPub at once, so everything sent
/// before a request returns is published before its reply.
pub type OutputSink = Arc<dyn Fn(Output) + Send + Sync>;

/// What a request may use while it runs: an output sink and its cancellation.
#[derive(Clone)]
pub struct ExecuteContext {
    sink: OutputSink,
    cancel: CancellationToken,
    /// The execution's number (already advanced by the transport when it counts).
    execution_count: usize,
    /// Whether any content was sent through this context (or a clone of it): updatable
    /// displays (status lines such as progress) do not count.
    sent: Arc<std::sync::atomic::AtomicBool>,
}

impl ExecuteContext {
    pub fn new(sink: OutputSink, cancel: CancellationToken) -> Self {
        Self {
            sink,
            cancel,
            execution_count: 0,
            sent: Arc::default(),
        }
    }

    /// The same context for the execution numbered `count`.
    #[must_use]
    pub fn numbered(mut self, count: usize) -> Self {
        self.execution_count = count;
        self
    }

    /// The number of the execution this context serves (0 outside executions).
    pub fn execution_count(&self) -> usize {
        self.execution_count
    }

    /// A context that keeps its outputs in memory, for running the kernel without a transport.
    pub fn collecting() -> (Self, Arc<Mutex<Vec<Output>>>) {
        let outputs = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&outputs);
        let sink: OutputSink = Arc::new(move |output| {
            crate::shared::locked(&kept).push(output);
        });
        (Self::new(sink, CancellationToken::new()), outputs)
    }

    /// The token that an interrupt cancels.
    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }

    /// Shows an output. Never blocks.
    pub fn send(&self, output: Output) {
        let status = matches!(
            output,
            Output::UpdateDisplay { .. }
                | Output::Comm(_)
                | Output::Display {
                    display_id: Some(_),
                    ..
                }
        );
        if !status {
            self.sent.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        (self.sink)(output);
    }

    /// Whether any content (not counting updatable displays and comm messages) was sent so far.
    pub fn has_sent(&self) -> bool {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn stdout(&self, text: impl Into<String>) {
        self.send(Output::Stream {
            name: StreamName::Stdout,
            text: text.into(),
        });
    }

    pub fn stderr(&self, text: impl Into<String>) {
        self.send(Output::Stream {
            name: StreamName::Stderr,
            text: text.into(),
        });
    }

    /// Resolves when the user interrupts this request.
    pub fn cancelled(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.cancel.cancelled()
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// A `history_request`, read leniently (clients omit fields the spec calls required).
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryQuery {
    Tail {
        n: usize,
    },
    Range {
        session: i64,
        start: i64,
        stop: i64,
    },
    Search {
        pattern: String,
        n: Option<usize>,
        unique: bool,
    },
}

/// A comm the kernel has open, for `comm_info_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenComm {
    pub comm_id: String,
    pub target_name: String,
}

/// What the kernel does with requests. Shell requests are handled one at a time, in order.
pub trait Handler: Send + 'static {
    fn kernel_info(&self) -> KernelInfo;

    /// Runs one cell. Outputs go through `ctx`; an `Err` becomes the cell's error output and an
    /// `execute_reply` with status `error`.
    fn execute(
        &mut self,
        request: ExecuteRequest,
        ctx: ExecuteContext,
    ) -> impl Future<Output = Result<(), ErrorOutput>> + Send;

    /// Completions at the request's cursor; positions count Unicode code points.
    fn complete(&mut self, at: &Cursor) -> impl Future<Output = CompleteReply> + Send;

    /// The inspection of the name under the request's cursor.
    fn inspect(&mut self, request: &InspectRequest) -> impl Future<Output = InspectReply> + Send;

    fn is_complete(&self, request: &IsCompleteRequest) -> IsCompleteReply;

    fn history(&self, request: &HistoryRequest) -> HistoryReply;

    /// A comm message from the frontend; what the kernel answers goes through `ctx` as
    /// [`Output::Comm`]. By default the kernel has no comm targets: a `comm_open` is closed at
    /// once (as the protocol asks for an unknown target), other messages are ignored. `ctx`
    /// stays usable after this returns (for answers that come later), and its cancellation
    /// fires at the next interrupt.
    fn comm(&mut self, message: Comm, ctx: ExecuteContext) -> impl Future<Output = ()> + Send {
        if let Comm::Open { comm_id, .. } = message {
            ctx.send(Output::Comm(Comm::Close {
                comm_id,
                data: Value::Object(serde_json::Map::new()),
            }));
        }
        async {}
    }

    /// The comms open now, for `comm_info_request`.
    fn comms(&self) -> Vec<OpenComm> {
        Vec::new()
    }

    /// The comms served beside the cells, if the kernel has any: their messages are handled as
    /// they arrive, even while a cell runs (see [`crate::BesideComms`]).
    fn beside(&self) -> Option<std::sync::Arc<dyn crate::BesideComms>> {
        None
    }

    /// The kernel is about to exit (or restart): release what it holds on servers.
    fn shutdown(&mut self, restart: bool) -> impl Future<Output = ()> + Send;
}
