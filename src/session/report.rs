//! What `%whoami` and `check` show, gathered as facts: the identity and its owner's profile,
//! the authenticator's state, the Spark Connect address, the hops to both services, the
//! session, the server's version, the connection and the start command. Never the token.
//! Must not: word any of it (the kernel does).

use tokio_util::sync::CancellationToken;

use super::hops::{self, Hops};
use super::{unless_cancelled, Connection, SessionError, SparkSession};
use crate::auth::{AuthError, Identity, Outage, TokenSource, UserInfo};
use crate::config::{AddressError, StartSettings};
use spark_connect::Address;
use spark_connect::{SparkClient, SparkVersion};

/// The Spark Connect session's id, and the server's id for it once it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionIds {
    pub id: String,
    pub server_side: Option<String>,
}

/// Who the user is and how the kernel reaches Spark, as `%whoami` lists it.
#[derive(Debug)]
pub struct SessionReport {
    pub identity: Result<Identity, AuthError>,
    /// The display name, roles and linked identities, when Auth2 told them.
    pub profile: Option<UserInfo>,
    /// The authenticator's state; `None` when it could not be made.
    pub auth: Option<AuthState>,
    /// The Spark Connect address; `None` until the token is valid.
    pub spark: Option<Result<Address, AddressError>>,
    pub hops: Option<Hops>,
    /// The session's id and the server's id for it; `None` before the first query.
    pub session: Option<SessionIds>,
    pub version: Option<SparkVersion>,
    pub connection: Connection,
    /// The start command and how long it may take, when set.
    pub start: Option<StartSettings>,
}

/// The KBase authenticator's state.
#[derive(Debug)]
pub struct AuthState {
    pub url: String,
    /// Token sources Auth2 refused, now passed over.
    pub refused: Vec<TokenSource>,
    /// Since when Auth2 is out, when it is.
    pub outage: Option<Outage>,
}

impl SparkSession {
    /// What `%whoami` lists. Waiting for KBase ends at once when `cancel` fires.
    pub async fn report(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<SessionReport, SessionError> {
        let (identity, profile) = unless_cancelled(cancel, async {
            let identity = self.identity().await;
            let profile = match (&identity, &mut self.auth) {
                (Ok(_), Ok(auth)) => auth.profile().await.ok().flatten(),
                _ => None,
            };
            Ok((identity, profile))
        })
        .await?;
        let auth = self.auth.as_ref().ok().map(|auth| AuthState {
            url: auth.auth_url().to_owned(),
            refused: auth.refused_sources().into_iter().cloned().collect(),
            outage: auth.outage().cloned(),
        });
        let spark = identity
            .as_ref()
            .ok()
            .map(|id| self.settings.address_for(id.user()));
        let hops = match &auth {
            Some(auth) => {
                let address = spark.as_ref().and_then(|a| a.as_ref().ok());
                Some(hops::probe(self.settings.proxy(), &auth.url, address).await)
            }
            None => None,
        };
        let client = self.client.as_ref();
        Ok(SessionReport {
            identity,
            profile,
            auth,
            spark,
            hops,
            session: client.map(|c| SessionIds {
                id: c.session_id().to_owned(),
                server_side: c.server_side_session_id().map(str::to_owned),
            }),
            version: client.and_then(SparkClient::server_version).cloned(),
            connection: self.state.clone(),
            start: self.settings.start().cloned(),
        })
    }
}
