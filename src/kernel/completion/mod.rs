//! Tab completion: magic names at the start of a line, and SQL from the catalog — keywords in
//! the typed case, Spark's functions, catalogs, databases, tables and views, and columns (after
//! `table.`, after an alias, and unqualified in a statement whose FROM names tables). Reads the
//! catalog through [`Catalog`] within about a second; what did not arrive in time is left out.
//! Must not: wait on the catalog past its budget; an unanswered lookup is no candidates.

mod joins;

use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::cell;
use super::cell::magic_line_at;
use super::magics::{chart_kinds, CHART_OPTIONS, SPECS};
use crate::session::{Catalog, Listing};
use crate::sql::cursor::{self, Context};
use crate::sql::keywords::KEYWORDS;
use crate::sql::quote;
use jupyter_protocol::{CompleteReply, ReplyStatus};

/// How long a completion may wait for Spark.
pub const COMPLETION_BUDGET: Duration = Duration::from_millis(2000);

/// Completes a magic name at the start of a line (`%li` → `%limit`, `%lsmagic`); `None` when
/// the cursor is not on a magic line.
pub fn complete_magic(code: &str, cursor: usize) -> Option<CompleteReply> {
    magic_line_at(code, cursor)?;
    let at = code
        .char_indices()
        .nth(cursor)
        .map_or(code.len(), |(b, _)| b);
    let line_start = code[..at].rfind('\n').map_or(0, |n| n + 1);
    let word = code[line_start..at].trim_start();
    let sigil = if word.starts_with("%%") { "%%" } else { "%" };
    let matches: Vec<String> = match word.strip_prefix(sigil) {
        Some(prefix)
            if prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            SPECS
                .iter()
                .filter(|m| m.name.starts_with(prefix) && (sigil == "%" || m.cell))
                .map(|m| format!("{sigil}{}", m.name))
                .collect()
        }
        _ => Vec::new(),
    };
    let start = if matches.is_empty() {
        cursor
    } else {
        code[..at - word.len()].chars().count()
    };
    Some(CompleteReply {
        matches,
        cursor_start: start,
        cursor_end: cursor,
        metadata: Default::default(),
        status: ReplyStatus::Ok,
        error: None,
    })
}

/// Completion on a `%%chart` line: the kinds after the name, then the options, and after
/// `x=`, `y=` or `color=` the columns of the tables the cell's SQL names. `None` when the
/// cursor is not past the name of a `%%chart` line.
pub async fn complete_chart(
    catalog: &mut impl Catalog,
    code: &str,
    cursor: usize,
) -> Option<CompleteReply> {
    let line = magic_line_at(code, cursor)?;
    let at = code
        .char_indices()
        .nth(cursor)
        .map_or(code.len(), |(b, _)| b);
    let line_start = code[..at].rfind('\n').map_or(0, |n| n + 1);
    let typed = &code[line_start..at];
    let args = typed.trim_start().strip_prefix("%%chart")?;
    if !line.starts_with("%%chart") || !args.starts_with(char::is_whitespace) {
        return None;
    }
    let word = args.rsplit(char::is_whitespace).next().unwrap_or("");
    let first = args.split_whitespace().next().is_none_or(|w| w == word) && !word.contains('=');
    let (replace, prefix, candidates): (usize, &str, Vec<String>) = if first {
        (word.len(), word, chart_kinds().map(str::to_owned).collect())
    } else if let Some((channel, typed)) = word.split_once('=') {
        if !matches!(channel, "x" | "y" | "color") {
            return Some(nothing(cursor));
        }
        let typed = typed.trim_start_matches('`');
        // The tables of the cell's last statement (a space after it: no word is being typed).
        let sql = format!("{code} ");
        let tables = cursor::context(&sql, sql.chars().count()).tables;
        let deadline = Instant::now() + COMPLETION_BUDGET;
        let mut columns = Candidates::new();
        for table in &tables {
            add_columns(catalog, &table.name, deadline, &mut columns).await;
        }
        let names = columns.into_iter().map(|(name, _)| quote(&name)).collect();
        (word.len() - channel.len() - 1, typed, names)
    } else {
        (
            word.len(),
            word,
            CHART_OPTIONS.iter().map(|o| (*o).to_owned()).collect(),
        )
    };
    let mut matches: Vec<String> = candidates
        .into_iter()
        .filter(|c| {
            c.trim_start_matches('`')
                .to_lowercase()
                .starts_with(&prefix.to_lowercase())
        })
        .collect();
    matches.dedup();
    Some(CompleteReply {
        matches,
        cursor_start: cursor - code[at - replace..at].chars().count(),
        cursor_end: cursor,
        metadata: Default::default(),
        status: ReplyStatus::Ok,
        error: None,
    })
}

fn nothing(cursor: usize) -> CompleteReply {
    CompleteReply {
        matches: Vec::new(),
        cursor_start: cursor,
        cursor_end: cursor,
        metadata: Default::default(),
        status: ReplyStatus::Ok,
        error: None,
    }
}

/// The keyword or function name in the case the user types (lower case when the prefix is).
fn in_case(name: &str, prefix: &str) -> String {
    let all = |f: fn(&char) -> bool| {
        !prefix.is_empty()
            && prefix
                .chars()
                .filter(char::is_ascii_alphabetic)
                .all(|c| f(&c))
    };
    if all(char::is_ascii_lowercase) {
        name.to_lowercase()
    } else if all(char::is_ascii_uppercase) {
        name.to_uppercase()
    } else {
        name.to_owned()
    }
}

/// What a completion is, for JupyterLab's icons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MatchKind {
    Catalog,
    Database,
    Table,
    Column,
    Function,
    Keyword,
    /// A join condition (`a.id = b.id`).
    Join,
}

impl MatchKind {
    /// The `type` JupyterLab reads in `_jupyter_types_experimental`.
    fn name(self) -> &'static str {
        match self {
            MatchKind::Catalog => "catalog",
            MatchKind::Database => "database",
            MatchKind::Table => "table",
            MatchKind::Column => "column",
            MatchKind::Function => "function",
            MatchKind::Keyword => "keyword",
            MatchKind::Join => "join",
        }
    }

    /// Names written as they are (never quoted).
    fn is_word(self) -> bool {
        matches!(
            self,
            MatchKind::Keyword | MatchKind::Function | MatchKind::Join
        )
    }
}

type Candidates = Vec<(String, MatchKind)>;

/// Completion of SQL at code point `cursor`.
pub async fn complete_sql(catalog: &mut impl Catalog, code: &str, cursor: usize) -> CompleteReply {
    let ctx = cursor::context_from(code, cell::sql_start(code), cursor);
    let deadline = Instant::now() + COMPLETION_BUDGET;
    let mut candidates = Candidates::new();
    if !ctx.qualifier.is_empty() {
        qualified(catalog, &ctx, deadline, &mut candidates).await;
    } else if ctx.in_using {
        joins::using_columns(catalog, &ctx, deadline, &mut candidates).await;
    } else if ctx.after.as_deref() == Some("ON") {
        // The join's conditions first, then what any word could be.
        joins::on_pairs(catalog, &ctx, deadline, &mut candidates).await;
        if !ctx.prefix.is_empty() {
            unqualified(catalog, &ctx, deadline, &mut candidates).await;
        }
    } else if !ctx.prefix.is_empty() || ctx.backtick {
        unqualified(catalog, &ctx, deadline, &mut candidates).await;
    }
    completion(&ctx, cursor, candidates)
}

/// After `x.`: an alias's or table's columns, a database's tables, a catalog's databases.
async fn qualified(
    catalog: &mut impl Catalog,
    ctx: &Context,
    deadline: Instant,
    out: &mut Candidates,
) {
    let table = match ctx.qualifier.as_slice() {
        [one] => cursor::table_for(&ctx.tables, one).map(|t| t.name.clone()),
        _ => None,
    };
    if let Some(table) = table {
        return add_columns(catalog, &table, deadline, out).await;
    }
    if add_struct_fields(catalog, ctx, deadline, out).await {
        return;
    }
    let mut listings = vec![Listing::Tables(Some(ctx.qualifier.clone()))];
    if let [one] = ctx.qualifier.as_slice() {
        listings.push(Listing::Databases(Some(one.clone())));
    }
    // Both at once: one round trip.
    catalog.start(&listings, deadline).await;
    let tables = catalog
        .list(Listing::Tables(Some(ctx.qualifier.clone())), deadline)
        .await;
    out.extend(tables.into_iter().map(|t| (t, MatchKind::Table)));
    if let [one] = ctx.qualifier.as_slice() {
        let databases = catalog
            .list(Listing::Databases(Some(one.clone())), deadline)
            .await;
        out.extend(databases.into_iter().map(|d| (d, MatchKind::Database)));
    }
    if out.is_empty() {
        add_columns(catalog, &ctx.qualifier, deadline, out).await;
    }
}

/// A word with no qualifier: tables after FROM and friends, databases after USE, else columns
/// of the statement's tables, functions and keywords.
async fn unqualified(
    catalog: &mut impl Catalog,
    ctx: &Context,
    deadline: Instant,
    out: &mut Candidates,
) {
    let after = ctx.after.as_deref().unwrap_or("");
    let names_table = matches!(
        after,
        "FROM" | "JOIN" | "INTO" | "TABLE" | "UPDATE" | "DESCRIBE" | "DESC" | "VIEW" | "EXISTS"
    );
    let names_database = matches!(after, "USE" | "DATABASE" | "SCHEMA" | "IN" | "DATABASES");
    if names_table || names_database {
        // Every listing at once: one round trip.
        let mut listings = vec![Listing::Databases(None), Listing::Catalogs];
        if names_table {
            listings.push(Listing::Tables(None));
        }
        catalog.start(&listings, deadline).await;
    }
    if names_table {
        let tables = catalog.list(Listing::Tables(None), deadline).await;
        out.extend(tables.into_iter().map(|t| (t, MatchKind::Table)));
    }
    if names_table || names_database {
        let databases = catalog.list(Listing::Databases(None), deadline).await;
        out.extend(databases.into_iter().map(|d| (d, MatchKind::Database)));
        let catalogs = catalog.list(Listing::Catalogs, deadline).await;
        out.extend(catalogs.into_iter().map(|c| (c, MatchKind::Catalog)));
        return;
    }
    for table in &ctx.tables {
        add_columns(catalog, &table.name, deadline, out).await;
    }
    if !ctx.backtick {
        let functions = catalog.list(Listing::Functions, deadline).await;
        out.extend(
            functions
                .iter()
                .map(|f| (in_case(f, &ctx.prefix), MatchKind::Function)),
        );
        out.extend(
            KEYWORDS
                .iter()
                .map(|k| (in_case(k, &ctx.prefix), MatchKind::Keyword)),
        );
    }
}

async fn add_columns(
    catalog: &mut impl Catalog,
    table: &[String],
    deadline: Instant,
    out: &mut Candidates,
) {
    if let Some(columns) = catalog.columns(table, deadline).await {
        out.extend(columns.into_iter().map(|c| (c.name, MatchKind::Column)));
    }
}

/// After `t.s.` (or `s.` alone, `s` a column of a table the statement reads), at any depth
/// (`t.s.a.`, through arrays and maps): the fields of the struct the path leads to. Whether
/// the qualifier was such a path.
async fn add_struct_fields(
    catalog: &mut impl Catalog,
    ctx: &Context,
    deadline: Instant,
    out: &mut Candidates,
) -> bool {
    let Some((first, rest)) = ctx.qualifier.split_first() else {
        return false;
    };
    // `alias.column.field…`, else `column.field…` of any table the statement reads.
    let (tables, path): (Vec<Vec<String>>, &[String]) = match cursor::table_for(&ctx.tables, first)
    {
        Some(table) if !rest.is_empty() => (vec![table.name.clone()], rest),
        Some(_) => return false,
        None => (
            ctx.tables.iter().map(|t| t.name.clone()).collect(),
            &ctx.qualifier[..],
        ),
    };
    let Some((column, fields)) = path.split_first() else {
        return false;
    };
    for table in tables {
        let Some(columns) = catalog.columns(&table, deadline).await else {
            continue;
        };
        let Some(found) = columns.iter().find(|c| c.name.eq_ignore_ascii_case(column)) else {
            continue;
        };
        let inner = crate::sql::types::fields_at(&found.type_name, fields);
        if !inner.is_empty() {
            out.extend(inner.into_iter().map(|(name, _)| (name, MatchKind::Column)));
            return true;
        }
    }
    false
}

/// The completion reply: matches filtered by the prefix, quoted as needed, without repeats,
/// with their kinds for JupyterLab's icons.
fn completion(ctx: &Context, cursor: usize, candidates: Candidates) -> CompleteReply {
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
        } else if kind.is_word() {
            name
        } else {
            quote(&name)
        };
        if seen.insert(text.clone()) {
            types.push(
                json!({"start": ctx.start, "end": cursor, "text": text, "type": kind.name()}),
            );
            matches.push(text);
        }
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("_jupyter_types_experimental".into(), Value::Array(types));
    CompleteReply {
        matches,
        cursor_start: ctx.start,
        cursor_end: cursor,
        metadata,
        status: ReplyStatus::Ok,
        error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::FakeCatalog;

    fn catalog() -> FakeCatalog {
        FakeCatalog::default()
            .with_list(Listing::Tables(None), &["genomes", "genes", "1st run"])
            .with_list(Listing::Databases(None), &["default", "tour"])
            .with_list(Listing::Catalogs, &["spark_catalog"])
            .with_list(Listing::Functions, &["count", "concat", "abs"])
            .with_list(Listing::Tables(Some(vec!["tour".into()])), &["genomes"])
            .with_table(&["genomes"], &[("id", "bigint"), ("organism", "string")])
            .with_table(&["tour", "genomes"], &[("id", "bigint"), ("gc", "double")])
            .with_table(&["genes"], &[("genome_id", "bigint"), ("my col", "string")])
    }

    async fn complete(code: &str) -> Vec<String> {
        let cursor = code.chars().count();
        complete_sql(&mut catalog(), code, cursor).await.matches
    }

    #[tokio::test]
    async fn tables_databases_and_catalogs_follow_from() {
        assert_eq!(complete("SELECT * FROM ge").await, ["genomes", "genes"]);
        assert_eq!(complete("SELECT * FROM 1").await, ["`1st run`"]);
        assert_eq!(complete("USE t").await, ["tour"]);
        assert_eq!(complete("SELECT * FROM tour.g").await, ["genomes"]);
        assert_eq!(complete("SELECT * FROM sp").await, ["spark_catalog"]);
    }

    #[tokio::test]
    async fn columns_follow_aliases_tables_and_the_statement() {
        let code = "SELECT g.i, o.o FROM tour.genomes g JOIN genomes o";
        let c = complete_sql(&mut catalog(), code, 10).await;
        assert_eq!((c.matches, c.cursor_start), (vec!["id".to_owned()], 9));
        let c = complete_sql(&mut catalog(), code, 15).await;
        assert_eq!(c.matches, ["organism"], "o is genomes, not tour.genomes");
        let c = complete_sql(&mut catalog(), "SELECT x.g FROM tour.genomes x", 10).await;
        assert_eq!(c.matches, ["gc"]);
        assert_eq!(complete("SELECT genomes.org").await, ["organism"]);
        let c = complete_sql(&mut catalog(), "SELECT my FROM genes", 9).await;
        assert_eq!(c.matches, ["`my col`"], "quoted as SQL needs it");
        let c = complete_sql(&mut catalog(), "SELECT `my FROM genes", 10).await;
        assert_eq!(
            (c.matches, c.cursor_start),
            (vec!["`my col`".to_owned()], 7)
        );
    }

    #[tokio::test]
    async fn struct_fields_follow_a_column_at_any_depth() {
        let mut fake = catalog().with_table(
            &["hits"],
            &[
                ("id", "bigint"),
                (
                    "hit",
                    "struct<score:double,loc:array<struct<start:int,stop:int>>>",
                ),
            ],
        );
        let c = complete_sql(&mut fake, "SELECT h.hit. FROM hits h", 13).await;
        assert_eq!(c.matches, ["score", "loc"]);
        let c = complete_sql(&mut fake, "SELECT h.hit.loc.st FROM hits h", 19).await;
        assert_eq!(c.matches, ["start", "stop"], "through the array");
        let c = complete_sql(&mut fake, "SELECT hit.sc FROM hits", 13).await;
        assert_eq!(c.matches, ["score"], "an unaliased column");
        let c = complete_sql(&mut fake, "SELECT h.id. FROM hits h", 12).await;
        assert!(
            c.matches.is_empty(),
            "a bigint has no fields: {:?}",
            c.matches
        );
    }

    #[tokio::test]
    async fn a_join_offers_its_conditions_and_using_its_shared_columns() {
        let mut fake = catalog().with_table(
            &["features"],
            &[
                ("id", "bigint"),
                ("genome_id", "bigint"),
                ("organism", "string"),
            ],
        );
        let code = "SELECT * FROM genomes g JOIN features f ON ";
        let c = complete_sql(&mut fake, code, code.chars().count()).await;
        assert_eq!(
            c.matches,
            [
                "g.id = f.id",
                "g.organism = f.organism",
                "g.id = f.genome_id"
            ],
            "the same names first, then an _id stem"
        );
        let code = "SELECT * FROM genomes g JOIN features f ON g.o";
        let c = complete_sql(&mut fake, code, code.chars().count()).await;
        assert_eq!(c.matches, ["organism"], "a qualified word: its columns");
        let code = "SELECT * FROM genomes JOIN features USING (";
        let c = complete_sql(&mut fake, code, code.chars().count()).await;
        assert_eq!(c.matches, ["id", "organism"]);
        let code = "SELECT * FROM genomes ON ";
        let c = complete_sql(&mut fake, code, code.chars().count()).await;
        assert!(c.matches.is_empty(), "no join: {:?}", c.matches);
    }

    #[tokio::test]
    async fn functions_and_keywords_come_in_the_typed_case() {
        let lower = complete("SELECT co").await;
        assert_eq!(lower[..2], ["count", "concat"]);
        let upper = complete("SEL").await;
        assert_eq!(upper, ["SELECT"]);
        let c = complete_sql(&mut catalog(), "sel", 3).await;
        assert_eq!(
            (c.matches[0].as_str(), c.cursor_start, c.cursor_end),
            ("select", 0, 3)
        );
        let kinds = &c.metadata["_jupyter_types_experimental"][0];
        assert_eq!(kinds["type"], "keyword");
    }

    #[tokio::test]
    async fn an_empty_word_asks_the_catalog_nothing() {
        let mut fake = catalog();
        let c = complete_sql(&mut fake, "SELECT ", 7).await;
        assert!(c.matches.is_empty(), "{:?}", c.matches);
        assert!(fake.asked.is_empty(), "{:?}", fake.asked);
    }

    #[tokio::test]
    async fn a_chart_line_completes_kinds_options_and_the_columns_of_the_cells_tables() {
        let code = "%%chart b\nSELECT * FROM genes";
        let c = complete_chart(&mut catalog(), code, 9).await.unwrap();
        assert_eq!((c.matches, c.cursor_start), (vec!["bar".to_owned()], 8));
        let code = "%%chart bar x=genome_id \nSELECT * FROM genes";
        let c = complete_chart(&mut catalog(), code, 24).await.unwrap();
        assert_eq!(c.matches, ["x=", "y=", "color=", "title="]);
        let code = "%%chart bar x=genome_id y=m\nSELECT * FROM genes";
        let c = complete_chart(&mut catalog(), code, 27).await.unwrap();
        assert_eq!(
            (c.matches, c.cursor_start),
            (vec!["`my col`".to_owned()], 26)
        );
        let code = "%%chart line x=\nSELECT id FROM tour.genomes";
        let c = complete_chart(&mut catalog(), code, 15).await.unwrap();
        assert_eq!(c.matches, ["id", "gc"]);
        let other = complete_chart(&mut catalog(), "%%export b", 10).await;
        assert!(other.is_none(), "not a %%chart line: {other:?}");
        let bare = complete_chart(&mut catalog(), "%%chart", 7).await;
        assert!(bare.is_none(), "nothing after %%chart yet: {bare:?}");
    }

    #[test]
    fn magic_names_complete_at_the_start_of_a_line() {
        let c = complete_magic("%li", 3).unwrap();
        assert_eq!(c.matches, ["%limit"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
        let c = complete_magic("SELECT 'ü'\n  %l", 15).unwrap();
        assert_eq!(c.matches, ["%lsmagic", "%limit"]);
        assert_eq!((c.cursor_start, c.cursor_end), (13, 15));
        let c = complete_magic("%%l", 3).unwrap();
        assert_eq!(c.matches, ["%%limit"]);
        assert!(
            complete_magic("SELECT 5 %", 10).is_none(),
            "{:?}",
            complete_magic("SELECT 5 %", 10)
        );
    }
}
