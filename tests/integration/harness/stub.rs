//! A stand-in [`Handler`] for testing the transport alone (as ark tests amalthea): each line
//! of a cell is a small command — `echo TEXT` (stdout), `result TEXT` (the cell's value),
//! `sleep SECONDS` (interruptible), `fail` (an error). It completes every word to
//! `completed`, finds `known` on inspection, calls a cell with an open `'` incomplete, and
//! keeps a history of what it ran.

use std::time::Duration;

use jupyter_kernel::{
    Completion, ExecuteContext, ExecuteRequest, Handler, HistoryEntry, HistoryQuery, IsComplete,
    KernelInfo,
};
use jupyter_kernel::{ErrorOutput, MimeBundle, Output};
use serde_json::json;

#[derive(Default)]
pub struct Stub {
    history: Vec<String>,
}

fn error(ename: &str, evalue: &str) -> ErrorOutput {
    ErrorOutput {
        ename: ename.to_owned(),
        evalue: evalue.to_owned(),
        traceback: vec![format!("{ename}: {evalue}")],
    }
}

impl Handler for Stub {
    fn kernel_info(&self) -> KernelInfo {
        KernelInfo {
            implementation: "stub".into(),
            implementation_version: "1.0".into(),
            banner: "a stand-in kernel".into(),
            language_info: json!({"name": "stub", "file_extension": ".stub"}),
            help_links: vec![("help".into(), "https://example.org".into())],
        }
    }

    async fn execute(
        &mut self,
        request: ExecuteRequest,
        ctx: ExecuteContext,
    ) -> Result<(), ErrorOutput> {
        if request.store_history {
            self.history.push(request.code.clone());
        }
        for line in request.code.lines() {
            let (command, arg) = line.split_once(' ').unwrap_or((line, ""));
            match command {
                "echo" => ctx.stdout(format!("{arg}\n")),
                "result" => {
                    let data = MimeBundle::from([("text/plain".to_owned(), json!(arg))]);
                    ctx.send(Output::Result { data });
                }
                "sleep" => {
                    let wait = Duration::from_secs_f64(arg.parse().unwrap_or(0.0));
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = ctx.cancelled() => return Err(error("KeyboardInterrupt", "interrupted")),
                    }
                }
                "fail" => return Err(error("StubError", "failed on purpose")),
                other => return Err(error("StubError", &format!("unknown command {other}"))),
            }
        }
        Ok(())
    }

    async fn complete(&mut self, code: &str, cursor_pos: usize) -> Completion {
        // The word before the cursor, in code points as Jupyter counts.
        let before: Vec<char> = code.chars().take(cursor_pos).collect();
        let start = before.iter().rposition(|c| *c == ' ').map_or(0, |i| i + 1);
        Completion {
            matches: vec!["completed".into()],
            cursor_start: start,
            cursor_end: cursor_pos,
            metadata: Default::default(),
        }
    }

    async fn inspect(&mut self, code: &str, _cursor: usize, _detail: u8) -> Option<MimeBundle> {
        code.contains("known")
            .then(|| MimeBundle::from([("text/plain".to_owned(), json!("a known thing"))]))
    }

    fn is_complete(&self, code: &str) -> IsComplete {
        if code.matches('\'').count() % 2 == 1 {
            IsComplete::Incomplete {
                indent: String::new(),
            }
        } else {
            IsComplete::Complete
        }
    }

    fn history(&self, _query: &HistoryQuery, _output: bool) -> Vec<HistoryEntry> {
        self.history
            .iter()
            .enumerate()
            .map(|(i, input)| HistoryEntry {
                session: 1,
                line: i + 1,
                input: input.clone(),
                output: None,
            })
            .collect()
    }

    async fn shutdown(&mut self, _restart: bool) {}
}
