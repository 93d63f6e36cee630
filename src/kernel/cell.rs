//! Reading a cell: the magic lines at its top, then its SQL (which `crate::sql` splits into
//! statements). Pure; knows nothing of Jupyter or Spark.

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

/// Where the SQL of a cell starts (a byte offset): after the magic lines at its top.
pub fn sql_start(code: &str) -> usize {
    parse(code).sql_offset.min(code.len())
}

/// The line under the cursor (a code point), trimmed, when it is a magic line (`%…`).
pub fn magic_line_at(code: &str, cursor: usize) -> Option<&str> {
    let at = code
        .char_indices()
        .nth(cursor)
        .map_or(code.len(), |(b, _)| b);
    let start = code[..at].rfind('\n').map_or(0, |n| n + 1);
    let end = code[at..].find('\n').map_or(code.len(), |n| at + n);
    let line = code[start..end].trim();
    line.starts_with('%').then_some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(cell.cell_magic.is_none(), "{:?}", cell.cell_magic);
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
        assert!(cell.line_magics.is_empty(), "{:?}", cell.line_magics);
    }

    #[test]
    fn the_magic_line_under_the_cursor_is_found() {
        assert_eq!(magic_line_at("SELECT 1\n  %limit 5", 13), Some("%limit 5"));
        assert_eq!(magic_line_at("%lim\nSELECT 1", 2), Some("%lim"));
        assert_eq!(magic_line_at("%limit\nSELECT 1", 9), None);
        assert_eq!(magic_line_at("SELECT 'ü'\n%li", 14), Some("%li"));
    }

    #[test]
    fn a_plain_sql_cell_has_no_magics() {
        let cell = parse("\n  SELECT 100 % 7");
        assert!(cell.line_magics.is_empty(), "{:?}", cell.line_magics);
        assert_eq!(cell.sql, "  SELECT 100 % 7");
        assert_eq!(cell.sql_offset, 1);
    }
}
