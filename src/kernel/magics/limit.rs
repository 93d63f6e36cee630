//! `%limit [N]` shows or sets the rows each result shows; `%%limit N` sets them for one cell.
//! At most N+1 rows are fetched from Spark (the extra one tells that more exist).
//! Must not: fetch rows: the limit is applied where the statement runs.

use super::{count, BadArguments, CellPlan, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render;

pub struct Limit {
    rows: Option<usize>,
}

impl MagicCommand for Limit {
    const SPEC: MagicSpec = MagicSpec {
        name: "limit",
        usage: "%limit [N]  |  %%limit N (this cell only)",
        description: "Show or set how many rows each result shows (at most N+1 rows are fetched).",
        cell: true,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        count(args, 1)
            .map(|rows| Limit { rows })
            .map_err(|e| format!("{e} of rows").into())
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        match self.rows {
            None => {
                let text = scope.view.limit.to_string();
                scope.out.show(render::plain_and_html(text.clone(), text));
            }
            Some(n) => {
                scope.view.limit = n;
                scope
                    .out
                    .stdout(format!("Results now show up to {n} rows.\n"));
            }
        }
        Ok(())
    }

    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        plan.limit = self.rows.ok_or("%%limit needs a number of rows")?;
        Ok(())
    }
}
