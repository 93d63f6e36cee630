//! The project's BERDL stand-ins for the servers that cannot run here: `tests/berdl/proxy.py`
//! (a gRPC pass-through in front of the run's Spark server) as BERDL's public proxy or as the
//! interceptors of a user's pod, started per test.

use std::process::{Child, Command};

/// A running `proxy.py`.
pub struct BerdlProxy {
    child: Child,
    /// `sc://127.0.0.1:PORT`.
    pub url: String,
}

/// How the proxy behaves (see `tests/berdl/proxy.py`).
pub enum Mode<'a> {
    /// BERDL's public proxy: `x-kbase-token` only, MFA required, errors without details.
    Public,
    /// The interceptors in `owner`'s pod, with the namespace prefixes allowed.
    Pod { owner: &'a str, prefixes: &'a str },
}

impl BerdlProxy {
    /// A proxy in front of `backend` (`host:port`) that validates tokens with `auth_url`.
    pub fn start(mode: Mode<'_>, backend: &str, auth_url: &str) -> BerdlProxy {
        BerdlProxy::start_with(mode, backend, auth_url, &[])
    }

    /// [`start`](Self::start) with more of `proxy.py`'s options (`--end-streams-empty`).
    #[track_caller]
    pub fn start_with(mode: Mode<'_>, backend: &str, auth_url: &str, extra: &[&str]) -> BerdlProxy {
        let python = std::env::var("SPARK_SQL_KERNEL_TEST_PYTHON").unwrap_or_else(|_| {
            panic!(
                "SPARK_SQL_KERNEL_TEST_PYTHON is not set: run scripts/test, not cargo test alone"
            )
        });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/berdl/proxy.py");
        let mut command = Command::new(python);
        command
            .arg(script)
            .args(["--backend", backend, "--auth-url", auth_url]);
        match mode {
            Mode::Public => command.args(["--mode", "public"]),
            Mode::Pod { owner, prefixes } => {
                command.args(["--mode", "pod", "--owner", owner, "--prefixes", prefixes])
            }
        };
        command.args(extra);
        let (child, address) = super::spawn_listening(command, "the BERDL proxy");
        BerdlProxy {
            child,
            url: format!("sc://{address}"),
        }
    }
}

impl Drop for BerdlProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
