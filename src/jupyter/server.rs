//! The kernel's sockets and the tasks that own them, one file each: `heartbeat`, `iopub` (one
//! writer fed through a queue), `shell` (a reader and an executor that handles requests in
//! order), `control` (served as it arrives, even while a cell runs); stdin is bound so that
//! clients can connect, and never asked.
//!
//! Every shell and control request is wrapped in busy/idle, and its reply goes out only after
//! the IOPub queue has been flushed: no handler can get either wrong. Every task is tracked and
//! stops through one signal; [`serve`] returns after they have.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jupyter_protocol::{ConnectionInfo, Status};
use jupyter_zmq_client::{Connection, KernelHeartbeatConnection};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use zeromq::SocketSend;

use super::handler::Handler;
use super::iopub::{self, Iopub};
use super::wire::{self, Incoming};
use super::{control, guard, heartbeat, replies, shell, JupyterError};

/// How long the tasks may take to stop once told to.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// How the serve loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A `shutdown_request` from the client.
    Shutdown { restart: bool },
    /// The caller's shutdown signal (for example SIGTERM).
    Stopped,
}

/// Shared between the shell executor and the control task.
pub struct Shared {
    pub session: Arc<str>,
    pub iopub: Iopub,
    pub kernel_info: Value,
    /// The cancellation of the request running on shell; an interrupt cancels it.
    running: Mutex<CancellationToken>,
    /// Set once with the reason the kernel stops.
    exit: Mutex<Option<Exit>>,
    stop: CancellationToken,
}

impl Shared {
    /// Interrupts the request running on shell, if any.
    pub fn interrupt(&self) {
        if let Ok(running) = self.running.lock() {
            running.cancel();
        }
    }

    /// A fresh cancellation for the request about to run.
    pub fn new_running(&self) -> CancellationToken {
        let cancel = CancellationToken::new();
        if let Ok(mut running) = self.running.lock() {
            *running = cancel.clone();
        }
        cancel
    }

    pub fn request_exit(&self, exit: Exit) {
        if let Ok(mut slot) = self.exit.lock() {
            slot.get_or_insert(exit);
        }
        self.interrupt();
        self.stop.cancel();
    }

    fn exit(&self) -> Exit {
        self.exit
            .lock()
            .ok()
            .and_then(|slot| *slot)
            .unwrap_or(Exit::Stopped)
    }
}

/// Sends the reply to `request`, after every output it queued on IOPub.
pub async fn send_reply<S: SocketSend>(
    shared: &Shared,
    socket: &mut Connection<S>,
    request: &Incoming,
    content: Value,
) {
    shared.iopub.flush().await;
    let reply_type = wire::reply_type(request.msg_type());
    let message = wire::message(&reply_type, content, Some(request), &shared.session, true);
    if let Err(e) = socket.send(message).await {
        tracing::warn!("could not send {reply_type}: {e}");
    }
}

/// Binds the sockets of `info` and serves `handler` until a `shutdown_request` or `stop`.
/// `interrupts` lets the caller interrupt the running cell (the binary wires SIGINT to it).
/// Every TCP port is guarded: a connection announcing a frame over `max_frame` bytes is
/// dropped before the ZeroMQ socket sees it.
pub async fn serve<H: Handler>(
    info: &ConnectionInfo,
    mut handler: H,
    stop: CancellationToken,
    interrupts: Option<mpsc::UnboundedReceiver<()>>,
    max_frame: u64,
) -> Result<Exit, JupyterError> {
    if !info.key.is_empty() && info.signature_scheme != "hmac-sha256" {
        return Err(JupyterError::Config(format!(
            "signature scheme {:?} is not supported (only hmac-sha256)",
            info.signature_scheme
        )));
    }
    let session: Arc<str> = uuid::Uuid::new_v4().to_string().into();
    let tracker = TaskTracker::new();
    let tasks = CancellationToken::new();
    let guards = guard::Guards {
        limit: max_frame,
        stop: tasks.clone(),
        tracker: tracker.clone(),
    };
    let (key, id) = (info.key.as_str(), session.as_ref());
    let (iopub_url, shell_url) = (info.iopub_url(), info.shell_url());
    let (control_url, hb_url, stdin_url) = (info.control_url(), info.hb_url(), info.stdin_url());
    let iopub: zeromq::PubSocket = guards.socket(info, info.iopub_port, &iopub_url).await?;
    let shell: zeromq::RouterSocket = guards.socket(info, info.shell_port, &shell_url).await?;
    let control: zeromq::RouterSocket =
        guards.socket(info, info.control_port, &control_url).await?;
    let heartbeat: zeromq::RepSocket = guards.socket(info, info.hb_port, &hb_url).await?;
    let stdin: zeromq::RouterSocket = guards.socket(info, info.stdin_port, &stdin_url).await?;
    let iopub_socket = Connection::new(iopub, key, id);
    let shell_socket = Connection::new(shell, key, id);
    let control_socket = Connection::new(control, key, id);
    let heartbeat_socket = KernelHeartbeatConnection { socket: heartbeat };
    let stdin = Connection::new(stdin, key, id);

    let (iopub, writer) = iopub::start(iopub_socket, Arc::clone(&session));
    tracker.spawn(writer);
    let shared = Arc::new(Shared {
        session,
        iopub: iopub.clone(),
        kernel_info: replies::kernel_info(&handler.kernel_info()),
        running: Mutex::new(CancellationToken::new()),
        exit: Mutex::new(None),
        stop: stop.clone(),
    });
    tracker.spawn(heartbeat::run(heartbeat_socket, tasks.clone()));
    let (shell_send, shell_recv) = shell_socket.split();
    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    tracker.spawn(shell::read(shell_recv, queue_tx, tasks.clone()));
    tracker.spawn(control::run(
        Arc::clone(&shared),
        control_socket,
        tasks.clone(),
    ));
    if let Some(interrupts) = interrupts {
        tracker.spawn(forward_interrupts(
            Arc::clone(&shared),
            interrupts,
            tasks.clone(),
        ));
    }

    iopub.status(Status::starting(), None);
    let mut executor = shell::Executor::new(Arc::clone(&shared), shell_send, queue_rx);
    executor.run(&mut handler, &stop).await;

    let exit = shared.exit();
    handler
        .shutdown(matches!(exit, Exit::Shutdown { restart: true }))
        .await;
    iopub.flush().await;
    // Stop the socket tasks; the IOPub writer ends when the last handle on its queue is gone.
    tasks.cancel();
    drop((executor, shared, iopub, stdin));
    tracker.close();
    if tokio::time::timeout(STOP_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("the kernel's socket tasks did not stop within {STOP_GRACE:?}");
    }
    Ok(exit)
}

/// Interrupts the running request whenever the caller says so (SIGINT in the binary).
async fn forward_interrupts(
    shared: Arc<Shared>,
    mut interrupts: mpsc::UnboundedReceiver<()>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            got = interrupts.recv() => match got {
                Some(()) => shared.interrupt(),
                None => break,
            },
        }
    }
}
