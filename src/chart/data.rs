//! The values a chart draws, read from a result's Arrow batches: numbers as `f64`, dates and
//! timestamps as the wall-clock time the table shows (in the session time zone), everything
//! else as the table's text. Knows nothing of how they are drawn.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::render::{spark_text, Zone};
use spark_connect::Column;

/// How a column is drawn, from its Spark type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Numbers: integers, floats, decimals.
    Quantitative,
    /// Dates and timestamps.
    Temporal,
    /// Anything else (strings, booleans, …), by its text.
    Nominal,
}

impl Role {
    /// The role of a column of Spark type `type_name`.
    pub fn of(type_name: &str) -> Role {
        match type_name {
            "tinyint" | "smallint" | "int" | "bigint" | "float" | "double" => Role::Quantitative,
            name if name.starts_with("decimal(") => Role::Quantitative,
            "date" | "timestamp" | "timestamp_ntz" => Role::Temporal,
            _ => Role::Nominal,
        }
    }

    /// Vega-Lite's name for it.
    pub fn vega(self) -> &'static str {
        match self {
            Role::Quantitative => "quantitative",
            Role::Temporal => "temporal",
            Role::Nominal => "nominal",
        }
    }
}

/// One value of a chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Null,
    Number(f64),
    /// Milliseconds since 1970 of the wall-clock time shown (read as if it were UTC).
    Time(f64),
    Text(String),
}

impl Datum {
    /// The value in a Vega-Lite spec: times as ISO text in UTC (the spec draws them with UTC
    /// scales, so every browser shows the session's wall-clock time).
    pub fn json(&self) -> Value {
        match self {
            Datum::Null => Value::Null,
            Datum::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Datum::Time(ms) => time(*ms).map_or(Value::Null, |t| {
                Value::String(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            }),
            Datum::Text(text) => Value::String(text.clone()),
        }
    }

    /// The position of a number or a time on a continuous axis.
    pub fn position(&self) -> Option<f64> {
        match self {
            Datum::Number(v) | Datum::Time(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as a label.
    pub fn label(&self) -> String {
        match self {
            Datum::Null => "null".into(),
            Datum::Number(n) => number_label(*n),
            Datum::Time(ms) => time_label(*ms, 0.0),
            Datum::Text(text) => text.clone(),
        }
    }
}

/// A number as a short label (no `.0` on whole numbers).
pub fn number_label(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        let text = format!("{n:.6}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn time(ms: f64) -> Option<NaiveDateTime> {
    // Whole milliseconds: the cast cannot overflow for any time Spark holds.
    #[allow(clippy::cast_possible_truncation)]
    chrono::DateTime::from_timestamp_millis(ms.round() as i64).map(|t| t.naive_utc())
}

/// A time as a label: the date alone when the axis steps by whole days (`step` ms).
pub fn time_label(ms: f64, step: f64) -> String {
    let Some(t) = time(ms) else {
        return String::new();
    };
    let midnight = t.time() == chrono::NaiveTime::MIN;
    if step >= 86_400_000.0 || (step == 0.0 && midnight) {
        t.format("%Y-%m-%d").to_string()
    } else if t
        .format("%S%.f")
        .to_string()
        .trim_end_matches(['0', '.'])
        .is_empty()
    {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// Reads the wall-clock text Spark shows (`2024-05-01`, `2024-05-01 10:00:00.5`).
fn parse_time(text: &str) -> Option<f64> {
    let t = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()?
                .and_hms_opt(0, 0, 0)
        })?;
    // Milliseconds since 1970 fit an f64 exactly for every date Spark holds.
    #[allow(clippy::cast_precision_loss)]
    Some(t.and_utc().timestamp_millis() as f64)
}

/// The values of column `index` (of `column`'s type) in `batches`, at most `cap` of them.
pub fn values(
    batches: &[RecordBatch],
    index: usize,
    column: &Column,
    zone: &Zone,
    cap: usize,
) -> Vec<Datum> {
    let role = Role::of(&column.type_name);
    let mut out = Vec::new();
    for batch in batches {
        if out.len() >= cap {
            break;
        }
        let array = batch.column(index);
        let take = array.len().min(cap - out.len());
        match role {
            Role::Quantitative => numbers(array.as_ref(), take, &mut out),
            Role::Temporal | Role::Nominal => {
                let texts = spark_text(array.as_ref(), &column.data_type, zone);
                out.extend((0..take).map(|row| {
                    if texts.is_null(row) {
                        Datum::Null
                    } else if role == Role::Temporal {
                        parse_time(texts.value(row)).map_or(Datum::Null, Datum::Time)
                    } else {
                        Datum::Text(texts.value(row).to_owned())
                    }
                }));
            }
        }
    }
    out
}

/// The first `take` values of a numeric array, as `f64` (NaN and infinities are left out as
/// nulls: a chart cannot place them).
fn numbers(array: &dyn Array, take: usize, out: &mut Vec<Datum>) {
    let Ok(cast) = arrow::compute::cast(array, &DataType::Float64) else {
        out.extend(std::iter::repeat_n(Datum::Null, take));
        return;
    };
    let values = cast.as_primitive::<Float64Type>();
    out.extend((0..take).map(|row| {
        let v = values.value(row);
        if values.is_null(row) || !v.is_finite() {
            Datum::Null
        } else {
            Datum::Number(v)
        }
    }));
}
