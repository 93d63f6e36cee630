//! `%warn TEXT`: prints TEXT to standard error (like psql's `\warn`).
//! Must not: reach Spark.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;

pub struct Warn(String);

impl MagicCommand for Warn {
    const SPEC: MagicSpec = MagicSpec {
        name: "warn",
        usage: "%warn TEXT",
        description: "Print TEXT to standard error (like psql's \\warn).",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        Ok(Warn(args.to_owned()))
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        scope.out.stderr(format!("{}\n", self.0));
        Ok(())
    }
}
