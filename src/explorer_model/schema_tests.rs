//! The comm protocol's one description is `labextension/schema/protocol.schema.json`: the
//! frontend's TypeScript types are generated from it, and here every message the kernel sends
//! (each event, the display) and every request it reads is checked against it, so neither side
//! can drift. Adding an event without its schema fails to compile (the exhaustive match below)
//! or fails here.

use serde_json::{json, Value};

use super::protocol::{
    ColumnSummary, Display, Event, ExportFormat, FilterOp, Gone, ViewColumn, ViewRequest,
};

const SCHEMA: &str = include_str!("../../labextension/schema/protocol.schema.json");

#[track_caller]
fn assert_valid(part: &str, value: Value) {
    crate::schema_check::assert_valid(SCHEMA, part, value);
}

/// Which event each is, so that a new variant must be added here (the match is exhaustive).
fn variant(event: &Event) -> &'static str {
    match event {
        Event::Ready { .. } => "ready",
        Event::Live { .. } => "live",
        Event::Gone { .. } => "gone",
        Event::Page { .. } => "page",
        Event::Count { .. } => "count",
        Event::Summary { .. } => "summary",
        Event::Progress { .. } => "progress",
        Event::Exported { .. } => "exported",
        Event::Error { .. } => "error",
        Event::Paused { .. } => "paused",
        Event::Resumed { .. } => "resumed",
        Event::Label { .. } => "label",
    }
}

fn every_event() -> Vec<Event> {
    let message = || "words".to_owned();
    vec![
        Event::Ready {
            total: 3,
            seconds: 0.5,
        },
        Event::Live {
            estimate: u64::MAX,
            message: message(),
        },
        Event::Gone {
            why: Gone::Unknown,
            message: message(),
        },
        Event::Gone {
            why: Gone::Evicted,
            message: message(),
        },
        Event::Gone {
            why: Gone::Failed,
            message: message(),
        },
        Event::Page {
            id: 1,
            start: 100,
            rows: vec![vec![Some("a".into()), None]],
            seconds: 0.1,
        },
        Event::Count {
            id: 2,
            total: 7,
            seconds: 0.2,
        },
        Event::Summary {
            id: 3,
            rows: 7,
            columns: vec![ColumnSummary {
                nulls: 1,
                distinct: None,
                min: Some("a".into()),
                max: None,
            }],
        },
        Event::Progress {
            id: 4,
            rows: 10,
            bytes: 300,
        },
        Event::Exported {
            id: 4,
            message: message(),
        },
        Event::Error {
            id: 5,
            message: message(),
        },
        Event::Paused {
            id: 0,
            message: message(),
        },
        Event::Resumed { id: 0 },
        Event::Label {
            label: "_12 is gone · q-7f3a9c2e41d0".into(),
        },
    ]
}

#[test]
fn every_event_the_kernel_sends_follows_the_schema() {
    let events = every_event();
    let mut kinds: Vec<&str> = events.iter().map(variant).collect();
    kinds.dedup();
    assert_eq!(kinds.len(), 12, "every variant has an example: {kinds:?}");
    for event in events {
        let value = serde_json::to_value(&event).expect("events serialize");
        assert_eq!(value["event"], variant(&event), "the tag names the variant");
        assert_valid("event", value);
    }
}

#[test]
fn the_display_follows_the_schema() {
    let display = Display {
        view: "v-1".into(),
        columns: vec![ViewColumn {
            name: "gene".into(),
            type_name: "string".into(),
            numeric: false,
        }],
        rows: vec![vec![Some("x".into())], vec![None]],
        more: true,
        page_size: 100,
        label: Some("_12 · q-7f3a9c2e41d0".into()),
    };
    assert_valid(
        "display",
        serde_json::to_value(&display).expect("a display serializes"),
    );
    assert_valid("open", json!({ "view": "v-1" }));
}

#[test]
fn every_request_the_schema_allows_is_read_by_the_kernel() {
    let state = json!({ "sort": { "column": 1, "descending": true }, "filters": [
        { "column": 0, "op": "between", "value": "a", "value2": "b" },
        { "column": 2, "op": "is_null" },
    ]});
    let requests = [
        json!({ "id": 1, "op": "page", "start": 0, "size": 100, "state": state }),
        json!({ "id": 2, "op": "count", "state": state }),
        json!({ "id": 3, "op": "summary", "state": state }),
        json!({ "id": 4, "op": "keep" }),
        json!({ "id": 5, "op": "export", "path": "out.csv", "format": "csv", "state": state }),
    ];
    for request in requests {
        assert_valid("request", request.clone());
        let read: Result<ViewRequest, _> = serde_json::from_value(request.clone());
        assert!(read.is_ok(), "the kernel reads {request}: {read:?}");
    }
}

#[test]
fn the_names_of_every_enum_are_the_schemas() {
    let ops = [
        FilterOp::Contains,
        FilterOp::Equals,
        FilterOp::Less,
        FilterOp::Greater,
        FilterOp::Between,
        FilterOp::IsNull,
        FilterOp::NotNull,
    ];
    for op in ops {
        let filter = json!({ "column": 0, "op": op, "value": "1", "value2": "2" });
        assert_valid(
            "request",
            json!({ "id": 1, "op": "count",
            "state": { "sort": null, "filters": [filter] } }),
        );
    }
    for format in [
        ExportFormat::Csv,
        ExportFormat::Tsv,
        ExportFormat::Json,
        ExportFormat::Parquet,
    ] {
        assert_valid(
            "request",
            json!({ "id": 1, "op": "export", "path": "p",
            "format": format, "state": { "sort": null, "filters": [] } }),
        );
    }
}

#[test]
fn what_breaks_the_schema_is_caught() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for wrong in [
        json!({ "event": { "event": "page", "id": 1, "start": 0, "rows": [], "seconds": 0, "extra": 1 } }),
        json!({ "event": { "event": "unheard_of", "id": 1 } }),
        json!({ "request": { "id": 1, "op": "page", "start": 0 } }),
    ] {
        assert!(!validator.is_valid(&wrong), "{wrong} must not pass");
    }
}
