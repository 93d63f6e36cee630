//! Unit tests of reading gRPC statuses into errors.

use super::*;
use crate::gateway::NoGateway;
use crate::server_error::{exception_name, short_name};

/// A status read with no gateway in front of the server.
fn read(status: &tonic::Status, address: &str) -> SparkError {
    SparkError::from_status(status, address, &NoGateway)
}

/// A gateway that refuses every statement by its rule, and says nothing else.
struct Strict;

#[derive(Debug, thiserror::Error)]
#[error("strict says no")]
struct StrictRule;

impl Gateway for Strict {
    fn read(&self, code: tonic::Code, _: &str) -> Option<GatewaySays> {
        (code == tonic::Code::PermissionDenied)
            .then(|| GatewaySays::Rule(std::sync::Arc::new(StrictRule)))
    }
}

#[test]
fn a_gateways_reading_wins_and_its_rule_is_the_errors_source() {
    let status = tonic::Status::permission_denied("no");
    let error = SparkError::from_status(&status, "sc://h:1", &Strict);
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("strict says no"), "{error:?}");
    let plain = read(&status, "sc://h:1");
    assert!(
        matches!(
            plain,
            SparkError::Auth {
                refusal: Refusal::NotAllowed,
                ..
            }
        ),
        "without a gateway, PERMISSION_DENIED is an account not allowed: {plain:?}"
    );
}

#[test]
fn a_server_failure_without_a_message_is_its_own_fact() {
    // What Spark 4.0.1 sends for a query nested 5,000 parentheses deep (a StackOverflowError).
    let error = read(&tonic::Status::unknown(""), "sc://h:1");
    let text = error.to_string();
    assert!(
        matches!(error, SparkError::ServerFailed { .. }),
        "{error:?}"
    );
    assert_eq!(
        text,
        "the Spark Connect server at sc://h:1 failed with a Java error and no message (UNKNOWN)",
        "a fact, without advice (the kernel's words add it)"
    );
}

#[test]
fn a_cancelled_stream_is_a_lost_connection_never_an_interrupt() {
    let status = tonic::Status::cancelled("h2 protocol error: stream reset");
    let error = read(&status, "sc://h:1");
    assert!(error.is_transient(), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("connection to Spark Connect was lost"),
        "{text}"
    );
    assert!(!text.contains("interrupt"), "{text}");
}

#[test]
fn a_message_over_a_size_limit_names_the_limit() {
    // tonic's own limit, and a proxy's (gRPC's default 4 MiB, as BERDL's keeps it).
    for status in [
        tonic::Status::out_of_range(
            "Error, decoded message length too large: found 200000123 bytes, the limit is: 134217728 bytes",
        ),
        tonic::Status::resource_exhausted(
            "CLIENT: Received message larger than max (5000494 vs. 4194304)",
        ),
    ]
    .into_iter()
    .zip(["128 MiB", "4 MiB"])
    {
        let error = read(&status.0, "sc://h:1");
        assert!(matches!(error, SparkError::TooLarge { .. }), "{error:?}");
        let proxy = (status.1 == "4 MiB").then_some(Oversized {
            bytes: 5000494,
            limit: 4194304,
        });
        assert_eq!(error.over_proxy_limit(), proxy);
        let text = error.to_string();
        assert!(text.contains(status.1), "{text}");
        assert!(!text.contains("substring("), "no advice below the kernel: {text}");
    }
}

#[test]
fn class_names_are_shortened() {
    assert_eq!(
        short_name("org.apache.spark.sql.AnalysisException"),
        "AnalysisException"
    );
    assert_eq!(
        short_name("org.apache.spark.sql.catalyst.parser.ParseException"),
        "ParseException"
    );
    assert_eq!(short_name("Foo$Bar"), "Bar");
    assert_eq!(short_name(""), "SparkException");
    let classes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let extended = classes(&[
        "org.apache.spark.sql.catalyst.ExtendedAnalysisException",
        "org.apache.spark.sql.AnalysisException",
        "java.lang.Exception",
    ]);
    assert_eq!(exception_name(&extended), "AnalysisException");
    let arithmetic = classes(&[
        "org.apache.spark.SparkArithmeticException",
        "java.lang.ArithmeticException",
    ]);
    assert_eq!(exception_name(&arithmetic), "SparkArithmeticException");
    assert_eq!(exception_name(&[]), "SparkException");
}

#[test]
fn the_headline_carries_class_and_sqlstate_once() {
    let mut e = ServerError {
        error_class: Some("DIVIDE_BY_ZERO".into()),
        sql_state: Some("22012".into()),
        message: "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012\n== SQL ==".into(),
        ..ServerError::default()
    };
    assert_eq!(
        e.headline(),
        "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
    );
    e.message = "Division by zero.".into();
    assert_eq!(
        e.headline(),
        "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
    );
}

#[test]
fn a_token_refused_for_no_named_reason_may_have_expired() {
    let e = read(
        &tonic::Status::unauthenticated("Authentication failed. Please check your token."),
        "sc://h:15002",
    );
    assert!(
        matches!(
            e,
            SparkError::Auth {
                refusal: Refusal::Expired,
                ..
            }
        ),
        "{e:?}"
    );
}
