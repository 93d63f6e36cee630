//! The geometry of a chart's static drawing: its axes (continuous with round ticks, or
//! categories), its colors, and its marks — bars, cells, lines, areas, points — in axis
//! coordinates, aggregated as the Vega-Lite spec aggregates (bars summed and stacked,
//! histograms counted, heatmap cells averaged). Pure arithmetic: `marks` builds on it, `svg` draws what they return.
//! Must not: draw (`svg` does) or aggregate marks (`marks` does).

use std::collections::HashMap;

use super::data::{number_label, time_label};
use super::{Datum, Field, Role};

/// At most this many bins in a histogram (as the spec asks Vega-Lite for).
pub const MAX_BINS: usize = 30;
/// Vega-Lite's default colors for groups (`tableau10`).
const PALETTE: [Rgb; 10] = [
    (76, 120, 168),
    (245, 133, 24),
    (228, 87, 86),
    (114, 183, 178),
    (84, 162, 75),
    (238, 202, 59),
    (178, 121, 162),
    (255, 157, 166),
    (157, 117, 93),
    (186, 176, 172),
];
/// Legend entries shown at most.
const MAX_LEGEND: usize = 10;
/// Category labels on an axis at most (every k-th is labelled beyond).
const MAX_CATEGORY_TICKS: usize = 20;

pub type Rgb = (u8, u8, u8);

/// One axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Continuous {
        min: f64,
        max: f64,
        step: f64,
        time: bool,
    },
    /// Values in order; value `i` sits at `i`.
    Categories(Vec<String>),
}

impl Axis {
    pub fn range(&self) -> std::ops::Range<f64> {
        match self {
            Axis::Continuous { min, max, .. } => *min..*max,
            #[allow(clippy::cast_precision_loss)]
            Axis::Categories(c) => -0.5..(c.len().max(1) as f64 - 0.5),
        }
    }

    pub fn ticks(&self) -> Vec<f64> {
        match self {
            Axis::Continuous { min, max, step, .. } => {
                let mut ticks = Vec::new();
                let mut t = (min / step).ceil() * step;
                while t <= max + step * 1e-9 && ticks.len() < 100 {
                    ticks.push(t);
                    t += step;
                }
                ticks
            }
            #[allow(clippy::cast_precision_loss)]
            Axis::Categories(c) => {
                let every = c.len().div_ceil(MAX_CATEGORY_TICKS).max(1);
                (0..c.len()).step_by(every).map(|i| i as f64).collect()
            }
        }
    }

    pub fn label(&self, v: f64) -> String {
        match self {
            Axis::Continuous {
                time: true, step, ..
            } => time_label(v, *step),
            Axis::Continuous { .. } => grouped(v),
            Axis::Categories(c) => {
                let i = v.round();
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let label = ((v - i).abs() < 1e-6 && i >= 0.0)
                    .then(|| c.get(i as usize))
                    .flatten();
                label.map_or_else(String::new, |l| short(l, 20))
            }
        }
    }
}

/// A number with thousands separators (whole numbers of five digits and more).
fn grouped(v: f64) -> String {
    let text = number_label(v);
    if v.fract() != 0.0 || v.abs() < 10_000.0 || text.contains('e') {
        return text;
    }
    let (sign, digits) = text.split_at(usize::from(text.starts_with('-')));
    let mut out = String::from(sign);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// At most `max` characters of `text`, with `…` when cut.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// A round step near `raw`: 1, 2 or 5 times a power of ten.
pub(super) fn nice(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let e = 10f64.powf(raw.log10().floor());
    let f = raw / e;
    e * if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    }
}

/// A round step of time (ms) giving at most about six ticks over `span`.
fn time_step(span: f64) -> f64 {
    const S: f64 = 1000.0;
    const D: f64 = 86_400.0 * S;
    let steps = [
        S,
        5.0 * S,
        15.0 * S,
        60.0 * S,
        300.0 * S,
        900.0 * S,
        1800.0 * S,
        3600.0 * S,
        3.0 * 3600.0 * S,
        6.0 * 3600.0 * S,
        12.0 * 3600.0 * S,
        D,
        2.0 * D,
        7.0 * D,
        30.0 * D,
        91.0 * D,
        365.0 * D,
    ];
    steps
        .into_iter()
        .find(|s| span / s <= 6.0)
        .unwrap_or_else(|| 365.0 * D * nice(span / 6.0 / (365.0 * D)))
}

/// A continuous axis over `values` (with zero when `zero`), widened to round ticks.
pub(super) fn continuous(values: impl Iterator<Item = f64>, time: bool, zero: bool) -> Axis {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if zero {
        (lo, hi) = (lo.min(0.0), hi.max(0.0));
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo <= 0.0 {
        let pad = if time {
            86_400_000.0
        } else {
            lo.abs().max(1.0)
        };
        (lo, hi) = (lo - pad, hi + pad);
        if zero && lo < 0.0 && hi - pad >= 0.0 {
            lo = 0.0;
        }
    }
    let step = if time {
        time_step(hi - lo)
    } else {
        nice((hi - lo) / 6.0)
    };
    let (min, max) = if time {
        (lo, hi)
    } else {
        ((lo / step).floor() * step, (hi / step).ceil() * step)
    };
    Axis::Continuous {
        min,
        max,
        step,
        time,
    }
}

/// A channel's distinct values in order, and where each label is among them.
pub(super) struct Categories {
    pub labels: Vec<String>,
    pub index: HashMap<String, usize>,
}

/// The distinct values of `field` in order (numbers and times by value, text in the order the
/// rows bring it, so that the query's `ORDER BY` orders the bars) and the index of each label.
pub(super) fn categories(field: &Field) -> Categories {
    let mut seen: Vec<&Datum> = Vec::new();
    let mut known = std::collections::HashSet::new();
    for v in &field.values {
        if *v != Datum::Null && known.insert(v.label()) {
            seen.push(v);
        }
    }
    seen.sort_by(|a, b| match (a.position(), b.position()) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => std::cmp::Ordering::Equal,
    });
    let labels: Vec<String> = seen.iter().map(|v| v.label()).collect();
    let index = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i))
        .collect();
    Categories { labels, index }
}

/// A color between light and dark blue for `t` in 0..=1 (Vega-Lite's `blues` ramp, roughly).
pub fn ramp(t: f64) -> Rgb {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: u8, b: u8| {
        let v = f64::from(a) + (f64::from(b) - f64::from(a)) * t;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let byte = v.round().clamp(0.0, 255.0) as u8;
        byte
    };
    (mix(222, 8), mix(235, 48), mix(247, 107))
}

/// One entry of a legend: a group's name and color.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub name: String,
    pub color: Rgb,
}

/// Rows grouped by the color channel.
pub(super) struct Groups {
    /// Each row's group (none for a null color).
    pub of_row: Vec<Option<usize>>,
    /// The groups' names and colors.
    pub legend: Vec<LegendEntry>,
}

/// Rows' groups by the color channel. Numbers colored on a point chart fall into five ranges.
pub(super) fn color_groups(color: Option<&Field>, rows: usize, ranges: bool) -> Groups {
    let Some(color) = color else {
        return Groups {
            of_row: vec![Some(0); rows],
            legend: vec![LegendEntry {
                name: String::new(),
                color: PALETTE[0],
            }],
        };
    };
    if ranges && color.role == Role::Quantitative {
        return value_ranges(color);
    }
    let Categories { labels, index } = categories(color);
    let of_row = color
        .values
        .iter()
        .map(|v| {
            (*v != Datum::Null)
                .then(|| index.get(&v.label()).copied())
                .flatten()
        })
        .collect();
    let legend = labels
        .into_iter()
        .enumerate()
        .map(|(i, l)| LegendEntry {
            name: short(&l, 22),
            color: PALETTE[i % PALETTE.len()],
        })
        .collect();
    Groups { of_row, legend }
}

/// Five equal ranges of a numeric color channel, light to dark.
fn value_ranges(color: &Field) -> Groups {
    const N: usize = 5;
    let numbers = || color.values.iter().filter_map(Datum::position);
    let lo = numbers().fold(f64::INFINITY, f64::min);
    let hi = numbers().fold(f64::NEG_INFINITY, f64::max);
    let width = if hi > lo { (hi - lo) / N as f64 } else { 1.0 };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let of_row = color
        .values
        .iter()
        .map(|v| {
            v.position()
                .map(|p| (((p - lo) / width) as usize).min(N - 1))
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let legend = (0..N)
        .map(|i| {
            let from = lo + width * i as f64;
            LegendEntry {
                name: format!("{} – {}", grouped(from), grouped(from + width)),
                color: ramp((i as f64 + 0.5) / N as f64),
            }
        })
        .collect();
    Groups { of_row, legend }
}

/// A filled rectangle between two corners.
#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub color: Rgb,
}

/// Points of one group, in drawing order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub color: Rgb,
    pub points: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Marks {
    Rects(Vec<Rect>),
    Lines(Vec<Series>),
    /// Areas down to the value given.
    Areas(Vec<Series>, f64),
    Points(Vec<Series>),
}

/// Everything the static drawing shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub x: Axis,
    pub y: Axis,
    pub x_title: String,
    pub y_title: String,
    pub marks: Marks,
    /// Groups' names and colors (empty: no legend), under the color channel's name.
    pub legend: Vec<LegendEntry>,
    pub legend_title: String,
}

/// The legend as drawn: nothing for a single unnamed group, at most [`MAX_LEGEND`] entries.
pub(super) fn legend(mut entries: Vec<LegendEntry>, colored: bool) -> Vec<LegendEntry> {
    if !colored {
        return Vec::new();
    }
    if entries.len() > MAX_LEGEND {
        let more = entries.len() - (MAX_LEGEND - 1);
        entries.truncate(MAX_LEGEND - 1);
        entries.push(LegendEntry {
            name: format!("… {more} more"),
            color: (255, 255, 255),
        });
    }
    entries
}
