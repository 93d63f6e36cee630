//! Values as Spark SQL literals, for `%parameters` (papermill's parameters): read from JSON
//! with integers kept exact, written so that Spark reads back exactly the value given. Spark's
//! rules, not ANSI's: a backslash escapes inside a string, and two quotes are *not* an escape
//! (`'a' 'b'` is two literals that concatenate). Pure functions.
//! Must not: run SQL or know the kernel; it only writes text Spark reads back.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// Spark's largest decimal holds 38 digits.
const MAX_DIGITS: usize = 38;
/// The key of `{"$double": "NaN"}`: a float JSON cannot hold (NaN, ±Infinity).
pub const DOUBLE_TAG: &str = "$double";

/// A parameter's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// An integer, as its digits (any size).
    Integer(String),
    /// A float, as JSON writes it (`1.5`, `1e-07`), or `NaN`, `Infinity`, `-Infinity`.
    Float(String),
    Text(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

/// Why parameters cannot become SQL literals.
#[derive(Debug, thiserror::Error)]
pub enum ParameterError {
    #[error("the parameters are not a JSON object: {0}")]
    NotAnObject(#[source] serde_json::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0:?} is not NaN, Infinity or -Infinity")]
    NotADouble(String),
    #[error(
        "{0} has more digits than Spark's largest DECIMAL (38): pass it as a float or a string"
    )]
    TooManyDigits(String),
}

/// Reads a JSON object of parameters (names in order of name).
pub fn parse_parameters(json: &str) -> Result<Vec<(String, Value)>, ParameterError> {
    let object: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(json).map_err(ParameterError::NotAnObject)?;
    object
        .into_iter()
        .map(|(name, raw)| Ok((name, value(&raw)?)))
        .collect()
}

fn value(raw: &RawValue) -> Result<Value, ParameterError> {
    let text = raw.get().trim();
    Ok(match text.as_bytes().first() {
        Some(b'n') => Value::Null,
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        Some(b'"') => Value::Text(serde_json::from_str(text)?),
        Some(b'[') => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(text)?;
            Value::List(items.iter().map(|i| value(i)).collect::<Result<_, _>>()?)
        }
        Some(b'{') => {
            let entries: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text)?;
            if let (1, Some(tagged)) = (entries.len(), entries.get(DOUBLE_TAG)) {
                let name: String = serde_json::from_str(tagged.get())?;
                return match name.as_str() {
                    "NaN" | "Infinity" | "-Infinity" => Ok(Value::Float(name)),
                    _ => Err(ParameterError::NotADouble(name)),
                };
            }
            let pairs = entries
                .iter()
                .map(|(k, v)| Ok((k.clone(), value(v)?)))
                .collect::<Result<_, ParameterError>>()?;
            Value::Map(pairs)
        }
        _ if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
            Value::Integer(text.to_owned())
        }
        _ => Value::Float(text.to_owned()),
    })
}

/// Whether `name` can be a variable's name as it is (letters, digits, `_`; not a digit first).
pub fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Spark string literal of `text`: backslash escapes, every character kept.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The Spark SQL literal of `value`.
pub fn literal(value: &Value) -> Result<String, ParameterError> {
    Ok(match value {
        Value::Null => "NULL".into(),
        Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Value::Integer(digits) => {
            if digits.trim_start_matches('-').len() > MAX_DIGITS {
                return Err(ParameterError::TooManyDigits(digits.clone()));
            }
            // Spark reads it as INT, BIGINT, or DECIMAL(n, 0), whichever holds it.
            digits.clone()
        }
        Value::Float(text) => match text.as_str() {
            "NaN" | "Infinity" | "-Infinity" => format!("CAST('{text}' AS DOUBLE)"),
            // `D` makes it a DOUBLE (`1.5` alone would be a DECIMAL).
            _ => format!("{text}D"),
        },
        Value::Text(text) => string(text),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(literal).collect::<Result<_, _>>()?;
            format!("array({})", items.join(", "))
        }
        Value::Map(pairs) => {
            let pairs: Vec<String> = pairs
                .iter()
                .map(|(k, v)| Ok(format!("{}, {}", string(k), literal(v)?)))
                .collect::<Result<_, ParameterError>>()?;
            format!("map({})", pairs.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn literals(json: &str) -> Vec<(String, String)> {
        parse_parameters(json)
            .unwrap()
            .into_iter()
            .map(|(n, v)| (n, literal(&v).unwrap()))
            .collect()
    }

    #[test]
    fn every_json_value_becomes_the_spark_literal_of_the_same_value() {
        let got = literals(
            r#"{"i": 20, "neg": -7, "big": 123456789012345678901234567890, "f": 1.5,
                "e": 1e-07, "nan": {"$double": "NaN"}, "inf": {"$double": "-Infinity"},
                "t": true, "no": null, "l": [1, "a", null], "m": {"k": 2.0, "z": []}}"#,
        );
        let want = [
            ("big", "123456789012345678901234567890"),
            ("e", "1e-07D"),
            ("f", "1.5D"),
            ("i", "20"),
            ("inf", "CAST('-Infinity' AS DOUBLE)"),
            ("l", "array(1, 'a', NULL)"),
            ("m", "map('k', 2.0D, 'z', array())"),
            ("nan", "CAST('NaN' AS DOUBLE)"),
            ("neg", "-7"),
            ("no", "NULL"),
            ("t", "TRUE"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| ((*a).into(), (*b).into()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn strings_use_backslash_escapes_never_doubled_quotes() {
        assert_eq!(string("it's"), r"'it\'s'");
        assert_eq!(string("coli''s"), r"'coli\'\'s'");
        assert_eq!(string("a\\b\nc\té\u{1}"), "'a\\\\b\\nc\\té\\u0001'");
        assert_eq!(string("漢字 🚀"), "'漢字 🚀'");
    }

    #[test]
    fn names_and_values_spark_cannot_take_are_errors() {
        assert!(is_identifier("threshold"), "a plain name");
        assert!(is_identifier("_x1"), "an underscore may start a name");
        assert!(!is_identifier("1x"), "a digit may not start a name");
        assert!(
            !is_identifier("my-var"),
            "a hyphen is no identifier character"
        );
        assert!(!is_identifier(""), "an empty name");
        let huge = format!("{{\"x\": {}}}", "9".repeat(39));
        let (_, v) = &parse_parameters(&huge).unwrap()[0];
        assert!(
            matches!(
                literal(v),
                Err(ParameterError::TooManyDigits(digits)) if digits.len() == 39
            ),
            "{:?}",
            literal(v)
        );
        assert!(
            matches!(parse_parameters("[1]"), Err(ParameterError::NotAnObject(_))),
            "{:?}",
            parse_parameters("[1]")
        );
        assert!(
            matches!(
                parse_parameters(r#"{"x": {"$double": "1"}}"#),
                Err(ParameterError::NotADouble(name)) if name == "1"
            ),
            "{:?}",
            parse_parameters(r#"{"x": {"$double": "1"}}"#)
        );
    }
}
