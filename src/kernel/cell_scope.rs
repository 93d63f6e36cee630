//! What a cell's magics and statements work with: the session, the view settings, the cell's
//! output and the settings' problems. Every call on the session goes through [`CellScope`], which
//! shows what the session has to tell (a lost session replaced, a setting not applied) right
//! after the call — the one place notices are shown. Must not: word results or errors.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::cell_output::CellOutput;
use super::View;
use crate::session::{Reconnected, SessionError, SessionReport, SparkSession};
use spark_connect::{BatchSink, KeptView, Oversized, QueryResult, Running, Setting};

/// What outlives a cell: the results kept as views, and the journal.
pub struct Keeping<'a> {
    pub carried: &'a mut super::carried::Carried,
    pub journaling: &'a mut super::journaling::Journaling,
}

/// What a magic or statement may use when it runs.
pub struct CellScope<'a> {
    session: &'a mut SparkSession,
    pub view: &'a mut View,
    pub out: &'a mut CellOutput,
    /// What was wrong with the settings (shown by `%whoami`).
    pub problems: &'a [String],
    /// The results kept as views (`_N`).
    pub carried: &'a mut super::carried::Carried,
    /// Where statements are recorded.
    pub journaling: &'a mut super::journaling::Journaling,
    /// Where explorable results are registered (none: results are static).
    pub explorer: Option<&'a mut super::explorer::Explorer>,
}

impl<'a> CellScope<'a> {
    pub fn new(
        session: &'a mut SparkSession,
        view: &'a mut View,
        out: &'a mut CellOutput,
        problems: &'a [String],
        keeping: Keeping<'a>,
    ) -> CellScope<'a> {
        CellScope {
            session,
            view,
            out,
            problems,
            carried: keeping.carried,
            journaling: keeping.journaling,
            explorer: None,
        }
    }

    /// The same shell, registering explorable results with `explorer`.
    pub fn with_explorer(mut self, explorer: &'a mut super::explorer::Explorer) -> CellScope<'a> {
        self.explorer = Some(explorer);
        self
    }
}

impl CellScope<'_> {
    /// The token the cell's interrupt cancels (every wait on Spark or KBase ends with it).
    pub fn cancel(&self) -> CancellationToken {
        self.out.ctx().cancel_token().clone()
    }

    /// The session, for what it knows without a call.
    pub fn session(&self) -> &SparkSession {
        self.session
    }

    /// `outcome` of a session call, after the notices it left.
    fn told<T>(&mut self, outcome: T) -> T {
        self.out.notices(self.session);
        outcome
    }

    /// Runs one statement; at most `limit` rows come back, progress goes to `progress`.
    pub async fn run(
        &mut self,
        sql: &str,
        limit: usize,
        progress: &watch::Sender<Running>,
    ) -> Result<QueryResult, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.run(sql, limit, &cancel, progress).await;
        self.told(outcome)
    }

    /// Runs one statement and hands its whole result to `sink`.
    pub async fn export(
        &mut self,
        sql: &str,
        limit: usize,
        progress: &watch::Sender<Running>,
        sink: &mut dyn BatchSink,
    ) -> Result<QueryResult, SessionError> {
        let cancel = self.cancel();
        let outcome = self
            .session
            .export(sql, limit, &cancel, progress, sink)
            .await;
        self.told(outcome)
    }

    pub async fn conf_get(&mut self, key: &str) -> Result<Option<String>, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.conf_get(key, &cancel).await;
        self.told(outcome)
    }

    pub async fn conf_all(&mut self) -> Result<Vec<Setting>, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.conf_all(&cancel).await;
        self.told(outcome)
    }

    pub async fn conf_set(&mut self, key: &str, value: &str) -> Result<(), SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.conf_set(key, value, &cancel).await;
        self.told(outcome)
    }

    pub async fn reconnect(&mut self) -> Result<Reconnected, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.reconnect(&cancel).await;
        self.told(outcome)
    }

    /// Whether the server answers now.
    pub async fn ready(&mut self) -> Result<(), SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.ready(&cancel).await;
        self.told(outcome)
    }

    /// Asks for batches small enough to pass a proxy's limit; the new rows per batch.
    pub async fn smaller_batches(
        &mut self,
        oversized: Oversized,
    ) -> Result<Option<usize>, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.smaller_batches(oversized, &cancel).await;
        self.told(outcome)
    }

    /// Starts the user's server with the start command.
    pub async fn start_server(&mut self) -> Result<bool, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.start_server(&cancel).await;
        self.told(outcome)
    }

    /// Defines `view` in the session and keeps it (a fresh session gets it again).
    pub async fn keep_view(&mut self, view: KeptView, replace: bool) -> Result<(), SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.keep_view(view, replace, &cancel).await;
        self.told(outcome)
    }

    /// Drops the kept view `name`.
    pub async fn drop_view(&mut self, name: &str) -> Result<(), SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.drop_view(name, &cancel).await;
        self.told(outcome)
    }

    /// Stops keeping the view `name` (the user's own holds the name now).
    pub fn forget_view(&mut self, name: &str) {
        self.session.forget_view(name);
    }

    /// A table's version, where its format reports one.
    pub async fn table_version(&mut self, table: &str) -> Result<Option<String>, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.table_version(table, &cancel).await;
        self.told(outcome)
    }

    /// How a PySpark client joins the session (`%session`).
    pub async fn joining(&mut self) -> Result<crate::session::Joining, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.joining(&cancel).await;
        self.told(outcome)
    }

    /// Who the user is and how Spark is reached (`%whoami`).
    pub async fn report(&mut self) -> Result<SessionReport, SessionError> {
        let cancel = self.cancel();
        let outcome = self.session.report(&cancel).await;
        self.told(outcome)
    }
}
