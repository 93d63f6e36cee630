//! The SQL each explorer request becomes. A snapshot is a global temporary view over the
//! statement with two hidden columns — a row id (`monotonically_increasing_id`: the partition in
//! its top bits, the row within the partition below) and a number that makes its plan unlike
//! any other (so two views of the same statement never share, or release, one cache) — cached
//! on the server. Pages of the snapshot as it is are row-id ranges the cache can skip to; sorted
//! or filtered pages order by the sort, then the row id, so that every row has one place. A
//! result too large to keep is read live: the statement as a subquery, paged with `LIMIT …
//! OFFSET …`, its size estimated first with `EXPLAIN COST`.
//! Must not: run anything or know Jupyter: it returns SQL text.

use super::protocol::{Filter, FilterOp, Sort, State};
use crate::sql::literal::string as quote_text;

/// The row id's column in a snapshot.
pub const ROW: &str = "__kbase_row";
/// The column that makes a snapshot's plan its own.
pub const MARK: &str = "__kbase_snap";
/// The schema Spark keeps global temporary views in.
const GLOBAL: &str = "global_temp";
/// Bits of a row id below the partition number.
const PARTITION_SHIFT: u32 = 33;

/// A column of the result, as the explorer queries it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRef {
    pub name: String,
    /// Spark's name of its type (`bigint`, `decimal(10,2)`, `array<int>`).
    pub type_name: String,
}

impl ColumnRef {
    fn sql(&self) -> String {
        quote_name(&self.name)
    }

    /// Whether min, max and distinct make sense: atomic values, not nested ones or shapes.
    pub fn is_atomic(&self) -> bool {
        let t = self.type_name.to_ascii_lowercase();
        ![
            "array",
            "map",
            "struct",
            "variant",
            "geometry",
            "geography",
            "binary",
        ]
        .iter()
        .any(|kind| t.starts_with(kind))
    }

    fn is_text(&self) -> bool {
        let t = self.type_name.to_ascii_lowercase();
        t == "string" || t.starts_with("varchar") || t.starts_with("char")
    }
}

/// One partition of a snapshot: its number, the position of its first row in the whole
/// result, and its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub number: u64,
    pub offset: u64,
    pub rows: u64,
}

/// `name` as a Spark SQL identifier.
pub fn quote_name(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The snapshot's qualified name.
pub fn table(name: &str) -> String {
    format!("{GLOBAL}.{}", quote_name(name))
}

/// The statements that make a snapshot of `sql` named `name`: the view, then its cache (lazy:
/// the partition count that follows fills it in the same pass).
pub fn snapshot(name: &str, sql: &str, mark: u64) -> [String; 2] {
    [
        format!(
            "CREATE OR REPLACE GLOBAL TEMPORARY VIEW {} AS SELECT *, \
             monotonically_increasing_id() AS {ROW}, {mark}L AS {MARK} FROM (\n{sql}\n)",
            quote_name(name)
        ),
        format!("CACHE LAZY TABLE {}", table(name)),
    ]
}

/// Rows per partition of the snapshot (which fills its cache).
pub fn parts(name: &str) -> String {
    format!(
        "SELECT shiftright({ROW}, {PARTITION_SHIFT}) AS part, count(*) AS n FROM {} GROUP BY 1",
        table(name)
    )
}

/// The statements that release a snapshot.
pub fn release(name: &str) -> [String; 2] {
    [
        format!("UNCACHE TABLE IF EXISTS {}", table(name)),
        format!("DROP VIEW IF EXISTS {}", table(name)),
    ]
}

/// A partition of a snapshot and the rows it holds (what counting them gives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartCount {
    pub number: u64,
    pub rows: u64,
}

/// Row ids `low..=high` of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRange {
    pub low: u64,
    pub high: u64,
}

/// Rows `start..start + size` of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSpan {
    pub start: u64,
    pub size: u64,
}

/// The row-id ranges that hold rows `start..start + size` of the snapshot as it is.
pub fn id_ranges(parts: &[Part], start: u64, size: u64) -> Vec<IdRange> {
    let end = start.saturating_add(size);
    parts
        .iter()
        .filter_map(|p| {
            let low = start.max(p.offset);
            let high = end.min(p.offset + p.rows);
            (low < high).then(|| {
                let base = p.number << PARTITION_SHIFT;
                IdRange {
                    low: base + (low - p.offset),
                    high: base + (high - p.offset) - 1,
                }
            })
        })
        .collect()
}

/// Partitions in their order, with each one's offset, from (number, rows) pairs.
pub fn layout(mut counts: Vec<PartCount>) -> Vec<Part> {
    counts.sort_unstable();
    let mut offset = 0;
    counts
        .into_iter()
        .map(|PartCount { number, rows }| {
            let part = Part {
                number,
                offset,
                rows,
            };
            offset += rows;
            part
        })
        .collect()
}

/// Where a request's rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    /// The snapshot of this name (its hidden row id orders ties and pages).
    Snapshot(&'a str),
    /// The statement itself, run again on the live tables: nothing is cached.
    Live(&'a str),
}

impl Source<'_> {
    /// What a query reads `FROM`.
    fn relation(self) -> String {
        match self {
            Source::Snapshot(name) => table(name),
            Source::Live(sql) => format!("(\n{sql}\n) AS {LIVE}"),
        }
    }

    /// The column that orders ties, when there is one.
    fn row(self) -> Option<&'static str> {
        match self {
            Source::Snapshot(_) => Some(ROW),
            Source::Live(_) => None,
        }
    }
}

/// The alias of a live statement read as a subquery.
const LIVE: &str = "__kbase_live";

/// The size Spark estimates for the result, in bytes, read from `EXPLAIN COST`'s text: the
/// root of the optimized plan's `Statistics(sizeInBytes=…)` (`7.6 GiB`); `None` when the text
/// has none. Spark says `8.0 EiB` when it cannot tell, which is read as that.
pub fn estimated_bytes(plan: &str) -> Option<u64> {
    let optimized = plan.split("== Optimized Logical Plan ==").nth(1)?;
    let after = optimized.split("sizeInBytes=").nth(1)?;
    let text: String = after
        .chars()
        .take_while(|c| *c != ',' && *c != ')')
        .collect();
    let (number, unit) = text.trim().split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let power = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        .iter()
        .position(|u| *u == unit.trim())?;
    let bytes = number * 1024f64.powi(i32::try_from(power).ok()?);
    Some(if bytes >= u64::MAX as f64 {
        u64::MAX
    } else {
        bytes as u64
    })
}

/// Why a request cannot become a query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error("there is no column {0}")]
    NoColumn(usize),
    #[error("the filter {0} needs a value")]
    NoValue(&'static str),
}

/// Rows `start..start + size` of `source`, as `state` sorts and filters it. The snapshot's
/// result has the hidden columns; the caller drops them (and orders an unsorted page by its
/// row id). A live page is a `LIMIT … OFFSET …` that Spark stops early when nothing sorts it,
/// and a top-k over the statement when something does.
pub fn page(
    source: Source<'_>,
    columns: &[ColumnRef],
    parts: &[Part],
    state: &State,
    RowSpan { start, size }: RowSpan,
) -> Result<String, RequestError> {
    let filter = where_clause(columns, &state.filters)?;
    let from = source.relation();
    if let (None, true, Source::Snapshot(_)) = (&state.sort, filter.is_empty(), source) {
        let ranges = id_ranges(parts, start, size);
        if ranges.is_empty() {
            return Ok(format!("SELECT * FROM {from} WHERE false"));
        }
        let ranges: Vec<String> = ranges
            .iter()
            .map(|r| format!("{ROW} BETWEEN {} AND {}", r.low, r.high))
            .collect();
        return Ok(format!(
            "SELECT * FROM {from} WHERE {}",
            ranges.join(" OR ")
        ));
    }
    let order = match order_by(columns, state.sort.as_ref(), source.row())? {
        Some(order) => format!(" ORDER BY {order}"),
        None => String::new(),
    };
    Ok(format!(
        "SELECT * FROM {from}{filter}{order} LIMIT {size} OFFSET {start}"
    ))
}

/// The number of rows `state`'s filters keep.
pub fn count(
    source: Source<'_>,
    columns: &[ColumnRef],
    state: &State,
) -> Result<String, RequestError> {
    let filter = where_clause(columns, &state.filters)?;
    Ok(format!(
        "SELECT count(*) AS n FROM {}{filter}",
        source.relation()
    ))
}

/// The whole result as `state` sorts and filters it, without the hidden columns (an export).
pub fn whole(
    source: Source<'_>,
    columns: &[ColumnRef],
    state: &State,
) -> Result<String, RequestError> {
    let filter = where_clause(columns, &state.filters)?;
    let order = match order_by(columns, state.sort.as_ref(), source.row())? {
        Some(order) => format!(" ORDER BY {order}"),
        None => String::new(),
    };
    let names: Vec<String> = columns.iter().map(ColumnRef::sql).collect();
    Ok(format!(
        "SELECT {} FROM {}{filter}{order}",
        names.join(", "),
        source.relation()
    ))
}

/// One row: the row count, then per column its nulls, and for atomic columns an approximate
/// distinct count, the least and the greatest value (as text): `n`, `nulls_i`, `distinct_i`,
/// `min_i`, `max_i`.
pub fn summary(
    source: Source<'_>,
    columns: &[ColumnRef],
    state: &State,
) -> Result<String, RequestError> {
    let filter = where_clause(columns, &state.filters)?;
    let mut items = vec!["count(*) AS n".to_owned()];
    for (i, column) in columns.iter().enumerate() {
        let c = column.sql();
        items.push(format!("count(*) - count({c}) AS nulls_{i}"));
        if column.is_atomic() {
            items.push(format!("approx_count_distinct({c}) AS distinct_{i}"));
            items.push(format!("CAST(min({c}) AS STRING) AS min_{i}"));
            items.push(format!("CAST(max({c}) AS STRING) AS max_{i}"));
        }
    }
    Ok(format!(
        "SELECT {} FROM {}{filter}",
        items.join(", "),
        source.relation()
    ))
}

fn column(columns: &[ColumnRef], index: usize) -> Result<&ColumnRef, RequestError> {
    columns.get(index).ok_or(RequestError::NoColumn(index))
}

/// The order of rows: the sort, then the row id that orders ties (when the source has one).
fn order_by(
    columns: &[ColumnRef],
    sort: Option<&Sort>,
    row: Option<&str>,
) -> Result<Option<String>, RequestError> {
    let Some(sort) = sort else {
        return Ok(row.map(str::to_owned));
    };
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let c = column(columns, sort.column)?.sql();
    Ok(Some(match row {
        Some(row) => format!("{c} {direction}, {row}"),
        None => format!("{c} {direction}"),
    }))
}

fn where_clause(columns: &[ColumnRef], filters: &[Filter]) -> Result<String, RequestError> {
    let mut conditions = Vec::new();
    for filter in filters {
        conditions.push(condition(column(columns, filter.column)?, filter)?);
    }
    if conditions.is_empty() {
        return Ok(String::new());
    }
    Ok(format!(" WHERE {}", conditions.join(" AND ")))
}

/// A value of `column`'s type: text as it is, anything else cast from its text by Spark.
fn literal(column: &ColumnRef, value: &str) -> String {
    if column.is_text() {
        quote_text(value)
    } else {
        format!("CAST({} AS {})", quote_text(value.trim()), column.type_name)
    }
}

fn condition(column: &ColumnRef, filter: &Filter) -> Result<String, RequestError> {
    let c = column.sql();
    let value = |name| filter.value.as_deref().ok_or(RequestError::NoValue(name));
    Ok(match filter.op {
        FilterOp::IsNull => format!("{c} IS NULL"),
        FilterOp::NotNull => format!("{c} IS NOT NULL"),
        FilterOp::Contains => format!(
            "contains(CAST({c} AS STRING), {})",
            quote_text(value("contains")?)
        ),
        FilterOp::Equals => format!("{c} = {}", literal(column, value("=")?)),
        FilterOp::Less => format!("{c} < {}", literal(column, value("<")?)),
        FilterOp::Greater => format!("{c} > {}", literal(column, value(">")?)),
        FilterOp::Between => {
            let high = filter
                .value2
                .as_deref()
                .ok_or(RequestError::NoValue("between"))?;
            format!(
                "{c} BETWEEN {} AND {}",
                literal(column, value("between")?),
                literal(column, high)
            )
        }
    })
}
