//! The static SVG of a chart, drawn with plotters' SVG backend from the geometry `scale` and
//! `marks` work out: for nbconvert's HTML and Markdown, GitHub, and any front end without
//! Vega. plotters escapes every text it writes; the SVG holds no script. Draws into a string:
//! no I/O, and nothing of what to draw is decided here.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::marks::plot;
use super::scale::{Axis, Marks, Plot, Rgb};
use super::{ChartError, Figure};

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 400;
const FONT: &str = "sans-serif";
/// The legend's column at the right.
const LEGEND_WIDTH: u32 = 150;

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// An axis as plotters maps it: linear, with its ticks where `scale` put them (no light lines).
struct Coord {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Coord {
    fn of(axis: &Axis) -> Coord {
        let range = axis.range();
        Coord {
            lo: range.start,
            hi: range.end,
            ticks: axis.ticks(),
        }
    }
}

impl Ranged for Coord {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = if self.hi > self.lo {
            (value - self.lo) / (self.hi - self.lo)
        } else {
            0.5
        };
        let pixels = f64::from(limit.1 - limit.0) * share;
        // Pixels of a 640×400 drawing: far inside i32 (clamped for values off the axis).
        #[allow(clippy::cast_possible_truncation)]
        let offset = pixels.round().clamp(-1e6, 1e6) as i32;
        limit.0 + offset
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The chart as an SVG document.
pub fn draw(chart: &Figure) -> Result<String, ChartError> {
    let plot = plot(chart);
    let mut out = String::new();
    draw_into(&mut out, &plot, chart.title.as_deref())
        .map_err(|e| ChartError::Draw(e.to_string()))?;
    Ok(out)
}

fn draw_into<'a>(
    out: &'a mut String,
    plot: &Plot,
    title: Option<&str>,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let area = if plot.legend.is_empty() {
        root.clone()
    } else {
        let (area, key) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
        legend(&key, plot)?;
        area
    };
    let mut builder = ChartBuilder::on(&area);
    builder
        .margin(14)
        .margin_right(50)
        .x_label_area_size(56)
        .y_label_area_size(72);
    if let Some(title) = title {
        builder.caption(title, (FONT, 18));
    }
    let mut chart = builder.build_cartesian_2d(Coord::of(&plot.x), Coord::of(&plot.y))?;
    let x_label = |v: &f64| plot.x.label(*v);
    let y_label = |v: &f64| plot.y.label(*v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(221, 221, 221))
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(plot.x_title.as_str())
        .y_desc(plot.y_title.as_str())
        .label_style((FONT, 11))
        .axis_desc_style((FONT, 12))
        .draw()?;
    match &plot.marks {
        Marks::Rects(rects) => {
            chart.draw_series(
                rects
                    .iter()
                    .map(|r| Rectangle::new([r.from, r.to], rgb(r.color).filled())),
            )?;
        }
        Marks::Lines(series) => {
            let few = series.iter().map(|s| s.points.len()).sum::<usize>() <= 100;
            for s in series {
                let color = rgb(s.color);
                chart.draw_series(LineSeries::new(
                    s.points.iter().copied(),
                    color.stroke_width(2),
                ))?;
                // Few points: each is marked too (a group of one is a point, not nothing).
                if few {
                    chart
                        .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
                }
            }
        }
        Marks::Areas(series, base) => {
            for s in series {
                let color = rgb(s.color);
                chart.draw_series(
                    AreaSeries::new(s.points.iter().copied(), *base, color.mix(0.5))
                        .border_style(color.stroke_width(2)),
                )?;
            }
        }
        Marks::Points(series) => {
            for s in series {
                let color = rgb(s.color);
                chart.draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
            }
        }
    }
    root.present()?;
    Ok(())
}

/// The legend in its column: the color channel's name, then a swatch and a name per group.
fn legend<'a>(
    key: &DrawingArea<SVGBackend<'a>, plotters::coord::Shift>,
    plot: &Plot,
) -> Result<(), Box<dyn std::error::Error + 'a>> {
    key.draw(&Text::new(
        plot.legend_title.clone(),
        (4, 40),
        (FONT, 12).into_font().style(FontStyle::Bold),
    ))?;
    for (i, entry) in plot.legend.iter().enumerate() {
        let y = 60 + 18 * i32::try_from(i).unwrap_or(0);
        key.draw(&Rectangle::new(
            [(4, y), (14, y + 10)],
            rgb(entry.color).filled(),
        ))?;
        key.draw(&Text::new(entry.name.clone(), (20, y), (FONT, 11)))?;
    }
    Ok(())
}
