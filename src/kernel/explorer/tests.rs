//! The explorer's comm handling without a server: what a registered result adds to its
//! bundle, and the answers that need no snapshot.

use serde_json::json;

use super::{Explorable, Explorer};
use crate::config::Settings;
use crate::explorer_model::protocol::{MIME, TARGET};
use crate::session::SparkSession;
use jupyter_kernel::ExecuteContext;
use jupyter_kernel::{Comm, MimeBundle, Output};

fn session() -> SparkSession {
    let settings = Settings::from_vars(|_| None);
    SparkSession::new(settings.auth(), settings.spark().clone())
}

#[track_caller]
fn result() -> spark_connect::QueryResult {
    use arrow::array::{Int64Array, RecordBatch, StringArray};
    let batch = RecordBatch::try_from_iter([
        ("id", std::sync::Arc::new(Int64Array::from(vec![1, 2])) as _),
        (
            "name",
            std::sync::Arc::new(StringArray::from(vec![Some("a"), None])) as _,
        ),
    ])
    .unwrap();
    spark_connect::QueryResult {
        columns: vec![
            spark_connect::Column {
                name: "id".into(),
                type_name: "bigint".into(),
                data_type: Default::default(),
            },
            spark_connect::Column {
                name: "name".into(),
                type_name: "string".into(),
                data_type: Default::default(),
            },
        ],
        batches: vec![batch],
        rows_received: 3,
        more: true,
        reattaches: 0,
        elapsed: std::time::Duration::ZERO,
    }
}

/// The bundle of `result` registered with `explorer` (`options` as the static table's).
fn registered(
    explorer: &mut Explorer,
    result: &spark_connect::QueryResult,
    options: &crate::render::TableOptions,
    page_size: usize,
) -> MimeBundle {
    let what = Explorable {
        sql: "SELECT id, name FROM t",
        result,
        options,
        page_size,
    };
    let mut bundle = MimeBundle::new();
    explorer.register(&what, &mut bundle);
    bundle
}

/// The bundle of [`result`] as shown by default, registered with `explorer`.
fn two_rows(explorer: &mut Explorer) -> MimeBundle {
    registered(
        explorer,
        &result(),
        &crate::render::TableOptions::default(),
        2,
    )
}

#[test]
fn a_registered_result_adds_its_view_columns_and_first_rows() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let bundle = two_rows(&mut explorer);
    let display = &bundle[MIME];
    assert_eq!(
        display["columns"][0],
        json!({"name": "id", "type": "bigint", "numeric": true})
    );
    assert_eq!(display["columns"][1]["numeric"], json!(false));
    assert_eq!(display["rows"], json!([["1", "a"], ["2", null]]));
    assert_eq!(display["more"], json!(true));
    assert_eq!(display["page_size"], json!(2));
    let view = display["view"].as_str().unwrap();
    assert!(view.ends_with("-1"), "{view}");
    let bundle = two_rows(&mut explorer);
    assert!(
        bundle[MIME]["view"].as_str().unwrap().ends_with("-2"),
        "{:?}",
        bundle[MIME]["view"].as_str().unwrap()
    );
}

#[track_caller]
fn sent(outputs: &std::sync::Mutex<Vec<Output>>) -> Vec<Comm> {
    outputs
        .lock()
        .unwrap()
        .iter()
        .filter_map(|o| match o {
            Output::Comm(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_comm_to_an_unknown_view_says_so_and_closes() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let (ctx, outputs) = ExecuteContext::collecting();
    let open = Comm::Open {
        comm_id: "c1".into(),
        target_name: TARGET.into(),
        data: json!({"view": "gone-7"}),
    };
    explorer.comm(&mut session(), open, ctx).await;
    let comms = sent(&outputs);
    assert_eq!(comms.len(), 2, "{comms:?}");
    let Comm::Msg { comm_id, data } = &comms[0] else {
        panic!("not a message: {comms:?}");
    };
    assert_eq!(comm_id, "c1");
    assert_eq!(data["event"], "gone");
    assert_eq!(data["why"], "unknown");
    assert!(
        data["message"]
            .as_str()
            .unwrap()
            .contains("re-run the cell to explore"),
        "{:?}",
        data["message"].as_str().unwrap()
    );
    assert!(
        matches!(&comms[1], Comm::Close { comm_id, .. } if comm_id == "c1"),
        "{:?}",
        comms[1]
    );
    assert!(explorer.comms().is_empty(), "{:?}", explorer.comms());
}

#[tokio::test]
async fn a_comm_for_another_target_is_closed_and_a_stray_message_dropped() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let (ctx, outputs) = ExecuteContext::collecting();
    let open = Comm::Open {
        comm_id: "c2".into(),
        target_name: "jupyter.widget".into(),
        data: json!({}),
    };
    explorer.comm(&mut session(), open, ctx.clone()).await;
    let stray = Comm::Msg {
        comm_id: "nobody".into(),
        data: json!({"id": 1, "op": "count"}),
    };
    explorer.comm(&mut session(), stray, ctx).await;
    let comms = sent(&outputs);
    assert_eq!(comms.len(), 1, "{comms:?}");
    assert!(
        matches!(&comms[0], Comm::Close { comm_id, .. } if comm_id == "c2"),
        "{:?}",
        comms[0]
    );
}

#[tokio::test]
async fn an_unreadable_request_is_answered_with_an_error_naming_its_id() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let bundle = two_rows(&mut explorer);
    let view = bundle[MIME]["view"].clone();
    let (ctx, outputs) = ExecuteContext::collecting();
    explorer
        .registry
        .lock()
        .unwrap()
        .comms
        .insert("c3".into(), view.as_str().unwrap().into());
    let open = jupyter_kernel::OpenComm {
        comm_id: "c3".to_owned(),
        target_name: TARGET.to_owned(),
    };
    assert_eq!(explorer.comms(), vec![open], "only the open comm is listed");
    let bad = Comm::Msg {
        comm_id: "c3".into(),
        data: json!({"id": 4, "op": "drop_everything"}),
    };
    explorer.comm(&mut session(), bad, ctx).await;
    let comms = sent(&outputs);
    let Comm::Msg { data, .. } = &comms[0] else {
        panic!("not a message: {comms:?}");
    };
    assert_eq!(data["event"], "error");
    assert_eq!(data["id"], 4);
    assert!(
        data["message"].as_str().unwrap().contains("cannot read"),
        "{:?}",
        data["message"].as_str().unwrap()
    );
}

#[test]
fn a_page_drops_the_hidden_columns_and_keeps_row_id_order_when_unsorted() {
    use arrow::array::{Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let column = |name: &str, type_name: &str| spark_connect::Column {
        name: name.into(),
        type_name: type_name.into(),
        data_type: Default::default(),
    };
    let batch = |ids: Vec<i64>, names: Vec<&str>| {
        RecordBatch::try_from_iter([
            ("name", Arc::new(StringArray::from(names)) as _),
            ("__kbase_row", Arc::new(Int64Array::from(ids)) as _),
            ("__kbase_snap", Arc::new(Int64Array::from(vec![9, 9])) as _),
        ])
        .unwrap()
    };
    let result = spark_connect::QueryResult {
        columns: vec![
            column("name", "string"),
            column("__kbase_row", "bigint"),
            column("__kbase_snap", "bigint"),
        ],
        batches: vec![
            batch(vec![8_589_934_592, 3], vec!["second part", "b"]),
            batch(vec![2, 1], vec!["a2", "a1"]),
        ],
        rows_received: 4,
        more: false,
        reattaches: 0,
        elapsed: std::time::Duration::ZERO,
    };
    let entry = super::ViewEntry {
        view: "v".into(),
        name: "n".into(),
        sql: "SELECT 1".into(),
        columns: vec![],
        zone: crate::render::Zone::default(),
        max_chars: 5,
        snap: tokio::sync::watch::Sender::new(super::snapshot::Snap::None),
        last_used: std::sync::Mutex::new(std::time::Instant::now()),
        estimate: std::sync::Mutex::new(None),
    };
    let unsorted = super::answer::page_rows(&result, true, &entry).unwrap();
    let texts: Vec<Option<String>> = unsorted.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        texts,
        [
            Some("a1".into()),
            Some("a2".into()),
            Some("b".into()),
            Some("secon…".into())
        ]
    );
    let sorted = super::answer::page_rows(&result, false, &entry).unwrap();
    assert_eq!(sorted[0], vec![Some("secon…".to_owned())]);
    assert_eq!(sorted.len(), 4);
}

#[test]
fn the_first_page_holds_the_rows_the_static_table_holds() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let result = result();
    let options = crate::render::TableOptions {
        max_bytes: 60,
        ..Default::default()
    };
    let bundle = registered(&mut explorer, &result, &options, 2);
    assert_eq!(bundle[MIME]["rows"], json!([["1", "a"]]));
    let html = crate::render::result_table(&result, &options)["text/html"].to_string();
    assert!(html.contains(">a<"), "{html}");
    assert!(!html.contains(">2<"), "{html}");
}

#[test]
fn the_first_page_is_one_page_at_most_however_many_rows_the_table_shows() {
    use arrow::array::{Int64Array, RecordBatch};
    let mut explorer = Explorer::new(3, 1 << 28);
    let ids: Vec<i64> = (0..2500).collect();
    let batch =
        RecordBatch::try_from_iter([("id", std::sync::Arc::new(Int64Array::from(ids)) as _)])
            .unwrap();
    let mut result = result();
    result.columns.truncate(1);
    result.batches = vec![batch];
    result.more = false;
    let bundle = registered(
        &mut explorer,
        &result,
        &crate::render::TableOptions::default(),
        5000,
    );
    let display = &bundle[MIME];
    assert_eq!(display["rows"].as_array().unwrap().len(), 1000);
    assert_eq!(display["page_size"], json!(1000));
    assert_eq!(display["more"], json!(true));
}

#[test]
fn a_gone_result_relabels_only_the_views_open_to_it() {
    let mut explorer = Explorer::new(3, 1 << 28);
    let bundle = two_rows(&mut explorer);
    let view = bundle[MIME]["view"].as_str().unwrap().to_owned();
    {
        let mut registry = crate::sync::locked(&explorer.registry);
        registry.comms.insert("c1".into(), view.clone());
        registry.comms.insert("c2".into(), "another-view".into());
    }
    let (ctx, outputs) = ExecuteContext::collecting();
    explorer.relabel(&view, "_3 is gone · q-7f3a9c2e41d0", &ctx);
    let comms = sent(&outputs);
    assert_eq!(comms.len(), 1, "{comms:?}");
    let Comm::Msg { comm_id, data } = &comms[0] else {
        panic!("not a message: {comms:?}");
    };
    assert_eq!(comm_id, "c1");
    assert_eq!(
        data,
        &json!({"event": "label", "label": "_3 is gone · q-7f3a9c2e41d0"})
    );
}
