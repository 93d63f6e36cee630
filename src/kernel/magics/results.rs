//! `%results`: the results later cells can read (`_N`, `_`), each with its statement.
//! Must not: define or drop views (`carried` does).

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::carried::{self, Carry};
use crate::kernel::error::KernelError;
use crate::kernel::words;
use crate::render::{self, KeyValue};

pub struct Results;

impl MagicCommand for Results {
    const SPEC: MagicSpec = MagicSpec {
        name: "results",
        usage: "%results",
        description: "List the results later cells can read as _N (and _, the last one), with their statements.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        if args.trim().is_empty() {
            Ok(Results)
        } else {
            Err("%results takes no arguments".into())
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let kept: Vec<Carry> = scope.carried.kept().cloned().collect();
        if kept.is_empty() {
            scope.out.stdout(words::no_results_kept(carried::KEPT));
            return Ok(());
        }
        let rows: Vec<KeyValue> = kept
            .iter()
            .rev()
            .map(|c| KeyValue::new(c.name.clone(), words::kept_result(c)))
            .collect();
        let title = words::results_title(kept.len(), carried::KEPT);
        scope.out.show(render::key_values(&title, &rows));
        Ok(())
    }
}
