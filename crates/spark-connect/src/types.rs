//! Spark's names for its data types (`bigint`, `decimal(10,2)`, `array<string>`, …), from the
//! schema the server sends with every result: the names users know from `DESCRIBE`.
//! Must not: render values (`render` does).

use super::proto::data_type::Kind;
use super::proto::DataType;

/// Spark's `simpleString` of a type.
pub fn type_name(data_type: &DataType) -> String {
    let Some(kind) = &data_type.kind else {
        return "unknown".into();
    };
    match kind {
        Kind::Null(_) => "void".into(),
        Kind::Binary(_) => "binary".into(),
        Kind::Boolean(_) => "boolean".into(),
        Kind::Byte(_) => "tinyint".into(),
        Kind::Short(_) => "smallint".into(),
        Kind::Integer(_) => "int".into(),
        Kind::Long(_) => "bigint".into(),
        Kind::Float(_) => "float".into(),
        Kind::Double(_) => "double".into(),
        Kind::Decimal(d) => format!(
            "decimal({},{})",
            d.precision.unwrap_or(10),
            d.scale.unwrap_or(0)
        ),
        Kind::String(s) if !s.collation.is_empty() && s.collation != "UTF8_BINARY" => {
            format!("string collate {}", s.collation)
        }
        Kind::String(_) => "string".into(),
        Kind::Char(c) => format!("char({})", c.length),
        Kind::VarChar(v) => format!("varchar({})", v.length),
        Kind::Date(_) => "date".into(),
        Kind::Timestamp(_) => "timestamp".into(),
        Kind::TimestampNtz(_) => "timestamp_ntz".into(),
        Kind::CalendarInterval(_) => "interval".into(),
        Kind::YearMonthInterval(i) => {
            interval_name(i.start_field, i.end_field, &["year", "month"], 0, 1)
        }
        Kind::DayTimeInterval(i) => interval_name(
            i.start_field,
            i.end_field,
            &["day", "hour", "minute", "second"],
            0,
            3,
        ),
        Kind::Array(a) => format!("array<{}>", optional(a.element_type.as_deref())),
        Kind::Map(m) => format!(
            "map<{},{}>",
            optional(m.key_type.as_deref()),
            optional(m.value_type.as_deref())
        ),
        Kind::Struct(s) => {
            let fields: Vec<String> = s
                .fields
                .iter()
                .map(|f| format!("{}:{}", f.name, optional(f.data_type.as_ref())))
                .collect();
            format!("struct<{}>", fields.join(","))
        }
        Kind::Variant(_) => "variant".into(),
        Kind::Time(t) => format!("time({})", t.precision.unwrap_or(6)),
        Kind::TimestampNtzNanos(t) => format!("timestamp_ntz({})", t.precision.unwrap_or(9)),
        Kind::TimestampLtzNanos(t) => format!("timestamp_ltz({})", t.precision.unwrap_or(9)),
        Kind::Geometry(g) => geo_name("geometry", g.srid),
        Kind::Geography(g) => geo_name("geography", g.srid),
        Kind::Udt(u) => udt_name(u),
        Kind::Unparsed(u) => u.data_type_string.clone(),
    }
}

/// What showing a value needs to know about its Spark type beyond its Arrow form: interval
/// fields (Arrow has one type for all day-time intervals) and variants (an Arrow struct).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SparkType {
    /// The Arrow type says everything.
    #[default]
    Plain,
    /// `interval year`, `interval year to month`, `interval month` (0 = year, 1 = month).
    YearMonthInterval {
        start: u8,
        end: u8,
    },
    /// `interval day` … `interval second` (0 = day, 1 = hour, 2 = minute, 3 = second).
    DayTimeInterval {
        start: u8,
        end: u8,
    },
    Variant,
    /// GEOMETRY or GEOGRAPHY (an Arrow struct `{srid, wkb}`), with the type's default SRID.
    Geo {
        default_srid: i32,
    },
    /// A user-defined type: its name, and the type of the values it is stored as.
    Udt {
        name: String,
        stored: Box<SparkType>,
    },
    Array(Box<SparkType>),
    Map(Box<SparkType>, Box<SparkType>),
    Struct(Vec<SparkType>),
}

/// The [`SparkType`] of a schema type.
pub fn spark_type(data_type: &DataType) -> SparkType {
    let field =
        |i: Option<i32>, default: u8| i.and_then(|i| u8::try_from(i).ok()).unwrap_or(default);
    let nested = |t: Option<&DataType>| Box::new(t.map_or(SparkType::Plain, spark_type));
    match &data_type.kind {
        Some(Kind::YearMonthInterval(i)) => SparkType::YearMonthInterval {
            start: field(i.start_field, 0),
            end: field(i.end_field, 1),
        },
        Some(Kind::DayTimeInterval(i)) => SparkType::DayTimeInterval {
            start: field(i.start_field, 0),
            end: field(i.end_field, 3),
        },
        Some(Kind::Variant(_)) => SparkType::Variant,
        Some(Kind::Array(a)) => SparkType::Array(nested(a.element_type.as_deref())),
        Some(Kind::Map(m)) => SparkType::Map(
            nested(m.key_type.as_deref()),
            nested(m.value_type.as_deref()),
        ),
        Some(Kind::Struct(s)) => SparkType::Struct(
            s.fields
                .iter()
                .map(|f| f.data_type.as_ref().map_or(SparkType::Plain, spark_type))
                .collect(),
        ),
        Some(Kind::Geometry(_)) => SparkType::Geo {
            default_srid: GEOMETRY_SRID,
        },
        Some(Kind::Geography(_)) => SparkType::Geo {
            default_srid: GEOGRAPHY_SRID,
        },
        Some(Kind::Udt(u)) => SparkType::Udt {
            name: udt_name(u),
            stored: nested(u.sql_type.as_deref()),
        },
        _ => SparkType::Plain,
    }
}

/// The SRID GEOMETRY values have unless they say otherwise.
pub const GEOMETRY_SRID: i32 = 0;
/// The SRID GEOGRAPHY values have unless they say otherwise (WGS 84).
pub const GEOGRAPHY_SRID: i32 = 4326;

/// `geometry(0)`, `geography(4326)`, `geometry(any)` (a column of mixed SRIDs).
fn geo_name(kind: &str, srid: i32) -> String {
    if srid < 0 {
        format!("{kind}(any)")
    } else {
        format!("{kind}({srid})")
    }
}

/// A user-defined type's name: its class's short name (`VectorUDT`, Sedona's
/// `GeometryUDT`), else what the server called it.
fn udt_name(udt: &super::proto::data_type::Udt) -> String {
    let class = udt.jvm_class.as_deref().or(udt.python_class.as_deref());
    match class.and_then(|c| c.rsplit(['.', '$']).find(|p| !p.is_empty())) {
        Some(short) => short.to_owned(),
        None => udt
            .sql_type
            .as_deref()
            .map_or_else(|| udt.r#type.clone(), type_name),
    }
}

fn optional(data_type: Option<&DataType>) -> String {
    data_type.map_or_else(|| "unknown".into(), type_name)
}

/// `interval day to second`, `interval year`, … as Spark names them.
fn interval_name(
    start: Option<i32>,
    end: Option<i32>,
    units: &[&str],
    default_start: i32,
    default_end: i32,
) -> String {
    let unit = |i: i32| {
        usize::try_from(i)
            .ok()
            .and_then(|i| units.get(i))
            .copied()
            .unwrap_or("?")
    };
    let (s, e) = (start.unwrap_or(default_start), end.unwrap_or(default_end));
    if s == e {
        format!("interval {}", unit(s))
    } else {
        format!("interval {} to {}", unit(s), unit(e))
    }
}

#[cfg(test)]
mod tests {
    use super::super::proto::data_type;
    use super::*;

    fn of(kind: Kind) -> DataType {
        DataType { kind: Some(kind) }
    }

    #[test]
    fn nested_types_are_named_as_spark_names_them() {
        let decimal = of(Kind::Decimal(data_type::Decimal {
            scale: Some(2),
            precision: Some(10),
            type_variation_reference: 0,
        }));
        let array = of(Kind::Array(Box::new(data_type::Array {
            element_type: Some(Box::new(decimal)),
            contains_null: true,
            type_variation_reference: 0,
        })));
        let long = of(Kind::Long(data_type::Long::default()));
        let map = of(Kind::Map(Box::new(data_type::Map {
            key_type: Some(Box::new(of(Kind::String(data_type::String::default())))),
            value_type: Some(Box::new(array)),
            value_contains_null: true,
            type_variation_reference: 0,
        })));
        let record = of(Kind::Struct(data_type::Struct {
            fields: vec![
                data_type::StructField {
                    name: "id".into(),
                    data_type: Some(long),
                    nullable: false,
                    metadata: None,
                },
                data_type::StructField {
                    name: "m".into(),
                    data_type: Some(map),
                    nullable: true,
                    metadata: None,
                },
            ],
            type_variation_reference: 0,
        }));
        assert_eq!(
            type_name(&record),
            "struct<id:bigint,m:map<string,array<decimal(10,2)>>>"
        );
        let interval = of(Kind::DayTimeInterval(data_type::DayTimeInterval {
            start_field: Some(0),
            end_field: Some(3),
            type_variation_reference: 0,
        }));
        assert_eq!(type_name(&interval), "interval day to second");
        assert_eq!(type_name(&DataType { kind: None }), "unknown");
    }
}
