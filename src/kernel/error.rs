//! The kernel's errors, and the one place where an error becomes a Jupyter `error` output.

use crate::auth::AuthError;
use crate::config::AddressError;
use crate::output::ErrorOutput;
use crate::session::{SessionError, StartError};
use crate::spark::{Position, ServerError, SparkError};
use crate::sql::lexer::{self, Kind};

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

#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("unknown magic %{name}. Known magics: {known}")]
    UnknownMagic { name: String, known: String },
    #[error("%{magic}: {message}\nusage: {usage}")]
    MagicUsage {
        magic: String,
        message: String,
        usage: String,
    },
    #[error("interrupted by the user")]
    Interrupted,
    #[error("{0}")]
    Auth(#[from] AuthError),
    #[error("{0}")]
    Address(#[from] AddressError),
    #[error("{error}")]
    Spark {
        error: SparkError,
        sql: Option<Box<SqlSource>>,
    },
    #[error("{0}")]
    Start(StartError),
    /// A chart that cannot be drawn from the result (a column missing, a type that does not fit).
    #[error("%%chart: {0}")]
    Chart(String),
}

impl From<SessionError> for KernelError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Auth(e) => KernelError::Auth(e),
            SessionError::Address(e) => KernelError::Address(e),
            SessionError::Start(StartError::Interrupted) => KernelError::Interrupted,
            SessionError::Start(e) => KernelError::Start(e),
            SessionError::Spark(error) => KernelError::Spark { error, sql: None },
        }
    }
}

impl KernelError {
    /// The short class name shown as `ename`.
    fn ename(&self) -> String {
        match self {
            KernelError::UnknownMagic { .. } | KernelError::MagicUsage { .. } => {
                "UsageError".into()
            }
            KernelError::Address(_) | KernelError::Start(_) => "SparkConnectError".into(),
            KernelError::Auth(_) => "KBaseAuthError".into(),
            KernelError::Interrupted => "KeyboardInterrupt".into(),
            KernelError::Chart(_) => "ChartError".into(),
            KernelError::Spark { error, .. } => match error {
                SparkError::Server(e) => e.exception.clone(),
                SparkError::Auth { .. } | SparkError::BadToken => "KBaseAuthError".into(),
                SparkError::Cancelled => "KeyboardInterrupt".into(),
                SparkError::Unreachable { .. }
                | SparkError::Proxy { .. }
                | SparkError::Tls { .. }
                | SparkError::AuthUnchecked { .. }
                | SparkError::Rpc { .. }
                | SparkError::Decode(_)
                | SparkError::ServerNotRunning { .. }
                | SparkError::ServerFailed { .. }
                | SparkError::Stalled { .. }
                | SparkError::TooLarge { .. }
                | SparkError::Setup { .. } => "SparkConnectError".into(),
                SparkError::Governance(_) => "GovernanceError".into(),
                SparkError::Export(_) => "ExportError".into(),
            },
        }
    }

    pub fn to_output(&self) -> ErrorOutput {
        let ename = self.ename();
        let evalue = match self {
            KernelError::Spark {
                error: SparkError::Cancelled,
                ..
            } => "the query was cancelled on the Spark server (interrupted by the user)".to_owned(),
            KernelError::Spark {
                error: SparkError::Governance(refused),
                sql,
            } => super::governance::explain(refused, sql.as_deref().map(|s| s.text.as_str())),
            other => other.to_string(),
        };
        let mut traceback = vec![format!("{RED}{ename}{RESET}: {}", first_line(&evalue))];
        match self {
            KernelError::Spark {
                error: SparkError::Server(server),
                sql,
            } => traceback.extend(server_details(server, sql.as_deref())),
            _ => traceback.extend(evalue.lines().skip(1).map(str::to_owned)),
        }
        ErrorOutput {
            ename,
            evalue,
            traceback,
        }
    }
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
    let is_name = |t: &lexer::Token| matches!(t.kind, Kind::Word | Kind::Quoted { .. });
    while is_name(&tokens[i])
        && tokens
            .get(i + 1)
            .is_some_and(|t| t.kind == Kind::Punct('.') && t.start == tokens[i].end)
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
        assert!(mark_fragment(&sql, 99, 100).is_empty());
    }

    #[test]
    fn spark_errors_keep_their_class_and_sqlstate() {
        let error = KernelError::Spark {
            error: SparkError::Server(Box::new(ServerError {
                exception: "SparkArithmeticException".into(),
                error_class: Some("DIVIDE_BY_ZERO".into()),
                sql_state: Some("22012".into()),
                message: "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012".into(),
                ..ServerError::default()
            })),
            sql: None,
        };
        let out = error.to_output();
        assert_eq!(out.ename, "SparkArithmeticException");
        assert_eq!(
            out.evalue,
            "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012"
        );
        let cancelled = KernelError::from(SessionError::Spark(SparkError::Cancelled)).to_output();
        assert_eq!(cancelled.ename, "KeyboardInterrupt");
        assert!(cancelled.evalue.contains("cancelled"));
    }
}
