//! `%lsmagic`: every magic with its description and usage, from the one list of magics.
//! Must not: list magics by hand: the `magics!` list is the only list.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec, SPECS};
use crate::kernel::error::KernelError;
use crate::render::{self, KeyValue};

pub struct Lsmagic;

impl MagicCommand for Lsmagic {
    const SPEC: MagicSpec = MagicSpec {
        name: "lsmagic",
        usage: "%lsmagic",
        description: "List every magic with a one-line description.",
        cell: false,
    };

    fn parse(_args: &str) -> Result<Self, BadArguments> {
        Ok(Lsmagic)
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let rows: Vec<KeyValue> = SPECS
            .iter()
            .map(|m| {
                KeyValue::new(
                    format!("%{}", m.name),
                    format!("{}\n{}", m.description, m.usage),
                )
            })
            .collect();
        scope.out.show(render::key_values("Magics", &rows));
        Ok(())
    }
}
