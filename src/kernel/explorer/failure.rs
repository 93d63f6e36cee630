//! Why an explorer request got no answer, or a view can no longer be explored: typed facts
//! that travel to where the answer is sent, and are worded there (`words::explorer_failure`).
//! Must not: word anything.

use std::sync::Arc;

use crate::explorer_model::protocol::Gone;
use crate::explorer_model::query::RequestError;
use crate::export::ExportError;
use crate::session::SessionError;

/// Why a request got no answer.
#[derive(Debug, Clone)]
pub enum Failure {
    /// An interrupt ended it (the user's, or a cell that started); the next action tries again.
    Interrupted,
    /// The view's snapshot is gone.
    Ended(Ended),
    /// The request cannot become a query.
    BadRequest(RequestError),
    /// A request the explorer answers itself reached a job (`keep`).
    Misrouted(&'static str),
    /// Spark could not answer.
    Session(Arc<SessionError>),
    /// The export could not write its file.
    Export(Arc<ExportError>),
    /// The answer's rows could not be read as text.
    Unreadable(Arc<arrow::error::ArrowError>),
}

impl From<SessionError> for Failure {
    fn from(error: SessionError) -> Failure {
        Failure::Session(Arc::new(error))
    }
}

impl From<ExportError> for Failure {
    fn from(error: ExportError) -> Failure {
        Failure::Export(Arc::new(error))
    }
}

impl From<RequestError> for Failure {
    fn from(error: RequestError) -> Failure {
        Failure::BadRequest(error)
    }
}

impl From<arrow::error::ArrowError> for Failure {
    fn from(error: arrow::error::ArrowError) -> Failure {
        Failure::Unreadable(Arc::new(error))
    }
}

/// Why a view's snapshot can no longer be explored.
#[derive(Debug, Clone)]
pub enum Ended {
    /// Closed to keep at most `cap` snapshots on the server.
    Evicted { cap: usize },
    /// Making it failed.
    Failed(Arc<SessionError>),
}

impl Ended {
    /// What the frontend is told of it.
    pub fn gone(&self) -> Gone {
        match self {
            Ended::Evicted { .. } => Gone::Evicted,
            Ended::Failed(_) => Gone::Failed,
        }
    }
}
