//! BERDL's gateway as the Spark client reads it: its public proxy and its pod's interceptors
//! answer some calls themselves (a refused or unchecked token, a server that is not running,
//! the namespace check), in texts of their own (`docs/berdl.md` quotes them).
//! [`Berdl`] reads those texts into the client's typed facts; the token also travels in
//! `x-kbase-token`, where the interceptors read it.
//! Must not: word anything for users (the kernel does), or read Spark's own errors.

use std::fmt;

use spark_connect::{Gateway, GatewaySays, Refusal};
use tonic::Code;

/// The headers BERDL's interceptors read the bare token from.
pub const TOKEN_HEADERS: &[&str] = &["x-kbase-token"];

/// The gateway in front of a BERDL Spark Connect server.
#[derive(Debug, Clone, Copy, Default)]
pub struct Berdl;

impl Gateway for Berdl {
    fn read(&self, code: Code, message: &str) -> Option<GatewaySays> {
        match code {
            Code::Unauthenticated if is_proxy_auth_trouble(message) => {
                Some(GatewaySays::CannotCheckToken)
            }
            Code::PermissionDenied if Governance::read(message).is_some() => {
                let refused = Governance::read(message)?;
                Some(GatewaySays::Rule(std::sync::Arc::new(refused)))
            }
            Code::Unauthenticated | Code::PermissionDenied => {
                Some(GatewaySays::Refused(refusal(code, message)))
            }
            Code::FailedPrecondition if message.contains("is not reachable") => {
                Some(GatewaySays::ServerNotRunning)
            }
            _ => None,
        }
    }
}

/// BERDL's public proxy could not ask Auth2 (`Auth service error: …`, `Auth service timed
/// out`, `Auth service returned status 502`, `Invalid auth response: …`); a 403 from Auth2 is a
/// disabled account, which is the token's owner's trouble.
fn is_proxy_auth_trouble(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    (lower.starts_with("auth service") && !lower.starts_with("auth service returned status 403"))
        || lower.starts_with("invalid auth response")
}

/// Why the token was refused, from the texts BERDL's proxy and interceptors send.
fn refusal(code: Code, message: &str) -> Refusal {
    let lower = message.to_ascii_lowercase();
    if code == Code::PermissionDenied && lower.contains("not authorized to access this cluster") {
        return Refusal::OtherUsersServer;
    }
    if code == Code::PermissionDenied {
        return Refusal::NotAllowed;
    }
    if lower.starts_with("auth service returned status 403") {
        return Refusal::AccountDisabled;
    }
    if lower.contains("multi-factor") {
        return Refusal::NeedsMfa;
    }
    if lower.contains("missing") || lower.contains("no authentication token") {
        return Refusal::NoToken;
    }
    Refusal::Expired
}

/// The namespace check's refusal: the database it refused and the prefixes it allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Governance {
    pub database: String,
    pub prefixes: Vec<String>,
}

impl Governance {
    /// Reads `Database name '<name>' is not allowed. … prefixes: [a, b]. …`.
    pub fn read(message: &str) -> Option<Governance> {
        let rest = message.strip_prefix("Database name '")?;
        let end = rest.find("' is not allowed")?;
        let list_at = rest.find("prefixes: [")? + "prefixes: [".len();
        let list = &rest[list_at..list_at + rest[list_at..].find(']')?];
        Some(Governance {
            database: rest[..end].to_owned(),
            prefixes: list
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

impl fmt::Display for Governance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the namespace check of the Spark Connect server refused database '{}'",
            self.database
        )
    }
}

impl std::error::Error for Governance {}

#[cfg(test)]
mod tests {
    use super::*;

    fn says(code: Code, message: &str) -> Option<GatewaySays> {
        Berdl.read(code, message)
    }

    #[test]
    fn the_proxys_trouble_reaching_auth2_is_not_a_refused_token() {
        for message in [
            "Auth service error: [Errno 111] Connection refused",
            "Auth service timed out",
            "Auth service returned status 502",
            "Invalid auth response: missing user",
        ] {
            let read = says(Code::Unauthenticated, message);
            assert!(
                matches!(read, Some(GatewaySays::CannotCheckToken)),
                "{message}: {read:?}"
            );
        }
        let disabled = says(Code::Unauthenticated, "Auth service returned status 403");
        assert!(
            matches!(
                disabled,
                Some(GatewaySays::Refused(Refusal::AccountDisabled))
            ),
            "Auth2's 403 is a disabled account: {disabled:?}"
        );
    }

    #[test]
    fn refusals_are_read_from_the_texts_of_the_proxy_and_the_interceptors() {
        let cases = [
            (
                Code::PermissionDenied,
                "User 'bob' is not authorized to access this cluster. This cluster belongs to 'alice'.",
                Refusal::OtherUsersServer,
            ),
            (Code::PermissionDenied, "not allowed", Refusal::NotAllowed),
            (
                Code::Unauthenticated,
                "This endpoint requires a token created with multi-factor authentication",
                Refusal::NeedsMfa,
            ),
            (Code::Unauthenticated, "Missing x-kbase-token", Refusal::NoToken),
            (
                Code::Unauthenticated,
                "Authentication failed. Please check your token.",
                Refusal::Expired,
            ),
        ];
        for (code, message, expected) in cases {
            let read = says(code, message);
            assert!(
                matches!(read, Some(GatewaySays::Refused(r)) if r == expected),
                "{message}: {read:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn the_namespace_refusal_is_a_rule_that_names_the_database_and_the_prefixes() {
        let text = "Database name 'bob_stuff' is not allowed. Unqualified Delta/Hive database names must start with one of the following prefixes: [u_alice__, kbase_]. Catalog-qualified Iceberg namespaces must use one of the following catalogs: []. Use create_namespace_if_not_exists() to create databases with the correct prefix.";
        let g = Governance::read(text).expect("the refusal is read");
        assert_eq!(g.database, "bob_stuff");
        assert_eq!(g.prefixes, ["u_alice__", "kbase_"]);
        assert!(
            Governance::read("User 'x' is not authorized").is_none(),
            "{:?}",
            Governance::read("User 'x' is not authorized")
        );
        let Some(GatewaySays::Rule(rule)) = says(Code::PermissionDenied, text) else {
            panic!("a governance refusal is a rule of the gateway");
        };
        assert_eq!(rule.downcast_ref::<Governance>(), Some(&g));
    }

    #[test]
    fn a_server_that_is_not_running_is_said_by_the_proxy() {
        let read = says(
            Code::FailedPrecondition,
            "Spark Connect server for alice is not reachable",
        );
        assert!(
            matches!(read, Some(GatewaySays::ServerNotRunning)),
            "{read:?}"
        );
        assert!(
            says(Code::Internal, "boom").is_none(),
            "Spark's own errors are not its"
        );
    }
}
