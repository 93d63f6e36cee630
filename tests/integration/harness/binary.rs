//! The kernel's real binary, for what only a process shows: `spark-sql-kernel check` with
//! variables read from its own environment (`SSL_CERT_FILE`, proxies) and its log on stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The kernel's binary, built beside this test binary (`target/<profile>/deps/..`). Found at run
/// time: scripts/test builds with clippy-driver as the compiler wrapper, under which cargo does
/// not hand `CARGO_BIN_EXE_*` to the test's compilation.
#[track_caller]
pub fn kernel_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = dir.join("spark-sql-kernel");
    assert!(
        binary.is_file(),
        "{} is missing: cargo build first",
        binary.display()
    );
    binary
}

/// Runs `spark-sql-kernel check` in a clean environment (PATH, no token file) plus `vars`:
/// whether it passed, and its stdout and stderr together.
#[track_caller]
pub fn check(vars: &[(&str, &str)]) -> (bool, String) {
    let mut command = Command::new(kernel_binary());
    command
        .arg("check")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("KBASE_TOKEN_FILE", "/nonexistent/spark-sql-kernel-test")
        .envs(vars.iter().copied());
    let output = command.output().expect("the kernel's binary runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}
