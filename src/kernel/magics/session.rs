//! `%session`: how a PySpark notebook joins this kernel's Spark session, so that both read the
//! same results (`_N`) and temporary views. The token is never shown: the code reads it where
//! the kernel reads it.
//! Must not: word the code (`words` does) or open a second session.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::kernel::words;

pub struct Session;

impl MagicCommand for Session {
    const SPEC: MagicSpec = MagicSpec {
        name: "session",
        usage: "%session",
        description: "Show how a PySpark notebook joins this kernel's Spark session (the sc:// address with session_id and user_id; the token is read, never shown).",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        if args.trim().is_empty() {
            Ok(Session)
        } else {
            Err("%session takes no arguments".into())
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let joining = scope.joining().await?;
        // A PySpark client may read any result from now on: each becomes a view now.
        crate::kernel::carried::define_all(scope).await;
        let last = scope.carried.kept().next_back().map(|c| c.name.clone());
        scope.out.show(words::joining(&joining, last.as_deref()));
        Ok(())
    }
}
