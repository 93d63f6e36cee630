//! Completion and inspection from the run's Spark catalog, through the kernel over its sockets:
//! what JupyterLab's Tab and Shift+Tab get. (The parsing itself is unit-tested against an
//! in-memory catalog in `src/kernel/completion.rs`.)

use crate::harness::reading::{complete, complete_when, inspect, ok, Completed};
use crate::harness::spark::{self, table};
use crate::harness::Frontend;

/// A kernel whose current database (returned) holds `genomes`, `2024_samples` and a view
/// with a column that needs backticks, with the catalog answers the tests read cached.
async fn kernel_with_tables(k: &mut Frontend) -> String {
    let db = table("complete_db");
    ok(&k
        .execute(&format!(
            "CREATE DATABASE {db};\nUSE {db};\n\
             CREATE TABLE genomes (id INT, organism STRING COMMENT 'species name', size_mb DOUBLE) USING parquet;\n\
             CREATE TABLE `2024_samples` (id INT) USING parquet;\n\
             CREATE TEMPORARY VIEW odd_view AS SELECT 1 AS `first col`"
        ))
        .await);
    let has = |name: &'static str| move |m: &[String]| m.iter().any(|x| x == name);
    complete_when(k, "SELECT * FROM geno", None, has("genomes")).await;
    complete_when(k, &format!("SELECT * FROM {db}.gen"), None, has("genomes")).await;
    complete_when(k, "SELECT org FROM genomes", Some(10), has("organism")).await;
    complete_when(k, "SELECT fi FROM odd_view", Some(9), has("`first col`")).await;
    complete_when(
        k,
        "SELECT approx_count_d",
        None,
        has("approx_count_distinct"),
    )
    .await;
    db
}

async fn drop_database(k: &mut Frontend, db: &str) {
    ok(&k
        .execute(&format!("USE default;\nDROP DATABASE {db} CASCADE"))
        .await);
}

#[tokio::test]
async fn tables_and_databases_complete_and_names_get_backticks() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = kernel_with_tables(&mut k).await;
    let Completed {
        matches: m,
        start,
        end,
    } = complete(&mut k, "SELECT * FROM geno", None).await;
    assert!(m.contains(&"genomes".to_owned()), "{m:?}");
    assert_eq!((start, end), (14, 18));
    let Completed { matches: m, .. } = complete(&mut k, "SELECT * FROM genom", None).await;
    assert_eq!(m, ["genomes"]);
    let Completed { matches: m, .. } =
        complete(&mut k, &format!("SELECT * FROM {db}.gen"), None).await;
    assert_eq!(m, ["genomes"]);
    let Completed { matches: m, .. } = complete(&mut k, "USE complete_d", None).await;
    assert!(m.contains(&db), "{m:?}");
    let Completed { matches: m, .. } = complete(&mut k, "SELECT * FROM 2024", None).await;
    assert!(m.contains(&"`2024_samples`".to_owned()), "{m:?}");
    let Completed {
        matches: m,
        start,
        end: _,
    } = complete(&mut k, "SELECT * FROM `2024_s", None).await;
    assert_eq!((m, start), (vec!["`2024_samples`".to_owned()], 14));
    drop_database(&mut k, &db).await;
}

#[tokio::test]
async fn columns_keywords_and_functions_complete_in_code_points() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = kernel_with_tables(&mut k).await;
    let Completed {
        matches: m,
        start,
        end: _,
    } = complete(&mut k, "SELECT g.org FROM genomes g", Some(12)).await;
    assert_eq!((m, start), (vec!["organism".to_owned()], 9));
    let Completed { matches: m, .. } =
        complete(&mut k, "SELECT genomes.si FROM genomes", Some(17)).await;
    assert_eq!(m, ["size_mb"]);
    let Completed { matches: m, .. } =
        complete(&mut k, "SELECT org FROM genomes WHERE id > 1", Some(10)).await;
    assert_eq!(m.first().map(String::as_str), Some("organism"), "{m:?}");
    // A multi-byte character before the cursor: positions in code points.
    let Completed {
        matches: m,
        start,
        end,
    } = complete(&mut k, "SELECT 'ü漢🚀', si FROM genomes", Some(16)).await;
    assert_eq!(
        (m.first().map(String::as_str), start, end),
        (Some("size_mb"), 14, 16)
    );
    let Completed { matches: m, .. } = complete(&mut k, "SELECT fi FROM odd_view", Some(9)).await;
    assert!(m.contains(&"`first col`".to_owned()), "{m:?}");
    let Completed { matches: m, .. } = complete(&mut k, "SELECT `fi FROM odd_view", Some(10)).await;
    assert_eq!(m, ["`first col`"]);
    let Completed { matches: m, .. } = complete(&mut k, "sel", None).await;
    assert!(m.contains(&"select".to_owned()), "{m:?}");
    let Completed { matches: m, .. } = complete(&mut k, "SELECT approx_count_d", None).await;
    assert_eq!(m, ["approx_count_distinct"]);
    drop_database(&mut k, &db).await;
}

#[tokio::test]
async fn the_catalog_cache_is_refreshed_after_ddl() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = kernel_with_tables(&mut k).await;
    let Completed { matches: m, .. } = complete(&mut k, "SELECT * FROM fresh", None).await;
    assert!(m.is_empty(), "{m:?}");
    ok(&k
        .execute("CREATE TABLE fresh_table (x INT) USING parquet")
        .await);
    let Completed { matches: m, .. } = complete(&mut k, "SELECT * FROM fresh", None).await;
    assert_eq!(m, ["fresh_table"]);
    drop_database(&mut k, &db).await;
}

#[tokio::test]
async fn inspection_shows_tables_columns_and_functions() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = kernel_with_tables(&mut k).await;
    let text = inspect(&mut k, "SELECT * FROM genomes", 17).await;
    assert!(
        text.starts_with(&format!("Table {db}.genomes")) || text.starts_with("Table genomes"),
        "{text}"
    );
    assert!(text.contains("MANAGED"), "{text}");
    assert!(text.contains("parquet"), "{text}");
    assert!(text.contains("organism"), "{text}");
    assert!(text.contains("species name"), "{text}");
    assert!(text.contains("location"), "{text}");
    let text = inspect(&mut k, "SELECT organism FROM genomes", 9).await;
    assert!(text.starts_with("Column organism"), "{text}");
    assert!(text.contains("string"), "{text}");
    let text = inspect(&mut k, "SELECT g.size_mb FROM genomes g", 12).await;
    assert!(text.contains("double"), "{text}");
    let text = inspect(&mut k, "SELECT count(*) FROM genomes", 9).await;
    assert!(text.contains("Function: count"), "{text}");
    assert!(text.contains("Usage"), "{text}");
    drop_database(&mut k, &db).await;
}

#[tokio::test]
async fn configured_catalogs_complete_in_a_fresh_session_before_any_was_used() {
    // The run's server configures `my` and `kbase` (JDBC catalogs): Spark loads them only
    // when used, so SHOW CATALOGS alone would not list them yet.
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let has = |name: &'static str| move |m: &[String]| m.iter().any(|x| x == name);
    complete_when(&mut k, "SELECT * FROM m", None, has("my")).await;
    let Completed { matches: m, .. } = complete(&mut k, "SELECT * FROM kb", None).await;
    assert_eq!(m.iter().filter(|x| *x == "kbase").count(), 1, "{m:?}");
}

/// After `alias.column.` completion offers the struct's fields, at any depth, from the types
/// Spark describes (through arrays too, and after `[0].` or `element_at(…).`).
#[tokio::test]
async fn struct_fields_complete_at_any_depth() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    ok(&k
        .execute(
            "CREATE TEMPORARY VIEW nested_hits AS SELECT 1 AS id, \
             named_struct('score', 1.5D, 'loc', array(named_struct('start', 1, 'stop', 2))) AS hit",
        )
        .await);
    let fields = complete_when(&mut k, "SELECT h.hit. FROM nested_hits h", Some(13), |m| {
        !m.is_empty()
    })
    .await;
    assert_eq!(fields, ["score", "loc"]);
    let Completed { matches: m, .. } =
        complete(&mut k, "SELECT h.hit.loc.st FROM nested_hits h", Some(19)).await;
    assert_eq!(m, ["start", "stop"]);
    // An array's element, by subscript or element_at: its struct's fields.
    let code = "SELECT h.hit.loc[0].s FROM nested_hits h";
    let Completed { matches: m, .. } = complete(&mut k, code, Some(21)).await;
    assert_eq!(m, ["start", "stop"]);
    let code = "SELECT element_at(hit.loc, -1). FROM nested_hits";
    let Completed { matches: m, .. } = complete(&mut k, code, Some(31)).await;
    assert_eq!(m, ["start", "stop"]);
}

/// After `JOIN … ON` the pairs of columns that share a name come first; in `USING (` the
/// columns both sides share.
#[tokio::test]
async fn a_join_completes_its_conditions_and_shared_columns() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    ok(&k
        .execute(
            "CREATE TEMPORARY VIEW join_genomes AS SELECT 1 AS genome_id, 'E. coli' AS organism;\n\
             CREATE TEMPORARY VIEW join_features AS SELECT 7 AS id, 1 AS genome_id",
        )
        .await);
    let code = "SELECT * FROM join_genomes g JOIN join_features f ON ";
    let pairs = complete_when(&mut k, code, None, |m| !m.is_empty()).await;
    assert_eq!(pairs, ["g.genome_id = f.genome_id"]);
    let code = "SELECT * FROM join_genomes JOIN join_features USING (";
    let Completed { matches: m, .. } = complete(&mut k, code, None).await;
    assert_eq!(m, ["genome_id"]);
}

/// A catalog slower than completion's bound (`slow`: listing its namespaces takes 4 s): the
/// first Tab gives up at the bound with the keywords, but its lookup runs on, and a later Tab
/// gets the answer at once (not a lookup of its own, which would give up again).
#[tokio::test]
async fn a_lookup_slower_than_the_bound_runs_on_and_the_next_tab_gets_it() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    ok(&k.execute("SELECT 1").await);
    let code = "SELECT * FROM slow.slow_g";
    let started = std::time::Instant::now();
    let Completed { matches: m, .. } = complete(&mut k, code, None).await;
    let first = started.elapsed();
    assert!(m.is_empty(), "{m:?}");
    assert!(first < std::time::Duration::from_millis(3500), "{first:?}");
    assert!(first >= std::time::Duration::from_millis(1900), "{first:?}");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let started = std::time::Instant::now();
    let Completed { matches: m, .. } = complete(&mut k, code, None).await;
    let second = started.elapsed();
    assert_eq!(m, ["slow_genomes"]);
    assert!(
        second < std::time::Duration::from_millis(1000),
        "{second:?}"
    );
}
