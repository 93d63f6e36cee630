//! Shift+Tab inspection of the name under the cursor: a function's description, a table's or
//! view's columns and details, or a column's type. Reads the catalog through [`Catalog`],
//! waiting at most a few seconds.
//! Must not: wait on the catalog past its budget or build HTML (`render` does).

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::cell;
use crate::render::{self, KeyValue};
use crate::session::{Catalog, Listing};
use crate::sql::cursor::{self, TableRef};
use crate::sql::dotted;
use jupyter_kernel::MimeBundle;

/// How long an inspection may wait for Spark.
const INSPECTION_BUDGET: Duration = Duration::from_secs(3);

/// What Shift+Tab shows for the name at code point `cursor`.
pub async fn inspect_sql(
    catalog: &mut impl Catalog,
    code: &str,
    cursor: usize,
) -> Option<MimeBundle> {
    let cursor::NameAt { parts: name, call } =
        cursor::name_at(code, cell::sql_start(code), cursor)?;
    let ctx = cursor::context_from(code, cell::sql_start(code), cursor);
    let deadline = Instant::now() + INSPECTION_BUDGET;
    let last = name.last()?.clone();
    if call || (name.len() == 1 && is_function(catalog, &ctx.tables, &last, deadline).await) {
        if let Some(text) = catalog.describe_function(&last, deadline).await {
            return Some(render::preformatted(text));
        }
    }
    // alias.column or table.column
    if let [qualifier @ .., _] = name.as_slice() {
        if !qualifier.is_empty() {
            let table = match qualifier {
                [one] => cursor::table_for(&ctx.tables, one).map(|t| t.name.clone()),
                _ => None,
            }
            .unwrap_or_else(|| qualifier.to_vec());
            if let Some(bundle) = describe_column(catalog, &table, &last, deadline).await {
                return Some(bundle);
            }
        }
    }
    // An alias, or a table or view by name.
    let table = match cursor::table_for(&ctx.tables, &last) {
        Some(t) if name.len() == 1 => t.name.clone(),
        _ => name.clone(),
    };
    if let Some(bundle) = describe_table(catalog, &table, deadline).await {
        return Some(bundle);
    }
    // A bare column of a table in the statement.
    if name.len() == 1 {
        for t in &ctx.tables {
            if let Some(bundle) = describe_column(catalog, &t.name, &last, deadline).await {
                return Some(bundle);
            }
        }
    }
    None
}

/// A lone name is a function when Spark has one by that name and no table of the statement
/// has such a column.
async fn is_function(
    catalog: &mut impl Catalog,
    tables: &[TableRef],
    name: &str,
    deadline: Instant,
) -> bool {
    if cursor::table_for(tables, name).is_some() {
        return false;
    }
    let functions = catalog.list(Listing::Functions, deadline).await;
    if !functions.iter().any(|f| f.eq_ignore_ascii_case(name)) {
        return false;
    }
    for t in tables {
        if let Some(columns) = catalog.columns(&t.name, deadline).await {
            if columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                return false;
            }
        }
    }
    true
}

async fn describe_column(
    catalog: &mut impl Catalog,
    table: &[String],
    column: &str,
    deadline: Instant,
) -> Option<MimeBundle> {
    let columns = catalog.columns(table, deadline).await?;
    let c = columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(column))?;
    let mut rows = vec![KeyValue::new("type", c.type_name.clone())];
    // A nested type, laid out as printSchema() does.
    if let Some(tree) = crate::sql::types::tree(&c.type_name) {
        rows.push(KeyValue::new("layout", tree));
    }
    rows.push(KeyValue::new("table", dotted(table)));
    if !c.comment.is_empty() {
        rows.push(KeyValue::new("comment", c.comment.clone()));
    }
    Some(render::key_values(&format!("Column {}", c.name), &rows))
}

async fn describe_table(
    catalog: &mut impl Catalog,
    table: &[String],
    deadline: Instant,
) -> Option<MimeBundle> {
    let rows = catalog.describe_table(table, deadline).await?;
    let Description {
        mut columns,
        details,
    } = read_description(rows);
    let kind = details
        .get("Type")
        .cloned()
        .unwrap_or_else(|| "VIEW (temporary)".into());
    let noun = if kind.contains("VIEW") {
        "View"
    } else {
        "Table"
    };
    let mut title = format!("{noun} {}", dotted(table));
    for key in ["Type", "Provider", "Owner"] {
        if let Some(v) = details.get(key) {
            let v = if key == "Owner" {
                format!("owner {v}")
            } else {
                v.clone()
            };
            title.push_str(&format!(" · {v}"));
        }
    }
    for key in ["Location", "Comment", "View Text"] {
        if let Some(v) = details.get(key) {
            columns.push(KeyValue::new(key.to_lowercase(), v.clone()));
        }
    }
    Some(render::key_values(&title, &columns))
}

/// What `DESCRIBE TABLE EXTENDED` says of a table.
struct Description {
    /// Each column's name, and its type with its comment.
    columns: Vec<KeyValue>,
    /// The rows after `# Detailed Table Information` (`Type`, `Provider`, `Location`, …).
    details: HashMap<String, String>,
}

/// `DESCRIBE TABLE EXTENDED` rows: the columns (name, type and comment) and the details.
fn read_description(rows: Vec<Vec<String>>) -> Description {
    let mut columns: Vec<KeyValue> = Vec::new();
    let mut details = HashMap::new();
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
        } else if !columns.iter().any(|c| c.key == key) {
            let comment = r.get(2).cloned().unwrap_or_default();
            let shown = if comment.is_empty() {
                value
            } else {
                format!("{value}  — {comment}")
            };
            columns.push(KeyValue::new(key, shown));
        }
    }
    Description { columns, details }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::FakeCatalog;

    fn catalog() -> FakeCatalog {
        let mut fake = FakeCatalog::default()
            .with_list(Listing::Functions, &["count", "abs"])
            .with_table(&["genomes"], &[("id", "bigint"), ("count", "int")]);
        fake.functions
            .insert("count".into(), "Function: count\nUsage: count(*)".into());
        let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        fake.descriptions.insert(
            vec!["genomes".into()],
            vec![
                row(&["id", "bigint", "the key"]),
                row(&["# Detailed Table Information", "", ""]),
                row(&["Type", "MANAGED", ""]),
                row(&["Provider", "parquet", ""]),
                row(&["Location", "file:/w/genomes", ""]),
            ],
        );
        fake
    }

    fn text(bundle: Option<MimeBundle>) -> String {
        bundle.map_or_else(String::new, |b| {
            b["text/plain"].as_str().unwrap_or("").to_owned()
        })
    }

    #[tokio::test]
    async fn a_call_is_a_function_and_a_column_of_the_same_name_is_a_column() {
        let mut fake = catalog();
        let called = text(inspect_sql(&mut fake, "SELECT count(*) FROM genomes", 9).await);
        assert!(called.contains("Usage: count(*)"), "{called}");
        let column = text(inspect_sql(&mut fake, "SELECT count FROM genomes", 9).await);
        assert!(column.starts_with("Column count"), "{column}");
        assert!(column.contains("int"), "{column}");
    }

    #[tokio::test]
    async fn a_struct_column_shows_its_nested_type_laid_out() {
        let mut fake = FakeCatalog::default().with_table(
            &["genes"],
            &[("hit", "struct<score:double,tags:array<string>>")],
        );
        let shown = text(inspect_sql(&mut fake, "SELECT hit FROM genes", 8).await);
        assert!(
            shown.contains("struct\n") && shown.contains(" |-- score: double"),
            "{shown}"
        );
        assert!(shown.contains(" |    |-- element: string"), "{shown}");
    }

    #[tokio::test]
    async fn a_table_shows_its_columns_and_details() {
        let mut fake = catalog();
        let shown = text(inspect_sql(&mut fake, "SELECT * FROM genomes", 17).await);
        assert!(
            shown.starts_with("Table genomes · MANAGED · parquet"),
            "{shown}"
        );
        assert!(shown.contains("the key"), "{shown}");
        assert!(shown.contains("file:/w/genomes"), "{shown}");
        let found = inspect_sql(&mut fake, "SELECT * FROM nothing_here", 17).await;
        assert!(found.is_none(), "an unknown table shows nothing: {found:?}");
    }
}
