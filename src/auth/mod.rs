//! KBase authentication: where the token comes from, the KBase Auth2 client, and the
//! [`Authenticator`] that keeps knowing who the user is while the token rotates underneath.
//! The token itself is a [`BearerToken`], which never prints.
//! Must not: know the kernel or the transport, or word advice beyond the fact.

mod client;
mod revalidate;
mod sources;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

pub use client::{AuthClient, TokenInfo, UserInfo, DEFAULT_TIMEOUT};
pub use revalidate::Outage;
use revalidate::{Revalidator, Verdict};
pub use sources::FoundToken;
use sources::Sources;
pub use sources::READ_DEADLINE;

use crate::config::AuthSettings;
use spark_connect::BearerToken;

/// Why the kernel does not know who the user is: the facts (the kernel's words add what to do).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("no KBase token found")]
    NoToken { file: String },
    #[error("cannot read the token file {path}: {reason}")]
    TokenFile { path: String, reason: String },
    #[error("KBase Auth2 at {url} says no token was provided (10010)")]
    MissingToken { url: String },
    #[error("KBase Auth2 at {url} rejected the token as invalid or expired (10020 Invalid token)")]
    Invalid { url: String },
    #[error("the KBase token expired at {at}")]
    Expired { at: String },
    #[error("the KBase account is disabled ({message})")]
    Disabled { url: String, message: String },
    #[error("cannot reach KBase Auth2 at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("KBase Auth2 at {url} is not working right now (HTTP {status}: {message})")]
    Unavailable {
        url: String,
        status: u16,
        message: String,
    },
    #[error("KBase Auth2 at {url} gave an unexpected answer ({reason})")]
    BadAnswer { url: String, reason: String },
    #[error("KBase Auth2 at {url} refused the request (HTTP {status}: {message})")]
    Rejected {
        url: String,
        status: u16,
        message: String,
    },
    #[error("the KBase token now belongs to {now}, but this kernel runs as {was}")]
    UserChanged { was: String, now: String },
    #[error("cannot reach KBase Auth2 at {url} through the proxy {proxy}: {answer}")]
    Proxy {
        url: String,
        /// `http://host:port`, never its credentials.
        proxy: String,
        variable: String,
        answer: String,
        trouble: spark_connect::ProxyTrouble,
    },
}

/// Something the authenticator did on its own that the user should know of.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthNotice {
    /// Auth2 is out (`error`): the kernel works on as `user` with the token's last
    /// validation, which holds until `expires` (`None`: the token never expires).
    WorkingThroughOutage {
        error: AuthError,
        user: String,
        expires: Option<chrono::DateTime<chrono::Utc>>,
    },
}

impl AuthError {
    /// Auth2 did not answer, or failed (5xx): says nothing about the token.
    pub fn is_outage(&self) -> bool {
        matches!(
            self,
            AuthError::Unreachable { .. } | AuthError::Unavailable { .. } | AuthError::Proxy { .. }
        )
    }
}

/// Where the current token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    File(PathBuf),
    Environment,
    /// `;x-kbase-token=` (or `;token=`) in `SPARK_CONNECT_URL`.
    Url,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::File(path) => write!(f, "{}", path.display()),
            TokenSource::Environment => f.write_str("KBASE_AUTH_TOKEN"),
            TokenSource::Url => f.write_str("the token in SPARK_CONNECT_URL"),
        }
    }
}

/// A validated token and what Auth2 said of it.
#[derive(Debug, Clone)]
pub struct Identity {
    pub token: BearerToken,
    pub source: TokenSource,
    pub info: TokenInfo,
    /// The owner's profile, fetched when first asked for.
    pub profile: Option<UserInfo>,
    checked_at: Instant,
}

impl Identity {
    pub fn user(&self) -> &str {
        &self.info.user
    }

    /// An identity validated just now (for tests of what is shown of it).
    #[cfg(test)]
    pub fn new(token: BearerToken, source: TokenSource, info: TokenInfo) -> Identity {
        Identity {
            token,
            source,
            info,
            profile: None,
            checked_at: Instant::now(),
        }
    }
}

/// The validation started with the kernel.
type Startup = JoinHandle<Result<Validated, AuthError>>;

/// A token found and what Auth2 said of it.
struct Validated {
    found: FoundToken,
    info: Result<TokenInfo, AuthError>,
}

/// Keeps the current identity: reads the token sources before each use, validates a new or
/// stale token, and refuses an expired one or one of another user.
pub struct Authenticator {
    client: AuthClient,
    sources: Sources,
    current: Option<Identity>,
    /// The user this kernel runs as: the first one validated.
    owner: Option<String>,
    startup: Option<Startup>,
    revalidator: Revalidator,
    /// Messages for the user (Auth2 found out), told once.
    notices: Vec<AuthNotice>,
    /// Tokens Auth2 refused (invalid or expired), never sent again, with where they were.
    refused: Vec<FoundToken>,
}

impl Authenticator {
    pub fn new(settings: &AuthSettings, timeout: Duration) -> Result<Authenticator, AuthError> {
        Ok(Authenticator {
            client: AuthClient::new(settings.url(), timeout, settings.proxy())?,
            sources: Sources {
                file: settings.token_file().cloned(),
                env: settings.env_token().cloned(),
                url: settings.url_token().cloned(),
                reading: Arc::default(),
            },
            current: None,
            owner: None,
            startup: None,
            revalidator: Revalidator::default(),
            notices: Vec::new(),
            refused: Vec::new(),
        })
    }

    pub fn auth_url(&self) -> &str {
        self.client.base_url()
    }

    pub fn current(&self) -> Option<&Identity> {
        self.current.as_ref()
    }

    /// The token file when present and non-empty, else `KBASE_AUTH_TOKEN`, else the token in
    /// `SPARK_CONNECT_URL`. The file is read off the async threads, for at most
    /// [`READ_DEADLINE`]: a hung network home directory or a pipe never wedges the kernel.
    pub async fn read_token(&self) -> Result<FoundToken, AuthError> {
        self.sources.read().await
    }

    /// Starts validating the current token in the background, so start-up is not held up.
    pub fn start_validation(&mut self) {
        let (client, sources) = (self.client.clone(), self.sources.clone());
        self.startup = Some(tokio::spawn(async move {
            let found = sources.read().await?;
            let info = client.validate_token(&found.token).await;
            Ok(Validated { found, info })
        }));
    }

    /// Forgets the cached validation (and the owner): the next [`ensure`](Self::ensure)
    /// validates afresh.
    pub fn reset(&mut self) {
        self.current = None;
        self.owner = None;
        self.revalidator.reset();
    }

    /// Since when Auth2 is out, while the kernel works on the last good validation.
    pub fn outage(&self) -> Option<&Outage> {
        self.revalidator.outage()
    }

    /// Messages for the user since the last call.
    pub fn take_notices(&mut self) -> Vec<AuthNotice> {
        std::mem::take(&mut self.notices)
    }

    /// The identity to use now: re-reads the token, validates it when it changed or its
    /// validation is older than Auth2's `cachefor`, and checks expiry.
    pub async fn ensure(&mut self) -> Result<&Identity, AuthError> {
        self.ensure_inner().await?;
        self.current.as_ref().ok_or(AuthError::NoToken {
            file: String::new(),
        })
    }

    async fn ensure_inner(&mut self) -> Result<(), AuthError> {
        if let Some(failed) = self.take_startup().await? {
            // This cell waited for the start-up validation: Auth2 is not asked twice in a row.
            return Err(failed);
        }
        // The sources may disagree (a stale KBASE_AUTH_TOKEN, a token file not rewritten in a
        // batch run): the first token Auth2 accepts is used; a refused one is never sent again.
        let candidates = self.sources.all().await?;
        let mut refusal = None;
        for found in candidates {
            if self.refused.iter().any(|r| r.token == found.token) {
                continue;
            }
            match self.check(found.token.clone(), found.source.clone()).await {
                Err(e @ (AuthError::Invalid { .. } | AuthError::Expired { .. })) => {
                    tracing::info!("the token from {} was refused: {e}", found.source);
                    self.refused.push(found);
                    refusal = Some(e);
                }
                other => return other,
            }
        }
        Err(refusal.unwrap_or_else(|| AuthError::Invalid {
            url: self.client.base_url().to_owned(),
        }))
    }

    /// Where the tokens Auth2 refused came from (sources that disagree with the one in use).
    pub fn refused_sources(&self) -> Vec<&TokenSource> {
        self.refused.iter().map(|r| &r.source).collect()
    }

    /// Validates `token` when it is new or its validation is older than Auth2's `cachefor`,
    /// and makes it the current identity.
    async fn check(&mut self, token: BearerToken, source: TokenSource) -> Result<(), AuthError> {
        let known = self.current.as_ref().filter(|id| id.token == token);
        match known {
            Some(id) if id.checked_at.elapsed() < id.info.cache_for => {}
            // Only Auth2's `cachefor` has passed: checked again without holding up the cell.
            Some(id) => {
                let (known_expiry, cache_for) = (id.info.expires, id.info.cache_for);
                match self
                    .revalidator
                    .check(&self.client, &token, cache_for)
                    .await
                {
                    Verdict::Valid(info) => self.adopt(token, source, info)?,
                    Verdict::KeepCurrent(None) => {}
                    Verdict::KeepCurrent(Some(error)) => self.tell_outage(&error),
                    Verdict::Refused(AuthError::Invalid { .. })
                        if known_expiry.is_some_and(|e| e <= Utc::now()) =>
                    {
                        return Err(expired(known_expiry));
                    }
                    Verdict::Refused(e) => {
                        self.current = None;
                        return Err(e);
                    }
                }
            }
            None => match self.client.validate_token(&token).await {
                Ok(info) => self.adopt(token, source, info)?,
                Err(e) => {
                    self.current = None;
                    return Err(e);
                }
            },
        }
        match &self.current {
            Some(id) if id.info.is_expired(Utc::now()) => Err(expired(id.info.expires)),
            _ => Ok(()),
        }
    }

    /// Takes the start-up validation's outcome once it is there (waiting for it when needed;
    /// dropped mid-wait, the validation goes on). `Some` error: this call waited for a
    /// validation that found Auth2 out.
    async fn take_startup(&mut self) -> Result<Option<AuthError>, AuthError> {
        let Some(startup) = &mut self.startup else {
            return Ok(None);
        };
        let waited = !startup.is_finished();
        let outcome = startup.await;
        self.startup = None;
        match outcome {
            Ok(Ok(Validated {
                found,
                info: Ok(info),
            })) => self.adopt(found.token, found.source, info).map(|()| None),
            Ok(Ok(Validated { info: Err(e), .. })) if waited && e.is_outage() => Ok(Some(e)),
            // A failed start-up validation is tried again, with the current token.
            _ => Ok(None),
        }
    }

    /// Says once that Auth2 is out and what the kernel goes on with.
    fn tell_outage(&mut self, error: &AuthError) {
        let Some(id) = &self.current else {
            return;
        };
        tracing::warn!(
            "{error}: working on as {} with the token's last validation",
            id.info.user
        );
        self.notices.push(AuthNotice::WorkingThroughOutage {
            error: error.clone(),
            user: id.info.user.clone(),
            expires: id.info.expires,
        });
    }

    fn adopt(
        &mut self,
        token: BearerToken,
        source: TokenSource,
        info: TokenInfo,
    ) -> Result<(), AuthError> {
        if let Some(owner) = &self.owner {
            if *owner != info.user {
                return Err(AuthError::UserChanged {
                    was: owner.clone(),
                    now: info.user,
                });
            }
        }
        let rotated = self.current.as_ref().is_some_and(|id| id.token != token);
        if rotated {
            tracing::info!("the KBase token rotated (source: {source}); using the new one");
        } else if self.current.is_none() {
            tracing::info!(
                "authenticated as {} (token from {source}, expires {})",
                info.user,
                info.expires.map_or("never".to_owned(), |e| e.to_rfc3339())
            );
        }
        let profile = self
            .current
            .take()
            .filter(|id| id.info.user == info.user)
            .and_then(|id| id.profile);
        self.owner = Some(info.user.clone());
        self.current = Some(Identity {
            token,
            source,
            info,
            profile,
            checked_at: Instant::now(),
        });
        Ok(())
    }

    /// The owner's profile (`/me`), fetched once per identity.
    pub async fn profile(&mut self) -> Result<Option<UserInfo>, AuthError> {
        let Some(identity) = &self.current else {
            return Ok(None);
        };
        if let Some(profile) = &identity.profile {
            return Ok(Some(profile.clone()));
        }
        let profile = self.client.get_user_info(&identity.token).await?;
        if let Some(identity) = &mut self.current {
            identity.profile = Some(profile.clone());
        }
        Ok(Some(profile))
    }
}

fn expired(at: Option<DateTime<Utc>>) -> AuthError {
    AuthError::Expired {
        at: at.map_or("an unknown time".to_owned(), |e| {
            e.format("%Y-%m-%d %H:%M UTC").to_string()
        }),
    }
}

/// "3 days 4 h", "12 min", "expired 5 min ago": how long until `at`.
pub fn time_left(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let span = |s: i64| {
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
        match (d, h, m) {
            (0, 0, 0) => format!("{s} s"),
            (0, 0, m) => format!("{m} min"),
            (0, h, m) => format!("{h} h {m} min"),
            (d, h, _) => format!("{d} days {h} h"),
        }
    };
    if seconds >= 0 {
        format!("{} left", span(seconds))
    } else {
        format!("expired {} ago", span(-seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn authenticator(file: Option<PathBuf>, env: Option<&str>) -> Authenticator {
        let settings = crate::config::Settings::from_vars(|name| {
            (name == "SPARK_CONNECT_URL").then(|| "sc://h:1/;x-kbase-token=URLTOKEN".to_owned())
        });
        let settings = settings
            .auth()
            .clone()
            .with_tokens(file, env.and_then(BearerToken::new));
        Authenticator::new(&settings, DEFAULT_TIMEOUT).unwrap()
    }

    #[tokio::test]
    async fn the_token_file_wins_over_the_environment_when_non_empty() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("session");
        let auth = authenticator(Some(file.clone()), Some("ENVTOKEN"));
        let found = |token: &str, source| FoundToken {
            token: BearerToken::new(token).unwrap(),
            source,
        };
        let read = auth.read_token().await.unwrap();
        assert_eq!(
            read,
            found("ENVTOKEN", TokenSource::Environment),
            "no file yet"
        );
        std::fs::write(&file, "  \n").unwrap();
        let read = auth.read_token().await.unwrap();
        assert_eq!(
            read.source,
            TokenSource::Environment,
            "an empty file is skipped"
        );
        std::fs::write(&file, "FILETOKEN").unwrap();
        let read = auth.read_token().await.unwrap();
        assert_eq!(
            read,
            found("FILETOKEN", TokenSource::File(file)),
            "the file wins"
        );
    }

    #[tokio::test]
    async fn the_token_in_the_url_is_the_last_source() {
        let auth = authenticator(None, None);
        let found = auth.read_token().await.unwrap();
        assert_eq!(found.token.expose(), "URLTOKEN");
        assert_eq!(
            found.source,
            TokenSource::Url,
            "the URL's token is used last"
        );
        assert_eq!(
            TokenSource::Url.to_string(),
            "the token in SPARK_CONNECT_URL"
        );
        let auth = authenticator(None, Some("ENVTOKEN"));
        let read = auth.read_token().await.unwrap();
        assert_eq!(
            read.source,
            TokenSource::Environment,
            "the environment wins over the URL"
        );
    }

    #[tokio::test]
    async fn no_token_anywhere_says_where_to_put_one() {
        let settings = crate::config::Settings::from_vars(|_| None);
        let settings = settings.auth().clone().with_tokens(
            Some(PathBuf::from("/nonexistent/.berdl_kbase_session")),
            None,
        );
        let auth = Authenticator::new(&settings, DEFAULT_TIMEOUT).unwrap();
        let error = auth.read_token().await.unwrap_err();
        let AuthError::NoToken { file } = error else {
            panic!("expected NoToken, got {error:?}");
        };
        assert_eq!(
            file, "/nonexistent/.berdl_kbase_session",
            "the file it looked for"
        );
    }

    #[test]
    fn a_token_file_that_blocks_on_read_is_an_error_within_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("session");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success(), "{:?}", made);
        let reader = |env: Option<&str>| {
            let settings = crate::config::Settings::from_vars(|_| None);
            let settings = settings
                .auth()
                .clone()
                .with_tokens(Some(fifo.clone()), env.and_then(BearerToken::new));
            Authenticator::new(&settings, DEFAULT_TIMEOUT).unwrap()
        };
        // A runtime of the test's own, dropped without waiting for the reads stuck in open();
        // the checks come after it, so that a failing one cannot hang the test.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let (first, second, with_env) = runtime.block_on(async {
            let auth = reader(None);
            let started = std::time::Instant::now();
            let first = (auth.read_token().await, started.elapsed());
            let started = std::time::Instant::now();
            let second = (auth.read_token().await, started.elapsed());
            (first, second, reader(Some("ENVTOKEN")).read_token().await)
        });
        runtime.shutdown_background();
        let (error, took) = (first.0.unwrap_err(), first.1);
        assert!(took < READ_DEADLINE + Duration::from_secs(1), "{took:?}");
        assert!(
            error.to_string().contains("took longer than 2 s"),
            "{error}"
        );
        // While that read hangs, the next one says so at once instead of piling up.
        let (error, took) = (second.0.unwrap_err(), second.1);
        assert!(took < Duration::from_millis(500), "{took:?}");
        assert!(error.to_string().contains("has not ended"), "{error}");
        // The environment's token is still used when the file cannot be read.
        assert_eq!(with_env.unwrap().source, TokenSource::Environment);
    }

    #[test]
    fn time_left_reads_naturally() {
        let now = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let later = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(
            time_left(later(3 * 86_400 + 4 * 3_600), now),
            "3 days 4 h left"
        );
        assert_eq!(time_left(later(12 * 60 + 5), now), "12 min left");
        assert_eq!(time_left(later(-300), now), "expired 5 min ago");
    }
}
