//! Charts of a result (`%%chart`): which columns go where, checked against the result's
//! columns and types; then the same chart twice, from the same rows — a Vega-Lite spec that
//! JupyterLab renders (`vegalite`), and a static SVG drawn with plotters for nbconvert's HTML,
//! Markdown and GitHub (`svg`, from the geometry `scale` works out). Pure functions: no I/O,
//! no Spark calls, nothing of Jupyter's messages.

mod data;
mod marks;
mod scale;
mod svg;
mod vegalite;

#[cfg(test)]
mod tests;

use arrow::record_batch::RecordBatch;
use serde_json::Value;

pub use data::{Datum, Role};

use crate::render::Zone;
use jupyter_kernel::MimeBundle;
use spark_connect::{Column, SparkType};

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    Line,
    Area,
    Point,
    Histogram,
    Heatmap,
}

impl ChartKind {
    pub const ALL: [ChartKind; 6] = [
        ChartKind::Bar,
        ChartKind::Line,
        ChartKind::Area,
        ChartKind::Point,
        ChartKind::Histogram,
        ChartKind::Heatmap,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ChartKind::Bar => "bar",
            ChartKind::Line => "line",
            ChartKind::Area => "area",
            ChartKind::Point => "point",
            ChartKind::Histogram => "histogram",
            ChartKind::Heatmap => "heatmap",
        }
    }

    pub fn named(name: &str) -> Option<ChartKind> {
        ChartKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// Which of `y` and `color` it needs (`Some(true)`), allows (`None`) or refuses
    /// (`Some(false)`).
    fn channels(self) -> (Option<bool>, Option<bool>) {
        match self {
            ChartKind::Bar | ChartKind::Line | ChartKind::Area | ChartKind::Point => {
                (Some(true), None)
            }
            ChartKind::Histogram => (Some(false), None),
            ChartKind::Heatmap => (Some(true), Some(true)),
        }
    }
}

/// What `%%chart` asked for: the kind and the result's columns on each channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPlan {
    pub kind: ChartKind,
    pub x: String,
    pub y: Option<String>,
    pub color: Option<String>,
    pub title: Option<String>,
}

/// Why a chart cannot be drawn from its plan and the result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    #[error("a {kind} chart needs {channel}=COLUMN")]
    NeedsChannel {
        kind: &'static str,
        channel: &'static str,
    },
    #[error("a {kind} counts the rows of x; it takes no {channel}=")]
    TakesNoChannel {
        kind: &'static str,
        channel: &'static str,
    },
    #[error("{channel}={name}: the result has no such column; its columns are {}", columns.join(", "))]
    NoSuchColumn {
        channel: String,
        name: String,
        columns: Vec<String>,
    },
    #[error("{channel}={name} is a {type_name} column: a {kind} chart needs numbers on {channel}")]
    NotNumbers {
        channel: String,
        name: String,
        type_name: String,
        kind: &'static str,
    },
    #[error("{channel}={name} is a {type_name} column: a chart cannot draw geometries; draw their coordinates (ST_X({name}), ST_Y({name})) or a measure (ST_Area({name}))")]
    Geometry {
        channel: String,
        name: String,
        type_name: String,
    },
    #[error("{channel}={name} is a {udt} column (a user-defined type): a chart cannot draw it; select a number or text derived from it")]
    UserDefined {
        channel: String,
        name: String,
        udt: String,
    },
    /// The SVG drawing failed (plotters' message).
    #[error("cannot draw the chart: {0}")]
    Draw(String),
}

impl ChartPlan {
    /// Checks that the channels the kind needs are there and that none it refuses is.
    pub fn check(&self) -> Result<(), ChartError> {
        let kind = self.kind.name();
        let (y, color) = self.kind.channels();
        let given = [
            ("y", y, self.y.is_some()),
            ("color", color, self.color.is_some()),
        ];
        for (channel, rule, present) in given {
            match rule {
                Some(true) if !present => return Err(ChartError::NeedsChannel { kind, channel }),
                Some(false) if present => return Err(ChartError::TakesNoChannel { kind, channel }),
                _ => {}
            }
        }
        Ok(())
    }
}

/// One channel of a chart: a column and its values.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub type_name: String,
    pub role: Role,
    pub values: Vec<Datum>,
}

/// A chart ready to draw.
#[derive(Debug, Clone)]
pub struct Figure {
    pub kind: ChartKind,
    pub title: Option<String>,
    pub x: Field,
    pub y: Option<Field>,
    pub color: Option<Field>,
    /// Rows drawn.
    pub rows: usize,
    /// The result had more rows than the chart draws.
    pub left_out: bool,
}

/// The result a chart is drawn from.
pub struct ChartData<'a> {
    pub columns: &'a [Column],
    pub batches: &'a [RecordBatch],
    /// More rows exist than `batches` hold.
    pub more: bool,
}

/// Reads the plan's columns from `rows` (at most `cap` rows) and checks their types.
pub fn build(
    plan: &ChartPlan,
    rows: &ChartData<'_>,
    zone: &Zone,
    cap: usize,
) -> Result<Figure, ChartError> {
    plan.check()?;
    let field = |channel: &str, name: &str| -> Result<Field, ChartError> {
        let index = find(rows.columns, name).ok_or_else(|| ChartError::NoSuchColumn {
            channel: channel.to_owned(),
            name: name.to_owned(),
            columns: rows.columns.iter().map(|c| c.name.clone()).collect(),
        })?;
        let column = &rows.columns[index];
        drawable(channel, column)?;
        Ok(Field {
            name: column.name.clone(),
            type_name: column.type_name.clone(),
            role: Role::of(&column.type_name),
            values: data::values(rows.batches, index, column, zone, cap),
        })
    };
    let x = field("x", &plan.x)?;
    let y = plan.y.as_deref().map(|n| field("y", n)).transpose()?;
    let color = plan
        .color
        .as_deref()
        .map(|n| field("color", n))
        .transpose()?;
    let kind = plan.kind.name();
    let numeric = |channel: &str, f: &Field| {
        if f.role == Role::Quantitative {
            Ok(())
        } else {
            Err(ChartError::NotNumbers {
                channel: channel.to_owned(),
                name: f.name.clone(),
                type_name: f.type_name.clone(),
                kind,
            })
        }
    };
    match (plan.kind, &y, &color) {
        (ChartKind::Bar | ChartKind::Line | ChartKind::Area, Some(y), _) => numeric("y", y)?,
        (ChartKind::Histogram, _, _) => numeric("x", &x)?,
        (ChartKind::Heatmap, _, Some(color)) => numeric("color", color)?,
        _ => {}
    }
    let total: usize = rows.batches.iter().map(RecordBatch::num_rows).sum();
    Ok(Figure {
        kind: plan.kind,
        title: plan.title.clone(),
        rows: x.values.len(),
        left_out: rows.more || total > cap,
        x,
        y,
        color,
    })
}

/// Geometries and user-defined values have no axis: a chart of one names what to draw instead.
fn drawable(channel: &str, column: &Column) -> Result<(), ChartError> {
    let name = column.name.clone();
    let channel = channel.to_owned();
    match &column.data_type {
        SparkType::Geo { .. } => Err(ChartError::Geometry {
            channel,
            name,
            type_name: column.type_name.clone(),
        }),
        SparkType::Udt { name: udt, .. } => Err(ChartError::UserDefined {
            channel,
            name,
            udt: udt.clone(),
        }),
        _ => Ok(()),
    }
}

/// A column by its name: exactly, else ignoring case (as Spark resolves names).
fn find(columns: &[Column], name: &str) -> Option<usize> {
    columns.iter().position(|c| c.name == name).or_else(|| {
        columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    })
}

/// The chart's outputs: Vega-Lite for JupyterLab, SVG for everything else, and a line of text.
pub fn bundle(chart: &Figure, cap: usize) -> Result<MimeBundle, ChartError> {
    let mut bundle = MimeBundle::new();
    bundle.insert(
        "application/vnd.vegalite.v5+json".into(),
        vegalite::spec(chart),
    );
    bundle.insert("image/svg+xml".into(), Value::String(svg::draw(chart)?));
    bundle.insert("text/plain".into(), Value::String(describe(chart, cap)));
    Ok(bundle)
}

/// One line saying what the chart shows (and that rows were left out).
pub fn describe(chart: &Figure, cap: usize) -> String {
    let mut text = match (chart.kind, &chart.y) {
        (ChartKind::Histogram, _) => format!("Histogram of {}", chart.x.name),
        (ChartKind::Heatmap, Some(y)) => format!(
            "Heatmap of {} by {} and {}",
            chart.color.as_ref().map_or("?", |c| c.name.as_str()),
            chart.x.name,
            y.name
        ),
        (kind, Some(y)) => {
            let mut name = kind.name().to_owned();
            name[..1].make_ascii_uppercase();
            format!("{name} chart of {} by {}", y.name, chart.x.name)
        }
        (kind, None) => format!("{} chart of {}", kind.name(), chart.x.name),
    };
    if let (Some(color), false) = (&chart.color, chart.kind == ChartKind::Heatmap) {
        text.push_str(&format!(", colored by {}", color.name));
    }
    if let Some(title) = &chart.title {
        text.push_str(&format!(" ({title})"));
    }
    let noun = if chart.rows == 1 { "row" } else { "rows" };
    text.push_str(&format!(": {} {noun}", chart.rows));
    if chart.left_out {
        text.push_str(&format!(
            " — only the first {cap} rows of the result are drawn (SPARK_SQL_KERNEL_CHART_ROWS)"
        ));
    }
    text.push('.');
    text
}
