//! Every Spark 4.x line: the same cells against the run's servers of each line — 4.1.3 (the
//! main server, what BERDL runs) and the extra lines scripts/test starts (4.0.1 and 4.3.0,
//! named by `SPARK_SQL_KERNEL_TEST_LINES` as `VERSION=sc://…` words). What differs between
//! lines is asserted per line: SQL scripts, the 4.1+ types and chunked results.

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::reading::{error, grid_rows, ok, result_text, stderr};
use crate::harness::spark;
use crate::harness::Frontend;

/// A server of one Spark line.
struct Line {
    version: String,
    url: String,
}

impl Line {
    /// From 4.1 on: SQL scripting on by default, GEOMETRY and TIME, chunked results.
    fn is_4_1_or_later(&self) -> bool {
        !self.version.starts_with("4.0.")
    }

    /// From 4.3 on: nanosecond timestamps.
    fn is_4_3_or_later(&self) -> bool {
        let minor = self
            .version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse::<u32>().ok());
        self.version.starts_with("4.") && minor.is_some_and(|m| m >= 3)
    }
}

/// The main server and each extra line; fails (never skips) when the lines are not named.
#[track_caller]
fn lines() -> Vec<Line> {
    let extra = std::env::var("SPARK_SQL_KERNEL_TEST_LINES").unwrap_or_else(|_| {
        panic!("SPARK_SQL_KERNEL_TEST_LINES is not set: run scripts/test, which starts each line")
    });
    let mut lines: Vec<Line> = extra
        .split_whitespace()
        .map(|word| {
            let (version, url) = word.split_once('=').expect("VERSION=URL");
            Line {
                version: version.to_owned(),
                url: url.to_owned(),
            }
        })
        .collect();
    assert!(
        !lines.is_empty(),
        "no extra Spark line in SPARK_SQL_KERNEL_TEST_LINES"
    );
    lines.push(Line {
        version: main_version(),
        url: spark::url(),
    });
    lines
}

/// The main server's version: what the venv's pyspark is (scripts/requirements.txt).
#[track_caller]
fn main_version() -> String {
    let requirements = include_str!("../../scripts/requirements.txt");
    requirements
        .lines()
        .find_map(|l| l.strip_prefix("pyspark[connect]=="))
        .expect("pyspark in scripts/requirements.txt")
        .trim()
        .to_owned()
}

/// Asserts that a cell ran and showed one table of one row.
#[track_caller]
fn answers(t: &crate::harness::Transcript, line: &Line, row: &[&str]) {
    ok(t);
    assert_eq!(grid_rows(&result_text(t)), [row], "Spark {}", line.version);
}

/// The `evalue` of a cell that failed, with the line it ran on.
fn failure(t: &crate::harness::Transcript, line: &Line) -> (String, String) {
    let e = error(t);
    let evalue = e["evalue"].as_str().unwrap_or_default().to_owned();
    (evalue, format!("Spark {}", line.version))
}

async fn kernel_on(auth: &crate::harness::standin::AuthStandin, line: &Line) -> Frontend {
    Frontend::start(spark::kernel_settings(
        auth,
        &spark::token(),
        &line.url,
        &[],
    ))
    .await
}

/// A kernel on `line` through BERDL's public proxy look-alike (gRPC's default 4 MiB limit).
async fn kernel_behind_berdl(
    auth: &crate::harness::standin::AuthStandin,
    line: &Line,
) -> (BerdlProxy, Frontend) {
    let backend = line.url.trim_start_matches("sc://");
    let proxy = BerdlProxy::start(Mode::Public, backend, &auth.url);
    let through = Line {
        version: line.version.clone(),
        url: proxy.url.clone(),
    };
    let k = kernel_on(auth, &through).await;
    (proxy, k)
}

#[tokio::test]
async fn every_line_answers_and_whoami_names_its_version() {
    let auth = spark::standin();
    for line in lines() {
        let mut k = kernel_on(&auth, &line).await;
        let t = k.execute("SELECT 6 * 7 AS answer").await;
        answers(&t, &line, &["42"]);
        let t = k.execute("%whoami").await;
        let text = result_text(&t);
        let row = text
            .lines()
            .find(|l| l.contains("Spark version"))
            .unwrap_or_else(|| panic!("no Spark version row on {}: {text}", line.version));
        assert!(row.contains(&line.version), "Spark {}: {row}", line.version);
    }
}

#[tokio::test]
async fn a_script_is_one_statement_and_4_0_refuses_it_in_its_own_words() {
    let auth = spark::standin();
    let cell =
        "SELECT 1 AS before;\nBEGIN\n  DECLARE x INT DEFAULT 6;\n  SELECT x * 7 AS answer;\nEND;";
    for line in lines() {
        let mut k = kernel_on(&auth, &line).await;
        let t = k.execute(cell).await;
        if line.is_4_1_or_later() {
            answers(&t, &line, &["42"]);
        } else {
            // Spark 4.0 parses the whole script and refuses it: scripting is off there.
            let (evalue, on) = failure(&t, &line);
            assert!(
                evalue.contains("UNSUPPORTED_FEATURE.SQL_SCRIPTING"),
                "{on}: {evalue}"
            );
            assert!(
                !evalue.contains("end of input"),
                "cut at an inner ';': {evalue}"
            );
        }
    }
}

#[tokio::test]
async fn geometry_and_time_values_read_as_text_from_4_1_on() {
    let auth = spark::standin();
    // TIME and the geospatial types are behind flags (off by default in 4.1).
    let cell = "SET spark.sql.timeType.enabled = true;\nSET spark.sql.geospatial.enabled = true;\nSELECT st_geomfromwkb(X'0101000000000000000000F03F0000000000000040') AS g, \
                st_setsrid(st_geomfromwkb(X'0101000000000000000000F03F0000000000000040'), 4326) AS g4326, \
                st_geogfromwkb(X'0101000000000000000000F03F0000000000000040') AS geog, \
                TIME'13:04:05.123456' AS t";
    for line in lines().into_iter().filter(Line::is_4_1_or_later) {
        let mut k = kernel_on(&auth, &line).await;
        let t = k.execute(cell).await;
        ok(&t);
        let text = result_text(&t);
        assert_eq!(
            grid_rows(&text),
            [[
                "POINT (1 2)",
                "SRID=4326;POINT (1 2)",
                "POINT (1 2)",
                "13:04:05.123456"
            ]],
            "Spark {}: {text}",
            line.version
        );
    }
}

#[tokio::test]
async fn a_200_mb_value_is_shown_cut_from_4_1_on_and_named_on_4_0() {
    let auth = spark::standin();
    for line in lines() {
        let mut k = kernel_on(&auth, &line).await;
        let t = k
            .execute("SELECT length(v) AS n, v FROM (SELECT repeat('x', 200000000) AS v)")
            .await;
        if line.is_4_1_or_later() {
            ok(&t);
            let text = result_text(&t);
            assert!(
                text.contains("200000000"),
                "Spark {}: {}",
                line.version,
                &text[..200.min(text.len())]
            );
            assert!(
                text.len() < 20_000_000,
                "Spark {}: {} bytes shown",
                line.version,
                text.len()
            );
        } else {
            let (evalue, on) = failure(&t, &line);
            assert!(evalue.contains("128 MiB"), "{on}: {evalue}");
            assert!(evalue.contains("substring("), "{on}: {evalue}");
        }
        // The kernel goes on.
        let t = k.execute("SELECT 1 AS still").await;
        ok(&t);
    }
}

#[tokio::test]
async fn geometries_export_as_text_or_wkb_and_a_chart_names_what_to_draw_instead() {
    let auth = spark::standin();
    let point = "st_geomfromwkb(X'0101000000000000000000F03F0000000000000040')";
    for line in lines().into_iter().filter(Line::is_4_1_or_later) {
        let mut k = kernel_on(&auth, &line).await;
        ok(&k.execute("SET spark.sql.geospatial.enabled = true").await);
        let dir = tempfile::tempdir().unwrap();
        let query = format!("SELECT {point} AS g, 7 AS n");
        for name in ["g.csv", "g.jsonl", "g.parquet"] {
            let path = dir.path().join(name);
            let t = k
                .execute(&format!("%%export {}\n{query}", path.display()))
                .await;
            ok(&t);
        }
        let csv = std::fs::read_to_string(dir.path().join("g.csv")).unwrap();
        assert_eq!(csv, "g,n\nPOINT (1 2),7\n", "Spark {}", line.version);
        let json = std::fs::read_to_string(dir.path().join("g.jsonl")).unwrap();
        assert_eq!(
            json.trim(),
            r#"{"g":"POINT (1 2)","n":7}"#,
            "Spark {}",
            line.version
        );
        let file = std::fs::File::open(dir.path().join("g.parquet")).unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let g = reader.schema().field_with_name("g").unwrap().clone();
        assert!(
            matches!(g.data_type(), arrow::datatypes::DataType::Struct(f)
                if f.iter().map(|f| f.name().as_str()).collect::<Vec<_>>() == ["srid", "wkb"]),
            "Spark {}: {g:?}",
            line.version
        );
        let t = k.execute(&format!("%%chart bar x=g y=n\n{query}")).await;
        let (evalue, _) = failure(&t, &line);
        assert!(
            evalue.contains("cannot draw geometries"),
            "Spark {}: {evalue}",
            line.version
        );
        assert!(evalue.contains("ST_X(g)"), "{evalue}");
    }
}

#[tokio::test]
async fn compressed_arrow_batches_decode_from_4_1_on() {
    let auth = spark::standin();
    for line in lines().into_iter().filter(Line::is_4_1_or_later) {
        for codec in ["zstd", "lz4"] {
            let mut k = kernel_on(&auth, &line).await;
            let cell = format!(
                "SET spark.sql.execution.arrow.compression.codec = {codec};\n\
                 SELECT sum(id) AS s, count(*) AS n FROM (SELECT id FROM range(100000))"
            );
            let t = k.execute(&cell).await;
            ok(&t);
            let t = k
                .execute("%%limit 20000\nSELECT id, repeat('ab', 10) AS s FROM range(20000)")
                .await;
            ok(&t);
            let text = result_text(&t);
            assert!(text.contains("| 19999 |"), "Spark {} {codec}", line.version);
        }
    }
}

#[tokio::test]
async fn nanosecond_timestamps_keep_their_nine_digits_from_4_3_on() {
    let auth = spark::standin();
    let lines: Vec<Line> = lines().into_iter().filter(Line::is_4_3_or_later).collect();
    assert!(!lines.is_empty(), "no Spark 4.3 line in this run");
    for line in lines {
        let mut k = kernel_on(&auth, &line).await;
        let cell = "SET spark.sql.timestampNanosTypes.enabled = true;\n\
                    SELECT CAST('2024-07-02 10:04:05.123456789' AS TIMESTAMP_NTZ(9)) AS t, \
                    CAST(CAST('2024-07-02 10:04:05.123456789' AS TIMESTAMP_NTZ(9)) AS STRING) AS s";
        let t = k.execute(cell).await;
        ok(&t);
        let rows = grid_rows(&result_text(&t));
        assert_eq!(
            rows[0][0], "2024-07-02 10:04:05.123456789",
            "Spark {}",
            line.version
        );
        // As the server itself writes it.
        assert_eq!(rows[0][0], rows[0][1], "Spark {}", line.version);
    }
}

#[tokio::test]
async fn chunks_of_big_values_join_across_reattaches_on_the_main_line() {
    // The main server ends each result stream after a second: three values of 50 MB arrive in
    // chunks (4.1+) over several streams, so reattaches land between the chunks of a batch.
    use arrow::array::AsArray;
    let mut c = spark::client();
    let never = tokio_util::sync::CancellationToken::new();
    let r = c
        .execute_sql(
            &spark::creds(),
            "SELECT id, repeat(cast(id AS string), 50000000) AS v FROM range(3)",
            10,
            &never,
        )
        .await
        .unwrap();
    assert!(r.reattaches >= 1, "no reattach happened: {}", r.reattaches);
    let values: Vec<(usize, char)> = r
        .batches
        .iter()
        .flat_map(|b| {
            let v = b.column(1).as_string::<i32>();
            (0..b.num_rows())
                .map(|i| {
                    let s = v.value(i);
                    (s.len(), s.chars().next().unwrap_or(' '))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        values,
        [(50_000_000, '0'), (50_000_000, '1'), (50_000_000, '2')]
    );
}

/// BERDL's public proxy keeps gRPC's default 4 MiB limit on the messages it receives (the
/// look-alike does too): one 5 MB value passes it in chunks from 4.1 on; on 4.0 the error names
/// the proxy's 4 MiB and what to select instead, and the kernel goes on.
#[tokio::test]
async fn a_5_mb_value_passes_berdls_4_mib_proxy_from_4_1_on_and_is_named_on_4_0() {
    let auth = spark::standin();
    for line in lines() {
        let (_proxy, mut k) = kernel_behind_berdl(&auth, &line).await;
        let t = k
            .execute("SELECT length(v) AS n, v FROM (SELECT repeat('x', 5000000) AS v)")
            .await;
        if line.is_4_1_or_later() {
            ok(&t);
            let text = result_text(&t);
            assert!(
                text.contains("| 5000000 |"),
                "Spark {}: {}",
                line.version,
                &text[..300.min(text.len())]
            );
        } else {
            let (evalue, on) = failure(&t, &line);
            assert!(evalue.contains("(4 MiB"), "{on}: {evalue}");
            assert!(evalue.contains("substring("), "{on}: {evalue}");
        }
        let t = k.execute("SELECT 1 AS still").await;
        answers(&t, &line, &["1"]);
    }
}

/// Wide rows through BERDL's 4 MiB proxy: 2,000 rows of 300 columns (about 20 MB that a Spark
/// 4.0 server sends as one batch). From 4.1 on the batch arrives in 1 MiB chunks; on 4.0 the
/// kernel asks for batches of fewer rows, says so, and runs the statement again.
#[tokio::test]
async fn wide_rows_pass_berdls_4_mib_proxy_on_every_line() {
    let auth = spark::standin();
    let columns: Vec<String> = (0..300)
        .map(|i| format!("concat(repeat('w', 29), id % 10) AS c{i}"))
        .collect();
    for line in lines() {
        let (_proxy, mut k) = kernel_behind_berdl(&auth, &line).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wide.csv");
        let cell = format!(
            "%%export {}\nSELECT {} FROM range(0, 2000, 1, 1)",
            file.display(),
            columns.join(", ")
        );
        let t = k.execute(&cell).await;
        ok(&t);
        let rows = std::fs::read_to_string(&file).unwrap().lines().count();
        assert_eq!(
            rows, 2_001,
            "Spark {}: a header and every row",
            line.version
        );
        let told = stderr(&t).contains("spark.sql.execution.arrow.maxRecordsPerBatch");
        assert_eq!(
            told,
            !line.is_4_1_or_later(),
            "Spark {}: {}",
            line.version,
            stderr(&t)
        );
    }
}
