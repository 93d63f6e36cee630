//! Result tables built from Arrow batches the way a Spark Connect server sends them, compared
//! with reviewed snapshots (`cargo insta review`). The session time zone is fixed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array,
    DurationMicrosecondArray, Float32Array, Float64Array, Int16Array, Int32Array, Int32Builder,
    Int64Array, Int8Array, IntervalYearMonthArray, ListArray, MapBuilder, NullArray, StringArray,
    StringBuilder, StructArray, TimestampMicrosecondArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields, Int32Type};
use arrow::record_batch::RecordBatch;

use super::{result_table, TableOptions, Zone};
use spark_connect::{Column, QueryResult, SparkType};

pub(super) fn column(name: &str, type_name: &str, data_type: SparkType) -> Column {
    Column {
        name: name.into(),
        type_name: type_name.into(),
        data_type,
    }
}

#[track_caller]
pub(super) fn result(columns: Vec<Column>, arrays: Vec<ArrayRef>, more: bool) -> QueryResult {
    let batch = RecordBatch::try_from_iter(
        columns
            .iter()
            .map(|c| c.name.clone())
            .zip(arrays)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let rows = batch.num_rows();
    QueryResult {
        columns,
        batches: if rows == 0 { vec![] } else { vec![batch] },
        rows_received: rows as u64 + u64::from(more),
        more,
        reattaches: 0,
        elapsed: Duration::from_millis(42),
    }
}

/// Hints as the kernel gives them (`kernel/words.rs`): rendering only places them.
pub(super) const HINTS: super::Hints = super::Hints {
    more_rows: "%limit N shows more",
    cut: "%truncate N changes this",
    too_heavy: "(SPARK_SQL_KERNEL_MAX_OUTPUT_MB); narrow the query, or write all rows to a file with %%export PATH",
};

#[track_caller]
pub(super) fn options() -> TableOptions {
    TableOptions {
        zone: Zone::parse("America/Los_Angeles").unwrap(),
        hints: HINTS,
        ..TableOptions::default()
    }
}

#[track_caller]
pub(super) fn text(result: &QueryResult, options: &TableOptions) -> String {
    result_table(result, options)["text/plain"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The HTML without the `<style>` block, one row per line.
#[track_caller]
pub(super) fn html(result: &QueryResult, options: &TableOptions) -> String {
    let html = result_table(result, options)["text/html"]
        .as_str()
        .unwrap()
        .to_owned();
    let (before, rest) = html.split_once("<style>").unwrap();
    let (_, after) = rest.split_once("</style>").unwrap();
    format!("{before}{after}")
}

pub(super) fn plain(name: &str, type_name: &str) -> Column {
    column(name, type_name, SparkType::Plain)
}

/// 2024-07-02 10:04:05.12 UTC and 1850-01-01 00:00 UTC, in microseconds.
pub(super) const SUMMER: i64 = 1_719_914_645_120_000;
pub(super) const OLD: i64 = -3_786_825_600_000_000;

#[track_caller]
pub(super) fn scalars() -> QueryResult {
    let columns = vec![
        plain("bool", "boolean"),
        plain("tiny", "tinyint"),
        plain("small", "smallint"),
        plain("i", "int"),
        plain("big", "bigint"),
        plain("f", "float"),
        plain("d", "double"),
        plain("dec", "decimal(10,2)"),
        plain("wide", "decimal(38,18)"),
        plain("bin", "binary"),
        plain("day", "date"),
        plain("ts", "timestamp"),
        plain("ntz", "timestamp_ntz"),
        column(
            "dt",
            "interval day to second",
            SparkType::DayTimeInterval { start: 0, end: 3 },
        ),
        column(
            "h",
            "interval hour",
            SparkType::DayTimeInterval { start: 1, end: 1 },
        ),
        column(
            "ym",
            "interval year to month",
            SparkType::YearMonthInterval { start: 0, end: 1 },
        ),
        plain("nothing", "void"),
    ];
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        Arc::new(Int8Array::from(vec![Some(i8::MIN), Some(0), None])),
        Arc::new(Int16Array::from(vec![Some(i16::MAX), Some(-1), None])),
        Arc::new(Int32Array::from(vec![Some(i32::MIN), Some(42), None])),
        Arc::new(Int64Array::from(vec![Some(i64::MAX), Some(-7), None])),
        Arc::new(Float32Array::from(vec![Some(f32::NAN), Some(-0.0), None])),
        Arc::new(Float64Array::from(vec![
            Some(f64::INFINITY),
            Some(1.0e10),
            Some(f64::NEG_INFINITY),
        ])),
        Arc::new(
            Decimal128Array::from(vec![Some(1250), Some(-5), None])
                .with_precision_and_scale(10, 2)
                .unwrap(),
        ),
        Arc::new(
            Decimal128Array::from(vec![Some(1), Some(-123_456_789_000_000_000_000), None])
                .with_precision_and_scale(38, 18)
                .unwrap(),
        ),
        Arc::new(BinaryArray::from(vec![
            Some(&b"\x01\x02\xff"[..]),
            Some(&b""[..]),
            None,
        ])),
        Arc::new(Date32Array::from(vec![Some(19_906), Some(-719_162), None])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![Some(SUMMER), Some(OLD), None])
                .with_timezone("UTC"),
        ),
        Arc::new(TimestampMicrosecondArray::from(vec![
            Some(SUMMER),
            Some(0),
            None,
        ])),
        Arc::new(DurationMicrosecondArray::from(vec![
            Some(93_784_500_000),
            Some(-1),
            None,
        ])),
        Arc::new(DurationMicrosecondArray::from(vec![
            Some(-26 * 3_600_000_000),
            Some(0),
            None,
        ])),
        Arc::new(IntervalYearMonthArray::from(vec![Some(14), Some(-3), None])),
        Arc::new(NullArray::new(3)),
    ];
    result(columns, arrays, false)
}

#[test]
fn every_scalar_type_reads_as_spark_writes_it() {
    let r = scalars();
    insta::assert_snapshot!("scalars_text", text(&r, &options()));
    insta::assert_snapshot!("scalars_html", html(&r, &options()));
}

pub(super) fn strings() -> QueryResult {
    let values = vec![
        Some("plain"),
        Some("NULL"),
        None,
        Some("two\nlines\tand a tab"),
        Some("<b>&amp; \"quotes\" 'too'</b>"),
        Some("שלום עולם (Hebrew) and مرحبا"),
        Some("漢字とかな 🚀👍🏽"),
        Some("\u{1b}[31mred\u{1b}[0m"),
        Some(""),
    ];
    result(
        vec![
            plain("s", "string"),
            plain("c", "char(5)"),
            plain("v", "varchar(10)"),
        ],
        vec![
            Arc::new(StringArray::from(values.clone())),
            Arc::new(StringArray::from(vec![Some("ab   "); values.len()])),
            Arc::new(StringArray::from(vec![Some("x"); values.len()])),
        ],
        true,
    )
}

#[test]
fn strings_keep_null_apart_and_wide_characters_aligned() {
    let r = strings();
    let text = text(&r, &options());
    insta::assert_snapshot!("strings_text", text);
    let html = html(&r, &options());
    insta::assert_snapshot!("strings_html", html);
    // A null is marked; the string "NULL" is not.
    assert!(
        html.contains("<td class=\"s null\"><em>NULL</em></td>"),
        "{html:?}"
    );
    assert!(html.contains("<td class=\"s\">NULL</td>"), "{html:?}");
    // Every line of the grid is equally wide on a terminal.
    let widths: Vec<usize> = text
        .lines()
        .take_while(|l| l.starts_with(['+', '|']))
        .map(|l| {
            unicode_width::UnicodeWidthStr::width(l.replace(['\u{2068}', '\u{2069}'], "").as_str())
        })
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{widths:?}");
    assert!(
        !text.contains('\u{1b}'),
        "escape sequences reach the terminal"
    );
}

/// array<array<array<interval day to second>>>: deep nesting keeps the interval's fields.
#[track_caller]
pub(super) fn deep_intervals() -> ListArray {
    let inner = ListArray::try_new(
        Arc::new(Field::new(
            "element",
            DataType::Duration(arrow::datatypes::TimeUnit::Microsecond),
            true,
        )),
        arrow::buffer::OffsetBuffer::new(vec![0, 1, 2, 2].into()),
        Arc::new(DurationMicrosecondArray::from(vec![
            Some(3_600_000_000),
            None,
        ])),
        None,
    )
    .unwrap();
    let middle = ListArray::try_new(
        Arc::new(Field::new("element", inner.data_type().clone(), true)),
        arrow::buffer::OffsetBuffer::new(vec![0, 2, 3, 3].into()),
        Arc::new(inner),
        None,
    )
    .unwrap();
    let outer = ListArray::try_new(
        Arc::new(Field::new("element", middle.data_type().clone(), true)),
        arrow::buffer::OffsetBuffer::new(vec![0, 1, 2, 3].into()),
        Arc::new(middle),
        None,
    )
    .unwrap();
    outer
}

/// parse_json('{"a":1,"b":[true,null,"x"]}'), a short string, and JSON null.
#[track_caller]
pub(super) fn variants() -> StructArray {
    let variant_fields = Fields::from(vec![
        Field::new("value", DataType::Binary, false)
            .with_metadata(HashMap::from([("variant".to_owned(), "true".to_owned())])),
        Field::new("metadata", DataType::Binary, false),
    ]);
    StructArray::try_new(
        variant_fields,
        vec![
            Arc::new(BinaryArray::from(vec![
                &b"\x02\x02\x00\x01\x00\x02\x0c\x0c\x01\x03\x03\x00\x01\x02\x04\x04\x00\x05x"[..],
                &b"\x0dhi\""[..],
                &b"\x00"[..],
            ])),
            Arc::new(BinaryArray::from(vec![
                &b"\x01\x02\x00\x01\x02ab"[..],
                &b"\x01\x00\x00"[..],
                &b"\x01\x00\x00"[..],
            ])),
        ],
        None,
    )
    .unwrap()
}

#[track_caller]
pub(super) fn nested() -> QueryResult {
    let ints = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
        Some(vec![Some(1), None, Some(3)]),
        Some(vec![]),
        None,
    ]);
    let mut map = MapBuilder::new(None, StringBuilder::new(), Int32Builder::new());
    map.keys().append_value("b");
    map.values().append_value(2);
    map.keys().append_value("a");
    map.values().append_null();
    map.append(true).unwrap();
    map.append(true).unwrap();
    map.append(false).unwrap();
    let map = map.finish();
    let struct_fields = Fields::from(vec![
        Field::new("a", DataType::Int32, true),
        Field::new("b", DataType::Utf8, true),
    ]);
    let record = StructArray::try_new(
        struct_fields.clone(),
        vec![
            Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])),
            Arc::new(StringArray::from(vec![Some("x"), Some("y"), None])),
        ],
        Some(NullBuffer::from(vec![true, true, false])),
    )
    .unwrap();
    // array<struct<a:int,b:string>>: [{1, x}], [{null, y}, {3, null}], null
    let records = ListArray::try_new(
        Arc::new(Field::new(
            "element",
            DataType::Struct(struct_fields.clone()),
            true,
        )),
        arrow::buffer::OffsetBuffer::new(vec![0, 1, 3, 3].into()),
        Arc::new(
            StructArray::try_new(
                struct_fields,
                vec![
                    Arc::new(Int32Array::from(vec![Some(1), None, Some(3)])),
                    Arc::new(StringArray::from(vec![Some("x"), Some("y"), None])),
                ],
                None,
            )
            .unwrap(),
        ),
        Some(NullBuffer::from(vec![true, true, false])),
    )
    .unwrap();
    let outer = deep_intervals();
    let day_time = SparkType::DayTimeInterval { start: 0, end: 3 };
    let deep_type = SparkType::Array(Box::new(SparkType::Array(Box::new(SparkType::Array(
        Box::new(day_time),
    )))));
    let struct_type = SparkType::Struct(vec![SparkType::Plain, SparkType::Plain]);
    let variant = variants();
    result(
        vec![
            column(
                "ints",
                "array<int>",
                SparkType::Array(Box::new(SparkType::Plain)),
            ),
            column(
                "m",
                "map<string,int>",
                SparkType::Map(Box::new(SparkType::Plain), Box::new(SparkType::Plain)),
            ),
            column("st", "struct<a:int,b:string>", struct_type.clone()),
            column(
                "records",
                "array<struct<a:int,b:string>>",
                SparkType::Array(Box::new(struct_type)),
            ),
            column(
                "deep",
                "array<array<array<interval day to second>>>",
                deep_type,
            ),
            column("v", "variant", SparkType::Variant),
        ],
        vec![
            Arc::new(ints),
            Arc::new(map),
            Arc::new(record),
            Arc::new(records),
            Arc::new(outer),
            Arc::new(variant),
        ],
        false,
    )
}

#[test]
fn arrays_maps_structs_and_variants_nest_as_in_spark() {
    let r = nested();
    insta::assert_snapshot!("nested_text", text(&r, &options()));
    insta::assert_snapshot!("nested_html", html(&r, &options()));
}
