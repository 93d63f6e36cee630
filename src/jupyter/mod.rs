//! The Jupyter side of the kernel: sockets (one file each), signing, framing, busy/idle,
//! parent headers, typed replies, and kernelspec installation. It knows nothing of Spark,
//! KBase, the kernel or rendering: it hands requests to a [`Handler`] and publishes what the
//! handler sends back.

mod control;
mod guard;
mod handler;
mod heartbeat;
mod iopub;
pub mod kernelspec;
pub mod parent;
mod replies;
mod request;
mod server;
mod shared;
mod shell;
mod wire;

pub use handler::{
    Completion, ExecuteContext, ExecuteRequest, Handler, HistoryEntry, HistoryQuery, IsComplete,
    KernelInfo, OutputSink,
};
pub use jupyter_protocol::ConnectionInfo;
pub use server::serve;
pub use shared::Exit;

/// What can stop the transport.
#[derive(Debug, thiserror::Error)]
pub enum JupyterError {
    #[error("cannot read the connection file {path}: {reason}")]
    ConnectionFile { path: String, reason: String },
    #[error("cannot bind the kernel's sockets: {0}")]
    Bind(String),
    #[error("{0}")]
    Config(String),
}

/// Reads a connection file written by a Jupyter client.
pub fn read_connection_file(path: &std::path::Path) -> Result<ConnectionInfo, JupyterError> {
    let error = |reason: String| JupyterError::ConnectionFile {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| error(e.to_string()))
}
