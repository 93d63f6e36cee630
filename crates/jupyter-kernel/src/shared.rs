//! What the shell executor and the control task share: the session, IOPub, the cancellation
//! of the running request, why the kernel stops; the three requests both sockets answer alike
//! (`kernel_info_request`, `interrupt_request`, `shutdown_request`); and sending a reply after
//! the outputs it follows. Must not: read sockets or run the handler.

use std::sync::{Mutex, MutexGuard, PoisonError};

use jupyter_protocol::InterruptReply;
use jupyter_zmq_client::Connection;
use tokio_util::sync::CancellationToken;
use zeromq::SocketSend;

use super::content::{self, Content, ErrorReply, KernelInfoReply, Reply};
use super::iopub::Iopub;
use super::request::Request;
use super::wire::{self, Incoming, Sender};

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
    /// Who the kernel's messages come from.
    pub sender: Sender,
    pub iopub: Iopub,
    pub kernel_info: KernelInfoReply,
    /// The cancellation of the request running on shell; an interrupt cancels it.
    running: Mutex<CancellationToken>,
    /// Cancelled by the next interrupt, whatever runs: work that goes on after its request
    /// was answered (a comm's) ends with it.
    next_interrupt: Mutex<CancellationToken>,
    /// Set once with the reason the kernel stops.
    exit: Mutex<Option<Exit>>,
    stop: CancellationToken,
}

impl Shared {
    pub fn new(
        sender: Sender,
        iopub: Iopub,
        kernel_info: KernelInfoReply,
        stop: CancellationToken,
    ) -> Self {
        Shared {
            sender,
            iopub,
            kernel_info,
            running: Mutex::new(CancellationToken::new()),
            next_interrupt: Mutex::new(CancellationToken::new()),
            exit: Mutex::new(None),
            stop,
        }
    }

    /// Interrupts the request running on shell, if any.
    pub fn interrupt(&self) {
        locked(&self.running).cancel();
        std::mem::take(&mut *locked(&self.next_interrupt)).cancel();
    }

    /// A cancellation that the next interrupt fires.
    pub fn until_interrupt(&self) -> CancellationToken {
        locked(&self.next_interrupt).clone()
    }

    /// A fresh cancellation for the request about to run.
    pub fn new_running(&self) -> CancellationToken {
        let cancel = CancellationToken::new();
        *locked(&self.running) = cancel.clone();
        cancel
    }

    pub fn request_exit(&self, exit: Exit) {
        locked(&self.exit).get_or_insert(exit);
        self.interrupt();
        self.stop.cancel();
    }

    /// The reply to a request both sockets serve; `None` for any other request.
    pub fn answer(&self, request: &Request) -> Option<Reply> {
        match request {
            Request::KernelInfo => Some(Reply::KernelInfo(self.kernel_info.clone())),
            Request::Interrupt => {
                self.interrupt();
                Some(Reply::Interrupt(InterruptReply::new()))
            }
            Request::Shutdown { restart } => {
                self.request_exit(Exit::Shutdown { restart: *restart });
                Some(Reply::Shutdown(content::shutdown(*restart)))
            }
            _ => None,
        }
    }

    pub fn exit(&self) -> Exit {
        locked(&self.exit).unwrap_or(Exit::Stopped)
    }
}

/// The guard of `mutex`, poisoned or not: every critical section here is one step on plain
/// data (a token swapped, a value set), so a thread that panicked while holding a lock left the
/// data whole, and the transport goes on with it on purpose.
pub(crate) fn locked<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Sends the reply to `request`, after every output it queued on IOPub.
pub async fn send_reply<S: SocketSend>(
    shared: &Shared,
    socket: &mut Connection<S>,
    request: &Incoming,
    reply: Reply,
) {
    shared.iopub.flush().await;
    let message = match wire::message(&reply, Some(request), &shared.sender, true) {
        Ok(message) => message,
        Err(e) => {
            tracing::error!("cannot write a {}: {e}", reply.msg_type());
            let failure = ErrorReply::new(reply.msg_type(), "KernelError", e.to_string());
            match wire::message(&Reply::Error(failure), Some(request), &shared.sender, true) {
                Ok(message) => message,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = socket.send(message).await {
        tracing::warn!("could not send {}: {e}", reply.msg_type());
    }
}
