//! Values of user-defined types (UDTs), which Spark sends in the form they are stored as:
//! MLlib's `VectorUDT` as Spark prints a vector (`[1.0,2.0]`, `(3,[0,2],[1.0,3.0])`), a UDT
//! stored as bytes (Sedona's `GeometryUDT`, what BERDL tables hold) as its name and size with
//! how to see it as text — never raw bytes without a word — and any other UDT as the value it
//! is stored as. Must not: decode a UDT's private byte format.

use std::fmt::Write as _;

use arrow::array::{Array, AsArray, StructArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int8Type};

use super::number::write_double;
use super::ValueWriter;

/// A writer for the values of a UDT named `name`, or `None` when they are written as the
/// values they are stored as.
pub fn writer<'a>(array: &'a dyn Array, name: &str) -> Option<ValueWriter<'a>> {
    if name == "VectorUDT" {
        if let Some(vectors) = array.as_struct_opt().and_then(Vectors::of) {
            return Some(Box::new(move |row, out: &mut String| {
                vectors.write(row, out)
            }));
        }
    }
    if matches!(array.data_type(), DataType::Binary | DataType::LargeBinary) {
        let hint = if is_geometry(name) {
            ": ST_AsText(column) shows it as text"
        } else {
            ""
        };
        let name = name.to_owned();
        return Some(Box::new(move |row, out: &mut String| {
            let size = match array.data_type() {
                DataType::LargeBinary => array.as_binary::<i64>().value(row).len(),
                _ => array.as_binary::<i32>().value(row).len(),
            };
            let _ = write!(out, "({name}, {size} bytes{hint})");
        }));
    }
    None
}

/// Sedona's and others' geometry types (`GeometryUDT`, `GeographyUDT`).
fn is_geometry(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("geometry") || lower.contains("geography")
}

/// MLlib's vectors, stored as `{type: tinyint, size: int, indices: array<int>, values:
/// array<double>}` (type 0 sparse, 1 dense).
struct Vectors<'a> {
    kind: &'a arrow::array::Int8Array,
    size: &'a arrow::array::Int32Array,
    indices: &'a arrow::array::ListArray,
    values: &'a arrow::array::ListArray,
}

impl<'a> Vectors<'a> {
    fn of(array: &'a StructArray) -> Option<Vectors<'a>> {
        Some(Vectors {
            kind: array
                .column_by_name("type")?
                .as_primitive_opt::<Int8Type>()?,
            size: array
                .column_by_name("size")?
                .as_primitive_opt::<Int32Type>()?,
            indices: array.column_by_name("indices")?.as_list_opt::<i32>()?,
            values: array.column_by_name("values")?.as_list_opt::<i32>()?,
        })
    }

    /// Spark's `Vector.toString`: dense `[1.0,2.0]`, sparse `(size,[indices],[values])`.
    fn write(&self, row: usize, out: &mut String) {
        let values = self.values.value(row);
        let values = values.as_primitive::<Float64Type>();
        let write_values = |out: &mut String| {
            out.push('[');
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_double(v.unwrap_or(f64::NAN), out);
            }
            out.push(']');
        };
        if self.kind.value(row) == 1 {
            write_values(out);
            return;
        }
        let _ = write!(out, "({},[", self.size.value(row));
        let indices = self.indices.value(row);
        let indices = indices.as_primitive::<Int32Type>();
        for (i, index) in indices.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{}", index.unwrap_or(0));
        }
        out.push_str("],");
        write_values(out);
        out.push(')');
    }
}
