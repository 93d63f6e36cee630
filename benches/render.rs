//! Figures for showing results: 10,000 rows × 10 mixed columns rendered to HTML and text (one
//! call makes both), as the median of repeated runs. With a path argument it also writes the
//! same data as an Arrow IPC file, so that `scripts/bench_render.py` can time pandas'
//! `DataFrame.to_html` on it in the same run. Prints figures; asserts nothing about time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int64Array,
    ListArray, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::Int32Type;
use arrow::record_batch::RecordBatch;
use spark_connect::{Column, QueryResult, SparkType};
use spark_sql_kernel::render::{result_table, TableOptions, Zone};

const ROWS: usize = 10_000;
const RUNS: usize = 21;

/// A small deterministic generator (no dependency, same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + (self.next() % 26) as u8))
            .collect()
    }
}

fn data() -> (Vec<Column>, RecordBatch) {
    let mut r = Lcg(42);
    let n = ROWS as i64;
    let arrays: Vec<(&str, &str, ArrayRef)> = vec![
        ("id", "bigint", Arc::new(Int64Array::from_iter_values(0..n))),
        (
            "score",
            "double",
            Arc::new(Float64Array::from_iter_values(
                (0..ROWS).map(|_| r.next() as f64 / 7919.0),
            )),
        ),
        (
            "amount",
            "decimal(12,2)",
            Arc::new(
                Decimal128Array::from_iter_values(
                    (0..ROWS).map(|_| i128::from(r.next() % 10_000_000)),
                )
                .with_precision_and_scale(12, 2)
                .unwrap(),
            ),
        ),
        (
            "name",
            "string",
            Arc::new(StringArray::from_iter_values((0..ROWS).map(|_| r.word(12)))),
        ),
        (
            "day",
            "date",
            Arc::new(Date32Array::from_iter_values(
                (0..ROWS).map(|_| 18_000 + (r.next() % 3000) as i32),
            )),
        ),
        (
            "seen",
            "timestamp",
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(
                    (0..ROWS).map(|_| 1_700_000_000_000_000 + (r.next() as i64) * 1_000),
                )
                .with_timezone("UTC"),
            ),
        ),
        (
            "ok",
            "boolean",
            Arc::new(BooleanArray::from_iter(
                (0..ROWS).map(|_| Some(r.next().is_multiple_of(2))),
            )),
        ),
        (
            "counts",
            "array<int>",
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(
                (0..ROWS).map(|_| {
                    let len = r.next() % 4;
                    Some(
                        (0..len)
                            .map(|_| Some((r.next() % 100) as i32))
                            .collect::<Vec<_>>(),
                    )
                }),
            )),
        ),
        (
            "note",
            "string",
            Arc::new(StringArray::from_iter((0..ROWS).map(|i| {
                (i % 7 != 0).then(|| format!("{} <{}> & {}", r.word(20), r.word(5), r.word(10)))
            }))),
        ),
        (
            "ratio",
            "float",
            Arc::new(Float32Array::from_iter_values(
                (0..ROWS).map(|_| r.next() as f32 / 65_536.0),
            )),
        ),
    ];
    let columns = arrays
        .iter()
        .map(|(name, type_name, _)| Column {
            name: (*name).into(),
            type_name: (*type_name).into(),
            data_type: SparkType::Plain,
        })
        .collect();
    let batch =
        RecordBatch::try_from_iter(arrays.into_iter().map(|(name, _, array)| (name, array)))
            .unwrap();
    (columns, batch)
}

fn main() {
    let (columns, batch) = data();
    if let Some(path) = std::env::args().nth(1).filter(|a| !a.starts_with('-')) {
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = arrow::ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap();
    }
    let result = QueryResult {
        columns,
        batches: vec![batch],
        rows_received: ROWS as u64,
        more: false,
        reattaches: 0,
        elapsed: Duration::from_millis(1),
    };
    let options = TableOptions {
        zone: Zone::parse("America/Chicago").unwrap(),
        ..TableOptions::default()
    };
    let mut samples = Vec::with_capacity(RUNS);
    let mut sizes = (0, 0);
    for _ in 0..RUNS {
        let started = Instant::now();
        let bundle = result_table(&result, &options);
        samples.push(started.elapsed());
        sizes = (
            bundle["text/html"].as_str().unwrap().len(),
            bundle["text/plain"].as_str().unwrap().len(),
        );
    }
    samples.sort();
    println!(
        "render 10,000 rows x 10 mixed columns to HTML + text (spark-sql-kernel, release): \
         {:.1} ms median of {RUNS} (min {:.1} ms); HTML {:.1} MB, text {:.1} MB",
        samples[RUNS / 2].as_secs_f64() * 1e3,
        samples[0].as_secs_f64() * 1e3,
        sizes.0 as f64 / 1e6,
        sizes.1 as f64 / 1e6,
    );
}
