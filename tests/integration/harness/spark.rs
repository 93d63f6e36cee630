//! The Spark Connect server of the test run (started once by scripts/test, named by
//! `SPARK_SQL_KERNEL_TEST_SPARK_URL` and checking `SPARK_SQL_KERNEL_TEST_SPARK_TOKEN`), and
//! private servers for the tests that stop and restart one.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::standin::AuthStandin;
use super::{settings, Frontend};
use spark_connect::BearerToken;
use spark_connect::{Credentials, SparkClient};
use spark_sql_kernel::config::Settings;

#[track_caller]
fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the Spark Connect server that scripts/test starts \
             (run scripts/test, not cargo test alone)"
        )
    })
}

/// `sc://127.0.0.1:PORT` of the run's server.
pub fn url() -> String {
    required("SPARK_SQL_KERNEL_TEST_SPARK_URL")
}

/// The token the run's server accepts (`SPARK_CONNECT_AUTHENTICATE_TOKEN`).
pub fn token() -> String {
    required("SPARK_SQL_KERNEL_TEST_SPARK_TOKEN")
}

/// A KBase stand-in where the run's token belongs to alice_smith and `OTHER` (valid in
/// KBase, unknown to Spark) to bob.
pub const OTHER: &str = "OTHERUSER234567ABCDEFGHIJKLMNOPQ";

pub fn standin() -> AuthStandin {
    AuthStandin::start(
        json!({
            "tokens": {
                token(): { "user": "alice_smith", "type": "Login", "mfa": "Used" },
                OTHER: { "user": "bob", "type": "Login" },
            },
            "users": { "alice_smith": { "display": "Alice Smith" } },
        }),
        &[],
    )
}

/// Settings of a kernel for the run's server, with `token` and `extra` variables.
pub fn kernel_settings(
    auth: &AuthStandin,
    token: &str,
    url: &str,
    extra: &[(&str, &str)],
) -> Settings {
    let mut vars = vec![
        ("KBASE_AUTH_URL", auth.url.as_str()),
        ("KBASE_AUTH_TOKEN", token),
        ("KBASE_TOKEN_FILE", "/nonexistent/spark-sql-kernel-test"),
        ("SPARK_CONNECT_URL", url),
    ];
    vars.extend_from_slice(extra);
    settings(&vars)
}

/// A kernel (in-process, over ZeroMQ) on the run's server as alice_smith.
pub async fn kernel(auth: &AuthStandin) -> Frontend {
    Frontend::start(kernel_settings(auth, &token(), &url(), &[])).await
}

/// A Spark Connect server of one test's own (for stopping and restarting it).
pub struct PrivateServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl PrivateServer {
    #[track_caller]
    pub fn start() -> PrivateServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = PrivateServer {
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        server.restart();
        server
    }

    pub fn url(&self) -> String {
        format!("sc://127.0.0.1:{}", self.port)
    }

    /// Starts the server (again, with a fresh warehouse) and waits until it answers a query.
    #[track_caller]
    pub fn restart(&mut self) {
        self.stop();
        let run = self
            .dir
            .path()
            .join(format!("run-{}", uuid::Uuid::new_v4()));
        let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/spark-connect-server");
        let child = Command::new(script)
            .arg(self.port.to_string())
            .arg(&run)
            .env("SPARK_HOME", required("SPARK_HOME"))
            .env("SPARK_CONNECT_AUTHENTICATE_TOKEN", token())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("scripts/spark-connect-server did not start");
        self.child = Some(child);
        let ready = Command::new(required("SPARK_SQL_KERNEL_TEST_PYTHON"))
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/spark_connect_ready.py"
            ))
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("120")
            .env("SPARK_CONNECT_TOKEN", token())
            .status()
            .unwrap();
        assert!(
            ready.success(),
            "the private Spark Connect server did not get ready"
        );
    }

    /// Sends `signal` (`STOP`, `CONT`) to the server's JVM.
    #[track_caller]
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("the server runs").id();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// Stops the server and waits until its port is closed.
    #[track_caller]
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "the port stayed open");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[track_caller]
pub fn creds() -> Credentials {
    Credentials {
        user: "alice_smith".into(),
        token: BearerToken::new(&token()).unwrap(),
        token_headers: &[],
    }
}

#[track_caller]
pub fn client() -> SparkClient {
    let url = url();
    let settings = spark_sql_kernel::config::Settings::from_vars(|name| {
        (name == "SPARK_CONNECT_URL").then(|| url.clone())
    });
    let address = settings.spark().address_for("alice_smith").unwrap();
    SparkClient::new(address, "spark-sql-kernel-tests".to_owned(), Vec::new()).unwrap()
}

/// `SELECT count(*) AS n` over `rows` rows in `partitions` partitions, each row sleeping a
/// second: about `rows / min(partitions, 2)` seconds on the run's two local cores, with real
/// stages, tasks and progress reports.
pub fn sleeping_query(rows: usize, partitions: usize) -> String {
    format!(
        "SELECT count(*) AS n FROM range(0, {rows}, 1, {partitions}) \
         WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL"
    )
}

/// A table name no other test uses.
pub fn table(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}
