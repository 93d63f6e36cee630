//! The names results carry (`_`, `_12`, `_12_2`) and how SQL text uses them: which result
//! names a statement reads, and which name a `CREATE` statement makes.
//! Pure: no I/O. Must not: know which results exist (the kernel keeps them).

use super::lexer::{self, TokenKind};

/// The name of the `nth` result (0-based) of the cell run with execution count `count`:
/// `_12` for the first, `_12_2` for the second.
pub fn result_name(count: u32, nth: usize) -> String {
    if nth == 0 {
        format!("_{count}")
    } else {
        format!("_{count}_{}", nth + 1)
    }
}

/// The execution count and 0-based position a result name stands for (`_12_2` → (12, 1));
/// `None` for `_` and any other name.
pub fn parse_result_name(name: &str) -> Option<(u32, usize)> {
    let rest = name.strip_prefix('_')?;
    let (count, nth) = match rest.split_once('_') {
        Some((count, nth)) => (count, nth.parse::<usize>().ok().filter(|n| *n >= 2)? - 1),
        None => (rest, 0),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(count) || count.starts_with('0') {
        return None;
    }
    Some((count.parse().ok()?, nth))
}

/// Whether `name` is one results carry: `_` or `_N` or `_N_K`.
pub fn is_result_name(name: &str) -> bool {
    name == "_" || parse_result_name(name).is_some()
}

/// The result names `sql` mentions as names (not in strings or comments), in order, once each.
pub fn result_names_in(sql: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for token in lexer::tokens(sql) {
        if let Some(name) = token.name(sql).filter(|n| is_result_name(n)) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Whether `sql` names no relation at all (no `FROM` and no `TABLE` word, as in `SELECT 1`):
/// such a statement reads no table, and Spark need not be asked which.
pub fn reads_no_table(sql: &str) -> bool {
    !lexer::tokens(sql).iter().any(|t| {
        t.kind == TokenKind::Word && {
            let word = &sql[t.start..t.end];
            word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("TABLE")
        }
    })
}

/// A statement's tokens without comments, read word by word.
struct Words<'a> {
    sql: &'a str,
    tokens: Vec<lexer::Token>,
}

impl<'a> Words<'a> {
    fn of(sql: &'a str) -> Words<'a> {
        let tokens = lexer::tokens(sql)
            .into_iter()
            .filter(|t| !t.is_comment())
            .collect();
        Words { sql, tokens }
    }

    /// Token `i` upper-cased, when it is a word.
    fn word(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.kind == TokenKind::Word).then(|| self.sql[t.start..t.end].to_ascii_uppercase())
    }

    /// The last part of the dotted name that starts at token `i`.
    fn last_name_part(&self, mut i: usize) -> Option<String> {
        let mut name = None;
        while let Some(token) = self.tokens.get(i) {
            name = Some(token.name(self.sql)?);
            if self.tokens.get(i + 1).map(|t| t.kind) != Some(TokenKind::Punct('.')) {
                break;
            }
            i += 2;
        }
        name
    }
}

/// The view a `DROP VIEW [IF EXISTS] name` statement drops (the last part of its name).
pub fn dropped_view(sql: &str) -> Option<String> {
    let words = Words::of(sql);
    if words.word(0)? != "DROP" || words.word(1)? != "VIEW" {
        return None;
    }
    let at = if words.word(2).as_deref() == Some("IF") {
        4
    } else {
        2
    };
    words.last_name_part(at)
}

/// What a `CREATE` statement makes: the last part of its name, and whether it is temporary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub name: String,
    pub temporary: bool,
}

/// The table or view a `CREATE …` (or `REPLACE TABLE`) statement makes, if it is one.
pub fn created(sql: &str) -> Option<Created> {
    let words = Words::of(sql);
    let first = words.word(0)?;
    if first != "CREATE" && first != "REPLACE" {
        return None;
    }
    let mut i = 1;
    let mut temporary = false;
    loop {
        match words.word(i)?.as_str() {
            "TABLE" | "VIEW" => break,
            "TEMP" | "TEMPORARY" => temporary = true,
            "OR" | "REPLACE" | "GLOBAL" | "EXTERNAL" | "MATERIALIZED" => {}
            _ => return None,
        }
        i += 1;
    }
    i += 1;
    if words.word(i).as_deref() == Some("IF") {
        i += 3; // IF NOT EXISTS
    }
    // The last part of the name is what a result name could clash with.
    Some(Created {
        name: words.last_name_part(i)?,
        temporary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_names_are_underscore_and_counts() {
        assert_eq!(result_name(12, 0), "_12");
        assert_eq!(result_name(12, 1), "_12_2");
        assert_eq!(parse_result_name("_12_2"), Some((12, 1)));
        assert_eq!(parse_result_name("_12"), Some((12, 0)));
        for not in ["_", "_x", "_012", "_12_1", "_12_", "__3", "a_1", "_1_2_3"] {
            assert_eq!(parse_result_name(not), None, "{not}");
        }
        assert!(is_result_name("_"), "the last result");
        assert!(!is_result_name("_a"), "a name of the user's");
    }

    #[test]
    fn names_read_skip_strings_and_comments() {
        let sql =
            "SELECT * FROM _12 JOIN `_3` ON true -- _4\nWHERE x = '_5' AND y IN (SELECT * FROM _)";
        assert_eq!(result_names_in(sql), vec!["_12", "_3", "_"]);
    }

    #[test]
    fn a_statement_without_from_or_table_reads_no_table() {
        assert!(
            reads_no_table("SELECT 1, 'from' AS x -- FROM t"),
            "strings and comments"
        );
        assert!(!reads_no_table("select * from t"), "from");
        assert!(!reads_no_table("TABLE t"), "table");
        assert!(
            !reads_no_table("WITH a AS (SELECT 1) SELECT * FROM a"),
            "a CTE"
        );
    }

    #[test]
    fn a_drop_view_names_what_it_drops() {
        assert_eq!(dropped_view("DROP VIEW _3").as_deref(), Some("_3"));
        assert_eq!(
            dropped_view("drop view if exists `_4`").as_deref(),
            Some("_4")
        );
        assert_eq!(dropped_view("DROP TABLE _3"), None);
    }

    #[test]
    fn a_create_names_what_it_makes() {
        let made = |sql| created(sql).map(|c| (c.name, c.temporary));
        assert_eq!(
            made("CREATE OR REPLACE TEMP VIEW _3 AS SELECT 1"),
            Some(("_3".into(), true))
        );
        assert_eq!(
            made("create table if not exists db.`_4` (a int)"),
            Some(("_4".into(), false))
        );
        assert_eq!(made("CREATE TEMPORARY FUNCTION f AS 'x'"), None);
        assert_eq!(made("SELECT 1"), None);
    }
}
