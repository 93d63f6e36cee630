//! The journal's SQLite file: its schema, and reading and writing records and cells.
//!
//! Locking: SQLite's rollback journal (`journal_mode=DELETE`) with `synchronous=FULL`, never
//! WAL. WAL keeps its index in a shared-memory file that processes on different machines
//! cannot share, so on NFS (where JupyterHub deployments often put home directories) it can
//! corrupt the database; the rollback journal needs only the POSIX byte-range locks that
//! NFS's lock manager provides. Writers wait at most [`BUSY`] for each other.
//! Must not: decide when to write (the writer does) or word failures (the kernel does).

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::record::{Record, TableRead};

/// How long a write waits for another kernel's before the journal counts as locked.
pub const BUSY: Duration = Duration::from_secs(1);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS statements (
    receipt TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    user TEXT NOT NULL,
    notebook TEXT,
    kernel TEXT NOT NULL,
    execution_count INTEGER NOT NULL,
    statement TEXT NOT NULL,
    status TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    rows_received INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS statements_by_notebook ON statements (notebook, started);
CREATE TABLE IF NOT EXISTS cells (
    kernel TEXT NOT NULL,
    execution_count INTEGER NOT NULL,
    started TEXT NOT NULL,
    notebook TEXT,
    code TEXT NOT NULL,
    PRIMARY KEY (kernel, execution_count)
);
CREATE INDEX IF NOT EXISTS cells_by_notebook ON cells (notebook, started);
";

/// A cell as history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellRow {
    pub kernel: String,
    pub execution_count: u32,
    pub started: String,
    pub notebook: Option<String>,
    pub code: String,
}

/// Opens (creating when missing) the journal at `path` for writing.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A directory that cannot be made shows as the open's error just below.
        let _ = std::fs::create_dir_all(dir);
    }
    let connection = Connection::open(path)?;
    settle(&connection)?;
    connection.execute_batch(SCHEMA)?;
    Ok(connection)
}

/// Opens an existing journal for reading only.
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY)?;
    Ok(connection)
}

fn settle(connection: &Connection) -> rusqlite::Result<()> {
    connection.busy_timeout(BUSY)?;
    // `journal_mode` answers with the mode it set.
    let _mode: String = connection.query_row("PRAGMA journal_mode=PERSIST", [], |r| r.get(0))?;
    connection.execute_batch("PRAGMA synchronous=FULL;")
}

/// Writes one record (one transaction: whole or absent).
pub fn insert(connection: &Connection, record: &Record) -> rusqlite::Result<()> {
    let json = serde_json::to_string(record).unwrap_or_default();
    connection.execute(
        "INSERT INTO statements (receipt, started, user, notebook, kernel, execution_count,
             statement, status, duration_ms, rows_received, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            record.receipt,
            record.started,
            record.user,
            record.notebook,
            record.kernel,
            record.execution_count,
            record.statement,
            record.outcome.status(),
            record.duration_ms,
            record.rows_received,
            json
        ],
    )?;
    Ok(())
}

/// Sets the tables a recorded statement read.
pub fn set_tables(
    connection: &Connection,
    receipt: &str,
    tables: &[TableRead],
) -> rusqlite::Result<()> {
    let Some(mut record) = find_in(connection, receipt)? else {
        return Ok(());
    };
    record.tables = Some(tables.to_vec());
    let json = serde_json::to_string(&record).unwrap_or_default();
    connection.execute(
        "UPDATE statements SET record = ?1 WHERE receipt = ?2",
        params![json, receipt],
    )?;
    Ok(())
}

/// Writes one cell for history (a cell run again under the same count replaces it).
pub fn insert_cell(connection: &Connection, cell: &CellRow) -> rusqlite::Result<()> {
    connection.execute(
        "INSERT OR REPLACE INTO cells (kernel, execution_count, started, notebook, code)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            cell.kernel,
            cell.execution_count,
            cell.started,
            cell.notebook,
            cell.code
        ],
    )?;
    Ok(())
}

/// The record of `receipt`.
pub fn find(connection: &Connection, receipt: &str) -> rusqlite::Result<Option<Record>> {
    find_in(connection, receipt)
}

fn find_in(connection: &Connection, receipt: &str) -> rusqlite::Result<Option<Record>> {
    let json: Option<String> = connection
        .query_row(
            "SELECT record FROM statements WHERE receipt = ?1",
            [receipt],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// What `%history` searches for.
#[derive(Debug, Clone, Default)]
pub struct Search<'a> {
    /// Text the statement contains (case-insensitive); none: every statement.
    pub text: Option<&'a str>,
    /// Only this notebook's statements; none: every notebook's.
    pub notebook: Option<Option<&'a str>>,
    pub limit: usize,
}

/// The newest records that match, newest last.
pub fn search(connection: &Connection, search: &Search<'_>) -> rusqlite::Result<Vec<Record>> {
    let pattern = search.text.map(|t| {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let (by_notebook, notebook) = match search.notebook {
        Some(n) => (true, n),
        None => (false, None),
    };
    let mut statement = connection.prepare(
        "SELECT record FROM statements
         WHERE (?1 IS NULL OR statement LIKE ?1 ESCAPE '\\')
           AND (NOT ?2 OR notebook IS ?3)
         ORDER BY started DESC, rowid DESC LIMIT ?4",
    )?;
    let rows = statement.query_map(
        params![pattern, by_notebook, notebook, search.limit as i64],
        |r| r.get::<_, String>(0),
    )?;
    let mut found: Vec<Record> = rows
        .filter_map(Result::ok)
        .filter_map(|j| serde_json::from_str(&j).ok())
        .collect();
    found.reverse();
    Ok(found)
}

/// The newest `limit` cells of `notebook` (every notebook's when `None`), oldest first.
pub fn cells(
    connection: &Connection,
    notebook: Option<&str>,
    limit: usize,
) -> rusqlite::Result<Vec<CellRow>> {
    let mut statement = connection.prepare(
        "SELECT kernel, execution_count, started, notebook, code FROM cells
         WHERE (?1 IS NULL OR notebook = ?1)
         ORDER BY started DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![notebook, limit as i64], |r| {
        Ok(CellRow {
            kernel: r.get(0)?,
            execution_count: r.get(1)?,
            started: r.get(2)?,
            notebook: r.get(3)?,
            code: r.get(4)?,
        })
    })?;
    let mut found: Vec<CellRow> = rows.filter_map(Result::ok).collect();
    found.reverse();
    Ok(found)
}
