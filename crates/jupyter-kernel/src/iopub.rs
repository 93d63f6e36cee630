//! The IOPub socket: one writer task owns it, fed through a queue, so messages keep the order
//! they were queued in; [`Iopub`] handles are cloned into every task that publishes. The socket
//! is an XPUB (JEP 65): each subscription a client sends is answered with `iopub_welcome`, so
//! the client knows its subscription is in place.
//! Must not: block the tasks that publish.

use jupyter_protocol::{IoPubWelcome, JupyterMessage, Status};
use jupyter_zmq_client::{Connection, SubscriptionEvent};
use tokio::sync::{mpsc, oneshot};

use super::content::{Content, Published};
use super::wire::{self, Incoming, Sender};

enum Queued {
    Publish(Box<JupyterMessage>),
    Flush(oneshot::Sender<()>),
}

/// A handle on the IOPub queue.
#[derive(Clone)]
pub struct Iopub {
    queue: mpsc::UnboundedSender<Queued>,
    sender: Sender,
}

impl Iopub {
    /// Publishes `content`, with `parent` as its parent (None: the kernel's own).
    pub fn publish(&self, content: Published, parent: Option<&Incoming>) {
        match wire::message(&content, parent, &self.sender, false) {
            Ok(message) => {
                let _ = self.queue.send(Queued::Publish(Box::new(message)));
            }
            Err(e) => tracing::error!("cannot write a {} message: {e}", content.msg_type()),
        }
    }

    pub fn status(&self, status: Status, parent: Option<&Incoming>) {
        self.publish(Published::Status(status), parent);
    }

    /// Waits until everything queued so far has been handed to the socket.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.queue.send(Queued::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }
}

/// Subscription reads failing in a row after which the writer stops answering subscriptions
/// (the socket is closing); a client's disconnect fails one read.
const MAX_SUBSCRIPTION_FAILURES: u32 = 100;

/// A handle for `session`, and the writer that owns `socket`: it ends once every handle is gone.
pub fn start(
    mut socket: Connection<zeromq::XPubSocket>,
    sender: Sender,
) -> (Iopub, impl std::future::Future<Output = ()>) {
    let (queue, mut commands) = mpsc::unbounded_channel();
    let welcomer = sender.clone();
    let writer = async move {
        let mut failures = 0;
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Queued::Publish(message)) => send(&mut socket, *message).await,
                    Some(Queued::Flush(done)) => {
                        let _ = done.send(());
                    }
                    None => break,
                },
                event = socket.recv_subscription(), if failures < MAX_SUBSCRIPTION_FAILURES => {
                    match event {
                        Ok(SubscriptionEvent::Subscribe(topic)) => {
                            failures = 0;
                            let welcome = Published::Welcome(IoPubWelcome::new(topic));
                            match wire::message(&welcome, None, &welcomer, false) {
                                Ok(message) => send(&mut socket, message).await,
                                Err(e) => tracing::error!("cannot write iopub_welcome: {e}"),
                            }
                        }
                        Ok(SubscriptionEvent::Unsubscribe(_)) => failures = 0,
                        Err(e) => {
                            failures += 1;
                            tracing::debug!("iopub subscription read failed: {e}");
                        }
                    }
                }
            }
        }
    };
    (Iopub { queue, sender }, writer)
}

async fn send(socket: &mut Connection<zeromq::XPubSocket>, message: JupyterMessage) {
    if let Err(e) = socket.send(message).await {
        tracing::warn!("iopub send failed: {e}");
    }
}
