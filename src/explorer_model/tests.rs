//! The query each explorer request becomes, against snapshots, and the page arithmetic.

use super::protocol::{Event, Filter, FilterOp, Op, Sort, State, ViewRequest};
use super::query::{self, ColumnRef, Part, RequestError, Source};

fn columns() -> Vec<ColumnRef> {
    [
        ("id", "bigint"),
        ("gene name", "string"),
        ("score", "double"),
        ("seen", "date"),
        ("tags", "array<string>"),
    ]
    .iter()
    .map(|(n, t)| ColumnRef {
        name: (*n).into(),
        type_name: (*t).into(),
    })
    .collect()
}

fn span(start: u64, size: u64) -> query::RowSpan {
    query::RowSpan { start, size }
}

fn parts() -> Vec<Part> {
    let count = |number, rows| query::PartCount { number, rows };
    query::layout(vec![count(2, 40), count(0, 100), count(1, 0), count(5, 60)])
}

#[test]
fn partitions_are_laid_out_in_their_order_with_offsets() {
    let offsets: Vec<(u64, u64, u64)> = parts()
        .iter()
        .map(|p| (p.number, p.offset, p.rows))
        .collect();
    assert_eq!(
        offsets,
        vec![(0, 0, 100), (1, 100, 0), (2, 100, 40), (5, 140, 60)]
    );
}

#[test]
fn a_page_is_the_row_id_ranges_that_hold_it() {
    let ids = |start: u64, size: u64| -> Vec<(u64, u64)> {
        query::id_ranges(&parts(), start, size)
            .iter()
            .map(|r| (r.low, r.high))
            .collect()
    };
    let p2 = 2u64 << 33;
    let p5 = 5u64 << 33;
    assert_eq!(ids(0, 25), vec![(0, 24)]);
    assert_eq!(ids(90, 25), vec![(90, 99), (p2, p2 + 14)]);
    assert_eq!(ids(130, 100), vec![(p2 + 30, p2 + 39), (p5, p5 + 59)]);
    assert_eq!(ids(199, 25), vec![(p5 + 59, p5 + 59)]);
    assert!(ids(200, 25).is_empty(), "{:?}", ids(200, 25));
}

#[test]
fn an_unsorted_page_reads_ranges_of_the_row_id() {
    let sql = query::page(
        Source::Snapshot("v_1"),
        &columns(),
        &parts(),
        &State::default(),
        span(90, 25),
    )
    .unwrap();
    insta::assert_snapshot!(sql, @"SELECT * FROM global_temp.`v_1` WHERE __kbase_row BETWEEN 90 AND 99 OR __kbase_row BETWEEN 17179869184 AND 17179869198");
    let past = query::page(
        Source::Snapshot("v_1"),
        &columns(),
        &parts(),
        &State::default(),
        span(500, 25),
    )
    .unwrap();
    insta::assert_snapshot!(past, @"SELECT * FROM global_temp.`v_1` WHERE false");
}

#[test]
fn a_sorted_page_orders_by_the_column_then_the_row_id() {
    let state = State {
        sort: Some(Sort {
            column: 2,
            descending: true,
        }),
        filters: vec![],
    };
    let sql = query::page(
        Source::Snapshot("v_1"),
        &columns(),
        &parts(),
        &state,
        span(100, 25),
    )
    .unwrap();
    insta::assert_snapshot!(sql, @"SELECT * FROM global_temp.`v_1` ORDER BY `score` DESC, __kbase_row LIMIT 25 OFFSET 100");
}

#[test]
fn filters_quote_names_and_values_and_cast_to_the_columns_type() {
    let filter = |column, op, value: Option<&str>, value2: Option<&str>| Filter {
        column,
        op,
        value: value.map(Into::into),
        value2: value2.map(Into::into),
    };
    let state = State {
        sort: None,
        filters: vec![
            filter(1, FilterOp::Contains, Some("it's a \\ test"), None),
            filter(0, FilterOp::Between, Some(" 10"), Some("20")),
            filter(3, FilterOp::Greater, Some("2024-01-01"), None),
            filter(2, FilterOp::NotNull, None, None),
            filter(1, FilterOp::Equals, Some("x`y"), None),
        ],
    };
    let sql = query::page(
        Source::Snapshot("v_1"),
        &columns(),
        &parts(),
        &state,
        span(0, 25),
    )
    .unwrap();
    insta::assert_snapshot!(sql, @r"SELECT * FROM global_temp.`v_1` WHERE contains(CAST(`gene name` AS STRING), 'it\'s a \\ test') AND `id` BETWEEN CAST('10' AS bigint) AND CAST('20' AS bigint) AND `seen` > CAST('2024-01-01' AS date) AND `score` IS NOT NULL AND `gene name` = 'x`y' ORDER BY __kbase_row LIMIT 25 OFFSET 0");
}

#[test]
fn a_bad_column_or_a_missing_value_is_refused() {
    let state = State {
        sort: Some(Sort {
            column: 9,
            descending: false,
        }),
        filters: vec![],
    };
    assert_eq!(
        query::count(Source::Snapshot("v"), &columns(), &state),
        Ok("SELECT count(*) AS n FROM global_temp.`v`".into())
    );
    assert_eq!(
        query::page(
            Source::Snapshot("v"),
            &columns(),
            &parts(),
            &state,
            span(0, 1)
        ),
        Err(RequestError::NoColumn(9))
    );
    let state = State {
        sort: None,
        filters: vec![Filter {
            column: 0,
            op: FilterOp::Less,
            value: None,
            value2: None,
        }],
    };
    assert_eq!(
        query::count(Source::Snapshot("v"), &columns(), &state),
        Err(RequestError::NoValue("<"))
    );
}

#[test]
fn the_summary_asks_min_max_and_distinct_of_atomic_columns_only() {
    let sql = query::summary(Source::Snapshot("v"), &columns(), &State::default()).unwrap();
    insta::assert_snapshot!(sql, @"SELECT count(*) AS n, count(*) - count(`id`) AS nulls_0, approx_count_distinct(`id`) AS distinct_0, CAST(min(`id`) AS STRING) AS min_0, CAST(max(`id`) AS STRING) AS max_0, count(*) - count(`gene name`) AS nulls_1, approx_count_distinct(`gene name`) AS distinct_1, CAST(min(`gene name`) AS STRING) AS min_1, CAST(max(`gene name`) AS STRING) AS max_1, count(*) - count(`score`) AS nulls_2, approx_count_distinct(`score`) AS distinct_2, CAST(min(`score`) AS STRING) AS min_2, CAST(max(`score`) AS STRING) AS max_2, count(*) - count(`seen`) AS nulls_3, approx_count_distinct(`seen`) AS distinct_3, CAST(min(`seen`) AS STRING) AS min_3, CAST(max(`seen`) AS STRING) AS max_3, count(*) - count(`tags`) AS nulls_4 FROM global_temp.`v`");
}

#[test]
fn a_snapshot_is_a_marked_view_cached_lazily_and_released_whole() {
    let [view, cache] = query::snapshot("kbase_explore_ab_3", "SELECT * FROM t -- note", 42);
    insta::assert_snapshot!(view, @r"
    CREATE OR REPLACE GLOBAL TEMPORARY VIEW `kbase_explore_ab_3` AS SELECT *, monotonically_increasing_id() AS __kbase_row, 42L AS __kbase_snap FROM (
    SELECT * FROM t -- note
    )
    ");
    assert_eq!(cache, "CACHE LAZY TABLE global_temp.`kbase_explore_ab_3`");
    assert_eq!(
        query::parts("kbase_explore_ab_3"),
        "SELECT shiftright(__kbase_row, 33) AS part, count(*) AS n FROM global_temp.`kbase_explore_ab_3` GROUP BY 1"
    );
    assert_eq!(
        query::release("x"),
        [
            "UNCACHE TABLE IF EXISTS global_temp.`x`".to_owned(),
            "DROP VIEW IF EXISTS global_temp.`x`".to_owned()
        ]
    );
}

#[test]
fn the_whole_result_for_an_export_has_no_hidden_columns() {
    let state = State {
        sort: Some(Sort {
            column: 0,
            descending: false,
        }),
        filters: vec![],
    };
    let sql = query::whole(Source::Snapshot("v"), &columns()[..2], &state).unwrap();
    insta::assert_snapshot!(sql, @"SELECT `id`, `gene name` FROM global_temp.`v` ORDER BY `id` ASC, __kbase_row");
}

#[test]
fn requests_decode_from_the_frontends_json() {
    let page: ViewRequest = serde_json::from_str(
        r#"{"id": 7, "op": "page", "start": 100, "size": 25,
            "state": {"sort": {"column": 1, "descending": true},
                      "filters": [{"column": 0, "op": "between", "value": "1", "value2": "5"}]}}"#,
    )
    .unwrap();
    assert_eq!(page.id, 7);
    let Op::Page { start, size, state } = page.op else {
        panic!("not a page: {page:?}");
    };
    assert_eq!((start, size), (100, 25));
    assert_eq!(
        state.sort,
        Some(Sort {
            column: 1,
            descending: true
        })
    );
    assert_eq!(state.filters[0].op, FilterOp::Between);
    let count: ViewRequest = serde_json::from_str(r#"{"id": 8, "op": "count"}"#).unwrap();
    assert_eq!(
        count.op,
        Op::Count {
            state: State::default()
        }
    );
    let unknown = serde_json::from_str::<ViewRequest>(r#"{"id": 9, "op": "drop_table"}"#);
    assert!(unknown.is_err(), "an unknown op is refused: {unknown:?}");
    let anonymous = serde_json::from_str::<ViewRequest>(r#"{"op": "count"}"#);
    assert!(
        anonymous.is_err(),
        "a request without an id is refused: {anonymous:?}"
    );
}

#[test]
fn events_encode_with_their_names() {
    let event = Event::Page {
        id: 3,
        start: 25,
        rows: vec![vec![Some("1".into()), None]],
        seconds: 0.5,
    };
    assert_eq!(
        event.to_json().unwrap(),
        serde_json::json!({"event": "page", "id": 3, "start": 25, "rows": [["1", null]], "seconds": 0.5})
    );
    let gone = Event::Gone {
        why: super::protocol::Gone::Evicted,
        message: "m".into(),
    };
    assert_eq!(
        gone.to_json().unwrap(),
        serde_json::json!({"event": "gone", "why": "evicted", "message": "m"})
    );
}

#[test]
fn a_live_page_limits_the_statement_and_a_sorted_one_is_a_top_k() {
    let live = Source::Live("SELECT * FROM t -- note");
    let plain = query::page(live, &columns(), &[], &State::default(), span(200, 100)).unwrap();
    assert_eq!(
        plain,
        "SELECT * FROM (\nSELECT * FROM t -- note\n) AS __kbase_live LIMIT 100 OFFSET 200"
    );
    let state = State {
        sort: Some(Sort {
            column: 2,
            descending: true,
        }),
        filters: vec![Filter {
            column: 0,
            op: FilterOp::Greater,
            value: Some("5".into()),
            value2: None,
        }],
    };
    let sorted = query::page(live, &columns(), &[], &state, span(0, 25)).unwrap();
    assert!(
        sorted.ends_with(
            ") AS __kbase_live WHERE `id` > CAST('5' AS bigint) ORDER BY `score` DESC LIMIT 25 OFFSET 0"
        ),
        "{sorted}"
    );
    assert!(
        !sorted.contains("__kbase_row"),
        "a live statement has no row id: {sorted}"
    );
    let count = query::count(live, &columns(), &State::default()).unwrap();
    assert_eq!(
        count,
        "SELECT count(*) AS n FROM (\nSELECT * FROM t -- note\n) AS __kbase_live"
    );
    let whole = query::whole(live, &columns()[..1], &State::default()).unwrap();
    assert!(
        whole.ends_with("AS __kbase_live"),
        "an unsorted export has no order: {whole}"
    );
}

#[test]
fn the_estimate_is_the_optimized_plans_root_size() {
    let plan = "== Parsed Logical Plan ==\n'Project [*]\n+- 'UnresolvedRelation [t]\n\n\
        == Analyzed Logical Plan ==\nid: bigint\nProject [id#0L]\n\n\
        == Optimized Logical Plan ==\n\
        Project [id#0L, (id#0L % 1000) AS k#1L], Statistics(sizeInBytes=7.6 GiB, rowCount=1.00E+9)\n\
        +- Range (0, 1000000000, step=1, splits=Some(2)), Statistics(sizeInBytes=22.4 MiB)\n\n\
        == Physical Plan ==\n*(1) Project";
    let bytes = query::estimated_bytes(plan).unwrap();
    assert_eq!(bytes, (7.6 * 1024f64.powi(3)) as u64);
    let unknown = "== Optimized Logical Plan ==\nRelation, Statistics(sizeInBytes=8.0 EiB)\n";
    assert!(
        query::estimated_bytes(unknown).unwrap() > 1 << 62,
        "unknown is huge"
    );
    let small = "== Optimized Logical Plan ==\nLocalRelation [a#0], Statistics(sizeInBytes=24.0 B)";
    assert_eq!(query::estimated_bytes(small), Some(24));
    assert_eq!(query::estimated_bytes("no plan here"), None);
}
