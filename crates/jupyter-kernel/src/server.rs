//! The kernel's sockets and the tasks that own them, one file each: `heartbeat`, `iopub` (one
//! writer fed through a queue), `shell` (a reader and an executor that handles requests in
//! order), `control` (served as it arrives, even while a cell runs); stdin is bound so that
//! clients can connect, and never asked.
//!
//! Every shell and control request is wrapped in busy/idle, and its reply goes out only after
//! the IOPub queue has been flushed: no handler can get either wrong. Every task is tracked and
//! stops through one signal; [`serve`] returns after they have.
//! Must not: handle requests itself (shell and control do).

use std::sync::Arc;
use std::time::Duration;

use jupyter_protocol::{ConnectionInfo, Status};
use jupyter_zmq_client::{Connection, KernelHeartbeatConnection};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::beside::Beside;
use super::content::KernelInfoReply;
use super::handler::Handler;
use super::shared::{Exit, Shared};
use super::wire::Sender;
use super::{control, guard, heartbeat, iopub, shell, JupyterError};

/// How long the tasks may take to stop once told to.
const STOP_GRACE: Duration = Duration::from_secs(2);

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
        return Err(JupyterError::SignatureScheme(info.signature_scheme.clone()));
    }
    let info_of_kernel = handler.kernel_info();
    let sender = Sender {
        session: uuid::Uuid::new_v4().to_string().into(),
        username: info_of_kernel.implementation.as_str().into(),
    };
    let tracker = TaskTracker::new();
    let tasks = CancellationToken::new();
    let guards = guard::Guards {
        limit: max_frame,
        stop: tasks.clone(),
        tracker: tracker.clone(),
    };
    let sockets = Sockets::bind(info, &guards, &sender.session).await?;
    let (iopub, writer) = iopub::start(sockets.iopub, sender.clone());
    tracker.spawn(writer);
    let kernel_info = KernelInfoReply::new(&info_of_kernel);
    let shared = Arc::new(Shared::new(
        sender,
        iopub.clone(),
        kernel_info,
        stop.clone(),
    ));
    tracker.spawn(heartbeat::run(sockets.heartbeat, tasks.clone()));
    let (shell_send, shell_recv) = sockets.shell.split();
    let (queue_tx, queue_rx) = mpsc::unbounded_channel();
    let beside = handler.beside();
    let router = beside.clone().map(|b| Beside::new(b, Arc::clone(&shared)));
    tracker.spawn(shell::read(shell_recv, queue_tx, router, tasks.clone()));
    tracker.spawn(control::run(
        Arc::clone(&shared),
        sockets.control,
        tasks.clone(),
    ));
    // The caller's stop (SIGTERM, the parent gone) ends the running request too: the executor
    // stops between requests, and a cell waiting on a server would otherwise hold it.
    tracker.spawn(interrupt_on_stop(
        Arc::clone(&shared),
        stop.clone(),
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
    let mut executor = shell::Executor::new(Arc::clone(&shared), shell_send, queue_rx, beside);
    executor.run(&mut handler, &stop).await;

    let exit = shared.exit();
    handler
        .shutdown(matches!(exit, Exit::Shutdown { restart: true }))
        .await;
    iopub.flush().await;
    // Stop the socket tasks; the IOPub writer ends when the last handle on its queue is gone.
    tasks.cancel();
    drop((executor, shared, iopub, sockets.stdin));
    tracker.close();
    if tokio::time::timeout(STOP_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!("the kernel's socket tasks did not stop within {STOP_GRACE:?}");
    }
    Ok(exit)
}

/// The kernel's five sockets, bound and guarded; stdin is bound only so that clients can
/// connect.
struct Sockets {
    iopub: Connection<zeromq::XPubSocket>,
    shell: Connection<zeromq::RouterSocket>,
    control: Connection<zeromq::RouterSocket>,
    heartbeat: KernelHeartbeatConnection,
    stdin: Connection<zeromq::RouterSocket>,
}

impl Sockets {
    async fn bind(
        info: &ConnectionInfo,
        guards: &guard::Guards,
        jupyter_session: &str,
    ) -> Result<Sockets, JupyterError> {
        let key = info.key.as_str();
        let iopub = guards
            .socket(info, info.iopub_port, &info.iopub_url())
            .await?;
        let shell = guards
            .socket(info, info.shell_port, &info.shell_url())
            .await?;
        let control = guards
            .socket(info, info.control_port, &info.control_url())
            .await?;
        let heartbeat = guards.socket(info, info.hb_port, &info.hb_url()).await?;
        let stdin = guards
            .socket(info, info.stdin_port, &info.stdin_url())
            .await?;
        Ok(Sockets {
            iopub: Connection::new(iopub, key, jupyter_session),
            shell: Connection::new(shell, key, jupyter_session),
            control: Connection::new(control, key, jupyter_session),
            heartbeat: KernelHeartbeatConnection { socket: heartbeat },
            stdin: Connection::new(stdin, key, jupyter_session),
        })
    }
}

/// Interrupts the running request once `stop` fires (until the socket tasks end).
async fn interrupt_on_stop(shared: Arc<Shared>, stop: CancellationToken, tasks: CancellationToken) {
    tokio::select! {
        () = stop.cancelled() => shared.interrupt(),
        () = tasks.cancelled() => {}
    }
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
