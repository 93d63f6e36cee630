//! What the journal records of one statement (or one file an export or chart wrote): the
//! facts a receipt resolves to, as JSON (`docs/receipt.schema.json` describes it).
//! Must not: hold a token or a row's values — only counts, names, types and digests.

use serde::{Deserialize, Serialize};

/// One statement the kernel ran, and how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// `q-` and 12 hex digits, unique in the journal.
    pub receipt: String,
    /// RFC 3339 times (UTC) at which it started and ended.
    pub started: String,
    pub ended: String,
    /// The KBase user it ran as.
    pub user: String,
    /// The notebook's path (`JPY_SESSION_NAME`), when the Jupyter server set it.
    pub notebook: Option<String>,
    /// The id of the kernel run (a new one for each start).
    pub kernel: String,
    pub execution_count: u32,
    /// The statement as the user wrote it, and the SHA-256 of its text (hex).
    pub statement: String,
    pub statement_sha256: String,
    pub spark: SparkSide,
    pub outcome: Outcome,
    pub duration_ms: u64,
    /// Rows that came back to the kernel.
    pub rows_received: u64,
    /// Rows of the whole result, when known (all came back, or an export wrote them).
    pub rows_total: Option<u64>,
    /// The result's columns (empty for a statement without a result set).
    pub schema: Vec<Field>,
    /// The tables the statement read, from Spark's own analysis (filled in after the cell).
    pub tables: Option<Vec<TableRead>>,
    /// An order-independent digest of the rows shown (`rows_digest`), and how many rows it
    /// covers.
    pub rows_digest: Option<RowsDigest>,
    /// Files an export or a chart wrote from this statement's result.
    pub files: Vec<FileWritten>,
}

/// Where it ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparkSide {
    pub version: Option<String>,
    pub address: Option<String>,
    pub session_id: Option<String>,
    pub operation_id: Option<String>,
}

/// How a statement ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    Error {
        /// Spark's error class (`TABLE_OR_VIEW_NOT_FOUND`), when Spark named one.
        error_class: Option<String>,
        sql_state: Option<String>,
        /// The error's first line.
        message: String,
    },
    Interrupted,
}

impl Outcome {
    /// `ok`, `error` or `interrupted`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error { .. } => "error",
            Outcome::Interrupted => "interrupted",
        }
    }
}

/// A column of the result: its name and Spark's type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
}

/// A table a statement read, with its version where its format reports one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRead {
    /// `catalog.namespace.table`.
    pub name: String,
    /// Iceberg's snapshot id, Delta's version; `None` where the format reports none.
    pub version: Option<String>,
}

/// The digest of a set of rows: the same rows in any order give the same digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsDigest {
    pub rows: u64,
    /// `sha256-sum:` and 64 hex digits.
    pub digest: String,
}

/// A file written from a statement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileWritten {
    pub path: String,
    /// `csv`, `json`, `parquet`, `svg`, `vega-lite`, …
    pub format: String,
    pub bytes: Option<u64>,
    pub rows: Option<u64>,
}

/// A new receipt id: `q-` and 12 random hex digits.
pub fn new_receipt() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("q-{}", &id[..12])
}

/// Whether `text` is written as a receipt id is.
pub fn is_receipt(text: &str) -> bool {
    text.strip_prefix("q-").is_some_and(|hex| {
        hex.len() == 12
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// The SHA-256 of `text`, in hex.
pub fn sha256_hex(text: &str) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()).as_ref())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The order-independent digest of `rows` (each row its values' texts, `None` for null): the
/// SHA-256 of each row, added up as 256-bit numbers (so duplicates count, order does not).
pub fn rows_digest(rows: &[Vec<Option<String>>]) -> RowsDigest {
    let mut sum = [0u8; 32];
    for row in rows {
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        for value in row {
            match value {
                // A length prefix keeps `ab|c` apart from `a|bc`; null is its own mark.
                Some(text) => {
                    ctx.update(&(text.len() as u64).to_be_bytes());
                    ctx.update(text.as_bytes());
                }
                None => ctx.update(&u64::MAX.to_be_bytes()),
            }
        }
        add(&mut sum, ctx.finish().as_ref());
    }
    RowsDigest {
        rows: rows.len() as u64,
        digest: format!("sha256-sum:{}", hex(&sum)),
    }
}

/// `sum += value` as big-endian 256-bit numbers, wrapping.
fn add(sum: &mut [u8; 32], value: &[u8]) {
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let total = u16::from(sum[i]) + u16::from(value[i]) + carry;
        sum[i] = (total & 0xff) as u8;
        carry = total >> 8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_owned)).collect()
    }

    #[test]
    fn the_digest_ignores_order_but_not_values_or_duplicates() {
        let a = row(&[Some("1"), Some("x")]);
        let b = row(&[Some("2"), None]);
        let one = rows_digest(&[a.clone(), b.clone()]);
        assert_eq!(one, rows_digest(&[b.clone(), a.clone()]), "order");
        assert_ne!(one, rows_digest(&[a.clone(), a.clone()]), "values");
        assert_ne!(
            rows_digest(&[a.clone(), a.clone(), b.clone()]).digest,
            rows_digest(&[a.clone(), b.clone(), b.clone()]).digest,
            "duplicates"
        );
        assert_ne!(
            rows_digest(&[row(&[Some("ab"), Some("c")])]),
            rows_digest(&[row(&[Some("a"), Some("bc")])]),
            "where values end"
        );
        assert_ne!(
            rows_digest(&[row(&[None])]),
            rows_digest(&[row(&[Some("")])]),
            "null is not empty"
        );
    }

    #[test]
    fn receipts_are_q_and_twelve_hex_digits() {
        let r = new_receipt();
        assert!(is_receipt(&r), "{r}");
        assert_ne!(r, new_receipt(), "random");
        assert!(!is_receipt("q-12345"), "too short");
        assert!(!is_receipt("q-ABCDEF123456"), "upper case");
    }

    #[test]
    fn the_statement_digest_is_sha256() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
