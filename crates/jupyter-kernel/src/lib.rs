//! The transport of a Jupyter kernel: sockets (one file each), signing, framing, busy/idle,
//! parent headers, typed requests and replies. It hands each request to a [`Handler`] and
//! publishes what the handler sends back ([`Output`]).
//!
//! Must not: know what the kernel runs (Spark, KBase), render results, or word anything but
//! the protocol's own replies.

mod beside;
mod content;
mod control;
mod guard;
mod handler;
mod heartbeat;
mod iopub;
mod output;
mod parent;
mod request;
mod server;
mod shared;
mod shell;
mod wire;

pub use beside::BesideComms;
pub use content::InspectReply;
pub use handler::{ExecuteContext, Handler, HistoryQuery, KernelInfo, OpenComm, OutputSink};
pub use jupyter_protocol::ConnectionInfo;
pub use output::{Comm, ErrorOutput, MimeBundle, Output, StreamName};
pub use parent::watch as watch_parent;
pub use request::{Cursor, ExecuteRequest, HistoryRequest, InspectRequest, IsCompleteRequest};
pub use server::serve;
pub use shared::Exit;

/// What can stop the transport.
#[derive(Debug, thiserror::Error)]
pub enum JupyterError {
    #[error("cannot read the connection file {}: {source}", path.display())]
    ReadConnectionFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the connection file {}: {source}", path.display())]
    ParseConnectionFile {
        path: std::path::PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot bind the kernel's sockets: {address}: {source}")]
    Bind {
        address: String,
        #[source]
        source: BindFailure,
    },
    #[error("signature scheme {0:?} is not supported (only hmac-sha256)")]
    SignatureScheme(String),
}

/// Why a socket could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindFailure {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Zmq(#[from] zeromq::ZmqError),
    #[error("bound to {0}, not TCP")]
    NotTcp(String),
}

/// Reads a connection file written by a Jupyter client.
pub fn read_connection_file(path: &std::path::Path) -> Result<ConnectionInfo, JupyterError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| JupyterError::ReadConnectionFile {
            path: path.to_owned(),
            source,
        })?;
    serde_json::from_str(&text).map_err(|source| JupyterError::ParseConnectionFile {
        path: path.to_owned(),
        source,
    })
}
