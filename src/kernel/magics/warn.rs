//! `%warn TEXT`: prints TEXT to standard error (like psql's `\warn`).
//! Must not: reach Spark.

use super::{BadArguments, Command, Shell, MagicSpec};
use crate::kernel::error::KernelError;

pub struct Warn(String);

impl Command for Warn {
    const SPEC: MagicSpec = MagicSpec {
        name: "warn",
        usage: "%warn TEXT",
        description: "Print TEXT to standard error (like psql's \\warn).",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        Ok(Warn(args.to_owned()))
    }

    async fn apply(self, shell: &mut Shell<'_>) -> Result<(), KernelError> {
        shell.out.stderr(format!("{}\n", self.0));
        Ok(())
    }
}
