//! Encoding batches into a file format with arrow-rs's writers, on the export's writing
//! thread: CSV and TSV get every column not already in Spark's text form as that text.
//! Must not: touch the file's name or place (`file` does) or know Spark Connect.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use arrow::error::ArrowError;
use parquet::errors::ParquetError;

use super::file::Counted;
use super::{ExportError, Format, ROW_GROUP};
use crate::render::Zone;
use spark_connect::{Column, SparkType};

enum Writer {
    Csv(arrow::csv::Writer<Counted>),
    Json(arrow::json::LineDelimitedWriter<Counted>),
    Parquet(parquet::arrow::ArrowWriter<Counted>),
}

/// One file's encoder.
pub(super) struct Encoder {
    format: Format,
    zone: Zone,
    /// The target, for errors.
    target: PathBuf,
    /// Until the first batch fixes the schema.
    unopened: Option<Counted>,
    writer: Option<Writer>,
}

impl Encoder {
    pub(super) fn new(out: Counted, target: PathBuf, format: Format, zone: Zone) -> Encoder {
        Encoder {
            format,
            zone,
            target,
            unopened: Some(out),
            writer: None,
        }
    }

    fn open(&mut self, schema: SchemaRef) -> Result<(), ExportError> {
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
                    .map_err(|e| self.parquet(e))?;
                Writer::Parquet(writer)
            }
        };
        self.writer = Some(writer);
        Ok(())
    }

    fn arrow(&self, source: ArrowError) -> ExportError {
        arrow_error(&self.target, source)
    }

    fn parquet(&self, source: ParquetError) -> ExportError {
        ExportError::Parquet {
            target: self.target.clone(),
            source,
        }
    }

    /// The batch as the file gets it: for CSV and TSV, every column not already in Spark's
    /// text form (numbers other than integers, timestamps, nested values, …) as that text; for
    /// JSON, geometries and user-defined values as their text.
    fn shaped(&self, columns: &[Column], batch: &RecordBatch) -> Result<RecordBatch, ExportError> {
        let as_text = |i: usize, data_type: &DataType| match self.format {
            Format::Csv | Format::Tsv => !same_text(data_type),
            // JSON writes structs as objects: a geometry or a UDT goes as its text instead.
            Format::JsonLines => columns.get(i).is_some_and(|c| {
                matches!(c.data_type, SparkType::Geo { .. } | SparkType::Udt { .. })
            }),
            // Parquet keeps every type (a geometry as its struct of SRID and WKB).
            Format::Parquet => false,
        };
        if !(0..batch.num_columns()).any(|i| as_text(i, batch.column(i).data_type())) {
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
            if !as_text(i, field.data_type()) {
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
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(|e| self.arrow(e))
    }

    /// Ends the file: the writer's footer; the file itself back, to be closed. A result
    /// without rows still makes a file (CSV: the header).
    pub(super) fn finish(mut self, columns: &[Column]) -> Result<Counted, ExportError> {
        if self.writer.is_none() {
            let fields: Vec<Field> = columns
                .iter()
                .map(|c| Field::new(&c.name, DataType::Utf8, true))
                .collect();
            let empty = RecordBatch::new_empty(Arc::new(Schema::new(fields)));
            self.batch(columns, &empty)?;
        }
        match self.writer.take() {
            Some(Writer::Csv(w)) => Ok(w.into_inner()),
            Some(Writer::Json(mut w)) => {
                w.finish().map_err(|e| self.arrow(e))?;
                Ok(w.into_inner())
            }
            Some(Writer::Parquet(w)) => w.into_inner().map_err(|e| self.parquet(e)),
            None => Err(ExportError::WriterStopped {
                target: self.target.clone(),
            }),
        }
    }

    /// Encodes one batch.
    pub(super) fn batch(
        &mut self,
        columns: &[Column],
        batch: &RecordBatch,
    ) -> Result<(), ExportError> {
        let shaped = self.shaped(columns, batch)?;
        self.open(shaped.schema())?;
        let target = &self.target;
        match &mut self.writer {
            Some(Writer::Csv(w)) => w.write(&shaped).map_err(|e| arrow_error(target, e)),
            Some(Writer::Json(w)) => w.write(&shaped).map_err(|e| arrow_error(target, e)),
            Some(Writer::Parquet(w)) => w.write(&shaped).map_err(|source| ExportError::Parquet {
                target: target.clone(),
                source,
            }),
            None => Ok(()),
        }
    }
}

fn arrow_error(target: &std::path::Path, source: ArrowError) -> ExportError {
    ExportError::Arrow {
        target: target.to_owned(),
        source,
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
