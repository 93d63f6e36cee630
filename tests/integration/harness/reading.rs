//! Reading transcripts of SQL cells: the value's text and HTML, the rows of a text grid, the
//! one error of a failed cell, stderr, completions and inspections. Each helper asserts what a
//! client relies on (one result, one error) so that tests read as what users see.

use serde_json::{json, Value};

use super::{Frontend, Transcript};

/// The `text/plain` of the cell's value.
#[track_caller]
pub fn result_text(t: &Transcript) -> String {
    let results = t.outputs("execute_result");
    assert_eq!(
        results.len(),
        1,
        "one execute_result expected: {:?}",
        t.iopub
    );
    results[0]["data"]["text/plain"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The rows of a text grid (`| a | b |`), cells trimmed, without the header row.
pub fn grid_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| l.starts_with('|'))
        .skip(1)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The `display_data` outputs that are content (results), not a progress line.
#[track_caller]
pub fn shown(t: &Transcript) -> Vec<&Value> {
    t.outputs("display_data")
        .into_iter()
        .filter(|d| d["transient"]["display_id"].is_null())
        .collect()
}

#[track_caller]
pub fn result_html(t: &Transcript) -> String {
    let results = t.outputs("execute_result");
    assert_eq!(results.len(), 1, "{:?}", t.iopub);
    results[0]["data"]["text/html"].as_str().unwrap().to_owned()
}

#[track_caller]
pub fn ok(t: &Transcript) {
    assert_eq!(t.reply.content["status"], "ok", "{:?}", t.iopub);
}

/// The one `error` output of a failed cell.
#[track_caller]
pub fn error(t: &Transcript) -> Value {
    assert_eq!(t.reply.content["status"], "error", "{:?}", t.iopub);
    let errors = t.outputs("error");
    assert_eq!(errors.len(), 1, "{:?}", t.iopub);
    errors[0].clone()
}

#[track_caller]
pub fn stderr(t: &Transcript) -> String {
    t.outputs("stream")
        .iter()
        .filter(|c| c["name"] == "stderr")
        .map(|c| c["text"].as_str().unwrap().to_owned())
        .collect()
}

#[track_caller]
pub fn traceback(e: &Value) -> String {
    e["traceback"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A failed cell's one error, as users read it.
#[derive(Debug)]
pub struct Failure {
    pub ename: String,
    pub evalue: String,
    /// The traceback's lines, joined.
    pub traceback: String,
}

/// Runs `sql` and returns its error.
pub async fn failing(k: &mut Frontend, sql: &str) -> Failure {
    let t = k.execute(sql).await;
    let e = error(&t);
    Failure {
        ename: e["ename"].as_str().unwrap().to_owned(),
        evalue: e["evalue"].as_str().unwrap().to_owned(),
        traceback: traceback(&e),
    }
}

/// The error message names Spark's error class and SQLSTATE.
#[track_caller]
pub fn assert_class(evalue: &str, class: &str, sql_state: &str) {
    assert!(evalue.contains(&format!("[{class}]")), "{evalue}");
    assert!(
        evalue.contains(&format!("SQLSTATE: {sql_state}")),
        "{evalue}"
    );
}

/// The session does not know `view` (it was never made, or the session that had it is gone).
pub async fn assert_no_such_view(k: &mut Frontend, view: &str) {
    let Failure { evalue, .. } = failing(k, &format!("SELECT * FROM {view}")).await;
    assert!(evalue.contains("TABLE_OR_VIEW_NOT_FOUND"), "{evalue}");
}

/// A completion's matches and the range of the code they replace.
#[derive(Debug)]
pub struct Completed {
    pub matches: Vec<String>,
    pub start: u64,
    pub end: u64,
}

/// The completion at the end of `code` (or at `cursor`).
pub async fn complete(k: &mut Frontend, code: &str, cursor: Option<usize>) -> Completed {
    let cursor = cursor.unwrap_or_else(|| code.chars().count());
    let t = k
        .request(
            "complete_request",
            json!({"code": code, "cursor_pos": cursor}),
        )
        .await;
    let c = &t.reply.content;
    assert_eq!(c["status"], "ok", "{c}");
    let matches = c["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    Completed {
        matches,
        start: c["cursor_start"].as_u64().unwrap(),
        end: c["cursor_end"].as_u64().unwrap(),
    }
}

pub async fn inspect(k: &mut Frontend, code: &str, cursor: usize) -> String {
    let t = k
        .request(
            "inspect_request",
            json!({"code": code, "cursor_pos": cursor, "detail_level": 0}),
        )
        .await;
    let c = &t.reply.content;
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(c["found"], true, "nothing found for {code:?} at {cursor}");
    c["data"]["text/plain"].as_str().unwrap().to_owned()
}

/// Completes until `ready` holds for the matches (at most 30 s): a completion waits at most a
/// second for Spark, and a server busy with the other tests of the run may take longer for a
/// first catalog lookup. Later completions of the same names come from the kernel's cache.
pub async fn complete_when(
    k: &mut Frontend,
    code: &str,
    cursor: Option<usize>,
    ready: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let m = complete(k, code, cursor).await.matches;
        if ready(&m) {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "completion of {code:?} never became ready: {m:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The progress lines of a cell, in the order they were shown.
pub fn progress_lines(t: &Transcript) -> Vec<String> {
    t.iopub
        .iter()
        .filter(|m| m.msg_type == "display_data" || m.msg_type == "update_display_data")
        .filter_map(|m| m.content["data"]["text/plain"].as_str())
        .filter(|text| text.starts_with("Spark: "))
        .map(str::to_owned)
        .collect()
}
