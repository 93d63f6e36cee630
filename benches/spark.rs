//! Figures for the Spark Connect client against a real server (`scripts/bench` starts one):
//! `SELECT 1`, and a 1e6-row query shown with limit 100, as medians of repeated runs.
//! Prints a table; asserts nothing about time (speed goals live here, not in tests).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use spark_connect::BearerToken;
use spark_connect::{Credentials, SparkClient};
use spark_sql_kernel::config::Settings;
use tokio_util::sync::CancellationToken;

const QUERY_1E6: &str = "SELECT id, id * 2 AS x, cast(id AS string) s FROM range(1000000)";

/// The pause between runs (not timed), the same for every client measured.
const PAUSE: Duration = Duration::from_millis(20);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn time(
    client: &mut SparkClient,
    creds: &Credentials,
    sql: &str,
    limit: usize,
    runs: usize,
) -> (Duration, u64) {
    let never = CancellationToken::new();
    let mut samples = Vec::with_capacity(runs);
    let mut received = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let result = client.execute_sql(creds, sql, limit, &never).await.unwrap();
        samples.push(started.elapsed());
        received = result.rows_received;
        // Cells are seconds apart: let the server finish releasing the last result.
        tokio::time::sleep(PAUSE).await;
    }
    (median(samples), received)
}

fn main() {
    spark_sql_kernel::install_crypto_provider();
    let url = std::env::var("SPARK_SQL_KERNEL_BENCH_URL").expect(
        "SPARK_SQL_KERNEL_BENCH_URL: run scripts/bench, which starts a Spark Connect server",
    );
    let token = std::env::var("SPARK_SQL_KERNEL_BENCH_TOKEN").unwrap_or_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let creds = Credentials {
            user: "bench".into(),
            token: BearerToken::new(&token).unwrap_or_else(|| BearerToken::new("none").unwrap()),
            token_headers: &[],
        };
        let started = Instant::now();
        let mut client = SparkClient::new(
            Settings::from_vars(|name| (name == "SPARK_CONNECT_URL").then(|| url.clone()))
                .spark()
                .address_for("bench_user")
                .unwrap(),
            "spark-sql-kernel-bench".to_owned(),
            Vec::new(),
        )
        .unwrap();
        let never = CancellationToken::new();
        client
            .execute_sql(&creds, "SELECT 1", 100, &never)
            .await
            .unwrap();
        let first = started.elapsed();
        // Warm up the server's code paths (and its JIT) for both queries.
        time(&mut client, &creds, "SELECT 1", 100, 20).await;
        time(&mut client, &creds, QUERY_1E6, 100, 20).await;
        let (select1, _) = time(&mut client, &creds, "SELECT 1", 100, 50).await;
        let (limited, received) = time(&mut client, &creds, QUERY_1E6, 100, 30).await;
        println!("spark-sql-kernel client (Rust, release), medians:");
        println!(
            "  new client + session + first SELECT 1   {:>8.1} ms",
            ms(first)
        );
        println!(
            "  SELECT 1                                 {:>8.1} ms",
            ms(select1)
        );
        println!(
            "  1e6-row query, limit 100 ({received} rows sent) {:>8.1} ms",
            ms(limited)
        );
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
