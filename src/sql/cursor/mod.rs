//! What the cursor is on, for completion and inspection: the word being typed (maybe in
//! backticks), the dotted qualifier before it, and the tables the statement names in its FROM
//! and JOIN clauses (with their aliases). Reads SQL through the one lexer. Jupyter counts
//! positions in Unicode code points; the lexer in bytes: both are converted here. Must not:
//! know cells and their magic lines (the caller says where the SQL starts) or the catalog.

use super::keywords::CLAUSE_WORDS;
use super::lexer::{self, is_word_char, TokenKind};

mod path;

/// A piece of SQL as the cursor context needs it: strings and comments left out, names unquoted.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// A name, unquoted or from backticks (`quoted`), and its byte offset in the code.
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
    /// The word is inside `USING (…)`, among the columns of a join.
    pub in_using: bool,
}

/// The tokens of `text[from..]` that completion reads (offsets stay those of `text`).
fn tokens(text: &str, from: usize) -> Vec<Piece> {
    lexer::tokens(&text[from..])
        .into_iter()
        .filter_map(|t| {
            let start = t.start + from;
            match t.kind {
                TokenKind::Word | TokenKind::Quoted { .. } => Some(Piece::Name {
                    text: t.name(&text[from..])?,
                    quoted: t.kind != TokenKind::Word,
                    start,
                }),
                TokenKind::Punct(c) => Some(Piece::Punct(c)),
                TokenKind::Semicolon => Some(Piece::Semicolon),
                _ => None,
            }
        })
        .collect()
}

fn is_word(token: &Piece, word: &str) -> bool {
    matches!(token, Piece::Name { text, quoted: false, .. } if text.eq_ignore_ascii_case(word))
}

fn is_clause_word(token: &Piece) -> bool {
    CLAUSE_WORDS.iter().any(|w| is_word(token, w))
}

/// A dotted name starting at `tokens[*i]`, moving `i` past it.
fn dotted_name(tokens: &[Piece], i: &mut usize) -> Vec<String> {
    let mut name = Vec::new();
    while let Some(token @ Piece::Name { text, .. }) = tokens.get(*i) {
        if name.is_empty() && is_clause_word(token) {
            break;
        }
        name.push(text.clone());
        *i += 1;
        if tokens.get(*i) == Some(&Piece::Punct('.')) {
            *i += 1;
        } else {
            break;
        }
    }
    name
}

/// The tables named after FROM and JOIN in `tokens` (one statement).
fn table_refs(tokens: &[Piece]) -> Vec<TableRef> {
    let mut refs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !(is_word(&tokens[i], "FROM") || is_word(&tokens[i], "JOIN")) {
            i += 1;
            continue;
        }
        i += 1;
        loop {
            let name = dotted_name(tokens, &mut i);
            if name.is_empty() {
                break;
            }
            if tokens.get(i).is_some_and(|t| is_word(t, "AS")) {
                i += 1;
            }
            let alias = match tokens.get(i) {
                Some(t @ Piece::Name { text, .. }) if !is_clause_word(t) => {
                    i += 1;
                    Some(text.clone())
                }
                _ => None,
            };
            refs.push(TableRef { name, alias });
            if tokens.get(i) != Some(&Piece::Punct(',')) {
                break;
            }
            i += 1;
        }
    }
    refs
}

/// The byte offset of code point `cursor` in `code` (its end when past it).
fn byte_at(code: &str, cursor: usize) -> usize {
    code.char_indices()
        .nth(cursor)
        .map_or(code.len(), |(b, _)| b)
}

/// The word before the cursor, as typed.
struct Word {
    /// Where it starts (a backtick that opens it included).
    start: usize,
    /// What was typed of it.
    prefix: String,
    /// Whether a backtick opened it.
    backtick: bool,
}

/// The word before byte `cursor`.
fn word_before(code: &str, cursor: usize) -> Word {
    let before = &code[..cursor];
    let start = before
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(cursor, |(b, _)| b);
    let line = &before[before.rfind('\n').map_or(0, |n| n + 1)..];
    let line_start = cursor - line.len();
    if line.matches('`').count() % 2 == 1 {
        if let Some(open) = line.rfind('`') {
            let start = line_start + open;
            return Word {
                start,
                prefix: code[start + 1..cursor].to_owned(),
                backtick: true,
            };
        }
    }
    Word {
        start,
        prefix: code[start..cursor].to_owned(),
        backtick: false,
    }
}

/// The context of the cursor at code point `cursor` in `code`, all of which is SQL.
pub fn context(code: &str, cursor: usize) -> Context {
    context_from(code, 0, cursor)
}

/// The context of the cursor at code point `cursor` in `code`, whose SQL starts at byte
/// `sql_start` (after a cell's magic lines).
pub fn context_from(code: &str, sql_start: usize, cursor: usize) -> Context {
    let cursor = byte_at(code, cursor);
    let from = sql_start.min(code.len()).min(cursor);
    let Word {
        start,
        prefix,
        backtick,
    } = word_before(code, cursor);
    // The dotted qualifier before the word, and the keyword before that.
    let before = tokens(&code[..start], from.min(start));
    let path::Path {
        names: qualifier,
        start: qualifier_start,
        end,
    } = path::before_word(&before, start);
    let in_using = inside_using(&before[..end]);
    let after = match end.checked_sub(1).and_then(|i| before.get(i)) {
        Some(Piece::Name {
            text,
            quoted: false,
            ..
        }) => Some(text.to_ascii_uppercase()),
        _ => None,
    };
    // The statement around the cursor, without the name being typed.
    let word_end = code[cursor..]
        .find(|c: char| !is_word_char(c))
        .map_or(code.len(), |n| cursor + n);
    let mut blanked = code.to_owned();
    blanked.replace_range(
        qualifier_start..word_end,
        &" ".repeat(word_end - qualifier_start),
    );
    // A SQL script is one statement: its inner `;` do not end it.
    let span = super::statement_span_at(&blanked[from..], cursor - from);
    let statement = tokens(&blanked[..from + span.end], from + span.start);
    let tables = table_refs(&statement);
    let rest = code[cursor..].trim_start_matches(|c: char| is_word_char(c) || c == '`');
    Context {
        start: code[..start].chars().count(),
        prefix,
        backtick,
        qualifier,
        tables,
        call: rest.trim_start().starts_with('('),
        after,
        in_using,
    }
}

/// Whether `before` (the pieces before the word) ends inside `USING (a, b, `.
fn inside_using(before: &[Piece]) -> bool {
    let mut at = before.len();
    while at > 0 {
        at -= 1;
        match &before[at] {
            Piece::Name { .. } | Piece::Punct(',') => {}
            Piece::Punct('(') => {
                return at > 0
                    && matches!(&before[at - 1], Piece::Name { text, quoted: false, .. }
                        if text.eq_ignore_ascii_case("USING"));
            }
            _ => return false,
        }
    }
    false
}

/// A whole dotted name under the cursor (for inspection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAt {
    pub parts: Vec<String>,
    /// Whether it is called (`name(`).
    pub call: bool,
}

/// The whole dotted name under the cursor. The SQL of `code` starts at byte `sql_start`.
pub fn name_at(code: &str, sql_start: usize, cursor: usize) -> Option<NameAt> {
    let byte = byte_at(code, cursor);
    let end = code[byte..]
        .find(|c: char| !is_word_char(c))
        .map_or(code.len(), |n| byte + n);
    let ctx = context_from(code, sql_start, code[..end].chars().count());
    if ctx.prefix.is_empty() {
        return None;
    }
    let mut parts = ctx.qualifier;
    parts.push(ctx.prefix);
    Some(NameAt {
        parts,
        call: ctx.call,
    })
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
    fn a_word_inside_using_is_known() {
        assert!(at_end("SELECT * FROM a JOIN b USING (").in_using, "open");
        assert!(
            at_end("SELECT * FROM a JOIN b USING (id, ge").in_using,
            "after a comma"
        );
        assert!(!at_end("SELECT count(").in_using, "a call");
        assert!(
            !at_end("SELECT * FROM a JOIN b USING (id) WHERE ").in_using,
            "closed"
        );
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
    fn a_script_is_one_statement_for_the_tables_around_the_cursor() {
        let code = "SELECT * FROM before_t;\nBEGIN\n  SELECT g. FROM genomes g;\n  \
                    SELECT * FROM genes;\nEND;\nSELECT * FROM after_t";
        let cursor = code.find("g. ").map(|n| n + 2).unwrap_or_default();
        let c = context(code, cursor);
        let names: Vec<Vec<String>> = c.tables.iter().map(|t| t.name.clone()).collect();
        assert_eq!(
            names,
            [vec!["genomes".to_owned()], vec!["genes".to_owned()]]
        );
        assert_eq!(c.qualifier, ["g"]);
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
        assert!(c.backtick, "{:?}", c.backtick);
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
        let code = "%%limit 5\nSELECT sum(x) FROM t WHERE";
        let c = context_from(code, "%%limit 5\n".len(), code.chars().count());
        assert_eq!(
            c.tables,
            [TableRef {
                name: vec!["t".into()],
                alias: None
            }]
        );
        assert!(
            at_end("SELECT 'a; b' FROM t WHERE ").tables.len() == 1,
            "{:?} == {:?}",
            at_end("SELECT 'a; b' FROM t WHERE ").tables.len(),
            1
        );
        // Nested comments are comments here too (the lexer is the one statements use).
        let c = at_end("SELECT /* a /* b */ FROM x */ * FROM t WHERE ");
        assert_eq!(c.tables.len(), 1, "{:?}", c.tables);
    }

    #[test]
    fn names_under_the_cursor_and_quoting() {
        let name = |parts: &[&str], call| NameAt {
            parts: parts.iter().map(|p| p.to_string()).collect(),
            call,
        };
        assert_eq!(
            name_at("SELECT count(*)", 0, 9),
            Some(name(&["count"], true))
        );
        assert_eq!(
            name_at("DESCRIBE tour.genomes", 0, 15),
            Some(name(&["tour", "genomes"], false))
        );
        assert_eq!(name_at("SELECT ", 0, 7), None);
    }
}
