//! An error raised by Spark itself, as the client keeps it: class, SQLSTATE, message,
//! parameters, the faulty fragment, the causes — read from the `ErrorInfo` of a gRPC status
//! and from `FetchErrorDetails`. Must not: decide what a failed call means for the session
//! (`error` does) or word it for users (its caller does).

use std::collections::BTreeMap;

use super::proto::fetch_error_details_response as details;

/// An error raised by Spark itself (analysis, parsing, execution, a handle the server no
/// longer knows).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerError {
    /// The JVM exception's short class name: `AnalysisException`, `ParseException`, …
    pub exception: String,
    /// The class hierarchy, most specific first (fully qualified).
    pub classes: Vec<String>,
    /// `UNRESOLVED_COLUMN.WITH_SUGGESTION`, …
    pub error_class: Option<String>,
    pub sql_state: Option<String>,
    pub message: String,
    pub parameters: BTreeMap<String, String>,
    /// Where in the SQL text the error is (offsets count characters of the statement sent).
    pub contexts: Vec<QueryContext>,
    /// Messages of the causes, outermost first.
    pub causes: Vec<String>,
    /// The server's id for the error, to ask for its details (`FetchErrorDetails`).
    pub error_id: Option<String>,
    /// Where the error is when only the message names it (errors without details, through
    /// a proxy that drops them).
    pub position: Option<Position>,
}

/// A place in the SQL text of a statement as Spark's messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based.
    pub line: usize,
    /// 0-based, in characters of the line.
    pub column: usize,
    /// Characters Spark marked with `^`, when it did.
    pub length: Option<usize>,
}

/// A fragment of the SQL that an error points at.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryContext {
    pub fragment: String,
    /// Start and stop (inclusive) as UTF-16 code unit indices, as the JVM counts them.
    pub start: usize,
    pub stop: usize,
}

impl ServerError {
    fn class_is(&self, class: &str) -> bool {
        self.error_class.as_deref() == Some(class)
    }

    /// The server lost our session: closed, unknown, or a new server since the last call.
    pub fn is_session_lost(&self) -> bool {
        [
            "INVALID_HANDLE.SESSION_CLOSED",
            "INVALID_HANDLE.SESSION_NOT_FOUND",
            "INVALID_HANDLE.SESSION_CHANGED",
        ]
        .iter()
        .any(|c| self.class_is(c))
    }

    /// The running operation was ended under the statement (its session was closed while it
    /// ran, or its stream was taken over): the statement may be run again.
    pub fn is_operation_gone(&self) -> bool {
        [
            "INVALID_CURSOR.DISCONNECTED",
            "INVALID_HANDLE.OPERATION_ABANDONED",
        ]
        .iter()
        .any(|c| self.class_is(c))
    }

    pub fn is_operation_not_found(&self) -> bool {
        self.class_is("INVALID_HANDLE.OPERATION_NOT_FOUND")
    }

    pub fn is_cancelled(&self) -> bool {
        self.class_is("OPERATION_CANCELED")
    }

    /// Adds what `FetchErrorDetails` returned: the full message, parameters, query contexts
    /// and the causes.
    pub fn enrich(&mut self, response: &super::proto::FetchErrorDetailsResponse) {
        let errors = &response.errors;
        let index = |i: Option<i32>| i.and_then(|i| usize::try_from(i).ok());
        let Some(root) = index(response.root_error_idx).and_then(|i| errors.get(i)) else {
            return;
        };
        if !root.message.is_empty() {
            self.message = root.message.clone();
        }
        if self.classes.is_empty() {
            self.classes = root.error_type_hierarchy.clone();
            self.exception = exception_name(&self.classes);
        }
        if let Some(throwable) = &root.spark_throwable {
            self.apply_throwable(throwable);
        }
        let mut next = root.cause_idx;
        let mut seen = 0;
        while let Some(cause) = index(next).and_then(|i| errors.get(i)) {
            seen += 1;
            if seen > errors.len() {
                break;
            }
            let class = short_name(
                cause
                    .error_type_hierarchy
                    .first()
                    .map_or("", String::as_str),
            );
            self.causes.push(format!("{class}: {}", cause.message));
            next = cause.cause_idx;
        }
    }

    fn apply_throwable(&mut self, throwable: &details::SparkThrowable) {
        if throwable.error_class.is_some() {
            self.error_class.clone_from(&throwable.error_class);
        }
        if throwable.sql_state.is_some() {
            self.sql_state.clone_from(&throwable.sql_state);
        }
        if !throwable.message_parameters.is_empty() {
            self.parameters = throwable
                .message_parameters
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        }
        self.contexts = throwable
            .query_contexts
            .iter()
            .filter(|c| c.context_type == details::query_context::ContextType::Sql as i32)
            .filter_map(|c| {
                Some(QueryContext {
                    fragment: c.fragment.clone(),
                    start: usize::try_from(c.start_index).ok()?,
                    stop: usize::try_from(c.stop_index).ok()?,
                })
            })
            .collect();
    }

    /// The lines of the message after its headline (for parse errors: the SQL with `^^^`).
    pub fn message_details(&self) -> Vec<&str> {
        let mut lines = self.message.lines().skip_while(|l| l.trim().is_empty());
        lines.next();
        lines.collect()
    }

    /// The message as one line to show as `evalue`: Spark's own first line, with the error
    /// class and SQLSTATE added when Spark's text does not carry them.
    pub fn headline(&self) -> String {
        let first = self
            .message
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let first = first.strip_suffix(';').unwrap_or(first).to_owned();
        let mut text = first;
        if let Some(class) = &self.error_class {
            if !text.contains(&format!("[{class}]")) {
                text = format!("[{class}] {text}");
            }
        }
        if let Some(state) = &self.sql_state {
            if !text.contains(&format!("SQLSTATE: {state}")) {
                text = format!("{text} SQLSTATE: {state}");
            }
        }
        text
    }
}

pub(super) fn from_error_info(
    reason: &str,
    metadata: &std::collections::HashMap<String, String>,
    message: String,
) -> ServerError {
    let classes: Vec<String> = metadata
        .get("classes")
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_else(|| vec![reason.to_owned()]);
    let parameters = metadata
        .get("messageParameters")
        .and_then(|p| serde_json::from_str::<BTreeMap<String, String>>(p).ok())
        .unwrap_or_default();
    ServerError {
        exception: exception_name(&classes),
        classes,
        error_class: metadata.get("errorClass").cloned(),
        sql_state: metadata.get("sqlState").cloned(),
        message,
        parameters,
        contexts: Vec::new(),
        causes: Vec::new(),
        error_id: metadata.get("errorId").cloned(),
        position: None,
    }
}

/// The name users know for an error with this class hierarchy (most specific first): the
/// public `ParseException` / `AnalysisException` when the class is an internal subclass
/// (`ExtendedAnalysisException`), else the most specific class's short name.
pub fn exception_name(classes: &[String]) -> String {
    const PUBLIC: [&str; 2] = [
        "org.apache.spark.sql.catalyst.parser.ParseException",
        "org.apache.spark.sql.AnalysisException",
    ];
    classes
        .iter()
        .find(|c| PUBLIC.contains(&c.as_str()))
        .or(classes.first())
        .map_or_else(|| "SparkException".to_owned(), |c| short_name(c))
}

/// `org.apache.spark.sql.AnalysisException` → `AnalysisException`.
pub fn short_name(class: &str) -> String {
    let short = class.rsplit(['.', '$']).next().unwrap_or(class);
    if short.is_empty() {
        "SparkException".into()
    } else {
        short.to_owned()
    }
}
