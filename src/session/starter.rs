//! Starting the user's Spark Connect server when its address refuses connections (in BERDL's
//! image only IPython starts it): `SPARK_CONNECT_START_COMMAND` runs once with `sh -c`, its
//! output goes to the kernel's log (never the notebook), and the kernel waits — interruptibly,
//! at most `SPARK_CONNECT_START_TIMEOUT` — until the port accepts connections. A lock file in
//! Jupyter's runtime directory lets one kernel at a time do it, and a kernel that gets the lock
//! after another started the server finds it up and runs nothing.
//! Must not: start a server more than once at a time, or word what users read.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::StartSettings;
use spark_connect::Address;

/// Lines of the command's output kept for an error message.
const KEPT_LINES: usize = 10;
/// How often the port is tried while the server starts.
const POLL: Duration = Duration::from_millis(250);

/// Why the server could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("SPARK_CONNECT_START_COMMAND failed with {status} before the Spark Connect server at {address} answered{}", last_lines(.output))]
    Failed {
        address: String,
        status: String,
        output: Vec<String>,
    },
    #[error("the Spark Connect server at {address} did not answer within {seconds} s of SPARK_CONNECT_START_COMMAND (SPARK_CONNECT_START_TIMEOUT){}", last_lines(.output))]
    TimedOut {
        address: String,
        seconds: u64,
        output: Vec<String>,
    },
    #[error("cannot run SPARK_CONNECT_START_COMMAND")]
    Spawn(#[source] std::io::Error),
    #[error("cannot run SPARK_CONNECT_START_COMMAND: cannot take the start lock")]
    Lock(#[source] std::io::Error),
    #[error("interrupted while the Spark Connect server was starting")]
    Interrupted,
}

fn last_lines(output: &[String]) -> String {
    if output.is_empty() {
        ". It printed nothing.".to_owned()
    } else {
        format!(". Its last lines:\n{}", output.join("\n"))
    }
}

/// Whether something accepts TCP connections at `address`.
pub async fn is_up(address: &Address) -> bool {
    let target = (address.host.as_str(), address.port);
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect(target)
        )
        .await,
        Ok(Ok(_))
    )
}

/// Makes sure the server at `address` is up, running the start command if it is not.
/// Returns whether this kernel ran the command.
pub async fn ensure_up(
    start: &StartSettings,
    address: &Address,
    cancel: &CancellationToken,
) -> Result<bool, StartError> {
    let lock = lock(start, cancel).await?;
    if is_up(address).await {
        return Ok(false);
    }
    tracing::warn!(
        "starting the Spark Connect server at {address} with SPARK_CONNECT_START_COMMAND"
    );
    let outcome = run(start, address, cancel).await;
    drop(lock);
    outcome.map(|()| true)
}

/// The start lock, held until dropped (another kernel starting the server holds it meanwhile).
async fn lock(
    start: &StartSettings,
    cancel: &CancellationToken,
) -> Result<std::fs::File, StartError> {
    let path = start.lock_file();
    let take = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        file.lock()?;
        Ok(file)
    });
    tokio::select! {
        taken = take => match taken {
            Ok(Ok(file)) => Ok(file),
            Ok(Err(e)) => Err(StartError::Lock(e)),
            Err(e) => Err(StartError::Lock(std::io::Error::other(e))),
        },
        // A lock taken after this is released at once: the blocking task drops its file.
        () = cancel.cancelled() => Err(StartError::Interrupted),
    }
}

/// Runs the command and waits for the port; the command may keep running (the server).
async fn run(
    start: &StartSettings,
    address: &Address,
    cancel: &CancellationToken,
) -> Result<(), StartError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(start.command())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(StartError::Spawn)?;
    let output: Arc<Mutex<VecDeque<String>>> = Arc::default();
    if let Some(out) = child.stdout.take() {
        tokio::spawn(log_lines(out, Arc::clone(&output)));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(log_lines(err, Arc::clone(&output)));
    }
    let kept = || crate::sync::locked(&output).iter().cloned().collect();
    let deadline = Instant::now() + start.timeout();
    let mut exited = false;
    loop {
        if is_up(address).await {
            return Ok(());
        }
        tokio::select! {
            status = child.wait(), if !exited => match status {
                Ok(status) if status.success() => exited = true,
                Ok(status) => {
                    // Let the readers take its last words.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    return Err(StartError::Failed {
                        address: address.to_string(),
                        status: status.to_string(),
                        output: kept(),
                    });
                }
                Err(e) => return Err(StartError::Spawn(e)),
            },
            () = tokio::time::sleep(POLL) => {}
            () = cancel.cancelled() => {
                stop(&mut child, exited);
                return Err(StartError::Interrupted);
            }
        }
        if Instant::now() >= deadline {
            stop(&mut child, exited);
            return Err(StartError::TimedOut {
                address: address.to_string(),
                seconds: start.timeout().as_secs(),
                output: kept(),
            });
        }
    }
}

/// Stops a command that has not finished when the kernel gives up on it (what it launched in
/// the background, if anything, is left alone).
fn stop(child: &mut tokio::process::Child, exited: bool) {
    if !exited {
        let _ = child.start_kill();
    }
}

/// Logs each line of the command's output, keeping the last few.
async fn log_lines(stream: impl AsyncRead + Unpin, kept: Arc<Mutex<VecDeque<String>>>) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!("start command: {line}");
        {
            let mut kept = crate::sync::locked(&kept);
            if kept.len() == KEPT_LINES {
                kept.pop_front();
            }
            kept.push_back(line);
        }
    }
}
