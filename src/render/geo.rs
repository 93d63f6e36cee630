//! GEOMETRY and GEOGRAPHY values (Spark 4.1+) as users read them: Well-Known Text, with
//! `SRID=n;` in front when the value's SRID is not its type's default (0 for GEOMETRY, 4326
//! for GEOGRAPHY). Spark sends each value as an Arrow struct `{srid, wkb}`; the WKB is read by
//! georust's `wkb` and written by georust's `wkt`. Must not: parse WKB itself or know where a
//! value is shown (table, export and chart all write it through here).

use std::fmt::Write as _;

use arrow::array::{Array, AsArray, StructArray};
use arrow::datatypes::{DataType, Int32Type};

pub use spark_connect::{GEOGRAPHY_SRID, GEOMETRY_SRID};

/// Whether an Arrow struct is Spark's form of a geometry or geography: `{srid: Int32, wkb:
/// Binary}`, the `wkb` field marked `geometry` or `geography` in its metadata. Returns the
/// type's default SRID.
pub fn geo_default_srid(array: &StructArray) -> Option<i32> {
    let fields = array.fields();
    let [srid, wkb] = fields.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let shaped = srid.name() == "srid"
        && srid.data_type() == &DataType::Int32
        && wkb.name() == "wkb"
        && matches!(wkb.data_type(), DataType::Binary | DataType::LargeBinary);
    if !shaped {
        return None;
    }
    let marked = |key: &str| wkb.metadata().get(key).is_some_and(|v| v == "true");
    if marked("geography") {
        Some(GEOGRAPHY_SRID)
    } else if marked("geometry") {
        Some(GEOMETRY_SRID)
    } else {
        None
    }
}

/// Writes one value of a geo struct (its row `row`) as WKT; `default_srid` is its type's.
pub fn write_geo_value(array: &StructArray, row: usize, default_srid: i32, out: &mut String) {
    let srid = array
        .column(0)
        .as_primitive_opt::<Int32Type>()
        .map_or(default_srid, |s| s.value(row));
    let wkb = match array.column(1).data_type() {
        DataType::LargeBinary => array.column(1).as_binary::<i64>().value(row),
        _ => array.column(1).as_binary::<i32>().value(row),
    };
    write_wkt(wkb, srid, default_srid, out);
}

/// WKB bytes as WKT (`POINT (1 2)`), `SRID=n;` first when `srid` is not `default_srid`.
/// Bytes that are not WKB are said to be so, with their length, never dumped.
pub fn write_wkt(wkb: &[u8], srid: i32, default_srid: i32, out: &mut String) {
    if srid != default_srid {
        let _ = write!(out, "SRID={srid};");
    }
    let mut text = String::new();
    let written = wkb::reader::read_wkb(wkb)
        .map_err(|e| e.to_string())
        .and_then(|geometry| {
            wkt::to_wkt::write_geometry(&mut text, &geometry).map_err(|e| e.to_string())
        });
    match written {
        Ok(()) => spaced(&text, out),
        Err(e) => {
            let _ = write!(out, "(not a valid WKB geometry, {} bytes: {e})", wkb.len());
        }
    }
}

/// WKT with a space between each geometry's tag and its `(`, as Spark and JTS write it:
/// `POINT(1 2)` → `POINT (1 2)`, `GEOMETRYCOLLECTION(POINT(1 2))` → `GEOMETRYCOLLECTION (POINT (1 2))`.
fn spaced(wkt: &str, out: &mut String) {
    let mut previous = ' ';
    for c in wkt.chars() {
        if c == '(' && previous.is_ascii_alphabetic() {
            out.push(' ');
        }
        out.push(c);
        previous = c;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Little-endian WKB of POINT (1 2).
    fn point_1_2() -> Vec<u8> {
        let mut wkb = vec![1, 1, 0, 0, 0];
        wkb.extend_from_slice(&1.0f64.to_le_bytes());
        wkb.extend_from_slice(&2.0f64.to_le_bytes());
        wkb
    }

    fn wkt(wkb: &[u8], srid: i32, default: i32) -> String {
        let mut out = String::new();
        write_wkt(wkb, srid, default, &mut out);
        out
    }

    #[test]
    fn a_point_is_written_as_wkt_and_its_srid_only_when_not_the_default() {
        assert_eq!(wkt(&point_1_2(), 0, GEOMETRY_SRID), "POINT (1 2)");
        assert_eq!(
            wkt(&point_1_2(), 4326, GEOMETRY_SRID),
            "SRID=4326;POINT (1 2)"
        );
        assert_eq!(wkt(&point_1_2(), 4326, GEOGRAPHY_SRID), "POINT (1 2)");
    }

    #[test]
    fn a_line_and_a_big_endian_polygon_are_read() {
        let mut line = vec![1, 2, 0, 0, 0, 2, 0, 0, 0];
        for v in [0.5f64, 1.0, 2.0, 3.25] {
            line.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(wkt(&line, 0, 0), "LINESTRING (0.5 1,2 3.25)");
        let mut polygon = vec![0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4];
        for v in [0.0f64, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0] {
            polygon.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(wkt(&polygon, 0, 0), "POLYGON ((0 0,1 0,1 1,0 0))");
    }

    #[test]
    fn bytes_that_are_not_wkb_are_named_not_dumped() {
        let shown = wkt(&[0xde, 0xad, 0xbe], 0, 0);
        assert!(
            shown.starts_with("(not a valid WKB geometry, 3 bytes"),
            "{shown}"
        );
    }
}
