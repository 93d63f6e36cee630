//! The magics, one file each (name, usage, parsing, behaviour), in the style of mini-redis's
//! commands: each implements [`MagicCommand`], and this file lists them once more, written
//! out as mini-redis's `MagicCommand` is: the [`Magic`] enum, its dispatch by name, and the
//! [`SPECS`] that `%lsmagic`, completion, inspection and the unknown-magic error are derived
//! from. Adding a magic is adding its file and its line in each list here (the compiler
//! checks the matches; a test checks that every spec's name parses to its magic).
//!
//! Magics act through a [`CellScope`]: the session, what results look like, and the cell's
//! output. They know no sockets.
//! Must not: name a magic anywhere but its file and the lists here.

pub use super::cell_scope::CellScope;
use super::error::KernelError;
use crate::kernel::cell::MagicLine;

/// What `%lsmagic`, completion and inspection know of a magic.
#[derive(Debug)]
pub struct MagicSpec {
    pub name: &'static str,
    pub usage: &'static str,
    pub description: &'static str,
    /// Whether it may open a cell as `%%name`.
    pub cell: bool,
}

/// What is wrong with a magic's arguments, worded for the user (the usage line is added when
/// it is shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadArguments(pub String);

impl std::fmt::Display for BadArguments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for BadArguments {
    fn from(message: String) -> Self {
        BadArguments(message)
    }
}

impl From<&str> for BadArguments {
    fn from(message: &str) -> Self {
        BadArguments(message.to_owned())
    }
}

/// How the SQL of a cell runs, as its `%%` magic sets it.
#[derive(Debug, Clone, PartialEq)]
pub struct CellPlan {
    /// Rows shown per result.
    pub limit: usize,
    /// Where the whole result of the last statement goes (`%%export`).
    pub export: Option<ExportPlan>,
    /// How the last statement's result is drawn (`%%chart`).
    pub chart: Option<crate::chart::ChartPlan>,
    /// Whether results open in the explorer (`%%explore`).
    pub explore: bool,
}

/// One magic: its spec, how its arguments are read, and what it does.
pub(crate) trait MagicCommand: Sized {
    const SPEC: MagicSpec;

    /// Reads the arguments; `Err` says what is wrong with them (the usage is added).
    fn parse(args: &str) -> Result<Self, BadArguments>;

    /// Runs it as a line magic.
    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError>;

    /// Applies it to the cell it opens as `%%name` (only magics whose spec says `cell`).
    fn plan(self, _plan: &mut CellPlan) -> Result<(), BadArguments> {
        Ok(())
    }
}

mod chart;
mod conf;
mod echo;
mod explore;
mod export;
mod history;
mod limit;
mod lsmagic;
mod parameters;
mod receipt;
mod reconnect;
mod results;
mod session;
mod sleep;
mod truncate;
mod verify;
mod warn;
mod whoami;

/// A magic line, parsed: one variant per magic, in `%lsmagic` order.
pub enum Magic {
    Whoami(whoami::Whoami),
    Lsmagic(lsmagic::Lsmagic),
    Limit(limit::Limit),
    Truncate(truncate::Truncate),
    Conf(conf::Conf),
    Reconnect(reconnect::Reconnect),
    Results(results::Results),
    Session(session::Session),
    Receipt(receipt::Receipt),
    Verify(verify::Verify),
    History(history::History),
    Echo(echo::Echo),
    Warn(warn::Warn),
    Sleep(sleep::Sleep),
    Export(export::Export),
    Chart(chart::Chart),
    Explore(explore::Explore),
    Parameters(parameters::Parameters),
}

/// Every magic, in `%lsmagic` order.
pub const SPECS: &[&MagicSpec] = &[
    &whoami::Whoami::SPEC,
    &lsmagic::Lsmagic::SPEC,
    &limit::Limit::SPEC,
    &truncate::Truncate::SPEC,
    &conf::Conf::SPEC,
    &reconnect::Reconnect::SPEC,
    &results::Results::SPEC,
    &session::Session::SPEC,
    &receipt::Receipt::SPEC,
    &verify::Verify::SPEC,
    &history::History::SPEC,
    &echo::Echo::SPEC,
    &warn::Warn::SPEC,
    &sleep::Sleep::SPEC,
    &export::Export::SPEC,
    &chart::Chart::SPEC,
    &explore::Explore::SPEC,
    &parameters::Parameters::SPEC,
];

impl Magic {
    /// The magic called `name` with its arguments read; `None` for a name no magic has.
    fn parse_named(name: &str, args: &str) -> Option<Result<Magic, BadArguments>> {
        /// Reads `args` for the magic `M`, made a [`Magic`] by `variant`.
        fn read<M: MagicCommand>(
            args: &str,
            variant: fn(M) -> Magic,
        ) -> Result<Magic, BadArguments> {
            M::parse(args).map(variant)
        }
        let magic = match name {
            "whoami" => read(args, Magic::Whoami),
            "lsmagic" => read(args, Magic::Lsmagic),
            "limit" => read(args, Magic::Limit),
            "truncate" => read(args, Magic::Truncate),
            "conf" => read(args, Magic::Conf),
            "reconnect" => read(args, Magic::Reconnect),
            "results" => read(args, Magic::Results),
            "session" => read(args, Magic::Session),
            "receipt" => read(args, Magic::Receipt),
            "verify" => read(args, Magic::Verify),
            "history" => read(args, Magic::History),
            "echo" => read(args, Magic::Echo),
            "warn" => read(args, Magic::Warn),
            "sleep" => read(args, Magic::Sleep),
            "export" => read(args, Magic::Export),
            "chart" => read(args, Magic::Chart),
            "explore" => read(args, Magic::Explore),
            "parameters" => read(args, Magic::Parameters),
            _ => return None,
        };
        Some(magic)
    }

    /// Runs it as a line magic.
    pub async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        match self {
            Magic::Whoami(m) => m.apply(scope).await,
            Magic::Lsmagic(m) => m.apply(scope).await,
            Magic::Limit(m) => m.apply(scope).await,
            Magic::Truncate(m) => m.apply(scope).await,
            Magic::Conf(m) => m.apply(scope).await,
            Magic::Reconnect(m) => m.apply(scope).await,
            Magic::Results(m) => m.apply(scope).await,
            Magic::Session(m) => m.apply(scope).await,
            Magic::Receipt(m) => m.apply(scope).await,
            Magic::Verify(m) => m.apply(scope).await,
            Magic::History(m) => m.apply(scope).await,
            Magic::Echo(m) => m.apply(scope).await,
            Magic::Warn(m) => m.apply(scope).await,
            Magic::Sleep(m) => m.apply(scope).await,
            Magic::Export(m) => m.apply(scope).await,
            Magic::Chart(m) => m.apply(scope).await,
            Magic::Explore(m) => m.apply(scope).await,
            Magic::Parameters(m) => m.apply(scope).await,
        }
    }

    /// Applies it to the cell it opens as `%%name`.
    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        match self {
            Magic::Whoami(m) => m.plan(plan),
            Magic::Lsmagic(m) => m.plan(plan),
            Magic::Limit(m) => m.plan(plan),
            Magic::Truncate(m) => m.plan(plan),
            Magic::Conf(m) => m.plan(plan),
            Magic::Reconnect(m) => m.plan(plan),
            Magic::Results(m) => m.plan(plan),
            Magic::Session(m) => m.plan(plan),
            Magic::Receipt(m) => m.plan(plan),
            Magic::Verify(m) => m.plan(plan),
            Magic::History(m) => m.plan(plan),
            Magic::Echo(m) => m.plan(plan),
            Magic::Warn(m) => m.plan(plan),
            Magic::Sleep(m) => m.plan(plan),
            Magic::Export(m) => m.plan(plan),
            Magic::Chart(m) => m.plan(plan),
            Magic::Explore(m) => m.plan(plan),
            Magic::Parameters(m) => m.plan(plan),
        }
    }
}

pub use chart::{kinds as chart_kinds, OPTIONS as CHART_OPTIONS};
pub use export::ExportPlan;

/// The spec of the magic called `name`.
pub fn find(name: &str) -> Option<&'static MagicSpec> {
    SPECS.iter().copied().find(|m| m.name == name)
}

fn usage_error(spec: &MagicSpec, BadArguments(message): BadArguments) -> KernelError {
    KernelError::MagicUsage {
        magic: spec.name.to_owned(),
        message,
        usage: spec.usage.to_owned(),
    }
}

/// A cell magic written as a line magic: `written` is how its first line starts.
fn cell_only(spec: &MagicSpec, written: &str) -> KernelError {
    usage_error(
        spec,
        format!("is a cell magic: write {written} on the first line of the cell, above its SQL")
            .into(),
    )
}

fn unknown(name: &str) -> KernelError {
    KernelError::UnknownMagic {
        name: name.to_owned(),
        known: SPECS
            .iter()
            .map(|m| format!("%{}", m.name))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

impl Magic {
    /// Reads a `%name args` line.
    pub fn parse(line: &MagicLine) -> Result<Magic, KernelError> {
        let spec = find(&line.name).ok_or_else(|| unknown(&line.name))?;
        match Magic::parse_named(&line.name, &line.args) {
            Some(parsed) => parsed.map_err(|message| usage_error(spec, message)),
            None => Err(unknown(&line.name)),
        }
    }

    /// Applies a `%%name args` line to `plan`.
    pub fn plan_cell(line: &MagicLine, plan: &mut CellPlan) -> Result<(), KernelError> {
        let spec = find(&line.name).ok_or_else(|| unknown(&line.name))?;
        if !spec.cell {
            return Err(usage_error(
                spec,
                "is a line magic: write it as %name, not %%name".into(),
            ));
        }
        Magic::parse(line)?
            .plan(plan)
            .map_err(|message| usage_error(spec, message))
    }
}

/// `None` for no argument; a number of at least `min` otherwise.
fn count(args: &str, min: usize) -> Result<Option<usize>, BadArguments> {
    if args.is_empty() {
        return Ok(None);
    }
    match args.parse::<usize>() {
        Ok(n) if n >= min => Ok(Some(n)),
        _ if min > 0 => Err(format!("{args:?} is not a positive number").into()),
        _ => Err(format!("{args:?} is not a number").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, args: &str) -> MagicLine {
        MagicLine {
            name: name.into(),
            args: args.into(),
        }
    }

    #[test]
    fn every_magic_is_listed_once_and_found_by_name() {
        let mut names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), 18);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), SPECS.len());
        for spec in SPECS {
            assert!(spec.usage.contains(spec.name), "{spec:?}");
            assert_eq!(find(spec.name).unwrap().usage, spec.usage);
        }
    }

    #[test]
    fn every_specs_name_is_read_as_a_magic() {
        for spec in SPECS {
            assert!(
                Magic::parse_named(spec.name, "").is_some(),
                "%{} is listed in SPECS but not read by parse_named",
                spec.name
            );
        }
    }

    #[test]
    fn unknown_magics_list_the_known_ones_and_bad_arguments_give_the_usage() {
        let Err(error) = Magic::parse(&line("nope", "")) else {
            panic!("%nope parsed")
        };
        let text = error.to_string();
        assert!(text.contains("%nope"), "{text}");
        assert!(text.contains("%whoami, %lsmagic, %limit"), "{text}");
        let Err(error) = Magic::parse(&line("limit", "zero")) else {
            panic!("%limit zero parsed")
        };
        assert!(error.to_string().contains("usage: %limit [N]"), "{error}");
    }

    #[test]
    fn only_cell_magics_open_cells() {
        let mut plan = CellPlan {
            limit: 100,
            export: None,
            chart: None,
            explore: true,
        };
        Magic::plan_cell(&line("limit", "7"), &mut plan).unwrap();
        assert_eq!(plan.limit, 7);
        Magic::plan_cell(&line("explore", "off"), &mut plan).unwrap();
        assert!(!plan.explore, "{:?}", plan.explore);
        assert!(
            Magic::plan_cell(&line("explore", ""), &mut plan).is_err(),
            "{:?}",
            Magic::plan_cell(&line("explore", ""), &mut plan)
        );
        let error = Magic::plan_cell(&line("whoami", ""), &mut plan).unwrap_err();
        assert!(error.to_string().contains("is a line magic"), "{error}");
        assert!(
            Magic::plan_cell(&line("limit", ""), &mut plan).is_err(),
            "{:?}",
            Magic::plan_cell(&line("limit", ""), &mut plan)
        );
    }
}
