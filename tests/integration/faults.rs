//! Faults the way production meets them: connections to Spark reset or silenced in the middle
//! of a query (a server killed or frozen in the middle of one: `sessions.rs`, on its private
//! server). Only the user's interrupt may say "interrupted". KBase Auth2 stopped, frozen or
//! slow after (or at) start-up.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::reading::{error, ok, progress_lines, result_text, stderr};
use crate::harness::relay::Relay;
use crate::harness::spark::{self, kernel_settings};
use crate::harness::standin::AuthStandin;
use crate::harness::Frontend;

#[tokio::test]
async fn a_cut_connection_mid_query_is_resumed_on_a_fresh_one() {
    let auth = spark::standin();
    let relay = Relay::start(spark::url().trim_start_matches("sc://")).await;
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &relay.url, &[])).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    // About three seconds on one partition: it holds one of the run's two local cores only.
    let slow = spark::sleeping_query(3, 1);
    for round in 0..3 {
        let cell = k.send_execute(&slow).await;
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

/// A relay to the run's server and a warmed-up kernel through it with `stall` seconds of
/// SPARK_CONNECT_STALL_TIMEOUT.
async fn through_relay(auth: &AuthStandin, stall: &str) -> (Relay, Frontend) {
    let relay = Relay::start(spark::url().trim_start_matches("sc://")).await;
    let stall = ("SPARK_CONNECT_STALL_TIMEOUT", stall);
    let mut k = Frontend::start(kernel_settings(auth, &spark::token(), &relay.url, &[stall])).await;
    ok(&k.execute("SELECT 1 AS warm").await);
    (relay, k)
}

#[tokio::test]
async fn a_silent_connection_mid_query_is_given_up_and_resumed_on_a_new_one() {
    let auth = spark::standin();
    let (relay, mut k) = through_relay(&auth, "3").await;
    // Spark reports progress every 2 s: a query longer than the stall timeout is not silent.
    let slow = spark::sleeping_query(6, 1);
    let t = k.execute(&slow).await;
    ok(&t);
    assert!(result_text(&t).contains("| 6 |"), "{}", result_text(&t));

    let started = Instant::now();
    let cell = k.send_execute(&slow).await;
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

#[tokio::test]
async fn a_silent_link_before_the_first_stage_keeps_the_line_counting_and_says_so() {
    let auth = spark::standin();
    let (relay, mut k) = through_relay(&auth, "13").await;
    relay.silence_all();
    // Nothing passes on the open connection until the stall timeout (13 s) gives it up.
    let t = k.execute("SELECT 2 AS after").await;
    let lines = progress_lines(&t);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("the server has not answered for 10 s")),
        "the silence was never said: {lines:#?}"
    );
    let counted: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| l.rsplit(" · ").next())
        .collect();
    assert!(counted.len() >= 10, "the line stopped counting: {lines:#?}");
    // The relay carries new connections: the next cell works.
    ok(&k.execute("SELECT 3 AS next").await);
}

/// The stand-in with the run's Spark token as alice_smith's, its validations good for a second.
fn brief_standin(extra: &[&str]) -> AuthStandin {
    let config = json!({
        "tokens": { spark::token(): { "user": "alice_smith", "mfa": "Used", "cachefor": 1000 } },
        "users": { "alice_smith": { "display": "Alice Smith" } },
    });
    AuthStandin::start(config, extra)
}

/// Runs `code`: it must succeed within `limit`; returns what it wrote to stderr.
async fn works_within(k: &mut Frontend, code: &str, limit: Duration) -> String {
    let started = Instant::now();
    let t = k.execute(code).await;
    ok(&t);
    assert!(started.elapsed() < limit, "{code}: {:?}", started.elapsed());
    stderr(&t)
}

#[tokio::test]
async fn sql_goes_on_through_an_auth2_outage_on_the_last_good_validation() {
    let auth = brief_standin(&[]);
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &spark::url(), &[])).await;
    works_within(&mut k, "SELECT 1", Duration::from_secs(10)).await;

    // Stopped: told once, on stderr; shown by %whoami.
    let port = auth.port();
    drop(auth);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let told = works_within(&mut k, "SELECT 2", Duration::from_secs(3)).await;
    assert!(told.contains("cannot reach KBase Auth2"), "{told}");
    assert!(told.contains("Working on as alice_smith"), "{told}");
    assert_eq!(
        works_within(&mut k, "SELECT 3", Duration::from_secs(2)).await,
        ""
    );
    let whoami = result_text(&k.execute("%whoami").await);
    assert!(whoami.contains("out since"), "{whoami}");

    // Back: validated again (the outage is over).
    let auth = brief_standin(&["--port", &port]);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    works_within(&mut k, "SELECT 4", Duration::from_secs(3)).await;
    let whoami = result_text(&k.execute("%whoami").await);
    assert!(!whoami.contains("out since"), "{whoami}");

    // Frozen (no answer at all): a cell waits two seconds at most, the next ones not at all.
    auth.signal("STOP");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    works_within(&mut k, "SELECT 5", Duration::from_secs(4)).await;
    works_within(&mut k, "SELECT 6", Duration::from_millis(1500)).await;
    auth.signal("CONT");
}

#[tokio::test]
async fn a_slow_auth2_at_start_is_waited_for_once_and_the_wait_is_interruptible() {
    let auth = brief_standin(&["--slow", "60"]);
    let mut k = Frontend::start(kernel_settings(&auth, &spark::token(), &spark::url(), &[])).await;
    let started = Instant::now();
    let cell = k
        .send_shell(
            "execute_request",
            crate::harness::execute_content("SELECT 1"),
        )
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let interrupted = Instant::now();
    k.control_request("interrupt_request", json!({})).await;
    let e = error(&k.transcript(&cell).await);
    assert!(
        interrupted.elapsed() < Duration::from_secs(2),
        "{:?}",
        interrupted.elapsed()
    );
    assert_eq!(e["ename"], "KeyboardInterrupt", "{e}");

    // The start-up validation times out after 10 s: the cell waiting for it fails then, without
    // a second 10 s wait.
    let cell = k
        .send_shell(
            "execute_request",
            crate::harness::execute_content("SELECT 1"),
        )
        .await;
    let e = error(&k.transcript_within(&cell, Duration::from_secs(25)).await);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(13), "{took:?}");
    let evalue = e["evalue"].as_str().unwrap();
    assert!(evalue.contains("cannot reach KBase Auth2"), "{evalue}");
}
