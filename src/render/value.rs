//! Spark's string form of every Arrow value a Spark Connect server sends: what
//! `CAST(x AS STRING)` gives on the server, except `binary` (hex, as `show()` prints it).
//! Nested values follow Spark: `[1, null]`, `{a -> 1}`, `{1, x}` for a struct.
//! Must not: do I/O or know the kernel; a top-level null is the caller's to show.

use std::fmt::Write as _;

use arrow::array::{
    Array, AsArray, BooleanArray, FixedSizeListArray, GenericListArray, MapArray, OffsetSizeTrait,
    StructArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::ArrowNativeType;
use arrow::datatypes::{
    DataType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, DurationMicrosecondType,
    DurationMillisecondType, DurationNanosecondType, DurationSecondType, Float32Type, Float64Type,
    Int16Type, Int32Type, Int64Type, Int8Type, IntervalDayTimeType, IntervalMonthDayNanoType,
    IntervalUnit, IntervalYearMonthType, Time64MicrosecondType, Time64NanosecondType, TimeUnit,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::datetime::{
    write_calendar, write_date, write_day_time, write_time, write_timestamp, write_timestamp_nanos,
    write_year_month, Zone,
};
use super::geo::{geo_default_srid, write_geo_value};
use super::number::{write_decimal, write_double, write_float};
use super::variant::write_variant;
use super::ValueWriter;
use spark_connect::SparkType;

fn is_null(nulls: Option<&NullBuffer>, row: usize) -> bool {
    nulls.is_some_and(|n| n.is_null(row))
}

/// A writer of a primitive array's values: `$body` writes value `$v` to `$out`.
macro_rules! primitive {
    ($array:expr, $t:ty, |$v:ident, $out:ident| $body:expr) => {{
        let values = $array.as_primitive::<$t>();
        Box::new(move |row: usize, $out: &mut String| {
            let $v = values.value(row);
            $body;
        })
    }};
}

/// A writer of a primitive array's values as Rust displays them.
macro_rules! display {
    ($array:expr, $t:ty) => {
        primitive!($array, $t, |v, out| {
            let _ = write!(out, "{v}");
        })
    };
}

/// A writer for the values of `array` (nulls inside nested values are written `null`; a
/// top-level null is the caller's to show).
pub fn writer<'a>(array: &'a dyn Array, spark: &SparkType, zone: &'a Zone) -> ValueWriter<'a> {
    if let SparkType::Udt { name, stored } = spark {
        if let Some(udt) = super::udt::writer(array, name) {
            return udt;
        }
        return writer(array, stored, zone);
    }
    match array.data_type() {
        DataType::Null => Box::new(|_, out: &mut String| out.push_str("null")),
        DataType::Boolean => {
            let values: &BooleanArray = array.as_boolean();
            Box::new(move |row, out: &mut String| {
                out.push_str(if values.value(row) { "true" } else { "false" });
            })
        }
        DataType::Int8 => display!(array, Int8Type),
        DataType::Int16 => display!(array, Int16Type),
        DataType::Int32 => display!(array, Int32Type),
        DataType::Int64 => display!(array, Int64Type),
        DataType::UInt8 => display!(array, UInt8Type),
        DataType::UInt16 => display!(array, UInt16Type),
        DataType::UInt32 => display!(array, UInt32Type),
        DataType::UInt64 => display!(array, UInt64Type),
        DataType::Float32 => primitive!(array, Float32Type, |v, out| write_float(v, out)),
        DataType::Float64 => primitive!(array, Float64Type, |v, out| write_double(v, out)),
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            primitive!(array, Decimal128Type, |v, out| write_decimal(
                &v.to_string(),
                scale,
                out
            ))
        }
        DataType::Decimal256(_, scale) => {
            let scale = *scale;
            primitive!(array, Decimal256Type, |v, out| write_decimal(
                &v.to_string(),
                scale,
                out
            ))
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => text_writer(array),
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => binary_writer(array),
        DataType::Time64(TimeUnit::Nanosecond) => {
            primitive!(array, Time64NanosecondType, |v, out| write_time(v, out))
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            primitive!(array, Time64MicrosecondType, |v, out| write_time(
                v.saturating_mul(1000),
                out
            ))
        }
        DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Duration(_)
        | DataType::Interval(_) => time_writer(array, spark, zone),
        DataType::List(_) => list(array.as_list::<i32>(), spark, zone),
        DataType::LargeList(_) => list(array.as_list::<i64>(), spark, zone),
        DataType::FixedSizeList(_, _) => fixed_list(array.as_fixed_size_list(), spark, zone),
        DataType::Map(_, _) => map(array.as_map(), spark, zone),
        DataType::Struct(_) => structure(array.as_struct(), spark, zone),
        _ => fallback(array),
    }
}

/// Strings as they are.
fn text_writer(array: &dyn Array) -> ValueWriter<'_> {
    match array.data_type() {
        DataType::LargeUtf8 => {
            let values = array.as_string::<i64>();
            Box::new(move |row, out: &mut String| out.push_str(values.value(row)))
        }
        DataType::Utf8View => {
            let values = array.as_string_view();
            Box::new(move |row, out: &mut String| out.push_str(values.value(row)))
        }
        _ => {
            let values = array.as_string::<i32>();
            Box::new(move |row, out: &mut String| out.push_str(values.value(row)))
        }
    }
}

/// Binary as `show()`'s hex.
fn binary_writer(array: &dyn Array) -> ValueWriter<'_> {
    match array.data_type() {
        DataType::LargeBinary => {
            let values = array.as_binary::<i64>();
            Box::new(move |row, out: &mut String| write_hex(values.value(row), out))
        }
        DataType::BinaryView => {
            let values = array.as_binary_view();
            Box::new(move |row, out: &mut String| write_hex(values.value(row), out))
        }
        _ => {
            let values = array.as_binary::<i32>();
            Box::new(move |row, out: &mut String| write_hex(values.value(row), out))
        }
    }
}

/// Dates, timestamps (in the session zone when zoned), durations and intervals.
fn time_writer<'a>(array: &'a dyn Array, spark: &SparkType, zone: &'a Zone) -> ValueWriter<'a> {
    let (day_start, day_end) = match spark {
        SparkType::DayTimeInterval { start, end } => (*start, *end),
        _ => (0, 3),
    };
    let day_time =
        move |micros: i64, out: &mut String| write_day_time(micros, day_start, day_end, out);
    match array.data_type() {
        DataType::Date32 => primitive!(array, Date32Type, |v, out| write_date(v, out)),
        DataType::Date64 => primitive!(array, Date64Type, |v, out| write_date(
            i32::try_from(v.div_euclid(86_400_000)).unwrap_or(i32::MAX),
            out
        )),
        DataType::Timestamp(unit, tz) => {
            let zone = tz.as_ref().map(|_| zone);
            match unit {
                TimeUnit::Second => primitive!(array, TimestampSecondType, |v, out| {
                    write_timestamp(v.saturating_mul(1_000_000), zone, out)
                }),
                TimeUnit::Millisecond => primitive!(array, TimestampMillisecondType, |v, out| {
                    write_timestamp(v.saturating_mul(1000), zone, out)
                }),
                TimeUnit::Microsecond => primitive!(array, TimestampMicrosecondType, |v, out| {
                    write_timestamp(v, zone, out)
                }),
                TimeUnit::Nanosecond => primitive!(array, TimestampNanosecondType, |v, out| {
                    write_timestamp_nanos(v, zone, out)
                }),
            }
        }
        DataType::Duration(unit) => match unit {
            TimeUnit::Second => primitive!(array, DurationSecondType, |v, out| day_time(
                v.saturating_mul(1_000_000),
                out
            )),
            TimeUnit::Millisecond => primitive!(array, DurationMillisecondType, |v, out| {
                day_time(v.saturating_mul(1000), out)
            }),
            TimeUnit::Microsecond => {
                primitive!(array, DurationMicrosecondType, |v, out| day_time(v, out))
            }
            TimeUnit::Nanosecond => {
                primitive!(array, DurationNanosecondType, |v, out| day_time(
                    v / 1000,
                    out
                ))
            }
        },
        DataType::Interval(IntervalUnit::YearMonth) => {
            let (start, end) = match spark {
                SparkType::YearMonthInterval { start, end } => (*start, *end),
                _ => (0, 1),
            };
            primitive!(array, IntervalYearMonthType, |v, out| write_year_month(
                v, start, end, out
            ))
        }
        DataType::Interval(IntervalUnit::MonthDayNano) => {
            primitive!(array, IntervalMonthDayNanoType, |v, out| write_calendar(
                v.months,
                v.days,
                v.nanoseconds / 1000,
                out
            ))
        }
        DataType::Interval(IntervalUnit::DayTime) => {
            primitive!(array, IntervalDayTimeType, |v, out| write_calendar(
                0,
                v.days,
                i64::from(v.milliseconds) * 1000,
                out
            ))
        }
        _ => fallback(array),
    }
}

/// `[01 02 FF]`, as `show()` prints binary values.
pub(super) fn write_hex(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out.push(']');
}

/// A writer for nested values: nulls become `null`.
fn nested<'a>(array: &'a dyn Array, spark: &SparkType, zone: &'a Zone) -> ValueWriter<'a> {
    let nulls = array.logical_nulls();
    let inner = writer(array, spark, zone);
    Box::new(move |row, out: &mut String| {
        if is_null(nulls.as_ref(), row) {
            out.push_str("null");
        } else {
            inner(row, out);
        }
    })
}

fn element_type(spark: &SparkType) -> &SparkType {
    match spark {
        SparkType::Array(element) => element,
        _ => &SparkType::Plain,
    }
}

fn write_items(items: std::ops::Range<usize>, element: &ValueWriter<'_>, out: &mut String) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        element(item, out);
    }
    out.push(']');
}

fn list<'a, O: OffsetSizeTrait>(
    array: &'a GenericListArray<O>,
    spark: &SparkType,
    zone: &'a Zone,
) -> ValueWriter<'a> {
    let element = nested(array.values().as_ref(), element_type(spark), zone);
    Box::new(move |row, out: &mut String| {
        let offsets = array.value_offsets();
        let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
        write_items(start..end, &element, out);
    })
}

fn fixed_list<'a>(
    array: &'a FixedSizeListArray,
    spark: &SparkType,
    zone: &'a Zone,
) -> ValueWriter<'a> {
    let element = nested(array.values().as_ref(), element_type(spark), zone);
    Box::new(move |row, out: &mut String| {
        let start = array.value_offset_at(row);
        let len = usize::try_from(array.value_length()).unwrap_or(0);
        write_items(start..start + len, &element, out);
    })
}

fn map<'a>(array: &'a MapArray, spark: &SparkType, zone: &'a Zone) -> ValueWriter<'a> {
    let (key_type, value_type) = match spark {
        SparkType::Map(k, v) => (k.as_ref(), v.as_ref()),
        _ => (&SparkType::Plain, &SparkType::Plain),
    };
    let keys = nested(array.keys().as_ref(), key_type, zone);
    let values = nested(array.values().as_ref(), value_type, zone);
    Box::new(move |row, out: &mut String| {
        let offsets = array.value_offsets();
        let (start, end) = (offsets[row].as_usize(), offsets[row + 1].as_usize());
        out.push('{');
        for (i, entry) in (start..end).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            keys(entry, out);
            out.push_str(" -> ");
            values(entry, out);
        }
        out.push('}');
    })
}

fn is_variant(array: &StructArray, spark: &SparkType) -> bool {
    if matches!(spark, SparkType::Variant) {
        return true;
    }
    // Without Spark's schema: the Arrow field of a variant is marked in its metadata.
    let names: Vec<&str> = array.fields().iter().map(|f| f.name().as_str()).collect();
    names == ["value", "metadata"]
        && array
            .fields()
            .iter()
            .all(|f| matches!(f.data_type(), DataType::Binary))
        && array
            .fields()
            .iter()
            .any(|f| f.metadata().contains_key("variant"))
}

fn structure<'a>(array: &'a StructArray, spark: &SparkType, zone: &'a Zone) -> ValueWriter<'a> {
    let geo = match spark {
        SparkType::Geo { default_srid } if array.num_columns() == 2 => Some(*default_srid),
        _ => geo_default_srid(array),
    };
    if let Some(default_srid) = geo {
        return Box::new(move |row, out: &mut String| {
            write_geo_value(array, row, default_srid, out);
        });
    }
    if is_variant(array, spark) {
        let (Some(value), Some(metadata)) = (
            array
                .column_by_name("value")
                .and_then(|c| c.as_binary_opt::<i32>()),
            array
                .column_by_name("metadata")
                .and_then(|c| c.as_binary_opt::<i32>()),
        ) else {
            return fallback(array);
        };
        return Box::new(move |row, out: &mut String| {
            write_variant(value.value(row), metadata.value(row), zone, out);
        });
    }
    let fields: Vec<ValueWriter<'a>> = array
        .columns()
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let spark = match spark {
                SparkType::Struct(fields) => fields.get(i).unwrap_or(&SparkType::Plain),
                _ => &SparkType::Plain,
            };
            nested(column.as_ref(), spark, zone)
        })
        .collect();
    Box::new(move |row, out: &mut String| {
        out.push('{');
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            field(row, out);
        }
        out.push('}');
    })
}

/// Types a Spark server does not send: Arrow's own display.
fn fallback(array: &dyn Array) -> ValueWriter<'_> {
    let options = FormatOptions::default().with_null("null");
    match ArrayFormatter::try_new(array, &options) {
        Ok(formatter) => Box::new(move |row, out: &mut String| {
            let _ = write!(out, "{}", formatter.value(row));
        }),
        Err(e) => {
            let message = format!("(cannot be shown: {e})");
            Box::new(move |_, out: &mut String| out.push_str(&message))
        }
    }
}
