//! `%%export PATH [format=csv|tsv|jsonl|parquet]` on a cell's first line: the whole result of
//! the cell's last statement is written to PATH (the table still shows its first rows).
//! Must not: write files: `export` does, fed by the statement's run.

use super::{BadArguments, CellPlan, CellScope, MagicCommand, MagicSpec};
use crate::export::Format;
use crate::kernel::error::KernelError;

/// Where the cell's last result goes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportPlan {
    /// As written (`~` and relative paths are resolved when the cell runs).
    pub path: String,
    pub format: Format,
}

pub struct Export {
    path: String,
    format: Option<Format>,
}

impl MagicCommand for Export {
    const SPEC: MagicSpec = MagicSpec {
        name: "export",
        usage: "%%export PATH [format=csv|tsv|jsonl|parquet] (first line of a cell)",
        description: "Write the whole result of the cell's last statement to a file (CSV, TSV, JSON lines or Parquet; the format from the extension).",
        cell: true,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        let (path, rest) = split_path(args)?;
        let mut format = None;
        for option in rest.split_whitespace() {
            match option.split_once('=') {
                Some(("format", name)) => {
                    format = Some(Format::named(name).ok_or_else(|| {
                        format!("unknown format {name:?}: use csv, tsv, jsonl or parquet")
                    })?);
                }
                _ => return Err(format!("unknown option {option:?}").into()),
            }
        }
        Ok(Export { path, format })
    }

    async fn apply(self, _shell: &mut CellScope<'_>) -> Result<(), KernelError> {
        Err(super::cell_only(&Self::SPEC, "%%export PATH"))
    }

    fn plan(self, plan: &mut CellPlan) -> Result<(), BadArguments> {
        let format = match self.format {
            Some(format) => format,
            None => Format::of_path(std::path::Path::new(&self.path)).ok_or_else(|| {
                format!(
                    "cannot tell the format of {} from its extension: use .csv, .tsv, .jsonl or .parquet, or format=…",
                    self.path
                )
            })?,
        };
        plan.export = Some(ExportPlan {
            path: self.path,
            format,
        });
        Ok(())
    }
}

/// The path (in double quotes when it has spaces) and the rest of the arguments.
fn split_path(args: &str) -> Result<(String, &str), BadArguments> {
    let args = args.trim();
    if let Some(quoted) = args.strip_prefix('"') {
        let (path, rest) = quoted
            .split_once('"')
            .ok_or("the path's closing quote is missing")?;
        if path.is_empty() {
            return Err("the path is empty".into());
        }
        return Ok((path.to_owned(), rest));
    }
    match args.split_once(char::is_whitespace) {
        _ if args.is_empty() => Err("a file to write is needed".into()),
        Some((path, rest)) => Ok((path.to_owned(), rest)),
        None => Ok((args.to_owned(), "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn planned(args: &str) -> Result<ExportPlan, BadArguments> {
        let mut plan = CellPlan {
            limit: 100,
            export: None,
            chart: None,
            explore: true,
        };
        Export::parse(args)?.plan(&mut plan)?;
        Ok(plan.export.unwrap())
    }

    #[test]
    fn the_format_comes_from_the_extension_or_the_option() {
        assert_eq!(planned("out/genes.csv").unwrap().format, Format::Csv);
        assert_eq!(planned("g.parquet").unwrap().format, Format::Parquet);
        let p = planned("\"my genes.txt\" format=tsv").unwrap();
        assert_eq!((p.path.as_str(), p.format), ("my genes.txt", Format::Tsv));
        assert!(
            planned("g.xlsx")
                .unwrap_err()
                .0
                .contains("cannot tell the format of g.xlsx"),
            "{:?}",
            planned("g.xlsx").unwrap_err().0
        );
        assert!(
            planned("g.csv format=xls")
                .unwrap_err()
                .0
                .contains("unknown format"),
            "{:?}",
            planned("g.csv format=xls").unwrap_err().0
        );
        assert!(
            planned("g.csv mode=w")
                .unwrap_err()
                .0
                .contains("unknown option"),
            "{:?}",
            planned("g.csv mode=w").unwrap_err().0
        );
        assert!(
            planned("").unwrap_err().0.contains("a file to write"),
            "{:?}",
            planned("").unwrap_err().0
        );
        assert!(
            planned("\"open.csv")
                .unwrap_err()
                .0
                .contains("closing quote"),
            "{:?}",
            planned("\"open.csv").unwrap_err().0
        );
    }
}
