//! A stand-in [`Handler`] for testing the transport alone (as ark tests amalthea): each line
//! of a cell is a small command — `echo TEXT` (stdout), `result TEXT` (the cell's value),
//! `sleep SECONDS` (interruptible), `fail` (an error). It completes every word to
//! `completed`, finds `known` on inspection, calls a cell with an open `'` incomplete, and
//! keeps a history of what it ran.

use std::time::Duration;

use jupyter_kernel::{
    Cursor, ExecuteContext, ExecuteRequest, Handler, HistoryRequest, InspectReply, InspectRequest,
    IsCompleteRequest, KernelInfo,
};
use jupyter_kernel::{ErrorOutput, MimeBundle, Output};
use jupyter_protocol::{
    CompleteReply, HelpLink, HistoryEntry, HistoryReply, IsCompleteReply, LanguageInfo, ReplyStatus,
};
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
            language_info: LanguageInfo {
                name: "stub".into(),
                version: "1".into(),
                mimetype: None,
                file_extension: Some(".stub".into()),
                pygments_lexer: None,
                codemirror_mode: None,
                nbconvert_exporter: None,
            },
            help_links: vec![HelpLink {
                text: "help".into(),
                url: "https://example.org".into(),
            }],
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

    async fn complete(&mut self, at: &Cursor) -> CompleteReply {
        let (code, cursor_pos) = (at.code.as_str(), at.position);
        // The word before the cursor, in code points as Jupyter counts.
        let before: Vec<char> = code.chars().take(cursor_pos).collect();
        let start = before.iter().rposition(|c| *c == ' ').map_or(0, |i| i + 1);
        CompleteReply {
            matches: vec!["completed".into()],
            cursor_start: start,
            cursor_end: cursor_pos,
            metadata: Default::default(),
            status: ReplyStatus::Ok,
            error: None,
        }
    }

    async fn inspect(&mut self, request: &InspectRequest) -> InspectReply {
        if request.at.code.contains("known") {
            InspectReply::found(MimeBundle::from([(
                "text/plain".to_owned(),
                json!("a known thing"),
            )]))
        } else {
            InspectReply::not_found()
        }
    }

    fn is_complete(&self, request: &IsCompleteRequest) -> IsCompleteReply {
        if request.code.matches('\'').count() % 2 == 1 {
            IsCompleteReply::incomplete(String::new())
        } else {
            IsCompleteReply::complete()
        }
    }

    fn history(&self, _request: &HistoryRequest) -> HistoryReply {
        let entries = self
            .history
            .iter()
            .enumerate()
            .map(|(i, input)| HistoryEntry::Input(1, i + 1, input.clone()))
            .collect();
        HistoryReply::new(entries)
    }

    async fn shutdown(&mut self, _restart: bool) {}
}
