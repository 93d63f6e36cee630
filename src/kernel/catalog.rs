//! Completion and inspection from the Spark catalog: keywords, Spark's functions, catalogs,
//! databases, tables and views, and columns. Catalog answers are cached per Spark session and
//! dropped after statements that may change them; a completion never waits more than about a
//! second for Spark (what did not arrive in time is left out).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::complete::{self, Context, TableRef, KEYWORDS};
use super::Kernel;
use crate::jupyter::{Completion, MimeBundle};
use crate::render;

/// How long a completion may wait for Spark.
pub const COMPLETION_BUDGET: Duration = Duration::from_millis(1000);
/// How long an inspection may wait for Spark.
const INSPECTION_BUDGET: Duration = Duration::from_secs(3);
/// Rows read of a catalog listing.
const MAX_ROWS: usize = 10_000;

/// A column as `DESCRIBE TABLE` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    pub type_name: String,
    pub comment: String,
}

/// Catalog answers of one Spark session.
#[derive(Debug, Default)]
pub struct Catalog {
    session: String,
    lists: HashMap<String, Vec<String>>,
    columns: HashMap<String, Vec<ColumnInfo>>,
    /// Calls made to Spark for the cache (for tests and figures).
    pub fetches: usize,
}

impl Catalog {
    /// Forgets what statements may have changed (tables, views, databases, columns).
    pub fn forget(&mut self) {
        let functions = self.lists.remove("functions");
        self.lists.clear();
        self.columns.clear();
        if let Some(f) = functions {
            self.lists.insert("functions".into(), f);
        }
    }
}

/// Whether a statement may change what the catalog cache holds.
pub fn changes_catalog(sql: &str) -> bool {
    let first = sql
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "CREATE"
            | "DROP"
            | "ALTER"
            | "USE"
            | "SET"
            | "REFRESH"
            | "MSCK"
            | "REPLACE"
            | "CACHE"
            | "UNCACHE"
    )
}

/// `a.b` with each part quoted as needed.
fn dotted(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| complete::quote(p))
        .collect::<Vec<_>>()
        .join(".")
}

/// The keyword or function name in the case the user types (lower case when the prefix is).
fn in_case(name: &str, prefix: &str) -> String {
    let lower = !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| !c.is_alphabetic() || c.is_lowercase());
    let upper = !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| !c.is_alphabetic() || c.is_uppercase());
    if lower {
        name.to_lowercase()
    } else if upper {
        name.to_uppercase()
    } else {
        name.to_owned()
    }
}

impl Kernel {
    /// The rows of a catalog statement, as text: `None` when Spark did not answer before
    /// `deadline`, `Some(None)` when it answered with an error.
    async fn catalog_query(
        &mut self,
        sql: &str,
        deadline: Instant,
    ) -> Option<Option<Vec<Vec<String>>>> {
        let run = async {
            let (creds, client) = self.connect().await.ok()?;
            let session = client.session_id().to_owned();
            let Ok(result) = client
                .execute_sql(&creds, sql, MAX_ROWS, &CancellationToken::new())
                .await
            else {
                return Some((session, None));
            };
            let columns = render::column_texts(&result, &render::Zone::default());
            let rows = (0..result.rows())
                .map(|r| {
                    columns
                        .iter()
                        .map(|c| c.get(r).cloned().flatten().unwrap_or_default())
                        .collect()
                })
                .collect();
            Some((session, Some(rows)))
        };
        let (session, rows) = tokio::time::timeout_at(deadline, run)
            .await
            .ok()
            .flatten()?;
        if self.catalog.session != session {
            self.catalog = Catalog {
                session,
                ..Catalog::default()
            };
        }
        self.catalog.fetches += 1;
        Some(rows)
    }

    /// A cached list: column `column` of `sql`'s rows.
    async fn catalog_list(
        &mut self,
        key: &str,
        sql: &str,
        column: usize,
        deadline: Instant,
    ) -> Vec<String> {
        if let Some(list) = self.catalog.lists.get(key) {
            return list.clone();
        }
        let Some(rows) = self.catalog_query(sql, deadline).await else {
            return Vec::new();
        };
        let list: Vec<String> = rows
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.into_iter().nth(column))
            .collect();
        self.catalog.lists.insert(key.to_owned(), list.clone());
        list
    }

    async fn functions(&mut self, deadline: Instant) -> Vec<String> {
        let mut names = self
            .catalog_list("functions", "SHOW FUNCTIONS", 0, deadline)
            .await;
        names.retain(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'));
        names
    }

    async fn tables_in(&mut self, database: Option<&[String]>, deadline: Instant) -> Vec<String> {
        match database {
            None => {
                self.catalog_list("tables", "SHOW TABLES", 1, deadline)
                    .await
            }
            Some(db) => {
                let name = dotted(db);
                self.catalog_list(
                    &format!("tables {name}"),
                    &format!("SHOW TABLES IN {name}"),
                    1,
                    deadline,
                )
                .await
            }
        }
    }

    async fn databases(&mut self, catalog: Option<&str>, deadline: Instant) -> Vec<String> {
        match catalog {
            None => {
                self.catalog_list("databases", "SHOW DATABASES", 0, deadline)
                    .await
            }
            Some(c) => {
                let name = complete::quote(c);
                self.catalog_list(
                    &format!("databases {name}"),
                    &format!("SHOW DATABASES IN {name}"),
                    0,
                    deadline,
                )
                .await
            }
        }
    }

    async fn catalogs(&mut self, deadline: Instant) -> Vec<String> {
        self.catalog_list("catalogs", "SHOW CATALOGS", 0, deadline)
            .await
    }

    /// The columns of a table or view (`None` when Spark does not know it).
    async fn columns_of(&mut self, table: &[String], deadline: Instant) -> Option<Vec<ColumnInfo>> {
        let name = dotted(table);
        if let Some(columns) = self.catalog.columns.get(&name) {
            return (!columns.is_empty()).then(|| columns.clone());
        }
        // What Spark does not know is remembered as unknown, until the next DDL.
        let rows = self
            .catalog_query(&format!("DESCRIBE TABLE {name}"), deadline)
            .await?
            .unwrap_or_default();
        let columns: Vec<ColumnInfo> = rows
            .into_iter()
            .take_while(|r| {
                r.first()
                    .is_some_and(|n| !n.is_empty() && !n.starts_with('#'))
            })
            .map(|r| ColumnInfo {
                name: r.first().cloned().unwrap_or_default(),
                type_name: r.get(1).cloned().unwrap_or_default(),
                comment: r.get(2).cloned().unwrap_or_default(),
            })
            .collect();
        self.catalog.columns.insert(name, columns.clone());
        (!columns.is_empty()).then_some(columns)
    }

    /// Completion of SQL at code point `cursor`.
    pub(super) async fn complete_sql(&mut self, code: &str, cursor: usize) -> Completion {
        let ctx = complete::context(code, cursor);
        let deadline = Instant::now() + COMPLETION_BUDGET;
        let mut candidates: Vec<(String, &'static str)> = Vec::new();
        if let Some(last) = ctx.qualifier.last().cloned() {
            let table = (ctx.qualifier.len() == 1)
                .then(|| complete::table_for(&ctx.tables, &last).map(|t| t.name.clone()))
                .flatten();
            if let Some(table) = table {
                self.add_columns(&table, deadline, &mut candidates).await;
            } else {
                // `db.` → its tables; `catalog.` → its databases; `db.table.` → its columns.
                for t in self.tables_in(Some(&ctx.qualifier), deadline).await {
                    candidates.push((t, "table"));
                }
                if ctx.qualifier.len() == 1 {
                    for d in self.databases(Some(&last), deadline).await {
                        candidates.push((d, "database"));
                    }
                }
                if candidates.is_empty() {
                    self.add_columns(&ctx.qualifier.clone(), deadline, &mut candidates)
                        .await;
                }
            }
        } else if !ctx.prefix.is_empty() || ctx.backtick {
            let after = ctx.after.as_deref().unwrap_or("");
            let names_table = matches!(
                after,
                "FROM"
                    | "JOIN"
                    | "INTO"
                    | "TABLE"
                    | "UPDATE"
                    | "DESCRIBE"
                    | "DESC"
                    | "VIEW"
                    | "EXISTS"
            );
            let names_database =
                matches!(after, "USE" | "DATABASE" | "SCHEMA" | "IN" | "DATABASES");
            if names_table {
                // Tables and views, then databases and catalogs (to qualify a name).
                for t in self.tables_in(None, deadline).await {
                    candidates.push((t, "table"));
                }
            }
            if names_table || names_database {
                for d in self.databases(None, deadline).await {
                    candidates.push((d, "database"));
                }
                for c in self.catalogs(deadline).await {
                    candidates.push((c, "catalog"));
                }
            } else {
                // Columns of the statement's tables first, then Spark's functions, keywords.
                let tables: Vec<TableRef> = ctx.tables.clone();
                for t in &tables {
                    self.add_columns(&t.name, deadline, &mut candidates).await;
                }
                if !ctx.backtick {
                    for f in self.functions(deadline).await {
                        candidates.push((in_case(&f, &ctx.prefix), "function"));
                    }
                    for k in KEYWORDS {
                        candidates.push((in_case(k, &ctx.prefix), "keyword"));
                    }
                }
            }
        }
        completion(&ctx, cursor, candidates)
    }

    async fn add_columns(
        &mut self,
        table: &[String],
        deadline: Instant,
        out: &mut Vec<(String, &'static str)>,
    ) {
        if let Some(columns) = self.columns_of(table, deadline).await {
            out.extend(columns.into_iter().map(|c| (c.name, "column")));
        }
    }

    /// What Shift+Tab shows for the name at `cursor`: a function's description, a table's
    /// columns and details, or a column's type.
    pub(super) async fn inspect_sql(&mut self, code: &str, cursor: usize) -> Option<MimeBundle> {
        let (name, call) = complete::name_at(code, cursor)?;
        let ctx = complete::context(code, cursor);
        let deadline = Instant::now() + INSPECTION_BUDGET;
        let last = name.last()?.clone();
        if call
            || (name.len() == 1
                && complete::table_for(&ctx.tables, &last).is_none()
                && self
                    .functions(deadline)
                    .await
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(&last))
                && !self.is_column(&ctx.tables, &last, deadline).await)
        {
            if let Some(bundle) = self.describe_function(&last, deadline).await {
                return Some(bundle);
            }
        }
        // alias.column or table.column
        if name.len() >= 2 {
            let qualifier = &name[..name.len() - 1];
            let table = if qualifier.len() == 1 {
                complete::table_for(&ctx.tables, &qualifier[0]).map(|t| t.name.clone())
            } else {
                None
            }
            .unwrap_or_else(|| qualifier.to_vec());
            if let Some(bundle) = self.describe_column(&table, &last, deadline).await {
                return Some(bundle);
            }
        }
        // An alias, or a table or view by name.
        let table = match complete::table_for(&ctx.tables, &last) {
            Some(t) if name.len() == 1 => t.name.clone(),
            _ => name.clone(),
        };
        if let Some(bundle) = self.describe_table(&table, deadline).await {
            return Some(bundle);
        }
        // A bare column of a table in the statement.
        if name.len() == 1 {
            for t in ctx.tables.clone() {
                if let Some(bundle) = self.describe_column(&t.name, &last, deadline).await {
                    return Some(bundle);
                }
            }
        }
        None
    }

    async fn is_column(&mut self, tables: &[TableRef], name: &str, deadline: Instant) -> bool {
        for t in tables {
            if let Some(columns) = self.columns_of(&t.name, deadline).await {
                if columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                    return true;
                }
            }
        }
        false
    }

    async fn describe_function(&mut self, name: &str, deadline: Instant) -> Option<MimeBundle> {
        let rows = self
            .catalog_query(
                &format!("DESCRIBE FUNCTION EXTENDED {}", complete::quote(name)),
                deadline,
            )
            .await??;
        let text = rows
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect::<Vec<_>>()
            .join("\n");
        if text.is_empty() {
            return None;
        }
        let html = format!("<pre>{}</pre>", render::escape_html(&text));
        Some(render::plain_and_html(text, html))
    }

    async fn describe_column(
        &mut self,
        table: &[String],
        column: &str,
        deadline: Instant,
    ) -> Option<MimeBundle> {
        let columns = self.columns_of(table, deadline).await?;
        let c = columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(column))?;
        let mut rows = vec![
            ("type".to_owned(), c.type_name.clone()),
            ("table".to_owned(), dotted(table)),
        ];
        if !c.comment.is_empty() {
            rows.push(("comment".to_owned(), c.comment.clone()));
        }
        Some(render::key_values(&format!("Column {}", c.name), &rows))
    }

    async fn describe_table(&mut self, table: &[String], deadline: Instant) -> Option<MimeBundle> {
        let name = dotted(table);
        let rows = self
            .catalog_query(&format!("DESCRIBE TABLE EXTENDED {name}"), deadline)
            .await??;
        let mut columns = Vec::new();
        let mut details: HashMap<String, String> = HashMap::new();
        let mut in_details = false;
        for r in rows {
            let key = r.first().cloned().unwrap_or_default();
            if key.starts_with("# Detailed") {
                in_details = true;
                continue;
            }
            if key.is_empty() || key.starts_with('#') {
                continue;
            }
            let value = r.get(1).cloned().unwrap_or_default();
            if in_details {
                details.insert(key, value);
            } else if !columns.iter().any(|(n, _): &(String, String)| *n == key) {
                let comment = r.get(2).cloned().unwrap_or_default();
                let shown = if comment.is_empty() {
                    value
                } else {
                    format!("{value}  — {comment}")
                };
                columns.push((key, shown));
            }
        }
        let kind = details
            .get("Type")
            .cloned()
            .unwrap_or_else(|| "VIEW (temporary)".into());
        let mut title = format!(
            "{} {name}",
            if kind.contains("VIEW") {
                "View"
            } else {
                "Table"
            }
        );
        for key in ["Type", "Provider", "Owner"] {
            if let Some(v) = details.get(key) {
                title.push_str(&format!(
                    " · {}",
                    if key == "Owner" {
                        format!("owner {v}")
                    } else {
                        v.clone()
                    }
                ));
            }
        }
        for key in ["Location", "Comment", "View Text"] {
            if let Some(v) = details.get(key) {
                columns.push((key.to_lowercase(), v.clone()));
            }
        }
        Some(render::key_values(&title, &columns))
    }
}

/// The completion reply: matches filtered by the prefix, quoted as needed, without repeats,
/// with their kinds for JupyterLab's icons.
fn completion(ctx: &Context, cursor: usize, candidates: Vec<(String, &'static str)>) -> Completion {
    let prefix = ctx.prefix.to_lowercase();
    let mut seen = std::collections::HashSet::new();
    let mut matches = Vec::new();
    let mut types = Vec::new();
    for (name, kind) in candidates {
        if !name.to_lowercase().starts_with(&prefix) {
            continue;
        }
        let text = if ctx.backtick {
            format!("`{}`", name.replace('`', "``"))
        } else if kind == "keyword" || kind == "function" {
            name
        } else {
            complete::quote(&name)
        };
        if seen.insert(text.clone()) {
            types.push(json!({"start": ctx.start, "end": cursor, "text": text, "type": kind}));
            matches.push(text);
        }
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
    Completion {
        matches,
        cursor_start: ctx.start,
        cursor_end: cursor,
        metadata,
    }
}
