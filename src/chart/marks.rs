//! The marks of each kind of chart in axis coordinates, aggregated as the Vega-Lite spec
//! aggregates them: bars summed per category and stacked per color, histograms counted per
//! bin, heatmap cells averaged; lines, areas and points grouped by color. Pure arithmetic.
//! Must not: draw (`svg` does).

use std::collections::HashMap;

use super::scale::{
    categories, color_groups, continuous, legend, nice, ramp, Axis, Categories, Groups,
    LegendEntry, Marks, Plot, Rect, Series, MAX_BINS,
};
use super::{ChartKind, Datum, Figure, Role};

/// The drawing of `chart`.
pub fn plot(chart: &Figure) -> Plot {
    match chart.kind {
        ChartKind::Bar => bars(chart),
        ChartKind::Histogram => histogram(chart),
        ChartKind::Heatmap => heatmap(chart),
        ChartKind::Line | ChartKind::Area | ChartKind::Point => series(chart),
    }
}

/// Stacks `(slot, group, value)` sums into rectangles `width` wide around each slot's center
/// (positive values up from zero, negative ones down), and the extent of the stacks.
fn stacked(
    sums: &HashMap<(usize, usize), f64>,
    center: impl Fn(usize) -> f64,
    width: f64,
    colors: &[super::scale::Rgb],
) -> (Vec<Rect>, f64, f64) {
    let mut keys: Vec<&(usize, usize)> = sums.keys().collect();
    keys.sort();
    let mut bases: HashMap<usize, (f64, f64)> = HashMap::new();
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    let mut rects = Vec::new();
    for &(slot, group) in keys {
        let v = sums[&(slot, group)];
        let (up, down) = bases.entry(slot).or_insert((0.0, 0.0));
        let base = if v >= 0.0 { up } else { down };
        let from = *base;
        *base += v;
        (lo, hi) = (lo.min(*base), hi.max(*base));
        let c = center(slot);
        rects.push(Rect {
            from: (c - width / 2.0, from),
            to: (c + width / 2.0, *base),
            color: colors[group % colors.len().max(1)],
        });
    }
    (rects, lo, hi)
}

/// The legend's title: the color channel's name.
fn title_of(chart: &Figure) -> String {
    chart
        .color
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// Bars: the sum of y per x category, stacked by color.
pub fn bars(chart: &Figure) -> Plot {
    let Categories { labels, index } = categories(&chart.x);
    let Groups {
        of_row: group_of,
        legend: groups,
    } = color_groups(chart.color.as_ref(), chart.rows, false);
    let mut sums: HashMap<(usize, usize), f64> = HashMap::new();
    let ys = chart.y.as_ref().map(|y| &y.values[..]).unwrap_or_default();
    for (row, (x, y)) in chart.x.values.iter().zip(ys).enumerate() {
        let (Some(&slot), Some(v), Some(Some(g))) =
            (index.get(&x.label()), y.position(), group_of.get(row))
        else {
            continue;
        };
        *sums.entry((slot, *g)).or_default() += v;
    }
    let colors: Vec<_> = groups.iter().map(|g| g.color).collect();
    #[allow(clippy::cast_precision_loss)]
    let (rects, lo, hi) = stacked(&sums, |slot| slot as f64, 0.8, &colors);
    Plot {
        x: Axis::Categories(labels),
        y: continuous([lo, hi].into_iter(), false, true),
        x_title: chart.x.name.clone(),
        y_title: chart
            .y
            .as_ref()
            .map(|y| format!("sum of {}", y.name))
            .unwrap_or_default(),
        marks: Marks::Rects(rects),
        legend: legend(groups, chart.color.is_some()),
        legend_title: title_of(chart),
    }
}

/// A histogram: rows counted in round bins of x (at most [`MAX_BINS`]), stacked by color.
pub fn histogram(chart: &Figure) -> Plot {
    let numbers = || chart.x.values.iter().filter_map(Datum::position);
    let lo = numbers().fold(f64::INFINITY, f64::min);
    let hi = numbers().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    #[allow(clippy::cast_precision_loss)]
    let step = if hi > lo {
        nice((hi - lo) / MAX_BINS as f64)
    } else {
        1.0
    };
    let start = (lo / step).floor() * step;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bins = (((hi - start) / step).floor() as usize + 1).max(1);
    let Groups {
        of_row: group_of,
        legend: groups,
    } = color_groups(chart.color.as_ref(), chart.rows, false);
    let mut counts: HashMap<(usize, usize), f64> = HashMap::new();
    for (row, x) in chart.x.values.iter().enumerate() {
        let (Some(v), Some(Some(g))) = (x.position(), group_of.get(row)) else {
            continue;
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let bin = (((v - start) / step).floor() as usize).min(bins - 1);
        *counts.entry((bin, *g)).or_default() += 1.0;
    }
    let colors: Vec<_> = groups.iter().map(|g| g.color).collect();
    #[allow(clippy::cast_precision_loss)]
    let (rects, _, top) = stacked(
        &counts,
        |bin| start + step * (bin as f64 + 0.5),
        step * 0.95,
        &colors,
    );
    #[allow(clippy::cast_precision_loss)]
    let end = start + step * bins as f64;
    let x = match continuous([start, end].into_iter(), false, false) {
        Axis::Continuous { step, time, .. } => Axis::Continuous {
            min: start,
            max: end,
            step,
            time,
        },
        other => other,
    };
    // Counts are whole: ticks at least one apart.
    let y = match continuous([0.0, top].into_iter(), false, true) {
        Axis::Continuous {
            min,
            max,
            step,
            time,
        } if step < 1.0 => Axis::Continuous {
            min,
            max: max.ceil().max(1.0),
            step: 1.0,
            time,
        },
        other => other,
    };
    Plot {
        x,
        y,
        x_title: format!("{} (binned)", chart.x.name),
        y_title: "rows".into(),
        marks: Marks::Rects(rects),
        legend: legend(groups, chart.color.is_some()),
        legend_title: title_of(chart),
    }
}

/// A heatmap: the mean of color per (x, y) cell, light to dark.
pub fn heatmap(chart: &Figure) -> Plot {
    let Categories {
        labels: xs,
        index: x_index,
    } = categories(&chart.x);
    let Some(y) = chart.y.as_ref() else {
        return series(chart);
    };
    // The first category at the top, as Vega-Lite draws a discrete y.
    let Categories {
        labels: mut ys,
        index: mut y_index,
    } = categories(y);
    ys.reverse();
    let last = ys.len().saturating_sub(1);
    y_index.values_mut().for_each(|j| *j = last - *j);
    let mut cells: HashMap<(usize, usize), (f64, f64)> = HashMap::new();
    let colors = chart
        .color
        .as_ref()
        .map(|c| &c.values[..])
        .unwrap_or_default();
    for ((x, y), c) in chart.x.values.iter().zip(&y.values).zip(colors) {
        let (Some(&i), Some(&j), Some(v)) = (
            x_index.get(&x.label()),
            y_index.get(&y.label()),
            c.position(),
        ) else {
            continue;
        };
        let cell = cells.entry((i, j)).or_default();
        *cell = (cell.0 + v, cell.1 + 1.0);
    }
    let means: Vec<((usize, usize), f64)> = cells
        .into_iter()
        .map(|(k, (sum, n))| (k, sum / n))
        .collect();
    let lo = means.iter().map(|m| m.1).fold(f64::INFINITY, f64::min);
    let hi = means.iter().map(|m| m.1).fold(f64::NEG_INFINITY, f64::max);
    let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let mut rects: Vec<Rect> = means
        .iter()
        .map(|&((i, j), v)| {
            #[allow(clippy::cast_precision_loss)]
            let (x, y) = (i as f64, j as f64);
            Rect {
                from: (x - 0.5, y - 0.5),
                to: (x + 0.5, y + 0.5),
                color: ramp(t(v)),
            }
        })
        .collect();
    rects.sort_by(|a, b| {
        a.from
            .partial_cmp(&b.from)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let entry = |value: f64, t: f64| LegendEntry {
        name: super::data::number_label(value),
        color: ramp(t),
    };
    let key = if lo.is_finite() {
        vec![entry(lo, 0.0), entry((lo + hi) / 2.0, 0.5), entry(hi, 1.0)]
    } else {
        Vec::new()
    };
    Plot {
        x: Axis::Categories(xs),
        y: Axis::Categories(ys),
        x_title: chart.x.name.clone(),
        y_title: y.name.clone(),
        marks: Marks::Rects(rects),
        legend: key,
        legend_title: title_of(chart),
    }
}

/// An axis for the values of a channel: categories for text, else continuous (with zero for
/// numbers, as Vega-Lite's).
fn axis_of(field: &super::Field) -> Placed {
    if field.role == Role::Nominal {
        let Categories { labels, index } = categories(field);
        return Placed {
            axis: Axis::Categories(labels),
            index,
        };
    }
    // Vega-Lite puts zero on quantitative axes (not on time).
    let axis = continuous(
        field.values.iter().filter_map(Datum::position),
        field.role == Role::Temporal,
        field.role == Role::Quantitative,
    );
    Placed {
        axis,
        index: HashMap::new(),
    }
}

/// A channel's axis, and where each text value sits on it (empty for a continuous axis).
struct Placed {
    axis: Axis,
    index: HashMap<String, usize>,
}

/// Lines, areas and points: one series per color group.
pub fn series(chart: &Figure) -> Plot {
    let Placed {
        axis: x_axis,
        index: x_index,
    } = axis_of(&chart.x);
    let Some(y) = chart.y.as_ref() else {
        return bars(chart);
    };
    let Placed {
        axis: y_axis,
        index: y_index,
    } = axis_of(y);
    #[allow(clippy::cast_precision_loss)]
    let at = |d: &Datum, index: &HashMap<String, usize>| match d {
        Datum::Null => None,
        Datum::Text(t) => index.get(t).map(|&i| i as f64),
        other => other.position(),
    };
    let Groups {
        of_row: group_of,
        legend: groups,
    } = color_groups(
        chart.color.as_ref(),
        chart.rows,
        chart.kind == ChartKind::Point,
    );
    let mut all: Vec<Series> = groups
        .iter()
        .map(|g| Series {
            color: g.color,
            points: Vec::new(),
        })
        .collect();
    for (row, (x, y)) in chart.x.values.iter().zip(&y.values).enumerate() {
        if let (Some(px), Some(py), Some(Some(g))) =
            (at(x, &x_index), at(y, &y_index), group_of.get(row))
        {
            all[*g].points.push((px, py));
        }
    }
    if chart.kind != ChartKind::Point {
        for s in &mut all {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
    }
    let base = match &y_axis {
        Axis::Continuous { min, max, .. } => 0.0f64.clamp(*min, *max),
        Axis::Categories(_) => 0.0,
    };
    let marks = match chart.kind {
        ChartKind::Line => Marks::Lines(all),
        ChartKind::Area => Marks::Areas(all, base),
        _ => Marks::Points(all),
    };
    Plot {
        x: x_axis,
        y: y_axis,
        x_title: chart.x.name.clone(),
        y_title: y.name.clone(),
        marks,
        legend: legend(groups, chart.color.is_some()),
        legend_title: title_of(chart),
    }
}
