//! What a running cell shows, in order: streams at once, results held back one step so that
//! the cell's last result becomes its `execute_result` and earlier ones `display_data`.
//! Must not: word or render what it sends (callers hand it bundles and text).

use crate::session::SparkSession;
use jupyter_kernel::ExecuteContext;
use jupyter_kernel::{MimeBundle, Output};

/// The outputs of one cell.
pub struct CellOutput {
    ctx: ExecuteContext,
    /// The latest result: shown as `execute_result` if nothing follows it, else as
    /// `display_data` when the next one arrives.
    pending: Option<MimeBundle>,
}

impl CellOutput {
    pub fn new(ctx: ExecuteContext) -> CellOutput {
        CellOutput { ctx, pending: None }
    }

    pub fn ctx(&self) -> &ExecuteContext {
        &self.ctx
    }

    /// Shows a result of the cell.
    pub fn show(&mut self, data: MimeBundle) {
        if let Some(earlier) = self.pending.replace(data) {
            self.ctx.send(Output::Display {
                data: earlier,
                display_id: None,
            });
        }
    }

    /// Shows `data` as a `display_data` now, after the results before it (a chart below its
    /// table): it never becomes the cell's `execute_result`.
    pub fn display(&mut self, data: MimeBundle) {
        if let Some(earlier) = self.pending.take() {
            self.ctx.send(Output::Display {
                data: earlier,
                display_id: None,
            });
        }
        self.ctx.send(Output::Display {
            data,
            display_id: None,
        });
    }

    pub fn stdout(&self, text: impl Into<String>) {
        self.ctx.stdout(text);
    }

    pub fn stderr(&self, text: impl Into<String>) {
        self.ctx.stderr(text);
    }

    /// Shows the session's notices (a lost session, a setting not applied) on stderr.
    pub fn notices(&self, session: &mut SparkSession) {
        for notice in session.take_notices() {
            self.ctx
                .stderr(format!("{}\n", super::words::notice(&notice)));
        }
    }

    /// Whether anything at all was shown (progress lines do not count).
    pub fn is_empty(&self) -> bool {
        self.pending.is_none() && !self.ctx.has_sent()
    }

    /// Resolves when the user interrupts the cell.
    pub fn cancelled(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.ctx.cancelled()
    }

    /// Ends the cell: its last result is the cell's value if it succeeded (its text comes
    /// back for history), else a plain display before the error.
    pub fn finish(mut self, succeeded: bool) -> Option<String> {
        let data = self.pending.take()?;
        if !succeeded {
            self.ctx.send(Output::Display {
                data,
                display_id: None,
            });
            return None;
        }
        let text = data
            .get("text/plain")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        self.ctx.send(Output::Result { data });
        text
    }
}
