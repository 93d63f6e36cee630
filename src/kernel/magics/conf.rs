//! `%conf`, `%conf KEY`, `%conf KEY=VALUE`: the Spark settings of the session, shown or set.
//! Must not: keep settings itself: Spark holds them, the client re-applies them.

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;
use crate::render::{self, KeyValue};
use spark_connect::Setting;

pub enum Conf {
    All,
    Get(String),
    Set(String, String),
}

impl MagicCommand for Conf {
    const SPEC: MagicSpec = MagicSpec {
        name: "conf",
        usage: "%conf  |  %conf KEY  |  %conf KEY=VALUE",
        description: "Show the Spark settings of the session (all, or one), or set one.",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        match args.split_once('=') {
            Some((key, _)) if key.trim().is_empty() => {
                Err("the setting needs a name before =".into())
            }
            Some((key, value)) => Ok(Conf::Set(key.trim().to_owned(), value.trim().to_owned())),
            None if args.is_empty() => Ok(Conf::All),
            None => Ok(Conf::Get(args.to_owned())),
        }
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        let outcome = match self {
            Conf::Set(key, value) => {
                scope.conf_set(&key, &value).await?;
                scope.out.stdout(format!("{key} = {value}\n"));
                return Ok(());
            }
            Conf::All => scope.conf_all().await,
            Conf::Get(key) => scope
                .conf_get(&key)
                .await
                .map(|value| vec![Setting { key, value }]),
        };
        let rows: Vec<KeyValue> = outcome?
            .into_iter()
            .map(|s| KeyValue::new(s.key, s.value.unwrap_or_else(|| "(not set)".into())))
            .collect();
        scope.out.show(render::key_values("Spark settings", &rows));
        Ok(())
    }
}
