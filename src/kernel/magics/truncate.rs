//! `%truncate [N]`: shows or sets how many characters of a value are shown before it is cut at
//! `…` (0: whole).
//! Must not: cut values itself: `render` does, with this setting.

use super::{count, BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render;

pub struct Truncate {
    chars: Option<usize>,
}

impl MagicCommand for Truncate {
    const SPEC: MagicSpec = MagicSpec {
        name: "truncate",
        usage: "%truncate [N]  (0: show values whole)",
        description: "Show or set how many characters of a value are shown before it is cut at …",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        count(args, 0).map(|chars| Truncate { chars })
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        match self.chars {
            None => {
                let text = scope.view.max_chars.to_string();
                scope.out.show(render::plain_and_html(text.clone(), text));
            }
            Some(0) => {
                scope.view.max_chars = 0;
                scope.out.stdout("Values are now shown whole.\n");
            }
            Some(n) => {
                scope.view.max_chars = n;
                scope.out.stdout(format!(
                    "Values longer than {n} characters are now cut at …\n"
                ));
            }
        }
        Ok(())
    }
}
