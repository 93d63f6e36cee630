//! Errors that arrive without gRPC details, as a proxy that drops them forwards them (a status
//! code and a message only): Spark's own errors read back from their text (`[CLASS] … SQLSTATE:
//! xxxxx`, with the position Spark names).
//! Pure functions over the message text.
//! Must not: guess: a text that is not Spark's own form is left as it is.

use super::server_error::{Position, ServerError};

/// A Spark error read from the text of a status that carries no `ErrorInfo`; `None` when the
/// text is not one (it must start with `[ERROR_CLASS]` and name a SQLSTATE).
pub fn server_error(message: &str) -> Option<ServerError> {
    let rest = message.trim_start().strip_prefix('[')?;
    let class = &rest[..rest.find(']')?];
    if class.is_empty()
        || !class
            .chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c == '.')
    {
        return None;
    }
    let state_at = message.find("SQLSTATE: ")? + "SQLSTATE: ".len();
    let sql_state: String = message[state_at..].chars().take(5).collect();
    let headline = message.trim_start().lines().next().unwrap_or("");
    // Parse errors carry Spark's marked SQL (`== SQL ==`, the SQL, `^^^`); other errors are
    // followed by the logical plan, which is the server's business, not the user's.
    let marked = message
        .find("\n== SQL ==")
        .map(|at| message[at..].trim_end().to_owned());
    let text = match &marked {
        Some(marked) => format!("{headline}\n{marked}"),
        None => headline.to_owned(),
    };
    Some(ServerError {
        exception: exception_for(class, &sql_state, marked.is_some()),
        error_class: Some(class.to_owned()),
        sql_state: Some(sql_state),
        // Parse errors are shown with Spark's own marked SQL, as on a direct connection.
        position: if marked.is_some() {
            None
        } else {
            position(message)
        },
        message: text,
        ..ServerError::default()
    })
}

/// The exception name a direct connection shows for this class and SQLSTATE.
fn exception_for(class: &str, sql_state: &str, parse: bool) -> String {
    let name = if parse || class.starts_with("PARSE_") {
        "ParseException"
    } else if sql_state.starts_with("42") || sql_state.starts_with("0A") {
        "AnalysisException"
    } else if matches!(sql_state, "22003" | "22012" | "22015") || class.contains("ARITHMETIC") {
        "SparkArithmeticException"
    } else if matches!(sql_state, "22018" | "22P02") {
        "SparkNumberFormatException"
    } else if sql_state.starts_with("22") {
        "SparkRuntimeException"
    } else {
        "SparkException"
    };
    name.to_owned()
}

/// Where Spark says the error is: `line L pos P` (analysis), `(line L, pos P)` (parser), both
/// with 0-based positions, or `== SQL (line L, position P) ==` (1-based).
fn position(message: &str) -> Option<Position> {
    let numbers = |text: &str, a: &str, b: &str| -> Option<(usize, usize)> {
        let after = &text[text.find(a)? + a.len()..];
        let line: String = after.chars().take_while(char::is_ascii_digit).collect();
        let after = &after[line.len()..];
        let after = &after[after.find(b)? + b.len()..];
        let pos: String = after.chars().take_while(char::is_ascii_digit).collect();
        Some((line.parse().ok()?, pos.parse().ok()?))
    };
    if let Some((line, pos)) = numbers(message, "== SQL (line ", "position ") {
        let block = &message[message.find("== SQL (line ")?..];
        let carets = block
            .lines()
            .find(|l| l.contains('^'))
            .map(|l| l.matches('^').count());
        return Some(Position {
            line,
            column: pos.checked_sub(1)?,
            length: carets,
        });
    }
    let (line, column) =
        numbers(message, "(line ", "pos ").or_else(|| numbers(message, "line ", "pos "))?;
    Some(Position {
        line,
        column,
        length: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_analysis_error_through_the_proxy_loses_its_plan_and_keeps_its_position() {
        let text = "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter \
                    with name `nosuchcol` cannot be resolved. Did you mean one of the following? \
                    [`id`]. SQLSTATE: 42703; line 1 pos 7;\n'GlobalLimit 101\n+- 'LocalLimit 101\n";
        let e = server_error(text).unwrap();
        assert_eq!(e.exception, "AnalysisException");
        assert_eq!(
            e.error_class.as_deref(),
            Some("UNRESOLVED_COLUMN.WITH_SUGGESTION")
        );
        assert_eq!(e.sql_state.as_deref(), Some("42703"));
        let at = Position {
            line: 1,
            column: 7,
            length: None,
        };
        assert_eq!(e.position, Some(at));
        assert!(!e.message.contains("GlobalLimit"), "{}", e.message);
        assert!(!e.message.contains('\n'), "{}", e.message);
    }

    #[test]
    fn a_parse_error_keeps_sparks_marked_sql() {
        let text = "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601 (line 1, pos 0)\n\n== SQL ==\nSELEC 1\n^^^\n";
        let e = server_error(text).unwrap();
        assert_eq!(e.exception, "ParseException");
        assert_eq!(e.position, None, "shown with Spark's own marks");
        assert!(
            e.message.ends_with("== SQL ==\nSELEC 1\n^^^"),
            "{}",
            e.message
        );
    }

    #[test]
    fn runtime_errors_get_sparks_exception_names_and_1_based_positions() {
        let text = "[DIVIDE_BY_ZERO] Division by zero. SQLSTATE: 22012\n== SQL (line 2, position 8) ==\nSELECT 1 / 0\n       ^^^^^\n";
        let e = server_error(text).unwrap();
        assert_eq!(e.exception, "SparkArithmeticException");
        let at = Position {
            line: 2,
            column: 7,
            length: Some(5),
        };
        assert_eq!(e.position, Some(at));
        assert!(
            server_error("INTERNAL: something else").is_none(),
            "{:?}",
            server_error("INTERNAL: something else")
        );
        assert!(
            server_error("[lower] x SQLSTATE: 1").is_none(),
            "{:?}",
            server_error("[lower] x SQLSTATE: 1")
        );
    }
}
