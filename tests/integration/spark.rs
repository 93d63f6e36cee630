//! SQL cells against the real Spark Connect server of the run (pyspark 4.0.1's jars), which
//! checks the token: every passing query proves the token reached Spark.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spark_sql_kernel::auth::Token;
use spark_sql_kernel::spark::{Credentials, SparkClient};
use tokio_util::sync::CancellationToken;

use crate::harness::spark::{self, PrivateServer};
use crate::harness::{execute_content, Frontend, Transcript};

/// The `text/plain` of the cell's value.
fn result_text(t: &Transcript) -> String {
    let results = t.outputs("execute_result");
    assert_eq!(
        results.len(),
        1,
        "one execute_result expected: {:?}",
        t.iopub
    );
    results[0]["data"]["text/plain"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn result_html(t: &Transcript) -> String {
    let results = t.outputs("execute_result");
    assert_eq!(results.len(), 1, "{:?}", t.iopub);
    results[0]["data"]["text/html"].as_str().unwrap().to_owned()
}

fn ok(t: &Transcript) {
    assert_eq!(t.reply.content["status"], "ok", "{:?}", t.iopub);
}

/// The one `error` output of a failed cell.
fn error(t: &Transcript) -> Value {
    assert_eq!(t.reply.content["status"], "error", "{:?}", t.iopub);
    let errors = t.outputs("error");
    assert_eq!(errors.len(), 1, "{:?}", t.iopub);
    errors[0].clone()
}

fn stderr(t: &Transcript) -> String {
    t.outputs("stream")
        .iter()
        .filter(|c| c["name"] == "stderr")
        .map(|c| c["text"].as_str().unwrap().to_owned())
        .collect()
}

fn traceback(e: &Value) -> String {
    e["traceback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

fn creds() -> Credentials {
    Credentials {
        user: "alice_smith".into(),
        token: Token::new(&spark::token()).unwrap(),
    }
}

fn client() -> SparkClient {
    let address = spark_sql_kernel::spark::address::parse_sc_url(&spark::url(), 15002).unwrap();
    SparkClient::new(address, Some("integration-tests"), Vec::new()).unwrap()
}

/// A table name no other test uses.
fn table(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn a_select_is_a_table_in_html_and_text() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k
        .execute("SELECT 1 AS one, 'x<y' AS s, CAST(NULL AS INT) AS n")
        .await;
    ok(&t);
    let text = result_text(&t);
    assert!(text.contains("one | s   | n"), "{text}");
    assert!(text.contains("1   | x<y | NULL"), "{text}");
    assert!(text.ends_with("(1 row)"), "{text}");
    let html = result_html(&t);
    assert!(
        html.contains("<table>") && html.contains("<th title=\"int\">one</th>"),
        "{html}"
    );
    assert!(html.contains("<td>x&lt;y</td>"), "{html}");
}

#[tokio::test]
async fn create_insert_select_show_describe_explain_in_one_session() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t_name = table("round_trip");
    let t = k
        .execute(&format!(
            "CREATE TABLE {t_name} (id INT, name STRING) USING parquet;\n\
             INSERT INTO {t_name} VALUES (1, 'ada'), (2, 'grace');\n\
             SELECT * FROM {t_name} ORDER BY id"
        ))
        .await;
    ok(&t);
    // CREATE and INSERT return no rows: only the SELECT shows a table.
    assert!(t.outputs("display_data").is_empty(), "{:?}", t.iopub);
    let text = result_text(&t);
    assert!(
        text.contains("1  | ada") && text.contains("2  | grace"),
        "{text}"
    );
    // The INSERT ran once.
    let t = k
        .execute(&format!("SELECT count(*) AS n FROM {t_name}"))
        .await;
    let text = result_text(&t);
    assert_eq!(text.lines().nth(2), Some("2"), "{text}");

    let t = k.execute("SHOW TABLES").await;
    assert!(result_text(&t).contains(&t_name), "{}", result_text(&t));
    let t = k.execute(&format!("DESCRIBE {t_name}")).await;
    let text = result_text(&t);
    assert!(
        text.contains("col_name") && text.contains("name") && text.contains("string"),
        "{text}"
    );
    let t = k
        .execute(&format!("EXPLAIN SELECT * FROM {t_name} WHERE id > 1"))
        .await;
    let text = result_text(&t);
    assert!(text.contains("Physical Plan"), "{text}");
}

#[tokio::test]
async fn set_and_use_change_the_session_and_several_statements_show_several_tables() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("db");
    let t = k
        .execute(&format!(
            "SET spark.sql.shuffle.partitions=7;\nCREATE DATABASE {db};\nUSE {db};\n\
             SELECT current_database() AS db;\nSELECT 2 AS two"
        ))
        .await;
    ok(&t);
    let displays = t.outputs("display_data");
    assert_eq!(
        displays.len(),
        2,
        "SET and the first SELECT are displays: {:?}",
        t.iopub
    );
    let set = displays[0]["data"]["text/plain"].as_str().unwrap();
    assert!(
        set.contains("spark.sql.shuffle.partitions") && set.contains('7'),
        "{set}"
    );
    let current = displays[1]["data"]["text/plain"].as_str().unwrap();
    assert!(current.contains(&db), "{current}");
    assert!(result_text(&t).contains("two"));
    // The session keeps both.
    let t = k.execute("SELECT current_database() AS db").await;
    assert!(result_text(&t).contains(&db));
    let t = k.execute("%conf spark.sql.shuffle.partitions").await;
    assert!(result_text(&t).contains("7"), "{}", result_text(&t));
}

#[tokio::test]
async fn an_empty_result_shows_its_columns() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute("SELECT id AS only_column FROM range(0)").await;
    ok(&t);
    let text = result_text(&t);
    assert!(text.starts_with("only_column"), "{text}");
    assert!(text.ends_with("(0 rows)"), "{text}");
}

#[tokio::test]
async fn a_million_rows_with_limit_100_send_101_rows() {
    let mut c = client();
    let never = CancellationToken::new();
    let result = c
        .execute_sql(
            &creds(),
            "SELECT id, id * 2 AS x, cast(id AS string) s FROM range(1000000)",
            100,
            &never,
        )
        .await
        .unwrap();
    assert_eq!(result.rows(), 100);
    assert_eq!(
        result.rows_received, 101,
        "only limit + 1 rows cross the wire"
    );
    assert!(result.more);
    let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "x", "s"]);
    let types: Vec<&str> = result
        .columns
        .iter()
        .map(|c| c.type_name.as_str())
        .collect();
    assert_eq!(types, ["bigint", "bigint", "string"]);

    // In the kernel: the table says that more rows exist.
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute("%%limit 5\nSELECT id FROM range(1000000)").await;
    let text = result_text(&t);
    assert_eq!(text.lines().count(), 2 + 5 + 1, "{text}");
    assert!(
        text.ends_with("(showing the first 5 rows; more exist (%limit N shows more))"),
        "{text}"
    );
}

#[tokio::test]
async fn a_query_longer_than_the_stream_duration_reattaches() {
    // The run's server ends every result stream after 1 s (senderMaxStreamDuration in scripts/test).
    let mut c = client();
    let never = CancellationToken::new();
    let started = Instant::now();
    let result = c
        .execute_sql(
            &creds(),
            "SELECT reflect('java.lang.Thread', 'sleep', bigint(3000)) AS slept",
            10,
            &never,
        )
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        result.reattaches >= 1,
        "the stream had to be resumed: {result:?}"
    );
    assert_eq!(result.rows(), 1);
}

#[tokio::test]
async fn an_interrupt_cancels_the_query_within_two_seconds() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let id = k
        .send_shell(
            "execute_request",
            execute_content("SELECT sum(id % 7) AS s FROM range(0, 100000000000, 1, 4)"),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let interrupted = Instant::now();
    let reply = k.control_request("interrupt_request", json!({})).await;
    assert_eq!(reply.reply.content["status"], "ok");
    let t = k.transcript(&id).await;
    let took = interrupted.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "the cell ended {took:?} after the interrupt"
    );
    let e = error(&t);
    assert_eq!(e["ename"], "KeyboardInterrupt");
    assert!(e["evalue"].as_str().unwrap().contains("cancelled"), "{e}");
    // The next cell works.
    let t = k.execute("SELECT 'after' AS x").await;
    ok(&t);
    assert!(result_text(&t).contains("after"));
}

/// Runs `sql` and returns its error with `ename`, `evalue` and the traceback text.
async fn failing(k: &mut Frontend, sql: &str) -> (String, String, String) {
    let t = k.execute(sql).await;
    let e = error(&t);
    (
        e["ename"].as_str().unwrap().to_owned(),
        e["evalue"].as_str().unwrap().to_owned(),
        traceback(&e),
    )
}

/// The error message names Spark's error class and SQLSTATE.
fn assert_class(evalue: &str, class: &str, sql_state: &str) {
    assert!(
        evalue.contains(&format!("[{class}]"))
            && evalue.contains(&format!("SQLSTATE: {sql_state}")),
        "{evalue}"
    );
}

/// The session does not know `view` (it was never made, or the session that had it is gone).
async fn assert_no_such_view(k: &mut Frontend, view: &str) {
    let (_, evalue, _) = failing(k, &format!("SELECT * FROM {view}")).await;
    assert!(evalue.contains("TABLE_OR_VIEW_NOT_FOUND"), "{evalue}");
}

#[tokio::test]
async fn spark_errors_show_class_sqlstate_and_the_faulty_fragment() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;

    let (ename, evalue, tb) = failing(
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

    let (ename, evalue, _) = failing(&mut k, "SELECT * FROM no_such_table_here").await;
    assert_eq!(ename, "AnalysisException");
    assert_class(&evalue, "TABLE_OR_VIEW_NOT_FOUND", "42P01");

    let (ename, evalue, tb) = failing(&mut k, "SELEC 1").await;
    assert_eq!(ename, "ParseException");
    assert_class(&evalue, "PARSE_SYNTAX_ERROR", "42601");
    assert!(tb.contains("SELEC"), "{tb}");

    let (ename, evalue, _) = failing(&mut k, "SELECT 1 / 0 AS x").await;
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
    assert_eq!(t.outputs("display_data").len(), 1);
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
    let (ename, evalue, tb) = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(
        evalue.contains("UNAUTHENTICATED") && evalue.contains("%reconnect"),
        "{evalue}"
    );
    assert!(!evalue.contains(spark::OTHER) && !tb.contains(spark::OTHER));
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
    let mut k = Frontend::start(spark::kernel_settings(&auth, &spark::token(), &url, &[])).await;
    let started = Instant::now();
    let (ename, evalue, _) = failing(&mut k, "SELECT 1").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ename, "SparkConnectError");
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
    let mut k = Frontend::start(spark::kernel_settings(&auth, &spark::token(), &url, &[])).await;
    let started = Instant::now();
    let (ename, evalue, _) = failing(&mut k, "SELECT 1").await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(ename, "SparkConnectError");
    assert!(evalue.contains("/;use_ssl=true"), "{evalue}");
    assert!(evalue.contains("does not seem to speak TLS"), "{evalue}");
}

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
    // Spark 4.0 refuses a badly typed value without an error class, a static setting with one.
    let (ename, evalue, _) = failing(&mut k, "%conf spark.sql.shuffle.partitions=eleven").await;
    assert_eq!(ename, "IllegalArgumentException");
    assert!(evalue.contains("should be int, but was eleven"), "{evalue}");
    let (_, evalue, _) = failing(&mut k, "%conf spark.sql.warehouse.dir=/tmp/x").await;
    assert_class(&evalue, "CANNOT_MODIFY_CONFIG", "46110");
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
        t.stdout().starts_with("Connected to Spark 4.0.1 at "),
        "{}",
        t.stdout()
    );
    assert_no_such_view(&mut k, &view).await;
}

#[tokio::test]
async fn a_closed_session_is_replaced_with_a_notice() {
    let mut c = client();
    let never = CancellationToken::new();
    c.execute_sql(&creds(), "SELECT 1", 1, &never)
        .await
        .unwrap();
    let before = c.session_id().to_owned();
    c.release_session(&creds(), Duration::from_secs(5)).await;
    let result = c
        .execute_sql(&creds(), "SELECT 2", 1, &never)
        .await
        .unwrap();
    assert_eq!(result.rows(), 1);
    assert_ne!(c.session_id(), before);
    let notices = c.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("temporary views"), "{notices:?}");
    assert!(c.take_notices().is_empty(), "told once");
}

#[tokio::test]
async fn a_stopped_server_is_an_error_and_a_restarted_one_gets_a_fresh_session() {
    let mut server = PrivateServer::start();
    let auth = spark::standin();
    let mut k = Frontend::start(spark::kernel_settings(
        &auth,
        &spark::token(),
        &server.url(),
        &[],
    ))
    .await;
    let view = table("v");
    ok(&k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await);

    server.stop();
    let started = Instant::now();
    let (ename, evalue, _) = failing(&mut k, "SELECT 1").await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(ename, "SparkConnectError");
    assert!(evalue.contains(&server.url()), "{evalue}");

    server.restart();
    let t = k.execute("SELECT 'back' AS x").await;
    ok(&t);
    assert!(result_text(&t).contains("back"));
    assert!(
        stderr(&t).contains("a fresh session was opened"),
        "{:?}",
        t.iopub
    );
    assert_no_such_view(&mut k, &view).await;
    // Told once only.
    let t = k.execute("SELECT 1").await;
    assert!(stderr(&t).is_empty());
}
