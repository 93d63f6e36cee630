//! Writing a whole result to a file (`%%export`), batch by batch as Spark sends it, with
//! arrow-rs's writers: CSV and TSV (a header, RFC 4180 quoting, NULL as an empty field, values
//! in Spark's text forms, as the table shows them), JSON lines (one object per row, NULLs
//! written), Parquet (Spark's Arrow types kept). The file appears whole at the end or not at
//! all ([`file::Partial`]).
//!
//! It must not know Jupyter or Spark Connect: it receives Arrow batches and the result's
//! columns, and says what it wrote.

mod file;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::render::Zone;
use crate::spark::{BatchSink, Column};
use file::{Counted, Partial};

/// Rows per Parquet row group: bounds what the writer holds in memory.
const ROW_GROUP: usize = 256 * 1024;

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

enum Writer {
    Csv(arrow::csv::Writer<Counted>),
    Json(arrow::json::LineDelimitedWriter<Counted>),
    Parquet(parquet::arrow::ArrowWriter<Counted>),
}

/// An export in progress: a [`BatchSink`] writing to the temporary file.
pub struct Export {
    format: Format,
    zone: Zone,
    partial: Partial,
    /// Until the first batch fixes the schema.
    unopened: Option<Counted>,
    writer: Option<Writer>,
    rows: u64,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub rows: u64,
    pub bytes: u64,
    pub path: PathBuf,
}

impl Export {
    /// Starts writing `target` in `format`; text forms of timestamps are in `zone`.
    pub fn create(target: &Path, format: Format, zone: Zone) -> Result<Export, String> {
        let (partial, writer) = Partial::create(target)?;
        Ok(Export {
            format,
            zone,
            partial,
            unopened: Some(writer),
            writer: None,
            rows: 0,
        })
    }

    fn open(&mut self, schema: SchemaRef) -> Result<(), String> {
        let Some(out) = self.unopened.take() else {
            return Ok(());
        };
        let writer = match self.format {
            Format::Csv | Format::Tsv => {
                let delimiter = if self.format == Format::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let builder = arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .with_delimiter(delimiter);
                Writer::Csv(builder.build(out))
            }
            Format::JsonLines => Writer::Json(
                arrow::json::WriterBuilder::new()
                    .with_explicit_nulls(true)
                    .build::<_, arrow::json::writer::LineDelimited>(out),
            ),
            Format::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::SNAPPY)
                    .set_max_row_group_row_count(Some(ROW_GROUP))
                    .build();
                let writer = parquet::arrow::ArrowWriter::try_new(out, schema, Some(props))
                    .map_err(|e| self.failed(&e))?;
                Writer::Parquet(writer)
            }
        };
        self.writer = Some(writer);
        Ok(())
    }

    fn failed(&self, error: &dyn std::fmt::Display) -> String {
        format!("cannot write {}: {error}", self.partial.target().display())
    }

    /// The batch as the file gets it: for CSV and TSV, every column not already in Spark's
    /// text form (numbers other than integers, timestamps, nested values, …) as that text.
    fn shaped(&self, columns: &[Column], batch: &RecordBatch) -> Result<RecordBatch, String> {
        if !matches!(self.format, Format::Csv | Format::Tsv) {
            return Ok(batch.clone());
        }
        let mut fields = Vec::with_capacity(batch.num_columns());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (i, (field, array)) in batch
            .schema()
            .fields()
            .iter()
            .zip(batch.columns())
            .enumerate()
        {
            let name = columns
                .get(i)
                .map_or(field.name().as_str(), |c| c.name.as_str());
            if same_text(field.data_type()) {
                fields.push(Field::new(name, field.data_type().clone(), true));
                arrays.push(Arc::clone(array));
            } else {
                let spark = columns
                    .get(i)
                    .map(|c| c.data_type.clone())
                    .unwrap_or_default();
                fields.push(Field::new(name, DataType::Utf8, true));
                let text = crate::render::spark_text(array.as_ref(), &spark, &self.zone);
                arrays.push(Arc::new(text));
            }
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| self.failed(&e))
    }

    /// Ends the export: the writer's footer, the file synced and renamed onto the target. A
    /// result without rows still makes a file (CSV: the header).
    pub fn finish(mut self, columns: &[Column]) -> Result<Written, String> {
        if self.writer.is_none() {
            let fields: Vec<Field> = columns
                .iter()
                .map(|c| Field::new(&c.name, DataType::Utf8, true))
                .collect();
            let empty = RecordBatch::new_empty(Arc::new(Schema::new(fields)));
            self.batch(columns, &empty)?;
        }
        let out = match self.writer.take() {
            Some(Writer::Csv(w)) => w.into_inner(),
            Some(Writer::Json(mut w)) => {
                w.finish().map_err(|e| self.failed(&e))?;
                w.into_inner()
            }
            Some(Writer::Parquet(w)) => w.into_inner().map_err(|e| self.failed(&e))?,
            None => return Err(self.failed(&"nothing was written")),
        };
        out.close().map_err(|e| self.failed(&e))?;
        let written = Written {
            rows: self.rows,
            bytes: self.partial.bytes(),
            path: self.partial.target().to_owned(),
        };
        self.partial.commit()?;
        Ok(written)
    }
}

/// Types whose values arrow's CSV writer writes exactly as Spark does.
fn same_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Boolean
            | DataType::Date32
    )
}

impl BatchSink for Export {
    fn batch(&mut self, columns: &[Column], batch: &RecordBatch) -> Result<(), String> {
        let shaped = self.shaped(columns, batch)?;
        self.open(shaped.schema())?;
        let written = match &mut self.writer {
            Some(Writer::Csv(w)) => w.write(&shaped).map_err(|e| e.to_string()),
            Some(Writer::Json(w)) => w.write(&shaped).map_err(|e| e.to_string()),
            Some(Writer::Parquet(w)) => w.write(&shaped).map_err(|e| e.to_string()),
            None => Ok(()),
        };
        written.map_err(|e| self.failed(&e))?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn written(&self) -> (u64, u64) {
        (self.rows, self.partial.bytes())
    }
}

#[cfg(test)]
mod tests;
