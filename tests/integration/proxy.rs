//! Off the cluster: the kernel through a real proxy (pproxy from PyPI, HTTP and SOCKS5) to
//! names only the proxy resolves, as BERDL's remote users reach `spark.berdl.kbase.us`; the
//! proxy variables as gRPC's clients read them; each proxy fault named within 20 s, the next
//! cell working once the proxy is back.

use std::time::{Duration, Instant};

use crate::harness::pproxy::{free_port, Pproxy, AUTH_NAME, SPARK_NAME};
use crate::harness::reading::{failing, grid_rows, ok, result_text, Failure};
use crate::harness::spark;
use crate::harness::standin::AuthStandin;
use crate::harness::Frontend;

/// What a proxy fault may take at most, to the end of the cell.
const FAULT_BOUND: Duration = Duration::from_secs(20);

/// The run's server by a name only the proxy resolves.
#[track_caller]
fn far_spark() -> String {
    let port = spark::url().rsplit(':').next().unwrap().to_owned();
    format!("sc://{SPARK_NAME}:{port}")
}

/// The stand-in's URL by a name only the proxy resolves.
fn far_auth(auth: &AuthStandin) -> String {
    format!("http://{AUTH_NAME}:{}/", auth.port())
}

async fn kernel_via(auth_url: &str, spark_url: &str, extra: &[(&str, &str)]) -> Frontend {
    let mut vars = vec![
        ("KBASE_AUTH_URL", auth_url),
        ("KBASE_TOKEN_FILE", "/nonexistent/spark-sql-kernel-test"),
        ("SPARK_CONNECT_URL", spark_url),
    ];
    let token = spark::token();
    vars.push(("KBASE_AUTH_TOKEN", &token));
    vars.extend_from_slice(extra);
    Frontend::start(crate::harness::settings(&vars)).await
}

/// A kernel whose Spark Connect calls go through `proxy`; Auth2 (on 127.0.0.1) straight.
async fn kernel_proxied(auth: &AuthStandin, spark_url: &str, proxy: &str) -> Frontend {
    let vars = [("grpc_proxy", proxy), ("no_proxy", "127.0.0.1")];
    kernel_via(&auth.url, spark_url, &vars).await
}

/// `SELECT 1` fails within [`FAULT_BOUND`]: its ename and evalue.
async fn fails_in_time(k: &mut Frontend) -> (String, String) {
    let started = Instant::now();
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(k, "SELECT 1").await;
    assert!(started.elapsed() < FAULT_BOUND, "{:?}", started.elapsed());
    (ename, evalue)
}

#[track_caller]
fn whoami_row(t: &crate::harness::Transcript, row: &str) -> String {
    let text = result_text(t);
    text.lines()
        .find(|l| l.trim_start_matches(['|', ' ']).starts_with(row))
        .unwrap_or_else(|| panic!("no {row} row in {text}"))
        .to_owned()
}

#[tokio::test]
async fn an_http_proxy_carries_spark_and_auth2_to_names_only_it_resolves() {
    let auth = spark::standin();
    let proxy = Pproxy::start("http", None);
    let url = proxy.url("http", None);
    let mut k = kernel_via(&far_auth(&auth), &far_spark(), &[("grpc_proxy", &url)]).await;
    let t = k.execute("SELECT 6 * 7 AS answer").await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t))[0], vec!["42"]);
    let t = k.execute("%whoami").await;
    let spark_row = whoami_row(&t, "Spark route");
    assert!(
        spark_row.contains(&format!("proxy {url} (from grpc_proxy)")),
        "{spark_row}"
    );
    assert!(spark_row.contains("opened"), "{spark_row}");
    let auth_row = whoami_row(&t, "Auth2 route");
    assert!(auth_row.contains("(from grpc_proxy)"), "{auth_row}");
}

#[tokio::test]
async fn without_the_proxy_the_far_names_lead_nowhere() {
    let auth = spark::standin();
    let mut k = kernel_via(&auth.url, &far_spark(), &[]).await;
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "SparkConnectError");
    assert!(
        evalue.contains(&format!("cannot reach Spark Connect at {}", far_spark())),
        "{evalue}"
    );
}

#[tokio::test]
async fn https_proxy_is_read_when_grpc_proxy_is_not_and_no_proxy_sends_hosts_straight() {
    let auth = spark::standin();
    let proxy = Pproxy::start("http", None);
    let url = proxy.url("http", None);
    let mut k = kernel_via(
        &auth.url,
        &far_spark(),
        &[("https_proxy", &url), ("no_proxy", "127.0.0.0/8")],
    )
    .await;
    ok(&k.execute("SELECT 1").await);
    let t = k.execute("%whoami").await;
    let auth_row = whoami_row(&t, "Auth2 route");
    assert!(
        auth_row.contains("direct (127.0.0.1 is excepted by no_proxy)"),
        "{auth_row}"
    );
    let spark_row = whoami_row(&t, "Spark route");
    assert!(spark_row.contains("(from https_proxy)"), "{spark_row}");
    // A dead proxy for every host but the listed ones: the run's server by address passes.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let mut k = kernel_via(
        &auth.url,
        &spark::url(),
        &[("grpc_proxy", &dead), ("NO_PROXY", "localhost,127.0.0.1")],
    )
    .await;
    ok(&k.execute("SELECT 1").await);
}

#[tokio::test]
async fn proxy_credentials_are_sent_and_wrong_ones_are_named_without_the_password() {
    let auth = spark::standin();
    let proxy = Pproxy::start("http", Some("remote:tunnelpass"));
    let good = proxy.url("http", Some("remote:tunnelpass"));
    let mut k = kernel_proxied(&auth, &far_spark(), &good).await;
    ok(&k.execute("SELECT 1").await);
    let wrong = proxy.url("http", Some("remote:wrongpass"));
    let mut k = kernel_proxied(&auth, &far_spark(), &wrong).await;
    let (_, evalue) = fails_in_time(&mut k).await;
    assert!(
        evalue.contains(&format!(
            "through the proxy http://127.0.0.1:{}",
            proxy.port
        )),
        "{evalue}"
    );
    assert!(evalue.contains("407"), "{evalue}");
    assert!(evalue.contains("other credentials"), "{evalue}");
    assert!(!evalue.contains("wrongpass"), "{evalue}");
}

#[tokio::test]
async fn socks5h_resolves_names_on_the_far_side_and_socks5_here() {
    let auth = spark::standin();
    let proxy = Pproxy::start("socks5", None);
    let far = proxy.url("socks5h", None);
    let mut k = kernel_via(&far_auth(&auth), &far_spark(), &[("grpc_proxy", &far)]).await;
    let t = k.execute("SELECT 'through ssh -D' AS hop").await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t))[0], vec!["through ssh -D"]);
    // socks5:// resolves here, where the far name means nothing.
    let near = proxy.url("socks5", None);
    let mut k = kernel_proxied(&auth, &far_spark(), &near).await;
    let Failure {
        ename: _,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert!(
        evalue.contains(&format!("cannot resolve {SPARK_NAME}")),
        "{evalue}"
    );
    // By address, socks5:// passes.
    let mut k = kernel_via(
        &auth.url,
        &spark::url(),
        &[("grpc_proxy", &near), ("no_proxy", "localhost")],
    )
    .await;
    ok(&k.execute("SELECT 1").await);
}

#[tokio::test]
async fn a_proxy_that_is_down_is_named_in_time_and_the_next_cell_works_once_it_is_back() {
    let auth = spark::standin();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut k = kernel_proxied(&auth, &far_spark(), &url).await;
    let (ename, evalue) = fails_in_time(&mut k).await;
    assert_eq!(ename, "SparkConnectError");
    assert!(
        evalue.contains(&format!("through the proxy {url}")),
        "{evalue}"
    );
    assert!(
        evalue.contains("nothing answers at its address"),
        "{evalue}"
    );
    assert!(
        evalue.contains("start the tunnel and the proxy"),
        "{evalue}"
    );
    let _proxy = Pproxy::start_on("http", None, port);
    ok(&k.execute("SELECT 1").await);
}

#[tokio::test]
async fn a_proxy_that_cannot_reach_the_server_says_so_in_time() {
    let auth = spark::standin();
    let proxy = Pproxy::start("http", None);
    let url = proxy.url("http", None);
    let nowhere = format!("sc://nowhere.far.test:{}", free_port());
    let mut k = kernel_proxied(&auth, &nowhere, &url).await;
    let (_, evalue) = fails_in_time(&mut k).await;
    assert!(
        evalue.contains(&format!("through the proxy {url}")),
        "{evalue}"
    );
    assert!(
        evalue.contains("closed the connection without answering"),
        "{evalue}"
    );
    assert!(evalue.contains("cannot reach the server"), "{evalue}");
}

#[tokio::test]
async fn auth2_behind_a_refusing_proxy_is_the_proxys_fault_not_auth2s() {
    let auth = spark::standin();
    let proxy = Pproxy::start("http", Some("remote:tunnelpass"));
    let url = proxy.url("http", None);
    let mut k = kernel_via(&far_auth(&auth), &far_spark(), &[("grpc_proxy", &url)]).await;
    let Failure {
        ename,
        evalue,
        traceback: _,
    } = failing(&mut k, "SELECT 1").await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(
        evalue.contains(&format!(
            "cannot reach KBase Auth2 at {} through the proxy {url}",
            far_auth(&auth)
        )),
        "{evalue}"
    );
    assert!(evalue.contains("407"), "{evalue}");
    assert!(!evalue.contains("KBASE_AUTH_URL points"), "{evalue}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_restarted_during_a_query_is_a_lost_connection_that_resumes() {
    let auth = spark::standin();
    let mut proxy = Pproxy::start("http", None);
    let url = proxy.url("http", None);
    let mut k = kernel_proxied(&auth, &far_spark(), &url).await;
    ok(&k.execute("SELECT 1").await);
    let id = k.send_execute(&spark::sleeping_query(3, 1)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    tokio::task::block_in_place(|| proxy.restart());
    let t = k.transcript(&id).await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t))[0], vec!["3"]);
}

#[tokio::test]
async fn a_silent_proxy_is_named_in_time() {
    let auth = spark::standin();
    // Accepts connections (the system's backlog does) and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let mut k = kernel_proxied(&auth, &far_spark(), &url).await;
    let (_, evalue) = fails_in_time(&mut k).await;
    assert!(
        evalue.contains(&format!("through the proxy {url}")),
        "{evalue}"
    );
    assert!(evalue.contains("did not answer within 10 s"), "{evalue}");
    assert!(evalue.contains("a frozen ssh -D"), "{evalue}");
}
