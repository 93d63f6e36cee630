//! `%explore [on|off]` shows or sets whether results can be explored (paged, sorted and
//! filtered on the server); `%%explore off` shows one cell's results as static tables only.
//! Must not: make snapshots: the explorer does when a frontend opens a result.

use super::{BadArguments, CellPlan, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render;

pub struct Explore {
    on: Option<bool>,
}

impl MagicCommand for Explore {
    const SPEC: MagicSpec = MagicSpec {
        name: "explore",
        usage: "%explore [on|off]  |  %%explore off (this cell only)",
        description: "Show or set whether results open in the explorer (pages, sort and filter on the server).",
        cell: true,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        let args = args.trim();
        if args.is_empty() {
            return Ok(Explore { on: None });
        }
        match crate::config::parse_bool(args) {
            Some(on) => Ok(Explore { on: Some(on) }),
            None => Err(format!("{args:?} is not on or off").into()),
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        match self.on {
            None => {
                let text = if scope.view.explore { "on" } else { "off" }.to_owned();
                scope.out.show(render::plain_and_html(text.clone(), text));
            }
            Some(on) => {
                scope.view.explore = on;
                let now = if on {
                    "Results now open in the explorer."
                } else {
                    "Results are now static tables."
                };
                scope.out.stdout(format!("{now}\n"));
            }
        }
        Ok(())
    }

    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        plan.explore = self.on.ok_or("%%explore needs on or off")?;
        Ok(())
    }
}
