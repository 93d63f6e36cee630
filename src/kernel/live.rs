//! What a cell shows live, updated in place (`display_data` with a `display_id`): the progress
//! of a running statement, which appears after about a second, is updated at most a few times
//! a second while Spark reports progress and ends as a short summary (fast statements never
//! show it), and the [`Line`] of a wait (a server starting, a pod coming up). Must not: build
//! the HTML of those lines (`render` does).

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::{oneshot, watch};

use crate::render::{progress_display, progress_text, status_line, Phase};
use crate::session::SessionError;
use jupyter_kernel::ExecuteContext;
use jupyter_kernel::Output;
use spark_connect::{QueryResult, Running, SparkError};

/// How long a statement runs before its progress shows.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the display may change.
const TICK: Duration = Duration::from_millis(250);
/// Silence from the server after which the line says so (Spark reports every 2 s).
const SILENCE_SHOWN: Duration = Duration::from_secs(10);

/// Awaits `run`, showing its progress from `reports` once it has taken [`SHOW_AFTER`].
///
/// The line is kept by a task of its own ([`progress_line`]), not by the task that polls
/// `run`: whatever holds that task up (a batch decoded, an export's file writer that lags, a
/// slow log write) cannot stop the line, which changes every second until the statement ends.
pub async fn follow(
    run: impl Future<Output = Result<QueryResult, SessionError>>,
    reports: watch::Receiver<Running>,
    ctx: &ExecuteContext,
) -> Result<QueryResult, SessionError> {
    let (finish, finished) = oneshot::channel();
    let line = tokio::spawn(progress_line(reports, ctx.clone(), finished));
    let outcome = run.await;
    let phase = match &outcome {
        Ok(_) => Phase::Done,
        Err(SessionError::Spark(SparkError::Cancelled)) => Phase::Cancelled,
        Err(_) => Phase::Failed,
    };
    // The line's last word goes out before anything the cell shows next.
    if finish.send(phase).is_ok() {
        if let Err(e) = line.await {
            tracing::warn!("the progress line's task ended abnormally: {e}");
        }
    }
    outcome
}

/// Shows the progress line from [`SHOW_AFTER`] on, changed every second (the elapsed time is
/// part of it), until `finished` says how the statement ended; then its summary, if it was
/// shown at all.
async fn progress_line(
    reports: watch::Receiver<Running>,
    ctx: ExecuteContext,
    mut finished: oneshot::Receiver<Phase>,
) {
    let started = Instant::now();
    let mut shown: Option<(String, String)> = None; // display id, text shown
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + SHOW_AFTER, TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let ended = loop {
        tokio::select! {
            biased;
            ended = &mut finished => break ended,
            _ = tick.tick() => {}
        }
        let Running {
            progress,
            heard,
            written,
        } = reports.borrow().clone();
        let elapsed = started.elapsed();
        let phase = match heard.elapsed() {
            silent if silent >= SILENCE_SHOWN => Phase::Silent(silent.as_secs()),
            _ => Phase::Running,
        };
        let text = progress_text(progress.as_ref(), written, elapsed, phase);
        let data = || progress_display(progress.as_ref(), written, elapsed, phase);
        match &mut shown {
            Some((_, last)) if *last == text => {}
            Some((id, last)) => {
                ctx.send(Output::UpdateDisplay {
                    data: data(),
                    display_id: id.clone(),
                });
                *last = text;
            }
            None => {
                let id = format!("spark-sql-progress-{}", uuid::Uuid::new_v4().simple());
                ctx.send(Output::Display {
                    data: data(),
                    display_id: Some(id.clone()),
                });
                shown = Some((id, text));
            }
        }
    };
    // A statement whose future was dropped (`Err`) leaves the line as it was.
    if let (Some((id, _)), Ok(phase)) = (shown, ended) {
        let Running {
            progress, written, ..
        } = reports.borrow().clone();
        ctx.send(Output::UpdateDisplay {
            data: progress_display(progress.as_ref(), written, started.elapsed(), phase),
            display_id: id,
        });
    }
}

/// A one-line display updated in place (`display_data`, then `update_display_data`).
pub struct Line {
    id: String,
    ctx: ExecuteContext,
    shown: String,
}

impl Line {
    /// Shows `text` as a new line whose id starts with `kind`.
    pub fn show(ctx: &ExecuteContext, kind: &str, text: String) -> Line {
        let id = format!("spark-sql-{kind}-{}", uuid::Uuid::new_v4().simple());
        ctx.send(Output::Display {
            data: status_line(&text),
            display_id: Some(id.clone()),
        });
        Line {
            id,
            ctx: ctx.clone(),
            shown: text,
        }
    }

    /// Replaces the line's text (nothing is sent when it is the same).
    pub fn set(&mut self, text: String) {
        if text != self.shown {
            self.ctx.send(Output::UpdateDisplay {
                data: status_line(&text),
                display_id: self.id.clone(),
            });
            self.shown = text;
        }
    }

    /// Awaits `run`, setting the line to `text(elapsed since started)` every second meanwhile,
    /// from a task of its own (as [`follow`]'s line: `run` cannot hold it up).
    pub async fn ticking<T>(
        &mut self,
        run: impl Future<Output = T>,
        started: Instant,
        text: impl Fn(Duration) -> String + Send + 'static,
    ) -> T {
        let (stop, stopped) = oneshot::channel::<()>();
        let mut line = Line {
            id: self.id.clone(),
            ctx: self.ctx.clone(),
            shown: self.shown.clone(),
        };
        let ticker = tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(
                tokio::time::Instant::now() + Duration::from_secs(1),
                Duration::from_secs(1),
            );
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stopped => break,
                    _ = tick.tick() => line.set(text(started.elapsed())),
                }
            }
            line.shown
        });
        let outcome = run.await;
        // Stopped before the line changes again, so that what the caller sets next stays.
        if stop.send(()).is_ok() {
            match ticker.await {
                Ok(shown) => self.shown = shown,
                Err(e) => tracing::warn!("a status line's task ended abnormally: {e}"),
            }
        }
        outcome
    }
}

/// Awaits the start of the user's Spark Connect server, showing `Starting your Spark Connect
/// server… N s` in place while it takes, and how it ended.
pub async fn starting<T, E>(
    run: impl Future<Output = Result<T, E>>,
    ctx: &ExecuteContext,
) -> Result<T, E> {
    let started = Instant::now();
    let text = |elapsed: Duration| {
        format!(
            "Starting your Spark Connect server… {} s",
            elapsed.as_secs()
        )
    };
    let mut line = Line::show(ctx, "starting", text(Duration::ZERO));
    let outcome = line.ticking(run, started, text).await;
    let seconds = started.elapsed().as_secs();
    line.set(match &outcome {
        Ok(_) => format!("Spark Connect server started · {seconds} s"),
        Err(_) => format!("Spark Connect server did not start · {seconds} s"),
    });
    outcome
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio_util::sync::CancellationToken;

    use super::*;

    /// Outputs with the moment each was sent.
    type Sent = Arc<Mutex<Vec<(Instant, Output)>>>;

    /// A context whose outputs are kept with the moment they were sent.
    fn timed() -> (ExecuteContext, Sent) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&sent);
        let sink: jupyter_kernel::OutputSink = Arc::new(move |output| {
            kept.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((Instant::now(), output));
        });
        (ExecuteContext::new(sink, CancellationToken::new()), sent)
    }

    /// A statement whose future holds up the thread that polls it for `held` at a time (as a
    /// lagging export writer or a huge batch being decoded does), three times over.
    async fn holding_up(held: Duration) -> Result<QueryResult, SessionError> {
        for _ in 0..3 {
            std::thread::sleep(held);
            tokio::task::yield_now().await;
        }
        Ok(QueryResult {
            columns: Vec::new(),
            batches: Vec::new(),
            rows_received: 0,
            more: false,
            reattaches: 0,
            elapsed: held * 3,
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_line_changes_every_second_while_the_statement_holds_its_thread() {
        let (ctx, sent) = timed();
        let (_reports, receiver) = watch::channel(Running::default());
        let started = Instant::now();
        let outcome = follow(holding_up(Duration::from_millis(2500)), receiver, &ctx).await;
        assert!(outcome.is_ok(), "the statement's outcome is kept");
        let sent = sent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut times: Vec<Instant> = sent.iter().map(|(at, _)| *at).collect();
        assert!(
            times.len() >= 6,
            "{} outputs in {:?}: the line did not tick while the statement held its thread",
            times.len(),
            started.elapsed()
        );
        times.insert(0, started + SHOW_AFTER);
        let gap = times
            .windows(2)
            .map(|w| w[1].saturating_duration_since(w[0]))
            .max()
            .unwrap_or_default();
        assert!(
            gap < Duration::from_millis(1600),
            "the line stood still for {gap:?}"
        );
        let Some((_, Output::UpdateDisplay { data, .. })) = sent.last() else {
            panic!("the line does not end with its summary");
        };
        let text = data
            .get("text/plain")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        assert!(text.starts_with("Spark: done · "), "{text}");
    }
}
