//! Words for what lower layers report as typed facts: what to do about an error (they say what
//! happened; this adds what to check and which magic helps, `%reconnect`, `%whoami`), and the
//! notices of a session (a lost session replaced, a setting `%conf` made not applied). The one
//! place such words are written.
//! Must not: decide what happened (lower layers' errors say it) or build HTML.

use crate::auth::AuthError;
use crate::session::{Notice, SessionError};
use spark_connect::ProxyTrouble;
use spark_connect::{Refusal, SettingFrom, SparkError, SparkNotice};

/// A Spark Connect error as the user reads it: what happened, then what to do.
pub fn spark(error: &SparkError) -> String {
    let fact = error.to_string();
    let advice = match error {
        SparkError::Unreachable { .. } => "Check that your Spark Connect server is running (in BERDL it runs in your JupyterLab pod) and that SPARK_CONNECT_URL or SPARK_CONNECT_HOST_TEMPLATE points at it; %reconnect tries again".to_owned(),
        SparkError::ServerNotRunning { .. } => "Start it (in BERDL: log in to BERDL JupyterHub so that your server starts, or open a Python notebook there once), then run %reconnect".to_owned(),
        SparkError::Stalled { .. } => {
            "Run the cell again once it answers; %whoami shows the connection".to_owned()
        }
        SparkError::StreamEndsEmpty { .. } => {
            "Run the cell again; %whoami shows each hop to the server".to_owned()
        }
        SparkError::Auth { refusal: why, .. } => refusal(*why).to_owned(),
        SparkError::Proxy {
            proxy,
            variable,
            trouble,
            ..
        } => proxy_advice(*trouble, proxy, variable),
        _ => return fact,
    };
    format!("{fact}. {advice}")
}

/// A KBase Auth2 error as the user reads it.
pub fn auth(error: &AuthError) -> String {
    let fact = error.to_string();
    match error {
        AuthError::Proxy {
            proxy,
            variable,
            trouble,
            ..
        } => format!("{fact}. {}", proxy_advice(*trouble, proxy, variable)),
        _ => fact,
    }
}

/// A session's error as the user reads it.
pub fn session(error: &SessionError) -> String {
    match error {
        SessionError::Spark(e) => spark(e),
        SessionError::Auth(e) => auth(e),
        other => other.to_string(),
    }
}

/// A session's notice, as one line.
pub fn notice(notice: &Notice) -> String {
    match notice {
        Notice::Auth(text) => text.clone(),
        Notice::Spark(SparkNotice::ServerWarning(text)) => text.clone(),
        Notice::Spark(SparkNotice::NotApplied { from, key, error }) => {
            let origin = match from {
                SettingFrom::Environment => "SPARK_CONNECT_CONF",
                SettingFrom::User => "%conf",
            };
            format!("{origin}: {key} was not applied: {error}")
        }
        Notice::Spark(SparkNotice::SessionReplaced { conf, user_keys }) => {
            let mut applied = Vec::new();
            if *conf {
                applied.push("SPARK_CONNECT_CONF".to_owned());
            }
            if !user_keys.is_empty() {
                applied.push(format!("what %conf set ({})", user_keys.join(", ")));
            }
            let again = if applied.is_empty() {
                String::new()
            } else {
                format!(" {} were applied again;", applied.join(" and "))
            };
            format!(
                "The Spark Connect server no longer had this kernel's session (it was closed, \
                 or the server restarted), so a fresh session was opened:{again} temporary views, \
                 cached tables and settings made with SET are gone."
            )
        }
    }
}

/// What to do about a refused token.
fn refusal(why: Refusal) -> &'static str {
    match why {
        Refusal::OtherUsersServer => "This Spark Connect server belongs to another user: check SPARK_CONNECT_URL / SPARK_CONNECT_HOST_TEMPLATE, or that the token is yours.",
        Refusal::NotAllowed => "Your KBase account is not allowed to do this on the server (for example a database name outside your allowed prefixes).",
        Refusal::AccountDisabled => "The Spark Connect proxy asked KBase Auth2 about your token and Auth2 answered 403: your KBase account is disabled. Contact KBase support.",
        Refusal::NeedsMfa => "The Spark Connect proxy accepts only KBase tokens made with multi-factor authentication (MFA): log in to KBase again with MFA (so that a new token is written), then run %reconnect.",
        Refusal::NoToken => "The server received no token. Set KBASE_AUTH_TOKEN or log in to KBase in JupyterHub, then run %reconnect.",
        Refusal::Expired => "Your KBase token may have expired or rotated: log in to KBase again (or set a fresh KBASE_AUTH_TOKEN), then run %reconnect.",
    }
}

/// What to check about the proxy at `proxy`, named by `variable`.
fn proxy_advice(trouble: ProxyTrouble, proxy: &str, variable: &str) -> String {
    match trouble {
        ProxyTrouble::Down => format!(
            "Nothing answers there: start the tunnel and the proxy (for example ssh -D 1338 … and pproxy -l http://:8123 -r socks5://127.0.0.1:1338), or correct {variable}; %whoami shows each hop"
        ),
        ProxyTrouble::Credentials => format!(
            "The proxy wants other credentials: put the right ones in {variable} (http://user:password@host:port, or socks5h://user:password@host:port)"
        ),
        ProxyTrouble::CannotReach => format!(
            "The proxy is up but cannot reach the server: check the SSH tunnel behind {proxy} (is ssh -D still running?) and the server's name; hosts listed in no_proxy are reached without the proxy"
        ),
        ProxyTrouble::Silent => format!(
            "Check the SSH tunnel behind {proxy} (a frozen ssh -D leaves the proxy waiting); %whoami shows each hop"
        ),
    }
}

/// What an export wrote, in how long.
pub fn exported(
    written: &crate::export::Written,
    format: crate::export::Format,
    elapsed: std::time::Duration,
) -> String {
    let noun = if written.rows == 1 { "row" } else { "rows" };
    format!(
        "Exported {} {noun} ({}, {}) to {} in {}.",
        written.rows,
        crate::render::human_bytes(written.bytes),
        format.name(),
        written.path.display(),
        crate::render::human_duration(elapsed)
    )
}

/// Why a view of the explorer cannot be explored any more, and what to do.
pub fn explorer_gone(why: crate::explore::protocol::Gone, cap: usize) -> String {
    use crate::explore::protocol::Gone;
    match why {
        Gone::Unknown => "This kernel no longer has this result (it restarted since): re-run the cell to explore.".to_owned(),
        Gone::Evicted => format!(
            "Closed to keep at most {cap} explorable results on the server \
             (SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS): re-run the cell to explore."
        ),
        Gone::Failed => "This result cannot be explored.".to_owned(),
    }
}

/// A snapshot that could not be made.
pub fn explorer_failed(error: &SessionError) -> String {
    format!(
        "This result cannot be explored: the snapshot on the server failed. {}",
        session(error)
    )
}

/// An explorer request the kernel cannot read.
pub fn explorer_bad_request(problem: &str) -> String {
    format!("The explorer sent a request the kernel cannot read: {problem}.")
}

/// An explorer request that failed on the server.
pub fn explorer_request_failed(error: &SessionError) -> String {
    match error {
        SessionError::Spark(spark_connect::SparkError::Cancelled) => explorer_interrupted(),
        other => session(other),
    }
}

/// An explorer export that could not write its file.
pub fn explorer_export_failed(error: &crate::export::ExportError) -> String {
    format!("The export failed: {error}.")
}

/// An explorer request (or its snapshot) ended by an interrupt.
pub fn explorer_interrupted() -> String {
    "Interrupted: the next action tries again.".to_owned()
}

/// A view read live: too large (Spark's estimate) to keep a snapshot of unasked.
pub fn explorer_live(estimate: u64) -> String {
    let size = if estimate == u64::MAX {
        "Spark cannot estimate its size".to_owned()
    } else {
        format!(
            "Spark estimates it at {}",
            crate::render::human_bytes(estimate)
        )
    };
    format!(
        "Pages come from the live tables, read again for each page ({size}; \
         SPARK_SQL_KERNEL_EXPLORER_SNAPSHOT_BYTES). Keep a stable copy makes them stable and instant."
    )
}

/// An explorer request that waits while a cell runs.
pub fn explorer_paused() -> String {
    "Paused while a cell runs: it goes on when the cell ends.".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(why: Refusal) -> String {
        spark(&SparkError::Auth {
            address: "sc://h:15002".into(),
            code: "UNAUTHENTICATED".into(),
            message: "no".into(),
            refusal: why,
        })
    }

    #[test]
    fn a_refused_token_says_what_happened_then_what_to_do() {
        assert_eq!(
            refused(Refusal::Expired),
            "Spark Connect at sc://h:15002 did not accept the KBase token (UNAUTHENTICATED: no). \
             Your KBase token may have expired or rotated: log in to KBase again (or set a fresh \
             KBASE_AUTH_TOKEN), then run %reconnect."
        );
    }

    #[test]
    fn a_disabled_account_is_not_told_to_log_in_again() {
        let text = refused(Refusal::AccountDisabled);
        assert!(
            text.ends_with("your KBase account is disabled. Contact KBase support."),
            "{text}"
        );
    }

    #[test]
    fn an_unreachable_server_names_reconnect() {
        let text = spark(&SparkError::Unreachable {
            address: "sc://h:1".into(),
            reason: "refused".into(),
            refused: true,
        });
        assert!(text.ends_with("%reconnect tries again"), "{text}");
    }

    #[test]
    fn a_replaced_session_names_what_was_applied_again() {
        let replaced = Notice::Spark(SparkNotice::SessionReplaced {
            conf: true,
            user_keys: vec!["spark.sql.ansi.enabled".into()],
        });
        insta::assert_snapshot!(notice(&replaced), @"The Spark Connect server no longer had this kernel's session (it was closed, or the server restarted), so a fresh session was opened: SPARK_CONNECT_CONF and what %conf set (spark.sql.ansi.enabled) were applied again; temporary views, cached tables and settings made with SET are gone.");
    }

    #[test]
    fn errors_without_advice_keep_their_own_words() {
        assert_eq!(spark(&SparkError::Cancelled), "the query was cancelled");
    }
}
