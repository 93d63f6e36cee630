//! The Spark catalog as completion and inspection read it: the [`Catalog`] trait (so they can
//! be tested against a fake), its implementation on the live session, and the cache of its
//! answers. Answers are cached per Spark session, keyed by what was asked ([`Listing`], a
//! table's name), and dropped after statements that may change them. A lookup never waits
//! past its deadline: what did not arrive in time is left out.
//! Must not: know how completion or inspection show what it found.

use std::collections::HashMap;
use std::future::Future;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::SparkSession;
use crate::sql::{dotted, quote};

/// Rows read of a catalog listing.
const MAX_ROWS: usize = 10_000;

/// A column as `DESCRIBE TABLE` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    pub name: String,
    pub type_name: String,
    pub comment: String,
}

/// A list of names the catalog gives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Listing {
    /// Spark's functions (`SHOW FUNCTIONS`).
    Functions,
    /// Tables and views of the current database, or of a named one.
    Tables(Option<Vec<String>>),
    /// Databases of the current catalog, or of a named one.
    Databases(Option<String>),
    Catalogs,
}

/// The statement that lists names, and the column of its result that holds them.
struct ListingQuery {
    sql: String,
    column: usize,
}

impl Listing {
    /// The statement that lists it, and the column that holds the names.
    fn statement(&self) -> ListingQuery {
        let query = |sql: String, column| ListingQuery { sql, column };
        match self {
            Listing::Functions => query("SHOW FUNCTIONS".into(), 0),
            Listing::Tables(None) => query("SHOW TABLES".into(), 1),
            Listing::Tables(Some(db)) => query(format!("SHOW TABLES IN {}", dotted(db)), 1),
            Listing::Databases(None) => query("SHOW DATABASES".into(), 0),
            Listing::Databases(Some(c)) => query(format!("SHOW DATABASES IN {}", quote(c)), 0),
            Listing::Catalogs => query("SHOW CATALOGS".into(), 0),
        }
    }
}

/// What completion and inspection ask of the catalog. Every answer may come from a cache and
/// must arrive before `deadline` (or be left out).
pub trait Catalog: Send {
    /// The names of a listing (empty when Spark did not answer in time or refused).
    fn list(
        &mut self,
        listing: Listing,
        deadline: Instant,
    ) -> impl Future<Output = Vec<String>> + Send;

    /// The columns of a table or view (`None` when Spark does not know it).
    fn columns(
        &mut self,
        table: &[String],
        deadline: Instant,
    ) -> impl Future<Output = Option<Vec<CatalogColumn>>> + Send;

    /// `DESCRIBE FUNCTION EXTENDED` as text.
    fn describe_function(
        &mut self,
        name: &str,
        deadline: Instant,
    ) -> impl Future<Output = Option<String>> + Send;

    /// The rows of `DESCRIBE TABLE EXTENDED` as text.
    fn describe_table(
        &mut self,
        table: &[String],
        deadline: Instant,
    ) -> impl Future<Output = Option<Vec<Vec<String>>>> + Send;
}

/// Catalog answers of one Spark session.
#[derive(Debug, Default)]
pub(super) struct Cache {
    session: String,
    lists: HashMap<Listing, Vec<String>>,
    columns: HashMap<Vec<String>, Vec<CatalogColumn>>,
}

impl Cache {
    /// Forgets what statements may have changed (all but Spark's functions).
    pub(super) fn forget(&mut self) {
        self.lists
            .retain(|listing, _| *listing == Listing::Functions);
        self.columns.clear();
    }
}

impl Cache {
    /// Forgets the tables and views of the current database (a view was defined or dropped).
    pub(super) fn forget_tables(&mut self) {
        self.lists.remove(&Listing::Tables(None));
    }
}

/// Whether a statement that starts with `keyword` may change what the cache holds.
pub(super) fn changes_catalog(keyword: &str) -> bool {
    matches!(
        keyword,
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

/// The catalog a setting configures: `spark.sql.catalog.my` and `spark.sql.catalog.my.uri`
/// both name `my`.
fn configured_catalog(key: &str) -> Option<String> {
    let name = key.strip_prefix("spark.sql.catalog.")?.split('.').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

impl SparkSession {
    /// The rows of a catalog statement, as text: `None` when Spark did not answer before
    /// `deadline`, `Some(None)` when it answered with an error.
    async fn catalog_query(
        &mut self,
        sql: &str,
        deadline: Instant,
    ) -> Option<Option<Vec<Vec<String>>>> {
        let run = async {
            let never = CancellationToken::new();
            let (creds, client) = self.connect(&never).await.ok()?;
            let session = client.session_id().to_owned();
            let Ok(result) = client.execute_sql(&creds, sql, MAX_ROWS, &never).await else {
                return Some((session, None));
            };
            let rows = result.texts().ok().map(|rows| {
                rows.into_iter()
                    .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
                    .collect()
            });
            Some((session, rows))
        };
        let (session, rows) = tokio::time::timeout_at(deadline, run)
            .await
            .ok()
            .flatten()?;
        if self.catalog.session != session {
            self.catalog = Cache {
                session,
                ..Cache::default()
            };
        }
        Some(rows)
    }
}

impl Catalog for SparkSession {
    async fn list(&mut self, listing: Listing, deadline: Instant) -> Vec<String> {
        if let Some(list) = self.catalog.lists.get(&listing) {
            return list.clone();
        }
        let ListingQuery { sql, column } = listing.statement();
        let Some(rows) = self.catalog_query(&sql, deadline).await else {
            return Vec::new();
        };
        let mut list: Vec<String> = rows
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.into_iter().nth(column))
            .collect();
        if listing == Listing::Functions {
            // Operators such as `!=` are listed too; only names complete.
            list.retain(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'));
        }
        if listing == Listing::Catalogs {
            // Spark loads catalog plugins lazily: SHOW CATALOGS lists only those the session
            // used. The configured ones are the `spark.sql.catalog.<name>` settings (as
            // BERDL's own helpers find them).
            let Some(settings) = self.catalog_query("SET", deadline).await else {
                return list; // not cached: the next Tab asks again
            };
            for row in settings.unwrap_or_default() {
                if let Some(name) = row.first().and_then(|key| configured_catalog(key)) {
                    if !list.contains(&name) {
                        list.push(name);
                    }
                }
            }
        }
        self.catalog.lists.insert(listing, list.clone());
        list
    }

    async fn columns(&mut self, table: &[String], deadline: Instant) -> Option<Vec<CatalogColumn>> {
        if let Some(columns) = self.catalog.columns.get(table) {
            return (!columns.is_empty()).then(|| columns.clone());
        }
        // What Spark does not know is remembered as unknown, until the next DDL.
        let rows = self
            .catalog_query(&format!("DESCRIBE TABLE {}", dotted(table)), deadline)
            .await?
            .unwrap_or_default();
        let columns: Vec<CatalogColumn> = rows
            .into_iter()
            .take_while(|r| {
                r.first()
                    .is_some_and(|n| !n.is_empty() && !n.starts_with('#'))
            })
            .map(|r| CatalogColumn {
                name: r.first().cloned().unwrap_or_default(),
                type_name: r.get(1).cloned().unwrap_or_default(),
                comment: r.get(2).cloned().unwrap_or_default(),
            })
            .collect();
        self.catalog.columns.insert(table.to_vec(), columns.clone());
        (!columns.is_empty()).then_some(columns)
    }

    async fn describe_function(&mut self, name: &str, deadline: Instant) -> Option<String> {
        let sql = format!("DESCRIBE FUNCTION EXTENDED {}", quote(name));
        let rows = self.catalog_query(&sql, deadline).await??;
        let text = rows
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect::<Vec<_>>()
            .join("\n");
        (!text.is_empty()).then_some(text)
    }

    async fn describe_table(
        &mut self,
        table: &[String],
        deadline: Instant,
    ) -> Option<Vec<Vec<String>>> {
        let sql = format!("DESCRIBE TABLE EXTENDED {}", dotted(table));
        self.catalog_query(&sql, deadline).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_name_their_statements_with_quoted_names() {
        let db = Listing::Tables(Some(vec!["my db".into(), "x".into()]));
        let query = db.statement();
        assert_eq!(
            (query.sql.as_str(), query.column),
            ("SHOW TABLES IN `my db`.x", 1)
        );
        let c = Listing::Databases(Some("spark_catalog".into()));
        assert_eq!(c.statement().sql, "SHOW DATABASES IN spark_catalog");
    }

    #[test]
    fn configured_catalogs_are_named_by_their_settings() {
        assert_eq!(
            configured_catalog("spark.sql.catalog.my").as_deref(),
            Some("my")
        );
        assert_eq!(
            configured_catalog("spark.sql.catalog.kbase.uri").as_deref(),
            Some("kbase")
        );
        assert_eq!(configured_catalog("spark.sql.catalogImplementation"), None);
        assert_eq!(configured_catalog("spark.sql.catalog."), None);
        assert_eq!(configured_catalog("spark.sql.ansi.enabled"), None);
    }

    #[test]
    fn forgetting_keeps_only_the_functions() {
        let mut cache = Cache::default();
        cache.lists.insert(Listing::Functions, vec!["abs".into()]);
        cache
            .lists
            .insert(Listing::Catalogs, vec!["spark_catalog".into()]);
        cache.columns.insert(vec!["t".into()], Vec::new());
        cache.forget();
        assert_eq!(cache.lists.len(), 1);
        assert!(
            cache.lists.contains_key(&Listing::Functions),
            "{:?}",
            cache.lists
        );
        assert!(cache.columns.is_empty(), "{:?}", cache.columns);
        assert!(changes_catalog("CREATE"), "DDL changes the catalog");
        assert!(!changes_catalog("SELECT"), "a query changes nothing");
    }
}

/// A catalog held in memory, for tests of completion and inspection.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct FakeCatalog {
    pub lists: HashMap<Listing, Vec<String>>,
    pub columns: HashMap<Vec<String>, Vec<CatalogColumn>>,
    pub functions: HashMap<String, String>,
    pub descriptions: HashMap<Vec<String>, Vec<Vec<String>>>,
    /// What was asked, in order.
    pub asked: Vec<String>,
}

#[cfg(test)]
impl FakeCatalog {
    /// A table's columns as (name, type).
    pub fn with_table(mut self, name: &[&str], columns: &[(&str, &str)]) -> FakeCatalog {
        let name: Vec<String> = name.iter().map(|p| (*p).to_owned()).collect();
        let columns = columns
            .iter()
            .map(|(n, t)| CatalogColumn {
                name: (*n).to_owned(),
                type_name: (*t).to_owned(),
                comment: String::new(),
            })
            .collect();
        self.columns.insert(name, columns);
        self
    }

    pub fn with_list(mut self, listing: Listing, names: &[&str]) -> FakeCatalog {
        self.lists
            .insert(listing, names.iter().map(|n| (*n).to_owned()).collect());
        self
    }
}

#[cfg(test)]
impl Catalog for FakeCatalog {
    async fn list(&mut self, listing: Listing, _deadline: Instant) -> Vec<String> {
        self.asked.push(format!("list {listing:?}"));
        self.lists.get(&listing).cloned().unwrap_or_default()
    }

    async fn columns(
        &mut self,
        table: &[String],
        _deadline: Instant,
    ) -> Option<Vec<CatalogColumn>> {
        self.asked.push(format!("columns {}", dotted(table)));
        self.columns.get(table).cloned()
    }

    async fn describe_function(&mut self, name: &str, _deadline: Instant) -> Option<String> {
        self.asked.push(format!("function {name}"));
        self.functions.get(&name.to_lowercase()).cloned()
    }

    async fn describe_table(
        &mut self,
        table: &[String],
        _deadline: Instant,
    ) -> Option<Vec<Vec<String>>> {
        self.asked.push(format!("describe {}", dotted(table)));
        self.descriptions.get(table).cloned()
    }
}
