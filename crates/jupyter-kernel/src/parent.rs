//! Watching the process that started the kernel (jupyter_server, nbconvert): when it is gone,
//! the kernel stops cleanly (releasing what it holds on servers) instead of living on as an
//! orphan with its ports open. The parent is `JPY_PARENT_PID` when set, else the parent process
//! at start; it is gone when that process no longer exists or the kernel was handed to another
//! parent.
//! Must not: stop the kernel while its parent lives.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the parent is looked at.
const EVERY: Duration = Duration::from_secs(1);

/// Cancels `stop` once the parent is gone; returns when it did or when `stop` was cancelled.
pub async fn watch(jpy_parent: Option<u32>, stop: CancellationToken) {
    let original = std::os::unix::process::parent_id();
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(EVERY) => {}
        }
        let reparented = std::os::unix::process::parent_id() != original;
        let gone = jpy_parent.is_some_and(|pid| !exists(pid));
        if reparented || gone {
            tracing::warn!("the process that started the kernel is gone; stopping");
            stop.cancel();
            return;
        }
    }
}

/// Whether process `pid` exists (and is not a zombie waiting to be reaped).
fn exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name in parentheses, which may hold spaces.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_exists_and_a_made_up_one_does_not() {
        assert!(exists(std::process::id()), "this process exists");
        assert!(!exists(u32::MAX - 1), "no process has that id");
    }

    #[tokio::test]
    async fn a_parent_that_is_gone_stops_the_kernel() {
        let stop = CancellationToken::new();
        tokio::time::timeout(
            Duration::from_secs(5),
            watch(Some(u32::MAX - 1), stop.clone()),
        )
        .await
        .unwrap();
        assert!(stop.is_cancelled(), "{:?}", stop);
        let stop = CancellationToken::new();
        let alive = tokio::time::timeout(
            Duration::from_millis(2500),
            watch(Some(std::process::id()), stop.clone()),
        )
        .await;
        assert!(alive.is_err(), "a living parent keeps the kernel");
        assert!(!stop.is_cancelled(), "a living parent keeps the kernel");
    }
}
