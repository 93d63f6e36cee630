//! Charts of a fixed small result: the Vega-Lite spec and the SVG against reviewed snapshots
//! (`cargo insta review`), every kind drawn, the errors a user meets, and hostile text.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;

use super::*;
use spark_connect::SparkType;

fn columns() -> Vec<Column> {
    [
        ("phylum", "string"),
        ("genomes", "bigint"),
        ("gc.mean", "double"),
        ("day", "date"),
        ("seen", "timestamp"),
    ]
    .into_iter()
    .map(|(name, type_name)| Column {
        name: name.into(),
        type_name: type_name.into(),
        data_type: SparkType::Plain,
    })
    .collect()
}

/// Six rows; the phylum of the last one is hostile.
#[track_caller]
fn batch(columns: &[Column]) -> RecordBatch {
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![
            Some("Bacillota"),
            Some("Pseudomonadota"),
            Some("Bacillota"),
            None,
            Some("Actinomycetota"),
            Some("</text><script>alert(1)</script>"),
        ])),
        Arc::new(Int64Array::from(vec![
            Some(12),
            Some(30),
            Some(8),
            Some(5),
            None,
            Some(1),
        ])),
        Arc::new(Float64Array::from(vec![
            0.41,
            0.62,
            0.38,
            0.5,
            0.71,
            f64::NAN,
        ])),
        Arc::new(Date32Array::from(vec![
            19_723, 19_724, 19_724, 19_725, 19_726, 19_727,
        ])),
        Arc::new(
            TimestampMicrosecondArray::from(vec![
                1_704_103_200_000_000i64, // 2024-01-01 10:00 UTC
                1_704_106_800_000_000,
                1_704_110_400_000_000,
                1_704_114_000_000_000,
                1_704_117_600_000_000,
                1_704_121_200_000_000,
            ])
            .with_timezone("UTC"),
        ),
    ];
    RecordBatch::try_from_iter(columns.iter().map(|c| c.name.clone()).zip(arrays)).unwrap()
}

fn plan(kind: ChartKind, x: &str, y: Option<&str>, color: Option<&str>) -> ChartPlan {
    ChartPlan {
        kind,
        x: x.into(),
        y: y.map(Into::into),
        color: color.map(Into::into),
        title: None,
    }
}

#[track_caller]
fn chart_of(plan: &ChartPlan, cap: usize) -> Result<Figure, String> {
    let columns = columns();
    let batches = vec![batch(&columns)];
    let rows = ChartData {
        columns: &columns,
        batches: &batches,
        more: false,
    };
    build(plan, &rows, &Zone::parse("America/Chicago").unwrap(), cap).map_err(|e| e.to_string())
}

#[test]
fn a_bar_chart_spec_and_svg_match_their_snapshots() {
    let mut p = plan(ChartKind::Bar, "phylum", Some("genomes"), Some("day"));
    p.title = Some("Genomes by phylum".into());
    let chart = chart_of(&p, 5000).unwrap();
    let bundle = bundle(&chart, 5000).unwrap();
    insta::assert_json_snapshot!("bar_spec", bundle["application/vnd.vegalite.v5+json"]);
    insta::assert_snapshot!("bar_svg", bundle["image/svg+xml"].as_str().unwrap());
    assert_eq!(
        bundle["text/plain"],
        "Bar chart of genomes by phylum, colored by day (Genomes by phylum): 6 rows."
    );
}

#[test]
fn every_kind_draws_an_svg_without_scripts_and_a_spec_with_every_row() {
    let plans = [
        plan(ChartKind::Bar, "phylum", Some("genomes"), None),
        plan(ChartKind::Line, "day", Some("gc.mean"), Some("phylum")),
        plan(ChartKind::Area, "seen", Some("genomes"), None),
        plan(
            ChartKind::Point,
            "gc.mean",
            Some("genomes"),
            Some("genomes"),
        ),
        plan(ChartKind::Point, "gc.mean", Some("phylum"), None),
        plan(ChartKind::Histogram, "gc.mean", None, Some("phylum")),
        plan(ChartKind::Heatmap, "phylum", Some("day"), Some("gc.mean")),
    ];
    for p in plans {
        let chart = chart_of(&p, 5000).unwrap();
        let bundle = bundle(&chart, 5000).unwrap();
        let svg = bundle["image/svg+xml"].as_str().unwrap();
        assert!(svg.starts_with("<svg"), "{p:?}");
        assert!(svg.trim_end().ends_with("</svg>"), "{p:?}");
        assert!(!svg.contains("<script"), "{p:?}: {svg}");
        let spec = &bundle["application/vnd.vegalite.v5+json"];
        assert_eq!(spec["data"]["values"].as_array().unwrap().len(), 6, "{p:?}");
        assert_eq!(spec["$schema"], vegalite::SCHEMA);
        assert!(
            svg.matches("<rect").count()
                + svg.matches("<polyline").count()
                + svg.matches("<circle").count()
                > 2,
            "{p:?}: {svg}"
        );
    }
}

#[test]
fn hostile_text_stays_text_in_the_svg_and_the_spec() {
    let chart = chart_of(
        &plan(ChartKind::Bar, "phylum", Some("genomes"), Some("phylum")),
        5000,
    )
    .unwrap();
    let bundle = bundle(&chart, 5000).unwrap();
    let svg = bundle["image/svg+xml"].as_str().unwrap();
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"), "{svg}");
    assert!(!svg.contains("<script"), "{svg:?}");
    let spec = &bundle["application/vnd.vegalite.v5+json"];
    assert_eq!(
        spec["data"]["values"][5]["phylum"],
        "</text><script>alert(1)</script>"
    );
}

#[test]
fn types_decide_the_encoding_and_times_are_the_sessions_wall_clock() {
    let chart = chart_of(&plan(ChartKind::Line, "seen", Some("gc.mean"), None), 5000).unwrap();
    let spec = vegalite::spec(&chart);
    assert_eq!(spec["encoding"]["x"]["type"], "temporal");
    assert_eq!(
        spec["encoding"]["x"]["timeUnit"],
        "utcyearmonthdatehoursminutesseconds"
    );
    // 10:00 UTC is 04:00 in Chicago (the table shows 04:00; so does the chart).
    assert_eq!(
        spec["data"]["values"][0]["seen"],
        "2024-01-01T04:00:00.000Z"
    );
    // A NaN cannot be placed: it is a null.
    assert_eq!(
        spec["data"]["values"][5]["gc.mean"],
        serde_json::Value::Null
    );
    // A dot in a name is escaped for Vega-Lite, not in the data.
    assert_eq!(spec["encoding"]["y"]["field"], "gc\\.mean");
    assert_eq!(spec["encoding"]["y"]["title"], "gc.mean");
    let days = chart_of(&plan(ChartKind::Bar, "day", Some("genomes"), None), 5000).unwrap();
    let spec = vegalite::spec(&days);
    assert_eq!(spec["encoding"]["x"]["type"], "ordinal");
    assert_eq!(spec["encoding"]["x"]["timeUnit"], "utcyearmonthdate");
    assert_eq!(spec["data"]["values"][0]["day"], "2024-01-01T00:00:00.000Z");
}

#[test]
fn a_missing_column_or_a_type_that_does_not_fit_is_a_clear_error() {
    let error = chart_of(&plan(ChartKind::Bar, "phyla", Some("genomes"), None), 5000).unwrap_err();
    assert_eq!(
        error,
        "x=phyla: the result has no such column; its columns are phylum, genomes, gc.mean, day, seen"
    );
    let error = chart_of(&plan(ChartKind::Line, "day", Some("phylum"), None), 5000).unwrap_err();
    assert_eq!(
        error,
        "y=phylum is a string column: a line chart needs numbers on y"
    );
    let error = chart_of(&plan(ChartKind::Histogram, "day", None, None), 5000).unwrap_err();
    assert!(error.contains("x=day is a date column"), "{error}");
    let error = chart_of(
        &plan(ChartKind::Heatmap, "day", Some("phylum"), Some("phylum")),
        5000,
    )
    .unwrap_err();
    assert!(error.contains("color=phylum is a string column"), "{error}");
    // Names are found whatever their case, as Spark finds them.
    assert_eq!(
        chart_of(&plan(ChartKind::Bar, "PHYLUM", Some("Genomes"), None), 5000)
            .unwrap()
            .x
            .name,
        "phylum"
    );
}

#[test]
fn rows_past_the_cap_are_left_out_and_the_text_says_so() {
    let chart = chart_of(&plan(ChartKind::Point, "gc.mean", Some("genomes"), None), 4).unwrap();
    assert_eq!((chart.rows, chart.left_out), (4, true));
    assert_eq!(
        vegalite::spec(&chart)["data"]["values"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let text = describe(&chart, 4);
    assert!(text.contains("only the first 4 rows"), "{text}");
    let whole = chart_of(&plan(ChartKind::Point, "gc.mean", Some("genomes"), None), 6).unwrap();
    assert!(!whole.left_out, "{:?}", whole.left_out);
}

#[test]
fn a_histogram_counts_rows_in_round_bins() {
    let chart = chart_of(&plan(ChartKind::Histogram, "genomes", None, None), 5000).unwrap();
    let plot = marks::plot(&chart);
    let scale::Marks::Rects(rects) = &plot.marks else {
        panic!("{plot:?}")
    };
    // 12, 30, 8, 5, 1 (one null): 29/30 → bins of 1; five bins with one row each.
    let heights: Vec<f64> = rects.iter().map(|r| r.to.1 - r.from.1).collect();
    assert_eq!(heights, vec![1.0; 5]);
    assert_eq!(plot.y_title, "rows");
}

#[test]
fn text_categories_keep_the_order_of_the_rows_in_the_spec_and_the_svg() {
    let chart = chart_of(&plan(ChartKind::Bar, "phylum", Some("genomes"), None), 5000).unwrap();
    let bundle = bundle(&chart, 5000).unwrap();
    let spec = &bundle["application/vnd.vegalite.v5+json"];
    assert_eq!(
        spec["encoding"]["x"].get("sort"),
        Some(&serde_json::Value::Null),
        "{spec}"
    );
    let svg = bundle["image/svg+xml"].as_str().unwrap();
    let at = |label: &str| {
        svg.find(&format!(">\n{label}\n<"))
            .unwrap_or_else(|| panic!("{label} in {svg}"))
    };
    // The rows bring Bacillota, Pseudomonadota, then Actinomycetota: not alphabetical.
    assert!(at("Bacillota") < at("Pseudomonadota"), "{svg}");
    assert!(at("Pseudomonadota") < at("Actinomycetota"), "{svg}");
}
