//! The Vega-Lite v5 spec of a chart, its rows inline. Times are drawn on UTC time units, so
//! that every browser shows the session's wall-clock time the table shows. All text goes
//! through `serde_json`, so nothing in a value or a name can break out of the spec. Pure: no
//! I/O, no drawing of its own.
//! Must not: fetch anything at run time: the spec carries its rows.

use serde_json::{json, Map, Value};

use super::{ChartKind, Datum, Field, Figure, Role};

pub const SCHEMA: &str = "https://vega.github.io/schema/vega-lite/v5.json";
pub const WIDTH: u32 = 560;
pub const HEIGHT: u32 = 300;

/// Vega-Lite reads `.` and brackets in a field name as nested access: escape them.
fn field_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '.' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The UTC time unit of a temporal field: dates alone when every value is at midnight.
fn time_unit(field: &Field) -> &'static str {
    let dates = field.values.iter().all(|v| match v {
        Datum::Time(ms) => ms.rem_euclid(86_400_000.0) == 0.0,
        _ => true,
    });
    if dates {
        "utcyearmonthdate"
    } else {
        "utcyearmonthdatehoursminutesseconds"
    }
}

/// The encoding of `field` as Vega-Lite `kind` (`None`: from its role).
fn encode(field: &Field, kind: Option<&str>) -> Map<String, Value> {
    let mut e = Map::new();
    e.insert("field".into(), field_name(&field.name).into());
    let kind = kind.unwrap_or(field.role.vega());
    e.insert("type".into(), kind.into());
    e.insert("title".into(), field.name.clone().into());
    if field.role == Role::Temporal {
        e.insert("timeUnit".into(), time_unit(field).into());
    }
    if kind == "nominal" && field.role == Role::Nominal {
        // Text in the order of the rows (the query's ORDER BY), as the SVG draws it.
        e.insert("sort".into(), Value::Null);
    }
    e
}

/// A discrete axis (bars, heatmap cells): numbers and times become ordinal.
fn discrete(field: &Field) -> Map<String, Value> {
    match field.role {
        Role::Nominal => encode(field, None),
        Role::Quantitative | Role::Temporal => encode(field, Some("ordinal")),
    }
}

/// The mark and encodings of `chart`.
fn mark_and_encoding(chart: &Figure) -> (Value, Map<String, Value>) {
    let mut enc = Map::new();
    let y = chart.y.as_ref();
    let grouped = chart.color.as_ref().map(|c| encode(c, Some("nominal")));
    let mark = match chart.kind {
        ChartKind::Bar => {
            enc.insert("x".into(), discrete(&chart.x).into());
            if let Some(y) = y {
                let mut e = encode(y, None);
                e.insert("aggregate".into(), "sum".into());
                enc.insert("y".into(), e.into());
            }
            json!({"type": "bar", "tooltip": true})
        }
        ChartKind::Line | ChartKind::Area | ChartKind::Point => {
            enc.insert("x".into(), encode(&chart.x, None).into());
            if let Some(y) = y {
                let mut e = encode(y, None);
                if chart.kind == ChartKind::Area {
                    e.insert("stack".into(), Value::Null);
                }
                enc.insert("y".into(), e.into());
            }
            match chart.kind {
                ChartKind::Line => {
                    json!({"type": "line", "tooltip": true, "point": chart.rows <= 100})
                }
                ChartKind::Area => {
                    json!({"type": "area", "tooltip": true, "opacity": 0.5, "line": true})
                }
                _ => json!({"type": "point", "tooltip": true, "filled": true}),
            }
        }
        ChartKind::Histogram => {
            let mut e = encode(&chart.x, Some("quantitative"));
            e.insert("bin".into(), json!({"maxbins": super::scale::MAX_BINS}));
            enc.insert("x".into(), e.into());
            enc.insert(
                "y".into(),
                json!({"aggregate": "count", "type": "quantitative", "title": "rows"}),
            );
            json!({"type": "bar", "tooltip": true})
        }
        ChartKind::Heatmap => {
            enc.insert("x".into(), discrete(&chart.x).into());
            if let Some(y) = y {
                enc.insert("y".into(), discrete(y).into());
            }
            if let Some(color) = &chart.color {
                let mut e = encode(color, Some("quantitative"));
                e.insert("aggregate".into(), "mean".into());
                enc.insert("color".into(), e.into());
            }
            json!({"type": "rect", "tooltip": true})
        }
    };
    let keeps_its_role = chart.kind == ChartKind::Point;
    match (&chart.color, chart.kind) {
        (_, ChartKind::Heatmap) | (None, _) => {}
        (Some(color), _) if keeps_its_role => {
            enc.insert("color".into(), encode(color, None).into());
        }
        (Some(_), _) => {
            enc.insert("color".into(), grouped.unwrap_or_default().into());
        }
    }
    (mark, enc)
}

/// The spec, with the rows drawn inline.
pub fn spec(chart: &Figure) -> Value {
    let fields: Vec<&Field> = [Some(&chart.x), chart.y.as_ref(), chart.color.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    let values: Vec<Value> = (0..chart.rows)
        .map(|row| {
            let mut object = Map::new();
            for field in &fields {
                let value = field.values.get(row).map_or(Value::Null, Datum::json);
                object.insert(field.name.clone(), value);
            }
            Value::Object(object)
        })
        .collect();
    let (mark, encoding) = mark_and_encoding(chart);
    let mut spec = json!({
        "$schema": SCHEMA,
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": values},
        "mark": mark,
        "encoding": encoding,
    });
    if let Some(title) = &chart.title {
        spec["title"] = title.clone().into();
    }
    spec
}
