//! The user's Spark session as a service: who the user is (the KBase authenticator), the
//! Spark Connect client for their server, how the connection is doing, and the catalog cache.
//! The kernel asks it to run statements, read and set configuration, reconnect and release;
//! completion and inspection read the catalog through the [`Catalog`] trait.
//!
//! It must not know Jupyter or how results are shown: it hands back Spark's results, errors
//! and notices for the kernel to present.

mod catalog;
mod fork;
mod gateway;
pub mod hops;
mod report;
mod starter;
mod tables;

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// How many rows of `sql`'s result come back: a SQL script cannot be wrapped in a `Limit`
/// (Spark fails to analyse it), so its result comes whole and `limit` rows of it are kept.
fn row_limit(sql: &str, limit: usize) -> RowLimit {
    if crate::sql::is_script(sql) {
        RowLimit::Collect(limit)
    } else {
        RowLimit::Plan(limit)
    }
}

#[cfg(test)]
pub use catalog::FakeCatalog;
pub use catalog::{Catalog, CatalogBeside, CatalogColumn, Listing};

pub use fork::Forked;
pub use gateway::Governance;
pub use report::SessionReport;
pub use starter::StartError;

use crate::auth::{AuthError, AuthNotice, Authenticator, Identity};
use crate::config::{AddressError, AuthSettings, SparkSettings};
use spark_connect::{
    BatchSink, Credentials, KeptView, Oversized, QueryResult, RowLimit, Running, Setting,
    SparkClient, SparkError, SparkNotice,
};

/// How long releasing the session may take (at shutdown, `%reconnect`, after `check`).
const RELEASE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why the session could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Spark(#[from] SparkError),
    #[error(transparent)]
    Start(#[from] StartError),
}

impl SessionError {
    /// The server's address refused the connection: nothing listens there (yet).
    pub fn is_refused(&self) -> bool {
        matches!(self, SessionError::Spark(e) if e.is_refused())
    }

    /// BERDL's proxy says the user's server is not reachable: the pod is still starting.
    pub fn is_not_reachable_yet(&self) -> bool {
        matches!(
            self,
            SessionError::Spark(SparkError::ServerNotRunning { .. })
        )
    }
}

/// Something the session's services did on their own that the user should know of.
#[derive(Debug, Clone)]
pub enum SessionNotice {
    /// From the KBase authenticator (Auth2 out, working on with the last validation).
    Auth(AuthNotice),
    /// From the Spark Connect client (a lost session replaced, a setting not applied).
    Spark(SparkNotice),
}

/// How the last call to Spark Connect went (for `%whoami`).
#[derive(Debug, Clone)]
pub enum Connection {
    NotYet,
    Connected,
    /// The last call's error.
    Failed(SparkError),
}

/// What `check` learned from the server: its version and how long `SELECT 1` took.
#[derive(Debug, Clone)]
pub struct Probe {
    pub version: String,
    pub elapsed: Duration,
}

/// What a PySpark client needs to join this session (`%session`): never the token, only
/// where the kernel read it.
#[derive(Debug, Clone)]
pub struct Joining {
    pub address: spark_connect::Address,
    pub session_id: String,
    pub user: String,
    pub token: crate::auth::TokenSource,
    /// Headers that carry the bare token (their `sc://` parameters are the client's way).
    pub token_headers: &'static [&'static str],
}

/// Where the session's last statement ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Whereabouts {
    pub address: String,
    pub version: Option<String>,
    pub session_id: String,
    pub operation_id: Option<String>,
}

/// What `%reconnect` opened.
#[derive(Debug, Clone)]
pub struct Reconnected {
    pub version: String,
    pub address: String,
    pub session_id: String,
    pub user: String,
}

/// The user's identity and Spark session.
pub struct SparkSession {
    settings: SparkSettings,
    /// `Err` only when no HTTP client could be made.
    auth: Result<Authenticator, AuthError>,
    /// Made when first needed: the address depends on the user.
    client: Option<SparkClient>,
    state: Connection,
    catalog: catalog::Shared,
    /// A handle on the session as of its last connection, for the catalog read beside the
    /// cells (none before the first).
    beside: catalog::Handle,
    /// Messages for the user since they were last taken.
    notices: Vec<SessionNotice>,
}

impl SparkSession {
    /// A session for these settings. Inside a tokio runtime it starts validating the token at
    /// once, in the background, so that nothing at start-up waits for KBase.
    pub fn new(auth: &AuthSettings, spark: SparkSettings) -> SparkSession {
        let mut authenticator = Authenticator::new(auth, crate::auth::DEFAULT_TIMEOUT);
        if let (Ok(a), Ok(_)) = (&mut authenticator, tokio::runtime::Handle::try_current()) {
            a.start_validation();
        }
        SparkSession {
            settings: spark,
            auth: authenticator,
            client: None,
            state: Connection::NotYet,
            catalog: catalog::Shared::default(),
            beside: Default::default(),
            notices: Vec::new(),
        }
    }

    /// The user's identity, validated (or re-validated) as needed.
    pub async fn identity(&mut self) -> Result<Identity, AuthError> {
        let auth = self.auth.as_mut().map_err(|e| e.clone())?;
        Ok(auth.ensure().await?.clone())
    }

    /// The user of the current validated identity, if any (no call is made).
    pub fn user(&self) -> Option<String> {
        let auth = self.auth.as_ref().ok()?;
        auth.current().map(|identity| identity.user().to_owned())
    }

    /// Messages for the user (a lost session, a setting not applied) since the last call.
    pub fn take_notices(&mut self) -> Vec<SessionNotice> {
        if let Ok(auth) = &mut self.auth {
            self.notices
                .extend(auth.take_notices().into_iter().map(SessionNotice::Auth));
        }
        if let Some(client) = &mut self.client {
            self.notices
                .extend(client.take_notices().into_iter().map(SessionNotice::Spark));
        }
        std::mem::take(&mut self.notices)
    }

    /// Credentials of the current identity, and a client for the user's server. Waiting for
    /// KBase ends at once when `cancel` fires.
    async fn connect(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<(Credentials, &mut SparkClient), SessionError> {
        let identity = unless_cancelled(cancel, async { Ok(self.identity().await?) }).await?;
        let creds = credentials(&identity);
        let address = self.settings.address_for(&creds.user)?;
        let client = match self.client.take() {
            Some(client) if *client.address() == address => client,
            _ => {
                let route = self.settings.proxy().route(&address.host);
                SparkClient::new(
                    address,
                    client_type(self.settings.app_name()),
                    self.settings.conf().to_vec(),
                )?
                .with_stall_timeout(self.settings.stall_timeout())
                .with_route(route)
                .with_gateway(std::sync::Arc::new(gateway::Berdl))
            }
        };
        let forked = Forked::new(creds.clone(), client.fork());
        *crate::sync::locked(&self.beside) = Some(forked);
        Ok((creds, self.client.insert(client)))
    }

    /// The catalog as read beside the cells: it answers once the session has connected.
    pub fn catalog_beside(&self) -> CatalogBeside {
        CatalogBeside {
            handle: self.beside.clone(),
            cache: self.catalog.clone(),
        }
    }

    /// A second handle on this Spark session, for calls that run beside the cells (the
    /// explorer's).
    pub async fn fork(&mut self, cancel: &CancellationToken) -> Result<Forked, SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        Ok(Forked::new(creds, client.fork()))
    }

    /// Remembers how a Spark call went.
    fn record<T>(&mut self, outcome: Result<T, SparkError>) -> Result<T, SessionError> {
        self.state = match &outcome {
            Ok(_) | Err(SparkError::Server(_) | SparkError::Cancelled) => Connection::Connected,
            Err(e) => Connection::Failed(e.clone()),
        };
        Ok(outcome?)
    }

    /// Runs one statement; at most `limit` rows of its result come back. Progress reports go
    /// to `progress` as Spark sends them.
    pub async fn run(
        &mut self,
        sql: &str,
        limit: usize,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
    ) -> Result<QueryResult, SessionError> {
        // Comments are blanked (positions kept): BERDL's namespace check reads them as SQL.
        let sent = crate::sql::blank_comments(sql);
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client
            .execute_sql_with_progress(&creds, &sent, row_limit(sql, limit), cancel, progress)
            .await;
        let result = self.record(outcome)?;
        let keyword = crate::sql::first_keyword(sql).unwrap_or_default();
        if catalog::changes_catalog(&keyword) {
            self.catalog.forget_changed();
        }
        Ok(result)
    }

    /// Runs one statement and hands its whole result to `sink` as it arrives; at most `limit`
    /// rows come back to be shown.
    pub async fn export(
        &mut self,
        sql: &str,
        limit: usize,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
        sink: &mut dyn BatchSink,
    ) -> Result<QueryResult, SessionError> {
        let sent = crate::sql::blank_comments(sql);
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client
            .export_sql(&creds, &sent, limit, cancel, progress, sink)
            .await;
        self.record(outcome)
    }

    /// One setting of the Spark session (`None` when unset without a default).
    pub async fn conf_get(
        &mut self,
        key: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.conf_get(&creds, key, cancel).await;
        self.record(outcome)
    }

    /// Every setting of the Spark session, sorted by key.
    pub async fn conf_all(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<Vec<Setting>, SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.conf_all(&creds, cancel).await;
        self.record(outcome)
    }

    pub async fn conf_set(
        &mut self,
        key: &str,
        value: &str,
        cancel: &CancellationToken,
    ) -> Result<(), SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.conf_set(&creds, key, value, cancel).await;
        self.record(outcome)
    }

    /// Forgets the validated token, releases the session, and opens a fresh one on a new
    /// channel.
    pub async fn reconnect(
        &mut self,
        cancel: &CancellationToken,
    ) -> Result<Reconnected, SessionError> {
        unless_cancelled(cancel, async {
            self.release().await;
            Ok(())
        })
        .await?;
        // The results kept as views are defined again in the fresh session.
        let kept = self
            .client
            .take()
            .map(|c| c.kept_views().to_vec())
            .unwrap_or_default();
        if let Ok(auth) = &mut self.auth {
            auth.reset();
        }
        let (creds, client) = self.connect(cancel).await?;
        client.keep_views(kept);
        let outcome = client.spark_version(&creds, cancel).await;
        let (address, session_id) = (client.address().to_string(), client.session_id().to_owned());
        let version = self.record(outcome)?;
        Ok(Reconnected {
            version,
            address,
            session_id,
            user: creds.user,
        })
    }

    /// Ends the Spark session on the server, if there is one.
    pub async fn release(&mut self) {
        let creds = match &self.auth {
            Ok(auth) => auth.current().map(credentials),
            Err(_) => None,
        };
        if let (Some(creds), Some(client)) = (creds, &mut self.client) {
            client.release_session(&creds, RELEASE_TIMEOUT).await;
        }
    }

    /// Whether the server answers now: opens the session (learning the server's version) and
    /// nothing more. What a cell waiting for a starting server tries.
    pub async fn ready(&mut self, cancel: &CancellationToken) -> Result<(), SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.spark_version(&creds, cancel).await;
        self.record(outcome).map(|_| ())
    }

    /// After a result message over a proxy's limit (`bytes` against `limit`) from a server that
    /// cannot split its batches (before 4.1): asks Spark for batches of fewer rows in this
    /// session (`spark.sql.execution.arrow.maxRecordsPerBatch`), sized to pass; the new count,
    /// or `None` when batches cannot get smaller (one row is over the limit, or the server
    /// splits its batches itself).
    pub async fn smaller_batches(
        &mut self,
        oversized: Oversized,
        cancel: &CancellationToken,
    ) -> Result<Option<usize>, SessionError> {
        let Oversized { bytes, limit } = oversized;
        const KEY: &str = "spark.sql.execution.arrow.maxRecordsPerBatch";
        let chunks = self
            .client
            .as_ref()
            .and_then(SparkClient::server_version)
            .is_some_and(spark_connect::SparkVersion::knows_result_chunking);
        if chunks || bytes == 0 {
            return Ok(None);
        }
        let now = self.conf_get(KEY, cancel).await?;
        let rows = now
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|r| *r > 0)
            .unwrap_or(10_000);
        // Aim at half the limit: rows differ in size within a batch.
        let fitting = (rows as u128 * (limit / 2) as u128 / bytes as u128) as usize;
        let smaller = fitting.min(rows / 2).max(1);
        if rows <= 1 {
            return Ok(None);
        }
        self.conf_set(KEY, &smaller.to_string(), cancel).await?;
        Ok(Some(smaller))
    }

    /// Defines `view` in the session and keeps it there: a fresh session that replaces a
    /// lost one gets it again.
    pub async fn keep_view(
        &mut self,
        view: KeptView,
        replace: bool,
        cancel: &CancellationToken,
    ) -> Result<(), SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.keep_view(&creds, view, replace, cancel).await;
        self.catalog.forget_tables();
        self.record(outcome)
    }

    /// Drops the kept view `name` from the session and stops keeping it.
    pub async fn drop_view(
        &mut self,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<(), SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.drop_view(&creds, name, cancel).await;
        self.catalog.forget_tables();
        self.record(outcome)
    }

    /// Stops keeping the view `name` (another view now holds the name), without a call.
    pub fn forget_view(&mut self, name: &str) {
        if let Some(client) = &mut self.client {
            client.forget_view(name);
        }
    }

    /// Opens the session if it is not open, and says how another client joins it.
    pub async fn joining(&mut self, cancel: &CancellationToken) -> Result<Joining, SessionError> {
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.spark_version(&creds, cancel).await;
        let (address, session_id) = (client.address().clone(), client.session_id().to_owned());
        self.record(outcome)?;
        let identity = self.identity().await?;
        Ok(Joining {
            address,
            session_id,
            user: creds.user,
            token: identity.source,
            token_headers: gateway::TOKEN_HEADERS,
        })
    }

    /// A table's version, where its format reports one (Iceberg's snapshot id).
    pub async fn table_version(
        &mut self,
        table: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, SessionError> {
        let sql = tables::version_query(table);
        let (creds, client) = self.connect(cancel).await?;
        let outcome = client.execute_sql(&creds, &sql, 10, cancel).await;
        let result = self.record(outcome)?;
        Ok(tables::version_in(&result.texts().unwrap_or_default()))
    }

    /// Where the session is: the server's address and version, the session's id and the
    /// last statement's operation id (what a journal records); `None` before a connection.
    pub fn whereabouts(&self) -> Option<Whereabouts> {
        let client = self.client.as_ref()?;
        Some(Whereabouts {
            address: client.address().to_string(),
            version: client.server_version().map(ToString::to_string),
            session_id: client.session_id().to_owned(),
            operation_id: client.last_operation_id().map(str::to_owned),
        })
    }

    /// `SPARK_CONNECT_WAIT_TIMEOUT`: how long a cell waits for a server still starting.
    pub fn wait_timeout(&self) -> std::time::Duration {
        self.settings.wait_timeout()
    }

    /// Whether a start command is set (`SPARK_CONNECT_START_COMMAND`).
    pub fn can_start(&self) -> bool {
        self.settings.start().is_some()
    }

    /// Starts the user's server with the start command unless it is up (or another kernel
    /// started it meanwhile); returns whether this kernel ran the command.
    pub async fn start_server(&mut self, cancel: &CancellationToken) -> Result<bool, SessionError> {
        let Some(start) = self.settings.start().cloned() else {
            return Ok(false);
        };
        let identity = unless_cancelled(cancel, async { Ok(self.identity().await?) }).await?;
        let user = identity.user().to_owned();
        let address = self.settings.address_for(&user)?;
        Ok(starter::ensure_up(&start, &address, cancel).await?)
    }

    /// `SELECT 1` and the server's version, with the time the query took (for `check`).
    pub async fn probe(&mut self) -> Result<Probe, SessionError> {
        let never = CancellationToken::new();
        let (creds, client) = self.connect(&never).await?;
        let outcome = client.execute_sql(&creds, "SELECT 1", 1, &never).await;
        let result = match self.record(outcome) {
            Err(e) if e.is_refused() && self.can_start() => {
                self.start_server(&never).await?;
                let (creds, client) = self.connect(&never).await?;
                let outcome = client.execute_sql(&creds, "SELECT 1", 1, &never).await;
                self.record(outcome)?
            }
            other => other?,
        };
        let (creds, client) = self.connect(&never).await?;
        let outcome = client.spark_version(&creds, &never).await;
        let version = self.record(outcome)?;
        Ok(Probe {
            version,
            elapsed: result.elapsed,
        })
    }
}

/// Awaits `work` unless `cancel` fires first (then: cancelled, at once).
async fn unless_cancelled<T>(
    cancel: &CancellationToken,
    work: impl Future<Output = Result<T, SessionError>>,
) -> Result<T, SessionError> {
    tokio::select! {
        biased;
        () = cancel.cancelled() => Err(SparkError::Cancelled.into()),
        outcome = work => outcome,
    }
}

/// What Spark calls are made with: the user and the token of a validated identity.
fn credentials(identity: &Identity) -> Credentials {
    Credentials {
        user: identity.user().to_owned(),
        token: identity.token.clone(),
        token_headers: gateway::TOKEN_HEADERS,
    }
}

/// What the kernel calls itself to Spark (`client_type` and the user agent): its name and
/// version, the system, and `SPARK_APP_NAME` when set.
pub fn client_type(app_name: Option<&str>) -> String {
    let mut client_type = format!(
        "spark-sql-kernel/{} os/{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS
    );
    if let Some(app) = app_name.filter(|a| !a.is_empty()) {
        client_type.push_str(&format!(" app/{app}"));
    }
    client_type
}
