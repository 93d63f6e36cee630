//! What the user reads when BERDL's namespace (governance) check refuses a statement: the
//! database it refused, the prefixes allowed, and the SQL that works; or, when the statement
//! does not create a database at all, that the check misread it and how to rephrase it.
//! Must not: reach Spark: it words what the check refused.

use crate::session::Governance;
use crate::sql::lexer::{self, TokenKind};
use crate::sql::quote;

/// The message for `refused`, given the statement it refused (when known).
pub fn explain(refused: &Governance, sql: Option<&str>) -> String {
    let name = &refused.database;
    let allowed = if refused.prefixes.is_empty() {
        "none but default".to_owned()
    } else {
        refused.prefixes.join(", ")
    };
    match sql.map(|sql| (sql, creates_database(sql))) {
        Some((sql, Some(at))) => {
            let fixed = match refused.prefixes.first() {
                Some(prefix) => {
                    let renamed = format!("{prefix}{}", name.trim_matches('`'));
                    format!(
                        " This works: {}{}{}",
                        &sql[..at.0],
                        quote(&renamed),
                        &sql[at.1..]
                    )
                }
                None => String::new(),
            };
            format!(
                "database {name} is not allowed here: BERDL's governance lets you create databases whose names start with one of these prefixes: {allowed}.{fixed}"
            )
        }
        Some((_, None)) => {
            // The check names a match inside a string with the string's closing quote.
            let bare = name.trim_end_matches(['\'', '"']);
            format!(
                "BERDL's governance check misread this statement: it refuses any text with CREATE DATABASE/SCHEMA/NAMESPACE followed by a name (here '{bare}'), even inside a string literal, although this statement creates no database. Rephrase the text so that those words do not follow each other, for example split the string: 'CREATE ' || 'DATABASE {bare}'."
            )
        }
        None => format!(
            "database {name} is not allowed here: BERDL's governance lets you create databases whose names start with one of these prefixes: {allowed}."
        ),
    }
}

/// When `sql` holds a `CREATE DATABASE|SCHEMA|NAMESPACE [IF NOT EXISTS] name` as SQL (not in
/// a string or a comment) — the statement itself or one inside a SQL script: the byte range of
/// the first such name.
fn creates_database(sql: &str) -> Option<(usize, usize)> {
    let words: Vec<lexer::Token> = lexer::tokens(sql)
        .into_iter()
        .filter(|t| !t.is_comment())
        .collect();
    let word = |i: usize| {
        words
            .get(i)
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| sql[t.start..t.end].to_ascii_uppercase())
    };
    let create = (0..words.len()).find(|&i| {
        word(i).as_deref() == Some("CREATE")
            && matches!(
                word(i + 1).as_deref(),
                Some("DATABASE" | "SCHEMA" | "NAMESPACE")
            )
    })?;
    let mut i = create + 2;
    if word(i).as_deref() == Some("IF") && word(i + 1).as_deref() == Some("NOT") {
        i += 3;
    }
    let name = words.get(i)?;
    Some((name.start, name.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(name: &str) -> Governance {
        Governance {
            database: name.into(),
            prefixes: vec!["u_alice_smith__".into(), "kbase_".into()],
        }
    }

    #[test]
    fn a_refused_create_names_the_database_the_prefixes_and_the_sql_that_works() {
        let text = explain(&refused("bob_stuff"), Some("CREATE DATABASE bob_stuff"));
        assert!(text.contains("database bob_stuff is not allowed"), "{text}");
        assert!(text.contains("u_alice_smith__, kbase_"), "{text}");
        assert!(
            text.ends_with("This works: CREATE DATABASE u_alice_smith__bob_stuff"),
            "{text}"
        );
        assert!(!text.contains("token"), "{text}");
        assert!(!text.contains("create_namespace"), "{text}");
        let text = explain(
            &refused("x"),
            Some("create schema if not exists x COMMENT 'mine'"),
        );
        assert!(
            text.ends_with("create schema if not exists u_alice_smith__x COMMENT 'mine'"),
            "{text}"
        );
    }

    #[test]
    fn a_create_inside_a_script_is_found_and_renamed() {
        let sql = "BEGIN\n  SELECT 'x';\n  CREATE DATABASE IF NOT EXISTS bob_stuff;\nEND";
        let text = explain(&refused("bob_stuff"), Some(sql));
        assert!(text.contains("database bob_stuff is not allowed"), "{text}");
        assert!(
            text.ends_with("CREATE DATABASE IF NOT EXISTS u_alice_smith__bob_stuff;\nEND"),
            "{text}"
        );
    }

    #[test]
    fn a_quote_the_check_carried_over_is_not_in_the_suggestion() {
        let text = explain(
            &refused("foo'"),
            Some("SELECT 'how to create database foo'"),
        );
        assert!(text.contains("'CREATE ' || 'DATABASE foo'."), "{text}");
        assert!(!text.contains("foo''"), "{text}");
    }

    #[test]
    fn a_string_that_looks_like_a_create_is_a_misread() {
        let text = explain(&refused("foo"), Some("SELECT 'how to create database foo'"));
        assert!(text.contains("misread"), "{text}");
        assert!(text.contains("'CREATE ' || 'DATABASE foo'"), "{text}");
    }
}
