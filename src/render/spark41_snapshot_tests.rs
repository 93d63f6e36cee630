//! The types Spark 4.1 and later send (TIME, GEOMETRY, GEOGRAPHY, nanosecond timestamps) and
//! user-defined types, built as Arrow batches the way the server sends them and compared with
//! reviewed snapshots.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, Float64Builder, Int32Array, Int32Builder, Int8Array, ListBuilder,
    StructArray, Time64NanosecondArray, TimestampNanosecondArray,
};
use arrow::datatypes::{DataType, Field, Fields};

use super::snapshot_tests::{column, html, options, result, text};
use spark_connect::{QueryResult, SparkType, GEOGRAPHY_SRID, GEOMETRY_SRID};

/// Little-endian WKB of a point.
fn point(x: f64, y: f64) -> Vec<u8> {
    let mut wkb = vec![1, 1, 0, 0, 0];
    wkb.extend_from_slice(&x.to_le_bytes());
    wkb.extend_from_slice(&y.to_le_bytes());
    wkb
}

/// Spark's Arrow form of GEOMETRY / GEOGRAPHY: `{srid, wkb}`, `wkb` marked in its metadata.
fn geo(kind: &str, values: &[(i32, Vec<u8>)]) -> ArrayRef {
    let marked = HashMap::from([(kind.to_owned(), "true".to_owned())]);
    let fields = Fields::from(vec![
        Field::new("srid", DataType::Int32, false),
        Field::new("wkb", DataType::Binary, false).with_metadata(marked),
    ]);
    let srids = Int32Array::from(values.iter().map(|(s, _)| *s).collect::<Vec<_>>());
    let wkbs = BinaryArray::from_iter_values(values.iter().map(|(_, w)| w.as_slice()));
    Arc::new(StructArray::new(
        fields,
        vec![Arc::new(srids), Arc::new(wkbs)],
        None,
    ))
}

/// MLlib's VectorUDT as stored: a dense [1.0, 2.5] and a sparse (4, [0, 3], [1.0, -2.0]).
#[track_caller]
fn vectors() -> ArrayRef {
    let mut indices = ListBuilder::new(Int32Builder::new());
    indices.append_null();
    indices.values().append_slice(&[0, 3]);
    indices.append(true);
    let mut values = ListBuilder::new(Float64Builder::new());
    values.values().append_slice(&[1.0, 2.5]);
    values.append(true);
    values.values().append_slice(&[1.0, -2.0]);
    values.append(true);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("type", Arc::new(Int8Array::from(vec![1, 0]))),
        ("size", Arc::new(Int32Array::from(vec![None, Some(4)]))),
        ("indices", Arc::new(indices.finish())),
        ("values", Arc::new(values.finish())),
    ];
    Arc::new(StructArray::try_from(columns).unwrap())
}

fn new_types() -> QueryResult {
    // 13:04:05.123456789 and midnight; 2024-07-02 10:04:05.123456789 UTC and a whole second.
    let time = Time64NanosecondArray::from(vec![47_045_123_456_789, 0]);
    let ntz =
        TimestampNanosecondArray::from(vec![1_719_914_645_123_456_789, 1_719_914_645_000_000_000]);
    let ltz = ntz.clone().with_timezone("UTC");
    let geometry = geo(
        "geometry",
        &[(0, point(1.0, 2.0)), (3857, point(-0.5, 7.25))],
    );
    let geography = geo(
        "geography",
        &[(4326, point(13.4, 52.5)), (4269, point(1.0, 1.0))],
    );
    let sedona = BinaryArray::from_iter_values([vec![1u8, 2, 3, 4, 5], vec![0u8; 21]]);
    let udt = |name: &str, stored: SparkType| SparkType::Udt {
        name: name.into(),
        stored: Box::new(stored),
    };
    result(
        vec![
            column("t", "time(6)", SparkType::Plain),
            column("ntz", "timestamp_ntz(9)", SparkType::Plain),
            column("ltz", "timestamp_ltz(9)", SparkType::Plain),
            column(
                "g",
                "geometry(0)",
                SparkType::Geo {
                    default_srid: GEOMETRY_SRID,
                },
            ),
            column(
                "gg",
                "geography(4326)",
                SparkType::Geo {
                    default_srid: GEOGRAPHY_SRID,
                },
            ),
            column("geom", "GeometryUDT", udt("GeometryUDT", SparkType::Plain)),
            column("features", "VectorUDT", udt("VectorUDT", SparkType::Plain)),
        ],
        vec![
            Arc::new(time),
            Arc::new(ntz),
            Arc::new(ltz),
            geometry,
            geography,
            Arc::new(sedona),
            vectors(),
        ],
        false,
    )
}

#[test]
fn time_geometry_nanosecond_and_user_defined_values_read_as_spark_users_expect() {
    let r = new_types();
    insta::assert_snapshot!("spark41_text", text(&r, &options()));
    insta::assert_snapshot!("spark41_html", html(&r, &options()));
}

#[test]
fn geo_values_are_found_by_their_arrow_metadata_without_the_spark_type() {
    let array = geo("geography", &[(4326, point(3.0, 4.0))]);
    let r = result(
        vec![column("p", "unknown", SparkType::Plain)],
        vec![array],
        false,
    );
    let shown = text(&r, &options());
    assert!(shown.contains("POINT (3 4)"), "{shown}");
}
