//! `%%chart KIND x=COL [y=COL] [color=COL] [title="…"]` on a cell's first line: the cell's
//! last result is shown as usual, then drawn as a chart (see `crate::chart`).
//! Must not: draw: `chart` does, once the statement has run.

use super::{BadArguments, CellPlan, CellScope, MagicCommand, MagicSpec};
use crate::chart::{ChartKind, ChartPlan};
use crate::kernel::error::KernelError;

pub struct Chart(ChartPlan);

/// The kinds, as `%lsmagic` and completion list them.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    ChartKind::ALL.into_iter().map(ChartKind::name)
}

/// The options a chart takes, as completion offers them.
pub const OPTIONS: [&str; 4] = ["x=", "y=", "color=", "title="];

impl MagicCommand for Chart {
    const SPEC: MagicSpec = MagicSpec {
        name: "chart",
        usage: "%%chart bar|line|area|point|histogram|heatmap x=COL [y=COL] [color=COL] [title=\"…\"] (first line of a cell)",
        description: "Draw the result of the cell's last statement as a chart (Vega-Lite for JupyterLab, SVG for nbconvert and GitHub), below its table.",
        cell: true,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        let words = split(args)?;
        let Some((kind, options)) = words.split_first() else {
            return Err("which chart? bar, line, area, point, histogram or heatmap".into());
        };
        let kind = ChartKind::named(kind).ok_or_else(|| {
            format!("unknown chart {kind:?}: use bar, line, area, point, histogram or heatmap")
        })?;
        let (mut x, mut y, mut color, mut title) = (None, None, None, None);
        for option in options {
            let slot = match option.split_once('=') {
                Some(("x", v)) => (&mut x, v),
                Some(("y", v)) => (&mut y, v),
                Some(("color" | "colour", v)) => (&mut color, v),
                Some(("title", v)) => (&mut title, v),
                _ => {
                    return Err(
                        format!("unknown option {option:?}: use x=, y=, color= or title=").into(),
                    )
                }
            };
            if slot.1.is_empty() {
                return Err(format!("{option} needs a value").into());
            }
            *slot.0 = Some(slot.1.to_owned());
        }
        let x = x.ok_or_else(|| format!("a {} chart needs x=COLUMN", kind.name()))?;
        let plan = ChartPlan {
            kind,
            x,
            y,
            color,
            title,
        };
        plan.check().map_err(|e| e.to_string())?;
        Ok(Chart(plan))
    }

    async fn apply(self, _shell: &mut CellScope<'_>) -> Result<(), KernelError> {
        Err(super::cell_only(&Self::SPEC, "%%chart"))
    }

    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        plan.chart = Some(self.0);
        Ok(())
    }
}

/// The words of the arguments; a value in double quotes or backticks may hold spaces
/// (`title="GC by phylum"`, ``x=`gc content` ``), `\"` is a quote inside double quotes.
fn split(args: &str) -> Result<Vec<String>, BadArguments> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = args.trim().chars();
    let mut open: Option<char> = None;
    while let Some(c) = chars.next() {
        match (open, c) {
            (None, '"' | '`') => open = Some(c),
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(q), c) if c == q => open = None,
            (_, c) => word.push(c),
        }
    }
    if let Some(q) = open {
        return Err(format!("the closing {q} is missing").into());
    }
    if !word.is_empty() {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(args: &str) -> Result<ChartPlan, BadArguments> {
        Chart::parse(args).map(|c| c.0)
    }

    #[test]
    fn kinds_and_channels_are_read_with_quoted_values() {
        let p = planned(r#"bar x=phylum y=genomes color=`gc class` title="Genomes \"by\" phylum""#)
            .unwrap();
        assert_eq!(p.kind, ChartKind::Bar);
        assert_eq!(p.x, "phylum");
        assert_eq!(p.y.as_deref(), Some("genomes"));
        assert_eq!(p.color.as_deref(), Some("gc class"));
        assert_eq!(p.title.as_deref(), Some("Genomes \"by\" phylum"));
        assert_eq!(
            planned("HISTOGRAM x=gc").unwrap().kind,
            ChartKind::Histogram
        );
    }

    #[test]
    fn what_a_kind_needs_is_checked_before_the_sql_runs() {
        let error = |args| planned(args).unwrap_err().0;
        assert!(error("").contains("which chart"), "{:?}", error(""));
        assert!(
            error("pie x=a").contains("unknown chart \"pie\""),
            "{:?}",
            error("pie x=a")
        );
        assert!(
            error("bar y=b").contains("needs x=COLUMN"),
            "{:?}",
            error("bar y=b")
        );
        assert!(
            error("line x=a").contains("needs y=COLUMN"),
            "{:?}",
            error("line x=a")
        );
        assert!(
            error("heatmap x=a y=b").contains("needs color=COLUMN"),
            "{:?}",
            error("heatmap x=a y=b")
        );
        assert!(
            error("histogram x=a y=b").contains("takes no y="),
            "{:?}",
            error("histogram x=a y=b")
        );
        assert!(
            error("bar x=a y=b size=3").contains("unknown option \"size=3\""),
            "{:?}",
            error("bar x=a y=b size=3")
        );
        assert!(
            error("bar x= y=b").contains("x= needs a value"),
            "{:?}",
            error("bar x= y=b")
        );
        assert!(
            error("bar x=a title=\"open").contains("closing \" is missing"),
            "{:?}",
            error("bar x=a title=\"open")
        );
    }
}
