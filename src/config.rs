//! Every setting of the kernel, read from the environment once and validated here; nothing else
//! reads the environment. A bad value never stops the kernel: it falls back to the default and
//! is kept in [`Settings::problems`], which the kernel reports where it matters.

use std::path::PathBuf;

use crate::auth::Token;

pub const DEFAULT_AUTH_URL: &str = "https://kbase.us/services/auth/";
pub const DEFAULT_HOST_TEMPLATE: &str = "spark-connect-{username}";
pub const DEFAULT_PORT: u16 = 15002;
pub const DEFAULT_MAX_ROWS: usize = 100;
pub const TOKEN_FILE_NAME: &str = ".berdl_kbase_session";

/// The kernel's settings (see the README's table for each variable).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `KBASE_AUTH_TOKEN`.
    pub token: Option<Token>,
    /// `KBASE_TOKEN_FILE`, default `~/.berdl_kbase_session`.
    pub token_file: Option<PathBuf>,
    /// `KBASE_AUTH_URL`.
    pub auth_url: String,
    /// `SPARK_CONNECT_URL`.
    pub spark_url: Option<String>,
    /// `SPARK_CONNECT_HOST_TEMPLATE`.
    pub host_template: String,
    /// `SPARK_CONNECT_PORT`.
    pub port: u16,
    /// `SPARK_CONNECT_USE_SSL`.
    pub use_ssl: bool,
    /// `SPARK_APP_NAME`.
    pub app_name: Option<String>,
    /// `SPARK_CONNECT_CONF`, in the order given.
    pub spark_conf: Vec<(String, String)>,
    /// `SPARK_SQL_KERNEL_MAX_ROWS`.
    pub max_rows: usize,
    /// `SPARK_SQL_KERNEL_MAX_CHARS`: characters of a value shown before it is cut (0: never).
    pub max_chars: usize,
    /// `SPARK_SQL_KERNEL_LOG`.
    pub log: String,
    /// What was wrong with the environment, one sentence each.
    pub problems: Vec<String>,
}

impl Settings {
    pub fn from_env() -> Settings {
        Settings::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads settings through `var` (the environment, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Settings {
        let mut problems = Vec::new();
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let token_file = match get("KBASE_TOKEN_FILE") {
            Some(path) => Some(PathBuf::from(path)),
            None => get("HOME").map(|home| PathBuf::from(home).join(TOKEN_FILE_NAME)),
        };
        let port = match get("SPARK_CONNECT_PORT") {
            None => DEFAULT_PORT,
            Some(raw) => match raw.parse::<u16>() {
                Ok(port) if port > 0 => port,
                _ => {
                    problems.push(format!(
                        "SPARK_CONNECT_PORT={raw:?} is not a port number (1-65535); using {DEFAULT_PORT}"
                    ));
                    DEFAULT_PORT
                }
            },
        };
        let use_ssl = match get("SPARK_CONNECT_USE_SSL") {
            None => false,
            Some(raw) => parse_bool(&raw).unwrap_or_else(|| {
                problems.push(format!(
                    "SPARK_CONNECT_USE_SSL={raw:?} is not true or false; using false"
                ));
                false
            }),
        };
        let max_rows = match get("SPARK_SQL_KERNEL_MAX_ROWS") {
            None => DEFAULT_MAX_ROWS,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    problems.push(format!(
                        "SPARK_SQL_KERNEL_MAX_ROWS={raw:?} is not a positive number; using {DEFAULT_MAX_ROWS}"
                    ));
                    DEFAULT_MAX_ROWS
                }
            },
        };
        let default_chars = crate::render::DEFAULT_MAX_CHARS;
        let max_chars = match get("SPARK_SQL_KERNEL_MAX_CHARS") {
            None => default_chars,
            Some(raw) => raw.parse::<usize>().unwrap_or_else(|_| {
                problems.push(format!(
                    "SPARK_SQL_KERNEL_MAX_CHARS={raw:?} is not a number (0 shows values whole); using {default_chars}"
                ));
                default_chars
            }),
        };
        let spark_conf = match get("SPARK_CONNECT_CONF") {
            None => Vec::new(),
            Some(raw) => parse_conf(&raw).unwrap_or_else(|reason| {
                problems.push(format!("SPARK_CONNECT_CONF is ignored: {reason}"));
                Vec::new()
            }),
        };
        let host_template =
            get("SPARK_CONNECT_HOST_TEMPLATE").unwrap_or_else(|| DEFAULT_HOST_TEMPLATE.to_owned());
        let spark_url = get("SPARK_CONNECT_URL");
        if let Some(url) = &spark_url {
            if !url.starts_with("sc://") {
                problems.push(
                    "SPARK_CONNECT_URL must start with sc:// (for example sc://host:15002)".into(),
                );
            }
        }
        Settings {
            token: var("KBASE_AUTH_TOKEN").as_deref().and_then(Token::new),
            token_file,
            auth_url: get("KBASE_AUTH_URL").unwrap_or_else(|| DEFAULT_AUTH_URL.to_owned()),
            spark_url,
            host_template,
            port,
            use_ssl,
            app_name: get("SPARK_APP_NAME"),
            spark_conf,
            max_rows,
            max_chars,
            log: get("SPARK_SQL_KERNEL_LOG").unwrap_or_else(|| "info".to_owned()),
            problems,
        }
    }
}

pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A JSON object of strings (numbers and booleans are taken as their text).
fn parse_conf(raw: &str) -> Result<Vec<(String, String)>, String> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| format!("it is not JSON ({e})"))?;
    let object = value
        .as_object()
        .ok_or("it must be a JSON object such as {\"spark.sql.shuffle.partitions\": \"8\"}")?;
    object
        .iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => Ok((key.clone(), s.clone())),
            serde_json::Value::Number(n) => Ok((key.clone(), n.to_string())),
            serde_json::Value::Bool(b) => Ok((key.clone(), b.to_string())),
            _ => Err(format!("the value of {key:?} must be a string")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_vars(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let s = settings(&[("HOME", "/home/alice")]);
        assert_eq!(s.auth_url, DEFAULT_AUTH_URL);
        assert_eq!(s.host_template, "spark-connect-{username}");
        assert_eq!(s.port, 15002);
        assert!(!s.use_ssl);
        assert_eq!(s.max_rows, 100);
        assert_eq!(s.max_chars, 100);
        assert_eq!(
            s.token_file,
            Some(PathBuf::from("/home/alice/.berdl_kbase_session"))
        );
        assert!(s.token.is_none());
        assert!(s.problems.is_empty());
    }

    #[test]
    fn values_are_read_and_bad_ones_reported_not_fatal() {
        let s = settings(&[
            ("KBASE_AUTH_TOKEN", " TOKEN\n"),
            ("SPARK_CONNECT_PORT", "99999"),
            ("SPARK_CONNECT_USE_SSL", "maybe"),
            ("SPARK_SQL_KERNEL_MAX_ROWS", "25"),
            ("SPARK_SQL_KERNEL_MAX_CHARS", "0"),
            (
                "SPARK_CONNECT_CONF",
                r#"{"spark.sql.shuffle.partitions": 8, "a": "b"}"#,
            ),
        ]);
        assert_eq!(s.token.unwrap().expose(), "TOKEN");
        assert_eq!(s.port, 15002);
        assert!(!s.use_ssl);
        assert_eq!(s.max_rows, 25);
        assert_eq!(s.max_chars, 0);
        assert_eq!(
            s.spark_conf,
            vec![
                ("a".into(), "b".into()),
                ("spark.sql.shuffle.partitions".into(), "8".into())
            ]
        );
        assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
        let s = settings(&[
            ("SPARK_CONNECT_CONF", "[1]"),
            ("SPARK_CONNECT_URL", "http://x"),
            ("SPARK_SQL_KERNEL_MAX_CHARS", "lots"),
        ]);
        assert_eq!(s.problems.len(), 3);
        assert_eq!(s.max_chars, 100);
    }
}
