//! Result tables at their edges, compared with reviewed snapshots: hostile names and values,
//! an empty result, long values cut, 300 columns, time zones, the output bound, plans as text.
//! The builders of results are shared with `snapshot_tests`.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray};

use super::snapshot_tests::{column, html, nested, options, plain, result, strings, text, SUMMER};
use super::{result_table, TableOptions, Zone};
use spark_connect::{Column, SparkType};

#[test]
fn hostile_names_and_values_are_escaped() {
    let r = result(
        vec![plain("<script>alert(1)</script>", "string")],
        vec![Arc::new(StringArray::from(vec![
            "<img src=x onerror=alert(1)>",
            "\"><svg onload=alert(2)>",
        ]))],
        false,
    );
    let html = result_table(&r, &options())["text/html"]
        .as_str()
        .unwrap()
        .to_owned();
    for raw in ["<script", "<img", "<svg", "onerror=alert(1)>"] {
        assert!(!html.contains(raw), "{raw} reached the HTML");
    }
    assert!(
        !html.contains("\n\n"),
        "a blank line would end the HTML block in Markdown"
    );
    insta::assert_snapshot!("hostile_html", self::html(&r, &options()));
}

#[test]
fn an_empty_result_shows_its_header() {
    let r = result(
        vec![plain("id", "bigint"), plain("name", "string")],
        vec![
            Arc::new(Int64Array::from(Vec::<i64>::new())),
            Arc::new(StringArray::from(Vec::<&str>::new())),
        ],
        false,
    );
    insta::assert_snapshot!("empty_text", text(&r, &options()));
    insta::assert_snapshot!("empty_html", html(&r, &options()));
}

#[test]
fn long_values_are_cut_at_a_visible_marker_never_silently() {
    let long = "x".repeat(10_000);
    let r = result(
        vec![plain("long", "string")],
        vec![Arc::new(StringArray::from(vec![long.as_str()]))],
        false,
    );
    let shown = text(&r, &options());
    insta::assert_snapshot!("cut_text", shown);
    assert!(
        shown.contains(&format!("{}…", "x".repeat(100))),
        "{shown:?}"
    );
    assert!(!shown.contains(&"x".repeat(101)), "{shown:?}");
    let html = html(&r, &options());
    assert!(
        html.contains("title=\"cut: 10000 characters in all\">…</span>"),
        "{html:?}"
    );
    assert!(
        html.contains("values longer than 100 characters are cut"),
        "{html:?}"
    );
    let everything = TableOptions {
        max_chars: 0,
        ..options()
    };
    let whole = text(&r, &everything);
    assert!(whole.contains(&long), "{whole:?}");
    assert!(!whole.contains('…'), "{whole:?}");
    assert!(!whole.contains("cut"), "{whole:?}");
    let short = TableOptions {
        max_chars: 5,
        ..options()
    };
    assert!(
        text(&r, &short).contains("| xxxxx… |"),
        "{:?}",
        text(&r, &short)
    );
}

#[test]
fn three_hundred_columns_stay_one_table() {
    let columns: Vec<Column> = (0..300).map(|i| plain(&format!("c{i}"), "int")).collect();
    let arrays: Vec<ArrayRef> = (0..300)
        .map(|i| Arc::new(Int32Array::from(vec![i, -i])) as ArrayRef)
        .collect();
    let r = result(columns, arrays, true);
    let text = text(&r, &options());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert_eq!(lines[1].matches('|').count(), 301);
    insta::assert_snapshot!("wide_text", text);
    let html = html(&r, &options());
    assert_eq!(html.matches("</th>").count(), 300);
    assert_eq!(html.matches("</td>").count(), 600);
    assert!(
        html.contains("showing the first 2 rows; more exist (%limit N shows more)"),
        "{html:?}"
    );
}

#[test]
fn timestamps_follow_the_session_time_zone() {
    let r = result(
        vec![plain("ts", "timestamp")],
        vec![Arc::new(
            TimestampMicrosecondArray::from(vec![SUMMER]).with_timezone("UTC"),
        )],
        false,
    );
    let in_zone = |zone: &str| {
        text(
            &r,
            &TableOptions {
                zone: Zone::parse(zone).unwrap(),
                ..TableOptions::default()
            },
        )
    };
    assert!(
        super::needs_time_zone(&r),
        "a timestamp column needs the session time zone"
    );
    assert!(
        !super::needs_time_zone(&strings()),
        "strings need no time zone"
    );
    assert!(
        super::needs_time_zone(&nested()),
        "variants may hold timestamps"
    );
    assert!(
        in_zone("UTC").contains("2024-07-02 10:04:05.12"),
        "{:?}",
        in_zone("UTC")
    );
    assert!(
        in_zone("America/Los_Angeles").contains("2024-07-02 03:04:05.12"),
        "{:?}",
        in_zone("America/Los_Angeles")
    );
    assert!(
        in_zone("+05:30").contains("2024-07-02 15:34:05.12"),
        "{:?}",
        in_zone("+05:30")
    );
}

#[test]
fn a_table_past_its_output_bound_shows_the_rows_that_fit_and_says_so() {
    let words: Vec<String> = (0..20_000)
        .map(|i| format!("value number {i:05}"))
        .collect();
    let big = result(
        vec![column("w", "string", SparkType::Plain)],
        vec![Arc::new(StringArray::from(words)) as ArrayRef],
        true,
    );
    let bound = TableOptions {
        max_bytes: 100_000,
        ..options()
    };
    let table = result_table(&big, &bound);
    let (text, html) = (
        table["text/plain"].as_str().unwrap(),
        table["text/html"].as_str().unwrap(),
    );
    assert!(
        text.len() + html.len() < 120_000,
        "{} bytes",
        text.len() + html.len()
    );
    assert!(text.contains("| value number 00000 |"), "{text}");
    assert!(!text.contains("value number 19999"), "{text:?}");
    let shown = text.matches("| value number").count();
    assert!(shown > 1000, "{shown}");
    assert!(shown < 20_000, "{shown}");
    assert!(
        text.contains(&format!(
            "showing the first {shown} of 20000 or more rows: a table may weigh 1 MB"
        )),
        "{}",
        text.lines().last().unwrap()
    );
    assert!(html.contains("SPARK_SQL_KERNEL_MAX_OUTPUT_MB"), "{html:?}");
    // Within the bound: every row, as before.
    let whole = result_table(&big, &options());
    assert_eq!(
        whole["text/plain"]
            .as_str()
            .unwrap()
            .matches("| value number")
            .count(),
        20_000
    );
}

#[test]
fn plans_and_statements_read_as_whole_text() {
    let plan = format!(
        "== Physical Plan ==\n*(1) Filter (id#0L > 1)\n+- *(1) Range (0, 10, step=1, splits=2) <{}>",
        "x".repeat(300)
    );
    let one = |name: &str, value: &str| {
        result(
            vec![column(name, "string", SparkType::Plain)],
            vec![Arc::new(StringArray::from(vec![value])) as ArrayRef],
            false,
        )
    };
    let table = result_table(&one("plan", &plan), &options());
    assert_eq!(
        table["text/plain"].as_str().unwrap(),
        plan,
        "whole, real newlines"
    );
    let html = table["text/html"].as_str().unwrap();
    assert!(
        html.contains("<pre class=\"spark-sql-text\">== Physical Plan ==\n*(1) Filter"),
        "{html}"
    );
    assert!(html.contains("&lt;xxx"), "escaped");
    assert!(!html.contains("<xxx"), "escaped");
    // Any one-row, one-column string with newlines; a one-line string stays a table.
    let note = result_table(&one("note", "line one\nline two"), &options());
    assert_eq!(note["text/plain"].as_str().unwrap(), "line one\nline two");
    let word = result_table(&one("note", "just one line"), &options());
    assert!(
        word["text/plain"]
            .as_str()
            .unwrap()
            .contains("| just one line |"),
        "{:?}",
        word["text/plain"].as_str().unwrap()
    );
    // DESCRIBE FUNCTION's rows are its lines.
    let described = result(
        vec![column("function_desc", "string", SparkType::Plain)],
        vec![Arc::new(StringArray::from(vec!["Function: abs", "Usage: abs(expr)"])) as ArrayRef],
        false,
    );
    let text = result_table(&described, &options());
    assert_eq!(
        text["text/plain"].as_str().unwrap(),
        "Function: abs\nUsage: abs(expr)"
    );
}

#[test]
fn the_summary_names_no_magic_unless_the_caller_gives_hints() {
    let r = result(
        vec![plain("c", "int")],
        vec![Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef],
        true,
    );
    let bare = text(&r, &TableOptions::default());
    let summary = bare.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("showing the first 2 rows; more exist · "),
        "{summary}"
    );
    assert!(!bare.contains('%'), "rendering knows no magics: {bare}");
    let hinted = text(&r, &options());
    assert!(
        hinted.contains("more exist (%limit N shows more) · "),
        "{hinted}"
    );
}
