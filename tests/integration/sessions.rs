//! The Spark session over time: `%conf`, `%reconnect`, a session the server closed, and a
//! private server frozen (SIGSTOP), killed and started again.

use std::time::{Duration, Instant};

use spark_connect::SparkNotice;
use tokio_util::sync::CancellationToken;

use crate::harness::reading::{
    assert_class, assert_no_such_view, error, failing, ok, result_text, stderr, Failure,
};
use crate::harness::spark::{self, client, creds, table, PrivateServer};
use crate::harness::standin::AuthStandin;
use crate::harness::Frontend;

#[tokio::test]
async fn conf_shows_and_sets_settings_and_spark_refuses_bad_values() {
    let auth = spark::standin();
    let settings = spark::kernel_settings(
        &auth,
        &spark::token(),
        &spark::url(),
        &[(
            "SPARK_CONNECT_CONF",
            r#"{"spark.sql.session.timeZone": "Asia/Tokyo"}"#,
        )],
    );
    let mut k = Frontend::start(settings).await;
    let t = k.execute("%conf spark.sql.session.timeZone").await;
    assert!(
        result_text(&t).contains("Asia/Tokyo"),
        "SPARK_CONNECT_CONF applied: {}",
        result_text(&t)
    );
    let t = k.execute("%conf spark.sql.shuffle.partitions=11").await;
    ok(&t);
    assert_eq!(t.stdout(), "spark.sql.shuffle.partitions = 11\n");
    let t = k.execute("%conf").await;
    let text = result_text(&t);
    assert!(text.starts_with("Spark settings"), "{text}");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("spark.sql.shuffle.partitions "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.ends_with(" 11"), "{line}");
    // Spark 4.1 refuses a badly typed value with an error class (4.0 had none), and a static
    // setting with another.
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "%conf spark.sql.shuffle.partitions=eleven").await;
    assert_eq!(ename, "SparkIllegalArgumentException");
    assert_class(&evalue, "INVALID_CONF_VALUE.TYPE_MISMATCH", "22022");
    assert!(evalue.contains("'eleven'"), "{evalue}");
    let Failure {
        ename: _,
        evalue,
        traceback: _,
    } = failing(&mut k, "%conf spark.sql.warehouse.dir=/tmp/x").await;
    assert_class(&evalue, "CANNOT_MODIFY_STATIC_CONFIG", "46110");
}

#[tokio::test]
async fn reconnect_opens_a_fresh_session() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let view = table("v");
    ok(&k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await);
    let t = k.execute("%reconnect").await;
    ok(&t);
    assert!(
        t.stdout().starts_with("Connected to Spark 4.1.3 at "),
        "{}",
        t.stdout()
    );
    assert_no_such_view(&mut k, &view).await;
}

/// A client whose session is open on the server (a statement ran), and the session's id.
async fn client_in_a_session() -> (spark_connect::SparkClient, String) {
    let mut c = client();
    let never = CancellationToken::new();
    c.execute_sql(&creds(), "SELECT 1", 1, &never)
        .await
        .unwrap();
    let id = c.session_id().to_owned();
    (c, id)
}

#[tokio::test]
async fn a_closed_session_is_replaced_with_a_notice() {
    let (mut c, before) = client_in_a_session().await;
    let never = CancellationToken::new();
    c.release_session(&creds(), Duration::from_secs(5)).await;
    let result = c
        .execute_sql(&creds(), "SELECT 2", 1, &never)
        .await
        .unwrap();
    assert_eq!(result.rows(), 1);
    assert_ne!(c.session_id(), before);
    let notices = c.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        matches!(notices[0], SparkNotice::SessionReplaced { .. }),
        "{notices:?}"
    );
    assert!(c.take_notices().is_empty(), "told once");
}

/// A fork (the explorer's, the journal's, the catalog's) that finds the session closed fails:
/// it opens no session of its own, which nobody would release or tell of; the client it came
/// from replaces the session at its next call, with the one notice.
#[tokio::test]
async fn a_fork_never_replaces_a_closed_session_on_its_own() {
    let (mut c, before) = client_in_a_session().await;
    let never = CancellationToken::new();
    let mut fork = c.fork();
    c.fork()
        .release_session(&creds(), Duration::from_secs(5))
        .await;
    let failed = fork.execute_sql(&creds(), "SELECT 2", 1, &never).await;
    match failed {
        Err(spark_connect::SparkError::Server(e)) => assert!(e.is_session_lost(), "{e:?}"),
        other => panic!("the fork ran in a session of its own: {other:?}"),
    }
    assert_eq!(fork.session_id(), before, "no fresh session for the fork");
    assert!(fork.take_notices().is_empty());
    let result = c.execute_sql(&creds(), "SELECT 3", 1, &never).await;
    assert_eq!(result.unwrap().rows(), 1);
    assert_ne!(c.session_id(), before);
    let notices = c.take_notices();
    assert!(
        matches!(notices[..], [SparkNotice::SessionReplaced { .. }]),
        "{notices:?}"
    );
}

/// Settings that make a private server's faults show fast: no wait for a starting server (a
/// stopped one is an error at once), a stall timeout of 12 s.
const FAST_FAULTS: [(&str, &str); 3] = [
    ("SPARK_CONNECT_WAIT_TIMEOUT", "0"),
    ("SPARK_CONNECT_STALL_TIMEOUT", "12"),
    (
        "SPARK_CONNECT_CONF",
        r#"{"spark.sql.shuffle.partitions": "3"}"#,
    ),
];

/// A private server, the Auth2 stand-in, and a kernel on them with [`FAST_FAULTS`].
async fn kernel_on_private_server() -> (PrivateServer, AuthStandin, Frontend) {
    let server = PrivateServer::start();
    let auth = spark::standin();
    let settings = spark::kernel_settings(&auth, &spark::token(), &server.url(), &FAST_FAULTS);
    let k = Frontend::start(settings).await;
    (server, auth, k)
}

#[tokio::test]
async fn a_frozen_server_ends_the_cell_after_the_stall_timeout_and_interrupts_still_work() {
    let (server, auth, mut k) = kernel_on_private_server().await;
    let view = table("v");
    ok(&k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await);
    frozen_server(&mut k, &server, &view).await;
    // A kernel whose session is not open yet: SPARK_CONNECT_CONF waits on the frozen server.
    server.signal("STOP");
    let settings = spark::kernel_settings(&auth, &spark::token(), &server.url(), &FAST_FAULTS);
    let mut fresh = Frontend::start(settings).await;
    interrupted_within_two_seconds(&mut fresh, "SELECT 1").await;
    server.signal("CONT");
    ok(&fresh.execute("SELECT 1").await);
}

/// Killed (SIGKILL) in the middle of a query: the cell names the server it lost, never an
/// interrupt; so does the next cell while the server is down.
#[tokio::test]
async fn a_server_killed_mid_query_is_an_error_naming_it() {
    let (mut server, _auth, mut k) = kernel_on_private_server().await;
    ok(&k.execute("SELECT 1").await);
    let slow = spark::sleeping_query(8, 4);
    let cell = k.send_execute(&slow).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.stop();
    let started = Instant::now();
    let e = error(&k.transcript(&cell).await);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let evalue = e["evalue"].as_str().unwrap();
    assert_eq!(e["ename"], "SparkConnectError", "{evalue}");
    assert!(evalue.contains("cannot reach Spark Connect"), "{evalue}");
    assert!(!evalue.contains("interrupted"), "{evalue}");
    let started = Instant::now();
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?} < {:?}",
        started.elapsed(),
        Duration::from_secs(10)
    );
    assert_eq!(ename, "SparkConnectError");
    assert!(evalue.contains(&server.url()), "{evalue}");
}

/// Started again, the server has none of the kernel's session: a fresh one is opened, the user
/// is told once, and what lived in the old one is gone.
#[tokio::test]
async fn a_restarted_server_gets_a_fresh_session_and_says_so_once() {
    let (mut server, _auth, mut k) = kernel_on_private_server().await;
    let view = table("v");
    ok(&k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await);
    let t = k.execute("SELECT 41 + 1 AS answer").await;
    ok(&t);
    let kept = format!("_{}", t.reply.content["execution_count"]);
    // Read once, the result is a view in the session.
    ok(&k.execute(&format!("SELECT answer FROM {kept}")).await);
    server.restart();
    let t = k.execute("SELECT 'back' AS x").await;
    ok(&t);
    assert!(result_text(&t).contains("back"), "{:?}", result_text(&t));
    let told = stderr(&t);
    assert!(told.contains("a fresh session was opened"), "{:?}", t.iopub);
    assert!(told.contains("the results _N (1)"), "{told}");
    assert_no_such_view(&mut k, &view).await;
    // The results are defined again: a later cell reads them.
    let t = k.execute(&format!("SELECT answer FROM {kept}")).await;
    ok(&t);
    assert!(result_text(&t).contains("42"), "{}", result_text(&t));
    // Told once only.
    let t = k.execute("SELECT 1").await;
    assert!(stderr(&t).is_empty(), "{:?}", stderr(&t));
}

/// Sends `code` and interrupts it after a second: it must end within two seconds of the
/// interrupt, as interrupted.
async fn interrupted_within_two_seconds(k: &mut Frontend, code: &str) {
    let cell = k.send_execute(code).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let interrupted = Instant::now();
    k.control_request("interrupt_request", serde_json::json!({}))
        .await;
    let e = error(&k.transcript(&cell).await);
    let took = interrupted.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "{code}: ended {took:?} after the interrupt"
    );
    assert_eq!(e["ename"], "KeyboardInterrupt", "{code}: {e}");
}

/// The server frozen (SIGSTOP) in the middle of a query: the progress line says it has not
/// answered, the cell ends after the stall timeout and one try on a new connection, naming the
/// server; `%conf`, `%reconnect` and a new statement answer the interrupt. Thawed, the
/// session is still there (its temporary view, the kernel's `%limit`).
async fn frozen_server(k: &mut Frontend, server: &PrivateServer, view: &str) {
    ok(&k.execute("%limit 7").await);
    let slow = spark::sleeping_query(30, 1);
    let cell = k.send_execute(&slow).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal("STOP");
    let started = Instant::now();
    let t = k.transcript_within(&cell, Duration::from_secs(40)).await;
    let took = started.elapsed();
    assert!(
        took > Duration::from_secs(20),
        "twice the stall timeout of 12 s: {took:?}"
    );
    assert!(
        took < Duration::from_secs(32),
        "twice the stall timeout of 12 s: {took:?}"
    );
    let lines: Vec<&str> = t
        .outputs("update_display_data")
        .iter()
        .filter_map(|u| u["data"]["text/plain"].as_str())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the server has not answered for 1")),
        "{lines:?}"
    );
    let e = error(&t);
    let evalue = e["evalue"].as_str().unwrap();
    assert_eq!(e["ename"], "SparkConnectError", "{evalue}");
    assert!(evalue.contains("did not answer for 12 s"), "{evalue}");
    assert!(evalue.contains(&server.url()), "{evalue}");
    assert!(!evalue.contains("interrupted"), "{evalue}");

    interrupted_within_two_seconds(k, "%conf spark.sql.shuffle.partitions").await;
    interrupted_within_two_seconds(k, "%reconnect").await;
    interrupted_within_two_seconds(k, "SELECT 1").await;

    server.signal("CONT");
    let t = k.execute(&format!("SELECT x FROM {view}")).await;
    ok(&t);
    assert!(result_text(&t).contains("| 1 |"), "{}", result_text(&t));
    assert_eq!(result_text(&k.execute("%limit").await).trim(), "7");
}

#[tokio::test]
async fn a_kernel_whose_token_file_was_revoked_runs_sql_with_the_environment_token() {
    // Spark accepts only the run's token: a query that passes proves the refused one was
    // never sent. %whoami names the source in use and the one not used.
    let auth = spark::standin();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".berdl_kbase_session");
    std::fs::write(&file, "REVOKEDTOKEN4567ABCDEFGHIJKLMNOP").unwrap();
    let token = spark::token();
    let mut k = crate::harness::Frontend::start(crate::harness::settings(&[
        ("KBASE_AUTH_URL", auth.url.as_str()),
        ("KBASE_AUTH_TOKEN", token.as_str()),
        ("KBASE_TOKEN_FILE", file.to_str().unwrap()),
        ("SPARK_CONNECT_URL", spark::url().as_str()),
    ]))
    .await;
    let t = k.execute("SELECT 1 AS one").await;
    ok(&t);
    let t = k.execute("%whoami").await;
    let text = result_text(&t);
    let source = text
        .lines()
        .find(|l| l.contains("Token source"))
        .unwrap_or_default();
    assert!(source.contains("KBASE_AUTH_TOKEN"), "{text}");
    let not_used = text
        .lines()
        .find(|l| l.contains("Not used"))
        .unwrap_or_default();
    assert!(not_used.contains(".berdl_kbase_session"), "{text}");
    assert!(!format!("{t:?}").contains(&token), "the token leaked");
}
