//! Spark SQL text, read without a server: statements of a cell, whether a cell is complete,
//! the keyword a statement starts with, and names quoted as SQL needs them. Everything reads
//! SQL through the one [`lexer`]. Pure functions; knows nothing of Jupyter, Spark or KBase.

pub mod cursor;
pub mod keywords;
pub mod lexer;
pub mod literal;
pub mod names;
pub mod script;
pub mod types;

use lexer::{Token, TokenKind};

/// One SQL statement of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement without its `;` and surrounding whitespace.
    pub text: String,
    /// Byte offset of `text` in the SQL it was split from.
    pub offset: usize,
    /// What it is, read from its first words as it was split.
    pub kind: StatementKind,
}

/// What a statement is, by its first words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// A query (`SELECT`, `WITH`, `FROM`, `VALUES`, `TABLE`): running it again changes nothing.
    Query,
    /// A SQL script (`BEGIN … END`, or `label: BEGIN … END`).
    Script,
    /// Anything else (DDL, DML, `SET`, `SHOW`, …): it must not run twice.
    Command,
}

impl Statement {
    /// A query, whose result can be read again (not a command, nor a script).
    pub fn is_query(&self) -> bool {
        self.kind == StatementKind::Query
    }
}

/// The kind of the statement whose first words (comments skipped, upper-cased) are `words`.
fn kind_of(words: &[String]) -> StatementKind {
    match words {
        [first, ..] if first == "BEGIN" => StatementKind::Script,
        [_, colon, begin, ..] if colon == ":" && begin == "BEGIN" => StatementKind::Script,
        [first, ..] if ["SELECT", "WITH", "FROM", "VALUES", "TABLE"].contains(&first.as_str()) => {
            StatementKind::Query
        }
        _ => StatementKind::Command,
    }
}

/// The first `n` words and signs of `text`'s tokens, comments skipped, upper-cased.
fn first_words(text: &str, tokens: &[Token], n: usize) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !t.is_comment())
        .take(n)
        .map(|t| text[t.start..t.end].to_ascii_uppercase())
        .collect()
}

/// The statements of `sql`, in order; empty ones (only whitespace, comments, `;`) are dropped.
/// A SQL script (`BEGIN … END`, with `;` inside) is one statement.
pub fn split_statements(sql: &str) -> Vec<Statement> {
    let tokens = lexer::tokens(sql);
    script::statement_ranges(sql, &tokens)
        .into_iter()
        .filter(|range| tokens[range.clone()].iter().any(|t| !t.is_comment()))
        .map(|range| {
            let (start, end) = (tokens[range.start].start, tokens[range.end - 1].end);
            Statement {
                text: sql[start..end].to_owned(),
                offset: start,
                kind: kind_of(&first_words(sql, &tokens[range], 3)),
            }
        })
        .collect()
}

/// The bytes of `sql` between the `;` before byte `at` and the `;` after it that separate
/// statements (a script's inner `;` do not): the statement the position `at` is in.
pub fn statement_span_at(sql: &str, at: usize) -> std::ops::Range<usize> {
    let tokens = lexer::tokens(sql);
    let mut start = 0;
    for range in script::statement_ranges(sql, &tokens) {
        let Some(separator) = tokens.get(range.end) else {
            break;
        };
        if separator.start >= at {
            return start..separator.start;
        }
        start = separator.end;
    }
    start..sql.len()
}

/// Whether a statement is a SQL script (`[label:] BEGIN … END`).
pub fn is_script(statement: &str) -> bool {
    let tokens = lexer::tokens(statement);
    kind_of(&first_words(statement, &tokens, 3)) == StatementKind::Script
}

/// Whether SQL can run as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Complete,
    /// An open string, identifier or comment.
    OpenToken,
    /// More `(` than `)`.
    OpenParenthesis,
    /// A SQL script's block without its `END`.
    OpenBlock,
    /// The text ends on a keyword or sign that needs more (`FROM`, `AND`, `,`, `=`).
    OpenClause,
    /// A `)` without its `(`.
    Invalid,
}

/// Whether `sql` is complete: open strings, comments and parentheses need more lines.
pub fn completeness(sql: &str) -> Completeness {
    let tokens = lexer::tokens(sql);
    let mut depth: i64 = 0;
    for token in &tokens {
        match token.kind {
            TokenKind::Punct('(') => depth += 1,
            TokenKind::Punct(')') => {
                depth -= 1;
                if depth < 0 {
                    return Completeness::Invalid;
                }
            }
            _ => {}
        }
    }
    if tokens.last().is_some_and(Token::is_open) {
        Completeness::OpenToken
    } else if depth > 0 {
        Completeness::OpenParenthesis
    } else if script::ends_inside_script(sql, &tokens) {
        Completeness::OpenBlock
    } else if ends_wanting_more(sql, &tokens) {
        Completeness::OpenClause
    } else {
        Completeness::Complete
    }
}

/// Keywords a statement cannot end on: each needs what follows it. (`SET` alone is a
/// statement, so it is not here.)
const WANTS_MORE: &[&str] = &[
    "SELECT",
    "FROM",
    "JOIN",
    "ON",
    "USING",
    "WHERE",
    "HAVING",
    "QUALIFY",
    "BY",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "ILIKE",
    "RLIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "AS",
    "WITH",
    "VALUES",
    "INTO",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "MINUS",
    "DISTINCT",
    "LIMIT",
    "OFFSET",
    "TABLE",
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "CREATE",
    "DROP",
    "ALTER",
    "USE",
    "DESCRIBE",
    "DESC",
    "EXPLAIN",
    "PIVOT",
    "UNPIVOT",
    "LATERAL",
    "WINDOW",
    "OVER",
];

/// Signs a statement cannot end on: an operator or separator without its right-hand side.
const WANTS_MORE_SIGNS: &[char] = &[',', '=', '<', '>', '+', '-', '/', '%', '|', '&', '.'];

/// Whether the last token that is not a comment needs more text after it.
fn ends_wanting_more(sql: &str, tokens: &[Token]) -> bool {
    match tokens.iter().rev().find(|t| !t.is_comment()) {
        Some(t) if t.kind == TokenKind::Word => {
            let word = &sql[t.start..t.end];
            WANTS_MORE.iter().any(|k| k.eq_ignore_ascii_case(word))
        }
        Some(Token {
            kind: TokenKind::Punct(sign),
            ..
        }) => WANTS_MORE_SIGNS.contains(sign),
        _ => false,
    }
}

/// The first word of a statement, upper-cased (`CREATE`, `SELECT`, …); comments skipped.
pub fn first_keyword(sql: &str) -> Option<String> {
    lexer::tokens(sql)
        .into_iter()
        .find(|t| !t.is_comment())
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| sql[t.start..t.end].to_ascii_uppercase())
}

/// `sql` with the comments BERDL's namespace check could misread replaced by spaces (newlines
/// kept, one space per UTF-16 unit), so that every line, position and offset Spark reports still
/// points at the user's text. The check reads the whole text for `CREATE DATABASE|SCHEMA|
/// NAMESPACE`, comments included: a comment that mentions any of those words is blanked; every
/// other comment is sent as written, so Spark's echo of the statement shows what the user wrote.
/// Optimizer hints (`/*+ … */`) are not comments and stay.
pub fn blank_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    let misread = lexer::tokens(sql)
        .into_iter()
        .filter(|t| t.is_comment() && mentions_governed_words(&sql[t.start..t.end]));
    for token in misread {
        out.push_str(&sql[at..token.start]);
        for c in sql[token.start..token.end].chars() {
            if c == '\n' || c == '\r' {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf16()));
            }
        }
        at = token.end;
    }
    out.push_str(&sql[at..]);
    out
}

/// Whether `comment` holds a word the namespace check matches (in any case): `CREATE` (which
/// the words after the comment could complete), `DATABASE`, `SCHEMA` or `NAMESPACE`.
fn mentions_governed_words(comment: &str) -> bool {
    let upper = comment.to_ascii_uppercase();
    ["CREATE", "DATABASE", "SCHEMA", "NAMESPACE"]
        .iter()
        .any(|word| upper.contains(word))
}

/// A name as SQL needs it: in backticks unless it is a plain identifier.
pub fn quote(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        name.to_owned()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// `a.b` with each part quoted as needed.
pub fn dotted(parts: &[String]) -> String {
    parts.iter().map(|p| quote(p)).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split_statements(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn statements_split_on_semicolons_outside_strings_identifiers_and_comments() {
        assert_eq!(texts("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(
            texts("SELECT 'a;b'; SELECT \"c;d\""),
            ["SELECT 'a;b'", "SELECT \"c;d\""]
        );
        assert_eq!(texts("SELECT `we;ird` FROM t"), ["SELECT `we;ird` FROM t"]);
        assert_eq!(
            texts("SELECT 1 -- not; here\n; SELECT 2"),
            ["SELECT 1 -- not; here", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT /* a; /* nested; */ b; */ 1"),
            ["SELECT /* a; /* nested; */ b; */ 1"]
        );
        assert_eq!(
            texts("SELECT 'it\\'s; fine'; SELECT 2"),
            ["SELECT 'it\\'s; fine'", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT 'it''s'; SELECT 2"),
            ["SELECT 'it''s'", "SELECT 2"]
        );
        assert_eq!(
            texts("SELECT `a``;b`; SELECT 2"),
            ["SELECT `a``;b`", "SELECT 2"]
        );
    }

    #[test]
    fn empty_statements_and_comment_only_statements_are_dropped() {
        assert!(texts("").is_empty(), "{:?}", texts(""));
        assert!(
            texts(" ;; \n ; -- just a note\n /* and this */ ;").is_empty(),
            "{:?}",
            texts(" ;; \n ; -- just a note\n /* and this */ ;")
        );
        assert_eq!(texts(";;SELECT 1;;"), ["SELECT 1"]);
        assert_eq!(texts("-- why\nSELECT 1"), ["-- why\nSELECT 1"]);
    }

    #[test]
    fn statement_offsets_point_into_the_sql() {
        let sql = "SELECT 1;\n  SELECT 22";
        let statements = split_statements(sql);
        assert_eq!(statements[1].offset, 12);
        assert_eq!(&sql[statements[1].offset..], "SELECT 22");
    }

    #[test]
    fn the_statement_at_a_position_runs_between_its_separators() {
        let sql = "SELECT 1; BEGIN SELECT 2; END ; SELECT 3";
        assert_eq!(&sql[statement_span_at(sql, 3)], "SELECT 1");
        assert_eq!(&sql[statement_span_at(sql, 8)], "SELECT 1");
        assert_eq!(&sql[statement_span_at(sql, 20)], " BEGIN SELECT 2; END ");
        assert_eq!(&sql[statement_span_at(sql, sql.len())], " SELECT 3");
    }

    #[test]
    fn scripts_are_known_by_their_begin() {
        assert!(is_script("BEGIN SELECT 1; END"), "a script");
        assert!(
            is_script("-- a script\nbegin select 1; end"),
            "a script after a comment, in lower case"
        );
        assert!(
            is_script("outer: BEGIN SELECT 1; END outer"),
            "a labelled script"
        );
        assert!(
            !is_script("SELECT begin FROM t"),
            "`begin` as a column is no script"
        );
        assert!(!is_script("SELECT 1"), "a query is no script");
    }

    #[test]
    fn multibyte_text_is_split_on_char_boundaries() {
        assert_eq!(
            texts("SELECT 'ü;€'; SELECT '日本'"),
            ["SELECT 'ü;€'", "SELECT '日本'"]
        );
    }

    #[test]
    fn completeness_follows_strings_comments_and_parentheses() {
        assert_eq!(completeness("SELECT 1"), Completeness::Complete);
        assert_eq!(completeness(""), Completeness::Complete);
        assert_eq!(completeness("SELECT 1 -- trailing"), Completeness::Complete);
        for open in [
            "SELECT 'abc",
            "SELECT \"abc",
            "SELECT `abc",
            "SELECT 1 /* open",
        ] {
            assert_eq!(completeness(open), Completeness::OpenToken, "{open}");
        }
        assert_eq!(
            completeness("SELECT 1 /* a /* b */"),
            Completeness::OpenToken
        );
        assert_eq!(completeness("SELECT (1 +"), Completeness::OpenParenthesis);
        assert_eq!(
            completeness("SELECT count(*) FROM (SELECT 1"),
            Completeness::OpenParenthesis
        );
        assert_eq!(completeness("SELECT 1)"), Completeness::Invalid);
        assert_eq!(completeness("SELECT ')'"), Completeness::Complete);
    }

    #[test]
    fn queries_commands_and_scripts_are_told_apart_as_statements_are_split() {
        let kind = |sql: &str| {
            let statements = split_statements(sql);
            assert_eq!(statements.len(), 1, "{sql:?} is one statement");
            statements[0].kind
        };
        for query in [
            "SELECT 1",
            "  with t AS (SELECT 1) SELECT * FROM t",
            "FROM t SELECT a",
            "VALUES (1), (2)",
            "-- a comment first\nTABLE t",
        ] {
            assert_eq!(kind(query), StatementKind::Query, "{query:?}");
        }
        for command in [
            "SHOW TABLES",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
            "INSERT INTO t SELECT 1",
        ] {
            assert_eq!(kind(command), StatementKind::Command, "{command:?}");
        }
        for script in ["BEGIN SELECT 1; END", "outer: BEGIN SELECT 1; END"] {
            assert_eq!(kind(script), StatementKind::Script, "{script:?}");
        }
    }

    #[test]
    fn a_statement_ending_on_a_word_or_sign_that_needs_more_is_incomplete() {
        for open in [
            "SELECT * FROM",
            "select * from",
            "SELECT a, b FROM t WHERE a = 1 AND",
            "SELECT a,",
            "SELECT * FROM t WHERE a =",
            "SELECT * FROM t -- the table\n JOIN",
            "SELECT * FROM t ORDER BY /* soon */",
            "SELECT 1; SELECT",
            "SELECT t.",
        ] {
            assert_eq!(completeness(open), Completeness::OpenClause, "{open:?}");
        }
        for done in [
            "SELECT * FROM t",
            "SET",
            "SHOW TABLES",
            "SELECT * FROM t WHERE a = 'FROM'",
            "SELECT * FROM t -- ends on FROM",
            "SELECT `from` FROM t AS `select`",
            "SELECT 1;",
            "SELECT *",
        ] {
            assert_eq!(completeness(done), Completeness::Complete, "{done:?}");
        }
    }

    #[test]
    fn comments_the_check_could_misread_become_spaces_and_the_rest_stay() {
        let sql = "-- count the genes\nSELECT 1 -- later: CREATE DATABASE scratch\n/* a\n b 🚀 schema */ + 2 /*+ REPARTITION(4) */ -- oops";
        let blanked = blank_comments(sql);
        assert_eq!(
            blanked,
            "-- count the genes\nSELECT 1                                  \n    \n                + 2 /*+ REPARTITION(4) */ -- oops"
        );
        assert_eq!(blanked.encode_utf16().count(), sql.encode_utf16().count());
        let upper = blanked.to_ascii_uppercase();
        assert!(!upper.contains("CREATE"), "{upper:?}");
        assert!(!upper.contains("SCHEMA"), "{upper:?}");
        assert_eq!(
            blank_comments("SELECT '-- not a comment'"),
            "SELECT '-- not a comment'"
        );
        assert_eq!(
            blank_comments("SELECT 1 -- create\n"),
            "SELECT 1          \n",
            "CREATE alone: the next line could complete it"
        );
    }

    #[test]
    fn first_keywords_and_quoting() {
        assert_eq!(
            first_keyword("/* x */ create table t").as_deref(),
            Some("CREATE")
        );
        assert_eq!(first_keyword("-- only a comment"), None);
        assert_eq!(quote("genomes"), "genomes");
        assert_eq!(quote("my table"), "`my table`");
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(quote("1st"), "`1st`");
        assert_eq!(dotted(&["db".into(), "my t".into()]), "db.`my t`");
    }
}
