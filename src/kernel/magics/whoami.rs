//! `%whoami`: the KBase identity, token expiry, roles, the Spark Connect address and the
//! session's state; never the token.
//! Must not: word the rows (`kernel::identity` does) or show the token.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render::{self, KeyValue};

pub struct Whoami;

impl MagicCommand for Whoami {
    const SPEC: MagicSpec = MagicSpec {
        name: "whoami",
        usage: "%whoami",
        description: "Show your KBase identity, token expiry, roles and the Spark Connect address (never the token).",
        cell: false,
    };

    fn parse(_args: &str) -> Result<Self, BadArguments> {
        Ok(Whoami)
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let report = scope.report().await?;
        let mut rows = crate::kernel::identity::rows(&report, chrono::Utc::now());
        for problem in scope.problems {
            rows.push(KeyValue::new("Setting", problem.clone()));
        }
        scope.out.show(render::key_values("KBase identity", &rows));
        Ok(())
    }
}
