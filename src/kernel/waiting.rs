//! A server that is still starting: BERDL's proxy says "not reachable" for 20–60 s after a
//! pod restarts (and up to about 45 s more while its own channel reconnects), and a direct
//! address refuses connections until the server listens. The cell waits for it, retrying with
//! backoff up to `SPARK_CONNECT_WAIT_TIMEOUT`, interruptible, with a line that says what it
//! waits for; then the cell runs. Past the limit, the last error, with the time waited.
//! Must not: wait past `SPARK_CONNECT_WAIT_TIMEOUT` or after an interrupt.

use std::time::{Duration, Instant};

use super::cell_scope::CellScope;
use super::live::Line;
use crate::session::SessionError;
use spark_connect::SparkError;

/// The first pause between two tries; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// What a failed call says about a server that may still be starting.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Starting {
    /// BERDL's public proxy cannot reach the user's server yet.
    ProxyCannotReach,
    /// Nothing listens at the address yet (and no start command would start it).
    NothingListens,
}

fn starting(error: &SessionError, can_start: bool) -> Option<Starting> {
    if error.is_not_reachable_yet() {
        Some(Starting::ProxyCannotReach)
    } else if error.is_refused() && !can_start {
        Some(Starting::NothingListens)
    } else {
        None
    }
}

/// Whether `error` means the server may still be starting and the cell should wait for it.
pub(super) fn should_wait(scope: &CellScope<'_>, error: &SessionError) -> bool {
    !scope.session().wait_timeout().is_zero()
        && starting(error, scope.session().can_start()).is_some()
}

fn waiting_text(why: Starting, elapsed: Duration) -> String {
    let cause = match why {
        Starting::ProxyCannotReach => "the BERDL proxy cannot reach it yet",
        Starting::NothingListens => "nothing answers at its address yet",
    };
    format!(
        "Waiting for your Spark Connect server to start — {cause} · {} s",
        elapsed.as_secs()
    )
}

/// Waits until the server answers (then `Ok`: the caller runs its statement), or the limit
/// passes (then `first`'s kind of error, with the time waited), or the user interrupts.
pub(super) async fn until_up(
    scope: &mut CellScope<'_>,
    first: SessionError,
) -> Result<(), SessionError> {
    let limit = scope.session().wait_timeout();
    let can_start = scope.session().can_start();
    let Some(mut why) = starting(&first, can_start) else {
        return Err(first);
    };
    let ctx = scope.out.ctx().clone();
    let cancel = ctx.cancel_token().clone();
    let started = Instant::now();
    let mut line = Line::show(&ctx, "waiting", waiting_text(why, Duration::ZERO));
    let mut pause = FIRST_PAUSE;
    let mut last = first;
    loop {
        let left = limit.saturating_sub(started.elapsed());
        if left.is_zero() {
            let seconds = started.elapsed().as_secs();
            line.set(format!(
                "Stopped waiting for your Spark Connect server after {seconds} s (SPARK_CONNECT_WAIT_TIMEOUT)"
            ));
            return Err(waited(last, seconds));
        }
        let text = move |elapsed| waiting_text(why, elapsed);
        let nap = tokio::time::sleep(pause.min(left));
        let interrupted = line
            .ticking(
                async {
                    tokio::select! {
                        () = nap => false,
                        () = cancel.cancelled() => true,
                    }
                },
                started,
                text,
            )
            .await;
        if interrupted {
            line.set(format!(
                "Stopped waiting for your Spark Connect server after {} s (interrupted)",
                started.elapsed().as_secs()
            ));
            return Err(SparkError::Cancelled.into());
        }
        let tried = line.ticking(scope.ready(), started, text).await;
        match tried {
            Ok(()) => {
                line.set(format!(
                    "Your Spark Connect server answered after {} s",
                    started.elapsed().as_secs()
                ));
                return Ok(());
            }
            Err(e) => match starting(&e, can_start) {
                Some(still) => {
                    why = still;
                    last = e;
                }
                None => {
                    let how = match e {
                        SessionError::Spark(SparkError::Cancelled) => "interrupted",
                        _ => "it answered with an error",
                    };
                    line.set(format!(
                        "Stopped waiting for your Spark Connect server after {} s ({how})",
                        started.elapsed().as_secs()
                    ));
                    return Err(e);
                }
            },
        }
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// The error seen last, saying how long the cell waited.
fn waited(error: SessionError, seconds: u64) -> SessionError {
    let note = format!(" (waited {seconds} s for it to start: SPARK_CONNECT_WAIT_TIMEOUT)");
    match error {
        SessionError::Spark(SparkError::ServerNotRunning { address, message }) => {
            SparkError::ServerNotRunning {
                address,
                message: message + &note,
            }
            .into()
        }
        SessionError::Spark(SparkError::Unreachable {
            address,
            reason,
            refused,
        }) => SparkError::Unreachable {
            address,
            reason: reason + &note,
            refused,
        }
        .into(),
        other => other,
    }
}
