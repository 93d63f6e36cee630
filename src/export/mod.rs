//! Writing a whole result to a file (`%%export`), batch by batch as Spark sends it, with
//! arrow-rs's writers: CSV and TSV (a header, RFC 4180 quoting, NULL as an empty field, values
//! in Spark's text forms, as the table shows them), JSON lines (one object per row, NULLs
//! written), Parquet (Spark's Arrow types kept). The file appears whole at the end or not at
//! all: it is written under a temporary name and renamed when complete.
//!
//! Batches are encoded on a thread of the export's own while the next ones arrive (a queue of
//! a few batches bounds the memory). It must not know Jupyter or Spark Connect: it receives
//! Arrow batches and the result's columns, and says what it wrote.

mod encode;
mod error;
mod file;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;

use arrow::array::RecordBatch;

use crate::render::Zone;
use encode::Encoder;
pub use error::ExportError;
use file::{Counted, Partial};
use spark_connect::{BatchSink, Column, SinkProgress, SinkStopped};

/// Batches waiting for the writing thread: while it encodes, the next ones arrive.
const QUEUE: usize = 4;
/// Rows per Parquet row group (pyarrow's default): bounds what the writer holds in memory
/// (tens of MB); large enough that a column whose values do not repeat gives up its dictionary
/// early in each group.
const ROW_GROUP: usize = 1024 * 1024;

/// A file format an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Tsv,
    JsonLines,
    Parquet,
}

impl Format {
    /// The format named by an option (`csv`, `tsv`, `jsonl`, `json`, `ndjson`, `parquet`).
    pub fn named(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "tsv" => Some(Format::Tsv),
            "jsonl" | "json" | "ndjson" => Some(Format::JsonLines),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    /// The format of a path's extension.
    pub fn of_path(path: &Path) -> Option<Format> {
        Format::named(path.extension()?.to_str()?)
    }

    /// What the journal calls it (`csv`, `tsv`, `jsonl`, `parquet`).
    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::JsonLines => "jsonl",
            Format::Parquet => "parquet",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::JsonLines => "JSON lines",
            Format::Parquet => "Parquet",
        }
    }
}

/// `~` and relative paths made absolute: the home directory, the kernel's working directory
/// (the notebook's folder).
pub fn resolve(path: &str, home: Option<&Path>) -> PathBuf {
    let expanded = match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            home.join(rest.trim_start_matches('/'))
        }
        _ => PathBuf::from(path),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        std::env::current_dir().map_or(expanded.clone(), |cwd| cwd.join(expanded))
    }
}

/// What the writing thread is sent.
enum Job {
    Batch(Vec<Column>, RecordBatch),
    Finish(Vec<Column>),
}

/// An export in progress: a [`BatchSink`] that hands batches to the writing thread.
pub struct Exporter {
    partial: Partial,
    jobs: Option<mpsc::SyncSender<Job>>,
    worker: Option<JoinHandle<Result<Counted, ExportError>>>,
    rows: u64,
    /// Why the writing thread stopped, once a batch found it gone.
    failure: Option<ExportError>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
    pub path: PathBuf,
}

impl Exporter {
    /// Starts writing `target` in `format`; text forms of timestamps are in `zone`.
    pub fn create(target: &Path, format: Format, zone: Zone) -> Result<Exporter, ExportError> {
        let (partial, out) = Partial::create(target)?;
        let (jobs, queue) = mpsc::sync_channel(QUEUE);
        let mut encoder = Encoder::new(out, target.to_owned(), format, zone);
        let worker = std::thread::Builder::new()
            .name("spark-sql-export".into())
            .spawn(move || {
                for job in queue {
                    match job {
                        Job::Batch(columns, batch) => encoder.batch(&columns, &batch)?,
                        Job::Finish(columns) => return encoder.finish(&columns),
                    }
                }
                Err(ExportError::Abandoned)
            })
            .map_err(|source| ExportError::Thread {
                target: target.to_owned(),
                source,
            })?;
        Ok(Exporter {
            partial,
            jobs: Some(jobs),
            worker: Some(worker),
            rows: 0,
            failure: None,
        })
    }

    /// The writing thread's error, once it stopped.
    fn stopped(&mut self) -> ExportError {
        self.jobs = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => e,
            _ => self.writer_stopped(),
        }
    }

    fn writer_stopped(&self) -> ExportError {
        ExportError::WriterStopped {
            target: self.partial.target().to_owned(),
        }
    }

    /// Why the export stopped taking batches (after [`BatchSink::batch`] refused one).
    pub fn failure(&mut self) -> ExportError {
        self.failure.take().unwrap_or_else(|| self.writer_stopped())
    }

    /// Ends the export: the writer's footer, the file synced and renamed onto the target. A
    /// result without rows still makes a file (CSV: the header).
    pub fn finish(mut self, columns: &[Column]) -> Result<Written, ExportError> {
        let sent = self
            .jobs
            .take()
            .is_some_and(|jobs| jobs.send(Job::Finish(columns.to_vec())).is_ok());
        let outcome = self.worker.take().map(JoinHandle::join);
        let out = match outcome {
            Some(Ok(Ok(out))) if sent => out,
            Some(Ok(Err(e))) => return Err(e),
            _ => return Err(self.writer_stopped()),
        };
        out.close().map_err(|source| ExportError::Io {
            target: self.partial.target().to_owned(),
            source,
        })?;
        let written = Written {
            rows: self.rows,
            bytes: self.partial.bytes(),
            path: self.partial.target().to_owned(),
        };
        self.partial.commit()?;
        Ok(written)
    }
}

impl BatchSink for Exporter {
    fn batch(&mut self, columns: &[Column], batch: &RecordBatch) -> Result<(), SinkStopped> {
        let sent = self.jobs.as_ref().is_some_and(|jobs| {
            jobs.send(Job::Batch(columns.to_vec(), batch.clone()))
                .is_ok()
        });
        if !sent {
            self.failure = Some(self.stopped());
            return Err(SinkStopped);
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn written(&self) -> SinkProgress {
        SinkProgress {
            rows: self.rows,
            bytes: self.partial.bytes(),
        }
    }
}

impl Drop for Exporter {
    /// An unfinished export: the thread is told to stop (its queue closes) and the temporary
    /// file is removed with it.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests;
