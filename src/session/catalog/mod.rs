//! The Spark catalog as completion and inspection read it: the [`Catalog`] trait (so they can
//! be tested against a fake), its implementation on the live session, and the cache of its
//! answers. Answers are cached per Spark session, keyed by what was asked ([`Listing`], a
//! table's name), and dropped after statements that may change them. A lookup never waits
//! past its deadline: what did not arrive in time is left out.
//! Must not: know how completion or inspection show what it found.

use std::future::Future;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Forked, SessionError, SparkSession};
use crate::sql::{dotted, quote};
use spark_connect::SparkError;

mod cache;
#[cfg(test)]
mod fake;

pub use cache::Shared;
#[cfg(test)]
pub use fake::FakeCatalog;

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
    /// Views (temporary ones too) of the current database, or of a named one.
    Views(Option<Vec<String>>),
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
            Listing::Views(None) => query("SHOW VIEWS".into(), 1),
            Listing::Views(Some(db)) => query(format!("SHOW VIEWS IN {}", dotted(db)), 1),
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

    /// Starts the lookups of `listings` at once, without waiting for them, so that asking for
    /// them one after another costs one round trip (by default: nothing to start).
    fn start(
        &mut self,
        listings: &[Listing],
        deadline: Instant,
    ) -> impl Future<Output = ()> + Send {
        let _ = (listings, deadline);
        async {}
    }
}

/// Statements whose answers statements that change the catalog leave alone.
fn outlives_ddl(statement: &str) -> bool {
    statement == Listing::Functions.statement().sql
}

/// The catalog's cache of the Spark session: what may have changed is dropped.
impl cache::Shared {
    /// Forgets what statements that change the catalog may have changed (all but Spark's
    /// functions).
    pub(in crate::session) fn forget_changed(&self) {
        self.forget(|statement| !outlives_ddl(statement));
    }

    /// Forgets the tables and views of the current database (a view was defined or dropped).
    pub(in crate::session) fn forget_tables(&self) {
        let tables = Listing::Tables(None).statement().sql;
        self.forget(|statement| statement == tables);
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

/// Whoever asks the cache: a lookup needs the Spark session's id and a handle to run on.
pub trait Asker: Send {
    /// Asks the cache for a catalog statement's answer (a lookup starts if none is under way);
    /// `None` when the session could not be reached before `deadline`.
    fn ask(
        &mut self,
        sql: &str,
        deadline: Instant,
    ) -> impl Future<Output = Option<cache::Asked>> + Send;
}

impl Asker for SparkSession {
    async fn ask(&mut self, sql: &str, deadline: Instant) -> Option<cache::Asked> {
        let never = CancellationToken::new();
        let cache = self.catalog.clone();
        let connected = tokio::time::timeout_at(deadline, self.connect(&never)).await;
        let (creds, client) = connected.ok()?.ok()?;
        let session = client.session_id().to_owned();
        Some(cache.ask(&session, sql, || {
            fetch(Forked::new(creds, client.fork()), sql.to_owned())
        }))
    }
}

/// The catalog read beside the cells (the sidebar's): a handle on the Spark session and the
/// session's own cache.
pub struct Beside {
    pub(in crate::session) forked: Forked,
    pub(in crate::session) cache: Shared,
}

impl Asker for Beside {
    async fn ask(&mut self, sql: &str, _deadline: Instant) -> Option<cache::Asked> {
        let session = self.forked.whereabouts().session_id;
        let handle = self.forked.fork();
        Some(
            self.cache
                .ask(&session, sql, || fetch(handle, sql.to_owned())),
        )
    }
}

/// A handle on the session as of its last connection (none before the first).
pub type Handle = std::sync::Arc<std::sync::Mutex<Option<Forked>>>;

/// The catalog read beside the cells (the sidebar's): the session's cache, and a handle on the
/// session as of its last connection. Clones share both.
#[derive(Clone)]
pub struct CatalogBeside {
    pub(in crate::session) handle: Handle,
    pub(in crate::session) cache: Shared,
}

impl CatalogBeside {
    /// A reader of the catalog, once the session has connected.
    pub fn reader(&self) -> Option<impl Catalog> {
        let forked = crate::sync::locked(&self.handle).as_ref()?.fork();
        Some(Beside {
            forked,
            cache: self.cache.clone(),
        })
    }

    /// A handle on the session (for a preview's statement), once it has connected.
    pub fn forked(&self) -> Option<Forked> {
        Some(crate::sync::locked(&self.handle).as_ref()?.fork())
    }

    /// Whether the session has connected (a reader is at hand).
    pub fn is_ready(&self) -> bool {
        crate::sync::locked(&self.handle).is_some()
    }

    /// Forgets every answer (the sidebar's Refresh).
    pub fn refresh(&self) {
        self.cache.forget(|_| true);
    }
}

/// The rows of a catalog statement, as text: `None` when Spark did not answer before
/// `deadline` (the lookup runs on, and the next ask gets its answer), `Some(None)` when it
/// answered with an error.
async fn query(asker: &mut impl Asker, sql: &str, deadline: Instant) -> Option<cache::Answer> {
    asker.ask(sql, deadline).await?.by(deadline).await
}

/// Runs a catalog statement on its own handle on the session (the cache's task).
async fn fetch(mut forked: Forked, sql: String) -> cache::Fetched {
    let never = CancellationToken::new();
    match forked.run(&sql, MAX_ROWS, &never).await {
        Ok(result) => match result.texts() {
            Ok(rows) => cache::Fetched::Rows(
                rows.into_iter()
                    .map(|row| row.into_iter().map(Option::unwrap_or_default).collect())
                    .collect(),
            ),
            Err(_) => cache::Fetched::Refused,
        },
        Err(SessionError::Spark(SparkError::Server(_))) => cache::Fetched::Refused,
        Err(_) => cache::Fetched::Lost,
    }
}

impl<A: Asker> Catalog for A {
    async fn list(&mut self, listing: Listing, deadline: Instant) -> Vec<String> {
        let ListingQuery { sql, column } = listing.statement();
        if listing == Listing::Catalogs {
            return catalogs(self, &sql, deadline).await;
        }
        let Some(rows) = query(self, &sql, deadline).await else {
            return Vec::new();
        };
        let names = rows.iter().flat_map(|rows| rows.iter());
        let mut list: Vec<String> = names.filter_map(|r| r.get(column).cloned()).collect();
        if listing == Listing::Functions {
            // Operators such as `!=` are listed too; only names complete.
            list.retain(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'));
        }
        list
    }

    async fn columns(&mut self, table: &[String], deadline: Instant) -> Option<Vec<CatalogColumn>> {
        // What Spark does not know is remembered as unknown, until the next DDL.
        let sql = format!("DESCRIBE TABLE {}", dotted(table));
        let rows = query(self, &sql, deadline).await??;
        let columns: Vec<CatalogColumn> = rows
            .iter()
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
        (!columns.is_empty()).then_some(columns)
    }

    async fn describe_function(&mut self, name: &str, deadline: Instant) -> Option<String> {
        let sql = format!("DESCRIBE FUNCTION EXTENDED {}", quote(name));
        let rows = query(self, &sql, deadline).await??;
        let text = rows
            .iter()
            .filter_map(|r| r.first().cloned())
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
        let rows = query(self, &sql, deadline).await??;
        Some(rows.as_ref().clone())
    }

    async fn start(&mut self, listings: &[Listing], deadline: Instant) {
        for listing in listings {
            // The answer comes to the cache; whoever asks next meets the lookup under way.
            let _ = self.ask(&listing.statement().sql, deadline).await;
            if *listing == Listing::Catalogs {
                let _ = self.ask("SET", deadline).await;
            }
        }
    }
}

/// The catalogs: those `SHOW CATALOGS` lists and those configured. Spark loads catalog plugins
/// lazily, so SHOW CATALOGS lists only those the session used; the configured ones are the
/// `spark.sql.catalog.<name>` settings (as BERDL's own helpers find them). Both are asked at
/// once: one round trip.
async fn catalogs(asker: &mut impl Asker, sql: &str, deadline: Instant) -> Vec<String> {
    let shown = asker.ask(sql, deadline).await;
    let settings = asker.ask("SET", deadline).await;
    let by = |asked: Option<cache::Asked>| async move { asked?.by(deadline).await };
    let (shown, settings) = tokio::join!(by(shown), by(settings));
    let mut list: Vec<String> = shown
        .flatten()
        .iter()
        .flat_map(|rows| rows.iter())
        .filter_map(|r| r.first().cloned())
        .collect();
    for row in settings.flatten().iter().flat_map(|rows| rows.iter()) {
        if let Some(name) = row.first().and_then(|key| configured_catalog(key)) {
            if !list.contains(&name) {
                list.push(name);
            }
        }
    }
    list
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

    /// Answers every statement after a second of (paused) time.
    struct SlowAsker(Shared);

    impl Asker for SlowAsker {
        async fn ask(&mut self, sql: &str, _deadline: Instant) -> Option<cache::Asked> {
            let row = vec![vec![sql.to_owned(), sql.to_owned()]];
            Some(self.0.ask("s", sql, || async move {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                cache::Fetched::Rows(row)
            }))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn listings_started_together_cost_one_round_trip() {
        let mut catalog = SlowAsker(Shared::default());
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let started = Instant::now();
        let listings = [
            Listing::Databases(None),
            Listing::Catalogs,
            Listing::Tables(None),
        ];
        catalog.start(&listings, deadline).await; // without it: 3 s
        for listing in listings {
            assert!(!catalog.list(listing, deadline).await.is_empty());
        }
        let took = started.elapsed();
        assert!(took < std::time::Duration::from_millis(1500), "{took:?}");
    }

    #[tokio::test]
    async fn ddl_forgets_all_but_the_functions_and_a_view_only_the_tables() {
        let cache = Shared::default();
        let statements = [
            "SHOW FUNCTIONS",
            "SHOW CATALOGS",
            "SHOW TABLES",
            "DESCRIBE TABLE t",
        ];
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        for statement in statements {
            let asked = cache.ask("s", statement, || async { cache::Fetched::Refused });
            asked.by(deadline).await;
        }
        cache.forget_tables();
        let kept = |cache: &Shared| statements.map(|s| cache.has(s));
        assert_eq!(kept(&cache), [true, true, false, true]);
        cache.forget_changed();
        assert_eq!(kept(&cache), [true, false, false, false]);
        assert!(changes_catalog("CREATE"), "DDL changes the catalog");
        assert!(!changes_catalog("SELECT"), "a query changes nothing");
    }
}
