//! Exports of small batches, read back: CSV/TSV text, JSON lines, Parquet types.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::DataType;

use super::*;
use spark_connect::SparkType;

fn columns() -> Vec<Column> {
    let column = |name: &str, type_name: &str| Column {
        name: name.into(),
        type_name: type_name.into(),
        data_type: SparkType::Plain,
    };
    vec![
        column("id", "bigint"),
        column("label", "string"),
        column("x", "double"),
        column("at", "timestamp"),
    ]
}

#[track_caller]
fn batch() -> RecordBatch {
    RecordBatch::try_from_iter(vec![
        (
            "id",
            Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
        ),
        (
            "label",
            Arc::new(StringArray::from(vec![
                Some("a,b"),
                Some("say \"hi\""),
                None,
            ])),
        ),
        (
            "x",
            Arc::new(Float64Array::from(vec![Some(1.0), Some(1e10), None])),
        ),
        (
            "at",
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(0), None, Some(1_700_000_000_000_000)])
                    .with_timezone("Etc/UTC"),
            ),
        ),
    ])
    .unwrap()
}

#[track_caller]
fn export(format: Format, name: &str) -> (tempfile::TempDir, PathBuf, Written) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let mut e = Exporter::create(&path, format, Zone::default()).unwrap();
    e.batch(&columns(), &batch()).unwrap();
    e.batch(&columns(), &batch().slice(0, 1)).unwrap();
    assert_eq!(e.written().rows, 4, "rows counted as they are written");
    let written = e.finish(&columns()).unwrap();
    (dir, path, written)
}

#[test]
fn csv_has_a_header_quotes_and_spark_text_with_null_as_empty() {
    let (_dir, path, written) = export(Format::Csv, "out.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text,
        "id,label,x,at\n\
         1,\"a,b\",1.0,1970-01-01 00:00:00\n\
         ,\"say \"\"hi\"\"\",1.0E10,\n\
         3,,,2023-11-14 22:13:20\n\
         1,\"a,b\",1.0,1970-01-01 00:00:00\n"
    );
    assert_eq!(written.rows, 4);
    assert_eq!(written.bytes, text.len() as u64);
    assert_eq!(
        std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
        1
    );
}

#[test]
fn tsv_separates_with_tabs() {
    let (_dir, path, _) = export(Format::Tsv, "out.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("id\tlabel\tx\tat\n1\ta,b\t1.0\t"),
        "{text}"
    );
}

#[test]
fn json_lines_are_one_object_per_row_with_nulls() {
    let (_dir, path, _) = export(Format::JsonLines, "out.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[0]["label"], "a,b");
    assert!(rows[1]["id"].is_null(), "{:?}", rows[1]["id"]);
    assert_eq!(rows[1]["x"], 1e10);
}

#[test]
fn parquet_keeps_the_arrow_types() {
    let (_dir, path, written) = export(Format::Parquet, "out.parquet");
    let file = std::fs::File::open(&path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 4);
    assert_eq!(written.rows, 4);
    let schema = batches[0].schema();
    assert_eq!(schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(schema.field(2).data_type(), &DataType::Float64);
    assert!(
        matches!(
            schema.field(3).data_type(),
            DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, Some(_))
        ),
        "{:?}",
        schema.field(3).data_type()
    );
}

#[test]
fn an_empty_result_is_a_header_and_an_unfinished_export_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.csv");
    let e = Exporter::create(&path, Format::Csv, Zone::default()).unwrap();
    e.finish(&columns()).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "id,label,x,at\n");

    let other = dir.path().join("dropped.parquet");
    let mut e = Exporter::create(&other, Format::Parquet, Zone::default()).unwrap();
    e.batch(&columns(), &batch()).unwrap();
    drop(e);
    assert!(!other.exists(), "{other:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn formats_come_from_the_extension_or_a_name_and_paths_resolve() {
    assert_eq!(Format::of_path(Path::new("a/b.CSV")), Some(Format::Csv));
    assert_eq!(
        Format::of_path(Path::new("b.jsonl")),
        Some(Format::JsonLines)
    );
    assert_eq!(
        Format::of_path(Path::new("b.parquet")),
        Some(Format::Parquet)
    );
    assert_eq!(Format::of_path(Path::new("b.xlsx")), None);
    assert_eq!(Format::named("tsv"), Some(Format::Tsv));
    let home = Path::new("/home/alice");
    assert_eq!(
        resolve("~/x.csv", Some(home)),
        PathBuf::from("/home/alice/x.csv")
    );
    assert_eq!(
        resolve("/tmp/x.csv", Some(home)),
        PathBuf::from("/tmp/x.csv")
    );
    assert!(
        resolve("x.csv", Some(home)).is_absolute(),
        "{:?}",
        resolve("x.csv", Some(home))
    );
    assert_eq!(
        resolve("~bob/x.csv", Some(home)),
        std::env::current_dir().unwrap().join("~bob/x.csv")
    );
}
