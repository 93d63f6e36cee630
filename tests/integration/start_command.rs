//! A pod whose Spark Connect server is not running yet: `SPARK_CONNECT_START_COMMAND` starts it.
//! The "server" the command starts is the project's gRPC pass-through (`tests/berdl/proxy.py`)
//! in front of the run's Spark, launched in the background as BERDL's one-liner launches Spark.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::harness::reading::{error, ok, result_text};
use crate::harness::spark::{self, kernel_settings};
use crate::harness::standin::AuthStandin;
use crate::harness::Frontend;

#[track_caller]
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A start command, with its run counter and the pid file of what it launched.
struct Start {
    dir: tempfile::TempDir,
    port: u16,
    /// The port bound but not listening, for tests whose command starts nothing there: it
    /// refuses connections, and no other process (a Spark executor of the run's shared cluster,
    /// say) can take it meanwhile.
    _held: Option<tokio::net::TcpSocket>,
}

impl Start {
    #[track_caller]
    fn new() -> Start {
        Start {
            dir: tempfile::tempdir().unwrap(),
            port: free_port(),
            _held: None,
        }
    }

    /// A start command whose port nothing will ever listen on.
    #[track_caller]
    fn never_listening() -> Start {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        Start {
            dir: tempfile::tempdir().unwrap(),
            port: socket.local_addr().unwrap().port(),
            _held: Some(socket),
        }
    }

    /// `sh -c` text that counts its runs and launches the pass-through on the port.
    #[track_caller]
    fn command(&self, auth: &AuthStandin) -> String {
        let python = std::env::var("SPARK_SQL_KERNEL_TEST_PYTHON").unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/berdl/proxy.py");
        let backend = spark::url().trim_start_matches("sc://").to_owned();
        let dir = self.dir.path().display();
        format!(
            "echo run >> {dir}/runs; echo launching the server; \
             nohup {python} {script} --backend {backend} --auth-url {} --mode pod \
             --owner alice_smith --port {} > {dir}/server.log 2>&1 & echo $! > {dir}/pid",
            auth.url, self.port
        )
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    async fn kernel(&self, auth: &AuthStandin, command: &str, timeout: &str) -> Frontend {
        let url = format!("sc://127.0.0.1:{}", self.port);
        let runtime = self.dir.path().join("runtime");
        let runtime = runtime.to_str().unwrap();
        let extra = [
            ("SPARK_CONNECT_START_COMMAND", command),
            ("SPARK_CONNECT_START_TIMEOUT", timeout),
            ("JUPYTER_RUNTIME_DIR", runtime),
        ];
        Frontend::start(kernel_settings(auth, &spark::token(), &url, &extra)).await
    }
}

impl Drop for Start {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("pid")) {
            let _ = std::process::Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[tokio::test]
async fn a_server_that_is_not_running_is_started_once_by_one_of_two_kernels() {
    let auth = spark::standin();
    let start = Start::new();
    let command = start.command(&auth);
    let mut first = start.kernel(&auth, &command, "60").await;
    let mut second = start.kernel(&auth, &command, "60").await;
    let (a, b) = tokio::join!(
        first.execute("SELECT 1 AS one"),
        second.execute("SELECT 2 AS two")
    );
    ok(&a);
    ok(&b);
    assert!(result_text(&a).contains("one"), "{:?}", result_text(&a));
    assert!(result_text(&b).contains("two"), "{:?}", result_text(&b));
    assert_eq!(
        start.runs(),
        1,
        "two kernels at the same moment run the command once"
    );
    let lines: Vec<String> = [&a, &b]
        .iter()
        .flat_map(|t| t.outputs("update_display_data"))
        .chain([&a, &b].iter().flat_map(|t| t.outputs("display_data")))
        .map(|d| d["data"]["text/plain"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Starting your Spark Connect server… ")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Spark Connect server started · ")),
        "{lines:?}"
    );
    // Its output went to the log, not the notebook.
    let published = format!("{:?}{:?}", a.iopub, b.iopub);
    assert!(
        !published.contains("launching the server"),
        "the start command's output stays in the log: {published}"
    );
    // A kernel that starts later finds the server up and never runs the command.
    let mut third = start.kernel(&auth, &command, "60").await;
    ok(&third.execute("SELECT 3 AS three").await);
    assert_eq!(start.runs(), 1);
    let t = third.execute("%whoami").await;
    assert!(
        result_text(&t).contains("Start command"),
        "{}",
        result_text(&t)
    );
}

#[tokio::test]
async fn a_failing_or_slow_start_command_is_a_clear_error_within_its_timeout() {
    let auth = spark::standin();
    let start = Start::never_listening();
    let mut k = start
        .kernel(&auth, "echo cannot start: no quota >&2; exit 3", "30")
        .await;
    let began = Instant::now();
    let e = error(&k.execute("SELECT 1").await);
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "{:?} < {:?}",
        began.elapsed(),
        Duration::from_secs(10)
    );
    let evalue = e["evalue"].as_str().unwrap();
    assert_eq!(e["ename"], "SparkConnectError");
    assert!(evalue.contains("exit status: 3"), "{evalue}");
    assert!(evalue.contains("cannot start: no quota"), "{evalue}");

    let mut k = start.kernel(&auth, "echo launched", "2").await;
    let began = Instant::now();
    let e = error(&k.execute("SELECT 1").await);
    assert!(
        began.elapsed() < Duration::from_secs(8),
        "{:?}",
        began.elapsed()
    );
    let evalue = e["evalue"].as_str().unwrap();
    assert!(evalue.contains("did not answer within 2 s"), "{evalue}");
    assert!(evalue.contains("launched"), "{evalue}");
}

#[tokio::test]
async fn the_wait_for_a_starting_server_can_be_interrupted() {
    let auth = spark::standin();
    let start = Start::new();
    let mut k = start.kernel(&auth, "sleep 30", "60").await;
    let cell = k.send_execute("SELECT 1").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let interrupted = Instant::now();
    k.control_request("interrupt_request", json!({})).await;
    let t = k.transcript(&cell).await;
    assert!(
        interrupted.elapsed() < Duration::from_secs(2),
        "{:?}",
        interrupted.elapsed()
    );
    assert_eq!(error(&t)["ename"], "KeyboardInterrupt");
}
