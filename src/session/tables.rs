//! The tables a statement reads and their versions, as Spark tells them: the analyzed plan's
//! `SubqueryAlias catalog.namespace.table` nodes (every table a query resolves, views opened),
//! and a table's version from its DSv2 properties (Iceberg's `current-snapshot-id`).
//! Must not: run a statement (callers do) or guess a version Spark does not report.

/// The fully qualified tables in `explained` (an `EXPLAIN EXTENDED` text), in order, once each.
pub fn read_in(explained: &str) -> Vec<String> {
    let analyzed = explained
        .split("== Analyzed Logical Plan ==")
        .nth(1)
        .and_then(|rest| rest.split("== Optimized Logical Plan ==").next())
        .unwrap_or_default();
    let mut tables: Vec<String> = Vec::new();
    for line in analyzed.lines() {
        let Some(at) = line.find("SubqueryAlias ") else {
            continue;
        };
        let name = line[at + "SubqueryAlias ".len()..].trim();
        // `catalog.namespace.table` (and deeper namespaces); one-part names are temporary
        // views, CTEs and aliases, two-part ones are `global_temp` views.
        let parts = name.split('.').count();
        if parts >= 3 && !name.contains(' ') && !tables.iter().any(|t| t == name) {
            tables.push(name.to_owned());
        }
    }
    tables
}

/// The statement that reads a table's version property.
pub fn version_query(table: &str) -> String {
    let quoted: Vec<String> = table
        .split('.')
        .map(|part| format!("`{}`", part.replace('`', "``")))
        .collect();
    format!(
        "SHOW TBLPROPERTIES {} ('{VERSION_PROPERTY}')",
        quoted.join(".")
    )
}

/// The property in which a table's format reports its version (Iceberg's snapshot id).
pub const VERSION_PROPERTY: &str = "current-snapshot-id";

/// The version in `SHOW TBLPROPERTIES`' answer (`key`, `value` rows), when the table has one:
/// Spark answers a missing key with a sentence in the value column, never a number.
pub fn version_in(rows: &[Vec<Option<String>>]) -> Option<String> {
    rows.iter().find_map(|row| {
        let value = row.last()?.as_deref()?;
        let number = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        number.then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analyzed_plan_names_the_tables_read() {
        let explained = "== Parsed Logical Plan ==\n'Project [*]\n+- 'UnresolvedRelation [t]\n\n\
            == Analyzed Logical Plan ==\nid: bigint\nProject [id#0L]\n\
            +- Join Inner\n   :- SubqueryAlias spark_catalog.default.t\n   :  +- Relation spark_catalog.default.t[id#0L] parquet\n\
               +- SubqueryAlias _12\n      +- View (`_12`, [x#1])\n         +- SubqueryAlias my.ns.genes\n\
            +- SubqueryAlias spark_catalog.default.t\n\n\
            == Optimized Logical Plan ==\nSubqueryAlias other.ns.never\n";
        assert_eq!(
            read_in(explained),
            ["spark_catalog.default.t", "my.ns.genes"]
        );
        assert!(read_in("no plan").is_empty(), "nothing to read");
    }

    #[test]
    fn a_version_is_a_number_spark_reports() {
        let row = |v: &str| vec![Some(VERSION_PROPERTY.to_owned()), Some(v.to_owned())];
        assert_eq!(
            version_in(&[row("8744736658442914487")]).as_deref(),
            Some("8744736658442914487")
        );
        let missing = "Table spark_catalog.default.t does not have property: current-snapshot-id";
        assert_eq!(version_in(&[vec![Some(missing.to_owned())]]), None);
        assert_eq!(
            version_query("my.n`s.t"),
            "SHOW TBLPROPERTIES `my`.`n``s`.`t` ('current-snapshot-id')"
        );
    }
}
