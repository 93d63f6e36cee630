//! The kernel against servers that behave as BERDL's real ones (`tests/berdl/proxy.py` in front
//! of the run's Spark server): errors through the public proxy read as on a direct connection,
//! the namespace (governance) check, comments that mention CREATE DATABASE, MFA, a pod whose
//! Spark server is down.

use serde_json::json;

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::reading::{failing, ok, result_text, Failure};
use crate::harness::spark::{self, kernel_settings, table};
use crate::harness::standin::AuthStandin;
use crate::harness::Frontend;

/// `host:port` of the run's server.
fn backend() -> String {
    spark::url().trim_start_matches("sc://").to_owned()
}

async fn kernel_through(proxy: &BerdlProxy, auth: &AuthStandin) -> Frontend {
    Frontend::start(kernel_settings(auth, &spark::token(), &proxy.url, &[])).await
}

/// The four error classes of the Spark tests, through the public proxy and directly: the same
/// ename, evalue and traceback (so the same class, SQLSTATE and marked fragment), no plan, no
/// gRPC code.
#[tokio::test]
async fn spark_errors_through_the_public_proxy_read_as_on_a_direct_connection() {
    let auth = spark::standin();
    let proxy = BerdlProxy::start(Mode::Public, &backend(), &auth.url);
    let mut direct = spark::kernel(&auth).await;
    let mut proxied = kernel_through(&proxy, &auth).await;
    for sql in [
        "SELECT 1 AS ok,\n  nope + 1\nFROM range(3)",
        "SELECT * FROM no_such_table_here",
        "SELEC 1",
        "SELECT 1 / 0 AS x",
    ] {
        let Failure {
            ename,
            evalue,
            traceback: tb,
        } = failing(&mut proxied, sql).await;
        eprintln!("through the proxy: {ename}: {evalue}\n{tb}");
        let expected = failing(&mut direct, sql).await;
        assert_eq!(
            (ename, evalue, &tb),
            (expected.ename, expected.evalue, &expected.traceback),
            "{sql}: the same error through the proxy as on a direct connection"
        );
        for word in ["INTERNAL", "GlobalLimit", "LocalLimit", "SparkConnectError"] {
            assert!(!tb.contains(word), "{sql}: {tb}");
        }
    }
}

#[tokio::test]
async fn the_namespace_check_is_explained_and_comments_never_trip_it() {
    let auth = spark::standin();
    let prefix = format!("{}__", table("u_alice_smith"));
    let prefixes = format!("{prefix},kbase_");
    let proxy = BerdlProxy::start(
        Mode::Pod {
            owner: "alice_smith",
            prefixes: &prefixes,
        },
        &backend(),
        &auth.url,
    );
    let mut k = kernel_through(&proxy, &auth).await;
    let Failure {
        ename,
        evalue,
        traceback: tb,
    } = failing(&mut k, "CREATE DATABASE bob_stuff").await;
    assert_eq!(ename, "GovernanceError");
    assert!(evalue.contains("bob_stuff"), "{evalue}");
    assert!(evalue.contains(&format!("{prefix}, kbase_")), "{evalue}");
    let works = format!("CREATE DATABASE {prefix}bob_stuff");
    assert!(
        evalue.ends_with(&format!("This works: {works}")),
        "{evalue}"
    );
    assert!(!tb.contains("token"), "{tb}");
    assert!(!tb.contains("create_namespace_if_not_exists"), "{tb}");
    // The SQL it suggests is accepted.
    ok(&k.execute(&works).await);
    // Comments that mention CREATE DATABASE/SCHEMA are not SQL.
    let t = k
        .execute("SELECT 1 AS one -- later: CREATE DATABASE scratch\n/* CREATE SCHEMA x */")
        .await;
    ok(&t);
    assert!(result_text(&t).contains("one"), "{:?}", result_text(&t));
    // A hint is not a comment: Spark still applies it.
    let t = k
        .execute("%truncate 0\nEXPLAIN SELECT /*+ REPARTITION(7) */ * FROM range(10) -- CREATE DATABASE y")
        .await;
    ok(&t);
    let plan = result_text(&t);
    assert!(plan.contains("RoundRobinPartitioning(7)"), "{plan}");
    // Text inside a string literal is what the check misreads.
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 'how to create database foo' AS tip").await;
    assert_eq!(ename, "GovernanceError");
    assert!(evalue.contains("misread"), "{evalue}");
    assert!(evalue.contains("'CREATE ' || 'DATABASE foo'"), "{evalue}");
    ok(&k.execute(&format!("DROP DATABASE {prefix}bob_stuff")).await);
}

#[tokio::test]
async fn a_token_without_mfa_is_told_to_log_in_with_mfa() {
    let auth = AuthStandin::start(
        json!({"tokens": {spark::token(): {"user": "alice_smith", "type": "Login", "mfa": "NotUsed"}}, "users": {}}),
        &[],
    );
    let proxy = BerdlProxy::start(Mode::Public, &backend(), &auth.url);
    let mut k = kernel_through(&proxy, &auth).await;
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(
        evalue.contains("multi-factor authentication (MFA)"),
        "{evalue}"
    );
    assert!(
        evalue.contains("log in to KBase again with MFA"),
        "{evalue}"
    );
    assert!(evalue.contains("%reconnect"), "{evalue}");
    assert!(!evalue.contains("expired or rotated"), "{evalue}");
}

#[tokio::test]
async fn a_pod_whose_spark_server_is_down_is_named_as_such() {
    let auth = spark::standin();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nothing = free.local_addr().unwrap().to_string();
    drop(free);
    let proxy = BerdlProxy::start(Mode::Public, &nothing, &auth.url);
    // With the wait for a starting server off (tests/integration/starting.rs has it on).
    let off = [("SPARK_CONNECT_WAIT_TIMEOUT", "0")];
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &proxy.url, &off)).await;
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "SparkConnectError");
    assert!(
        evalue.starts_with("your notebook's Spark Connect server is not running"),
        "{evalue}"
    );
}

/// Ordinary results never trip the public proxy's 4 MiB limit: 10,000-row Arrow batches of
/// about 4 MB each, exported whole (wide rows on every Spark line: lines.rs).
#[tokio::test]
async fn ordinary_results_pass_the_public_proxys_4_mib_limit() {
    let auth = spark::standin();
    let proxy = BerdlProxy::start(Mode::Public, &backend(), &auth.url);
    let mut k = kernel_through(&proxy, &auth).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rows.csv");
    let cell = format!(
        "%%export {}\nSELECT id, repeat('x', 400) AS s FROM range(0, 50000, 1, 1)",
        file.display()
    );
    ok(&k.execute(&cell).await);
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert_eq!(lines, 50_001, "a header and every row");
}

/// BERDL's interceptors echo the request's token headers in the trailers of a refusal: nothing
/// of them reaches the error, the outputs or the kernel's log (the real binary at `trace`).
#[tokio::test]
async fn trailers_that_echo_the_token_reach_no_output_error_or_log() {
    let auth = spark::standin();
    let pod = Mode::Pod {
        owner: "alice_smith",
        prefixes: "",
    };
    let proxy = BerdlProxy::start(pod, &backend(), &auth.url);
    let bob = spark::OTHER;
    let mut k = Frontend::start(kernel_settings(&auth, bob, &proxy.url, &[])).await;
    let t = k.execute("SELECT 1").await;
    let e = crate::harness::reading::error(&t);
    let evalue = e["evalue"].as_str().unwrap_or_default();
    assert!(
        evalue.contains("not authorized to access this cluster"),
        "{evalue}"
    );
    let everything =
        serde_json::to_string(&t.iopub.iter().map(|m| &m.content).collect::<Vec<_>>()).unwrap();
    assert!(!everything.contains(bob), "the token is in an output");
    let vars = [
        ("KBASE_AUTH_URL", auth.url.as_str()),
        ("KBASE_AUTH_TOKEN", bob),
        ("SPARK_CONNECT_URL", proxy.url.as_str()),
        ("SPARK_SQL_KERNEL_LOG", "trace"),
    ];
    // The in-process kernel above waits meanwhile: nothing of it is needed here.
    let (passed, text) = crate::harness::binary::check(&vars);
    assert!(!passed, "{text}");
    assert!(
        text.contains("not authorized to access this cluster"),
        "{text}"
    );
    assert!(
        text.contains("TRACE"),
        "the log is on: {}",
        &text[..text.len().min(500)]
    );
    assert!(
        !text.contains(bob),
        "the token is in the log or the check's output"
    );
}

/// The public proxy cannot reach Auth2 (its own trouble, `Auth service error: …`): the kernel says
/// so, and never that the token expired.
#[tokio::test]
async fn the_proxys_trouble_reaching_auth2_is_not_called_an_expired_token() {
    let auth = spark::standin();
    let dead = format!("http://127.0.0.1:{}/", crate::harness::pproxy::free_port());
    let proxy = BerdlProxy::start(Mode::Public, &backend(), &dead);
    let mut k = kernel_through(&proxy, &auth).await;
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "SparkConnectError");
    assert!(
        evalue.contains("could not check your KBase token with KBase Auth2 (Auth service error: "),
        "{evalue}"
    );
    assert!(evalue.contains("The token was not refused"), "{evalue}");
    assert!(!evalue.contains("expired"), "{evalue}");
}
