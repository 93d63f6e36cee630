//! Checking again a token Auth2 already accepted, once its `cachefor` has passed, without
//! holding up the kernel: the check runs in the background and is waited for briefly. When
//! Auth2 is out (no answer, refused connection, 5xx) the last good validation stands until
//! Auth2 answers again; the check is retried now and then meanwhile.
//!
//! It must not decide what the kernel does with a verdict (that is the [`super::Authenticator`]'s
//! job) nor say anything to the user itself.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use super::{AuthClient, AuthError, TokenInfo};
use spark_connect::BearerToken;

/// How long a cell waits for a new check of a known token; then it goes on with the last
/// good validation and the answer is taken when it comes.
pub(super) const STALE_WAIT: Duration = Duration::from_secs(2);
/// How often, at most, Auth2 is tried while it is out (more often when its `cachefor` is
/// shorter).
const RETRY_EVERY: Duration = Duration::from_secs(30);

/// What a check says.
#[derive(Debug)]
pub(super) enum Verdict {
    /// Auth2 answered: the token is valid.
    Valid(TokenInfo),
    /// No answer yet, or Auth2 is out: go on with the last good validation. `Some` when this
    /// check found Auth2 out (it was not before): the error, for telling the user once.
    KeepCurrent(Option<AuthError>),
    /// Auth2 refused the token.
    Refused(AuthError),
}

/// Since when Auth2 is out, and why.
#[derive(Debug, Clone)]
pub struct Outage {
    pub since: DateTime<Utc>,
    pub error: AuthError,
}

/// A check of `token` with Auth2 running in the background.
struct Recheck {
    token: BearerToken,
    task: JoinHandle<Result<TokenInfo, AuthError>>,
}

/// The background check of a known token and the state of Auth2.
#[derive(Default)]
pub(super) struct Revalidator {
    running: Option<Recheck>,
    outage: Option<Outage>,
    /// During an outage: no new check before this.
    next_try: Option<Instant>,
}

impl Revalidator {
    pub(super) fn outage(&self) -> Option<&Outage> {
        self.outage.as_ref()
    }

    /// Forgets everything (a `%reconnect`).
    pub(super) fn reset(&mut self) {
        *self = Revalidator::default();
    }

    /// Checks `token` with Auth2: starts a check unless one runs (or Auth2 is out and was
    /// tried lately), and waits for it at most [`STALE_WAIT`] when it started now, not at all
    /// otherwise. While Auth2 is out it is tried again after `cache_for` (at most
    /// [`RETRY_EVERY`]).
    pub(super) async fn check(
        &mut self,
        client: &AuthClient,
        token: &BearerToken,
        cache_for: Duration,
    ) -> Verdict {
        if self
            .running
            .as_ref()
            .is_some_and(|check| check.token != *token)
        {
            self.running = None;
        }
        let mut wait = Duration::ZERO;
        if self.running.is_none() {
            if self.next_try.is_some_and(|at| Instant::now() < at) {
                return Verdict::KeepCurrent(None);
            }
            let (client, checked) = (client.clone(), token.clone());
            let task = tokio::spawn(async move { client.validate_token(&checked).await });
            self.running = Some(Recheck {
                token: token.clone(),
                task,
            });
            if self.outage.is_none() {
                wait = STALE_WAIT;
            }
        }
        let Some(Recheck { task, .. }) = &mut self.running else {
            return Verdict::KeepCurrent(None);
        };
        let Ok(joined) = tokio::time::timeout(wait, task).await else {
            return Verdict::KeepCurrent(None);
        };
        self.running = None;
        let answer = joined.unwrap_or_else(|e| {
            Err(AuthError::Unreachable {
                url: client.base_url().to_owned(),
                reason: format!("the check stopped: {e}"),
            })
        });
        self.verdict(answer, cache_for.min(RETRY_EVERY))
    }

    fn verdict(&mut self, answer: Result<TokenInfo, AuthError>, retry: Duration) -> Verdict {
        match answer {
            Ok(info) => {
                if let Some(outage) = self.outage.take() {
                    tracing::warn!("KBase Auth2 answers again (out since {})", outage.since);
                }
                self.next_try = None;
                Verdict::Valid(info)
            }
            Err(e) if e.is_outage() => {
                self.next_try = Some(Instant::now() + retry);
                if self.outage.is_some() {
                    return Verdict::KeepCurrent(None);
                }
                self.outage = Some(Outage {
                    since: Utc::now(),
                    error: e.clone(),
                });
                Verdict::KeepCurrent(Some(e))
            }
            Err(e) => {
                self.outage = None;
                self.next_try = None;
                Verdict::Refused(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> TokenInfo {
        TokenInfo {
            user: "alice".into(),
            token_type: "Login".into(),
            name: None,
            created: Utc::now(),
            expires: None,
            mfa: None,
            cache_for: Duration::from_secs(300),
        }
    }

    fn down() -> AuthError {
        AuthError::Unreachable {
            url: "http://auth".into(),
            reason: "connection refused".into(),
        }
    }

    #[test]
    fn an_outage_is_told_once_and_ends_with_an_answer() {
        let mut r = Revalidator::default();
        assert!(
            matches!(
                r.verdict(Err(down()), RETRY_EVERY),
                Verdict::KeepCurrent(Some(_))
            ),
            "{:?}",
            r.verdict(Err(down()), RETRY_EVERY)
        );
        assert!(r.outage().is_some(), "{:?}", r.outage());
        assert!(
            matches!(
                r.verdict(Err(down()), RETRY_EVERY),
                Verdict::KeepCurrent(None)
            ),
            "{:?}",
            r.verdict(Err(down()), RETRY_EVERY)
        );
        assert!(r.next_try.is_some(), "{:?}", r.next_try);
        assert!(
            matches!(r.verdict(Ok(info()), RETRY_EVERY), Verdict::Valid(_)),
            "{:?}",
            r.verdict(Ok(info()), RETRY_EVERY)
        );
        assert!(r.outage().is_none(), "{:?}", r.outage());
        assert!(r.next_try.is_none(), "{:?}", r.next_try);
        // Out again later: told again.
        assert!(
            matches!(
                r.verdict(Err(down()), RETRY_EVERY),
                Verdict::KeepCurrent(Some(_))
            ),
            "{:?}",
            r.verdict(Err(down()), RETRY_EVERY)
        );
    }

    #[test]
    fn a_refused_token_is_refused_even_during_an_outage() {
        let mut r = Revalidator::default();
        r.verdict(Err(down()), RETRY_EVERY);
        let invalid = AuthError::Invalid {
            url: "http://auth".into(),
        };
        let refused = r.verdict(Err(invalid), RETRY_EVERY);
        assert!(
            matches!(refused, Verdict::Refused(AuthError::Invalid { .. })),
            "{refused:?}"
        );
        assert!(r.outage().is_none(), "{:?}", r.outage());
    }

    #[tokio::test]
    async fn a_silent_auth2_holds_a_cell_for_the_short_wait_only() {
        // A port that accepts connections and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let client = AuthClient::new(
            &url,
            Duration::from_secs(30),
            &spark_connect::ProxySettings::none(),
        )
        .unwrap();
        let token = BearerToken::new("SILENTTOKEN34567ABCDEFGHIJKLMNOP").unwrap();
        let mut r = Revalidator::default();
        let started = Instant::now();
        let verdict = r.check(&client, &token, RETRY_EVERY).await;
        assert!(matches!(verdict, Verdict::KeepCurrent(None)), "{verdict:?}");
        let first = started.elapsed();
        assert!(first >= STALE_WAIT, "{first:?}");
        assert!(first < STALE_WAIT * 2, "{first:?}");
        // The check goes on in the background: the next cell does not wait.
        let started = Instant::now();
        let verdict = r.check(&client, &token, RETRY_EVERY).await;
        assert!(matches!(verdict, Verdict::KeepCurrent(None)), "{verdict:?}");
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{:?} < {:?}",
            started.elapsed(),
            Duration::from_millis(100)
        );
        drop(listener);
    }
}
