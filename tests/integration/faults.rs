//! Faults the way production meets them: a connection to Spark cut in the middle of a query, a
//! server killed in the middle of one. Only the user's interrupt may say "interrupted".

use std::time::{Duration, Instant};

use crate::harness::reading::{failing, ok, result_text};
use crate::harness::relay::Relay;
use crate::harness::spark::{self, kernel_settings, PrivateServer};
use crate::harness::Frontend;

/// A query of about four seconds (four partitions sleeping a second each, on two cores).
const SLOW: &str = "SELECT count(*) AS n FROM range(0, 8, 1, 4) \
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
            result_text(&t).contains('8'),
            "round {round}: {}",
            result_text(&t)
        );
    }
}

#[tokio::test]
async fn a_server_killed_mid_query_is_named_as_such_never_as_an_interrupt() {
    let auth = spark::standin();
    let mut server = PrivateServer::start();
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &server.url(), &[])).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    let cell = k
        .send_shell("execute_request", crate::harness::execute_content(SLOW))
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed = Instant::now();
    server.stop();
    let t = k.transcript(&cell).await;
    assert!(
        killed.elapsed() < Duration::from_secs(15),
        "{:?}",
        killed.elapsed()
    );
    let e = crate::harness::reading::error(&t);
    let evalue = e["evalue"].as_str().unwrap();
    assert_eq!(e["ename"], "SparkConnectError", "{evalue}");
    assert!(!evalue.contains("interrupted"), "{evalue}");
    assert!(evalue.contains("cannot reach Spark Connect"), "{evalue}");
    let (ename, _, _) = failing(&mut k, "SELECT 2").await;
    assert_eq!(ename, "SparkConnectError");
}
