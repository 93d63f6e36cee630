//! pproxy from PyPI (what BERDL's remote users run) as an HTTP or SOCKS5 proxy, started per
//! test in a mount namespace of its own whose `/etc/hosts` maps the names of [`FAR_NAMES`] to
//! 127.0.0.1: only through the proxy do those names lead anywhere, so a connection that skips
//! the proxy cannot pass by accident. Needs root (unshare, mount), as scripts/test has.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Names only the proxy resolves (to 127.0.0.1).
pub const SPARK_NAME: &str = "spark.far.test";
pub const AUTH_NAME: &str = "auth.far.test";
const FAR_NAMES: [&str; 2] = [SPARK_NAME, AUTH_NAME];

pub struct Pproxy {
    child: Option<Child>,
    pub port: u16,
    listen: String,
    _dir: tempfile::TempDir,
    hosts: std::path::PathBuf,
}

/// A port nothing listens on now.
#[track_caller]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Pproxy {
    /// A proxy listening as `scheme` (`http`, `socks5`) with optional `user:pass`.
    pub fn start(scheme: &str, credentials: Option<&str>) -> Pproxy {
        Pproxy::start_on(scheme, credentials, free_port())
    }

    /// The same, on `port`.
    #[track_caller]
    pub fn start_on(scheme: &str, credentials: Option<&str>, port: u16) -> Pproxy {
        let dir = tempfile::tempdir().unwrap();
        let hosts = dir.path().join("hosts");
        let system = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        std::fs::write(
            &hosts,
            format!("127.0.0.1 {}\n{system}", FAR_NAMES.join(" ")),
        )
        .unwrap();
        let auth = credentials.map(|c| format!("#{c}")).unwrap_or_default();
        let mut proxy = Pproxy {
            child: None,
            port,
            listen: format!("{scheme}://127.0.0.1:{port}{auth}"),
            _dir: dir,
            hosts,
        };
        proxy.restart();
        proxy
    }

    /// `scheme://127.0.0.1:PORT` with `credentials` in it, as a proxy variable holds it.
    pub fn url(&self, scheme: &str, credentials: Option<&str>) -> String {
        match credentials {
            Some(c) => format!("{scheme}://{c}@127.0.0.1:{}", self.port),
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }

    /// Starts it (again), and waits until it listens.
    #[track_caller]
    pub fn restart(&mut self) {
        self.stop();
        let python = std::env::var("SPARK_SQL_KERNEL_TEST_PYTHON")
            .expect("SPARK_SQL_KERNEL_TEST_PYTHON is not set: run scripts/test");
        let pproxy = std::path::Path::new(&python).with_file_name("pproxy");
        let script = format!(
            "mount --bind {} /etc/hosts && exec {} --auth 0 -l '{}'",
            self.hosts.display(),
            pproxy.display(),
            self.listen
        );
        let child = Command::new("unshare")
            .args(["-m", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("unshare (util-linux) starts pproxy");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            assert!(
                exited.is_none(),
                "pproxy exited ({exited:?}): it needs pproxy in the venv and root for unshare -m"
            );
            assert!(Instant::now() < deadline, "pproxy did not listen in 20 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops it: its connections are cut, nothing listens on its port.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Pproxy {
    fn drop(&mut self) {
        self.stop();
    }
}
