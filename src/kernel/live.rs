//! What a cell shows live, updated in place (`display_data` with a `display_id`): the progress
//! of a running statement, which appears after about a second, is updated at most a few times
//! a second while Spark reports progress and ends as a short summary (fast statements never
//! show it), and the [`Line`] of a wait (a server starting, a pod coming up). Must not: build
//! the HTML of those lines (`render` does).

use std::future::Future;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::jupyter::ExecuteContext;
use crate::output::Output;
use crate::render::{progress_display, progress_text, status_line, Phase};
use crate::session::SessionError;
use crate::spark::{QueryResult, Running, SparkError};

/// How long a statement runs before its progress shows.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the display may change.
const TICK: Duration = Duration::from_millis(250);
/// Silence from the server after which the line says so (Spark reports every 2 s).
const SILENCE_SHOWN: Duration = Duration::from_secs(10);

/// Awaits `run`, showing its progress from `reports` once it has taken [`SHOW_AFTER`].
pub async fn follow(
    run: impl Future<Output = Result<QueryResult, SessionError>>,
    reports: watch::Receiver<Running>,
    ctx: &ExecuteContext,
) -> Result<QueryResult, SessionError> {
    let started = Instant::now();
    let mut shown: Option<(String, String)> = None; // display id, text shown
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + SHOW_AFTER, TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(run);
    let outcome = loop {
        tokio::select! {
            outcome = &mut run => break outcome,
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
        match &mut shown {
            Some((_, last)) if *last == text => {}
            Some((id, last)) => {
                ctx.send(Output::UpdateDisplay {
                    data: progress_display(progress.as_ref(), written, elapsed, phase),
                    display_id: id.clone(),
                });
                *last = text;
            }
            None => {
                let id = format!("spark-sql-progress-{}", uuid::Uuid::new_v4().simple());
                ctx.send(Output::Display {
                    data: progress_display(progress.as_ref(), written, elapsed, phase),
                    display_id: Some(id.clone()),
                });
                shown = Some((id, text));
            }
        }
    };
    if let Some((id, _)) = shown {
        let phase = match &outcome {
            Ok(_) => Phase::Done,
            Err(SessionError::Spark(SparkError::Cancelled)) => Phase::Cancelled,
            Err(_) => Phase::Failed,
        };
        let Running {
            progress, written, ..
        } = reports.borrow().clone();
        ctx.send(Output::UpdateDisplay {
            data: progress_display(progress.as_ref(), written, started.elapsed(), phase),
            display_id: id,
        });
    }
    outcome
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

    /// Awaits `run`, setting the line to `text(elapsed since started)` every second meanwhile.
    pub async fn ticking<T>(
        &mut self,
        run: impl Future<Output = T>,
        started: Instant,
        text: impl Fn(Duration) -> String,
    ) -> T {
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(1),
            Duration::from_secs(1),
        );
        tokio::pin!(run);
        loop {
            tokio::select! {
                outcome = &mut run => return outcome,
                _ = tick.tick() => self.set(text(started.elapsed())),
            }
        }
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
