//! Faults the way production meets them: connections to Spark reset or silenced in the middle
//! of a query (a server killed or frozen in the middle of one: `sessions.rs`, on its private
//! server). Only the user's interrupt may say "interrupted".

use std::time::{Duration, Instant};

use crate::harness::reading::{ok, result_text};
use crate::harness::relay::Relay;
use crate::harness::spark::{self, kernel_settings};
use crate::harness::Frontend;

/// A query of about three seconds on one partition, so that it holds one of the run's two
/// local cores only (the other tests keep the other).
const SLOW: &str = "SELECT count(*) AS n FROM range(0, 3, 1, 1) \
                    WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL";

#[tokio::test]
async fn a_cut_connection_mid_query_is_resumed_on_a_fresh_one() {
    let auth = spark::standin();
    let relay = Relay::start(spark::url().trim_start_matches("sc://")).await;
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &relay.url, &[])).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    for round in 0..3 {
        let cell = k
            .send_shell("execute_request", crate::harness::execute_content(SLOW))
            .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        relay.cut_all();
        let t = k.transcript(&cell).await;
        ok(&t);
        assert!(
            result_text(&t).contains("| 3 |"),
            "round {round}: {}",
            result_text(&t)
        );
    }
}

#[tokio::test]
async fn a_silent_connection_mid_query_is_given_up_and_resumed_on_a_new_one() {
    let auth = spark::standin();
    let relay = Relay::start(spark::url().trim_start_matches("sc://")).await;
    let stall = ("SPARK_CONNECT_STALL_TIMEOUT", "3");
    let mut k = Frontend::start(kernel_settings(
        &auth,
        &spark::token(),
        &relay.url,
        &[stall],
    ))
    .await;
    ok(&k.execute("SELECT 1 AS warm").await);
    // Spark reports progress every 2 s: a query longer than the stall timeout is not silent.
    let slow = "SELECT count(*) AS n FROM range(0, 6, 1, 1) \
                WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL";
    let t = k.execute(slow).await;
    ok(&t);
    assert!(result_text(&t).contains("| 6 |"), "{}", result_text(&t));

    let started = Instant::now();
    let cell = k
        .send_shell("execute_request", crate::harness::execute_content(slow))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    relay.silence_all();
    let t = k.transcript(&cell).await;
    ok(&t);
    assert!(result_text(&t).contains("| 6 |"), "{}", result_text(&t));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
