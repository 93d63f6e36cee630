//! `%reconnect`: re-reads and re-validates the KBase token and opens a fresh Spark session.
//! Must not: word the session's notices (the shell shows them).

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;

pub struct Reconnect;

impl MagicCommand for Reconnect {
    const SPEC: MagicSpec = MagicSpec {
        name: "reconnect",
        usage: "%reconnect",
        description: "Re-read and re-validate the KBase token and open a fresh Spark session.",
        cell: false,
    };

    fn parse(_args: &str) -> Result<Self, BadArguments> {
        Ok(Reconnect)
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let opened = scope.reconnect().await?;
        scope.out.stdout(format!(
            "Connected to Spark {} at {} as {}; new session {}.\n",
            opened.version, opened.address, opened.user, opened.session_id
        ));
        Ok(())
    }
}
