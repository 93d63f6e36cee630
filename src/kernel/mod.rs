//! What the kernel does with a request: it reads a cell (magics, then SQL statements), runs it
//! through the `SparkSession` service, shows the results, and keeps history; it answers
//! completeness, completion and inspection. A thin [`Handler`]: the modules below do the work —
//! `magics/` (one file per magic), `execute` (statements and results), `completion` and
//! `inspection` (over the session's `Catalog` trait).
//!
//! It knows no sockets (the transport calls it) and no gRPC or HTTP (the session does that).
//! Must not: know sockets, gRPC or HTTP (the transport and the session do).

mod batches;
mod berdl;
mod carried;
mod cell;
mod cell_output;
mod cell_scope;
mod completion;
mod error;
mod explorer;
mod history;
mod identity;
mod inspection;
mod journaling;
mod live;
mod magics;
mod statements;
mod waiting;
mod words;
pub mod workbench;

use crate::config::Settings;
use crate::render::{self, KeyValue};
use crate::session::SparkSession;
use cell_output::CellOutput;
use history::History;
use jupyter_kernel::{
    Cursor, ExecuteContext, ExecuteRequest, Handler, HistoryRequest, InspectReply, InspectRequest,
    IsCompleteRequest, KernelInfo, OpenComm,
};
use jupyter_kernel::{ErrorOutput, MimeBundle};
use jupyter_protocol::{
    CodeMirrorMode, CompleteReply, HelpLink, HistoryReply, IsCompleteReply, LanguageInfo,
};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// How results look; the magics change it.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// Rows shown per result (`%limit`).
    pub limit: usize,
    /// Characters of a value shown before it is cut (`%truncate`; 0: never).
    pub max_chars: usize,
    /// Bytes one result's table may weigh (`SPARK_SQL_KERNEL_MAX_OUTPUT_MB`).
    pub max_output: usize,
    /// Rows a chart draws at most (`SPARK_SQL_KERNEL_CHART_ROWS`).
    pub chart_rows: usize,
    /// Where `~` in an export's path points (`HOME`).
    pub home: Option<std::path::PathBuf>,
    /// Whether results open in the explorer (`SPARK_SQL_KERNEL_EXPLORER`, `%explore`).
    pub explore: bool,
}

pub struct Kernel {
    session: SparkSession,
    view: View,
    history: History,
    /// Results kept as views (`_N`).
    carried: carried::Carried,
    /// Where statements are recorded.
    journaling: journaling::Journaling,
    /// What was wrong with the settings, one sentence each.
    problems: Vec<String>,
    /// Results open to exploration, and their snapshots.
    explorer: explorer::Explorer,
    /// BERDL's activity log on stderr, when `SPARK_SQL_KERNEL_ACTIVITY_LOG` is on.
    activity: Option<berdl::activity::ActivityLog>,
    /// The catalog sidebar's and the history panel's comm, served beside the cells.
    workbench: workbench::Shared,
}

impl Kernel {
    /// A kernel for `settings`. Inside a tokio runtime it starts validating the token at once,
    /// in the background: `kernel_info` never waits for KBase.
    pub fn new(settings: &Settings) -> Kernel {
        let display = settings.display();
        let journal = crate::journal::Journal::open(settings.journal());
        let notebook = settings.notebook().map(str::to_owned);
        let history = History::reading(journal.reader(), notebook.clone());
        let session = SparkSession::new(settings.auth(), settings.spark().clone());
        let journaling = journaling::Journaling::new(journal, notebook.clone());
        let explorer = explorer::Explorer::new(
            display.explorer_snapshots(),
            display.explorer_snapshot_bytes(),
        )
        .with_recorder(journaling.recorder());
        let previews = workbench::Previews {
            registrar: explorer.registrar(),
            max_chars: display.max_chars(),
            max_bytes: display.max_output_bytes(),
            rows: display.max_rows(),
        };
        let workbench = std::sync::Arc::new(workbench::Workbench::new(
            session.catalog_beside(),
            previews,
            journaling.journal.reader(),
            notebook,
        ));
        Kernel {
            session,
            workbench,
            view: View {
                limit: display.max_rows(),
                max_chars: display.max_chars(),
                max_output: display.max_output_bytes(),
                chart_rows: display.chart_rows(),
                home: settings.install().home().cloned(),
                explore: display.explorer(),
            },
            explorer,
            history,
            carried: carried::Carried::new(settings.result_views()),
            journaling,
            problems: settings.problems().iter().map(words::setting).collect(),
            activity: None,
        }
    }

    /// Turns BERDL's activity log on stderr on when the settings ask for it (the binary's
    /// `run`; a kernel in tests or `check` writes none).
    pub fn with_activity_log(mut self, settings: &Settings) -> Kernel {
        self.activity = settings
            .activity_user()
            .map(|user| berdl::activity::ActivityLog::stderr(user.to_owned()));
        self
    }

    /// What `spark-sql-kernel check` prints, and whether all is well.
    pub async fn check(&mut self) -> Check {
        let mut ok = self.session.identity().await.is_ok() && self.problems.is_empty();
        let spark = if ok {
            self.session.probe().await.map_err(|e| words::session(&e))
        } else {
            Err("not tried: the KBase token is not valid".to_owned())
        };
        let never = tokio_util::sync::CancellationToken::new();
        let mut rows = match self.session.report(&never).await {
            Ok(whoami) => identity::rows(&whoami, chrono::Utc::now()),
            Err(_) => Vec::new(),
        };
        for problem in &self.problems {
            rows.push(KeyValue::new("Setting", problem.clone()));
        }
        self.session.release().await;
        match spark {
            Ok(probe) => {
                let text = format!(
                    "Spark {}; SELECT 1 answered in {} ms",
                    probe.version,
                    probe.elapsed.as_millis()
                );
                rows.push(KeyValue::new("Spark", text));
            }
            Err(text) => {
                ok = false;
                rows.push(KeyValue::new("Spark", format!("FAILED: {text}")));
            }
        }
        Check { rows, ok }
    }
}

/// What `spark-sql-kernel check` found: the rows it prints, and whether all is well.
#[derive(Debug)]
pub struct Check {
    pub rows: Vec<KeyValue>,
    pub ok: bool,
}

impl Kernel {
    /// What Shift+Tab shows at the cursor: a magic's usage, or a table, column or function.
    async fn inspection(&mut self, at: &Cursor) -> Option<MimeBundle> {
        let (code, cursor_pos) = (at.code.as_str(), at.position);
        if let Some(line) = cell::magic_line_at(code, cursor_pos) {
            let name = line.trim_start_matches('%').split_whitespace().next()?;
            let spec = magics::find(name)?;
            return Some(render::key_values(
                &format!("%{}", spec.name),
                &[
                    KeyValue::new("usage", spec.usage),
                    KeyValue::new("what it does", spec.description),
                ],
            ));
        }
        let mut catalog = carried::WithResults {
            inner: &mut self.session,
            carried: &self.carried,
        };
        inspection::inspect_sql(&mut catalog, code, cursor_pos).await
    }
}

impl Handler for Kernel {
    fn kernel_info(&self) -> KernelInfo {
        KernelInfo {
            implementation: "spark-sql-kernel".into(),
            implementation_version: VERSION.into(),
            banner: format!(
                "Spark SQL (KBase) {VERSION}: SQL cells run on your Spark Connect server.\n\
                 %lsmagic lists the magics."
            ),
            language_info: LanguageInfo {
                name: "sql".into(),
                version: "Spark SQL".into(),
                mimetype: Some("text/x-sql".into()),
                file_extension: Some(".sql".into()),
                pygments_lexer: Some("sql".into()),
                codemirror_mode: Some(CodeMirrorMode::Simple("sql".into())),
                nbconvert_exporter: None,
            },
            help_links: vec![
                HelpLink {
                    text: "Spark SQL reference".into(),
                    url: "https://spark.apache.org/docs/latest/sql-ref.html".into(),
                },
                HelpLink {
                    text: "Spark SQL functions".into(),
                    url: "https://spark.apache.org/docs/latest/api/sql/index.html".into(),
                },
            ],
        }
    }

    async fn execute(
        &mut self,
        request: ExecuteRequest,
        ctx: ExecuteContext,
    ) -> Result<(), ErrorOutput> {
        let count = ctx.execution_count();
        if request.store_history {
            self.history.record(count, &request.code);
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            self.journaling.cell(count, &request.code);
        }
        if let Some(log) = self.activity.as_ref().filter(|_| !request.silent) {
            log.cell(&request.code);
        }
        // A cell goes first: the explorer's work on the server pauses until it ends.
        self.explorer.cell_starts();
        let mut out = CellOutput::new(ctx);
        let keeping = cell_scope::Keeping {
            carried: &mut self.carried,
            journaling: &mut self.journaling,
        };
        let mut scope = cell_scope::CellScope::new(
            &mut self.session,
            &mut self.view,
            &mut out,
            &self.problems,
            keeping,
        )
        .with_explorer(&mut self.explorer);
        let outcome = statements::run_cell(&mut scope, &request.code).await;
        journaling::tell_trouble(&mut self.journaling, &out);
        let gate = self.explorer.gate();
        journaling::after_cell(&mut self.journaling, &mut self.session, gate).await;
        self.explorer.cell_ends();
        if let Some(text) = out.finish(outcome.is_ok()) {
            self.history.set_output(count, text);
        }
        crate::memory::give_back();
        outcome.map_err(|e| {
            let error = e.to_output();
            if let Some(log) = self.activity.as_ref().filter(|_| !request.silent) {
                log.error(&error.ename, &error.evalue);
            }
            error
        })
    }

    async fn complete(&mut self, at: &Cursor) -> CompleteReply {
        let (code, cursor_pos) = (at.code.as_str(), at.position);
        let mut catalog = carried::WithResults {
            inner: &mut self.session,
            carried: &self.carried,
        };
        if let Some(completion) = completion::complete_chart(&mut catalog, code, cursor_pos).await {
            return completion;
        }
        if let Some(completion) = completion::complete_magic(code, cursor_pos) {
            return completion;
        }
        completion::complete_sql(&mut catalog, code, cursor_pos).await
    }

    async fn inspect(&mut self, request: &InspectRequest) -> InspectReply {
        match self.inspection(&request.at).await {
            Some(bundle) => InspectReply::found(bundle),
            None => InspectReply::not_found(),
        }
    }

    fn is_complete(&self, request: &IsCompleteRequest) -> IsCompleteReply {
        let cell = cell::parse(&request.code);
        match crate::sql::completeness(&cell.sql) {
            crate::sql::Completeness::Complete => IsCompleteReply::complete(),
            crate::sql::Completeness::OpenToken => IsCompleteReply::incomplete(String::new()),
            crate::sql::Completeness::OpenParenthesis
            | crate::sql::Completeness::OpenBlock
            | crate::sql::Completeness::OpenClause => IsCompleteReply::incomplete("    ".into()),
            crate::sql::Completeness::Invalid => IsCompleteReply::invalid(),
        }
    }

    fn history(&self, request: &HistoryRequest) -> HistoryReply {
        self.history.reply(request)
    }

    async fn comm(&mut self, message: jupyter_kernel::Comm, ctx: ExecuteContext) {
        if self.workbench.owns(&message) {
            // Here only before the session's first connection (then the shell's reader serves
            // the workbench beside the cells): connecting makes its catalog ready.
            workbench::connect_then_serve(&self.workbench, &mut self.session, message, ctx).await;
            return;
        }
        self.explorer.comm(&mut self.session, message, ctx).await;
    }

    fn comms(&self) -> Vec<OpenComm> {
        self.explorer.comms()
    }

    fn beside(&self) -> Option<std::sync::Arc<dyn jupyter_kernel::BesideComms>> {
        Some(self.workbench.clone())
    }

    async fn shutdown(&mut self, _restart: bool) {
        self.explorer.shutdown(&mut self.session).await;
        // Tables still being looked up for the journal get a second to finish.
        journaling::settle(&mut self.journaling, std::time::Duration::from_secs(1)).await;
        self.session.release().await;
        // What the journal was handed is written before the process ends (a blocking wait
        // of at most 2 s: the kernel has nothing else left to do).
        self.journaling
            .journal
            .flush(std::time::Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_kernel::{HistoryQuery, Output};
    use jupyter_protocol::HistoryEntry;

    fn cell(code: &str) -> ExecuteRequest {
        ExecuteRequest {
            code: code.into(),
            silent: false,
            store_history: true,
            stop_on_error: true,
        }
    }

    #[tokio::test]
    async fn the_last_result_is_the_value_and_earlier_ones_are_displays() {
        let mut kernel = Kernel::new(&Settings::from_vars(|_| None));
        let (ctx, outputs) = ExecuteContext::collecting();
        kernel
            .execute(cell("%lsmagic\n%limit"), ctx.numbered(1))
            .await
            .unwrap();
        let outputs = outputs.lock().unwrap();
        assert_eq!(outputs.len(), 2, "{outputs:?}");
        assert!(
            matches!(&outputs[0], Output::Display { data, .. } if data["text/plain"].as_str().unwrap().starts_with("Magics")),
            "the first result is a display: {:?}",
            outputs[0]
        );
        assert!(
            matches!(&outputs[1], Output::Result { data } if data["text/plain"] == "100"),
            "the last is the value: {:?}",
            outputs[1]
        );
        let request = HistoryRequest {
            query: HistoryQuery::Tail { n: 1 },
            output: true,
        };
        let history = kernel.history(&request).history;
        assert!(
            matches!(&history[..], [HistoryEntry::InputOutput(_, 1, (_, output))] if output == "100"),
            "the value is kept as the cell's output: {history:?}"
        );
    }

    #[test]
    fn kernel_info_describes_spark_sql() {
        let info = Kernel::new(&Settings::from_vars(|_| None)).kernel_info();
        assert_eq!(info.implementation, "spark-sql-kernel");
        let language = serde_json::to_value(&info.language_info).unwrap();
        assert_eq!(language["name"], "sql");
        assert_eq!(language["file_extension"], ".sql");
        assert_eq!(language["codemirror_mode"], "sql", "{language}");
        assert!(info.banner.contains(VERSION), "{}", info.banner);
    }

    #[tokio::test]
    async fn an_unknown_magic_is_a_usage_error_listing_the_known_ones() {
        let mut kernel = Kernel::new(&Settings::from_vars(|_| None));
        let (ctx, outputs) = ExecuteContext::collecting();
        let error = kernel
            .execute(cell("%nosuchmagic"), ctx.numbered(1))
            .await
            .unwrap_err();
        assert_eq!(error.ename, "UsageError");
        assert!(error.evalue.contains("%nosuchmagic"), "{}", error.evalue);
        assert!(error.evalue.contains("%lsmagic"), "{}", error.evalue);
        assert!(
            outputs.lock().unwrap().is_empty(),
            "nothing shown but the error"
        );
    }

    #[test]
    fn completeness_comes_from_the_sql_after_the_magics() {
        let kernel = Kernel::new(&Settings::from_vars(|_| None));
        let status = |code: &str| {
            let reply = kernel.is_complete(&IsCompleteRequest { code: code.into() });
            serde_json::to_value(&reply).unwrap()
        };
        assert_eq!(status("%lsmagic")["status"], "complete");
        let open = status("%%limit 5\nSELECT (1");
        assert_eq!(
            (&open["status"], &open["indent"]),
            (&"incomplete".into(), &"    ".into())
        );
        let string = status("SELECT 'x");
        assert_eq!(
            (&string["status"], &string["indent"]),
            (&"incomplete".into(), &"".into())
        );
        assert_eq!(status("SELECT 1)")["status"], "invalid");
    }
}
