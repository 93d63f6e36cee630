//! Reading a cell: magic lines at its top, then SQL split into statements.
//!
//! One scanner knows Spark SQL's lexical rules that matter for splitting: '…' and "…" strings
//! with backslash escapes, `…` identifiers, `--` line comments and nested `/* */` comments.
//! Splitting and `is_complete` both use it, so they never disagree.

use crate::jupyter::Completeness;

/// A magic line: `%name args` (or the `%%name args` line that opens a cell magic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MagicLine {
    pub name: String,
    pub args: String,
}

/// A parsed cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// `%name` lines at the top, in order.
    pub line_magics: Vec<MagicLine>,
    /// `%%name args`: applies to the whole rest of the cell.
    pub cell_magic: Option<MagicLine>,
    /// The SQL after the magics.
    pub sql: String,
    /// Byte offset of `sql` in the cell.
    pub sql_offset: usize,
}

fn magic_line(line: &str, sigil: &str) -> Option<MagicLine> {
    let rest = line.trim_start().strip_prefix(sigil)?;
    let (name, args) = match rest.find(char::is_whitespace) {
        Some(at) => (&rest[..at], rest[at..].trim()),
        None => (rest, ""),
    };
    Some(MagicLine {
        name: name.to_owned(),
        args: args.to_owned(),
    })
}

/// Splits a cell into its magics and its SQL.
pub fn parse(code: &str) -> Cell {
    let mut cell = Cell {
        line_magics: Vec::new(),
        cell_magic: None,
        sql: String::new(),
        sql_offset: code.len(),
    };
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if cell.line_magics.is_empty() && trimmed.starts_with("%%") {
            cell.cell_magic = magic_line(trimmed, "%%");
            cell.sql = code[offset..].to_owned();
            cell.sql_offset = offset;
            return cell;
        }
        if trimmed.starts_with('%') && !trimmed.starts_with("%%") {
            if let Some(magic) = magic_line(trimmed, "%") {
                cell.line_magics.push(magic);
                continue;
            }
        }
        cell.sql = code[start..].to_owned();
        cell.sql_offset = start;
        return cell;
    }
    cell
}

/// One SQL statement of a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement without its `;` and surrounding whitespace.
    pub text: String,
    /// Byte offset of `text` in the SQL it was split from.
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Quoted(char),
    LineComment,
    BlockComment(u32),
}

/// The scanner's verdict over a whole text.
struct Scan {
    /// Byte ranges of statements that hold more than whitespace and comments.
    statements: Vec<(usize, usize)>,
    end_state: State,
    /// Open parentheses at the end; negative once a `)` had no `(`.
    depth: i64,
    unbalanced: bool,
}

fn scan(sql: &str) -> Scan {
    let mut statements = Vec::new();
    let mut state = State::Code;
    let mut depth: i64 = 0;
    let mut unbalanced = false;
    let mut start = 0;
    let mut has_code = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        match state {
            State::Code => match c {
                '\'' | '"' | '`' => {
                    state = State::Quoted(c);
                    has_code = true;
                }
                '-' if next == Some('-') => {
                    chars.next();
                    state = State::LineComment;
                }
                '/' if next == Some('*') => {
                    chars.next();
                    state = State::BlockComment(1);
                }
                '(' => {
                    depth += 1;
                    has_code = true;
                }
                ')' => {
                    depth -= 1;
                    unbalanced |= depth < 0;
                    has_code = true;
                }
                ';' => {
                    if has_code {
                        statements.push((start, i));
                    }
                    start = i + 1;
                    has_code = false;
                }
                c if c.is_whitespace() => {}
                _ => has_code = true,
            },
            State::Quoted(q) => {
                if c == '\\' && q != '`' {
                    chars.next();
                } else if c == q {
                    state = State::Code;
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Code;
                }
            }
            State::BlockComment(n) => {
                if c == '*' && next == Some('/') {
                    chars.next();
                    state = if n == 1 {
                        State::Code
                    } else {
                        State::BlockComment(n - 1)
                    };
                } else if c == '/' && next == Some('*') {
                    chars.next();
                    state = State::BlockComment(n + 1);
                }
            }
        }
    }
    if has_code {
        statements.push((start, sql.len()));
    }
    Scan {
        statements,
        end_state: state,
        depth,
        unbalanced,
    }
}

/// The statements of `sql`, in order; empty ones (only whitespace, comments, `;`) are dropped.
pub fn split_statements(sql: &str) -> Vec<Statement> {
    scan(sql)
        .statements
        .into_iter()
        .map(|(start, end)| {
            let raw = &sql[start..end];
            let lead = raw.len() - raw.trim_start().len();
            Statement {
                text: raw.trim().to_owned(),
                offset: start + lead,
            }
        })
        .collect()
}

/// Whether a cell can run as it is: open strings, comments and parentheses need more lines.
pub fn completeness(code: &str) -> Completeness {
    let cell = parse(code);
    if cell.sql.trim().is_empty() {
        return Completeness::Complete;
    }
    let scan = scan(&cell.sql);
    if scan.unbalanced {
        return Completeness::Invalid;
    }
    match scan.end_state {
        State::Quoted(_) | State::BlockComment(_) => Completeness::Incomplete {
            indent: String::new(),
        },
        _ if scan.depth > 0 => Completeness::Incomplete {
            indent: "    ".into(),
        },
        _ => Completeness::Complete,
    }
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
        assert!(texts("").is_empty());
        assert!(texts(" ;; \n ; -- just a note\n /* and this */ ;").is_empty());
        assert_eq!(texts(";;SELECT 1;;"), ["SELECT 1"]);
    }

    #[test]
    fn statement_offsets_point_into_the_sql() {
        let sql = "SELECT 1;\n  SELECT 22";
        let statements = split_statements(sql);
        assert_eq!(statements[1].offset, 12);
        assert_eq!(&sql[statements[1].offset..], "SELECT 22");
    }

    #[test]
    fn multibyte_text_is_split_on_char_boundaries() {
        assert_eq!(
            texts("SELECT 'ü;€'; SELECT '日本'"),
            ["SELECT 'ü;€'", "SELECT '日本'"]
        );
    }

    #[test]
    fn magics_at_the_top_are_read_before_the_sql() {
        let cell = parse("%limit 5\n\n%echo hi there\nSELECT 1\n%not_a_magic");
        assert_eq!(
            cell.line_magics,
            vec![
                MagicLine {
                    name: "limit".into(),
                    args: "5".into()
                },
                MagicLine {
                    name: "echo".into(),
                    args: "hi there".into()
                },
            ]
        );
        assert_eq!(cell.sql, "SELECT 1\n%not_a_magic");
        assert!(cell.cell_magic.is_none());
    }

    #[test]
    fn a_cell_magic_takes_the_rest_of_the_cell() {
        let code = "%%limit 3\nSELECT 1;\nSELECT 2";
        let cell = parse(code);
        assert_eq!(
            cell.cell_magic,
            Some(MagicLine {
                name: "limit".into(),
                args: "3".into()
            })
        );
        assert_eq!(cell.sql, "SELECT 1;\nSELECT 2");
        assert_eq!(&code[cell.sql_offset..], cell.sql);
        assert!(cell.line_magics.is_empty());
    }

    #[test]
    fn a_plain_sql_cell_has_no_magics() {
        let cell = parse("\n  SELECT 100 % 7");
        assert!(cell.line_magics.is_empty());
        assert_eq!(cell.sql, "  SELECT 100 % 7");
        assert_eq!(cell.sql_offset, 1);
    }

    #[test]
    fn completeness_follows_strings_comments_and_parentheses() {
        let incomplete = |c: &str| matches!(completeness(c), Completeness::Incomplete { .. });
        assert_eq!(completeness("SELECT 1"), Completeness::Complete);
        assert_eq!(completeness("%lsmagic"), Completeness::Complete);
        assert_eq!(completeness(""), Completeness::Complete);
        assert_eq!(
            completeness("SELECT 1 -- trailing comment"),
            Completeness::Complete
        );
        assert!(incomplete("SELECT 'abc"));
        assert!(incomplete("SELECT \"abc"));
        assert!(incomplete("SELECT `abc"));
        assert!(incomplete("SELECT 1 /* open"));
        assert!(incomplete("SELECT (1 +"));
        assert!(incomplete("SELECT count(*) FROM (SELECT 1"));
        assert_eq!(completeness("SELECT 1)"), Completeness::Invalid);
        assert_eq!(completeness("SELECT ')'"), Completeness::Complete);
    }
}
