//! A statement's result as it arrives: the Spark schema (for type names) and Arrow IPC
//! batches, decoded as they come and cut to the rows that are shown; for a whole result, every
//! batch also goes to a [`BatchSink`] (an export).
//! Must not: render, or keep more rows than it was asked to show.

use std::io::Cursor;
use std::time::Duration;

use arrow::array::Array;
use arrow::error::ArrowError;
use arrow::ipc::reader::StreamReader;
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::error::{SparkError, Unreadable};
use super::proto::execute_plan_response::ArrowBatch;
use super::proto::{data_type, DataType};
use super::types::{spark_type, type_name, SparkType};

/// A result column: its name, Spark's name for its type, and what showing it needs to know
/// about that type.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub type_name: String,
    pub data_type: SparkType,
}

/// Where every batch of a whole result goes, as it arrives (an export writes it to a file).
pub trait BatchSink: Send {
    /// Takes one batch; `columns` are the result's columns (Spark's names and types). A sink
    /// that cannot take it keeps why, for its owner to ask.
    fn batch(&mut self, columns: &[Column], batch: &RecordBatch) -> Result<(), SinkStopped>;
    /// What it has written so far (shown on the progress line).
    fn written(&self) -> SinkProgress;
}

/// What a [`BatchSink`] has written so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SinkProgress {
    pub rows: u64,
    pub bytes: u64,
}

/// A [`BatchSink`] refused a batch: the statement stops (the sink knows why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkStopped;

/// What one statement returned, at most `limit` rows of it.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub columns: Vec<Column>,
    /// The rows to show (at most `limit`).
    pub batches: Vec<RecordBatch>,
    /// Rows that crossed the wire (at most `limit + 1`).
    pub rows_received: u64,
    /// More rows exist than are shown.
    pub more: bool,
    /// How many times the result stream was resumed with `ReattachExecute`.
    pub reattaches: u32,
    pub elapsed: Duration,
}

impl QueryResult {
    /// Rows shown.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The same result cut to its first `n` rows (the batches are shared, not copied).
    pub fn first_rows(&self, n: usize) -> QueryResult {
        let mut left = n;
        let mut batches = Vec::new();
        for batch in &self.batches {
            if left == 0 {
                break;
            }
            let take = batch.num_rows().min(left);
            batches.push(batch.slice(0, take));
            left -= take;
        }
        QueryResult {
            columns: self.columns.clone(),
            batches,
            rows_received: self.rows_received,
            more: self.more || self.rows() > n,
            reattaches: self.reattaches,
            elapsed: self.elapsed,
        }
    }

    /// A statement without a result set (DDL, INSERT, SET without output, …).
    pub fn has_columns(&self) -> bool {
        !self.columns.is_empty()
    }

    /// Every value as plain text, row by row (`None` for a null), in arrow's own display
    /// form: for results whose values are names and settings (`SHOW …`, `DESCRIBE …`, `SET`),
    /// not for what users read.
    pub fn texts(&self) -> Result<Vec<Vec<Option<String>>>, ArrowError> {
        let options = FormatOptions::default();
        let mut rows = Vec::with_capacity(self.rows());
        for batch in &self.batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|array| ArrayFormatter::try_new(array.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                let values = batch.columns().iter().zip(&formatters);
                rows.push(
                    values
                        .map(|(array, format)| {
                            (!array.is_null(row)).then(|| format.value(row).to_string())
                        })
                        .collect(),
                );
            }
        }
        Ok(rows)
    }
}

/// What a running statement has shown of itself: Spark's latest progress report, when the
/// server was last heard from (any message), and for an export the rows and bytes written.
#[derive(Debug, Clone)]
pub struct Running {
    pub progress: Option<Progress>,
    pub heard: std::time::Instant,
    pub written: Option<SinkProgress>,
}

impl Default for Running {
    fn default() -> Running {
        Running {
            progress: None,
            heard: std::time::Instant::now(),
            written: None,
        }
    }
}

/// Where a running query is, from Spark's latest `execution_progress` report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub stages: usize,
    pub stages_done: usize,
    pub tasks: i64,
    pub tasks_done: i64,
    /// Tasks running now.
    pub tasks_running: i64,
    pub bytes_read: i64,
}

impl Progress {
    pub(crate) fn from_report(
        report: &super::proto::execute_plan_response::ExecutionProgress,
    ) -> Progress {
        Progress {
            stages: report.stages.len(),
            stages_done: report.stages.iter().filter(|s| s.done).count(),
            tasks: report.stages.iter().map(|s| s.num_tasks).sum(),
            tasks_done: report.stages.iter().map(|s| s.num_completed_tasks).sum(),
            tasks_running: report.num_inflight_tasks,
            bytes_read: report.stages.iter().map(|s| s.input_bytes_read).sum(),
        }
    }
}

/// Collects responses of one execution.
#[derive(Default)]
pub(crate) struct Collector<'s> {
    limit: usize,
    spark_schema: Option<Vec<Column>>,
    arrow_columns: Option<Vec<Column>>,
    batches: Vec<RecordBatch>,
    kept: usize,
    rows_received: u64,
    more: bool,
    sink: Option<&'s mut dyn BatchSink>,
}

impl<'s> Collector<'s> {
    #[cfg(test)]
    pub(crate) fn new(limit: usize) -> Collector<'s> {
        Collector {
            limit,
            ..Collector::default()
        }
    }

    /// A collector that also hands every batch to `sink`.
    pub(crate) fn with_sink(limit: usize, sink: Option<&'s mut dyn BatchSink>) -> Collector<'s> {
        Collector {
            limit,
            sink,
            ..Collector::default()
        }
    }

    /// What the sink has written, if there is one.
    pub(crate) fn written(&self) -> Option<SinkProgress> {
        self.sink.as_ref().map(|s| s.written())
    }

    pub(crate) fn schema(&mut self, schema: &DataType) {
        if let Some(data_type::Kind::Struct(s)) = &schema.kind {
            self.spark_schema = Some(
                s.fields
                    .iter()
                    .map(|f| Column {
                        name: f.name.clone(),
                        type_name: f
                            .data_type
                            .as_ref()
                            .map_or_else(|| "unknown".into(), type_name),
                        data_type: f.data_type.as_ref().map_or(SparkType::Plain, spark_type),
                    })
                    .collect(),
            );
        }
    }

    /// Decodes one `ArrowBatch` (a whole IPC stream) and keeps the rows still to be shown.
    pub(crate) fn arrow(&mut self, batch: WholeBatch) -> Result<(), SparkError> {
        let WholeBatch {
            rows: row_count,
            data,
        } = batch;
        self.rows_received += u64::try_from(row_count).unwrap_or(0);
        let reader = StreamReader::try_new(Cursor::new(data), None)
            .map_err(|e| SparkError::Decode(e.into()))?;
        if self.arrow_columns.is_none() {
            self.arrow_columns = Some(
                reader
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| Column {
                        name: f.name().clone(),
                        type_name: f.data_type().to_string(),
                        data_type: SparkType::Plain,
                    })
                    .collect(),
            );
        }
        for batch in reader {
            let batch = batch.map_err(|e| SparkError::Decode(e.into()))?;
            if let Some(sink) = &mut self.sink {
                let columns = self.spark_schema.as_ref().or(self.arrow_columns.as_ref());
                sink.batch(columns.map_or(&[], Vec::as_slice), &batch)
                    .map_err(|SinkStopped| SparkError::SinkStopped)?;
            }
            let room = self.limit - self.kept;
            if batch.num_rows() > room {
                self.more = true;
            }
            let take = batch.num_rows().min(room);
            if take > 0 {
                self.batches.push(batch.slice(0, take));
                self.kept += take;
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self, reattaches: u32, elapsed: Duration) -> QueryResult {
        let columns = self.spark_schema.or(self.arrow_columns).unwrap_or_default();
        QueryResult {
            columns,
            batches: self.batches,
            rows_received: self.rows_received,
            more: self.more,
            reattaches,
            elapsed,
        }
    }
}

/// The chunks of one Arrow batch that the server sent in parts (4.1+ with chunking asked for),
/// joined in order before the batch is decoded.
#[derive(Default)]
pub(crate) struct Chunks {
    parts: Vec<Vec<u8>>,
}

/// A whole Arrow batch as the server sent it: its row count and its Arrow IPC bytes.
#[derive(Debug, PartialEq)]
pub(crate) struct WholeBatch {
    pub rows: i64,
    pub data: Vec<u8>,
}

impl Chunks {
    /// Takes one `ArrowBatch` message: the whole batch once its last chunk is here, `None`
    /// while more are to come.
    pub(crate) fn join(&mut self, batch: ArrowBatch) -> Result<Option<WholeBatch>, SparkError> {
        let total = batch.num_chunks_in_batch.unwrap_or(0);
        if total <= 1 && self.parts.is_empty() {
            return Ok(Some(WholeBatch {
                rows: batch.row_count,
                data: batch.data,
            }));
        }
        let expected = i64::try_from(self.parts.len()).unwrap_or(i64::MAX);
        let index = batch.chunk_index.unwrap_or(0);
        if index != expected {
            return Err(SparkError::Decode(Unreadable::ChunkOrder {
                index,
                expected,
            }));
        }
        self.parts.push(batch.data);
        if i64::try_from(self.parts.len()).unwrap_or(i64::MAX) < total {
            return Ok(None);
        }
        Ok(Some(WholeBatch {
            rows: batch.row_count,
            data: std::mem::take(&mut self.parts).concat(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType as ArrowType, Field, Schema};
    use arrow::ipc::writer::StreamWriter;

    use super::*;

    fn ipc(values: &[i64]) -> Vec<u8> {
        compressed(values, None)
    }

    /// An Arrow IPC stream of one batch, its bodies compressed with `codec` when given.
    #[track_caller]
    fn compressed(values: &[i64], codec: Option<arrow::ipc::CompressionType>) -> Vec<u8> {
        let schema = Arc::new(Schema::new(vec![Field::new("id", ArrowType::Int64, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from(values.to_vec()))],
        )
        .unwrap();
        let options = arrow::ipc::writer::IpcWriteOptions::default()
            .try_with_compression(codec)
            .unwrap();
        let mut out = Vec::new();
        let mut writer = StreamWriter::try_new_with_options(&mut out, &schema, options).unwrap();
        writer.write(&batch).unwrap();
        writer.finish().unwrap();
        drop(writer);
        out
    }

    #[test]
    fn rows_beyond_the_limit_mark_more_and_are_dropped() {
        let mut c = Collector::new(3);
        c.arrow(WholeBatch {
            rows: 2,
            data: ipc(&[1, 2]),
        })
        .unwrap();
        c.arrow(WholeBatch {
            rows: 2,
            data: ipc(&[3, 4]),
        })
        .unwrap();
        let r = c.finish(0, Duration::ZERO);
        assert_eq!(r.rows(), 3);
        assert!(r.more, "{:?}", r.more);
        assert_eq!(r.rows_received, 4);
        assert_eq!(r.columns[0].name, "id");
        let mut c = Collector::new(3);
        c.arrow(WholeBatch {
            rows: 3,
            data: ipc(&[1, 2, 3]),
        })
        .unwrap();
        let finished = c.finish(0, Duration::ZERO);
        assert!(!finished.more, "the rows fit: {finished:?}");
    }

    #[test]
    fn lz4_and_zstd_compressed_batches_decode() {
        let values: Vec<i64> = (0..10_000).collect();
        for codec in [
            arrow::ipc::CompressionType::LZ4_FRAME,
            arrow::ipc::CompressionType::ZSTD,
        ] {
            let data = compressed(&values, Some(codec));
            assert!(
                data.len() < ipc(&values).len(),
                "{codec:?} did not compress"
            );
            let mut c = Collector::new(20_000);
            c.arrow(WholeBatch { rows: 10_000, data }).unwrap();
            let r = c.finish(0, Duration::ZERO);
            assert_eq!(r.rows(), 10_000, "{codec:?}");
        }
    }

    fn chunk(data: &[u8], index: i64, of: i64) -> ArrowBatch {
        ArrowBatch {
            row_count: 3,
            data: data.to_vec(),
            start_offset: None,
            chunk_index: Some(index),
            num_chunks_in_batch: Some(of),
        }
    }

    #[test]
    fn chunks_are_joined_in_order_into_one_batch() {
        let whole = ipc(&[1, 2, 3]);
        let third = whole.len() / 3;
        let mut chunks = Chunks::default();
        let joined = chunks.join(chunk(&whole[..third], 0, 3)).unwrap();
        assert!(
            joined.is_none(),
            "a first chunk is not a batch yet: {joined:?}"
        );
        let joined = chunks.join(chunk(&whole[third..2 * third], 1, 3)).unwrap();
        assert!(
            joined.is_none(),
            "two of three chunks are not a batch yet: {joined:?}"
        );
        let last = chunks
            .join(chunk(&whole[2 * third..], 2, 3))
            .unwrap()
            .unwrap();
        assert_eq!((last.rows, last.data.as_slice()), (3, whole.as_slice()));
        let mut c = Collector::new(10);
        c.arrow(last).unwrap();
        assert_eq!(c.finish(0, Duration::ZERO).rows(), 3);
        // An unchunked batch passes as it is.
        let unchunked = chunks.join(chunk(&whole, 0, 1)).unwrap().unwrap();
        assert_eq!(unchunked.data, whole, "an unchunked batch passes as it is");
    }

    #[test]
    fn a_chunk_out_of_order_is_a_decode_error() {
        let mut chunks = Chunks::default();
        let joined = chunks.join(chunk(b"ab", 0, 3)).unwrap();
        assert!(
            joined.is_none(),
            "a first chunk is not a batch yet: {joined:?}"
        );
        let err = chunks.join(chunk(b"cd", 2, 3)).unwrap_err();
        assert!(matches!(err, SparkError::Decode(_)), "{err:?}");
    }

    #[test]
    fn a_broken_batch_is_a_decode_error() {
        let mut c = Collector::new(3);
        let broken = WholeBatch {
            rows: 1,
            data: vec![1, 2, 3],
        };
        let err = c.arrow(broken).unwrap_err();
        assert!(matches!(err, SparkError::Decode(_)), "{err:?}");
    }
}
