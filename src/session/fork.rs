//! A second handle on the user's Spark session: the same session and connection, its own
//! calls, so that work beside the cells (the explorer's pages) neither waits for a cell nor
//! makes one wait. Made by [`super::SparkSession::fork`] with the credentials of the moment.
//! Must not: change the session's settings or show anything.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::SessionError;
use spark_connect::{BatchSink, Credentials, QueryResult, Running, SparkClient};

/// A handle that runs statements in the user's Spark session.
pub struct Forked {
    creds: Credentials,
    client: SparkClient,
}

impl Forked {
    pub(super) fn new(creds: Credentials, client: SparkClient) -> Forked {
        Forked { creds, client }
    }

    /// Another handle on the same session (for work beside this handle's).
    pub fn fork(&self) -> Forked {
        Forked {
            creds: self.creds.clone(),
            client: self.client.fork(),
        }
    }

    /// The user the handle's calls are made as.
    pub fn user(&self) -> &str {
        &self.creds.user
    }

    /// Where the handle's last statement ran.
    pub fn whereabouts(&self) -> super::Whereabouts {
        super::Whereabouts {
            address: self.client.address().to_string(),
            version: self.client.server_version().map(ToString::to_string),
            session_id: self.client.session_id().to_owned(),
            operation_id: self.client.last_operation_id().map(str::to_owned),
        }
    }

    /// Runs one statement; at most `limit` rows of its result come back.
    pub async fn run(
        &mut self,
        sql: &str,
        limit: usize,
        cancel: &CancellationToken,
    ) -> Result<QueryResult, SessionError> {
        let sent = crate::sql::blank_comments(sql);
        Ok(self
            .client
            .execute_sql(&self.creds, &sent, super::row_limit(sql, limit), cancel)
            .await?)
    }

    /// Spark's plan of `sql` with its statistics (`EXPLAIN COST`'s text), without running it.
    pub async fn explain_cost(
        &mut self,
        sql: &str,
        cancel: &CancellationToken,
    ) -> Result<String, SessionError> {
        let sent = crate::sql::blank_comments(sql);
        Ok(self.client.explain_cost(&self.creds, &sent, cancel).await?)
    }

    /// The tables `sql` reads (`catalog.namespace.table`), from Spark's analysis of it.
    pub async fn tables_read(
        &mut self,
        sql: &str,
        cancel: &CancellationToken,
    ) -> Result<Vec<String>, SessionError> {
        let sent = crate::sql::blank_comments(sql);
        let explained = self
            .client
            .explain(
                &self.creds,
                &sent,
                spark_connect::Explained::Extended,
                cancel,
            )
            .await?;
        Ok(super::tables::read_in(&explained))
    }

    /// A table's version, where its format reports one (Iceberg's snapshot id).
    pub async fn table_version(
        &mut self,
        table: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<String>, SessionError> {
        let sql = super::tables::version_query(table);
        let result = self
            .client
            .execute_sql(&self.creds, &sql, 10, cancel)
            .await?;
        Ok(super::tables::version_in(
            &result.texts().unwrap_or_default(),
        ))
    }

    /// Runs one statement and hands its whole result to `sink`; progress goes to `progress`.
    pub async fn export(
        &mut self,
        sql: &str,
        cancel: &CancellationToken,
        progress: &watch::Sender<Running>,
        sink: &mut dyn BatchSink,
    ) -> Result<QueryResult, SessionError> {
        let sent = crate::sql::blank_comments(sql);
        Ok(self
            .client
            .export_sql(&self.creds, &sent, 0, cancel, progress, sink)
            .await?)
    }
}
