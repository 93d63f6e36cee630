//! The rows `%whoami` and `check` show, worded from the session's [`SessionReport`]: the identity
//! (user, display name, token type, dates, MFA, roles, ORCID, where the token came from), the
//! authenticator's state, the Spark Connect address, how each service is reached, the session,
//! the server's version, the connection and the start command. Never the token.
//! Must not: gather the facts (the session does) or show the token.

use chrono::{DateTime, Utc};

use super::words;
use crate::auth::{time_left, Identity, UserInfo};
use crate::render::KeyValue;
use crate::session::hops::{Reach, Reached};
use crate::session::{Connection, SessionReport};
use spark_connect::Direct;

type IdentityRows = Vec<KeyValue>;

fn row(rows: &mut IdentityRows, key: &str, value: String) {
    rows.push(KeyValue::new(key, value));
}

/// Every row of `whoami` at `now`.
pub fn rows(whoami: &SessionReport, now: DateTime<Utc>) -> IdentityRows {
    let mut rows = match &whoami.identity {
        Ok(id) => identity(id, whoami.profile.as_ref(), now),
        Err(e) => vec![KeyValue::new(
            "Problem",
            format!("KBaseAuthError — {}", words::auth(e)),
        )],
    };
    if let Some(auth) = &whoami.auth {
        row(&mut rows, "Auth URL", auth.url.clone());
        if !auth.refused.is_empty() {
            let refused: Vec<String> = auth.refused.iter().map(ToString::to_string).collect();
            let text = format!("{} (Auth2 refused its token)", refused.join(", "));
            row(&mut rows, "Not used", text);
        }
        if let Some(outage) = &auth.outage {
            let since = outage.since.format("%H:%M:%S UTC");
            let state = format!(
                "out since {since} ({}); working on the token's last validation",
                words::auth(&outage.error)
            );
            row(&mut rows, "Auth2", state);
        }
    }
    let address = match &whoami.spark {
        Some(Ok(address)) => address.to_string(),
        Some(Err(e)) => e.to_string(),
        None => "unknown until the token is valid".to_owned(),
    };
    row(&mut rows, "Spark Connect", address);
    hops(whoami, &mut rows);
    spark_session(whoami, &mut rows);
    rows
}

/// The identity's rows (and its owner's `profile`, when known) at `now`.
fn identity(identity: &Identity, profile: Option<&UserInfo>, now: DateTime<Utc>) -> IdentityRows {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let info = &identity.info;
    let mut rows = IdentityRows::new();
    row(&mut rows, "KBase user", info.user.clone());
    if let Some(p) = profile {
        row(&mut rows, "Display name", p.display.clone());
    }
    let named = info
        .name
        .as_ref()
        .map_or(String::new(), |n| format!(" ({n})"));
    row(
        &mut rows,
        "Token type",
        format!("{}{named}", info.token_type),
    );
    row(&mut rows, "Created", time(info.created));
    let expires = info.expires.map_or("never".to_owned(), |e| {
        format!("{} ({})", time(e), time_left(e, now))
    });
    row(&mut rows, "Expires", expires);
    let mfa = info.mfa.clone().unwrap_or_else(|| "not reported".into());
    let mfa = if mfa.eq_ignore_ascii_case("used") {
        mfa
    } else {
        format!("{mfa} (warning: BERDL's public Spark Connect proxy accepts only tokens made with MFA; log in to KBase with MFA to use it)")
    };
    row(&mut rows, "MFA", mfa);
    if let Some(p) = profile {
        let roles = if p.custom_roles.is_empty() {
            "none".into()
        } else {
            p.custom_roles.join(", ")
        };
        row(&mut rows, "Custom roles", roles);
        if let Some(orcid) = p.orcid() {
            row(&mut rows, "ORCID", orcid.to_owned());
        }
    }
    row(&mut rows, "Token source", identity.source.to_string());
    rows
}

/// `Auth2 route`, `Spark route` and `TLS` (the last two once the address is known).
fn hops(whoami: &SessionReport, rows: &mut IdentityRows) {
    let Some(hops) = &whoami.hops else {
        return;
    };
    if let Some(auth2) = &hops.auth2 {
        row(rows, "Auth2 route", route(auth2));
    }
    let (Some(spark), Some(Ok(address))) = (&hops.spark, &whoami.spark) else {
        return;
    };
    row(rows, "Spark route", route(spark));
    let tls = if address.use_ssl {
        format!(
            "on: the server's certificate must name {} (system roots, or SSL_CERT_FILE)",
            address.host
        )
    } else {
        "off (plaintext gRPC; ;use_ssl=true or SPARK_CONNECT_USE_SSL turns it on)".to_owned()
    };
    row(rows, "TLS", tls);
}

/// How a service is reached, and for a proxy what it answered for a tunnel.
fn route(reach: &Reach) -> String {
    let (host, port) = (&reach.host, reach.port);
    match &reach.route {
        Reached::Direct(Direct::NoProxySet) => "direct (no proxy variable is set)".to_owned(),
        Reached::Direct(Direct::Excepted { variable }) => {
            format!("direct ({host} is excepted by {variable})")
        }
        Reached::Proxy(tunnel) => {
            let hop = &tunnel.hop;
            let answer = match &tunnel.opened {
                Ok(took) => format!("tunnel to {host}:{port} opened in {} ms", took.as_millis()),
                Err(fault) => format!("tunnel to {host}:{port} failed: {fault}"),
            };
            format!("proxy {hop} (from {}): {answer}", hop.variable)
        }
    }
}

/// The session, the server's version, the connection and the start command.
fn spark_session(whoami: &SessionReport, rows: &mut IdentityRows) {
    let session = match &whoami.session {
        Some(ids) => {
            let server = ids
                .server_side
                .as_ref()
                .map_or("not opened yet".to_owned(), |s| format!("server side {s}"));
            format!("{} ({server})", ids.id)
        }
        None => "none yet (opened by the first query)".to_owned(),
    };
    row(rows, "Session", session);
    let version = whoami.version.as_ref().map_or_else(
        || "not known yet (asked when the first query opens the session)".to_owned(),
        ToString::to_string,
    );
    row(rows, "Spark version", version);
    let connection = match &whoami.connection {
        Connection::NotYet => "not connected yet".to_owned(),
        Connection::Connected => "connected".to_owned(),
        Connection::Failed(error) => format!("last call failed: {}", words::spark_fact(error)),
    };
    row(rows, "Connection", connection);
    let start = whoami.start.as_ref().map_or("not set".to_owned(), |start| {
        format!(
            "{} (waits up to {} s)",
            start.command(),
            start.timeout().as_secs()
        )
    });
    row(rows, "Start command", start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{TokenInfo, TokenSource};

    #[track_caller]
    fn identity_with(mfa: Option<&str>) -> Identity {
        Identity::new(
            spark_connect::BearerToken::new("T").unwrap(),
            TokenSource::Environment,
            TokenInfo {
                user: "alice".into(),
                token_type: "Login".into(),
                name: None,
                created: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
                expires: None,
                mfa: mfa.map(str::to_owned),
                cache_for: std::time::Duration::from_secs(300),
            },
        )
    }

    #[track_caller]
    fn mfa_row(mfa: Option<&str>) -> String {
        let rows = identity(&identity_with(mfa), None, Utc::now());
        rows.into_iter().find(|r| r.key == "MFA").unwrap().value
    }

    #[test]
    fn mfa_used_is_shown_as_it_is() {
        assert_eq!(mfa_row(Some("Used")), "Used");
    }

    #[test]
    fn mfa_not_used_is_a_warning() {
        assert!(
            mfa_row(Some("NotUsed")).starts_with("NotUsed (warning: BERDL's public"),
            "{}",
            mfa_row(Some("NotUsed"))
        );
    }

    #[test]
    fn mfa_not_reported_is_a_warning() {
        assert!(
            mfa_row(None).starts_with("not reported (warning"),
            "{}",
            mfa_row(None)
        );
    }

    #[test]
    fn the_identity_rows_never_hold_the_token() {
        let rows = identity(&identity_with(Some("Used")), None, Utc::now());
        let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "KBase user",
                "Token type",
                "Created",
                "Expires",
                "MFA",
                "Token source"
            ]
        );
        assert!(rows.iter().all(|r| r.value != "T"), "{rows:?}");
    }
}
