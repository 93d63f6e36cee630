//! The workbench's comm (`spark_sql_kbase.catalog`) through the kernel over its sockets, as the
//! catalog sidebar and the history panel use it: the tree level by level with nested struct
//! fields, a table's details, answers while a cell runs (served beside the cells), the tree
//! after DDL run in a cell, history from the journal, and `comm_info`.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::reading::ok;
use crate::harness::spark::{self, table};
use crate::harness::Frontend;

const TARGET: &str = "spark_sql_kbase.catalog";
const WAIT: Duration = Duration::from_secs(60);

/// Opens the workbench's comm; its id.
async fn open(k: &mut Frontend) -> String {
    let comm_id = uuid::Uuid::new_v4().to_string();
    let content = json!({"comm_id": comm_id, "target_name": TARGET, "data": {}});
    k.send_shell("comm_open", content).await;
    comm_id
}

/// Sends `request` on the comm and returns the kernel's answer.
async fn ask(k: &mut Frontend, comm_id: &str, request: Value) -> Value {
    let content = json!({"comm_id": comm_id, "data": request});
    let id = k.send_shell("comm_msg", content).await;
    let answer = k.iopub_of(&id, "comm_msg", WAIT).await;
    assert_eq!(answer.content["comm_id"], comm_id);
    answer.content["data"].clone()
}

async fn children(k: &mut Frontend, comm_id: &str, path: &[&str]) -> Vec<Value> {
    let answer = ask(k, comm_id, json!({"id": 1, "op": "children", "path": path})).await;
    assert_eq!(answer["event"], "children", "{answer}");
    answer["nodes"].as_array().cloned().unwrap_or_default()
}

fn names(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().filter_map(|n| n["name"].as_str()).collect()
}

fn named<'a>(nodes: &'a [Value], name: &str) -> &'a Value {
    nodes
        .iter()
        .find(|n| n["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {nodes:?}"))
}

#[tokio::test]
async fn the_tree_lists_catalogs_namespaces_tables_and_nested_fields() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    // Opened before any cell: the first request connects the session.
    let comm = open(&mut k).await;
    let catalogs = children(&mut k, &comm, &[]).await;
    let found = names(&catalogs);
    // Configured catalogs are listed in a fresh session, before any was used.
    assert!(
        found.contains(&"spark_catalog") && found.contains(&"versioned"),
        "{found:?}"
    );
    assert_eq!(named(&catalogs, "versioned")["kind"], "catalog");
    let db = table("wb_db");
    ok(&k
        .execute(&format!(
            "CREATE DATABASE {db};\n\
             CREATE TABLE {db}.hits (id INT COMMENT 'the id', \
             hit STRUCT<score: DOUBLE, loc: ARRAY<STRUCT<start: INT, stop: INT>>>) USING parquet;\n\
             CREATE VIEW {db}.top AS SELECT 1 AS x"
        ))
        .await);
    let namespaces = children(&mut k, &comm, &["spark_catalog"]).await;
    assert_eq!(named(&namespaces, &db)["kind"], "namespace");
    let tables = children(&mut k, &comm, &["spark_catalog", &db]).await;
    assert_eq!(names(&tables), ["hits", "top"]);
    assert_eq!(
        (&tables[0]["kind"], &tables[1]["kind"]),
        (&json!("table"), &json!("view"))
    );
    let columns = children(&mut k, &comm, &["spark_catalog", &db, "hits"]).await;
    assert_eq!(named(&columns, "id")["comment"], "the id");
    let hit = named(&columns, "hit");
    assert_eq!(names(hit["fields"].as_array().unwrap()), ["score", "loc"]);
    let loc = named(hit["fields"].as_array().unwrap(), "loc");
    assert_eq!(loc["type"], "array<struct<start:int,stop:int>>");
    assert_eq!(names(loc["fields"].as_array().unwrap()), ["start", "stop"]);
    let request = json!({"id": 7, "op": "details", "path": ["spark_catalog", db, "hits"]});
    let details = ask(&mut k, &comm, request).await;
    assert_eq!(details["id"], 7);
    let rows = details["rows"].as_array().unwrap();
    assert!(rows.contains(&json!(["Provider", "parquet"])), "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == "Location"), "{rows:?}");
    // Preview: the first rows as a result the explorer opens, with no cell run.
    let request = json!({"id": 9, "op": "preview", "path": ["spark_catalog", db, "top"]});
    let preview = ask(&mut k, &comm, request).await;
    assert_eq!(preview["event"], "preview", "{preview}");
    let data = &preview["data"];
    let explorer = &data["application/vnd.kbase.spark-sql-explorer.v1+json"];
    assert!(explorer["view"].as_str().is_some(), "{data}");
    assert_eq!(explorer["columns"][0]["name"], "x", "{data}");
    assert_eq!(explorer["rows"], json!([["1"]]), "{data}");
    let text = data["text/plain"].as_str().unwrap();
    assert!(text.contains(&format!("spark_catalog.{db}.top")), "{text}");
    let unknown = json!({"id": 8, "op": "children", "path": ["spark_catalog", db, "nope"]});
    let answer = ask(&mut k, &comm, unknown).await;
    assert_eq!(answer["event"], "error", "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("nope"),
        "{answer}"
    );
    ok(&k.execute(&format!("DROP DATABASE {db} CASCADE")).await);
}

/// Served beside the cells: a request made while a cell runs is answered before the cell
/// ends, and DDL run in a cell shows in the next answer (one cache, dropped by DDL).
#[tokio::test]
async fn answers_come_while_a_cell_runs_and_follow_ddl_in_any_cell() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("wb_live");
    ok(&k.execute(&format!("CREATE DATABASE {db}")).await);
    let comm = open(&mut k).await;
    assert!(children(&mut k, &comm, &["spark_catalog", &db])
        .await
        .is_empty());
    let running = k.send_execute("%sleep 6").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let asked = Instant::now();
    let catalogs = children(&mut k, &comm, &[]).await;
    assert!(names(&catalogs).contains(&"spark_catalog"), "{catalogs:?}");
    assert!(
        asked.elapsed() < Duration::from_secs(3),
        "{:?}",
        asked.elapsed()
    );
    ok(&k.transcript(&running).await);
    ok(&k
        .execute(&format!("CREATE TABLE {db}.fresh (x INT) USING parquet"))
        .await);
    let tables = children(&mut k, &comm, &["spark_catalog", &db]).await;
    assert_eq!(names(&tables), ["fresh"]);
    let info = k
        .request("comm_info_request", json!({"target_name": TARGET}))
        .await;
    let reply = info.reply.content.clone();
    assert_eq!(reply["comms"][&comm]["target_name"], TARGET, "{reply}");
    ok(&k.execute(&format!("DROP DATABASE {db} CASCADE")).await);
}

#[tokio::test]
async fn history_lists_this_notebooks_statements_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite").display().to_string();
    let auth = spark::standin();
    let vars = [
        ("SPARK_SQL_KERNEL_JOURNAL", journal.as_str()),
        ("JPY_SESSION_NAME", "work/wb.ipynb"),
    ];
    let settings = spark::kernel_settings(&auth, &spark::token(), &spark::url(), &vars);
    let mut k = Frontend::start(settings).await;
    ok(&k.execute("SELECT 41 AS answer_soon").await);
    let comm = open(&mut k).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let records = loop {
        let request = json!({"id": 3, "op": "history", "text": "answer_soon"});
        let answer = ask(&mut k, &comm, request).await;
        assert_eq!(answer["event"], "history", "{answer}");
        let records = answer["records"].as_array().cloned().unwrap_or_default();
        if !records.is_empty() || Instant::now() > deadline {
            break records;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record["statement"], "SELECT 41 AS answer_soon");
    assert_eq!(record["status"], "ok");
    assert_eq!(record["rows"], 1);
    assert_eq!(record["notebook"], "work/wb.ipynb");
    assert!(record["receipt"].as_str().unwrap().starts_with("q-"));
}

/// Searches for `text` in `catalog`: the last answer (`done`), and how many answers came.
async fn search(k: &mut Frontend, comm_id: &str, text: &str, catalog: &str) -> (Value, usize) {
    let request = json!({"id": 5, "op": "search", "text": text, "catalog": catalog});
    let content = json!({"comm_id": comm_id, "data": request});
    let id = k.send_shell("comm_msg", content).await;
    let mut told = 0;
    loop {
        let answer = k.iopub_of(&id, "comm_msg", WAIT).await.content["data"].clone();
        assert_eq!(answer["event"], "found", "{answer}");
        told += 1;
        if answer["done"] == true {
            return (answer, told);
        }
    }
}

/// The filter beyond what is open: a table found by a part of its name in every namespace of
/// a catalog, and a namespace by a part of its; the second search answered from memory. (The
/// sidebar's filter among the 20,000 tables of the suite's `many` catalog is the browser test's.)
#[tokio::test]
async fn a_search_finds_tables_and_namespaces_by_part_of_their_names() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("wb_find");
    ok(&k
        .execute(&format!(
            "CREATE DATABASE {db};\n\
             CREATE TABLE {db}.genes_found (x INT) USING parquet;\n\
             CREATE TABLE {db}.other (x INT) USING parquet"
        ))
        .await);
    let comm = open(&mut k).await;
    let (answer, _) = search(&mut k, &comm, "NES_FOU", "spark_catalog").await;
    assert_eq!(answer["complete"], true, "{answer}");
    assert_eq!(answer["searched"], answer["namespaces"]);
    assert_eq!(
        answer["matches"],
        json!([{"path": ["spark_catalog", db, "genes_found"], "kind": "table"}])
    );
    let started = Instant::now();
    let (again, told) = search(&mut k, &comm, "NES_FOU", "spark_catalog").await;
    assert_eq!(again["matches"], answer["matches"]);
    assert_eq!(told, 1, "no progress to tell when answered from memory");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let (answer, _) = search(&mut k, &comm, &db[2..], "spark_catalog").await;
    let namespaces: Vec<&Value> = answer["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "namespace")
        .collect();
    assert_eq!(
        namespaces,
        [&json!({"path": ["spark_catalog", db], "kind": "namespace"})]
    );
    ok(&k.execute(&format!("DROP DATABASE {db} CASCADE")).await);
}

/// A preview touches no more than its first page: a view over 1e9 rows previews at once (the
/// explorer's view over it is live, nothing kept), and a cell sent right behind the request is
/// not held up by it.
#[tokio::test]
async fn a_billion_row_preview_reads_one_page_and_the_next_cell_is_not_held_up() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("wb_big");
    ok(&k
        .execute(&format!(
            "CREATE DATABASE {db};\n\
             CREATE VIEW {db}.billion AS SELECT id, id % 7 AS g FROM range(1000000000)"
        ))
        .await);
    let comm = open(&mut k).await;
    let request = json!({"id": 11, "op": "preview", "path": ["spark_catalog", db, "billion"]});
    let asked = Instant::now();
    let id = k
        .send_shell("comm_msg", json!({"comm_id": comm, "data": request}))
        .await;
    let cell = Instant::now();
    ok(&k.execute("SELECT 1 AS next").await);
    let next = cell.elapsed();
    let preview = k.iopub_of(&id, "comm_msg", WAIT).await.content["data"].clone();
    let took = asked.elapsed();
    assert_eq!(preview["event"], "preview", "{preview}");
    let explorer = &preview["data"]["application/vnd.kbase.spark-sql-explorer.v1+json"];
    assert_eq!(explorer["more"], true, "{explorer}");
    let rows = explorer["rows"].as_array().unwrap().len();
    assert!((1..=100).contains(&rows), "one page: {rows} rows");
    assert!(took < Duration::from_secs(10), "the preview took {took:?}");
    assert!(next < Duration::from_secs(3), "the next cell took {next:?}");
    eprintln!("1e9-row preview {took:?}; SELECT 1 sent behind it {next:?}");
    ok(&k.execute(&format!("DROP DATABASE {db} CASCADE")).await);
}
