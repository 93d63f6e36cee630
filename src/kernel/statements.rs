//! Running a cell: its line magics in order, then each SQL statement through the session,
//! each result shown as a table (with live progress for slow ones), and `OK · time` for a cell
//! whose statements return no rows. With `%%export` the last statement's whole result is also
//! written to a file. The cell stops at its first failure.
//! Must not: build HTML (`render` does) or call the session around `CellScope`.

use std::time::Duration;

use super::cell_scope::CellScope;
use super::error::KernelError;
use super::magics::{CellPlan, ExportPlan, Magic};
use super::{batches, carried, cell, journaling, live, waiting, words};
use crate::chart::ChartPlan;
use crate::export::{ExportError, Written};
use crate::render;
use crate::render::SqlSource;
use crate::session::SessionError;
use crate::sql::{split_statements, Statement};
use spark_connect::SparkError;

/// Runs the cell `code`.
pub async fn run_cell(scope: &mut CellScope<'_>, code: &str) -> Result<(), KernelError> {
    let cell = cell::parse(code);
    let sql_line = 1 + code[..cell.sql_offset.min(code.len())]
        .matches('\n')
        .count();
    for line in &cell.line_magics {
        Magic::parse(line)?.apply(scope).await?;
    }
    let mut plan = CellPlan {
        limit: scope.view.limit,
        export: None,
        chart: None,
        explore: scope.view.explore,
    };
    if let Some(line) = &cell.cell_magic {
        Magic::plan_cell(line, &mut plan)?;
    }
    let statements = split_statements(&cell.sql);
    if plan.export.is_some() && statements.is_empty() {
        return Err(KernelError::NothingToExport);
    }
    if plan.chart.is_some() && statements.is_empty() {
        return Err(KernelError::NothingToChart);
    }
    // Time taken by statements without a result set (DDL, INSERT, …).
    let mut quiet: Option<Duration> = None;
    let mut results = 0;
    for (i, statement) in statements.iter().enumerate() {
        if scope.out.ctx().is_cancelled() {
            return Err(KernelError::Interrupted);
        }
        let line = sql_line + cell.sql[..statement.offset].matches('\n').count();
        let last = i + 1 == statements.len();
        let extra = Extra {
            export: plan.export.as_ref().filter(|_| last),
            chart: plan.chart.as_ref().filter(|_| last),
            explore: plan.explore,
            nth: results,
        };
        match run_statement(scope, statement, line, plan.limit, extra).await? {
            Ran::Quiet(elapsed) => quiet = Some(quiet.unwrap_or_default() + elapsed),
            Ran::Result => results += 1,
        }
    }
    // A cell that would show nothing at all says that its statements ran.
    if let Some(elapsed) = quiet {
        if scope.out.is_empty() {
            let text = format!("OK · {}", render::human_duration(elapsed));
            scope.out.show(render::summary_line(text));
        }
    }
    Ok(())
}

/// What a cell's `%%` magic adds to its last statement.
#[derive(Clone, Copy, Default)]
struct Extra<'a> {
    export: Option<&'a ExportPlan>,
    chart: Option<&'a ChartPlan>,
    /// Whether the result opens in the explorer.
    explore: bool,
    /// How many results of the cell came before (a second one is `_N_2`).
    nth: usize,
}

/// What a statement that ran left: a result set, or the time a statement without one took.
enum Ran {
    Result,
    Quiet(Duration),
}

/// Runs one statement and shows its result.
async fn run_statement(
    scope: &mut CellScope<'_>,
    statement: &Statement,
    line: usize,
    limit: usize,
    extra: Extra<'_>,
) -> Result<Ran, KernelError> {
    // A chart draws more rows than the table shows.
    let fetch = if extra.chart.is_some() {
        limit.max(scope.view.chart_rows)
    } else {
        limit
    };
    let count = u32::try_from(scope.out.ctx().execution_count()).unwrap_or(u32::MAX);
    // The results it reads become views first.
    carried::before_statement(scope, &statement.text).await;
    let started = journaling::Started::now();
    let (result, written) = match attempt(scope, &statement.text, fetch, extra.export).await {
        Ok(done) => done,
        Err(StatementError::Session(SessionError::Spark(error))) => {
            let failed = journaling::Ended::Failed(&error);
            journaling::record(scope, &started, &statement.text, count, failed);
            tell_gone(scope, statement, &error);
            return Err(KernelError::Spark {
                error,
                sql: Some(Box::new(SqlSource {
                    text: statement.text.clone(),
                    line,
                })),
            });
        }
        Err(StatementError::Session(other)) => return Err(other.into()),
        Err(StatementError::Export(e)) => return Err(KernelError::Export(e)),
    };
    let ended = journaling::Ended::Result {
        result: &result,
        exported: written.as_ref().map(|w| w.rows),
        files: written
            .iter()
            .zip(extra.export)
            .map(|(w, plan)| file_written(w, plan.format))
            .collect(),
    };
    journaling::record(scope, &started, &statement.text, count, ended);
    if !result.has_columns() {
        carried::after_statement(scope, &statement.text).await;
        return Ok(Ran::Quiet(result.elapsed));
    }
    // Only a query becomes a view: a command's statement must not run again.
    let receipt = scope
        .journaling
        .journal
        .is_on()
        .then_some(started.receipt.as_str());
    let name = if statement.is_query() {
        let kept = carried::Kept {
            statement: &statement.text,
            count,
            nth: extra.nth,
            receipt,
            columns: columns(&result),
        };
        carried::keep(scope, kept).await
    } else {
        carried::after_statement(scope, &statement.text).await;
        None
    };
    let label = words::result_label(name.as_deref(), receipt);
    let view = show_result(scope, statement, &result, limit, extra, label).await?;
    if let (Some(name), Some(view)) = (name, view) {
        scope.carried.shown_in(&name, view);
    }
    Ok(Ran::Result)
}

/// A result's columns, as completion lists them.
fn columns(result: &spark_connect::QueryResult) -> Vec<crate::session::CatalogColumn> {
    result
        .columns
        .iter()
        .map(|c| crate::session::CatalogColumn {
            name: c.name.clone(),
            type_name: c.type_name.clone(),
            comment: String::new(),
        })
        .collect()
}

/// A file an export wrote, as the journal records it.
fn file_written(
    written: &crate::export::Written,
    format: crate::export::Format,
) -> crate::journal::FileWritten {
    crate::journal::FileWritten {
        path: written.path.display().to_string(),
        format: format.key().to_owned(),
        bytes: Some(written.bytes),
        rows: Some(written.rows),
    }
}

/// After a statement failed because a table or view is missing: says which result names it
/// reads are gone (only the newest are kept).
fn tell_gone(scope: &mut CellScope<'_>, statement: &Statement, error: &SparkError) {
    let missing = error.server().is_some_and(|e| {
        e.error_class.as_deref() == Some("TABLE_OR_VIEW_NOT_FOUND")
            || e.message.contains("TABLE_OR_VIEW_NOT_FOUND")
    });
    if !missing {
        return;
    }
    for name in crate::sql::names::result_names_in(&statement.text) {
        if scope.carried.is_gone(&name) {
            scope.out.stderr(words::result_gone(&name, carried::KEPT));
        }
    }
}

/// Runs `sql` until it gets an answer worth showing: a server not started is started (once),
/// one still starting is waited for, a proxy's message limit gets smaller batches. A
/// statement that ended while the user interrupted ends as interrupted, its result unshown.
async fn attempt(
    scope: &mut CellScope<'_>,
    sql: &str,
    fetch: usize,
    export: Option<&ExportPlan>,
) -> Result<(spark_connect::QueryResult, Option<Written>), StatementError> {
    let mut outcome = query(scope, sql, fetch, export).await;
    // Nothing listens at the address: start the server (when a start command is set), once.
    let refused = matches!(&outcome, Err(StatementError::Session(e)) if e.is_refused());
    if refused && scope.session().can_start() {
        let ctx = scope.out.ctx().clone();
        let start = scope.start_server();
        live::starting(start, &ctx).await?;
        outcome = query(scope, sql, fetch, export).await;
    }
    // The server is still starting (a pod restart): wait for it, then run the statement.
    outcome = match outcome {
        Err(StatementError::Session(error)) if waiting::should_wait(scope, &error) => {
            // Boxed: the wait holds a session call's future (a deep stack otherwise).
            match Box::pin(waiting::until_up(scope, error)).await {
                Ok(()) => query(scope, sql, fetch, export).await,
                Err(e) => Err(StatementError::Session(e)),
            }
        }
        other => other,
    };
    // Over a proxy's message limit on a server that cannot split its batches: smaller ones.
    for _ in 0..batches::MAX_TRIES {
        let Err(StatementError::Session(error)) = &outcome else {
            break;
        };
        // Boxed: it holds session calls (a deep stack otherwise).
        if !Box::pin(batches::made_smaller(scope, error)).await {
            break;
        }
        outcome = query(scope, sql, fetch, export).await;
    }
    if outcome.is_ok() && scope.out.ctx().is_cancelled() {
        return Err(StatementError::Session(SessionError::Spark(
            SparkError::Cancelled,
        )));
    }
    outcome
}

/// Shows `result` as a table (in the explorer when it may be), and its chart; nothing for a
/// statement without a result set. The explorer's view, when it shows the result.
async fn show_result(
    scope: &mut CellScope<'_>,
    statement: &Statement,
    result: &spark_connect::QueryResult,
    limit: usize,
    extra: Extra<'_>,
    label: Option<String>,
) -> Result<Option<String>, KernelError> {
    tracing::debug!(
        "{} rows received, {} reattaches, {:?}",
        result.rows_received,
        result.reattaches,
        result.elapsed
    );
    if !result.has_columns() {
        return Ok(None);
    }
    let zone = if render::needs_time_zone(result) {
        session_zone(scope).await
    } else {
        render::Zone::default()
    };
    let options = render::TableOptions {
        max_chars: scope.view.max_chars,
        zone,
        max_bytes: scope.view.max_output,
        hints: words::TABLE_HINTS,
        label,
    };
    let first;
    let shown = match extra.chart {
        Some(_) => {
            first = result.first_rows(limit);
            &first
        }
        None => result,
    };
    let mut table = render::result_table(shown, &options);
    // Only a query's result can be explored: a command's statement must not run again.
    let mut view = None;
    if extra.explore && statement.is_query() {
        if let Some(explorer) = scope.explorer.as_deref_mut() {
            let what = super::explorer::Explorable {
                sql: &statement.text,
                result: shown,
                options: &options,
                page_size: limit,
            };
            view = explorer.register(&what, &mut table);
        }
    }
    scope.out.show(table);
    if let Some(chart) = extra.chart {
        draw(scope, chart, result, &options.zone)?;
    }
    Ok(view)
}

/// Shows the chart of `result` after its table.
fn draw(
    scope: &mut CellScope<'_>,
    plan: &ChartPlan,
    result: &spark_connect::QueryResult,
    zone: &render::Zone,
) -> Result<(), KernelError> {
    let cap = scope.view.chart_rows;
    let rows = crate::chart::ChartData {
        columns: &result.columns,
        batches: &result.batches,
        more: result.more,
    };
    let chart = crate::chart::build(plan, &rows, zone, cap).map_err(KernelError::Chart)?;
    let bundle = crate::chart::bundle(&chart, cap).map_err(KernelError::Chart)?;
    if chart.left_out {
        scope.out.stderr(format!(
            "The chart draws the first {cap} rows of the result; the rest were left out (SPARK_SQL_KERNEL_CHART_ROWS).\n"
        ));
    }
    scope.out.display(bundle);
    Ok(())
}

/// Why a statement's query failed: the session (Spark, the token, the address), or the file
/// its export writes.
enum StatementError {
    Session(SessionError),
    Export(ExportError),
}

impl From<SessionError> for StatementError {
    fn from(error: SessionError) -> Self {
        StatementError::Session(error)
    }
}

/// Runs `sql` with its live progress line; at most `limit` rows come back. With an export, the
/// whole result is written to its file first, and a line says what was written.
async fn query(
    scope: &mut CellScope<'_>,
    sql: &str,
    limit: usize,
    export: Option<&ExportPlan>,
) -> Result<(spark_connect::QueryResult, Option<Written>), StatementError> {
    let Some(export) = export else {
        let (reports, receiver) = tokio::sync::watch::channel(spark_connect::Running::default());
        let ctx = scope.out.ctx().clone();
        let run = scope.run(sql, limit, &reports);
        return live::follow(run, receiver, &ctx)
            .await
            .map(|result| (result, None))
            .map_err(StatementError::Session);
    };
    let zone = session_zone(scope).await;
    let target = crate::export::resolve(&export.path, scope.view.home.as_deref());
    let mut sink = crate::export::Exporter::create(&target, export.format, zone)
        .map_err(StatementError::Export)?;
    let (reports, receiver) = tokio::sync::watch::channel(spark_connect::Running::default());
    let ctx = scope.out.ctx().clone();
    let started = std::time::Instant::now();
    let run = scope.export(sql, limit, &reports, &mut sink);
    let outcome = live::follow(run, receiver, &ctx).await;
    let result = match outcome {
        Ok(result) => result,
        Err(SessionError::Spark(SparkError::SinkStopped)) => {
            return Err(StatementError::Export(sink.failure()))
        }
        Err(other) => return Err(other.into()),
    };
    let written = sink
        .finish(&result.columns)
        .map_err(StatementError::Export)?;
    let line = super::words::exported(&written, export.format, started.elapsed());
    scope.out.stdout(format!("{line}\n"));
    Ok((result, Some(written)))
}

/// The session time zone, in which Spark shows timestamps; UTC (with a note) when it cannot
/// be read.
async fn session_zone(scope: &mut CellScope<'_>) -> render::Zone {
    match scope.conf_get("spark.sql.session.timeZone").await {
        Ok(Some(id)) => render::Zone::parse(&id).unwrap_or_else(|| {
            scope.out.stderr(format!(
                "Timestamps are shown in UTC: the session time zone {id:?} is not one this kernel knows.\n"
            ));
            render::Zone::default()
        }),
        Ok(None) => render::Zone::default(),
        Err(e) => {
            scope.out.stderr(format!(
                "Timestamps are shown in UTC: the session time zone could not be read ({e}).\n"
            ));
            render::Zone::default()
        }
    }
}
