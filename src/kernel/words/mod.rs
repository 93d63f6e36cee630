//! Words for what lower layers report as typed facts: what to do about an error (they say what
//! happened; this adds what to check and which magic helps, `%reconnect`, `%whoami`), and the
//! notices of a session (a lost session replaced, a setting `%conf` made not applied). The one
//! place such words are written.
//! Must not: decide what happened (lower layers' errors say it) or build HTML.

mod kept;
mod workbench;

pub use kept::*;
pub use workbench::*;

use crate::auth::{AuthError, AuthNotice};
use crate::config::{ConfError, Problem, DEFAULT_PORT};
use crate::kernel::explorer::{Ended, Failure};
use crate::session::{SessionError, SessionNotice};
use spark_connect::{ProxyTrouble, UnusableUrl};
use spark_connect::{Refusal, SettingFrom, SparkError, SparkNotice, TlsTrouble};

/// A Spark Connect error as the user reads it: what happened, then what to do.
pub fn spark(error: &SparkError) -> String {
    let fact = spark_fact(error);
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

/// What happened, explained where the error's kind says more than its fact (the likely
/// cause of a failure without a message, what a TLS failure means), without what to do next.
pub fn spark_fact(error: &SparkError) -> String {
    let fact = error.to_string();
    match error {
        SparkError::Auth {
            address,
            code,
            message,
            ..
        } => format!("Spark Connect at {address} did not accept the KBase token ({code}: {message})"),
        SparkError::AuthUnchecked { address, message } => format!("the Spark Connect proxy at {address} could not check your KBase token with KBase Auth2 ({message}). The token was not refused: this is the proxy's trouble reaching Auth2. Run the cell again in a minute; if it persists, KBase Auth2 or the proxy has an outage"),
        SparkError::ServerNotRunning { address, message } => format!("your notebook's Spark Connect server is not running: the Spark Connect proxy at {address} cannot reach it ({message})"),
        SparkError::BadToken => "the KBase token cannot be sent as a gRPC header: it holds characters other than visible ASCII".to_owned(),
        SparkError::Rule { .. } => with_causes(error),
        SparkError::Tls { trouble, cause, .. } => {
            let hint = match trouble {
                TlsTrouble::NotTls => " (the server does not seem to speak TLS: check SPARK_CONNECT_USE_SSL or ;use_ssl=true)",
                TlsTrouble::OtherName => " (the certificate names another host than the server's: check the host of SPARK_CONNECT_URL; through a proxy, TLS still goes to the server's own name)",
                TlsTrouble::Untrusted => " (the server's TLS certificate is not trusted by the system or webpki roots; when a private CA signed it, set SSL_CERT_FILE to that CA's PEM file)",
                TlsTrouble::Other => "",
            };
            format!("{fact}: {cause}{hint}")
        }
        SparkError::ServerFailed { .. } => format!("{fact}: most often the query is nested too deeply (a StackOverflowError: thousands of parentheses, subqueries or ORs) or the server ran out of memory (an OutOfMemoryError: a result or a join too large for it). Simplify the query or ask for less data at once; if every query now fails, restart your Spark Connect server"),
        SparkError::TooLarge { .. } => format!("{fact}: a single value or row of the result is that large. Servers from Spark 4.1 on send such values in chunks; on this one, select a part of the value (substring(col, 1, 100000), length(col)) instead of all of it"),
        SparkError::Stalled {
            address,
            seconds,
            during,
        } => format!("the Spark Connect server at {address} did not answer for {seconds} s {during}, so the kernel stopped waiting (SPARK_CONNECT_STALL_TIMEOUT). The server may be frozen or overloaded, or the network to it is cut"),
        SparkError::StreamEndsEmpty { address, times } => format!("the result stream from {address} ended {times} times in a row before the result was complete and without a single message, so the kernel stopped reattaching to it: something between the kernel and Spark ends the stream"),
        SparkError::Decode(cause) => {
            format!("Spark sent a result the kernel cannot read: {cause}")
        }
        _ => fact,
    }
}

/// An error and its causes, as one line: `error: cause: cause's cause`. A cause whose words
/// the line already holds is not repeated.
pub fn with_causes(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = e.source();
    }
    line
}

/// What the summary under a result table suggests.
pub const TABLE_HINTS: crate::render::Hints = crate::render::Hints {
    more_rows: "%limit N shows more",
    cut: "%truncate N changes this",
    too_heavy: "(SPARK_SQL_KERNEL_MAX_OUTPUT_MB); narrow the query, or write all rows to a file with %%export PATH",
};

/// A setting that could not be used as given, and what the kernel does instead.
pub fn setting(problem: &Problem) -> String {
    match problem {
        Problem::Number {
            name,
            raw,
            min,
            default,
        } => {
            let what = if *min == 0 {
                "is not a whole number (0 or more)"
            } else {
                "is not a positive number"
            };
            format!("{name}={raw:?} {what}; using {default}")
        }
        Problem::Port { raw } => format!(
            "SPARK_CONNECT_PORT={raw:?} is not a port number (1-65535); using {DEFAULT_PORT}"
        ),
        Problem::UseSsl { raw } => {
            format!("SPARK_CONNECT_USE_SSL={raw:?} is not true or false; using false")
        }
        Problem::Explorer { raw } => {
            format!("SPARK_SQL_KERNEL_EXPLORER={raw:?} is not on or off; the explorer is on")
        }
        Problem::ActivityLog { raw } => format!(
            "SPARK_SQL_KERNEL_ACTIVITY_LOG={raw:?} is not true or false; the activity log is off"
        ),
        Problem::ResultViews { raw } => format!(
            "SPARK_SQL_KERNEL_RESULT_VIEWS={raw:?} is not on or off; results become views _N"
        ),
        Problem::Conf(reason) => match reason.as_ref() {
            ConfError::Json(cause) => {
                format!("SPARK_CONNECT_CONF is ignored: {reason} ({cause})")
            }
            _ => format!("SPARK_CONNECT_CONF is ignored: {reason}"),
        },
        Problem::UrlScheme => {
            "SPARK_CONNECT_URL must start with sc:// (for example sc://host:15002)".to_owned()
        }
        Problem::Proxy(ignored) => {
            let advice = match ignored.reason {
                UnusableUrl::Https | UnusableUrl::Scheme(_) => {
                    "; use http://, socks5:// or socks5h://"
                }
                UnusableUrl::NotAUrl | UnusableUrl::NoHost => "",
            };
            format!(
                "{} is ignored: {}{advice}",
                ignored.variable, ignored.reason
            )
        }
    }
}

/// A KBase Auth2 error as the user reads it: what happened, then what to do.
pub fn auth(error: &AuthError) -> String {
    let fact = error.to_string();
    let relogin =
        "Log in to KBase again (or set a fresh KBASE_AUTH_TOKEN), then run the cell again";
    let advice = match error {
        AuthError::NoToken { file } => format!("Set KBASE_AUTH_TOKEN, or log in to KBase in JupyterHub so that {file} is written, then run the cell again"),
        AuthError::MissingToken { .. } => "Set KBASE_AUTH_TOKEN or KBASE_TOKEN_FILE".to_owned(),
        AuthError::Invalid { .. } | AuthError::Expired { .. } => relogin.to_owned(),
        AuthError::Disabled { .. } => "Contact KBase support".to_owned(),
        AuthError::Unreachable { .. } => "Check KBASE_AUTH_URL and the network".to_owned(),
        AuthError::Unavailable { .. } => "Run the cell again in a minute".to_owned(),
        AuthError::BadAnswer { .. } => "Check that KBASE_AUTH_URL points at the Auth2 service, e.g. https://kbase.us/services/auth/".to_owned(),
        AuthError::UserChanged { now, .. } => format!("Restart the kernel to work as {now}"),
        AuthError::Proxy {
            proxy,
            variable,
            trouble,
            ..
        } => proxy_advice(*trouble, proxy, variable),
        AuthError::TokenFile { .. } | AuthError::Rejected { .. } => return fact,
    };
    format!("{fact}. {advice}")
}

/// A session's error as the user reads it.
pub fn session(error: &SessionError) -> String {
    match error {
        SessionError::Spark(e) => spark(e),
        SessionError::Auth(e) => auth(e),
        other => with_causes(other),
    }
}

/// A session's notice, as one line.
pub fn notice(notice: &SessionNotice) -> String {
    match notice {
        SessionNotice::Auth(AuthNotice::WorkingThroughOutage {
            error,
            user,
            expires,
        }) => {
            let until = expires.map_or("it never expires".to_owned(), |e| {
                format!("valid until {}", e.format("%Y-%m-%d %H:%M UTC"))
            });
            format!(
                "{}. Working on as {user} with the token's last validation ({until}) until Auth2 answers again.",
                auth(error)
            )
        }
        SessionNotice::Spark(SparkNotice::ServerWarning(text)) => text.clone(),
        SessionNotice::Spark(SparkNotice::NotApplied { from, key, error }) => {
            let origin = match from {
                SettingFrom::Environment => "SPARK_CONNECT_CONF",
                SettingFrom::User => "%conf",
            };
            format!("{origin}: {key} was not applied: {error}")
        }
        SessionNotice::Spark(SparkNotice::SessionReplaced {
            conf,
            user_keys,
            views,
        }) => {
            let mut applied = Vec::new();
            if *conf {
                applied.push("SPARK_CONNECT_CONF".to_owned());
            }
            if !user_keys.is_empty() {
                applied.push(format!("what %conf set ({})", user_keys.join(", ")));
            }
            if *views > 0 {
                applied.push(format!("the results _N ({views})"));
            }
            let again = if applied.is_empty() {
                String::new()
            } else {
                format!(" {} were applied again;", applied.join(" and "))
            };
            format!(
                "The Spark Connect server no longer had this kernel's session (it was closed, \
                 or the server restarted), so a fresh session was opened:{again} your own \
                 temporary views, cached tables and settings made with SET are gone."
            )
        }
        SessionNotice::Spark(SparkNotice::ViewNotDefined { name, error }) => {
            format!(
                "{name} could not be defined again in the fresh session, so it is gone: {error}"
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
pub fn explorer_gone(why: crate::explorer_model::protocol::Gone, cap: usize) -> String {
    use crate::explorer_model::protocol::Gone;
    match why {
        Gone::Unknown => "This kernel no longer has this result (it restarted since): re-run the cell to explore.".to_owned(),
        Gone::Evicted => format!(
            "Closed to keep at most {cap} explorable results on the server \
             (SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS): re-run the cell to explore."
        ),
        Gone::Failed => "This result cannot be explored.".to_owned(),
    }
}

/// An explorer request that got no answer, as its view shows it.
pub fn explorer_failure(failure: &Failure) -> String {
    match failure {
        Failure::Interrupted => explorer_interrupted(),
        Failure::Ended(ended) => explorer_ended(ended),
        Failure::BadRequest(problem) => explorer_bad_request(&problem.to_string()),
        Failure::Misrouted(op) => explorer_bad_request(op),
        Failure::Session(error) => explorer_request_failed(error),
        Failure::Export(error) => explorer_export_failed(error),
        Failure::Unreadable(error) => error.to_string(),
    }
}

/// Why a view's snapshot can no longer be explored.
pub fn explorer_ended(ended: &Ended) -> String {
    match ended {
        Ended::Evicted { cap } => {
            explorer_gone(crate::explorer_model::protocol::Gone::Evicted, *cap)
        }
        Ended::Failed(error) => explorer_failed(error),
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
    format!("The export failed: {}.", with_causes(error))
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

    #[test]
    fn settings_problems_read_as_sentences_with_what_is_used_instead() {
        let settings = crate::config::Settings::from_vars(|name| {
            let value = match name {
                "SPARK_CONNECT_PORT" => "http",
                "SPARK_SQL_KERNEL_EXPLORER" => "maybe",
                "SPARK_CONNECT_CONF" => "{oops",
                "grpc_proxy" => "https://p:443",
                "SPARK_SQL_KERNEL_MAX_ROWS" => "0",
                _ => return None,
            };
            Some(value.to_owned())
        });
        let texts: Vec<String> = settings.problems().iter().map(setting).collect();
        let expected = [
            "grpc_proxy is ignored: a proxy spoken to over TLS (https://) is not supported; use http://, socks5:// or socks5h://",
            "SPARK_CONNECT_PORT=\"http\" is not a port number (1-65535); using 15002",
            "SPARK_SQL_KERNEL_MAX_ROWS=\"0\" is not a positive number; using 100",
            "SPARK_SQL_KERNEL_EXPLORER=\"maybe\" is not on or off; the explorer is on",
        ];
        for text in expected {
            assert!(
                texts.iter().any(|t| t == text),
                "{text:?} not among {texts:#?}"
            );
        }
        let conf = texts
            .iter()
            .find(|t| t.starts_with("SPARK_CONNECT_CONF is ignored: it is not JSON ("));
        assert!(conf.is_some(), "the JSON error is named once: {texts:#?}");
    }

    #[test]
    fn errors_that_need_advice_get_it_after_the_fact() {
        let failed = SparkError::ServerFailed {
            address: "sc://h:1".into(),
            code: "Unknown".into(),
        };
        let text = spark(&failed);
        assert!(
            text.starts_with(&failed.to_string()),
            "the fact comes first: {text}"
        );
        assert!(text.contains("nested too deeply"), "{text}");
        assert!(text.contains("ran out of memory"), "{text}");
        let large = SparkError::TooLarge {
            address: "sc://h:1".into(),
            limit_mib: 4,
            bytes: Some(5_000_494),
            message: "larger than max".into(),
        };
        assert!(
            spark(&large).contains("substring(col, 1, 100000)"),
            "{}",
            spark(&large)
        );
        let unreadable = SparkError::Decode(spark_connect::Unreadable::Missing("plan"));
        assert_eq!(
            spark(&unreadable),
            "Spark sent a result the kernel cannot read: no plan in the answer"
        );
        let unchecked = SparkError::AuthUnchecked {
            address: "sc://h:1".into(),
            message: "503".into(),
        };
        assert!(
            spark(&unchecked).contains(". The token was not refused"),
            "{}",
            spark(&unchecked)
        );
    }

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
        let replaced = SessionNotice::Spark(SparkNotice::SessionReplaced {
            conf: true,
            user_keys: vec!["spark.sql.ansi.enabled".into()],
            views: 2,
        });
        insta::assert_snapshot!(notice(&replaced), @"The Spark Connect server no longer had this kernel's session (it was closed, or the server restarted), so a fresh session was opened: SPARK_CONNECT_CONF and what %conf set (spark.sql.ansi.enabled) and the results _N (2) were applied again; your own temporary views, cached tables and settings made with SET are gone.");
    }

    #[test]
    fn errors_without_advice_keep_their_own_words() {
        assert_eq!(spark(&SparkError::Cancelled), "the query was cancelled");
    }
}
