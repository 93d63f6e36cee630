//! The journal through the kernel: a receipt under every result that resolves with `%receipt`
//! and with `spark-sql-kernel receipt` after the kernel is gone, the tables a query read from
//! Spark's analysis, `%verify` after a table changed and after it did not, `%history`, and a
//! journal that cannot be written (one warning; the cells run).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::binary::kernel_binary;
use crate::harness::reading::{ok, result_text, stderr};
use crate::harness::spark::{self, table};
use crate::harness::{Frontend, Transcript};

/// The receipt in a result's footer.
#[track_caller]
fn receipt_of(t: &Transcript) -> String {
    ok(t);
    let text = result_text(t);
    let footer = text.lines().last().unwrap_or_default();
    let receipt = footer
        .split(" · ")
        .find(|part| part.starts_with("q-"))
        .unwrap_or_else(|| panic!("no receipt in the footer: {footer}"));
    assert_eq!(receipt.len(), 14, "{receipt}");
    receipt.to_owned()
}

async fn kernel_with_journal(
    journal: &std::path::Path,
) -> (crate::harness::standin::AuthStandin, Frontend) {
    let auth = spark::standin();
    let path = journal.display().to_string();
    let vars = [
        ("SPARK_SQL_KERNEL_JOURNAL", path.as_str()),
        ("JPY_SESSION_NAME", "work/genes.ipynb"),
    ];
    let settings = spark::kernel_settings(&auth, &spark::token(), &spark::url(), &vars);
    let k = Frontend::start(settings).await;
    (auth, k)
}

/// `spark-sql-kernel receipt ID --journal PATH`: its exit status and stdout.
fn receipt_cli(id: &str, journal: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(kernel_binary())
        .args(["receipt", id, "--journal"])
        .arg(journal)
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_receipt_resolves_in_the_notebook_and_after_the_kernel_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite");
    let (_auth, mut k) = kernel_with_journal(&journal).await;
    let t = table("receipts");
    ok(&k
        .execute(&format!(
            "CREATE TABLE {t} USING parquet LOCATION '/tmp/{t}' AS SELECT id, id % 3 AS g FROM range(10)"
        ))
        .await);
    let shown = k
        .execute(&format!("SELECT g, count(*) AS n FROM {t} GROUP BY g"))
        .await;
    let receipt = receipt_of(&shown);
    let text = result_text(&k.execute(&format!("%receipt {receipt}")).await);
    assert!(text.contains("GROUP BY g"), "{text}");
    assert!(text.contains("work/genes.ipynb · cell ["), "{text}");
    assert!(text.contains("alice_smith"), "{text}");
    // The tables read come from Spark's analysis, beside the next cells.
    let text = receipt_with_tables(&mut k, &receipt, &format!("spark_catalog.default.{t}")).await;
    assert!(text.contains("its format reports no version"), "{text}");
    let verified = result_text(&k.execute(&format!("%verify {receipt}")).await);
    assert!(
        verified.contains("the same result as recorded"),
        "{verified}"
    );
    ok(&k.execute(&format!("INSERT INTO {t} VALUES (10, 1)")).await);
    let verified = result_text(&k.execute(&format!("%verify {receipt}")).await);
    assert!(verified.contains("the result changed"), "{verified}");
    assert!(verified.contains("CHANGED"), "{verified}");
    let history = result_text(&k.execute("%history GROUP BY").await);
    assert!(history.contains(&receipt), "{history}");
    ok(&k.execute(&format!("DROP TABLE {t}")).await);
    let bye = k
        .control_request("shutdown_request", serde_json::json!({ "restart": false }))
        .await;
    assert_eq!(bye.reply.content["status"], "ok", "{:?}", bye.reply.content);
    k.exit().await;
    drop(k);
    // The kernel is gone: the command resolves the receipt from the file alone.
    let (found, json) = receipt_cli(&receipt, &journal);
    assert!(found, "{json}");
    let record: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(record["receipt"], receipt.as_str());
    assert_eq!(record["outcome"]["status"], "ok");
    assert_eq!(record["rows_received"], 3);
    assert_eq!(record["notebook"], "work/genes.ipynb");
    assert_eq!(record["schema"][1]["name"], "n");
    let bytes = std::fs::read(&journal).unwrap();
    let token = spark::token();
    assert!(
        !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token is in the journal's bytes"
    );
    let (found, _) = receipt_cli("q-000000000000", &journal);
    assert!(!found, "an unknown receipt is not found");
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_warns_once_and_cells_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"in the way").unwrap();
    // Its directory is a file: nothing can be written there, even by root.
    let (_auth, mut k) = kernel_with_journal(&file.join("journal.sqlite")).await;
    let mut warnings = 0;
    for i in 0..4 {
        let t = k.execute(&format!("SELECT {i} AS i")).await;
        ok(&t);
        warnings += stderr(&t).matches("could not be written").count();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(warnings, 1, "one warning");
}

/// The text of `%receipt ID` once the tables it read are recorded (looked up beside the cells).
async fn receipt_with_tables(k: &mut Frontend, receipt: &str, table: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = result_text(&k.execute(&format!("%receipt {receipt}")).await);
        let read = text
            .lines()
            .find(|l| l.trim_start().starts_with("Tables read"));
        if read.is_some_and(|line| line.contains(table)) {
            return text;
        }
        assert!(Instant::now() < deadline, "tables never recorded: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The suite's versioned DSv2 catalog (`tests/catalog/VersionedCatalog.java`) reports a
/// table's version as Iceberg does: the journal records it, `%verify` sees it change.
#[tokio::test]
async fn a_tables_version_is_recorded_and_verify_sees_it_change() {
    let dir = tempfile::tempdir().unwrap();
    let (_auth, mut k) = kernel_with_journal(&dir.path().join("journal.sqlite")).await;
    let t = format!("versioned.db.{}", table("t"));
    ok(&k.execute(&format!("CREATE TABLE {t} (id BIGINT)")).await);
    let receipt = receipt_of(&k.execute(&format!("SELECT count(*) AS n FROM {t}")).await);
    let text = receipt_with_tables(&mut k, &receipt, &t).await;
    assert!(text.contains(&format!("{t} (version 1001)")), "{text}");
    let verified = result_text(&k.execute(&format!("%verify {receipt}")).await);
    assert!(
        verified.contains("the same result as recorded"),
        "{verified}"
    );
    ok(&k
        .execute(&format!("ALTER TABLE {t} SET TBLPROPERTIES ('bump' = '1')"))
        .await);
    let verified = result_text(&k.execute(&format!("%verify {receipt}")).await);
    assert!(verified.contains("CHANGED: 1001 → 1002"), "{verified}");
    assert!(verified.contains("the result changed"), "{verified}");
    let digest = verified
        .lines()
        .find(|l| l.contains("First rows' digest"))
        .unwrap_or_default();
    assert!(digest.contains("CHANGED"), "10 rows became 20: {verified}");
    ok(&k.execute(&format!("DROP TABLE {t}")).await);
}
