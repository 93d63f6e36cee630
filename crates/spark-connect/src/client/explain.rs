//! Asking Spark about a statement without running it: `AnalyzePlan`'s explain of the SQL
//! relation, in COST mode (the optimized plan with each node's statistics) or EXTENDED mode
//! (the analyzed plan too, which names every table read). A query is only analysed and
//! optimized: no job runs, nothing is read beyond the catalog's statistics.
//! Must not: read the text it gets (the explorer's query module does).

use tokio_util::sync::CancellationToken;

use super::{Credentials, SessionCall, SparkClient};
use crate::error::{SparkError, Unreadable};
use crate::proto::{
    analyze_plan_request, analyze_plan_response, plan, relation, Plan, Relation, Sql,
};

/// How much of its plans Spark explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explained {
    /// The optimized plan with statistics (`EXPLAIN COST`).
    Cost,
    /// The parsed, analyzed, optimized and physical plans (`EXPLAIN EXTENDED`).
    Extended,
}

/// Explaining one statement.
struct Explain<'a> {
    sql: &'a str,
    mode: Explained,
}

impl SessionCall for Explain<'_> {
    type Output = String;

    async fn run(
        &mut self,
        client: &mut SparkClient,
        creds: &Credentials,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        client
            .explain_once(creds, self.sql, self.mode, cancel)
            .await
    }
}

impl SparkClient {
    /// Spark's plan of `sql` with its statistics (`EXPLAIN COST`'s text), without running it.
    pub async fn explain_cost(
        &mut self,
        creds: &Credentials,
        sql: &str,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        self.explain(creds, sql, Explained::Cost, cancel).await
    }

    /// Spark's explanation of `sql` in `mode`, without running it.
    pub async fn explain(
        &mut self,
        creds: &Credentials,
        sql: &str,
        mode: Explained,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        self.in_session(creds, cancel, &mut Explain { sql, mode })
            .await
    }

    async fn explain_once(
        &mut self,
        creds: &Credentials,
        sql: &str,
        mode: Explained,
        cancel: &CancellationToken,
    ) -> Result<String, SparkError> {
        use analyze_plan_request::explain::ExplainMode;
        let root = Relation {
            common: None,
            rel_type: Some(relation::RelType::Sql(Sql {
                query: sql.to_owned(),
                ..Sql::default()
            })),
        };
        let asked = analyze_plan_request::Analyze::Explain(analyze_plan_request::Explain {
            plan: Some(Plan {
                op_type: Some(plan::OpType::Root(root)),
            }),
            explain_mode: match mode {
                Explained::Cost => ExplainMode::Cost,
                Explained::Extended => ExplainMode::Extended,
            } as i32,
        });
        match self.analyze_once(creds, asked, cancel).await? {
            Some(analyze_plan_response::Result::Explain(e)) => Ok(e.explain_string),
            _ => Err(SparkError::Decode(Unreadable::Missing("plan"))),
        }
    }
}
