//! A server that is still starting: behind BERDL's public proxy (the project's look-alike),
//! which answers "not reachable" until the server listens 15 s later, and straight at an
//! address that refuses connections. The cell waits with a live line and then runs; with the
//! wait off, the proxy's answer is the error at once; past the limit, the error says how long.

use std::time::{Duration, Instant};

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::reading::{error, grid_rows, ok, result_text};
use crate::harness::relay::Relay;
use crate::harness::{spark, Frontend, Transcript};

/// The texts of the live lines a cell showed and updated.
fn lines(t: &Transcript) -> Vec<String> {
    ["display_data", "update_display_data"]
        .iter()
        .flat_map(|kind| t.outputs(kind))
        .filter_map(|c| c["data"]["text/plain"].as_str().map(str::to_owned))
        .collect()
}

/// The run's server behind a port that refuses connections for `seconds`.
async fn late_server(seconds: u64) -> Relay {
    let backend = spark::url().trim_start_matches("sc://").to_owned();
    Relay::start_late(&backend, Duration::from_secs(seconds)).await
}

fn backend(relay: &Relay) -> String {
    relay.url.trim_start_matches("sc://").to_owned()
}

#[tokio::test]
async fn a_cell_waits_while_the_berdl_proxy_cannot_reach_a_starting_server() {
    let auth = spark::standin();
    let relay = late_server(15).await;
    let proxy = BerdlProxy::start(Mode::Public, &backend(&relay), &auth.url);
    let settings = spark::kernel_settings(&auth, &spark::token(), &proxy.url, &[]);
    let mut k = Frontend::start(settings).await;
    let started = Instant::now();
    let id = k.send_execute("SELECT 42 AS answer").await;
    let t = k.transcript_within(&id, Duration::from_secs(90)).await;
    ok(&t);
    assert!(
        started.elapsed() >= Duration::from_secs(14),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(grid_rows(&result_text(&t))[0], vec!["42"]);
    let shown = lines(&t);
    let waiting =
        "Waiting for your Spark Connect server to start — the BERDL proxy cannot reach it yet · ";
    assert!(shown.iter().any(|l| l.starts_with(waiting)), "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with("Your Spark Connect server answered after ")),
        "{shown:?}"
    );
}

#[tokio::test]
async fn with_the_wait_off_the_proxys_answer_is_the_error_at_once() {
    let auth = spark::standin();
    let relay = late_server(120).await;
    let proxy = BerdlProxy::start(Mode::Public, &backend(&relay), &auth.url);
    let evalue = crate::errors::connection_error_within_seconds(&auth, &proxy.url).await;
    assert!(evalue.contains("is not reachable"), "{evalue}");
    assert!(!evalue.contains("waited"), "{evalue}");
}

#[tokio::test]
async fn past_the_limit_the_error_says_how_long_the_cell_waited() {
    let auth = spark::standin();
    let relay = late_server(120).await;
    let limit = [("SPARK_CONNECT_WAIT_TIMEOUT", "4")];
    let settings = spark::kernel_settings(&auth, &spark::token(), &relay.url, &limit);
    let mut k = Frontend::start(settings).await;
    let id = k.send_execute("SELECT 1").await;
    let t = k.transcript_within(&id, Duration::from_secs(60)).await;
    let e = error(&t);
    let evalue = e["evalue"].as_str().unwrap_or_default();
    assert!(evalue.contains("Connection refused"), "{evalue}");
    assert!(evalue.contains("SPARK_CONNECT_WAIT_TIMEOUT"), "{evalue}");
    let shown = lines(&t);
    let waiting =
        "Waiting for your Spark Connect server to start — nothing answers at its address yet · ";
    assert!(shown.iter().any(|l| l.starts_with(waiting)), "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with("Stopped waiting for your Spark Connect server after ")),
        "{shown:?}"
    );
}

#[tokio::test]
async fn the_wait_ends_at_once_when_the_user_interrupts() {
    let auth = spark::standin();
    let relay = late_server(120).await;
    let settings = spark::kernel_settings(&auth, &spark::token(), &relay.url, &[]);
    let mut k = Frontend::start(settings).await;
    let id = k.send_execute("SELECT 1").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let interrupted = Instant::now();
    k.control_request("interrupt_request", serde_json::json!({}))
        .await;
    let t = k.transcript_within(&id, Duration::from_secs(10)).await;
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "{:?}",
        interrupted.elapsed()
    );
    assert_eq!(error(&t)["ename"], "KeyboardInterrupt");
    let shown = lines(&t);
    assert!(
        shown.iter().any(
            |l| l.starts_with("Stopped waiting for your Spark Connect server after ")
                && l.ends_with("(interrupted)")
        ),
        "{shown:?}"
    );
}
