//! The client's Spark session: its id and the server's id for it, opening it (the server's
//! version learned once, `SPARK_CONNECT_CONF` applied), replacing a lost one, and releasing
//! it. Must not: run statements (`execute`) or word anything beyond the notices it queues.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{request, Call, Credentials, SettingFrom, SparkClient, SparkNotice};
use crate::error::{SparkError, Unreadable};
use crate::proto::{
    analyze_plan_request, analyze_plan_response, config_request, AnalyzePlanRequest, KeyValue,
    ReleaseSessionRequest,
};
use crate::version::SparkVersion;

/// The client's Spark session.
#[derive(Debug, Clone)]
pub(super) struct Session {
    pub(super) id: String,
    /// What the server calls the session: a different one means the server restarted.
    pub(super) server_side: Option<String>,
    /// The server's version is known (when it answered) and `SPARK_CONNECT_CONF` applied.
    pub(super) opened: bool,
    /// The server's Spark version, asked once per session; `None` when it did not say.
    pub(super) version: Option<SparkVersion>,
}

impl Session {
    pub(super) fn fresh() -> Session {
        Session {
            id: uuid::Uuid::new_v4().to_string(),
            server_side: None,
            opened: false,
            version: None,
        }
    }
}

/// A call made in the session, run again by [`SparkClient::in_session`] when the session was
/// lost under it.
pub(super) trait SessionCall {
    type Output;

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<Self::Output, SparkError>;
}

/// Asking the server's Spark version.
struct Version;

impl SessionCall for Version {
    type Output = String;

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        client.known_version(creds, cancel).await
    }
}

impl SparkClient {
    /// Opens a session that is not open yet: learns the server's version and applies
    /// `SPARK_CONNECT_CONF`, then what the user set with `%conf` and the kept views (after a
    /// lost session).
    /// A setting Spark refuses becomes a notice, and a server that does
    /// not tell its version is taken as one that knows only 4.0's protocol; the session is
    /// usable anyway.
    pub(super) async fn open(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        if self.session.opened {
            return Ok(());
        }
        // Boxed: the futures of every session call hold this one (a deep stack otherwise).
        self.session.version = match Box::pin(self.spark_version_once(creds, cancel)).await {
            Ok(text) => SparkVersion::parse(&text),
            Err(e @ (SparkError::Server(_) | SparkError::Rpc { .. } | SparkError::Decode(_))) => {
                tracing::info!("the server did not tell its Spark version: {e}");
                None
            }
            Err(e) => return Err(e),
        };
        let from_env = self.conf.iter().map(|kv| (SettingFrom::Environment, kv));
        let from_user = self.set_by_user.iter().map(|kv| (SettingFrom::User, kv));
        let settings: Vec<(SettingFrom, (String, String))> = from_env
            .chain(from_user)
            .map(|(origin, kv)| (origin, kv.clone()))
            .collect();
        for (origin, (key, value)) in settings {
            let op = config_request::operation::OpType::Set(config_request::Set {
                pairs: vec![KeyValue {
                    key: key.clone(),
                    value: Some(value),
                }],
                silent: None,
            });
            match self.config_call(creds, op, cancel).await {
                Ok(_) => {}
                Err(error @ (SparkError::Server(_) | SparkError::Rpc { .. })) => {
                    self.notices.push(SparkNotice::NotApplied {
                        from: origin,
                        key,
                        error,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        self.define_kept(creds, cancel).await?;
        self.session.opened = true;
        Ok(())
    }

    /// Forgets the session; the next call opens a fresh one.
    pub fn renew_session(&mut self) {
        self.session = Session::fresh();
    }

    /// Notes that the server lost the session and starts a fresh one.
    pub(super) fn session_lost(&mut self, error: &crate::ServerError) {
        tracing::info!(
            "Spark session {} lost ({}); opening a fresh one",
            self.session.id,
            error.error_class.as_deref().unwrap_or("")
        );
        self.renew_session();
        self.notices.push(SparkNotice::SessionReplaced {
            conf: !self.conf.is_empty(),
            user_keys: self.set_by_user.iter().map(|(k, _)| k.clone()).collect(),
            views: self.kept_views.len(),
        });
    }

    /// Runs `call` in the session. When the server lost the session, opens a fresh one (the
    /// user is told once) and runs `call` again; when the operation was ended under it (its
    /// session closed while it ran), runs it again (a closed session then shows as lost). At
    /// most two runs more. A call the server left unanswered leaves its connection behind:
    /// later calls use a new one.
    pub(super) async fn in_session<C: SessionCall>(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
        call: &mut C,
    ) -> Result<C::Output, SparkError> {
        let mut again = 2;
        let outcome = loop {
            self.open(creds, cancel).await?;
            match call.run(self, creds, cancel).await {
                // Never run again what the user interrupted.
                Err(SparkError::Server(_)) if cancel.is_cancelled() => {
                    break Err(SparkError::Cancelled)
                }
                Err(SparkError::Server(e)) if again > 0 && e.is_session_lost() && !self.forked => {
                    again -= 1;
                    self.session_lost(&e);
                }
                Err(SparkError::Server(e)) if again > 0 && e.is_operation_gone() => {
                    again -= 1;
                    tracing::info!("the operation was ended under the statement; running it again");
                }
                other => break other,
            }
        };
        if matches!(outcome, Err(SparkError::Stalled { .. })) {
            self.new_connection();
        }
        outcome
    }

    /// The server's Spark version, as it wrote it (asked once per session).
    pub async fn spark_version(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        self.in_session(creds, cancel, &mut Version).await
    }

    pub(super) async fn known_version(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        match &self.session.version {
            Some(version) => Ok(version.to_string()),
            None => self.spark_version_once(creds, cancel).await,
        }
    }

    /// The server's version when this session learned it.
    pub fn server_version(&self) -> Option<&SparkVersion> {
        self.session.version.as_ref()
    }

    async fn spark_version_once(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        let asked =
            analyze_plan_request::Analyze::SparkVersion(analyze_plan_request::SparkVersion {});
        match self.analyze_once(creds, asked, cancel).await? {
            Some(analyze_plan_response::Result::SparkVersion(v)) => Ok(v.version),
            _ => Err(SparkError::Decode(Unreadable::Missing("Spark version"))),
        }
    }

    /// One `AnalyzePlan` call in the session: what the server answered, if anything.
    pub(super) async fn analyze_once(
        &mut self,
        creds: &Credentials,
        asked: analyze_plan_request::Analyze,
        cancel: &CancellationToken,
    ) -> Result<Option<analyze_plan_response::Result>, SparkError> {
        let analyze = Some(asked);
        let message = {
            let stamp = self.stamp(creds);
            AnalyzePlanRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                analyze,
            }
        };
        let call = Call {
            what: "an AnalyzePlan request",
            message: &message,
        };
        let result = self
            .rpc(creds, cancel, call, |mut g, r| async move {
                g.analyze_plan(r).await
            })
            .await;
        let response = match result {
            Ok(r) => r,
            Err(e) => return Err(self.with_details(creds, e).await),
        };
        self.saw_session(&response.server_side_session_id);
        Ok(response.result)
    }

    /// Ends the session on the server (at shutdown, or before a fresh one); waits at most
    /// `timeout`, and never fails loudly: the server ends idle sessions on its own. A later
    /// call finds the session closed and opens a fresh one.
    pub async fn release_session(&mut self, creds: &Credentials, timeout: Duration) {
        if self.session.server_side.is_none() {
            return;
        }
        let message = ReleaseSessionRequest {
            session_id: self.session.id.clone(),
            user_context: self.user_context(creds),
            client_type: Some(self.client_type.clone()),
            allow_reconnect: false,
        };
        if let Ok(req) = request(message, creds, &self.address.params) {
            match tokio::time::timeout(timeout, self.grpc.release_session(req)).await {
                Ok(Ok(_)) => tracing::info!("released Spark session {}", self.session.id),
                Ok(Err(s)) => tracing::info!("ReleaseSession: {}", s.message()),
                Err(_) => tracing::info!("ReleaseSession timed out"),
            }
        }
    }
}
