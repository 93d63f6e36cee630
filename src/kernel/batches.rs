//! A proxy's message limit in front of a server that cannot split its result batches: BERDL's
//! public proxy accepts 4 MiB, and a Spark 4.0 server sends batches of up to 10,000 rows
//! whatever their size (wide rows make one batch tens of MB). The kernel asks Spark for
//! batches of fewer rows in the session and runs the statement again, a few times at most,
//! saying so once; a single row over the limit stays an error (Spark 4.1+ servers send big
//! batches in 1 MiB chunks and never get here).
//! Must not: retry more than `MAX_TRIES` times or split a single row.

use super::cell_scope::CellScope;
use crate::session::SessionError;
use spark_connect::Oversized;

/// Times the batches are made smaller for one statement.
pub(super) const MAX_TRIES: usize = 3;

/// Whether `outcome` failed on a proxy's message limit.
fn over_limit(error: &SessionError) -> Option<Oversized> {
    match error {
        SessionError::Spark(e) => e.over_proxy_limit(),
        _ => None,
    }
}

/// When `error` is a proxy's message limit: asks for smaller batches and says so;
/// whether the statement should run again.
pub(super) async fn made_smaller(scope: &mut CellScope<'_>, error: &SessionError) -> bool {
    let Some(sizes) = over_limit(error) else {
        return false;
    };
    let Ok(Some(rows)) = scope.smaller_batches(sizes).await else {
        return false;
    };
    scope.out.stderr(format!(
        "A result message ({} MB) was over the {} MiB a proxy in front of the server \
         accepts, and this Spark server cannot split it: the session now asks for batches \
         of {rows} rows (spark.sql.execution.arrow.maxRecordsPerBatch) and the statement \
         ran again.\n",
        sizes.bytes / 1_000_000,
        sizes.limit / (1024 * 1024)
    ));
    true
}
