//! Failures as the user reads them: Spark's error classes with the faulty fragment, a cell that
//! stops at its first failure, a refused token, an unreachable server, TLS to plaintext.

use std::time::{Duration, Instant};

use crate::harness::reading::{assert_class, assert_no_such_view, error, failing, shown, Failure};
use crate::harness::spark::{self, table};
use crate::harness::Frontend;

#[tokio::test]
async fn spark_errors_show_class_sqlstate_and_the_faulty_fragment() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;

    let Failure {
        ename,
        evalue,
        traceback: tb,
    } = failing(
        &mut k,
        "SELECT 1 AS a;\nSELECT id,\n       nope + 1\nFROM range(3)",
    )
    .await;
    assert_eq!(ename, "AnalysisException");
    assert!(
        evalue.starts_with("[UNRESOLVED_COLUMN.WITH_SUGGESTION]"),
        "{evalue}"
    );
    assert!(evalue.contains("SQLSTATE: 42703"), "{evalue}");
    assert!(tb.contains("line 3 of the cell:"), "{tb}");
    assert!(
        tb.contains("\n         nope + 1\n         \u{1b}[1;31m^^^^\u{1b}[0m"),
        "{tb}"
    );

    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT * FROM no_such_table_here").await;
    assert_eq!(ename, "AnalysisException");
    assert_class(&evalue, "TABLE_OR_VIEW_NOT_FOUND", "42P01");

    let Failure {
        ename,
        evalue,
        traceback: tb,
    } = failing(&mut k, "SELEC 1").await;
    assert_eq!(ename, "ParseException");
    assert_class(&evalue, "PARSE_SYNTAX_ERROR", "42601");
    assert!(tb.contains("SELEC"), "{tb}");

    // What Spark echoes of a statement is what the user wrote, comments included.
    let Failure {
        ename,
        evalue,
        traceback: tb,
    } = failing(
        &mut k,
        "-- count the genes\nSELECT count(*) FRM range(3) -- oops",
    )
    .await;
    assert_eq!(ename, "ParseException");
    let shown = format!("{evalue}\n{tb}");
    assert!(shown.contains("-- count the genes"), "{shown}");
    assert!(shown.contains("FRM range(3) -- oops"), "{shown}");

    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1 / 0 AS x").await;
    assert_eq!(ename, "SparkArithmeticException");
    assert_class(&evalue, "DIVIDE_BY_ZERO", "22012");
}

#[tokio::test]
async fn a_cell_stops_at_its_first_failing_statement() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let view = table("v");
    let t = k
        .execute(&format!(
            "SELECT 1 AS first;\nSELECT nope;\nCREATE TEMPORARY VIEW {view} AS SELECT 1"
        ))
        .await;
    let e = error(&t);
    assert_eq!(e["ename"], "AnalysisException");
    // The first result is still shown; the statement after the failure never ran.
    assert_eq!(shown(&t).len(), 1);
    assert_no_such_view(&mut k, &view).await;
}

#[tokio::test]
async fn a_token_spark_does_not_accept_is_a_kbase_auth_error() {
    let auth = spark::standin();
    let mut k = Frontend::start(spark::kernel_settings(
        &auth,
        spark::OTHER,
        &spark::url(),
        &[],
    ))
    .await;
    let Failure {
        ename,
        evalue,
        traceback: tb,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(evalue.contains("UNAUTHENTICATED"), "{evalue}");
    assert!(evalue.contains("%reconnect"), "{evalue}");
    assert!(!evalue.contains(spark::OTHER), "{evalue:?}");
    assert!(!tb.contains(spark::OTHER), "{tb:?}");
}

/// The evalue of a `SparkConnectError` for `SELECT 1` against `url`, which must come within 10 s
/// (with the wait for a starting server off: tests/integration/starting.rs has it on).
pub async fn connection_error_within_seconds(
    auth: &crate::harness::standin::AuthStandin,
    url: &str,
) -> String {
    let off = [("SPARK_CONNECT_WAIT_TIMEOUT", "0")];
    let mut k = Frontend::start(spark::kernel_settings(auth, &spark::token(), url, &off)).await;
    let started = Instant::now();
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ename, "SparkConnectError");
    evalue
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error_within_seconds() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("sc://127.0.0.1:{port}");
    let auth = spark::standin();
    let evalue = connection_error_within_seconds(&auth, &url).await;
    assert!(
        evalue.contains(&format!("cannot reach Spark Connect at {url}")),
        "{evalue}"
    );
    assert!(evalue.to_lowercase().contains("refused"), "{evalue}");
}

#[tokio::test]
async fn tls_to_a_plaintext_server_fails_clearly_within_seconds() {
    let auth = spark::standin();
    let url = format!("{}/;use_ssl=true", spark::url());
    let evalue = connection_error_within_seconds(&auth, &url).await;
    assert!(evalue.contains("/;use_ssl=true"), "{evalue}");
    assert!(evalue.contains("does not seem to speak TLS"), "{evalue}");
}
