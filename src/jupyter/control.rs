//! The control socket: handled as requests arrive, even while a cell runs on shell —
//! `kernel_info_request`, `interrupt_request`, `shutdown_request`. Shell answers the same
//! three through [`answer`], so both sockets give the same replies.

use std::sync::Arc;

use jupyter_protocol::Status;
use jupyter_zmq_client::KernelControlConnection;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use zeromq::SocketRecv;

use super::replies;
use super::server::{send_reply, Exit, Shared};
use super::wire::{self, Incoming};

/// The reply to a request both sockets serve; `None` for any other request.
pub fn answer(shared: &Shared, request: &Incoming) -> Option<Value> {
    match request.msg_type() {
        "kernel_info_request" => Some(shared.kernel_info.clone()),
        "interrupt_request" => {
            shared.interrupt();
            Some(replies::interrupt())
        }
        "shutdown_request" => {
            let restart = request
                .content
                .get("restart")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            shared.request_exit(Exit::Shutdown { restart });
            Some(replies::shutdown(restart))
        }
        _ => None,
    }
}

/// Serves control until `stop`.
pub async fn run(
    shared: Arc<Shared>,
    mut control: KernelControlConnection,
    stop: CancellationToken,
) {
    loop {
        let frames = tokio::select! {
            _ = stop.cancelled() => break,
            frames = control.socket.recv() => frames,
        };
        let request = match frames.map(|f| wire::decode(f, &control.mac)) {
            Ok(Ok(request)) => request,
            Ok(Err(e)) => {
                tracing::warn!("control: dropped a message: {e}");
                continue;
            }
            Err(e) => {
                tracing::warn!("control: receive failed: {e}");
                continue;
            }
        };
        shared.iopub.status(Status::busy(), Some(&request));
        let content = answer(&shared, &request).unwrap_or_else(|| {
            replies::failure(
                "UnsupportedRequest",
                format!("the control channel does not handle {}", request.msg_type()),
            )
        });
        send_reply(&shared, &mut control, &request, content).await;
        shared.iopub.status(Status::idle(), Some(&request));
    }
}
