//! The control socket: handled as requests arrive, even while a cell runs on shell —
//! `kernel_info_request`, `interrupt_request`, `shutdown_request`. Shell answers the same
//! three through [`Shared::answer`], so both sockets give the same replies.
//! Must not: run cells; it answers while one runs.

use std::sync::Arc;

use jupyter_protocol::Status;
use jupyter_zmq_client::KernelControlConnection;
use tokio_util::sync::CancellationToken;
use zeromq::SocketRecv;

use super::content::{ErrorReply, Reply};
use super::request::Request;
use super::shared::{send_reply, Shared};
use super::wire;

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
        let decoded = Request::decode(&request);
        if let Some(reply_type) = decoded.reply_type() {
            let reply = shared.answer(&decoded).unwrap_or_else(|| {
                Reply::Error(ErrorReply::new(
                    reply_type,
                    "UnsupportedRequest",
                    format!("the control channel does not handle {}", request.msg_type()),
                ))
            });
            send_reply(&shared, &mut control, &request, reply).await;
        }
        shared.iopub.status(Status::idle(), Some(&request));
    }
}
