//! The journal on real files: records written by the writer thread read back whole, searched
//! and amended; many writers at once; a directory it cannot write is one trouble, kept once.

use std::time::Duration;

use super::*;

fn record(receipt: &str, notebook: Option<&str>, statement: &str) -> Record {
    Record {
        receipt: receipt.into(),
        started: "2026-12-07T10:00:00.000Z".into(),
        ended: "2026-12-07T10:00:00.010Z".into(),
        user: "alice".into(),
        notebook: notebook.map(str::to_owned),
        kernel: "k1".into(),
        execution_count: 3,
        statement: statement.into(),
        statement_sha256: sha256_hex(statement),
        spark: SparkSide::default(),
        outcome: Outcome::Ok,
        duration_ms: 10,
        rows_received: 1,
        rows_total: Some(1),
        schema: vec![Field {
            name: "x".into(),
            data_type: "int".into(),
        }],
        tables: None,
        rows_digest: None,
        files: Vec::new(),
    }
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_record_reads_back_whole_and_its_tables_are_added_later() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep").join("journal.sqlite");
    let journal = Journal::open(&JournalAt::File(path.clone()));
    let written = record(&new_receipt(), Some("a.ipynb"), "SELECT 1");
    journal.record(written.clone());
    journal.flush(WAIT);
    let reader = journal.reader().unwrap();
    assert_eq!(
        reader.find(&written.receipt).unwrap(),
        Some(written.clone())
    );
    let tables = vec![TableRead {
        name: "spark_catalog.default.t".into(),
        version: Some("42".into()),
    }];
    journal.tables(&written.receipt, tables.clone());
    journal.flush(WAIT);
    let found = reader.find(&written.receipt).unwrap().unwrap();
    assert_eq!(found.tables, Some(tables));
    assert_eq!(reader.find("q-000000000000").unwrap(), None, "unknown");
}

#[test]
fn history_searches_text_in_one_notebook_or_all() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(&JournalAt::File(dir.path().join("j.sqlite")));
    journal.record(record(
        "q-000000000001",
        Some("a.ipynb"),
        "SELECT 100% AS x",
    ));
    journal.record(record(
        "q-000000000002",
        Some("b.ipynb"),
        "SELECT genes FROM t",
    ));
    journal.record(record(
        "q-000000000003",
        Some("a.ipynb"),
        "SELECT gene_id FROM t",
    ));
    journal.flush(WAIT);
    let reader = journal.reader().unwrap();
    let receipts = |search: Search<'_>| -> Vec<String> {
        let found = reader.search(&search).unwrap();
        found.into_iter().map(|r| r.receipt).collect()
    };
    let in_a = Search {
        text: None,
        notebook: Some(Some("a.ipynb")),
        limit: 10,
    };
    assert_eq!(receipts(in_a.clone()), ["q-000000000001", "q-000000000003"]);
    let gene = Search {
        text: Some("GENE"),
        notebook: None,
        limit: 10,
    };
    assert_eq!(receipts(gene), ["q-000000000002", "q-000000000003"]);
    let literal = Search {
        text: Some("e_i"),
        ..in_a.clone()
    };
    assert_eq!(receipts(literal), ["q-000000000003"], "_ is no wildcard");
    let newest = Search { limit: 1, ..in_a };
    assert_eq!(receipts(newest), ["q-000000000003"]);
}

#[test]
fn many_writers_at_once_lose_and_tear_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut journal = Journal::open(&JournalAt::File(path));
                for i in 0..50 {
                    let receipt = format!("q-{w:06x}{i:06x}");
                    journal.record(record(&receipt, Some("n.ipynb"), &format!("SELECT {i}")));
                }
                journal.flush(Duration::from_secs(60));
                journal.take_trouble()
            })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.join().unwrap(), None, "no trouble");
    }
    let reader = Reader::at(path);
    let all = reader
        .search(&Search {
            limit: 10_000,
            ..Search::default()
        })
        .unwrap();
    assert_eq!(all.len(), 16 * 50);
    for found in all {
        assert_eq!(
            found.statement_sha256,
            sha256_hex(&found.statement),
            "whole"
        );
    }
}

#[test]
fn records_sent_while_another_process_holds_the_lock_are_written_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.sqlite");
    let mut journal = Journal::open(&JournalAt::File(path.clone()));
    journal.record(record(&new_receipt(), None, "SELECT 0"));
    journal.flush(WAIT);
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    for i in 1..=5 {
        journal.record(record(&new_receipt(), None, &format!("SELECT {i}")));
        std::thread::sleep(Duration::from_millis(500));
    }
    let trouble = journal.take_trouble();
    assert!(
        matches!(trouble, Some(Trouble::Locked { .. })),
        "{trouble:?}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    journal.flush(WAIT);
    let mut statements: Vec<String> = Reader::at(path)
        .search(&Search {
            limit: 100,
            ..Search::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.statement)
        .collect();
    statements.sort();
    let expected: Vec<String> = (0..=5).map(|i| format!("SELECT {i}")).collect();
    assert_eq!(statements, expected, "none lost to the lock");
}

#[test]
fn a_journal_it_cannot_write_is_one_trouble_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let blocked = dir.path().join("file");
    std::fs::write(&blocked, b"not a directory").unwrap();
    // Its directory is a file: nothing can be made there, whoever runs the test.
    let mut journal = Journal::open(&JournalAt::File(blocked.join("j.sqlite")));
    journal.record(record(&new_receipt(), None, "SELECT 1"));
    journal.record(record(&new_receipt(), None, "SELECT 2"));
    journal.flush(WAIT);
    let trouble = journal.take_trouble();
    assert!(
        matches!(trouble, Some(Trouble::ReadOnly { .. })),
        "{trouble:?}"
    );
    assert_eq!(journal.take_trouble(), None, "told once");
}

#[test]
fn an_off_journal_records_nothing_and_has_no_reader() {
    let journal = Journal::open(&JournalAt::Off);
    journal.record(record(&new_receipt(), None, "SELECT 1"));
    journal.flush(WAIT);
    assert!(!journal.is_on(), "off");
    assert!(journal.reader().is_none(), "no file");
}

#[test]
fn records_match_the_documented_json_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/receipt.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let mut full = record(&new_receipt(), Some("a.ipynb"), "SELECT 1");
    full.tables = Some(vec![TableRead {
        name: "my.ns.t".into(),
        version: Some("1".into()),
    }]);
    full.rows_digest = Some(rows_digest(&[vec![Some("1".into())]]));
    full.files.push(FileWritten {
        path: "/tmp/x.csv".into(),
        format: "csv".into(),
        bytes: Some(10),
        rows: Some(1),
    });
    let mut failed = record(&new_receipt(), None, "SELECT nope");
    failed.outcome = Outcome::Error {
        error_class: Some("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION".into()),
        sql_state: Some("42703".into()),
        message: "[UNRESOLVED_COLUMN…".into(),
    };
    let mut interrupted = record(&new_receipt(), None, "SELECT sleep");
    interrupted.outcome = Outcome::Interrupted;
    for r in [full, failed, interrupted] {
        let value = serde_json::to_value(&r).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
    let mut wrong = serde_json::to_value(record("q-1", None, "SELECT 1")).unwrap();
    assert!(
        !validator.is_valid(&wrong),
        "a short receipt id must not pass"
    );
    wrong["receipt"] = "q-000000000000".into();
    wrong["token"] = "x".into();
    assert!(
        !validator.is_valid(&wrong),
        "no field beyond the documented ones"
    );
}
