//! The one-line progress display of a running query, from Spark's `execution_progress`
//! reports: stages, tasks done of total, bytes read and time taken, as text and HTML.
//! Must not: decide when the line shows (the kernel's `live` does).

use std::time::Duration;

use super::{escape_html, plain_and_html};
use jupyter_kernel::MimeBundle;
use spark_connect::{Progress, SinkProgress};

/// Where the query is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Running, but the server has sent nothing for this many seconds.
    Silent(u64),
    Done,
    Failed,
    Cancelled,
}

impl Phase {
    fn running(self) -> bool {
        matches!(self, Phase::Running | Phase::Silent(_))
    }
}

/// `532 B`, `1.2 kB`, `3.4 MB`, `1.0 GB` (powers of 1000).
pub fn human_bytes(n: u64) -> String {
    bytes(i64::try_from(n).unwrap_or(i64::MAX))
}

fn bytes(n: i64) -> String {
    let n = n.max(0) as f64;
    let units = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000.0 {
        return format!("{n} B");
    }
    let mut value = n / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

fn seconds(elapsed: Duration, phase: Phase) -> String {
    if phase.running() {
        format!("{} s", elapsed.as_secs())
    } else {
        super::human_duration(elapsed)
    }
}

/// The line's text; `written`: rows and bytes an export has written.
pub fn progress_text(
    progress: Option<&Progress>,
    written: Option<SinkProgress>,
    elapsed: Duration,
    phase: Phase,
) -> String {
    let time = seconds(elapsed, phase);
    let mut parts = vec![match phase {
        Phase::Running => "Spark: running".to_owned(),
        Phase::Silent(secs) => format!("Spark: running · the server has not answered for {secs} s"),
        Phase::Done => "Spark: done".to_owned(),
        Phase::Failed => "Spark: failed".to_owned(),
        Phase::Cancelled => "Spark: cancelled".to_owned(),
    }];
    match progress {
        Some(p) if p.stages > 0 => {
            // A stage waits with no task running: on a cluster with dynamic allocation (BERDL's
            // shared compute), the executors are still being started.
            if phase.running() && p.tasks_running == 0 && p.stages_done < p.stages {
                parts.push("waiting for executors".into());
            }
            let noun = if p.stages == 1 { "stage" } else { "stages" };
            parts.push(if phase.running() {
                format!("{} of {} {noun} done", p.stages_done, p.stages)
            } else {
                format!("{} {noun}", p.stages)
            });
            let mut tasks = format!("{}/{} tasks", p.tasks_done, p.tasks);
            if phase.running() && p.tasks_running > 0 {
                tasks.push_str(&format!(" ({} running)", p.tasks_running));
            }
            parts.push(tasks);
            parts.push(format!("{} read", bytes(p.bytes_read)));
        }
        _ if phase == Phase::Running && written.is_none() => {
            parts.push("waiting for the first stage".into());
        }
        _ => {}
    }
    if let Some(SinkProgress { rows, bytes: size }) = written {
        parts.push(format!(
            "{rows} rows ({}) written",
            bytes(i64::try_from(size).unwrap_or(i64::MAX))
        ));
    }
    parts.push(time);
    parts.join(" · ")
}

/// The display: a bar of tasks done (HTML) and the line.
pub fn progress_display(
    progress: Option<&Progress>,
    written: Option<SinkProgress>,
    elapsed: Duration,
    phase: Phase,
) -> MimeBundle {
    let text = progress_text(progress, written, elapsed, phase);
    let (done, total) = match progress {
        Some(p) if p.tasks > 0 => (p.tasks_done, p.tasks),
        _ => (0, 0),
    };
    let bar = if phase.running() && total > 0 {
        format!("<progress value=\"{done}\" max=\"{total}\" style=\"width:12em\"></progress> ")
    } else if phase.running() {
        "<progress style=\"width:12em\"></progress> ".to_owned()
    } else {
        String::new()
    };
    let html = format!(
        "<div class=\"spark-sql-progress\">{bar}<small>{}</small></div>",
        escape_html(&text)
    );
    plain_and_html(text, html)
}

/// A one-line status shown in place (a wait, a start), styled as the progress line.
pub fn status_line(text: &str) -> MimeBundle {
    plain_and_html(
        text.to_owned(),
        format!(
            "<div class=\"spark-sql-progress\"><small>{}</small></div>",
            escape_html(text)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_stages_tasks_bytes_and_time() {
        let p = Progress {
            stages: 3,
            stages_done: 1,
            tasks: 200,
            tasks_done: 45,
            tasks_running: 8,
            bytes_read: 1_234_567,
        };
        let t = Duration::from_millis(6_400);
        assert_eq!(
            progress_text(Some(&p), None, t, Phase::Running),
            "Spark: running · 1 of 3 stages done · 45/200 tasks (8 running) · 1.2 MB read · 6 s"
        );
        assert_eq!(
            progress_text(Some(&p), None, t, Phase::Done),
            "Spark: done · 3 stages · 45/200 tasks · 1.2 MB read · 6.40 s"
        );
        let waiting = Progress {
            stages: 1,
            stages_done: 0,
            tasks: 4,
            tasks_done: 0,
            tasks_running: 0,
            bytes_read: 0,
        };
        assert_eq!(
            progress_text(Some(&waiting), None, Duration::from_secs(5), Phase::Running),
            "Spark: running · waiting for executors · 0 of 1 stage done · 0/4 tasks · 0 B read · 5 s"
        );
        assert_eq!(
            progress_text(Some(&waiting), None, t, Phase::Done),
            "Spark: done · 1 stage · 0/4 tasks · 0 B read · 6.40 s"
        );
        assert_eq!(
            progress_text(None, None, Duration::from_secs(1), Phase::Running),
            "Spark: running · waiting for the first stage · 1 s"
        );
        assert_eq!(
            progress_text(None, None, Duration::from_secs(40), Phase::Silent(12)),
            "Spark: running · the server has not answered for 12 s · 40 s"
        );
        assert_eq!(
            progress_text(Some(&p), None, t, Phase::Silent(10)),
            "Spark: running · the server has not answered for 10 s · 1 of 3 stages done · 45/200 tasks (8 running) · 1.2 MB read · 6 s"
        );
        assert_eq!(
            progress_text(Some(&p), Some(SinkProgress { rows: 250_000, bytes: 12_345_678 }), t, Phase::Running),
            "Spark: running · 1 of 3 stages done · 45/200 tasks (8 running) · 1.2 MB read · 250000 rows (12.3 MB) written · 6 s"
        );
        assert_eq!(
            progress_text(None, None, Duration::from_millis(1500), Phase::Cancelled),
            "Spark: cancelled · 1.50 s"
        );
        let html = progress_display(Some(&p), None, t, Phase::Running)["text/html"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            html.contains("<progress value=\"45\" max=\"200\""),
            "{html}"
        );
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(3_400_000_000), "3.4 GB");
    }
}
