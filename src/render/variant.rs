//! `variant` values (Spark 4), which arrive as an Arrow struct of two binaries (`value`,
//! `metadata`) in the binary encoding Spark shares with Parquet. Shown as Spark shows them:
//! JSON for objects and arrays (keys in the variant's sorted order, decimals without trailing
//! zeros, timestamps with their offset), a scalar at the top level without quotes.
//! Must not: trust the bytes: a malformed variant is shown as such, never a panic.

use std::fmt::Write as _;

use super::datetime::{write_date, write_timestamp, write_timestamp_with_offset, Zone};
use super::number::{write_decimal_stripped, write_double, write_float};

/// Deeper nesting than this is shown as `…` (Spark itself limits nesting far below it).
const MAX_DEPTH: usize = 200;

/// Writes a variant; a value that cannot be decoded says so instead.
pub fn write_variant(value: &[u8], metadata: &[u8], zone: &Zone, out: &mut String) {
    let reader = Reader { metadata, zone };
    let mut text = String::new();
    match reader.write(value, false, 0, &mut text) {
        Some(()) => out.push_str(&text),
        None => out.push_str("(a variant value that cannot be read)"),
    }
}

struct Reader<'a> {
    metadata: &'a [u8],
    zone: &'a Zone,
}

/// A little-endian unsigned integer of `size` bytes at `at`.
fn uint(bytes: &[u8], at: usize, size: usize) -> Option<usize> {
    let slice = bytes.get(at..at.checked_add(size)?)?;
    let mut value: usize = 0;
    for (i, b) in slice.iter().enumerate() {
        value |= usize::from(*b) << (8 * i);
    }
    Some(value)
}

fn array<const N: usize>(bytes: &[u8], at: usize) -> Option<[u8; N]> {
    bytes.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn write_json_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_base64(bytes: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

impl Reader<'_> {
    /// The metadata dictionary's key number `id`.
    fn key(&self, id: usize) -> Option<&str> {
        let m = self.metadata;
        let header = *m.first()?;
        if header & 0x0f != 1 {
            return None;
        }
        let size = usize::from((header >> 6) & 0x3) + 1;
        let count = uint(m, 1, size)?;
        let offset = |i: usize| uint(m, 1 + size * (1 + i), size);
        let strings = 1 + size * (count + 2);
        let (start, end) = (offset(id)?, offset(id + 1)?);
        std::str::from_utf8(m.get(strings + start..strings + end)?).ok()
    }

    /// Writes one value: JSON when `json` (inside an object or array), else the top-level form.
    fn write(&self, v: &[u8], json: bool, depth: usize, out: &mut String) -> Option<()> {
        if depth > MAX_DEPTH {
            out.push('…');
            return Some(());
        }
        let header = *v.first()?;
        let small = usize::from(header >> 2);
        match header & 0x3 {
            0 => self.primitive(small, v, json, out),
            1 => {
                let text = std::str::from_utf8(v.get(1..1 + small)?).ok()?;
                self.string(text, json, out);
                Some(())
            }
            2 => self.object(small, v, depth, out),
            _ => self.array(small, v, depth, out),
        }
    }

    fn string(&self, text: &str, json: bool, out: &mut String) {
        if json {
            write_json_string(text, out);
        } else {
            out.push_str(text);
        }
    }

    fn quoted(&self, json: bool, out: &mut String, f: impl FnOnce(&mut String)) {
        if json {
            out.push('"');
        }
        f(out);
        if json {
            out.push('"');
        }
    }

    fn primitive(&self, type_id: usize, v: &[u8], json: bool, out: &mut String) -> Option<()> {
        match type_id {
            0 => out.push_str("null"),
            1 => out.push_str("true"),
            2 => out.push_str("false"),
            3 => write!(out, "{}", i8::from_le_bytes(array(v, 1)?)).ok()?,
            4 => write!(out, "{}", i16::from_le_bytes(array(v, 1)?)).ok()?,
            5 => write!(out, "{}", i32::from_le_bytes(array(v, 1)?)).ok()?,
            6 => write!(out, "{}", i64::from_le_bytes(array(v, 1)?)).ok()?,
            7 => write_double(f64::from_le_bytes(array(v, 1)?), out),
            8 => {
                let unscaled = i32::from_le_bytes(array(v, 2)?).to_string();
                write_decimal_stripped(&unscaled, i8::try_from(*v.get(1)?).ok()?, out);
            }
            9 => {
                let unscaled = i64::from_le_bytes(array(v, 2)?).to_string();
                write_decimal_stripped(&unscaled, i8::try_from(*v.get(1)?).ok()?, out);
            }
            10 => {
                let unscaled = i128::from_le_bytes(array(v, 2)?).to_string();
                write_decimal_stripped(&unscaled, i8::try_from(*v.get(1)?).ok()?, out);
            }
            11 => {
                let days = i32::from_le_bytes(array(v, 1)?);
                self.quoted(json, out, |o| write_date(days, o));
            }
            12 | 18 => {
                let raw = i64::from_le_bytes(array(v, 1)?);
                let micros = if type_id == 18 {
                    raw.div_euclid(1000)
                } else {
                    raw
                };
                self.quoted(json, out, |o| {
                    if json {
                        write_timestamp_with_offset(micros, self.zone, o);
                    } else {
                        write_timestamp(micros, Some(self.zone), o);
                    }
                });
            }
            13 | 19 => {
                let raw = i64::from_le_bytes(array(v, 1)?);
                let micros = if type_id == 19 {
                    raw.div_euclid(1000)
                } else {
                    raw
                };
                self.quoted(json, out, |o| write_timestamp(micros, None, o));
            }
            14 => write_float(f32::from_le_bytes(array(v, 1)?), out),
            15 => {
                let len = uint(v, 1, 4)?;
                let bytes = v.get(5..5 + len)?;
                self.quoted(json, out, |o| write_base64(bytes, o));
            }
            16 => {
                let len = uint(v, 1, 4)?;
                let text = std::str::from_utf8(v.get(5..5 + len)?).ok()?;
                self.string(text, json, out);
            }
            20 => {
                let b: [u8; 16] = array(v, 1)?;
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                let text = format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                );
                self.string(&text, json, out);
            }
            _ => return None,
        }
        Some(())
    }

    fn object(&self, info: usize, v: &[u8], depth: usize, out: &mut String) -> Option<()> {
        let offset_size = (info & 0x3) + 1;
        let id_size = ((info >> 2) & 0x3) + 1;
        let count_size = if (info >> 4) & 0x1 == 1 { 4 } else { 1 };
        let count = uint(v, 1, count_size)?;
        let ids = 1 + count_size;
        let offsets = ids + count * id_size;
        let data = offsets + (count + 1) * offset_size;
        out.push('{');
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            write_json_string(self.key(uint(v, ids + i * id_size, id_size)?)?, out);
            out.push(':');
            let start = data + uint(v, offsets + i * offset_size, offset_size)?;
            self.write(v.get(start..)?, true, depth + 1, out)?;
        }
        out.push('}');
        Some(())
    }

    fn array(&self, info: usize, v: &[u8], depth: usize, out: &mut String) -> Option<()> {
        let offset_size = (info & 0x3) + 1;
        let count_size = if (info >> 2) & 0x1 == 1 { 4 } else { 1 };
        let count = uint(v, 1, count_size)?;
        let offsets = 1 + count_size;
        let data = offsets + (count + 1) * offset_size;
        out.push('[');
        for i in 0..count {
            if i > 0 {
                out.push(',');
            }
            let start = data + uint(v, offsets + i * offset_size, offset_size)?;
            self.write(v.get(start..)?, true, depth + 1, out)?;
        }
        out.push(']');
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: &[u8], metadata: &[u8]) -> String {
        let mut out = String::new();
        write_variant(value, metadata, &Zone::default(), &mut out);
        out
    }

    #[test]
    fn objects_and_arrays_read_as_spark_json() {
        // parse_json('{"a":1,"b":[true,null,"x"]}') as Spark 4.0.1 encodes it.
        let value = b"\x02\x02\x00\x01\x00\x02\x0c\x0c\x01\x03\x03\x00\x01\x02\x04\x04\x00\x05x";
        let metadata = b"\x01\x02\x00\x01\x02ab";
        assert_eq!(show(value, metadata), r#"{"a":1,"b":[true,null,"x"]}"#);
        // to_variant_object(named_struct('t', timestamp'2024-01-02 03:04:05.5')) in UTC.
        let value = b"\x02\x01\x00\x00\t0`\x94\xf2t\xf4\r\x06\x00";
        let metadata = b"\x01\x01\x00\x01t";
        assert_eq!(show(value, metadata), r#"{"t":"2024-01-02 11:04:05.5Z"}"#);
    }

    #[test]
    fn scalars_at_the_top_are_unquoted_and_strings_are_escaped_inside() {
        let empty = b"\x01\x00\x00";
        assert_eq!(show(b"\x0dhi\"", empty), "hi\"");
        // ["a\"\n\u0001"] — an array of one short string.
        assert_eq!(
            show(b"\x03\x01\x00\x05\x11a\"\n\x01", empty),
            r#"["a\"\n\u0001"]"#
        );
        // decimal4 1.50 → 1.5; double 2e10 → 2.0E10; binary → base64.
        assert_eq!(show(b"\x20\x02\x96\x00\x00\x00", empty), "1.5");
        assert_eq!(
            show(&[&[0x1c_u8][..], &2.0e10_f64.to_le_bytes()].concat(), empty),
            "2.0E10"
        );
        assert_eq!(show(b"\x3c\x02\x00\x00\x00\x01\x02", empty), "AQI=");
        assert_eq!(show(b"\x00", empty), "null");
        assert_eq!(
            show(b"\xff", empty),
            "(a variant value that cannot be read)"
        );
        assert_eq!(show(b"", empty), "(a variant value that cannot be read)");
    }
}
