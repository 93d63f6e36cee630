//! Faults that went wrong once in dozens of runs, looped enough times to catch a rare failure:
//! the live line through a silent connection after resets (it must update at least every 2 s
//! until the cell ends), and interrupts, straight and through the look-alike of BERDL's public
//! proxy (every one must end as `KeyboardInterrupt`, never as ok).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::reading::{error, ok, progress_lines};
use crate::harness::relay::Relay;
use crate::harness::spark::{self, kernel_settings};
use crate::harness::{Frontend, Msg, Transcript};

/// Runs of each scenario.
const ROUNDS: usize = 20;
/// The most the live line may stay unchanged while its cell runs.
const MAX_GAP: Duration = Duration::from_secs(2);

/// When the kernel made a message (its header's `date`).
#[track_caller]
fn made_at(message: &Msg) -> chrono::DateTime<chrono::FixedOffset> {
    let date = message.header["date"].as_str().unwrap_or_default();
    chrono::DateTime::parse_from_rfc3339(date)
        .unwrap_or_else(|e| panic!("header date {date:?} does not parse: {e}"))
}

/// The longest time the live line went without an update, from its first showing to the
/// cell's reply.
#[track_caller]
fn longest_gap(t: &Transcript) -> Duration {
    let shown: Vec<_> = t
        .iopub
        .iter()
        .filter(|m| m.msg_type == "display_data" || m.msg_type == "update_display_data")
        .filter(|m| {
            m.content["data"]["text/plain"]
                .as_str()
                .is_some_and(|s| s.starts_with("Spark: "))
        })
        .map(made_at)
        .collect();
    assert!(!shown.is_empty(), "the cell showed no live line");
    let mut times = shown;
    times.push(made_at(&t.reply));
    times
        .windows(2)
        .map(|w| (w[1] - w[0]).to_std().unwrap_or_default())
        .max()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_live_line_ticks_through_silence_after_resets() {
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
    for round in 0..ROUNDS {
        // A connection reset in the middle of a query: resumed on a fresh connection.
        let cell = k.send_execute(&spark::sleeping_query(2, 1)).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
        relay.cut_all();
        ok(&k.transcript(&cell).await);
        // Then a connection that goes silent: given up after 3 s, resumed on a new one.
        let cell = k.send_execute(&spark::sleeping_query(6, 1)).await;
        tokio::time::sleep(Duration::from_millis(1500 + 100 * (round as u64 % 10))).await;
        relay.silence_all();
        let t = k.transcript(&cell).await;
        ok(&t);
        let gap = longest_gap(&t);
        assert!(
            gap <= MAX_GAP,
            "round {round}: the live line stood still for {gap:?}: {:#?}",
            progress_lines(&t)
        );
    }
}

/// Interrupts a long query `ROUNDS` times at moments spread over its first seconds (before its
/// stream begins, between reattaches, mid-stage); each must end as `KeyboardInterrupt`.
async fn interrupted_every_time(k: &mut Frontend, through: &str) {
    for round in 0..ROUNDS {
        // A CPU-bound count and a sleeping query (a task that waits), in turn.
        let sql = if round % 2 == 0 {
            "SELECT count(*) FROM range(0, 30000000000)".to_owned()
        } else {
            spark::sleeping_query(60, 1)
        };
        let cell = k.send_execute(&sql).await;
        let after = Duration::from_millis(150 + 110 * round as u64);
        tokio::time::sleep(after).await;
        let interrupted = Instant::now();
        let reply = k.control_request("interrupt_request", json!({})).await;
        assert_eq!(
            reply.reply.content["status"], "ok",
            "{through}, round {round}"
        );
        let t = k.transcript(&cell).await;
        assert_eq!(
            t.reply.content["status"], "error",
            "{through}, round {round} (interrupted after {after:?}): the cell ended as {}",
            t.reply.content
        );
        let e = error(&t);
        assert_eq!(
            e["ename"], "KeyboardInterrupt",
            "{through}, round {round}: {e}"
        );
        assert!(
            t.outputs("execute_result").is_empty(),
            "{through}, round {round}: an interrupted cell showed a result"
        );
        let took = interrupted.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "{through}, round {round}: {took:?}"
        );
    }
    ok(&k.execute("SELECT 'after' AS x").await);
}

#[tokio::test]
async fn every_interrupt_ends_as_keyboard_interrupt() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    interrupted_every_time(&mut k, "straight").await;
}

#[tokio::test]
async fn every_interrupt_through_the_public_proxy_ends_as_keyboard_interrupt() {
    let auth = spark::standin();
    let backend = spark::url();
    let proxy = BerdlProxy::start(Mode::Public, backend.trim_start_matches("sc://"), &auth.url);
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &proxy.url, &[])).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    interrupted_every_time(&mut k, "through the public proxy").await;
}

#[tokio::test]
async fn streams_that_always_end_empty_are_an_error_not_a_hang() {
    let auth = spark::standin();
    let backend = spark::url();
    let empty = ["--end-streams-empty"];
    let proxy = BerdlProxy::start_with(
        Mode::Public,
        backend.trim_start_matches("sc://"),
        &auth.url,
        &empty,
    );
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &proxy.url, &[])).await;
    let started = Instant::now();
    let t = k.execute("SELECT 1 AS one").await;
    let e = error(&t);
    assert_eq!(e["ename"], "SparkConnectError", "{e}");
    let evalue = e["evalue"].as_str().unwrap_or_default();
    assert!(evalue.contains("ended 10 times in a row"), "{evalue}");
    assert!(t.outputs("execute_result").is_empty(), "a result was shown");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
