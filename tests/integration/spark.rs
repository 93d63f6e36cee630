//! SQL cells against the real Spark Connect server of the run (pyspark 4.0.1's jars), which
//! checks the token: every passing query proves the token reached Spark.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use spark_sql_kernel::spark::{Credentials, SparkClient};
use spark_sql_kernel::token::Token;
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

/// The rows of a text grid (`| a | b |`), cells trimmed, without the header row.
fn grid_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The `display_data` outputs that are content (results), not a progress line.
fn shown(t: &Transcript) -> Vec<&Value> {
    t.outputs("display_data")
        .into_iter()
        .filter(|d| d["transient"]["display_id"].is_null())
        .collect()
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
    let url = spark::url();
    let settings = spark_sql_kernel::config::Settings::from_vars(|name| {
        (name == "SPARK_CONNECT_URL").then(|| url.clone())
    });
    let address = settings.spark().address_for("alice_smith").unwrap();
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
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "| one | s   |    n |", "{text}");
    assert_eq!(lines[3], "|   1 | x<y | NULL |", "{text}");
    assert!(lines[5].starts_with("1 row · "), "{text}");
    let html = result_html(&t);
    assert!(
        html.contains("<table class=\"spark-sql-table\">")
            && html.contains(
                "<th class=\"n\">one<br/><small class=\"spark-sql-type\">int</small></th>"
            ),
        "{html}"
    );
    assert!(html.contains("<td class=\"s\">x&lt;y</td>"), "{html}");
    assert!(
        html.contains("<td class=\"n null\"><em>NULL</em></td>"),
        "{html}"
    );
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
    assert!(shown(&t).is_empty(), "{:?}", t.iopub);
    let text = result_text(&t);
    assert_eq!(grid_rows(&text), [["1", "ada"], ["2", "grace"]], "{text}");
    // The INSERT ran once.
    let t = k
        .execute(&format!("SELECT count(*) AS n FROM {t_name}"))
        .await;
    let text = result_text(&t);
    assert_eq!(grid_rows(&text), [["2"]], "{text}");

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
    let displays = shown(&t);
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
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "| only_column |", "{text}");
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[4].starts_with("0 rows · "), "{text}");
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
    assert_eq!(text.lines().count(), 3 + 5 + 2, "{text}");
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("showing the first 5 rows; more exist (%limit N shows more) · "),
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
    // Its progress line, shown after a second, ends as cancelled.
    let updates = t.outputs("update_display_data");
    let last = updates.last().expect("a progress line")["data"]["text/plain"]
        .as_str()
        .unwrap();
    assert!(last.starts_with("Spark: cancelled · "), "{last}");
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
    let (ename, evalue, tb) = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(
        evalue.contains("UNAUTHENTICATED") && evalue.contains("%reconnect"),
        "{evalue}"
    );
    assert!(!evalue.contains(spark::OTHER) && !tb.contains(spark::OTHER));
}

/// The evalue of a `SparkConnectError` for `SELECT 1` against `url`, which must come within 10 s.
async fn connection_error_within_seconds(
    auth: &crate::harness::standin::AuthStandin,
    url: &str,
) -> String {
    let mut k = Frontend::start(spark::kernel_settings(auth, &spark::token(), url, &[])).await;
    let started = Instant::now();
    let (ename, evalue, _) = failing(&mut k, "SELECT 1").await;
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

/// Every type Spark Connect 4.0 sends, one expression each, with the SQL that gives its
/// expected text (`CAST(e AS STRING)`, or `show()`'s hex form for binary).
const GALLERY: &[(&str, Option<&str>)] = &[
    ("true", None),
    ("cast(-128 AS tinyint)", None),
    ("cast(32767 AS smallint)", None),
    ("2147483647", None),
    ("-9223372036854775807 - 1", None),
    ("cast(1.5 AS float)", None),
    ("cast(0.1 AS float)", None),
    ("cast(1e7 AS float)", None),
    ("cast('NaN' AS float)", None),
    ("cast('-0.0' AS float)", None),
    ("1e10D", None),
    ("1e-5D", None),
    ("0.001D", None),
    ("123.456D", None),
    ("cast('-Infinity' AS double)", None),
    ("cast('-0.0' AS double)", None),
    ("12.50BD", None),
    ("cast(0.000000000000000001 AS decimal(38,18))", None),
    ("cast(-0.5 AS decimal(3,1))", None),
    ("'two\nlines\tand <b>tags</b> & \"quotes\"'", None),
    ("'שלום, עולם'", None),
    ("'漢字とかな 🚀'", None),
    ("'NULL'", None),
    ("cast('ab' AS char(5))", None),
    ("cast('ab' AS varchar(5))", None),
    (
        "X'0102FF'",
        Some("concat('[', regexp_replace(hex(X'0102FF'), '(..)(?!$)', '$1 '), ']')"),
    ),
    ("date'2024-02-29'", None),
    ("date'0001-01-01'", None),
    ("date'+12345-01-01'", None),
    ("timestamp'2024-07-02 03:04:05.123456'", None),
    ("timestamp'2024-01-15 23:59:59.5'", None),
    ("timestamp'1850-01-01 00:00:00'", None),
    ("timestamp_ntz'2024-07-02 03:04:05.5'", None),
    ("INTERVAL '1 02:03:04.5' DAY TO SECOND", None),
    ("INTERVAL '-26' HOUR", None),
    ("INTERVAL '01:01' HOUR TO MINUTE", None),
    ("INTERVAL '4.000001' SECOND", None),
    ("INTERVAL '100' DAY", None),
    ("INTERVAL '-10:20' MINUTE TO SECOND", None),
    ("INTERVAL '1-2' YEAR TO MONTH", None),
    ("INTERVAL '-3' MONTH", None),
    ("INTERVAL '12' YEAR", None),
    ("make_interval(1, 2, 3, 4, 5, 6.5)", None),
    ("array(1, null, 3)", None),
    ("array('a', null)", None),
    ("array(named_struct('a', 1, 'b', 'x'))", None),
    ("map('a', 1, 'b', null)", None),
    (
        "map(1, array(named_struct('a', map('k', 1.5D))), 2, null)",
        None,
    ),
    ("named_struct('x', 1, 'y', null, 'z', 'q')", None),
    ("array(timestamp'2024-07-02 03:04:05')", None),
    ("null", None),
    (
        r#"parse_json('{"b":[true,null,"x",1.5,2e10],"a":{"c":"<d>"}}')"#,
        None,
    ),
    ("parse_json('123456789012')", None),
    ("parse_json('\"plain\"')", None),
    (
        "to_variant_object(named_struct('t', timestamp'2024-01-02 03:04:05.5', 'd', date'2024-01-02', 'b', X'0102', 'x', 1.50BD, 'f', 1.5f))",
        None,
    ),
];

#[tokio::test]
async fn every_type_renders_as_the_servers_own_cast_to_string() {
    let mut c = client();
    let never = CancellationToken::new();
    let creds = creds();
    c.conf_set(&creds, "spark.sql.session.timeZone", "America/Los_Angeles")
        .await
        .unwrap();
    let typed: Vec<String> = GALLERY
        .iter()
        .enumerate()
        .map(|(i, (e, _))| format!("{e} AS c{i}"))
        .collect();
    let cast: Vec<String> = GALLERY
        .iter()
        .enumerate()
        .map(|(i, (e, expected))| match expected {
            Some(sql) => format!("{sql} AS c{i}"),
            None => format!("cast({e} AS string) AS c{i}"),
        })
        .collect();
    let typed = c
        .execute_sql(&creds, &format!("SELECT {}", typed.join(", ")), 10, &never)
        .await
        .unwrap();
    let cast = c
        .execute_sql(&creds, &format!("SELECT {}", cast.join(", ")), 10, &never)
        .await
        .unwrap();
    assert!(spark_sql_kernel::render::needs_time_zone(&typed));
    let zone = spark_sql_kernel::render::Zone::parse(
        &c.conf_get(&creds, "spark.sql.session.timeZone")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let shown = spark_sql_kernel::render::column_texts(&typed, &zone);
    let expected = spark_sql_kernel::render::column_texts(&cast, &zone);
    assert_eq!(shown.len(), GALLERY.len());
    let mut wrong = Vec::new();
    for (i, (e, _)) in GALLERY.iter().enumerate() {
        let type_name = &typed.columns[i].type_name;
        if shown[i] != expected[i] {
            wrong.push(format!(
                "{e} ({type_name}): shown {:?}, Spark says {:?}",
                shown[i], expected[i]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The types are Spark's own names.
    let names: Vec<&str> = typed.columns.iter().map(|c| c.type_name.as_str()).collect();
    for name in [
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "decimal(4,2)",
        "decimal(38,18)",
        "string",
        "binary",
        "date",
        "timestamp",
        "timestamp_ntz",
        "interval day to second",
        "interval hour",
        "interval year to month",
        "interval month",
        "interval",
        "array<int>",
        "array<struct<a:int,b:string>>",
        "map<string,int>",
        "struct<x:int,y:void,z:string>",
        "void",
        "variant",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
}

#[tokio::test]
async fn a_cell_of_ddl_alone_says_ok_and_a_cell_with_a_table_does_not() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let view = table("ok_view");
    let t = k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await;
    ok(&t);
    let text = result_text(&t);
    assert!(text.starts_with("OK · ") && text.ends_with(" ms"), "{text}");
    let t = k
        .execute(&format!("DROP VIEW {view};\nSELECT 2 AS y"))
        .await;
    assert!(!result_text(&t).contains("OK"), "{:?}", t.iopub);
    // Something else was shown: no OK.
    let t = k
        .execute(&format!(
            "%echo note\nCREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"
        ))
        .await;
    ok(&t);
    assert!(t.outputs("execute_result").is_empty(), "{:?}", t.iopub);
}

#[tokio::test]
async fn timestamps_show_in_the_session_time_zone_and_follow_its_changes() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let query = "SELECT timestamp'2024-07-02 10:04:05 UTC' AS t";
    let t = k
        .execute(&format!("SET TIME ZONE 'Asia/Kolkata';\n{query}"))
        .await;
    assert_eq!(grid_rows(&result_text(&t)), [["2024-07-02 15:34:05"]]);
    let t = k
        .execute(&format!(
            "%conf spark.sql.session.timeZone=America/Chicago\n{query}"
        ))
        .await;
    assert_eq!(grid_rows(&result_text(&t)), [["2024-07-02 05:04:05"]]);
}

#[tokio::test]
async fn truncate_cuts_long_values_visibly_and_zero_shows_them_whole() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let query = "SELECT repeat('ab', 5000) AS long";
    let text = result_text(&k.execute(query).await);
    assert_eq!(
        grid_rows(&text),
        [[format!("{}…", "ab".repeat(50))]],
        "{text}"
    );
    assert!(
        text.contains("values longer than 100 characters are cut"),
        "{text}"
    );
    let t = k.execute(&format!("%truncate 0\n{query}")).await;
    assert_eq!(grid_rows(&result_text(&t)), [["ab".repeat(5000)]]);
    let t = k.execute(&format!("%truncate 6\n{query}")).await;
    assert_eq!(grid_rows(&result_text(&t)), [["ababab…"]]);
    let t = k.execute("%truncate").await;
    assert_eq!(result_text(&t), "6");
    let e = error(&k.execute("%truncate lots").await);
    assert!(
        traceback(&e).contains("\"lots\" is not a number"),
        "{}",
        traceback(&e)
    );
}

/// Four partitions of two rows, each row sleeping a second: a query of about four seconds on
/// the run's two local cores, with real stages and tasks.
const SLOW_QUERY: &str = "SELECT count(*) AS n FROM range(0, 8, 1, 4) \
                          WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL";

#[tokio::test]
async fn a_long_query_shows_live_progress_and_fast_ones_never_do() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute(SLOW_QUERY).await;
    ok(&t);
    let kinds = t.kinds();
    let displays = t.outputs("display_data");
    assert_eq!(displays.len(), 1, "{kinds:?}");
    let id = displays[0]["transient"]["display_id"].as_str().unwrap();
    assert!(id.starts_with("spark-sql-progress-"), "{id}");
    let first = displays[0]["data"]["text/plain"].as_str().unwrap();
    assert!(first.starts_with("Spark: running · "), "{first}");
    assert!(displays[0]["data"]["text/html"]
        .as_str()
        .unwrap()
        .contains("<progress"));
    let updates = t.outputs("update_display_data");
    assert!(!updates.is_empty(), "{kinds:?}");
    assert!(updates.iter().all(|u| u["transient"]["display_id"] == id));
    let texts: Vec<&str> = updates
        .iter()
        .map(|u| u["data"]["text/plain"].as_str().unwrap())
        .collect();
    // Spark reported stages and tasks while the query ran, and the line ends as a summary.
    assert!(texts.iter().any(|t| t.contains(" tasks")), "{texts:?}");
    let last = texts.last().unwrap();
    assert!(
        last.starts_with("Spark: done · ") && last.contains("/"),
        "{last}"
    );
    // A few updates a second at most: the query took about 4 s.
    assert!(updates.len() <= 24, "{} updates", updates.len());
    // The progress line comes before the result.
    let display_at = kinds.iter().position(|k| k == "display_data").unwrap();
    let result_at = kinds.iter().position(|k| k == "execute_result").unwrap();
    assert!(display_at < result_at, "{kinds:?}");
    assert_eq!(grid_rows(&result_text(&t)), [["8"]]);

    // Fast statements and fast failures show nothing of it.
    for fast in ["SELECT 1 AS one", "SELECT nope"] {
        let t = k.execute(fast).await;
        assert!(t.outputs("display_data").is_empty(), "{:?}", t.kinds());
        assert!(
            t.outputs("update_display_data").is_empty(),
            "{:?}",
            t.kinds()
        );
    }
    let t = k.execute("SELECT nope").await;
    let outputs: Vec<String> = t
        .kinds()
        .into_iter()
        .filter(|k| !k.starts_with("status") && k != "execute_input")
        .collect();
    assert_eq!(outputs, ["error"]);
}

/// Matches and the replaced range of a completion at the end of `code` (or at `cursor`).
async fn complete(k: &mut Frontend, code: &str, cursor: Option<usize>) -> (Vec<String>, u64, u64) {
    let cursor = cursor.unwrap_or_else(|| code.chars().count());
    let t = k
        .request(
            "complete_request",
            json!({"code": code, "cursor_pos": cursor}),
        )
        .await;
    let c = &t.reply.content;
    assert_eq!(c["status"], "ok", "{c}");
    let matches = c["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    (
        matches,
        c["cursor_start"].as_u64().unwrap(),
        c["cursor_end"].as_u64().unwrap(),
    )
}

async fn inspect(k: &mut Frontend, code: &str, cursor: usize) -> String {
    let t = k
        .request(
            "inspect_request",
            json!({"code": code, "cursor_pos": cursor, "detail_level": 0}),
        )
        .await;
    let c = &t.reply.content;
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(c["found"], true, "nothing found for {code:?} at {cursor}");
    c["data"]["text/plain"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn completion_knows_keywords_functions_databases_tables_and_columns() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("complete_db");
    ok(&k
        .execute(&format!(
            "CREATE DATABASE {db};\nUSE {db};\n\
             CREATE TABLE genomes (id INT, organism STRING COMMENT 'species name', size_mb DOUBLE) USING parquet;\n\
             CREATE TABLE `2024_samples` (id INT) USING parquet;\n\
             CREATE TEMPORARY VIEW odd_view AS SELECT 1 AS `first col`"
        ))
        .await);

    let cold = Instant::now();
    let (m, start, end) = complete(&mut k, "SELECT * FROM geno", None).await;
    let cold = cold.elapsed();
    assert!(m.contains(&"genomes".to_owned()), "{m:?}");
    assert_eq!((start, end), (14, 18));
    let warm = Instant::now();
    let (m, ..) = complete(&mut k, "SELECT * FROM genom", None).await;
    let warm = warm.elapsed();
    assert_eq!(m, ["genomes"]);
    eprintln!("completion with a cold cache {cold:?}, warm {warm:?}");

    // A database's tables, an alias's columns, a table's columns, unqualified columns.
    let (m, ..) = complete(&mut k, &format!("SELECT * FROM {db}.gen"), None).await;
    assert_eq!(m, ["genomes"]);
    let code = "SELECT g.org FROM genomes g";
    let (m, start, _) = complete(&mut k, code, Some(12)).await;
    assert_eq!((m, start), (vec!["organism".to_owned()], 9));
    let (m, ..) = complete(&mut k, "SELECT genomes.si FROM genomes", Some(17)).await;
    assert_eq!(m, ["size_mb"]);
    let code = "SELECT org FROM genomes WHERE id > 1";
    let (m, ..) = complete(&mut k, code, Some(10)).await;
    assert_eq!(m.first().map(String::as_str), Some("organism"), "{m:?}");
    // A multi-byte character before the cursor: positions in code points.
    let code = "SELECT 'ü漢🚀', si FROM genomes";
    let (m, start, end) = complete(&mut k, code, Some(16)).await;
    assert_eq!(
        (m.first().map(String::as_str), start, end),
        (Some("size_mb"), 14, 16)
    );
    // Backticks: names that need them get them; an open backtick is completed in backticks.
    let (m, ..) = complete(&mut k, "SELECT * FROM 2024", None).await;
    assert!(m.contains(&"`2024_samples`".to_owned()), "{m:?}");
    let (m, start, _) = complete(&mut k, "SELECT * FROM `2024_s", None).await;
    assert_eq!((m, start), (vec!["`2024_samples`".to_owned()], 14));
    let (m, ..) = complete(&mut k, "SELECT fi FROM odd_view", Some(9)).await;
    assert!(m.contains(&"`first col`".to_owned()), "{m:?}");
    let (m, ..) = complete(&mut k, "SELECT `fi FROM odd_view", Some(10)).await;
    assert_eq!(m, ["`first col`"]);
    // Keywords in the case typed, Spark's functions, databases.
    let (m, ..) = complete(&mut k, "SEL", None).await;
    assert!(m.contains(&"SELECT".to_owned()), "{m:?}");
    let (m, ..) = complete(&mut k, "sel", None).await;
    assert!(m.contains(&"select".to_owned()), "{m:?}");
    let (m, ..) = complete(&mut k, "SELECT approx_count_d", None).await;
    assert_eq!(m, ["approx_count_distinct"]);
    let (m, ..) = complete(&mut k, "USE complete_d", None).await;
    assert!(m.contains(&db), "{m:?}");

    // The cache is refreshed after DDL run in the kernel.
    let (m, ..) = complete(&mut k, "SELECT * FROM fresh", None).await;
    assert!(m.is_empty(), "{m:?}");
    ok(&k
        .execute("CREATE TABLE fresh_table (x INT) USING parquet")
        .await);
    let (m, ..) = complete(&mut k, "SELECT * FROM fresh", None).await;
    assert_eq!(m, ["fresh_table"]);

    // Inspection: a table, a column, a function.
    let text = inspect(&mut k, "SELECT * FROM genomes", 17).await;
    assert!(
        text.starts_with(&format!("Table {db}.genomes")) || text.starts_with("Table genomes"),
        "{text}"
    );
    assert!(
        text.contains("MANAGED") && text.contains("parquet"),
        "{text}"
    );
    assert!(
        text.contains("organism") && text.contains("species name"),
        "{text}"
    );
    assert!(text.contains("location"), "{text}");
    let text = inspect(&mut k, "SELECT organism FROM genomes", 9).await;
    assert!(
        text.starts_with("Column organism") && text.contains("string"),
        "{text}"
    );
    let text = inspect(&mut k, "SELECT g.size_mb FROM genomes g", 12).await;
    assert!(text.contains("double"), "{text}");
    let text = inspect(&mut k, "SELECT count(*) FROM genomes", 9).await;
    assert!(
        text.contains("Function: count") && text.contains("Usage"),
        "{text}"
    );
    ok(&k
        .execute(&format!("USE default;\nDROP DATABASE {db} CASCADE"))
        .await);
}
