//! Why an export failed: the target it could not write, and the cause (the file system, arrow's
//! or parquet's writer) kept as the error's source, which the message does not repeat (the
//! kernel's words print the chain). Must not: word advice beyond the fact.

use std::path::PathBuf;

/// An export that failed; nothing was left at the target.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot export to {}: the directory {} does not exist", target.display(), dir.display())]
    NoDirectory { target: PathBuf, dir: PathBuf },
    #[error("cannot export to {}: it names no file", target.display())]
    NoFileName { target: PathBuf },
    #[error("cannot write {}", target.display())]
    Io {
        target: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}", target.display())]
    Arrow {
        target: PathBuf,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("cannot write {}", target.display())]
    Parquet {
        target: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("cannot start writing {}", target.display())]
    Thread {
        target: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The writing thread ended without saying why (it panicked).
    #[error("cannot write {}: the writer stopped", target.display())]
    WriterStopped { target: PathBuf },
    /// The export was dropped before it finished.
    #[error("the export was abandoned")]
    Abandoned,
}
