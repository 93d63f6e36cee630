//! The traceback of an error output: the headline in red, then for a Spark error the SQL with
//! the faulty fragment marked under its line (from Spark's query context, or the position its
//! message names), or Spark's own marked text, then the causes; for any other error the lines
//! of its message after the first. Must not: word errors (the kernel does).

use crate::sql::lexer::{self, TokenKind};
use spark_connect::{Position, ServerError};

const RED: &str = "\u{1b}[0;31m";
const BOLD_RED: &str = "\u{1b}[1;31m";
const RESET: &str = "\u{1b}[0m";

/// The SQL a Spark error belongs to, to mark the faulty fragment in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlSource {
    /// The statement as sent to Spark.
    pub text: String,
    /// Its first line's number in the cell (1-based).
    pub line: usize,
}

/// The traceback of an error named `ename` with the message `evalue`; a Spark error's own
/// Spark's own error behind a failed statement, and the statement's SQL when known (to mark the
/// faulty fragment).
#[derive(Debug, Clone, Copy)]
pub struct FromSpark<'a> {
    pub error: &'a ServerError,
    pub sql: Option<&'a SqlSource>,
}

/// details come with the SQL it belongs to, when known.
pub fn traceback(ename: &str, evalue: &str, server: Option<FromSpark<'_>>) -> Vec<String> {
    let mut lines = vec![format!("{RED}{ename}{RESET}: {}", first_line(evalue))];
    match server {
        Some(FromSpark { error, sql }) => lines.extend(server_details(error, sql)),
        None => lines.extend(evalue.lines().skip(1).map(str::to_owned)),
    }
    lines
}

/// The lines under a Spark error's headline: the SQL with the faulty fragment marked (or
/// Spark's own marked text), then the causes.
fn server_details(error: &ServerError, sql: Option<&SqlSource>) -> Vec<String> {
    let mut lines = Vec::new();
    let marked = match (error.contexts.first(), error.position, sql) {
        (Some(context), _, Some(sql)) => mark_fragment(sql, context.start, context.stop),
        (None, Some(at), Some(sql)) => position_range(&sql.text, at)
            .map(|(start, stop)| mark_fragment(sql, start, stop))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    if marked.is_empty() {
        // Spark's own text after the headline (for parse errors: the SQL with `^^^`).
        let rest = error.message_details();
        let rest = trim_blank(&rest);
        if !rest.is_empty() {
            lines.push(String::new());
            lines.extend(rest.iter().map(|l| (*l).to_owned()));
        }
    } else {
        lines.push(String::new());
        lines.extend(marked);
    }
    for cause in &error.causes {
        lines.push(format!("Caused by: {cause}"));
    }
    lines
}

fn trim_blank<'a>(lines: &'a [&'a str]) -> &'a [&'a str] {
    let start = lines.iter().position(|l| !l.trim().is_empty());
    let end = lines.iter().rposition(|l| !l.trim().is_empty());
    match (start, end) {
        (Some(s), Some(e)) => &lines[s..=e],
        _ => &[],
    }
}

/// The lines of `sql` that hold the UTF-16 range `start..=stop` (as the JVM counts), each
/// followed by a line of `^` under the fragment, headed by the line number in the cell.
fn mark_fragment(sql: &SqlSource, start: usize, stop: usize) -> Vec<String> {
    // Character index of each UTF-16 offset.
    let mut utf16 = 0usize;
    let (mut first, mut last) = (None, None);
    for (i, c) in sql.text.chars().enumerate() {
        if first.is_none() && utf16 >= start {
            first = Some(i);
        }
        if utf16 <= stop {
            last = Some(i);
        }
        utf16 += c.len_utf16();
    }
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    if last < first {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut index = 0usize;
    for (n, line) in sql.text.split('\n').enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let (begin, end) = (index, index + chars.len());
        index = end + 1;
        if end <= first || begin > last {
            continue;
        }
        let from = first.saturating_sub(begin);
        let to = (last + 1).min(end) - begin;
        if out.is_empty() {
            out.push(format!("line {} of the cell:", sql.line + n));
        }
        let pad: usize = chars[..from]
            .iter()
            .map(|c| {
                unicode_width::UnicodeWidthChar::width(*c)
                    .unwrap_or(0)
                    .max(usize::from(*c == '\t'))
            })
            .sum();
        let width: usize = chars[from..to]
            .iter()
            .map(|c| unicode_width::UnicodeWidthChar::width(*c).unwrap_or(1))
            .sum();
        let shown: String = chars
            .iter()
            .map(|c| if *c == '\t' { ' ' } else { *c })
            .collect();
        out.push(format!("  {shown}"));
        out.push(format!(
            "  {}{BOLD_RED}{}{RESET}",
            " ".repeat(pad),
            "^".repeat(width.max(1))
        ));
    }
    out
}

/// The UTF-16 range (as the JVM counts) of what Spark names by its position only: the
/// characters it marked, else the (dotted) name or token that starts there.
fn position_range(text: &str, at: Position) -> Option<(usize, usize)> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(at.line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let line = text.get(line_start..)?.split('\n').next()?;
    let byte = line_start + line.char_indices().nth(at.column).map(|(b, _)| b)?;
    let utf16 = |to: usize| text[..to].encode_utf16().count();
    let end = match at.length {
        Some(n) => text[byte..]
            .char_indices()
            .nth(n)
            .map_or(text.len(), |(b, _)| byte + b),
        None => name_end(text, byte)?,
    };
    Some((utf16(byte), utf16(end).checked_sub(1)?))
}

/// The end of the token at `byte`, taking in `.part` after a name.
fn name_end(text: &str, byte: usize) -> Option<usize> {
    let tokens = lexer::tokens(text);
    let mut i = tokens
        .iter()
        .position(|t| t.start <= byte && byte < t.end)?;
    let is_name = |t: &lexer::Token| matches!(t.kind, TokenKind::Word | TokenKind::Quoted { .. });
    while is_name(&tokens[i])
        && tokens
            .get(i + 1)
            .is_some_and(|t| t.kind == TokenKind::Punct('.') && t.start == tokens[i].end)
        && tokens
            .get(i + 2)
            .is_some_and(|t| is_name(t) && t.start == tokens[i + 1].end)
    {
        i += 2;
    }
    Some(tokens[i].end)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[String]) -> String {
        lines
            .join("\n")
            .replace(BOLD_RED, "")
            .replace(RED, "")
            .replace(RESET, "")
    }

    #[test]
    fn the_faulty_fragment_is_marked_under_its_line() {
        let sql = SqlSource {
            text: "SELECT id,\n       nope + 1\nFROM t".into(),
            line: 3,
        };
        // "nope" starts at UTF-16 offset 18 and ends at 21.
        insta::assert_snapshot!(plain(&mark_fragment(&sql, 18, 21)), @r"
        line 4 of the cell:
                 nope + 1
                 ^^^^
        ");
    }

    #[test]
    fn offsets_count_utf16_units_as_the_jvm_does() {
        // '𝔘' is two UTF-16 units: the fragment `x` starts at unit 10, character 9.
        let sql = SqlSource {
            text: "SELECT '𝔘', x".into(),
            line: 1,
        };
        let marked = plain(&mark_fragment(&sql, 12, 12));
        assert!(marked.ends_with("             ^"), "{marked}");
        assert!(
            mark_fragment(&sql, 99, 100).is_empty(),
            "{:?}",
            mark_fragment(&sql, 99, 100)
        );
    }
}
