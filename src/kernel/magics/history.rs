//! `%history [TEXT] [--all]`: the journal's statements of this notebook (of every notebook
//! with `--all`), newest last, with their times, durations, rows and receipts.
//! Must not: write to the journal.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::journal::Search;
use crate::kernel::error::KernelError;
use crate::kernel::journaling::ReadTrouble;
use crate::kernel::words;
use crate::render;

/// Statements shown at most.
const SHOWN: usize = 50;

pub struct History {
    text: Option<String>,
    all: bool,
}

impl MagicCommand for History {
    const SPEC: MagicSpec = MagicSpec {
        name: "history",
        usage: "%history [TEXT] [--all]",
        description: "Search the journal: this notebook's statements (every notebook's with --all) containing TEXT, across kernel restarts.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        let mut all = false;
        let mut words = Vec::new();
        for word in args.split_whitespace() {
            match word {
                "--all" => all = true,
                w if w.starts_with("--") => return Err(format!("unknown option {w}").into()),
                w => words.push(w),
            }
        }
        let text = (!words.is_empty()).then(|| words.join(" "));
        Ok(History { text, all })
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let journaling = &*scope.journaling;
        let Some(reader) = journaling.journal.reader() else {
            return Err(ReadTrouble::Off.into());
        };
        journaling.journal.flush(std::time::Duration::from_secs(1));
        let (text, notebook, all) = (self.text.clone(), journaling.notebook.clone(), self.all);
        let read = tokio::task::spawn_blocking(move || {
            if !reader.path().exists() {
                return Ok(Vec::new());
            }
            reader.search(&Search {
                text: text.as_deref(),
                notebook: (!all).then_some(notebook.as_deref()),
                limit: SHOWN,
            })
        })
        .await
        .map_err(|e| ReadTrouble::Gone(e.to_string()))?;
        let records = read.map_err(ReadTrouble::Read)?;
        if records.is_empty() {
            scope.out.stdout(words::history_empty());
            return Ok(());
        }
        let rows: Vec<_> = records
            .iter()
            .map(|r| words::history_row(r, self.all))
            .collect();
        let notebook = scope.journaling.notebook.as_deref();
        let title = words::history_title(notebook, self.all, self.text.as_deref(), rows.len());
        scope.out.show(render::key_values(&title, &rows));
        Ok(())
    }
}
