//! The Spark Connect client: one gRPC channel to a server, one Spark session per client,
//! every call carrying the caller's token and user.
//!
//! A statement is one reattachable `ExecutePlan` of `Limit(limit + 1)` over the `SQL`
//! relation; the stream is resumed with `ReattachExecute` when it ends early, the result is
//! released afterwards, and a cancelled call interrupts its operation by tag. A session the
//! server lost (closed, unknown, or a restarted server) is replaced by a fresh one, once,
//! with a notice for the user.
//! Must not: word what users read, or let a token reach a log or an error.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::metadata::{AsciiMetadataValue, MetadataMap};
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};
use tonic::Request;

use super::error::SparkError;
use super::proto::spark_connect_service_client::SparkConnectServiceClient;
use super::proto::{
    config_request, ConfigRequest, FetchErrorDetailsRequest, KeyValue, UserContext,
};
use crate::gateway::Gateway;
use crate::net::Connector;
use crate::BearerToken;
use crate::{Address, Route};

mod execute;
mod explain;
mod session;
mod views;

pub use execute::RowLimit;
pub use explain::Explained;
use session::{Session, SessionCall};
pub use views::KeptView;

/// How long one connection attempt may take (to the server, or to the proxy).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a connection through a proxy may take in all: the proxy's answer (it connects
/// onwards, maybe through an SSH tunnel) and TLS inside the tunnel.
const PROXIED_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Waits between attempts to reach an unreachable server; then the error is shown.
const RETRY_DELAYS: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(750),
    Duration::from_millis(1500),
];
/// Spark sends up to 128 MiB in one message (tonic's default limit is 4 MiB).
const MAX_MESSAGE: usize = super::error::MAX_MESSAGE_MIB * 1024 * 1024;
/// How long a cancelled cell waits for the server to confirm the interrupt.
const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// Resumptions of one result stream after transport failures before giving up.
const MAX_BROKEN_STREAMS: u32 = 3;
/// HTTP/2 pings: Spark's gRPC server (grpc-java) refuses pings more often than every 5 min.
const KEEPALIVE: Duration = Duration::from_secs(300);
/// How long the server may stay silent during a call, unless set otherwise.
const DEFAULT_STALL: Duration = Duration::from_secs(60);

/// One setting of a Spark session: its key, and its value (`None` when unset without a
/// default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub key: String,
    pub value: Option<String>,
}

/// A `Config` operation.
struct Config(config_request::operation::OpType);

impl SessionCall for Config {
    type Output = Vec<Setting>;

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<Self::Output, SparkError> {
        client.config_call(creds, self.0.clone(), cancel).await
    }
}

/// The fields every request of a session call carries ([`SparkClient::stamp`]).
struct Stamp {
    session_id: String,
    observed: Option<String>,
    user_context: Option<UserContext>,
    client_type: Option<String>,
}

/// One RPC's request message, and what it is called in a timeout's error.
#[derive(Clone, Copy)]
struct Call<'a, Req> {
    what: &'static str,
    message: &'a Req,
}

/// Who calls: the user (for `user_context`) and the token (for the headers).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    pub token: BearerToken,
    /// Headers that carry the bare token besides `authorization: Bearer …` (a gateway's own).
    pub token_headers: &'static [&'static str],
}

/// A Spark Connect client for one server address.
pub struct SparkClient {
    address: Address,
    shown: String,
    /// How connections are made (a silent one is replaced by a new one from it).
    endpoint: Endpoint,
    /// How a connection reaches the server: straight, or through a proxy.
    route: Route,
    connector: Connector,
    grpc: SparkConnectServiceClient<Channel>,
    /// How long the server may say nothing during a call before it is given up.
    stall: Duration,
    client_type: String,
    conf: Vec<(String, String)>,
    /// Settings the user made with `%conf` (the last value of each key), applied again to a
    /// fresh session that replaces a lost one.
    set_by_user: Vec<(String, String)>,
    /// Temporary views defined again in a fresh session, oldest first.
    kept_views: Vec<KeptView>,
    /// The id of the last statement's operation (for the caller's records).
    last_operation: Option<String>,
    session: Session,
    /// Messages for the user (a lost session, a setting that could not be applied).
    notices: Vec<SparkNotice>,
    /// Reads the statuses the gateway in front of the server makes.
    gateway: Arc<dyn Gateway>,
    /// A fork: it never replaces a lost session (the client it was forked from does, and
    /// tells the user).
    forked: bool,
}

/// Something the client did on its own that the user should know of.
#[derive(Debug, Clone)]
pub enum SparkNotice {
    /// Spark refused a setting when the session opened.
    NotApplied {
        from: SettingFrom,
        key: String,
        error: SparkError,
    },
    /// The server no longer had the session: a fresh one was opened, and the settings of
    /// `SPARK_CONNECT_CONF` (`conf`) and those the user made (`user_keys`) applied again.
    SessionReplaced {
        conf: bool,
        user_keys: Vec<String>,
        /// How many kept views were defined again.
        views: usize,
    },
    /// A kept view that Spark refused to define in a fresh session (no longer kept).
    ViewNotDefined { name: String, error: SparkError },
    /// A warning the server sent with an answer.
    ServerWarning(String),
}

/// Where a setting applied to every new session comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingFrom {
    /// `SPARK_CONNECT_CONF`.
    Environment,
    /// Set through this client after its session opened ([`SparkClient::conf_set`]).
    User,
}

/// Builds a request with the token headers (`authorization: Bearer`, and the bare token in
/// each of the credentials' `token_headers`) and the `;key=value` parameters of the `sc://`
/// URL as further headers.
fn request<T>(
    message: T,
    creds: &Credentials,
    params: &[(String, String)],
) -> Result<Request<T>, SparkError> {
    let mut request = Request::new(message);
    let metadata: &mut MetadataMap = request.metadata_mut();
    for (key, value) in params {
        let reserved = ["use_ssl", "token", "user_id", "session_id"];
        if reserved.contains(&key.as_str()) || creds.token_headers.contains(&key.as_str()) {
            continue;
        }
        if let (Ok(k), Ok(v)) = (
            tonic::metadata::AsciiMetadataKey::from_bytes(key.to_ascii_lowercase().as_bytes()),
            AsciiMetadataValue::try_from(value.as_str()),
        ) {
            metadata.insert(k, v);
        }
    }
    let token = &creds.token;
    let mut bearer = AsciiMetadataValue::try_from(format!("Bearer {}", token.expose()))
        .map_err(|_| SparkError::BadToken)?;
    bearer.set_sensitive(true);
    metadata.insert("authorization", bearer);
    for header in creds.token_headers {
        let mut bare =
            AsciiMetadataValue::try_from(token.expose()).map_err(|_| SparkError::BadToken)?;
        bare.set_sensitive(true);
        let key = tonic::metadata::AsciiMetadataKey::from_static(header);
        metadata.insert(key, bare);
    }
    Ok(request)
}

impl SparkClient {
    /// A client for `address` that calls itself `client_type` (the `client_type` of every
    /// request and the user agent: `name/version os/… app/…`) and applies `conf` to each new
    /// session; nothing is connected until the first call.
    pub fn new(
        address: Address,
        client_type: String,
        conf: Vec<(String, String)>,
    ) -> Result<SparkClient, SparkError> {
        let shown = address.to_string();
        let setup = |reason: String| SparkError::Setup {
            address: shown.clone(),
            reason,
        };
        let mut endpoint = Endpoint::from_shared(address.endpoint())
            .map_err(|e| setup(e.to_string()))?
            .connect_timeout(CONNECT_TIMEOUT)
            .http2_keep_alive_interval(KEEPALIVE)
            .keep_alive_timeout(Duration::from_secs(20))
            .user_agent(client_type.clone())
            .map_err(|e| setup(e.to_string()))?;
        if address.use_ssl {
            let tls = ClientTlsConfig::new()
                .with_native_roots()
                .with_webpki_roots()
                .domain_name(address.host.clone());
            endpoint = endpoint.tls_config(tls).map_err(|e| setup(e.to_string()))?;
        }
        let route = Route::Direct(crate::Direct::NoProxySet);
        let connector = crate::net::connector(route.clone(), CONNECT_TIMEOUT);
        Ok(SparkClient {
            address,
            shown,
            grpc: grpc_client(&endpoint, &connector),
            endpoint,
            route,
            connector,
            stall: DEFAULT_STALL,
            client_type,
            conf,
            set_by_user: Vec::new(),
            kept_views: Vec::new(),
            last_operation: None,
            session: Session::fresh(),
            notices: Vec::new(),
            gateway: Arc::new(crate::NoGateway),
            forked: false,
        })
    }

    /// Sets what reads the statuses of the gateway in front of the server (its refusals of
    /// the token, its own rules).
    #[must_use]
    pub fn with_gateway(mut self, gateway: Arc<dyn Gateway>) -> SparkClient {
        self.gateway = gateway;
        self
    }

    /// Sets how long the server may stay silent during a call (`SPARK_CONNECT_STALL_TIMEOUT`):
    /// a unary call waits at most that long for its answer, a running query that long between
    /// two messages (Spark reports progress every 2 s while it works).
    #[must_use]
    pub fn with_stall_timeout(mut self, stall: Duration) -> SparkClient {
        self.stall = stall;
        self
    }

    /// Sets how connections reach the server (the settings' decision for its host): through a
    /// proxy, connections may take longer to open.
    #[must_use]
    pub fn with_route(mut self, route: Route) -> SparkClient {
        if matches!(route, Route::Proxy(_)) {
            self.endpoint = self.endpoint.connect_timeout(PROXIED_CONNECT_TIMEOUT);
        }
        self.connector = crate::net::connector(route.clone(), CONNECT_TIMEOUT);
        self.route = route;
        self.new_connection();
        self
    }

    pub fn address(&self) -> &Address {
        &self.address
    }

    /// How connections reach the server.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// Drops the connection (a silent one may never end by itself): later calls open a new one.
    fn new_connection(&mut self) {
        self.grpc = grpc_client(&self.endpoint, &self.connector);
    }

    /// The error for a call the server left unanswered for the stall timeout.
    fn stalled(&self, during: &str) -> SparkError {
        SparkError::Stalled {
            address: self.shown.clone(),
            seconds: self.stall.as_secs(),
            during: during.to_owned(),
        }
    }

    pub fn session_id(&self) -> &str {
        &self.session.id
    }

    /// A second client in the same Spark session, on the same connection, for calls that run
    /// beside this client's (the explorer's, the journal's, the catalog's). Its notices are its
    /// own. A session it finds lost is an error: it never opens a fresh one of its own (which
    /// nobody would release, and which a lost-session notice would never name); the client it
    /// was forked from replaces the session at its next call and tells the user.
    pub fn fork(&self) -> SparkClient {
        SparkClient {
            address: self.address.clone(),
            shown: self.shown.clone(),
            endpoint: self.endpoint.clone(),
            route: self.route.clone(),
            connector: self.connector.clone(),
            grpc: self.grpc.clone(),
            stall: self.stall,
            client_type: self.client_type.clone(),
            conf: self.conf.clone(),
            set_by_user: self.set_by_user.clone(),
            kept_views: self.kept_views.clone(),
            last_operation: None,
            session: self.session.clone(),
            notices: Vec::new(),
            gateway: Arc::clone(&self.gateway),
            forked: true,
        }
    }

    /// The id of the operation of the last statement run (whatever its outcome).
    pub fn last_operation_id(&self) -> Option<&str> {
        self.last_operation.as_deref()
    }

    pub fn server_side_session_id(&self) -> Option<&str> {
        self.session.server_side.as_deref()
    }

    /// Messages for the user since the last call.
    pub fn take_notices(&mut self) -> Vec<SparkNotice> {
        std::mem::take(&mut self.notices)
    }

    /// The four fields every session call's request carries: the session's id, the server's
    /// id for it as last seen, the user, and the client's name.
    fn stamp(&self, creds: &Credentials) -> Stamp {
        Stamp {
            session_id: self.session.id.clone(),
            observed: self.observed(),
            user_context: self.user_context(creds),
            client_type: Some(self.client_type.clone()),
        }
    }

    fn user_context(&self, creds: &Credentials) -> Option<UserContext> {
        Some(UserContext {
            user_id: creds.user.clone(),
            user_name: creds.user.clone(),
            extensions: Vec::new(),
        })
    }

    fn observed(&self) -> Option<String> {
        self.session.server_side.clone()
    }

    fn saw_session(&mut self, server_side: &str) {
        if !server_side.is_empty() {
            self.session.server_side = Some(server_side.to_owned());
        }
    }

    fn status_error(&self, status: &tonic::Status) -> SparkError {
        SparkError::from_status(status, &self.shown, self.gateway.as_ref()).through(&self.route)
    }

    /// Runs `call` until it succeeds or fails for a reason other than an unreachable
    /// server; an unreachable server is tried a few more times, seconds in all.
    async fn with_retry<T, F, Fut>(
        &self,
        cancel: &CancellationToken,
        mut call: F,
    ) -> Result<T, SparkError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SparkError>>,
    {
        let mut delays = RETRY_DELAYS.iter();
        loop {
            let outcome = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(SparkError::Cancelled),
                outcome = call() => outcome,
            };
            match outcome {
                Err(e) if e.is_transient() => match delays.next() {
                    Some(delay) => {
                        tracing::debug!("{e}; retrying in {delay:?}");
                        tokio::select! {
                            _ = tokio::time::sleep(*delay) => {}
                            _ = cancel.cancelled() => return Err(SparkError::Cancelled),
                        }
                    }
                    None => return Err(e),
                },
                other => return other,
            }
        }
    }

    /// Sends the call's message with `send` (one RPC of the generated client), retrying while
    /// the server is unreachable; the answer (for a stream:
    /// its start) waits at most the stall timeout. The answer's body, or the error read from
    /// the status.
    async fn rpc<Req, Resp, Fut>(
        &self,
        creds: &Credentials,
        cancel: &CancellationToken,
        call: Call<'_, Req>,
        send: impl Fn(SparkConnectServiceClient<Channel>, Request<Req>) -> Fut,
    ) -> Result<Resp, SparkError>
    where
        Req: Clone,
        Fut: Future<Output = Result<tonic::Response<Resp>, tonic::Status>>,
    {
        let params = &self.address.params;
        self.with_retry(cancel, || {
            let req = request(call.message.clone(), creds, params);
            let grpc = self.grpc.clone();
            let send = &send;
            async move {
                match tokio::time::timeout(self.stall, send(grpc, req?)).await {
                    Ok(answer) => answer
                        .map(tonic::Response::into_inner)
                        .map_err(|s| self.status_error(&s)),
                    Err(_) => Err(self.stalled(&format!("to {}", call.what))),
                }
            }
        })
        .await
    }

    /// Adds the full message and query context (`FetchErrorDetails`) to a Spark error.
    async fn with_details(&mut self, creds: &Credentials, error: SparkError) -> SparkError {
        let SparkError::Server(mut server) = error else {
            return error;
        };
        let Some(error_id) = server.error_id.clone() else {
            return SparkError::Server(server);
        };
        let message = {
            let stamp = self.stamp(creds);
            FetchErrorDetailsRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                error_id,
            }
        };
        if let Ok(req) = request(message, creds, &self.address.params) {
            let call = self.grpc.fetch_error_details(req);
            match tokio::time::timeout(Duration::from_secs(5), call).await {
                Ok(Ok(response)) => server.enrich(&response.into_inner()),
                Ok(Err(s)) => tracing::debug!("FetchErrorDetails failed: {}", s.message()),
                Err(_) => tracing::debug!("FetchErrorDetails timed out"),
            }
        }
        SparkError::Server(server)
    }

    async fn config_call(
        &mut self,
        creds: &Credentials,
        op: config_request::operation::OpType,
        cancel: &CancellationToken,
    ) -> Result<Vec<Setting>, SparkError> {
        let operation = Some(config_request::Operation { op_type: Some(op) });
        let message = {
            let stamp = self.stamp(creds);
            ConfigRequest {
                session_id: stamp.session_id,
                client_observed_server_side_session_id: stamp.observed,
                user_context: stamp.user_context,
                client_type: stamp.client_type,
                operation,
            }
        };
        let call = Call {
            what: "a Config request",
            message: &message,
        };
        let result = self
            .rpc(
                creds,
                cancel,
                call,
                |mut g, r| async move { g.config(r).await },
            )
            .await;
        match result {
            Ok(response) => {
                self.saw_session(&response.server_side_session_id);
                for warning in response.warnings {
                    self.notices.push(SparkNotice::ServerWarning(warning));
                }
                Ok(response
                    .pairs
                    .into_iter()
                    .map(|kv| Setting {
                        key: kv.key,
                        value: kv.value,
                    })
                    .collect())
            }
            Err(e) => Err(self.with_details(creds, e).await),
        }
    }

    /// Runs a `Config` operation in the session: the settings it names back.
    pub async fn config(
        &mut self,
        creds: &Credentials,
        op: config_request::operation::OpType,
        cancel: &CancellationToken,
    ) -> Result<Vec<Setting>, SparkError> {
        self.in_session(creds, cancel, &mut Config(op)).await
    }

    /// All settings of the session, sorted by key.
    pub async fn conf_all(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<Vec<Setting>, SparkError> {
        let op = config_request::operation::OpType::GetAll(config_request::GetAll { prefix: None });
        let mut settings = self.config(creds, op, cancel).await?;
        settings.sort_by(|a, b| (&a.key, &a.value).cmp(&(&b.key, &b.value)));
        Ok(settings)
    }

    /// One setting (`None` when unset without a default).
    pub async fn conf_get(
        &mut self,
        creds: &Credentials,
        key: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, SparkError> {
        let op = config_request::operation::OpType::GetOption(config_request::GetOption {
            keys: vec![key.to_owned()],
        });
        let settings = self.config(creds, op, cancel).await?;
        Ok(settings.into_iter().next().and_then(|s| s.value))
    }

    pub async fn conf_set(
        &mut self,
        creds: &Credentials,
        key: &str,
        value: &str,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        let op = config_request::operation::OpType::Set(config_request::Set {
            pairs: vec![KeyValue {
                key: key.to_owned(),
                value: Some(value.to_owned()),
            }],
            silent: None,
        });
        self.config(creds, op, cancel).await?;
        self.set_by_user.retain(|(k, _)| k != key);
        self.set_by_user.push((key.to_owned(), value.to_owned()));
        Ok(())
    }
}

/// A client on a new (lazily opened) connection of `endpoint`, made by `connector`.
fn grpc_client(endpoint: &Endpoint, connector: &Connector) -> SparkConnectServiceClient<Channel> {
    SparkConnectServiceClient::new(endpoint.connect_with_connector_lazy(connector.clone()))
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}
