//! Where the journal of statements is kept: `SPARK_SQL_KERNEL_JOURNAL` (a file, or `off`),
//! else `$XDG_DATA_HOME/spark-sql-kernel/journal.sqlite`, else
//! `~/.local/share/spark-sql-kernel/journal.sqlite`.
//! Must not: open or create the file (the journal does, when it first writes).

use std::path::PathBuf;

/// Where the journal of statements is kept (`SPARK_SQL_KERNEL_JOURNAL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalAt {
    /// `off`: nothing is recorded.
    Off,
    /// A SQLite database file.
    File(PathBuf),
}

/// The journal's place when `SPARK_SQL_KERNEL_JOURNAL` is unset: under `XDG_DATA_HOME`, else
/// `~/.local/share`; off when neither is known.
fn default_journal(data_home: Option<PathBuf>, home: Option<&PathBuf>) -> JournalAt {
    let base = data_home.or_else(|| home.map(|h| h.join(".local").join("share")));
    match base {
        Some(base) => JournalAt::File(base.join("spark-sql-kernel").join("journal.sqlite")),
        None => JournalAt::Off,
    }
}

/// The journal's place from the environment (`get` reads a variable, trimmed, non-empty).
pub(super) fn read(get: &impl Fn(&str) -> Option<String>, home: Option<&PathBuf>) -> JournalAt {
    match get("SPARK_SQL_KERNEL_JOURNAL") {
        Some(raw) if super::parse_bool(&raw) == Some(false) => JournalAt::Off,
        Some(raw) => JournalAt::File(PathBuf::from(raw)),
        None => default_journal(get("XDG_DATA_HOME").map(PathBuf::from), home),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(vars: &[(&str, &str)], home: Option<&str>) -> JournalAt {
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        read(&get, home.map(PathBuf::from).as_ref())
    }

    #[test]
    fn the_journal_is_in_the_data_home_unless_set_or_off() {
        let file = |p: &str| JournalAt::File(PathBuf::from(p));
        assert_eq!(
            at(&[], Some("/home/alice")),
            file("/home/alice/.local/share/spark-sql-kernel/journal.sqlite")
        );
        assert_eq!(
            at(&[("XDG_DATA_HOME", "/data")], Some("/home/alice")),
            file("/data/spark-sql-kernel/journal.sqlite")
        );
        assert_eq!(
            at(&[("SPARK_SQL_KERNEL_JOURNAL", "/nfs/j.sqlite")], None),
            file("/nfs/j.sqlite")
        );
        assert_eq!(
            at(&[("SPARK_SQL_KERNEL_JOURNAL", "off")], Some("/h")),
            JournalAt::Off
        );
        assert_eq!(at(&[], None), JournalAt::Off, "no home: nowhere to keep it");
    }
}
