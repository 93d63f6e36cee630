//! The workbench's comm protocol has one description, `labextension/schema/workbench.schema.json`:
//! the frontend's TypeScript types are generated from it, and here every event the kernel sends
//! and the requests it reads are checked against it. A new event must be added here (the match
//! is exhaustive) and to the schema.

use serde_json::{json, Value};

use super::protocol::{Event, Found, Kind, Node, Op, Past, Request};

const SCHEMA: &str = include_str!("../../../labextension/schema/workbench.schema.json");

#[track_caller]
fn assert_valid(part: &str, value: Value) {
    crate::schema_check::assert_valid(SCHEMA, part, value);
}

/// Which event each is, so that a new variant must be added here.
fn variant(event: &Event) -> &'static str {
    match event {
        Event::Children { .. } => "children",
        Event::Details { .. } => "details",
        Event::Refreshed { .. } => "refreshed",
        Event::Preview { .. } => "preview",
        Event::Found { .. } => "found",
        Event::History { .. } => "history",
        Event::Error { .. } => "error",
    }
}

fn every_event() -> Vec<Event> {
    let path = || {
        vec![
            "spark_catalog".to_owned(),
            "db".to_owned(),
            "hits".to_owned(),
        ]
    };
    let field = Node {
        name: "start".into(),
        kind: Kind::Field,
        type_name: Some("int".into()),
        comment: None,
        fields: Vec::new(),
    };
    let column = Node {
        name: "hit".into(),
        kind: Kind::Column,
        type_name: Some("struct<start:int>".into()),
        comment: Some("where".into()),
        fields: vec![field],
    };
    let past = |notebook: Option<&str>| Past {
        receipt: "q-0123456789ab".into(),
        started: "2026-12-07T10:00:00.000Z".into(),
        duration_ms: 12,
        rows: 1,
        statement: "SELECT 1".into(),
        notebook: notebook.map(str::to_owned),
        status: "ok".into(),
    };
    vec![
        Event::Children {
            id: 1,
            path: path(),
            nodes: vec![column],
        },
        Event::Details {
            id: 2,
            path: path(),
            rows: vec![("Provider".into(), "parquet".into())],
        },
        Event::Refreshed { id: 3 },
        Event::Preview {
            id: 4,
            path: path(),
            data: json!({"text/plain": "x"}),
        },
        Event::Found {
            id: 5,
            text: "hit".into(),
            matches: vec![Found {
                path: path(),
                kind: Kind::Table,
            }],
            searched: 3,
            namespaces: 4,
            done: false,
            complete: false,
        },
        Event::History {
            id: 6,
            records: vec![past(Some("a.ipynb")), past(None)],
        },
        Event::Error {
            id: 7,
            message: "words".into(),
        },
    ]
}

#[test]
fn every_event_the_kernel_sends_fits_the_schema() {
    let events = every_event();
    let mut seen: Vec<&str> = events.iter().map(variant).collect();
    seen.dedup();
    assert_eq!(seen.len(), 7, "every variant once: {seen:?}");
    for event in events {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["event"], variant(&event), "{value}");
        assert_valid("event", value);
    }
}

#[test]
fn the_requests_the_schema_allows_are_read() {
    let requests = [
        json!({"id": 1, "op": "children", "path": []}),
        json!({"id": 2, "op": "details", "path": ["c", "n", "t"]}),
        json!({"id": 3, "op": "preview", "path": ["c", "n", "t"]}),
        json!({"id": 4, "op": "refresh"}),
        json!({"id": 5, "op": "search", "text": "genes"}),
        json!({"id": 8, "op": "search", "text": "genes", "catalog": "many"}),
        json!({"id": 6, "op": "history", "all": true, "text": "x", "limit": 10}),
        json!({"id": 7, "op": "history"}),
    ];
    for request in requests {
        assert_valid("request", request.clone());
        let read: Request = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(read.id, request["id"].as_u64().unwrap());
    }
    let history: Request = serde_json::from_value(json!({"id": 7, "op": "history"})).unwrap();
    assert_eq!(
        history.op,
        Op::History {
            text: None,
            all: false,
            limit: 200
        }
    );
}
