//! SQL cells that show results, against the run's real Spark Connect server (pyspark 4.1.3's
//! jars), which checks the token: every passing query proves the token reached Spark.

use tokio_util::sync::CancellationToken;

use crate::harness::reading::{error, grid_rows, ok, result_html, result_text, shown, traceback};
use crate::harness::spark::{self, client, creds, table};

#[tokio::test]
async fn a_select_is_a_table_in_html_and_text() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k
        .execute("SELECT 1 AS one, 'x<y' AS s, CAST(NULL AS INT) AS n")
        .await;
    ok(&t);
    let text = result_text(&t);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "| one | s   |    n |", "{text}");
    assert_eq!(lines[3], "|   1 | x<y | NULL |", "{text}");
    assert!(lines[5].starts_with("1 row · "), "{text}");
    let html = result_html(&t);
    assert!(html.contains("<table class=\"spark-sql-table\">"), "{html}");
    assert!(
        html.contains("<th class=\"n\">one<br/><small class=\"spark-sql-type\">int</small></th>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"s\">x&lt;y</td>"), "{html}");
    assert!(
        html.contains("<td class=\"n null\"><em>NULL</em></td>"),
        "{html}"
    );
}

#[tokio::test]
async fn create_insert_select_show_describe_explain_in_one_session() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t_name = table("round_trip");
    let t = k
        .execute(&format!(
            "CREATE TABLE {t_name} (id INT, name STRING) USING parquet;\n\
             INSERT INTO {t_name} VALUES (1, 'ada'), (2, 'grace');\n\
             SELECT * FROM {t_name} ORDER BY id"
        ))
        .await;
    ok(&t);
    // CREATE and INSERT return no rows: only the SELECT shows a table.
    assert!(shown(&t).is_empty(), "{:?}", t.iopub);
    let text = result_text(&t);
    assert_eq!(grid_rows(&text), [["1", "ada"], ["2", "grace"]], "{text}");
    // The INSERT ran once.
    let t = k
        .execute(&format!("SELECT count(*) AS n FROM {t_name}"))
        .await;
    let text = result_text(&t);
    assert_eq!(grid_rows(&text), [["2"]], "{text}");

    let t = k.execute("SHOW TABLES").await;
    assert!(result_text(&t).contains(&t_name), "{}", result_text(&t));
    let t = k.execute(&format!("DESCRIBE {t_name}")).await;
    let text = result_text(&t);
    assert!(text.contains("col_name"), "{text}");
    assert!(text.contains("name"), "{text}");
    assert!(text.contains("string"), "{text}");
    let t = k
        .execute(&format!("EXPLAIN SELECT * FROM {t_name} WHERE id > 1"))
        .await;
    // Plans and statements read as text: whole, with real newlines.
    let text = result_text(&t);
    assert!(text.starts_with("== Physical Plan ==\n"), "{text}");
    assert!(!text.contains("\\n"), "{text}");
    assert!(!text.contains('…'), "{text}");
    let t = k.execute(&format!("SHOW CREATE TABLE {t_name}")).await;
    let text = result_text(&t);
    assert!(text.starts_with("CREATE TABLE "), "{text}");
    assert!(text.contains(&t_name), "{text}");
    assert!(text.contains('\n'), "{text}");
    let t = k.execute("DESCRIBE FUNCTION EXTENDED abs").await;
    let text = result_text(&t);
    assert!(text.starts_with("Function: abs\n"), "{text}");
    assert!(text.contains("Usage:"), "{text}");
}

#[tokio::test]
async fn set_and_use_change_the_session_and_several_statements_show_several_tables() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let db = table("db");
    let t = k
        .execute(&format!(
            "SET spark.sql.shuffle.partitions=7;\nCREATE DATABASE {db};\nUSE {db};\n\
             SELECT current_database() AS db;\nSELECT 2 AS two"
        ))
        .await;
    ok(&t);
    let displays = shown(&t);
    assert_eq!(
        displays.len(),
        2,
        "SET and the first SELECT are displays: {:?}",
        t.iopub
    );
    let set = displays[0]["data"]["text/plain"].as_str().unwrap();
    assert!(set.contains("spark.sql.shuffle.partitions"), "{set}");
    assert!(set.contains('7'), "{set}");
    let current = displays[1]["data"]["text/plain"].as_str().unwrap();
    assert!(current.contains(&db), "{current}");
    assert!(result_text(&t).contains("two"), "{:?}", result_text(&t));
    // The session keeps both.
    let t = k.execute("SELECT current_database() AS db").await;
    assert!(result_text(&t).contains(&db), "{:?}", result_text(&t));
    let t = k.execute("%conf spark.sql.shuffle.partitions").await;
    assert!(result_text(&t).contains("7"), "{}", result_text(&t));
}

#[tokio::test]
async fn an_empty_result_shows_its_columns() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute("SELECT id AS only_column FROM range(0)").await;
    ok(&t);
    let text = result_text(&t);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[1], "| only_column |", "{text}");
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[4].starts_with("0 rows · "), "{text}");
}

#[tokio::test]
async fn a_cell_of_ddl_alone_says_ok_and_a_cell_with_a_table_does_not() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let view = table("ok_view");
    let t = k
        .execute(&format!("CREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"))
        .await;
    ok(&t);
    let text = result_text(&t);
    // `OK · 120 ms`, or `OK · 3.84 s` when a cold server is slow.
    assert!(text.starts_with("OK · "), "{text}");
    assert!((text.ends_with(" ms") || text.ends_with(" s")), "{text}");
    let t = k
        .execute(&format!("DROP VIEW {view};\nSELECT 2 AS y"))
        .await;
    assert!(!result_text(&t).contains("OK"), "{:?}", t.iopub);
    // Something else was shown: no OK.
    let t = k
        .execute(&format!(
            "%echo note\nCREATE TEMPORARY VIEW {view} AS SELECT 1 AS x"
        ))
        .await;
    ok(&t);
    assert!(t.outputs("execute_result").is_empty(), "{:?}", t.iopub);
}

/// Every type Spark Connect 4.0 sends, one expression each, with the SQL that gives its
/// expected text (`CAST(e AS STRING)`, or `show()`'s hex form for binary).
const GALLERY: &[(&str, Option<&str>)] = &[
    ("true", None),
    ("cast(-128 AS tinyint)", None),
    ("cast(32767 AS smallint)", None),
    ("2147483647", None),
    ("-9223372036854775807 - 1", None),
    ("cast(1.5 AS float)", None),
    ("cast(0.1 AS float)", None),
    ("cast(1e7 AS float)", None),
    ("cast('NaN' AS float)", None),
    ("cast('-0.0' AS float)", None),
    ("1e10D", None),
    ("1e-5D", None),
    ("0.001D", None),
    ("123.456D", None),
    ("cast('-Infinity' AS double)", None),
    ("cast('-0.0' AS double)", None),
    ("12.50BD", None),
    ("cast(0.000000000000000001 AS decimal(38,18))", None),
    ("cast(-0.5 AS decimal(3,1))", None),
    ("'two\nlines\tand <b>tags</b> & \"quotes\"'", None),
    ("'שלום, עולם'", None),
    ("'漢字とかな 🚀'", None),
    ("'NULL'", None),
    ("cast('ab' AS char(5))", None),
    ("cast('ab' AS varchar(5))", None),
    (
        "X'0102FF'",
        Some("concat('[', regexp_replace(hex(X'0102FF'), '(..)(?!$)', '$1 '), ']')"),
    ),
    ("date'2024-02-29'", None),
    ("date'0001-01-01'", None),
    ("date'+12345-01-01'", None),
    ("timestamp'2024-07-02 03:04:05.123456'", None),
    ("timestamp'2024-01-15 23:59:59.5'", None),
    ("timestamp'1850-01-01 00:00:00'", None),
    ("timestamp_ntz'2024-07-02 03:04:05.5'", None),
    ("INTERVAL '1 02:03:04.5' DAY TO SECOND", None),
    ("INTERVAL '-26' HOUR", None),
    ("INTERVAL '01:01' HOUR TO MINUTE", None),
    ("INTERVAL '4.000001' SECOND", None),
    ("INTERVAL '100' DAY", None),
    ("INTERVAL '-10:20' MINUTE TO SECOND", None),
    ("INTERVAL '1-2' YEAR TO MONTH", None),
    ("INTERVAL '-3' MONTH", None),
    ("INTERVAL '12' YEAR", None),
    ("make_interval(1, 2, 3, 4, 5, 6.5)", None),
    ("array(1, null, 3)", None),
    ("array('a', null)", None),
    ("array(named_struct('a', 1, 'b', 'x'))", None),
    ("map('a', 1, 'b', null)", None),
    (
        "map(1, array(named_struct('a', map('k', 1.5D))), 2, null)",
        None,
    ),
    ("named_struct('x', 1, 'y', null, 'z', 'q')", None),
    ("array(timestamp'2024-07-02 03:04:05')", None),
    ("null", None),
    (
        r#"parse_json('{"b":[true,null,"x",1.5,2e10],"a":{"c":"<d>"}}')"#,
        None,
    ),
    ("parse_json('123456789012')", None),
    ("parse_json('\"plain\"')", None),
    (
        "to_variant_object(named_struct('t', timestamp'2024-01-02 03:04:05.5', 'd', date'2024-01-02', 'b', X'0102', 'x', 1.50BD, 'f', 1.5f))",
        None,
    ),
];

#[tokio::test]
async fn every_type_renders_as_the_servers_own_cast_to_string() {
    let mut c = client();
    let never = CancellationToken::new();
    let creds = creds();
    c.conf_set(
        &creds,
        "spark.sql.session.timeZone",
        "America/Los_Angeles",
        &never,
    )
    .await
    .unwrap();
    let typed: Vec<String> = GALLERY
        .iter()
        .enumerate()
        .map(|(i, (e, _))| format!("{e} AS c{i}"))
        .collect();
    let cast: Vec<String> = GALLERY
        .iter()
        .enumerate()
        .map(|(i, (e, expected))| match expected {
            Some(sql) => format!("{sql} AS c{i}"),
            None => format!("cast({e} AS string) AS c{i}"),
        })
        .collect();
    let typed = c
        .execute_sql(&creds, &format!("SELECT {}", typed.join(", ")), 10, &never)
        .await
        .unwrap();
    let cast = c
        .execute_sql(&creds, &format!("SELECT {}", cast.join(", ")), 10, &never)
        .await
        .unwrap();
    assert!(
        spark_sql_kernel::render::needs_time_zone(&typed),
        "timestamps need the session time zone"
    );
    let zone = spark_sql_kernel::render::Zone::parse(
        &c.conf_get(&creds, "spark.sql.session.timeZone", &never)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let shown = spark_sql_kernel::render::column_texts(&typed, &zone);
    let expected = spark_sql_kernel::render::column_texts(&cast, &zone);
    assert_eq!(shown.len(), GALLERY.len());
    let mut wrong = Vec::new();
    for (i, (e, _)) in GALLERY.iter().enumerate() {
        let type_name = &typed.columns[i].type_name;
        if shown[i] != expected[i] {
            wrong.push(format!(
                "{e} ({type_name}): shown {:?}, Spark says {:?}",
                shown[i], expected[i]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The types are Spark's own names.
    let names: Vec<&str> = typed.columns.iter().map(|c| c.type_name.as_str()).collect();
    for name in [
        "boolean",
        "tinyint",
        "smallint",
        "int",
        "bigint",
        "float",
        "double",
        "decimal(4,2)",
        "decimal(38,18)",
        "string",
        "binary",
        "date",
        "timestamp",
        "timestamp_ntz",
        "interval day to second",
        "interval hour",
        "interval year to month",
        "interval month",
        "interval",
        "array<int>",
        "array<struct<a:int,b:string>>",
        "map<string,int>",
        "struct<x:int,y:void,z:string>",
        "void",
        "variant",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
}

#[tokio::test]
async fn timestamps_show_in_the_session_time_zone_and_follow_its_changes() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let query = "SELECT timestamp'2024-07-02 10:04:05 UTC' AS t";
    let t = k
        .execute(&format!("SET TIME ZONE 'Asia/Kolkata';\n{query}"))
        .await;
    assert_eq!(grid_rows(&result_text(&t)), [["2024-07-02 15:34:05"]]);
    let t = k
        .execute(&format!(
            "%conf spark.sql.session.timeZone=America/Chicago\n{query}"
        ))
        .await;
    assert_eq!(grid_rows(&result_text(&t)), [["2024-07-02 05:04:05"]]);
}

#[tokio::test]
async fn truncate_cuts_long_values_visibly_and_zero_shows_them_whole() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let query = "SELECT repeat('ab', 5000) AS long";
    let text = result_text(&k.execute(query).await);
    assert_eq!(
        grid_rows(&text),
        [[format!("{}…", "ab".repeat(50))]],
        "{text}"
    );
    assert!(
        text.contains("values longer than 100 characters are cut"),
        "{text}"
    );
    let t = k.execute(&format!("%truncate 0\n{query}")).await;
    assert_eq!(grid_rows(&result_text(&t)), [["ab".repeat(5000)]]);
    let t = k.execute(&format!("%truncate 6\n{query}")).await;
    assert_eq!(grid_rows(&result_text(&t)), [["ababab…"]]);
    let t = k.execute("%truncate").await;
    assert_eq!(result_text(&t), "6");
    let e = error(&k.execute("%truncate lots").await);
    assert!(
        traceback(&e).contains("\"lots\" is not a number"),
        "{}",
        traceback(&e)
    );
}
