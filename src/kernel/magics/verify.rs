//! `%verify ID`: runs a recorded query again and says what is the same and what changed: the
//! row count, the columns, the digest of the first rows and each table's version.
//! Must not: run a command again (only a query that ended with a result is run).

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::journal::{self, Record};
use crate::kernel::error::KernelError;
use crate::kernel::journaling::{self, Compared, Ended, Started, Unverifiable, Verification};
use crate::kernel::words;
use crate::render;

pub struct Verify {
    id: String,
}

impl MagicCommand for Verify {
    const SPEC: MagicSpec = MagicSpec {
        name: "verify",
        usage: "%verify q-…",
        description: "Run a recorded query again and say what is the same and what changed: rows, columns, the digest of the first rows, each table's version.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        match args.trim() {
            id if journal::is_receipt(id) => Ok(Verify { id: id.to_owned() }),
            "" => Err("name the receipt to verify (q-…, as shown under a result)".into()),
            other => Err(format!("{other:?} is not a receipt (q- and 12 hex digits)").into()),
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let Some(record) = journaling::find(scope.journaling, Some(&self.id)).await? else {
            return Err(KernelError::NoReceipt { receipt: self.id });
        };
        let not_verifiable = |why| KernelError::NotVerifiable {
            receipt: record.receipt.clone(),
            why,
        };
        if record.outcome != journal::Outcome::Ok || record.schema.is_empty() {
            return Err(not_verifiable(Unverifiable::NotOk));
        }
        let statements = crate::sql::split_statements(&record.statement);
        if statements.len() != 1 || !statements[0].is_query() {
            return Err(not_verifiable(Unverifiable::NotAQuery));
        }
        let verification = run_again(scope, &record).await?;
        let title = words::verified_title(&record.receipt, &verification.receipt);
        let rows = words::verification_rows(&verification);
        scope.out.show(render::key_values(&title, &rows));
        Ok(())
    }
}

/// Runs the recorded statement again (recorded as a statement of its own) and compares.
async fn run_again(
    scope: &mut CellScope<'_>,
    record: &Record,
) -> Result<Verification, KernelError> {
    let limit = usize::try_from(record.rows_received.max(1)).unwrap_or(usize::MAX);
    let started = Started::now();
    let count = u32::try_from(scope.out.ctx().execution_count()).unwrap_or(u32::MAX);
    let (progress, _) = tokio::sync::watch::channel(spark_connect::Running::default());
    let result = match scope.run(&record.statement, limit, &progress).await {
        Ok(result) => result,
        Err(crate::session::SessionError::Spark(error)) => {
            journaling::record(
                scope,
                &started,
                &record.statement,
                count,
                Ended::Failed(&error),
            );
            return Err(KernelError::Spark { error, sql: None });
        }
        Err(other) => return Err(other.into()),
    };
    let ended = Ended::Result {
        result: &result,
        exported: None,
        files: Vec::new(),
    };
    journaling::record(scope, &started, &record.statement, count, ended);
    let now_tables = match &record.tables {
        Some(tables) => Some(journaling::table_versions(scope, tables).await),
        None => None,
    };
    Ok(Verification {
        receipt: started.receipt,
        rows: Compared::of(
            journaling::row_count(record.rows_total, record.rows_received),
            journaling::row_count(
                (!result.more).then_some(result.rows() as u64),
                result.rows() as u64,
            ),
        ),
        columns: Compared::of(record.schema.clone(), journaling::schema(&result)),
        digest: Compared::of(
            record.rows_digest.clone(),
            result.texts().ok().map(|rows| journal::rows_digest(&rows)),
        ),
        tables: record
            .tables
            .clone()
            .zip(now_tables)
            .map(|(a, b)| Compared::of(a, b)),
    })
}
