//! `%limit [N]` shows or sets the rows each result shows; `%%limit N` sets them for one cell.
//! At most N+1 rows are fetched from Spark (the extra one tells that more exist).
//! Must not: fetch rows: the limit is applied where the statement runs.

use super::{BadArguments, count, CellPlan, Command, Shell, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render;

pub struct Limit {
    rows: Option<usize>,
}

impl Command for Limit {
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

    async fn apply(self, shell: &mut Shell<'_>) -> Result<(), KernelError> {
        match self.rows {
            None => {
                let text = shell.view.limit.to_string();
                shell.out.show(render::plain_and_html(text.clone(), text));
            }
            Some(n) => {
                shell.view.limit = n;
                shell.out.stdout(format!("Results now show up to {n} rows.\n"));
            }
        }
        Ok(())
    }

    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        plan.limit = self.rows.ok_or("%%limit needs a number of rows")?;
        Ok(())
    }
}
