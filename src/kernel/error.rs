//! The kernel's errors, and the one place where an error becomes a Jupyter `error` output.

use crate::auth::AuthError;
use crate::jupyter::ErrorOutput;
use crate::spark::AddressError;

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
    #[error("not connected to Spark Connect: {reason}")]
    NotConnected { reason: String },
    #[error("interrupted by the user")]
    Interrupted,
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Address(#[from] AddressError),
}

impl KernelError {
    /// The short class name shown as `ename`.
    fn ename(&self) -> &'static str {
        match self {
            KernelError::UnknownMagic { .. } | KernelError::MagicUsage { .. } => "UsageError",
            KernelError::NotConnected { .. } | KernelError::Address(_) => "SparkConnectError",
            KernelError::Auth(_) => "KBaseAuthError",
            KernelError::Interrupted => "KeyboardInterrupt",
        }
    }

    pub fn to_output(&self) -> ErrorOutput {
        let evalue = self.to_string();
        let mut traceback = vec![format!(
            "\u{1b}[0;31m{}\u{1b}[0m: {}",
            self.ename(),
            first_line(&evalue)
        )];
        traceback.extend(evalue.lines().skip(1).map(str::to_owned));
        ErrorOutput {
            ename: self.ename().to_owned(),
            evalue,
            traceback,
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}
