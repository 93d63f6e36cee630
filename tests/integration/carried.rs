//! Results that carry forward: each query's result is a view later cells read as `_N`, `_N_2`
//! and `_`; they chain, are listed by `%results`, complete with their columns, outlive a
//! `%reconnect`, leave a command alone and yield to a user's own table of the same name.

use crate::harness::reading::{
    complete_when, error, grid_rows, ok, result_html, result_text, shown, stderr,
};
use crate::harness::spark::{self, table};
use crate::harness::Transcript;

/// The execution count of a cell.
#[track_caller]
fn count(t: &Transcript) -> u64 {
    t.reply.content["execution_count"]
        .as_u64()
        .unwrap_or_else(|| panic!("no execution count: {}", t.reply.content))
}

/// The one value of a cell's one-row, one-column result.
#[track_caller]
fn value(t: &Transcript) -> String {
    ok(t);
    let rows = grid_rows(&result_text(t));
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows[0][0].clone()
}

#[tokio::test]
async fn a_result_is_read_later_as_n_and_underscore_and_they_chain() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let first = k.execute("SELECT id, id * 2 AS twice FROM range(5)").await;
    ok(&first);
    let n = count(&first);
    let name = format!("_{n}");
    assert!(
        result_text(&first).contains(&format!(" · {name}")),
        "the footer names it: {}",
        result_text(&first)
    );
    assert!(
        result_html(&first).contains(&name),
        "{}",
        result_html(&first)
    );
    let t = k.execute(&format!("SELECT sum(twice) FROM {name}")).await;
    assert_eq!(value(&t), "20");
    // `_` is the last result: the sum just shown.
    let t = k.execute("SELECT * FROM _").await;
    assert_eq!(value(&t), "20");
    // They chain: a view over a view over a view.
    let sum = format!("_{}", count(&t) - 1);
    let t = k
        .execute(&format!("SELECT `sum(twice)` + 1 FROM {sum}"))
        .await;
    assert_eq!(value(&t), "21");
    // A result's view the user drops is defined again when next read.
    ok(&k.execute(&format!("DROP VIEW {name}")).await);
    let t = k.execute(&format!("SELECT count(*) FROM {name}")).await;
    assert_eq!(value(&t), "5");
    // A cell with two results: `_N` and `_N_2`.
    let two = k.execute("SELECT 'a' AS x; SELECT 'b' AS y").await;
    ok(&two);
    let m = count(&two);
    let t = k
        .execute(&format!("SELECT concat(x, y) FROM _{m}, _{m}_2"))
        .await;
    assert_eq!(value(&t), "ab");
    let t = k.execute("%results").await;
    let listed = result_text(&t);
    for kept in [name.as_str(), &format!("_{m}_2")] {
        assert!(listed.contains(kept), "{kept} listed: {listed}");
    }
    assert!(
        listed.contains("SELECT id, id * 2 AS twice FROM range(5)"),
        "{listed}"
    );
    // Tab completes them, and their columns.
    let m = complete_when(&mut k, &format!("SELECT * FROM {name}"), None, |m| {
        m.contains(&name)
    })
    .await;
    assert!(m.contains(&name), "{m:?}");
    let code = format!("SELECT tw FROM {name}");
    let m = complete_when(&mut k, &code, Some(9), |m| m.iter().any(|c| c == "twice")).await;
    assert!(m.contains(&"twice".to_owned()), "{m:?}");
}

#[tokio::test]
async fn a_command_is_not_kept_and_a_users_own_name_wins_once() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    // SHOW is a command: running it again could differ, so no view is made of it.
    let shown_tables = k.execute("SHOW DATABASES").await;
    ok(&shown_tables);
    let n = count(&shown_tables);
    assert!(
        !result_text(&shown_tables).contains(&format!("_{n}")),
        "{}",
        result_text(&shown_tables)
    );
    let e = error(&k.execute(&format!("SELECT * FROM _{n}")).await);
    assert!(
        e["evalue"]
            .as_str()
            .unwrap()
            .contains("TABLE_OR_VIEW_NOT_FOUND"),
        "{e}"
    );
    // The user's own temporary view takes the name of the next cell's result.
    let next = count(&k.execute("SELECT 1").await) + 2;
    let t = k
        .execute(&format!(
            "CREATE TEMPORARY VIEW _{next} AS SELECT 'mine' AS owner"
        ))
        .await;
    ok(&t);
    let told = stderr(&t);
    assert!(told.contains(&format!("named _{next}")), "{told}");
    let t = k.execute("SELECT 'kernel' AS owner").await;
    assert_eq!(count(&t), next);
    ok(&t);
    assert!(stderr(&t).is_empty(), "told once: {}", stderr(&t));
    assert!(
        !result_text(&t).contains(&format!("_{next} ·")),
        "{}",
        result_text(&t)
    );
    let t = k.execute(&format!("SELECT owner FROM _{next}")).await;
    assert_eq!(value(&t), "mine");
    assert!(stderr(&t).is_empty(), "told once: {}", stderr(&t));
    // A table the user makes with a kept result's name (in a database of its own, which
    // the other tests' kernels do not use): theirs is read from then on.
    let db = table("carried");
    ok(&k.execute(&format!("CREATE DATABASE {db}")).await);
    ok(&k.execute(&format!("USE {db}")).await);
    let kept = count(&k.execute("SELECT 'kernel' AS owner").await);
    let t = k
        .execute(&format!(
            "CREATE TABLE `_{kept}` USING parquet LOCATION '/tmp/{db}' AS SELECT 'table' AS owner"
        ))
        .await;
    ok(&t);
    assert!(
        stderr(&t).contains(&format!("named _{kept}")),
        "{}",
        stderr(&t)
    );
    let t = k.execute(&format!("SELECT owner FROM _{kept}")).await;
    assert_eq!(value(&t), "table");
    ok(&k.execute(&format!("DROP DATABASE {db} CASCADE")).await);
}

#[tokio::test]
async fn results_are_defined_again_in_a_fresh_session() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let t = k.execute("SELECT 41 + 1 AS answer").await;
    ok(&t);
    let name = format!("_{}", count(&t));
    // Read once, the result is a view in the session; a fresh one gets it again.
    ok(&k.execute(&format!("SELECT answer FROM {name}")).await);
    let t = k.execute("%reconnect").await;
    ok(&t);
    let t = k.execute(&format!("SELECT answer FROM {name}")).await;
    assert_eq!(value(&t), "42");
    assert_eq!(shown(&t).len(), 0, "one result: {:?}", t.iopub);
}

/// Only the newest results are kept: an older one's name says it is gone.
#[tokio::test]
async fn only_the_newest_results_are_kept() {
    let auth = spark::standin();
    let mut k = spark::kernel(&auth).await;
    let first = k.execute("SELECT 0 AS n").await;
    ok(&first);
    let oldest = count(&first);
    // Read, so that it is a view the kernel drops when it goes.
    let t = k.execute(&format!("SELECT n FROM _{oldest}")).await;
    assert_eq!(value(&t), "0");
    for i in 2..=201 {
        ok(&k.execute(&format!("SELECT {i} AS n")).await);
    }
    for gone in [oldest, oldest + 1] {
        let t = k.execute(&format!("SELECT n FROM _{gone}")).await;
        let e = error(&t);
        assert!(
            e["evalue"]
                .as_str()
                .unwrap()
                .contains("TABLE_OR_VIEW_NOT_FOUND"),
            "{e}"
        );
        assert!(
            stderr(&t).contains(&format!("_{gone} is gone")),
            "{}",
            stderr(&t)
        );
    }
    let t = k.execute(&format!("SELECT n FROM _{}", oldest + 2)).await;
    assert_eq!(value(&t), "2");
}
