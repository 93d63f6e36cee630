//! `%receipt [ID]`: the journal's record of a statement (the last one's without an ID).
//! Must not: run anything on Spark.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::kernel::{journaling, words};
use crate::render;

pub struct Receipt {
    id: Option<String>,
}

impl MagicCommand for Receipt {
    const SPEC: MagicSpec = MagicSpec {
        name: "receipt",
        usage: "%receipt [q-…]",
        description: "Show the journal's record of a statement: its receipt (the last statement's without one).",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        match args.trim() {
            "" => Ok(Receipt { id: None }),
            id if crate::journal::is_receipt(id) => Ok(Receipt {
                id: Some(id.to_owned()),
            }),
            other => Err(format!("{other:?} is not a receipt (q- and 12 hex digits)").into()),
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let found = journaling::find(scope.journaling, self.id.as_deref()).await?;
        let Some(record) = found else {
            let receipt = self.id.or_else(|| scope.journaling.last.clone());
            return Err(KernelError::NoReceipt {
                receipt: receipt.unwrap_or_default(),
            });
        };
        let title = words::receipt_title(&record.receipt);
        scope
            .out
            .show(render::key_values(&title, &words::receipt_rows(&record)));
        Ok(())
    }
}
