//! A query result as a table: HTML (scrolling, sticky header, JupyterLab's theme colours,
//! nothing but a `<style>` block besides the table) and an aligned text grid in the spirit of
//! Spark's `show()`. Both cut long values at a visible marker and say when more rows exist.
//! Must not: do I/O or know the kernel; every value goes through `value`'s writers.

use std::fmt::Write as _;
use std::time::Duration;

use arrow::array::Array;
use arrow::datatypes::DataType;
use unicode_width::UnicodeWidthStr;

use super::datetime::Zone;
use super::value::writer;
use super::{escape_html, plain_and_html};
use jupyter_kernel::MimeBundle;
use spark_connect::{QueryResult, SparkType};

/// How results are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOptions {
    /// Values longer than this many characters are cut at a `…` marker (0: never).
    pub max_chars: usize,
    /// The session time zone, in which `timestamp` values are shown.
    pub zone: Zone,
    /// About how many bytes the table (text and HTML together) may weigh: rows past that are
    /// left out, and the summary says so (0: no bound).
    pub max_bytes: usize,
    /// What the summary suggests, in the caller's words (rendering knows no magics).
    pub hints: Hints,
    /// What the summary ends with, in the caller's words (the result's name and receipt).
    pub label: Option<String>,
}

/// Suggestions the summary under a table adds, each in parentheses after its fact (or after
/// a `;` for `too_heavy`); an empty one is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// After "more exist": how to see more rows or lines.
    pub more_rows: &'static str,
    /// After "values … are cut": how to change the cut.
    pub cut: &'static str,
    /// After rows were left out to keep the table's weight: what to do.
    pub too_heavy: &'static str,
}

impl Hints {
    fn after(hint: &str) -> String {
        if hint.is_empty() {
            String::new()
        } else {
            format!(" ({hint})")
        }
    }
}

impl Default for TableOptions {
    fn default() -> TableOptions {
        TableOptions {
            max_chars: crate::config::DEFAULT_MAX_CHARS,
            zone: Zone::default(),
            max_bytes: crate::config::DEFAULT_MAX_OUTPUT_MB * 1_000_000,
            hints: Hints::default(),
            label: None,
        }
    }
}

/// The marker at the end of a cut value.
const CUT: char = '…';

/// Styles for the HTML table, scoped to its class. Colours come from JupyterLab's theme
/// variables (light and dark), with fallbacks for other front ends.
const STYLE: &str = "<style>\
div.spark-sql-result table.spark-sql-table{border-collapse:collapse;margin:0;table-layout:auto;\
font-size:var(--jp-code-font-size,13px);font-family:var(--jp-code-font-family,monospace)}\
div.spark-sql-result table.spark-sql-table th,div.spark-sql-result table.spark-sql-table td{\
padding:2px 8px;text-align:left;vertical-align:top;white-space:pre;line-height:1.4;\
border:1px solid var(--jp-border-color2,#e0e0e0)}\
div.spark-sql-result table.spark-sql-table .n{text-align:right;font-variant-numeric:tabular-nums}\
div.spark-sql-result table.spark-sql-table thead th{position:sticky;top:0;z-index:1;\
background:var(--jp-layout-color2,#eeeeee);color:var(--jp-ui-font-color0,#000000)}\
div.spark-sql-result table.spark-sql-table .spark-sql-type{font-weight:normal;\
color:var(--jp-ui-font-color2,#616161)}\
div.spark-sql-result table.spark-sql-table td.null{color:var(--jp-ui-font-color3,#9e9e9e)}\
div.spark-sql-result table.spark-sql-table td.s{unicode-bidi:plaintext}\
div.spark-sql-result .spark-sql-cut{color:var(--jp-warn-color0,#e65100);font-weight:bold}\
div.spark-sql-result pre.spark-sql-text{margin:0;white-space:pre;line-height:1.4;\
font-size:var(--jp-code-font-size,13px);font-family:var(--jp-code-font-family,monospace)}\
div.spark-sql-result .spark-sql-summary{color:var(--jp-ui-font-color2,#616161);\
font-size:var(--jp-ui-font-size0,11px);margin-top:4px}\
</style>";

/// One shown value: Spark's text of it (cut if too long), or a null.
struct ShownValue {
    text: Option<String>,
    /// The length in characters before it was cut, if it was.
    cut_from: Option<usize>,
}

struct ShownColumn<'a> {
    name: &'a str,
    type_name: &'a str,
    numeric: bool,
    cells: Vec<ShownValue>,
}

fn cut(mut text: String, max_chars: usize) -> ShownValue {
    if max_chars > 0 {
        if let Some((at, _)) = text.char_indices().nth(max_chars) {
            let total = at + text[at..].chars().count();
            text.truncate(at);
            return ShownValue {
                text: Some(text),
                cut_from: Some(total),
            };
        }
    }
    ShownValue {
        text: Some(text),
        cut_from: None,
    }
}

/// What a shown value weighs in the table's text and HTML together (its characters twice, and
/// the markup and padding around it).
fn weight(cell: &ShownValue) -> usize {
    2 * cell.text.as_ref().map_or(4, String::len) + 24
}

/// Every shown value of every column, as Spark writes it, for as many rows as fit in
/// `options.max_bytes`.
fn columns<'a>(result: &'a QueryResult, options: &TableOptions) -> Vec<ShownColumn<'a>> {
    let rows = result.rows();
    let mut columns: Vec<ShownColumn<'a>> = result
        .columns
        .iter()
        .map(|c| ShownColumn {
            name: c.name.as_str(),
            type_name: c.type_name.as_str(),
            numeric: is_numeric(&c.type_name),
            cells: Vec::with_capacity(rows),
        })
        .collect();
    let mut weighed = (0, 0); // rows weighed, their bytes
    for batch in &result.batches {
        for (i, array) in batch.columns().iter().enumerate() {
            let Some(column) = columns.get_mut(i) else {
                continue;
            };
            let spark = result
                .columns
                .get(i)
                .map(|c| c.data_type.clone())
                .unwrap_or_default();
            let write = writer(array.as_ref(), &spark, &options.zone);
            let nulls = array.logical_nulls();
            for row in 0..array.len() {
                if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                    column.cells.push(ShownValue {
                        text: None,
                        cut_from: None,
                    });
                } else {
                    let mut text = String::new();
                    write(row, &mut text);
                    column.cells.push(cut(text, options.max_chars));
                }
            }
        }
        if let Some(fit) = rows_that_fit(&columns, &mut weighed, options.max_bytes) {
            for column in &mut columns {
                column.cells.truncate(fit);
            }
            return columns;
        }
    }
    columns
}

/// Weighs the rows not weighed yet; `Some(n)` when only the first `n` rows (at least one) fit
/// in `max_bytes`.
fn rows_that_fit(
    columns: &[ShownColumn<'_>],
    weighed: &mut (usize, usize),
    max_bytes: usize,
) -> Option<usize> {
    let rows = columns.first().map_or(0, |c| c.cells.len());
    let (done, bytes) = weighed;
    for row in *done..rows {
        *bytes += columns.iter().map(|c| weight(&c.cells[row])).sum::<usize>();
        if max_bytes > 0 && *bytes > max_bytes {
            return Some(row.max(1));
        }
    }
    *done = rows;
    None
}

/// Whether showing a result needs the session time zone: it has `timestamp` values (at any
/// depth) or variants (which may hold timestamps).
pub fn needs_time_zone(result: &QueryResult) -> bool {
    fn zoned(data_type: &DataType) -> bool {
        match data_type {
            DataType::Timestamp(_, zone) => zone.is_some(),
            DataType::List(f)
            | DataType::LargeList(f)
            | DataType::FixedSizeList(f, _)
            | DataType::Map(f, _) => zoned(f.data_type()),
            DataType::Struct(fields) => fields.iter().any(|f| zoned(f.data_type())),
            _ => false,
        }
    }
    fn variant(spark: &SparkType) -> bool {
        match spark {
            SparkType::Variant => true,
            SparkType::Array(t) => variant(t),
            SparkType::Map(k, v) => variant(k) || variant(v),
            SparkType::Struct(fields) => fields.iter().any(variant),
            _ => false,
        }
    }
    result.columns.iter().any(|c| variant(&c.data_type))
        || result
            .batches
            .first()
            .is_some_and(|b| b.schema().fields().iter().any(|f| zoned(f.data_type())))
}

/// Whether values of the Spark type `type_name` are numbers (shown right-aligned).
pub fn is_numeric(type_name: &str) -> bool {
    matches!(
        type_name,
        "tinyint" | "smallint" | "int" | "bigint" | "float" | "double"
    ) || type_name.starts_with("decimal(")
}

/// How long a statement took, for people: `84 ms`, `2.35 s`, `3 min 05 s`.
pub fn human_duration(elapsed: Duration) -> String {
    let ms = elapsed.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.2} s", elapsed.as_secs_f64())
    } else {
        let s = elapsed.as_secs();
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// What is said under a table: rows shown and whether more exist, time taken, and whether
/// values were cut.
fn summary(
    result: &QueryResult,
    shown: usize,
    cut_at: Option<usize>,
    options: &TableOptions,
) -> String {
    let received = result.rows();
    let noun = if shown == 1 { "row" } else { "rows" };
    let hints = &options.hints;
    let mut text = if shown < received {
        let more = if result.more { " or more" } else { "" };
        let heavy = if hints.too_heavy.is_empty() {
            String::new()
        } else {
            format!(" {}", hints.too_heavy)
        };
        format!(
            "showing the first {shown} of {received}{more} rows: a table may weigh {} MB{heavy}",
            options.max_bytes.div_ceil(1_000_000)
        )
    } else if result.more {
        let hint = Hints::after(hints.more_rows);
        format!("showing the first {shown} {noun}; more exist{hint}")
    } else {
        format!("{shown} {noun}")
    };
    let _ = write!(text, " · {}", human_duration(result.elapsed));
    if let Some(max) = cut_at {
        let hint = Hints::after(hints.cut);
        let _ = write!(
            text,
            " · values longer than {max} characters are cut at {CUT}{hint}"
        );
    }
    if let Some(label) = &options.label {
        let _ = write!(text, " · {label}");
    }
    text
}

/// Characters that would break the text grid or reach a terminal as commands, written the way
/// Spark's `show()` escapes them (`\n`, `\t`, …) or as `\u001B`.
fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{7}' => out.push_str("\\a"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
}

/// Whether text has right-to-left letters or bidi controls, which could reorder the grid line
/// around them in a terminal.
fn needs_isolation(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(u32::from(c),
            0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF
            | 0x1E800..=0x1EFFF | 0x200E | 0x200F | 0x202A..=0x202E | 0x2066..=0x2069)
    })
}

/// The text of one cell in the grid, and its width in terminal columns.
fn text_cell(cell: &ShownValue) -> (String, usize) {
    let Some(value) = &cell.text else {
        return ("NULL".into(), 4);
    };
    let mut text = String::with_capacity(value.len() + 4);
    escape_text(value, &mut text);
    if cell.cut_from.is_some() {
        text.push(CUT);
    }
    let width = text.width();
    if needs_isolation(&text) {
        // First-strong isolate … pop directional isolate: the value keeps its direction
        // without reordering the rest of the line.
        text = format!("\u{2068}{text}\u{2069}");
    }
    (text, width)
}

fn text_grid(columns: &[ShownColumn<'_>], rows: usize, summary: &str) -> String {
    let header: Vec<(String, usize)> = columns
        .iter()
        .map(|c| {
            let mut text = String::new();
            escape_text(c.name, &mut text);
            let width = text.width();
            (text, width)
        })
        .collect();
    let cells: Vec<Vec<(String, usize)>> = columns
        .iter()
        .map(|c| c.cells.iter().map(text_cell).collect())
        .collect();
    let widths: Vec<usize> = header
        .iter()
        .zip(&cells)
        .map(|((_, w), column)| column.iter().map(|(_, w)| *w).max().unwrap_or(0).max(*w))
        .collect();
    let mut rule = String::from("+");
    for w in &widths {
        rule.push_str(&"-".repeat(w + 2));
        rule.push('+');
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &mut dyn Iterator<Item = (&(String, usize), bool)>| {
        out.push('|');
        for (((text, width), numeric), w) in row.zip(&widths) {
            let pad = " ".repeat(w - width);
            if numeric {
                let _ = write!(out, " {pad}{text} |");
            } else {
                let _ = write!(out, " {text}{pad} |");
            }
        }
        out.push('\n');
    };
    if !columns.is_empty() {
        out.push_str(&rule);
        out.push('\n');
        line(
            &mut out,
            &mut header.iter().zip(columns.iter().map(|c| c.numeric)),
        );
        out.push_str(&rule);
        out.push('\n');
        for row in 0..rows {
            line(
                &mut out,
                &mut cells
                    .iter()
                    .zip(columns)
                    .filter_map(|(column, c)| column.get(row).map(|cell| (cell, c.numeric))),
            );
        }
        out.push_str(&rule);
        out.push('\n');
    }
    out.push_str(summary);
    out
}

/// Escaped HTML of a value: newlines as `<br/>`, other control characters spelled out.
fn html_text(text: &str, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("<br/>"),
            '\t' => out.push('\t'),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => super::push_escaped(c, out),
        }
    }
}

fn html_table(columns: &[ShownColumn<'_>], rows: usize, summary: &str) -> String {
    let mut html = String::with_capacity(256 + rows * columns.len() * 24);
    html.push_str("<div class=\"spark-sql-result\">");
    html.push_str(STYLE);
    html.push_str("\n<div class=\"spark-sql-scroll\" style=\"overflow:auto;max-height:36em\">\n<table class=\"spark-sql-table\">\n<thead><tr>");
    for c in columns {
        html.push_str(if c.numeric {
            "<th class=\"n\">"
        } else {
            "<th class=\"s\">"
        });
        html_text(c.name, &mut html);
        html.push_str("<br/><small class=\"spark-sql-type\">");
        html.push_str(&escape_html(c.type_name));
        html.push_str("</small></th>");
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in 0..rows {
        html.push_str("<tr>");
        for c in columns {
            let Some(cell) = c.cells.get(row) else {
                continue;
            };
            match &cell.text {
                None => html.push_str(if c.numeric {
                    "<td class=\"n null\"><em>NULL</em></td>"
                } else {
                    "<td class=\"s null\"><em>NULL</em></td>"
                }),
                Some(text) => {
                    html.push_str(if c.numeric {
                        "<td class=\"n\">"
                    } else {
                        "<td class=\"s\">"
                    });
                    html_text(text, &mut html);
                    if let Some(total) = cell.cut_from {
                        let _ = write!(
                            html,
                            "<span class=\"spark-sql-cut\" title=\"cut: {total} characters in all\">{CUT}</span>"
                        );
                    }
                    html.push_str("</td>");
                }
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n</div>\n<div class=\"spark-sql-summary\"><small>");
    html.push_str(&escape_html(summary));
    html.push_str("</small></div></div>");
    html
}

/// Spark's text of every shown value, column by column (`None` for a null), never cut.
pub fn column_texts(result: &QueryResult, zone: &Zone) -> Vec<Vec<Option<String>>> {
    let options = TableOptions {
        max_chars: 0,
        zone: zone.clone(),
        max_bytes: 0,
        hints: Hints::default(),
        label: None,
    };
    columns(result, &options)
        .into_iter()
        .map(|c| c.cells.into_iter().map(|cell| cell.text).collect())
        .collect()
}

/// The shown text of every value, row by row (`None` for a null), as the table shows them:
/// cut at `options.max_chars`, as many rows as fit in `options.max_bytes`.
pub fn row_texts(result: &QueryResult, options: &TableOptions) -> Vec<Vec<Option<String>>> {
    let columns = columns(result, options);
    let rows = columns.first().map_or(0, |c| c.cells.len());
    (0..rows)
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    let cell = &c.cells[row];
                    cell.text.as_ref().map(|text| match cell.cut_from {
                        Some(_) => format!("{text}{CUT}"),
                        None => text.clone(),
                    })
                })
                .collect()
        })
        .collect()
}

/// Results that are text to read rather than a table: EXPLAIN's plan, SHOW CREATE TABLE's
/// statement, DESCRIBE FUNCTION's lines, or any one-row, one-column string with newlines. Its
/// lines, whole (never cut at `%truncate`).
fn text_block(result: &QueryResult, options: &TableOptions) -> Option<String> {
    let [column] = result.columns.as_slice() else {
        return None;
    };
    if column.type_name != "string" || result.rows() == 0 {
        return None;
    }
    let named = matches!(
        column.name.as_str(),
        "plan" | "createtab_stmt" | "function_desc"
    );
    if !named && result.rows() != 1 {
        return None;
    }
    let texts = column_texts(result, &options.zone).into_iter().next()?;
    let lines: Vec<String> = texts
        .into_iter()
        .map(|t| t.unwrap_or_else(|| "NULL".into()))
        .collect();
    (named || lines[0].contains('\n')).then(|| lines.join("\n"))
}

/// A text block as preformatted HTML and as itself, with the time taken (and whether rows
/// were left out) under the HTML.
fn text_bundle(result: &QueryResult, text: String, hints: &Hints) -> MimeBundle {
    let mut note = human_duration(result.elapsed);
    if result.more {
        note.push_str(" · more lines exist");
        note.push_str(&Hints::after(hints.more_rows));
    }
    let html = format!(
        "<div class=\"spark-sql-result\">{STYLE}<pre class=\"spark-sql-text\">{}</pre>\
         <div class=\"spark-sql-summary\"><small>{}</small></div></div>",
        escape_html(&text),
        escape_html(&note)
    );
    plain_and_html(text, html)
}

/// A result as an HTML table and an aligned text grid (or, for plans and statements, as text).
pub fn result_table(result: &QueryResult, options: &TableOptions) -> MimeBundle {
    if let Some(text) = text_block(result, options) {
        return text_bundle(result, text, &options.hints);
    }
    let columns = columns(result, options);
    let rows = columns.first().map_or(result.rows(), |c| c.cells.len());
    let any_cut = columns
        .iter()
        .any(|c| c.cells.iter().any(|cell| cell.cut_from.is_some()));
    let cut_at = any_cut.then_some(options.max_chars);
    let summary = summary(result, rows, cut_at, options);
    plain_and_html(
        text_grid(&columns, rows, &summary),
        html_table(&columns, rows, &summary),
    )
}
