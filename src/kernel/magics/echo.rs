//! `%echo TEXT`: prints TEXT to standard output (like psql's `\echo`), for notes in batch runs.
//! Must not: reach Spark.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;

pub struct Echo(String);

impl MagicCommand for Echo {
    const SPEC: MagicSpec = MagicSpec {
        name: "echo",
        usage: "%echo TEXT",
        description: "Print TEXT to standard output (like psql's \\echo), for notes in batch runs.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        Ok(Echo(args.to_owned()))
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        scope.out.stdout(format!("{}\n", self.0));
        Ok(())
    }
}
