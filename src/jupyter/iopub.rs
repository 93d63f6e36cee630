//! The IOPub socket: one writer task owns it, fed through a queue, so messages keep the order
//! they were queued in; [`Iopub`] handles are cloned into every task that publishes.
//! Must not: block the tasks that publish.

use std::sync::Arc;

use jupyter_protocol::{JupyterMessage, Status};
use jupyter_zmq_client::Connection;
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use super::wire::{self, Incoming};

enum Command {
    Publish(Box<JupyterMessage>),
    Flush(oneshot::Sender<()>),
}

/// A handle on the IOPub queue.
#[derive(Clone)]
pub struct Iopub {
    queue: mpsc::UnboundedSender<Command>,
    jupyter_session: Arc<str>,
}

impl Iopub {
    /// Publishes `content` as `msg_type`, with `parent` as its parent (None: the kernel's own).
    pub fn publish(&self, msg_type: &str, content: impl Serialize, parent: Option<&Incoming>) {
        let message = wire::message(msg_type, content, parent, &self.jupyter_session, false);
        let _ = self.queue.send(Command::Publish(Box::new(message)));
    }

    pub fn status(&self, status: Status, parent: Option<&Incoming>) {
        self.publish("status", status, parent);
    }

    /// Waits until everything queued so far has been handed to the socket.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Command::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// A handle for `session`, and the writer that owns `socket`: it ends once every handle is gone.
pub fn start(
    mut socket: Connection<zeromq::PubSocket>,
    jupyter_session: Arc<str>,
) -> (Iopub, impl std::future::Future<Output = ()>) {
    let (queue, mut commands) = mpsc::unbounded_channel();
    let writer = async move {
        while let Some(command) = commands.recv().await {
            match command {
                Command::Publish(message) => {
                    if let Err(e) = socket.send(*message).await {
                        tracing::warn!("iopub send failed: {e}");
                    }
                }
                Command::Flush(done) => {
                    let _ = done.send(());
                }
            }
        }
    };
    (
        Iopub {
            queue,
            jupyter_session,
        },
        writer,
    )
}
