//! The heartbeat socket: echoes every frame as it came (the spec's echo, not a fixed `pong`).
//! Must not: look at what it echoes.

use jupyter_zmq_client::KernelHeartbeatConnection;
use tokio_util::sync::CancellationToken;
use zeromq::{SocketRecv, SocketSend};

/// Echoes until `stop`.
pub async fn run(mut heartbeat: KernelHeartbeatConnection, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
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
}
