//! BERDL's shared compute: a Spark Connect server on a standalone master and worker with
//! dynamic allocation from zero executors (scripts/test starts it, named by
//! `SPARK_SQL_KERNEL_TEST_SHARED_URL`). The first query waits for an executor to start while
//! its stage is submitted and no task runs: the progress line says so, then counts the tasks.

use crate::harness::reading::{grid_rows, ok, progress_lines, result_text};
use crate::harness::spark;
use crate::harness::Frontend;

#[tokio::test]
async fn the_first_query_on_shared_compute_says_it_waits_for_executors_then_counts_tasks() {
    let url = std::env::var("SPARK_SQL_KERNEL_TEST_SHARED_URL").unwrap_or_else(|_| {
        panic!("SPARK_SQL_KERNEL_TEST_SHARED_URL is not set: run scripts/test, which starts it")
    });
    let auth = spark::standin();
    let mut k = Frontend::start(spark::kernel_settings(&auth, &spark::token(), &url, &[])).await;
    let t = k
        .execute("SELECT count(*) AS n FROM range(0, 2000000, 1, 4)")
        .await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t)), [["2000000"]]);
    let lines = progress_lines(&t);
    let waiting = lines
        .iter()
        .position(|l| l.contains("waiting for executors"))
        .unwrap_or_else(|| panic!("never said it waits for executors: {lines:#?}"));
    let tasks = lines
        .iter()
        .skip(waiting)
        .position(|l| l.contains("running)") || l.starts_with("Spark: done"))
        .unwrap_or_else(|| panic!("no tasks after the wait: {lines:#?}"));
    assert!(tasks > 0, "{lines:#?}");
    // The counter kept counting while it waited.
    let seconds: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.rsplit(" · ").next())
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = seconds.iter().collect();
    assert!(distinct.len() > 2, "{lines:#?}");
}
