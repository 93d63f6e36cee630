//! Temporary views the client keeps in its session: each is defined when asked and defined
//! again, in the order it was first defined, in every fresh session that replaces a lost one
//! (as `SPARK_CONNECT_CONF` and the user's settings are applied again).
//! Must not: choose view names or decide which statements may become views (the caller does).

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Credentials, RowLimit, SessionCall, SparkClient, SparkNotice};
use crate::error::SparkError;
use crate::result::Running;

/// A temporary view over a query, as Spark keeps it: its name and its statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptView {
    pub name: String,
    pub query: String,
}

impl KeptView {
    /// The statement that defines it; `replace` replaces a view of that name.
    fn definition(&self, replace: bool) -> String {
        let verb = if replace {
            "CREATE OR REPLACE TEMPORARY VIEW"
        } else {
            "CREATE TEMPORARY VIEW"
        };
        // The query on lines of its own: a trailing `--` comment cannot swallow anything.
        format!(
            "{verb} `{}` AS\n{}\n",
            self.name.replace('`', "``"),
            self.query
        )
    }
}

/// Defining one view in the session.
struct Define<'a> {
    view: &'a KeptView,
    replace: bool,
}

impl SessionCall for Define<'_> {
    type Output = ();

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        client
            .define_once(creds, &self.view.definition(self.replace), cancel)
            .await
    }
}

impl SparkClient {
    /// Defines `view` in the session (replacing one of its name when `replace`) and keeps it:
    /// a fresh session gets it again. A view refused by Spark is not kept.
    pub async fn keep_view(
        &mut self,
        creds: &Credentials,
        view: KeptView,
        replace: bool,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        let mut call = Define {
            view: &view,
            replace,
        };
        self.in_session(creds, cancel, &mut call).await?;
        self.kept_views.retain(|v| v.name != view.name);
        self.kept_views.push(view);
        Ok(())
    }

    /// Stops keeping the view `name` and drops it from the session (when Spark has it).
    pub async fn drop_view(
        &mut self,
        creds: &Credentials,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        self.kept_views.retain(|v| v.name != name);
        let sql = format!("DROP VIEW IF EXISTS `{}`", name.replace('`', "``"));
        self.execute_sql(creds, &sql, 0, cancel).await.map(|_| ())
    }

    /// Stops keeping the view `name` without a call (the user's own now holds the name).
    pub fn forget_view(&mut self, name: &str) {
        self.kept_views.retain(|v| v.name != name);
    }

    /// Keeps `views` too (defined when the session opens; a client that replaces another).
    pub fn keep_views(&mut self, views: Vec<KeptView>) {
        self.kept_views.extend(views);
    }

    /// The views this client keeps, oldest first.
    pub fn kept_views(&self) -> &[KeptView] {
        &self.kept_views
    }

    /// Defines the kept views in a fresh session, oldest first; one Spark refuses (a table
    /// it reads is gone) becomes a notice and is no longer kept.
    pub(super) async fn define_kept(
        &mut self,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        let views = std::mem::take(&mut self.kept_views);
        for view in views {
            match self
                .define_once(creds, &view.definition(true), cancel)
                .await
            {
                Ok(()) => self.kept_views.push(view),
                Err(error @ (SparkError::Server(_) | SparkError::Rpc { .. })) => {
                    self.notices.push(SparkNotice::ViewNotDefined {
                        name: view.name,
                        error,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn define_once(
        &mut self,
        creds: &Credentials,
        sql: &str,
        cancel: &CancellationToken,
    ) -> Result<(), SparkError> {
        let (progress, _) = watch::channel(Running::default());
        // Boxed: opening a session defines views, and a definition is a statement.
        Box::pin(self.execute_once(creds, sql, RowLimit::Collect(0), cancel, &progress, None))
            .await
            .map(|_| ())
    }
}
