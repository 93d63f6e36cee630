//! A client for KBase Auth2's REST API: token introspection and the token owner's profile.
//!
//! Every call sends the bare token in `Authorization` (Auth2 hashes the whole header value, so
//! `Bearer …` would be an invalid token) and `Accept: application/json` (without it some errors
//! come back as HTML). Each error of the real service maps to its own [`AuthError`].
//! Must not: keep state between calls or decide what a failure means for the kernel.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::AuthError;
use spark_connect::BearerToken;
use spark_connect::ConnectFault;
use spark_connect::{ProxySettings, Route};

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `GET /api/V2/token` says of a token.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub user: String,
    pub token_type: String,
    pub name: Option<String>,
    pub created: DateTime<Utc>,
    pub expires: Option<DateTime<Utc>>,
    /// `Used` | `NotUsed` | `Unknown` on newer servers; absent on older ones.
    pub mfa: Option<String>,
    /// How long this answer may be reused.
    pub cache_for: Duration,
}

impl TokenInfo {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|e| e <= now)
    }
}

/// What `GET /api/V2/me` says of the token's owner.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserInfo {
    pub display: String,
    pub custom_roles: Vec<String>,
    /// The identities linked to the account (ORCID, Google, …).
    pub identities: Vec<LinkedIdentity>,
}

/// An identity linked to a KBase account: its provider and the user name there, e.g. `OrcID`
/// and `0000-0002-1825-0097`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedIdentity {
    pub provider: String,
    pub user_name: String,
}

impl UserInfo {
    pub fn orcid(&self) -> Option<&str> {
        self.identities
            .iter()
            .find(|i| i.provider.eq_ignore_ascii_case("orcid"))
            .map(|i| i.user_name.as_str())
    }
}

#[derive(Deserialize)]
struct RawTokenInfo {
    user: String,
    #[serde(rename = "type", default)]
    token_type: String,
    name: Option<String>,
    created: i64,
    expires: Option<i64>,
    mfa: Option<String>,
    cachefor: Option<u64>,
}

#[derive(Deserialize)]
struct RawIdent {
    provider: String,
    provusername: String,
}

#[derive(Deserialize)]
struct RawUserInfo {
    #[serde(default)]
    display: Option<String>,
    #[serde(default)]
    customroles: Vec<String>,
    #[serde(default)]
    idents: Vec<RawIdent>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    appcode: Option<i64>,
    message: Option<String>,
}

fn millis(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// A KBase Auth2 client for one base URL.
#[derive(Clone)]
pub struct AuthClient {
    base: String,
    http: reqwest::Client,
    /// How requests reach Auth2 (the proxy settings' decision for its host).
    route: Route,
    /// Auth2's host and port, to ask a failing proxy what it answers.
    target: (String, u16),
}

impl AuthClient {
    /// A client for the Auth2 service at `base_url`, through the proxy `proxies` choose for
    /// its host (reqwest reads no proxy variable itself).
    pub fn new(
        base_url: &str,
        timeout: Duration,
        proxies: &ProxySettings,
    ) -> Result<AuthClient, AuthError> {
        crate::install_crypto_provider();
        let unusable = |reason: String| AuthError::Unreachable {
            url: base_url.to_owned(),
            reason,
        };
        let parsed = reqwest::Url::parse(base_url)
            .map_err(|e| unusable(format!("KBASE_AUTH_URL is not a URL ({e})")))?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let route = proxies.route(&host);
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("spark-sql-kernel/", env!("CARGO_PKG_VERSION")))
            .no_proxy();
        if let Route::Proxy(hop) = &route {
            let mut proxy = reqwest::Proxy::all(hop.url_with_credentials())
                // Not reqwest's message: it may quote the URL, credentials and all.
                .map_err(|_| {
                    unusable(format!("the proxy {hop} cannot be used by the HTTP client"))
                })?;
            if let Some(auth) = hop.basic_auth() {
                proxy = proxy.custom_http_auth(auth.clone());
            }
            builder = builder.proxy(proxy);
        }
        let http = builder
            .build()
            .map_err(|e| unusable(format!("cannot create an HTTP client: {e}")))?;
        Ok(AuthClient {
            base: base_url.to_owned(),
            http,
            route,
            target: (host, port),
        })
    }

    /// How requests reach Auth2.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// When requests go through a proxy: what the proxy answers for a tunnel to Auth2, as an
    /// error when it fails (`None` when it leads through, or there is no proxy).
    pub async fn proxy_fault(&self) -> Option<AuthError> {
        if !matches!(self.route, Route::Proxy(_)) {
            return None;
        }
        let (host, port) = &self.target;
        let timeout = Duration::from_secs(3);
        match spark_connect::open(&self.route, host, *port, timeout).await {
            Ok(_) => None,
            Err(fault) => self.through(&fault),
        }
    }

    /// A proxy's fault as an Auth2 error.
    fn through(&self, fault: &ConnectFault) -> Option<AuthError> {
        let proxy = fault.proxy()?;
        Some(AuthError::Proxy {
            url: self.base.clone(),
            proxy: proxy.url.clone(),
            variable: proxy.variable.to_owned(),
            answer: fault.to_string(),
            trouble: fault.trouble(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base.trim_end_matches('/'), path)
    }

    async fn get(&self, path: &str, token: &BearerToken) -> Result<String, AuthError> {
        let url = self.url(path);
        let sent = self
            .http
            .get(&url)
            .header("Authorization", token.expose())
            .header("Accept", "application/json")
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                let unreachable = AuthError::Unreachable {
                    url: self.base.clone(),
                    reason: describe_http_error(e),
                };
                return Err(Box::pin(self.proxy_fault()).await.unwrap_or(unreachable));
            }
        };
        let status = response.status();
        let body = response.text().await.map_err(|e| AuthError::Unreachable {
            url: self.base.clone(),
            reason: describe_http_error(e),
        })?;
        if status.is_success() {
            return Ok(body);
        }
        let error = self.map_error(status.as_u16(), &body);
        // A proxy's own answer to a plain-HTTP request (407, 502, …) carries no KBase body.
        if matches!(
            error,
            AuthError::BadAnswer { .. } | AuthError::Unavailable { .. }
        ) {
            if let Some(fault) = Box::pin(self.proxy_fault()).await {
                return Err(fault);
            }
        }
        Err(error)
    }

    fn map_error(&self, status: u16, body: &str) -> AuthError {
        let url = self.base.clone();
        let parsed = serde_json::from_str::<ErrorBody>(body);
        if (500..=599).contains(&status) {
            let message = parsed.ok().and_then(|b| b.error.message);
            return AuthError::Unavailable {
                url,
                status,
                message: message.unwrap_or_else(|| "no KBase error body".into()),
            };
        }
        let Ok(ErrorBody { error }) = parsed else {
            return AuthError::BadAnswer {
                url,
                reason: format!("HTTP {status} without a KBase error body"),
            };
        };
        let message = error.message.unwrap_or_default();
        match (status, error.appcode) {
            (400, Some(10010)) => AuthError::MissingToken { url },
            (401, Some(10020)) | (401, None) => AuthError::Invalid { url },
            (403, Some(20010)) | (403, None) => AuthError::Disabled { url, message },
            _ => AuthError::Rejected {
                url,
                status,
                message,
            },
        }
    }

    fn parse<T: for<'de> Deserialize<'de>>(&self, body: &str) -> Result<T, AuthError> {
        serde_json::from_str(body).map_err(|e| AuthError::BadAnswer {
            url: self.base.clone(),
            reason: format!("not the JSON of KBase Auth2 ({e})"),
        })
    }

    /// Introspects a token (`GET /api/V2/token`).
    pub async fn validate_token(&self, token: &BearerToken) -> Result<TokenInfo, AuthError> {
        let raw: RawTokenInfo = self.parse(&self.get("api/V2/token", token).await?)?;
        let bad = |what: &str| AuthError::BadAnswer {
            url: self.base.clone(),
            reason: format!("the token's {what} is not a time"),
        };
        Ok(TokenInfo {
            user: raw.user,
            token_type: raw.token_type,
            name: raw.name,
            created: millis(raw.created).ok_or_else(|| bad("creation"))?,
            expires: match raw.expires {
                Some(ms) => Some(millis(ms).ok_or_else(|| bad("expiry"))?),
                None => None,
            },
            mfa: raw.mfa,
            cache_for: Duration::from_millis(raw.cachefor.unwrap_or(300_000)),
        })
    }

    /// The token owner's profile (`GET /api/V2/me`).
    pub async fn get_user_info(&self, token: &BearerToken) -> Result<UserInfo, AuthError> {
        let raw: RawUserInfo = self.parse(&self.get("api/V2/me", token).await?)?;
        Ok(UserInfo {
            display: raw.display.unwrap_or_default(),
            custom_roles: raw.customroles,
            identities: raw
                .idents
                .into_iter()
                .map(|i| LinkedIdentity {
                    provider: i.provider,
                    user_name: i.provusername,
                })
                .collect(),
        })
    }
}

/// A short reason for a failed HTTP call. reqwest's messages hold the URL but never headers,
/// so the token cannot appear here.
fn describe_http_error(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time (timed out)".to_owned()
    } else if error.is_connect() {
        let mut reason = "connection failed".to_owned();
        let mut source = std::error::Error::source(&error);
        while let Some(s) = source {
            reason = format!("connection failed: {s}");
            source = s.source();
        }
        reason
    } else {
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn client() -> AuthClient {
        AuthClient::new(
            "https://auth.example/services/auth/",
            DEFAULT_TIMEOUT,
            &ProxySettings::none(),
        )
        .unwrap()
    }

    #[test]
    fn paths_join_with_or_without_a_trailing_slash() {
        assert_eq!(
            client().url("api/V2/token"),
            "https://auth.example/services/auth/api/V2/token"
        );
        let bare = AuthClient::new(
            "https://auth.example/services/auth",
            DEFAULT_TIMEOUT,
            &ProxySettings::none(),
        )
        .unwrap();
        assert_eq!(
            bare.url("api/V2/me"),
            "https://auth.example/services/auth/api/V2/me"
        );
    }

    #[test]
    fn real_error_bodies_map_to_distinct_errors() {
        let body = |status: u16, code: i64, message: &str| {
            format!(
                r#"{{"error":{{"httpcode":{status},"httpstatus":"x","appcode":{code},"apperror":"x","message":"{message}","callid":"1","time":1764000000000}}}}"#
            )
        };
        let c = client();
        assert!(
            matches!(
                c.map_error(
                    400,
                    &body(
                        400,
                        10010,
                        "10010 No authentication token: No user token provided"
                    )
                ),
                AuthError::MissingToken { .. }
            ),
            "{:?}",
            c.map_error(
                400,
                &body(
                    400,
                    10010,
                    "10010 No authentication token: No user token provided"
                )
            )
        );
        assert!(
            matches!(
                c.map_error(401, &body(401, 10020, "10020 Invalid token")),
                AuthError::Invalid { .. }
            ),
            "{:?}",
            c.map_error(401, &body(401, 10020, "10020 Invalid token"))
        );
        assert!(
            matches!(
                c.map_error(403, &body(403, 20010, "20010 Account disabled")),
                AuthError::Disabled { .. }
            ),
            "{:?}",
            c.map_error(403, &body(403, 20010, "20010 Account disabled"))
        );
        // 5xx is an outage of the service, with or without its error body.
        let outage = c.map_error(502, "<html>Bad gateway</html>");
        assert!(
            matches!(outage, AuthError::Unavailable { status: 502, .. }),
            "{outage:?}"
        );
        assert!(outage.is_outage(), "{:?}", outage);
        let outage = c.map_error(500, &body(500, 0, "boom"));
        assert!(
            matches!(outage, AuthError::Unavailable { ref message, .. } if message == "boom"),
            "{outage:?}"
        );
        assert!(
            matches!(c.map_error(200, "<html>"), AuthError::BadAnswer { .. }),
            "{:?}",
            c.map_error(200, "<html>")
        );
        assert!(
            !c.map_error(401, &body(401, 10020, "10020 Invalid token"))
                .is_outage(),
            "{:?}",
            c.map_error(401, &body(401, 10020, "10020 Invalid token"))
        );
        assert!(
            matches!(
                c.map_error(404, &body(404, 0, "not found")),
                AuthError::Rejected { status: 404, .. }
            ),
            "{:?}",
            c.map_error(404, &body(404, 0, "not found"))
        );
    }

    #[test]
    fn token_info_reads_milliseconds_and_optional_fields() {
        let c = client();
        let raw: RawTokenInfo = c
            .parse(r#"{"type":"Login","id":"6f0c","created":1764000000000,"expires":1765209600000,"name":null,"user":"alice","custom":{},"cachefor":300000}"#)
            .unwrap();
        assert_eq!(raw.user, "alice");
        assert_eq!(
            millis(raw.created).unwrap().to_rfc3339(),
            "2025-11-24T16:00:00+00:00"
        );
        assert!(raw.mfa.is_none(), "{:?}", raw.mfa);
        let user = UserInfo {
            identities: vec![
                LinkedIdentity {
                    provider: "Google".into(),
                    user_name: "a@b".into(),
                },
                LinkedIdentity {
                    provider: "OrcID".into(),
                    user_name: "0000-0001".into(),
                },
            ],
            ..Default::default()
        };
        assert_eq!(user.orcid(), Some("0000-0001"));
    }
}
