//! Where the KBase token comes from: the token file (`~/.berdl_kbase_session`, rewritten
//! every 30 s while a BERDL browser tab is open), `KBASE_AUTH_TOKEN`, and the token in
//! `SPARK_CONNECT_URL`, in that order. Reads the file off the async threads within a deadline.
//! Must not: validate a token (the authenticator does) or word anything for the user beyond
//! the errors it returns.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{AuthError, TokenSource};
use spark_connect::BearerToken;

/// How long reading the token file may take.
pub const READ_DEADLINE: Duration = Duration::from_secs(2);

/// Where tokens come from, in order.
#[derive(Clone)]
pub(super) struct Sources {
    pub(super) file: Option<PathBuf>,
    pub(super) env: Option<BearerToken>,
    pub(super) url: Option<BearerToken>,
    /// A read of the file that has not ended (it is not started again meanwhile).
    pub(super) reading: Arc<AtomicBool>,
}

/// A token, and where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundToken {
    pub token: BearerToken,
    pub source: TokenSource,
}

impl Sources {
    /// The first source's token.
    pub(super) async fn read(&self) -> Result<FoundToken, AuthError> {
        let mut all = self.all().await?;
        Ok(all.swap_remove(0))
    }

    /// Every source's token, in order, each token once (never empty).
    pub(super) async fn all(&self) -> Result<Vec<FoundToken>, AuthError> {
        let mut all: Vec<FoundToken> = Vec::new();
        let mut add = |token: &BearerToken, source: TokenSource| {
            if !all.iter().any(|found| found.token == *token) {
                all.push(FoundToken {
                    token: token.clone(),
                    source,
                });
            }
        };
        let mut file_problem = None;
        if let Some(path) = &self.file {
            match self.read_file(path).await {
                Ok(Some(text)) => {
                    if let Some(token) = BearerToken::new(&text) {
                        add(&token, TokenSource::File(path.clone()));
                    }
                }
                Ok(None) => {}
                Err(e) => file_problem = Some(e),
            }
        }
        if let Some(token) = &self.env {
            add(token, TokenSource::Environment);
        }
        if let Some(token) = &self.url {
            add(token, TokenSource::Url);
        }
        if !all.is_empty() {
            return Ok(all);
        }
        Err(file_problem.unwrap_or_else(|| AuthError::NoToken {
            file: self
                .file
                .as_ref()
                .map_or("~/.berdl_kbase_session".to_owned(), |p| {
                    p.display().to_string()
                }),
        }))
    }

    /// The file's text (`None` when it does not exist), read on a blocking thread.
    async fn read_file(&self, path: &Path) -> Result<Option<String>, AuthError> {
        let problem = |reason: String| AuthError::TokenFile {
            path: path.display().to_string(),
            reason,
        };
        if self.reading.swap(true, Ordering::SeqCst) {
            return Err(problem(
                "an earlier read of it has not ended (a hung file system, or a pipe nobody writes to)".into(),
            ));
        }
        let (owned, reading) = (path.to_owned(), Arc::clone(&self.reading));
        let read = tokio::task::spawn_blocking(move || {
            let text = std::fs::read_to_string(owned);
            reading.store(false, Ordering::SeqCst);
            text
        });
        match tokio::time::timeout(READ_DEADLINE, read).await {
            Ok(Ok(Ok(text))) => Ok(Some(text)),
            Ok(Ok(Err(e))) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Ok(Ok(Err(e))) => Err(problem(e.to_string())),
            Ok(Err(e)) => Err(problem(e.to_string())),
            Err(_) => Err(problem(format!(
                "reading it took longer than {} s (a hung file system, or a pipe nobody writes to)",
                READ_DEADLINE.as_secs()
            ))),
        }
    }
}
