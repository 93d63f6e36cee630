//! Long and large statements on the run's Spark server: the row limit on the wire, reattaching
//! when the server ends a stream, live progress, and the interrupt.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::harness::reading::{error, grid_rows, ok, result_text};
use crate::harness::spark::{self, client, creds};

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
    assert!(result.more, "{:?}", result.more);
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
    // A minute of sleeping rows on one partition: real stages and tasks, no CPU burnt, one core
    // slot held, so that a cancel that came late cannot starve the tests beside it.
    let id = k.send_execute(&spark::sleeping_query(60, 1)).await;
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
    assert!(result_text(&t).contains("after"), "{:?}", result_text(&t));
}

#[tokio::test]
async fn a_long_query_shows_a_progress_line_updated_in_place_then_a_summary() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute(&spark::sleeping_query(8, 4)).await;
    ok(&t);
    let kinds = t.kinds();
    let displays = t.outputs("display_data");
    assert_eq!(displays.len(), 1, "{kinds:?}");
    let id = displays[0]["transient"]["display_id"].as_str().unwrap();
    assert!(id.starts_with("spark-sql-progress-"), "{id}");
    let first = displays[0]["data"]["text/plain"].as_str().unwrap();
    assert!(first.starts_with("Spark: running · "), "{first}");
    assert!(
        displays[0]["data"]["text/html"]
            .as_str()
            .unwrap()
            .contains("<progress"),
        "{:?}",
        displays[0]["data"]["text/html"].as_str().unwrap()
    );
    let updates = t.outputs("update_display_data");
    assert!(!updates.is_empty(), "{kinds:?}");
    assert!(
        updates.iter().all(|u| u["transient"]["display_id"] == id),
        "{updates:?}"
    );
    let texts: Vec<&str> = updates
        .iter()
        .map(|u| u["data"]["text/plain"].as_str().unwrap())
        .collect();
    // Spark reported stages and tasks while the query ran, and the line ends as a summary.
    assert!(texts.iter().any(|t| t.contains(" tasks")), "{texts:?}");
    let last = texts.last().unwrap();
    assert!(last.starts_with("Spark: done · "), "{last}");
    assert!(last.contains("/"), "{last}");
    // A few updates a second at most: the query took about 4 s.
    assert!(updates.len() <= 24, "{} updates", updates.len());
    // The progress line comes before the result.
    let display_at = kinds.iter().position(|k| k == "display_data").unwrap();
    let result_at = kinds.iter().position(|k| k == "execute_result").unwrap();
    assert!(display_at < result_at, "{kinds:?}");
    assert_eq!(grid_rows(&result_text(&t)), [["8"]]);
}

#[tokio::test]
async fn fast_statements_and_fast_failures_show_no_progress_line() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    for fast in ["SELECT 1 AS one", "SELECT nope"] {
        let t = k.execute(fast).await;
        assert!(t.outputs("display_data").is_empty(), "{:?}", t.kinds());
        assert!(
            t.outputs("update_display_data").is_empty(),
            "{:?}",
            t.kinds()
        );
    }
}

#[tokio::test]
async fn a_fast_failure_has_exactly_one_output() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute("SELECT nope").await;
    let outputs: Vec<String> = t
        .kinds()
        .into_iter()
        .filter(|k| !k.starts_with("status") && k != "execute_input")
        .collect();
    assert_eq!(outputs, ["error"]);
}
