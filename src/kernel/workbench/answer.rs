//! The workbench's answers: the catalog tree level by level (from the session's shared catalog
//! cache, read beside the cells), a table's details, and past statements from the journal.
//! Must not: run anything but catalog statements, or wait on a running cell.

use tokio::time::Instant;

use super::protocol::{Event, Kind, Node, Past};
use crate::journal::{Reader, Search};
use crate::session::{Catalog, Listing};

/// How long a panel's request may wait for Spark (the lookup runs on after it, and the next
/// request gets its answer).
pub const BOUND: std::time::Duration = std::time::Duration::from_secs(20);
/// How deep nested struct fields are given with their column.
const DEPTH: usize = 12;

/// Why a request got no answer (worded by `words::workbench`).
#[derive(Debug)]
pub enum Unanswered {
    /// Spark did not answer within its bound (its lookup goes on).
    Slow,
    /// Spark knows no such table (or refused to describe it).
    Unknown(Vec<String>),
    /// A path deeper than a table's.
    BadPath(Vec<String>),
    /// The journal is off or could not be read.
    NoJournal(Option<String>),
    /// Spark could not run a preview.
    Failed(crate::session::SessionError),
}

/// What is under `path`.
pub async fn children(
    catalog: &mut impl Catalog,
    path: &[String],
) -> Result<Vec<Node>, Unanswered> {
    let deadline = Instant::now() + BOUND;
    let named = |names: Vec<String>, kind: Kind| -> Vec<Node> {
        names.into_iter().map(|name| node(name, kind)).collect()
    };
    let nodes = match path {
        [] => named(
            catalog.list(Listing::Catalogs, deadline).await,
            Kind::Catalog,
        ),
        [one] => {
            let listing = Listing::Databases(Some(one.clone()));
            named(catalog.list(listing, deadline).await, Kind::Namespace)
        }
        [_, _] => tables(catalog, path, deadline).await,
        [_, _, _] => {
            let Some(columns) = catalog.columns(path, deadline).await else {
                return Err(if Instant::now() >= deadline {
                    Unanswered::Slow
                } else {
                    Unanswered::Unknown(path.to_vec())
                });
            };
            columns
                .into_iter()
                .map(|c| Node {
                    fields: fields(&c.type_name, DEPTH),
                    type_name: Some(c.type_name),
                    comment: (!c.comment.is_empty()).then_some(c.comment),
                    ..node(c.name, Kind::Column)
                })
                .collect()
        }
        _ => return Err(Unanswered::BadPath(path.to_vec())),
    };
    if nodes.is_empty() && Instant::now() >= deadline {
        return Err(Unanswered::Slow);
    }
    Ok(nodes)
}

/// A namespace's tables and views (Spark lists views among the tables too; each is named
/// once, a view as a view).
async fn tables(catalog: &mut impl Catalog, path: &[String], deadline: Instant) -> Vec<Node> {
    let both = [
        Listing::Tables(Some(path.to_vec())),
        Listing::Views(Some(path.to_vec())),
    ];
    catalog.start(&both, deadline).await;
    let tables = catalog
        .list(Listing::Tables(Some(path.to_vec())), deadline)
        .await;
    let views = catalog
        .list(Listing::Views(Some(path.to_vec())), deadline)
        .await;
    let mut nodes: Vec<Node> = tables
        .into_iter()
        .filter(|t| !views.contains(t))
        .map(|t| node(t, Kind::Table))
        .collect();
    nodes.extend(views.into_iter().map(|v| node(v, Kind::View)));
    nodes.sort_by_key(|n| n.name.to_lowercase());
    nodes
}

fn node(name: String, kind: Kind) -> Node {
    Node {
        name,
        kind,
        type_name: None,
        comment: None,
        fields: Vec::new(),
    }
}

/// The struct fields of a type, through arrays and maps, `depth` levels down at most.
fn fields(type_name: &str, depth: usize) -> Vec<Node> {
    if depth == 0 {
        return Vec::new();
    }
    crate::sql::types::fields_at(type_name, &[])
        .into_iter()
        .map(|(name, type_name)| Node {
            fields: fields(&type_name, depth - 1),
            type_name: Some(type_name),
            ..node(name, Kind::Field)
        })
        .collect()
}

/// A table's details: Spark's names and values after its columns (`# Detailed Table
/// Information`, partitioning, properties).
pub async fn details(
    catalog: &mut impl Catalog,
    path: &[String],
) -> Result<Vec<(String, String)>, Unanswered> {
    let deadline = Instant::now() + BOUND;
    let Some(rows) = catalog.describe_table(path, deadline).await else {
        return Err(if Instant::now() >= deadline {
            Unanswered::Slow
        } else {
            Unanswered::Unknown(path.to_vec())
        });
    };
    let mut past_columns = false;
    let mut details = Vec::new();
    for row in rows {
        let name = row.first().cloned().unwrap_or_default();
        let value = row.get(1).cloned().unwrap_or_default();
        if name.trim().is_empty() || name.starts_with('#') {
            past_columns = true;
            continue;
        }
        if past_columns {
            details.push((name, value));
        }
    }
    Ok(details)
}

/// Past statements from the journal, newest last.
pub fn history(
    reader: Option<&Reader>,
    notebook: Option<&str>,
    text: Option<&str>,
    all: bool,
    limit: usize,
) -> Result<Vec<Past>, Unanswered> {
    let reader = reader.ok_or(Unanswered::NoJournal(None))?;
    let search = Search {
        text,
        notebook: (!all).then_some(notebook),
        limit: limit.min(1000),
    };
    let records = reader
        .search(&search)
        .map_err(|e| Unanswered::NoJournal(Some(e.to_string())))?;
    Ok(records
        .into_iter()
        .map(|r| Past {
            status: r.outcome.status().to_owned(),
            receipt: r.receipt,
            started: r.started,
            duration_ms: r.duration_ms,
            rows: r.rows_received,
            statement: r.statement,
            notebook: r.notebook,
        })
        .collect())
}

/// The event that answers request `id` with `outcome`, or says why it could not.
pub fn event(id: u64, outcome: Result<Event, Unanswered>) -> Event {
    outcome.unwrap_or_else(|why| Event::Error {
        id,
        message: crate::kernel::words::workbench(&why),
    })
}

/// How previews are shown: as a cell's results are.
#[derive(Clone)]
pub struct Previews {
    pub registrar: crate::kernel::explorer::Registrar,
    pub max_chars: usize,
    pub max_bytes: usize,
    /// Rows on the first page.
    pub rows: usize,
}

/// A table's first rows, as a result explorable over the whole table.
pub async fn preview(
    previews: &Previews,
    mut forked: crate::session::Forked,
    path: &[String],
) -> Result<serde_json::Value, Unanswered> {
    if path.len() != 3 {
        return Err(Unanswered::BadPath(path.to_vec()));
    }
    let sql = format!("SELECT * FROM {}", crate::sql::dotted(path));
    let never = tokio_util::sync::CancellationToken::new();
    let result = tokio::time::timeout(BOUND, forked.run(&sql, previews.rows, &never))
        .await
        .map_err(|_| Unanswered::Slow)?
        .map_err(Unanswered::Failed)?;
    let options = crate::render::TableOptions {
        max_chars: previews.max_chars,
        zone: crate::render::Zone::default(),
        max_bytes: previews.max_bytes,
        hints: crate::kernel::words::TABLE_HINTS,
        label: Some(crate::sql::dotted(path)),
    };
    let mut bundle = crate::render::result_table(&result, &options);
    let what = crate::kernel::explorer::Explorable {
        sql: &sql,
        result: &result,
        options: &options,
        page_size: previews.rows,
    };
    previews.registrar.register(&what, &mut bundle);
    Ok(serde_json::Value::Object(bundle.into_iter().collect()))
}
