//! What the cursor is on, for completion and inspection: the word being typed (maybe in
//! backticks), the dotted qualifier before it, and the tables the statement names in its FROM
//! and JOIN clauses (with their aliases). Positions are Unicode code points, as Jupyter counts.

/// SQL keywords offered by completion (Spark SQL's, most used first is not needed: they are
/// filtered by prefix).
pub const KEYWORDS: &[&str] = &[
    "ADD",
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANTI",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "BETWEEN",
    "BY",
    "CACHE",
    "CASCADE",
    "CASE",
    "CAST",
    "CATALOG",
    "CLUSTER",
    "COLUMN",
    "COLUMNS",
    "COMMENT",
    "CREATE",
    "CROSS",
    "CUBE",
    "CURRENT",
    "DATABASE",
    "DATABASES",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DISTRIBUTE",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "EXTENDED",
    "FALSE",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FORMAT",
    "FROM",
    "FULL",
    "FUNCTION",
    "FUNCTIONS",
    "GROUP",
    "GROUPING",
    "HAVING",
    "IF",
    "IN",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTERVAL",
    "INTO",
    "IS",
    "JOIN",
    "LAST",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCATION",
    "MAP",
    "MERGE",
    "NATURAL",
    "NOT",
    "NULL",
    "NULLS",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OUTER",
    "OVER",
    "OVERWRITE",
    "PARTITION",
    "PARTITIONED",
    "PIVOT",
    "PRECEDING",
    "RANGE",
    "REPLACE",
    "RIGHT",
    "RLIKE",
    "ROLLUP",
    "ROW",
    "ROWS",
    "SCHEMA",
    "SELECT",
    "SEMI",
    "SET",
    "SHOW",
    "SORT",
    "STRUCT",
    "TABLE",
    "TABLES",
    "TABLESAMPLE",
    "TBLPROPERTIES",
    "TEMPORARY",
    "THEN",
    "TO",
    "TRUE",
    "TRUNCATE",
    "UNBOUNDED",
    "UNION",
    "UNPIVOT",
    "UPDATE",
    "USE",
    "USING",
    "VALUES",
    "VIEW",
    "VIEWS",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
];

/// Words that end a table reference (they are not aliases).
const CLAUSE_WORDS: &[&str] = &[
    "WHERE",
    "JOIN",
    "ON",
    "USING",
    "GROUP",
    "ORDER",
    "LIMIT",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "FULL",
    "CROSS",
    "SEMI",
    "ANTI",
    "NATURAL",
    "HAVING",
    "WINDOW",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "LATERAL",
    "PIVOT",
    "UNPIVOT",
    "TABLESAMPLE",
    "SORT",
    "CLUSTER",
    "DISTRIBUTE",
    "QUALIFY",
    "AS",
    "SELECT",
    "FROM",
    "VALUES",
    "OFFSET",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A name, unquoted or from backticks (`quoted`), and where it starts.
    Name {
        text: String,
        quoted: bool,
        start: usize,
    },
    Punct(char),
    Semicolon,
}

/// A table the statement reads: its dotted name and its alias.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    pub name: Vec<String>,
    pub alias: Option<String>,
}

/// The word at the cursor and its surroundings.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    /// Where the replaced text starts (code points).
    pub start: usize,
    /// What was typed of the word (without a backtick).
    pub prefix: String,
    /// The word opened with a backtick.
    pub backtick: bool,
    /// The dotted parts before the word (`db.t.` → `["db", "t"]`).
    pub qualifier: Vec<String>,
    /// The tables of the statement around the cursor.
    pub tables: Vec<TableRef>,
    /// The next character after the word is `(` (a function call).
    pub call: bool,
    /// The keyword just before the word (and its qualifier), upper-cased: `FROM`, `USE`, …
    pub after: Option<String>,
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokens of `chars`, skipping strings, comments and magic lines.
fn tokens(chars: &[char]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < chars.len() {
        let c = chars[i];
        if line_start && c == '%' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        line_start = c == '\n' || (line_start && c.is_whitespace());
        match c {
            c if c.is_whitespace() => i += 1,
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            '\'' | '"' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            '`' => {
                let start = i;
                let mut text = String::new();
                i += 1;
                while i < chars.len() {
                    if chars[i] == '`' {
                        if chars.get(i + 1) == Some(&'`') {
                            text.push('`');
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                i += 1;
                out.push(Token::Name {
                    text,
                    quoted: true,
                    start,
                });
            }
            ';' => {
                out.push(Token::Semicolon);
                i += 1;
            }
            c if is_name_char(c) => {
                let start = i;
                while i < chars.len() && is_name_char(chars[i]) {
                    i += 1;
                }
                out.push(Token::Name {
                    text: chars[start..i].iter().collect(),
                    quoted: false,
                    start,
                });
            }
            c => {
                out.push(Token::Punct(c));
                i += 1;
            }
        }
    }
    out
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Name { text, quoted: false, .. } if text.eq_ignore_ascii_case(word))
}

/// The tables named after FROM and JOIN in `tokens` (one statement).
fn table_refs(tokens: &[Token]) -> Vec<TableRef> {
    let mut refs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !(is_word(&tokens[i], "FROM") || is_word(&tokens[i], "JOIN")) {
            i += 1;
            continue;
        }
        i += 1;
        loop {
            // A dotted name.
            let mut name = Vec::new();
            while let Some(Token::Name { text, .. }) = tokens.get(i) {
                if CLAUSE_WORDS.iter().any(|w| is_word(&tokens[i], w)) && name.is_empty() {
                    break;
                }
                name.push(text.clone());
                i += 1;
                if tokens.get(i) == Some(&Token::Punct('.')) {
                    i += 1;
                } else {
                    break;
                }
            }
            if name.is_empty() {
                break;
            }
            if tokens.get(i).is_some_and(|t| is_word(t, "AS")) {
                i += 1;
            }
            let alias = match tokens.get(i) {
                Some(t @ Token::Name { text, .. })
                    if !CLAUSE_WORDS.iter().any(|w| is_word(t, w)) =>
                {
                    i += 1;
                    Some(text.clone())
                }
                _ => None,
            };
            refs.push(TableRef { name, alias });
            if tokens.get(i) == Some(&Token::Punct(',')) {
                i += 1;
            } else {
                break;
            }
        }
    }
    refs
}

/// The context of the cursor at code point `cursor` in `code`.
pub fn context(code: &str, cursor: usize) -> Context {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    // The word before the cursor, maybe opened by a backtick.
    let mut start = cursor;
    while start > 0 && is_name_char(chars[start - 1]) {
        start -= 1;
    }
    let mut prefix: String = chars[start..cursor].iter().collect();
    let mut backtick = false;
    let line_start = chars[..cursor]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let ticks = chars[line_start..cursor]
        .iter()
        .filter(|&&c| c == '`')
        .count();
    if ticks % 2 == 1 {
        if let Some(open) = chars[line_start..cursor].iter().rposition(|&c| c == '`') {
            start = line_start + open;
            prefix = chars[start + 1..cursor].iter().collect();
            backtick = true;
        }
    }
    // The dotted qualifier before it.
    let before = tokens(&chars[..start]);
    let mut qualifier = Vec::new();
    let mut qualifier_start = start;
    let mut end = before.len();
    while end >= 2 && before[end - 1] == Token::Punct('.') {
        match &before[end - 2] {
            Token::Name {
                text, start: at, ..
            } => {
                qualifier.insert(0, text.clone());
                qualifier_start = *at;
                end -= 2;
            }
            _ => break,
        }
    }
    let after = match before.get(end.wrapping_sub(1)) {
        Some(Token::Name {
            text,
            quoted: false,
            ..
        }) if end > 0 => Some(text.to_ascii_uppercase()),
        _ => None,
    };
    // The statement around the cursor, without the word being typed.
    let mut word_end = cursor;
    while word_end < chars.len() && is_name_char(chars[word_end]) {
        word_end += 1;
    }
    let mut blanked = chars.clone();
    for c in &mut blanked[qualifier_start..word_end] {
        *c = ' ';
    }
    let all = tokens(&blanked);
    let statement_start = before
        .iter()
        .rposition(|t| *t == Token::Semicolon)
        .map_or(0, |i| i + 1);
    let first_after = all
        .iter()
        .enumerate()
        .skip(statement_start)
        .find(|(_, t)| **t == Token::Semicolon)
        .map_or(all.len(), |(i, _)| i);
    let tables = table_refs(&all[statement_start..first_after]);
    let mut next = cursor;
    while next < chars.len() && (is_name_char(chars[next]) || chars[next] == '`') {
        next += 1;
    }
    let call = chars[next..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
    Context {
        start,
        prefix,
        backtick,
        qualifier,
        tables,
        call,
        after,
    }
}

/// The whole dotted name under the cursor (for inspection): its parts and whether it is called.
pub fn name_at(code: &str, cursor: usize) -> Option<(Vec<String>, bool)> {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor.min(chars.len());
    let mut end = cursor;
    while end < chars.len() && is_name_char(chars[end]) {
        end += 1;
    }
    let ctx = context(code, end);
    if ctx.prefix.is_empty() {
        return None;
    }
    let mut name = ctx.qualifier;
    name.push(ctx.prefix);
    Some((name, ctx.call))
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

/// The alias or table (by its last name part) that `qualifier` names, if any.
pub fn table_for<'a>(tables: &'a [TableRef], qualifier: &str) -> Option<&'a TableRef> {
    tables
        .iter()
        .find(|t| {
            t.alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(qualifier))
        })
        .or_else(|| {
            tables.iter().find(|t| {
                t.alias.is_none()
                    && t.name
                        .last()
                        .is_some_and(|n| n.eq_ignore_ascii_case(qualifier))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_end(code: &str) -> Context {
        context(code, code.chars().count())
    }

    #[test]
    fn the_word_qualifier_and_tables_are_found() {
        let c = at_end("SELECT g.org");
        assert_eq!(
            (c.prefix.as_str(), c.qualifier.clone(), c.start),
            ("org", vec!["g".to_owned()], 9)
        );
        let c =
            at_end("SELECT x.gene, g.\nFROM tour.genomes AS g JOIN genes x ON x.genome_id = g.id");
        // The cursor is at the end: the statement's tables are known wherever the cursor is.
        assert_eq!(
            c.tables,
            [
                TableRef {
                    name: vec!["tour".into(), "genomes".into()],
                    alias: Some("g".into())
                },
                TableRef {
                    name: vec!["genes".into()],
                    alias: Some("x".into())
                },
            ]
        );
        let code = "SELECT  FROM a, b bb WHERE 1 = 1; SELECT * FROM other";
        let c = context(code, 7);
        assert_eq!(c.prefix, "");
        assert_eq!(
            c.tables,
            [
                TableRef {
                    name: vec!["a".into()],
                    alias: None
                },
                TableRef {
                    name: vec!["b".into()],
                    alias: Some("bb".into())
                },
            ]
        );
        assert_eq!(
            table_for(&c.tables, "BB").map(|t| t.name.clone()),
            Some(vec!["b".to_owned()])
        );
        assert_eq!(
            table_for(&c.tables, "a").map(|t| t.name.clone()),
            Some(vec!["a".to_owned()])
        );
    }

    #[test]
    fn backticks_multibyte_text_and_magics_are_handled() {
        // A multi-byte character before the cursor: positions are code points.
        let code = "SELECT 'ü漢' AS x, ge";
        let c = at_end(code);
        assert_eq!(
            (c.prefix.as_str(), c.start),
            ("ge", code.chars().count() - 2)
        );
        let c = at_end("SELECT * FROM `my ta");
        assert!(c.backtick);
        assert_eq!((c.prefix.as_str(), c.start), ("my ta", 14));
        assert_eq!(c.after.as_deref(), Some("FROM"));
        assert!(
            c.tables.is_empty(),
            "the word being typed is not a table yet"
        );
        let c = context("SELECT `fi FROM odd_view", 10);
        assert_eq!(
            c.tables,
            [TableRef {
                name: vec!["odd_view".into()],
                alias: None
            }]
        );
        assert_eq!(c.after.as_deref(), Some("SELECT"));
        let c = at_end("SELECT * FROM db.ta");
        assert!(c.tables.is_empty(), "{:?}", c.tables);
        assert_eq!(c.after.as_deref(), Some("FROM"));
        let c = at_end("SELECT * FROM `my db`.t");
        assert_eq!(
            (c.prefix.as_str(), c.qualifier.clone()),
            ("t", vec!["my db".to_owned()])
        );
        let c = at_end("%%limit 5\nSELECT sum(x) FROM t WHERE");
        assert_eq!(
            c.tables,
            [TableRef {
                name: vec!["t".into()],
                alias: None
            }]
        );
        assert!(at_end("SELECT 'a; b' FROM t WHERE ").tables.len() == 1);
    }

    #[test]
    fn names_under_the_cursor_and_quoting() {
        assert_eq!(
            name_at("SELECT count(*)", 9),
            Some((vec!["count".into()], true))
        );
        assert_eq!(
            name_at("DESCRIBE tour.genomes", 15),
            Some((vec!["tour".into(), "genomes".into()], false))
        );
        assert_eq!(name_at("SELECT ", 7), None);
        assert_eq!(quote("genomes"), "genomes");
        assert_eq!(quote("my table"), "`my table`");
        assert_eq!(quote("a`b"), "`a``b`");
        assert_eq!(quote("1st"), "`1st`");
    }
}
