//! The kernel's errors, and the one place where an error becomes a Jupyter `error` output:
//! its `ename` and `evalue` are worded here; `render::traceback` lays out the traceback.
//! Must not: lay out tracebacks (`render::traceback` does) or decide what failed.

use crate::auth::AuthError;
use crate::chart::ChartError;
use crate::config::AddressError;
use crate::export::ExportError;
use crate::render::{self, SqlSource};
use crate::session::{Governance, SessionError, StartError};
use jupyter_kernel::ErrorOutput;
use spark_connect::SparkError;

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("unknown magic %{name}. Known magics: {known}")]
    UnknownMagic { name: String, known: String },
    #[error("%{magic}: {message}\nusage: {usage}")]
    MagicUsage {
        magic: String,
        message: String,
        usage: String,
    },
    #[error("interrupted by the user")]
    Interrupted,
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Address(#[from] AddressError),
    /// Worded by `words::spark` (the fact, then what to do), never by this message.
    #[error("a call to Spark Connect failed")]
    Spark {
        #[source]
        error: SparkError,
        sql: Option<Box<SqlSource>>,
    },
    #[error(transparent)]
    Start(StartError),
    #[error(transparent)]
    Export(ExportError),
    #[error("%%export writes the result of the cell's last statement, and the cell has none")]
    NothingToExport,
    /// A chart that cannot be drawn from the result (a column missing, a type that does not fit).
    #[error("%%chart")]
    Chart(#[from] ChartError),
    #[error("%%chart: it draws the result of the cell's last statement, and the cell has none")]
    NothingToChart,
    /// Worded by `words::read_trouble`.
    #[error("the journal could not be read")]
    Journal(#[from] super::journaling::ReadTrouble),
    /// Worded by `words::no_receipt`.
    #[error("no such receipt")]
    NoReceipt { receipt: String },
    /// Worded by `words::not_verifiable`.
    #[error("the receipt cannot be verified")]
    NotVerifiable {
        receipt: String,
        why: super::journaling::Unverifiable,
    },
}

impl From<SessionError> for KernelError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Auth(e) => KernelError::Auth(e),
            SessionError::Address(e) => KernelError::Address(e),
            SessionError::Start(StartError::Interrupted) => KernelError::Interrupted,
            SessionError::Start(e) => KernelError::Start(e),
            SessionError::Spark(error) => KernelError::Spark { error, sql: None },
        }
    }
}

impl KernelError {
    /// The short class name shown as `ename`.
    fn ename(&self) -> String {
        match self {
            KernelError::UnknownMagic { .. } | KernelError::MagicUsage { .. } => {
                "UsageError".into()
            }
            KernelError::Address(_) | KernelError::Start(_) => "SparkConnectError".into(),
            KernelError::Auth(_) => "KBaseAuthError".into(),
            KernelError::Interrupted => "KeyboardInterrupt".into(),
            KernelError::Chart(_) | KernelError::NothingToChart => "ChartError".into(),
            KernelError::Export(_) | KernelError::NothingToExport => "ExportError".into(),
            KernelError::Journal(_)
            | KernelError::NoReceipt { .. }
            | KernelError::NotVerifiable { .. } => "JournalError".into(),
            KernelError::Spark { error, .. } => match error {
                SparkError::Server(e) => e.exception.clone(),
                SparkError::Auth { .. } | SparkError::BadToken => "KBaseAuthError".into(),
                SparkError::Cancelled => "KeyboardInterrupt".into(),
                SparkError::Unreachable { .. }
                | SparkError::Proxy { .. }
                | SparkError::Tls { .. }
                | SparkError::AuthUnchecked { .. }
                | SparkError::Rpc { .. }
                | SparkError::Decode(_)
                | SparkError::ServerNotRunning { .. }
                | SparkError::ServerFailed { .. }
                | SparkError::Stalled { .. }
                | SparkError::StreamEndsEmpty { .. }
                | SparkError::TooLarge { .. }
                | SparkError::Setup { .. } => "SparkConnectError".into(),
                SparkError::Rule { .. } if governance(error).is_some() => "GovernanceError".into(),
                SparkError::Rule { .. } => "SparkConnectError".into(),
                SparkError::SinkStopped => "ExportError".into(),
            },
        }
    }

    pub fn to_output(&self) -> ErrorOutput {
        let ename = self.ename();
        let evalue = match self {
            KernelError::Spark {
                error: SparkError::Cancelled,
                ..
            } => "the query was cancelled on the Spark server (interrupted by the user)".to_owned(),
            KernelError::Spark { error, sql } => match governance(error) {
                Some(refused) => super::berdl::governance::explain(
                    refused,
                    sql.as_deref().map(|s| s.text.as_str()),
                ),
                None => super::words::spark(error),
            },
            KernelError::Auth(error) => super::words::auth(error),
            KernelError::Journal(trouble) => super::words::read_trouble(trouble),
            KernelError::NoReceipt { receipt } => super::words::no_receipt(receipt),
            KernelError::NotVerifiable { receipt, why } => {
                super::words::not_verifiable(receipt, *why)
            }
            other => super::words::with_causes(other),
        };
        let traceback = match self {
            KernelError::Spark {
                error: SparkError::Server(server),
                sql,
            } => render::traceback(
                &ename,
                &evalue,
                Some(render::FromSpark {
                    error: server,
                    sql: sql.as_deref(),
                }),
            ),
            _ => render::traceback(&ename, &evalue, None),
        };
        ErrorOutput {
            ename,
            evalue,
            traceback,
        }
    }
}

/// BERDL's namespace check's refusal, when that is the gateway's rule that refused.
fn governance(error: &SparkError) -> Option<&Governance> {
    match error {
        SparkError::Rule { rule, .. } => rule.downcast_ref::<Governance>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spark_connect::ServerError;

    #[test]
    fn spark_errors_keep_their_class_and_sqlstate() {
        let error = KernelError::Spark {
            error: SparkError::Server(Box::new(ServerError {
                exception: "SparkArithmeticException".into(),
                error_class: Some("DIVIDE_BY_ZERO".into()),
                sql_state: Some("22012".into()),
                message: "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012".into(),
                ..ServerError::default()
            })),
            sql: None,
        };
        let out = error.to_output();
        assert_eq!(out.ename, "SparkArithmeticException");
        assert_eq!(
            out.evalue,
            "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
        );
        let cancelled = KernelError::from(SessionError::Spark(SparkError::Cancelled)).to_output();
        assert_eq!(cancelled.ename, "KeyboardInterrupt");
        assert!(
            cancelled.evalue.contains("cancelled"),
            "{:?}",
            cancelled.evalue
        );
    }
}
