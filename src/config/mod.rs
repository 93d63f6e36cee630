//! Every setting of the kernel, read from the environment once and validated here; nothing else
//! reads the environment. A bad value never stops the kernel: it falls back to the default and
//! is kept in [`Settings::problems`], which the kernel reports where it matters.
//!
//! A leaf: it imports nothing of the kernel but the [`BearerToken`] type. Each layer gets the
//! part it needs ([`AuthSettings`], [`SparkSettings`], [`DisplaySettings`], [`InstallPaths`]), with
//! private fields, and the `sc://` address is parsed here, once.

mod address;
mod journal;
mod spark;

use std::path::PathBuf;

pub use address::{sanitize_k8s, AddressError};
pub use journal::JournalAt;
pub use spark::{SparkSettings, StartSettings};

use spark_connect::{BearerToken, IgnoredProxy, ProxySettings};

pub const DEFAULT_AUTH_URL: &str = "https://kbase.us/services/auth/";
pub const DEFAULT_HOST_TEMPLATE: &str = "spark-connect-{username}";
pub const DEFAULT_PORT: u16 = 15002;
pub const DEFAULT_MAX_ROWS: usize = 100;
/// Characters of a value shown before it is cut at `…`.
pub const DEFAULT_MAX_CHARS: usize = 100;
/// Snapshots of results the explorer keeps on the server at most.
pub const DEFAULT_EXPLORER_SNAPSHOTS: usize = 20;
/// Bytes (Spark's estimates) the explorer's snapshots may hold in all: a larger result is read
/// live unless the user keeps a copy.
pub const DEFAULT_EXPLORER_SNAPSHOT_BYTES: usize = 256 * 1024 * 1024;
/// What one result may send to the front end, in MB (its text and HTML together).
pub const DEFAULT_MAX_OUTPUT_MB: usize = 10;
/// Rows of a result a chart (`%%chart`) draws at most.
pub const DEFAULT_CHART_ROWS: usize = 5000;
pub const DEFAULT_LOG: &str = "warn";
/// MiB a ZeroMQ frame sent to the kernel may hold (Jupyter's messages are far smaller).
pub const DEFAULT_MAX_FRAME_MB: usize = 256;
pub const TOKEN_FILE_NAME: &str = ".berdl_kbase_session";

/// The kernel's settings (docs/settings.md has a table of every variable).
#[derive(Debug, Clone)]
pub struct Settings {
    auth: AuthSettings,
    spark: SparkSettings,
    display: DisplaySettings,
    install: InstallPaths,
    proxy: ProxySettings,
    log: String,
    max_frame_mb: usize,
    parent_pid: Option<u32>,
    activity: Option<String>,
    journal: JournalAt,
    /// `SPARK_SQL_KERNEL_RESULT_VIEWS`: results become views `_N` (on by default).
    result_views: bool,
    /// `JPY_SESSION_NAME`: the notebook's path, where the Jupyter server sets it.
    notebook: Option<String>,
    problems: Vec<Problem>,
}

/// Where the KBase token comes from and where it is validated.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    token: Option<BearerToken>,
    token_file: Option<PathBuf>,
    url: String,
    url_token: Option<BearerToken>,
    proxy: ProxySettings,
}

impl AuthSettings {
    /// `KBASE_AUTH_TOKEN`.
    pub fn env_token(&self) -> Option<&BearerToken> {
        self.token.as_ref()
    }
    /// `KBASE_TOKEN_FILE`, default `~/.berdl_kbase_session`.
    pub fn token_file(&self) -> Option<&PathBuf> {
        self.token_file.as_ref()
    }
    /// `KBASE_AUTH_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// How connections to Auth2 go (the same settings as Spark Connect's).
    pub fn proxy(&self) -> &ProxySettings {
        &self.proxy
    }
    /// `;token=` or `;x-kbase-token=` of `SPARK_CONNECT_URL`: the last token source.
    pub fn url_token(&self) -> Option<&BearerToken> {
        self.url_token.as_ref()
    }
    /// The same settings with other token sources (for tests of the sources' order).
    pub fn with_tokens(mut self, file: Option<PathBuf>, env: Option<BearerToken>) -> AuthSettings {
        self.token_file = file;
        self.token = env;
        self
    }
}

/// How results are shown at start (the magics change them later).
#[derive(Debug, Clone, Copy)]
pub struct DisplaySettings {
    max_rows: usize,
    max_chars: usize,
    max_output_mb: usize,
    chart_rows: usize,
    explorer: bool,
    explorer_snapshots: usize,
    explorer_snapshot_bytes: usize,
}

impl DisplaySettings {
    /// `SPARK_SQL_KERNEL_MAX_ROWS`.
    pub fn max_rows(&self) -> usize {
        self.max_rows
    }
    /// `SPARK_SQL_KERNEL_MAX_CHARS` (0: never cut).
    pub fn max_chars(&self) -> usize {
        self.max_chars
    }
    /// `SPARK_SQL_KERNEL_MAX_OUTPUT_MB`, in bytes: what one result's table may weigh.
    pub fn max_output_bytes(&self) -> usize {
        self.max_output_mb.saturating_mul(1_000_000)
    }
    /// `SPARK_SQL_KERNEL_CHART_ROWS`: rows a chart draws at most.
    pub fn chart_rows(&self) -> usize {
        self.chart_rows
    }
    /// `SPARK_SQL_KERNEL_EXPLORER`: whether results can be explored (default on).
    pub fn explorer(&self) -> bool {
        self.explorer
    }
    /// `SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS`: snapshots the explorer keeps on the server.
    pub fn explorer_snapshots(&self) -> usize {
        self.explorer_snapshots
    }
    /// `SPARK_SQL_KERNEL_EXPLORER_SNAPSHOT_BYTES`: the bytes the explorer's snapshots may hold
    /// (Spark's estimates; 0: none is made unasked).
    pub fn explorer_snapshot_bytes(&self) -> u64 {
        u64::try_from(self.explorer_snapshot_bytes).unwrap_or(u64::MAX)
    }
}

impl DisplaySettings {
    /// `SPARK_SQL_KERNEL_MAX_ROWS`, `…_MAX_CHARS`, `…_MAX_OUTPUT_MB`, `…_CHART_ROWS`,
    /// `…_EXPLORER` and `…_EXPLORER_SNAPSHOTS`, through `get`.
    fn read(get: &impl Fn(&str) -> Option<String>, problems: &mut Vec<Problem>) -> DisplaySettings {
        DisplaySettings {
            max_rows: number(
                get,
                "SPARK_SQL_KERNEL_MAX_ROWS",
                DEFAULT_MAX_ROWS,
                1,
                problems,
            ),
            max_chars: number(
                get,
                "SPARK_SQL_KERNEL_MAX_CHARS",
                DEFAULT_MAX_CHARS,
                0,
                problems,
            ),
            max_output_mb: number(
                get,
                "SPARK_SQL_KERNEL_MAX_OUTPUT_MB",
                DEFAULT_MAX_OUTPUT_MB,
                1,
                problems,
            ),
            chart_rows: number(
                get,
                "SPARK_SQL_KERNEL_CHART_ROWS",
                DEFAULT_CHART_ROWS,
                1,
                problems,
            ),
            explorer: match get("SPARK_SQL_KERNEL_EXPLORER").map(|raw| (parse_bool(&raw), raw)) {
                None => true,
                Some((Some(on), _)) => on,
                Some((None, raw)) => {
                    problems.push(Problem::Explorer { raw });
                    true
                }
            },
            explorer_snapshots: number(
                get,
                "SPARK_SQL_KERNEL_EXPLORER_SNAPSHOTS",
                DEFAULT_EXPLORER_SNAPSHOTS,
                1,
                problems,
            ),
            explorer_snapshot_bytes: number(
                get,
                "SPARK_SQL_KERNEL_EXPLORER_SNAPSHOT_BYTES",
                DEFAULT_EXPLORER_SNAPSHOT_BYTES,
                0,
                problems,
            ),
        }
    }
}

/// Where `install` finds Jupyter's directories.
#[derive(Debug, Clone, Default)]
pub struct InstallPaths {
    jupyter_data_dir: Option<PathBuf>,
    home: Option<PathBuf>,
    python_prefix: Option<PathBuf>,
}

impl InstallPaths {
    /// `JUPYTER_DATA_DIR`.
    pub fn jupyter_data_dir(&self) -> Option<&PathBuf> {
        self.jupyter_data_dir.as_ref()
    }
    /// `HOME`.
    pub fn home(&self) -> Option<&PathBuf> {
        self.home.as_ref()
    }
    /// `VIRTUAL_ENV`, else `CONDA_PREFIX`: the active Python environment.
    pub fn python_prefix(&self) -> Option<&PathBuf> {
        self.python_prefix.as_ref()
    }
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
        let path = |name: &str| get(name).map(PathBuf::from);
        let home = path("HOME");
        let proxies = ProxySettings::read(&get);
        if let Some(ignored) = proxies.ignored {
            problems.push(Problem::Proxy(ignored));
        }
        let proxy = proxies.settings;
        let spark::SparkRead {
            settings: mut spark,
            url_token,
        } = spark::settings(&get, &path, &mut problems);
        spark.proxy = proxy.clone();
        let auth = AuthSettings {
            token: var("KBASE_AUTH_TOKEN")
                .as_deref()
                .and_then(BearerToken::new),
            token_file: path("KBASE_TOKEN_FILE")
                .or_else(|| home.as_ref().map(|h| h.join(TOKEN_FILE_NAME))),
            url: get("KBASE_AUTH_URL").unwrap_or_else(|| DEFAULT_AUTH_URL.to_owned()),
            url_token,
            proxy: proxy.clone(),
        };
        let display = DisplaySettings::read(&get, &mut problems);
        let journal = journal::read(&get, home.as_ref());
        let result_views =
            match get("SPARK_SQL_KERNEL_RESULT_VIEWS").map(|raw| (parse_bool(&raw), raw)) {
                None | Some((Some(true), _)) => true,
                Some((Some(false), _)) => false,
                Some((None, raw)) => {
                    problems.push(Problem::ResultViews { raw });
                    true
                }
            };
        let install = InstallPaths {
            jupyter_data_dir: path("JUPYTER_DATA_DIR"),
            python_prefix: path("VIRTUAL_ENV").or_else(|| path("CONDA_PREFIX")),
            home,
        };
        let activity = match get("SPARK_SQL_KERNEL_ACTIVITY_LOG").map(|raw| (parse_bool(&raw), raw))
        {
            None | Some((Some(false), _)) => None,
            Some((Some(true), _)) => {
                Some(get("NB_USER").or_else(|| get("USER")).unwrap_or_default())
            }
            Some((None, raw)) => {
                problems.push(Problem::ActivityLog { raw });
                None
            }
        };
        Settings {
            auth,
            spark,
            display,
            install,
            proxy,
            log: get("SPARK_SQL_KERNEL_LOG").unwrap_or_else(|| DEFAULT_LOG.to_owned()),
            max_frame_mb: number(
                &get,
                "SPARK_SQL_KERNEL_MAX_FRAME_MB",
                DEFAULT_MAX_FRAME_MB,
                1,
                &mut problems,
            ),
            parent_pid: get("JPY_PARENT_PID").and_then(|p| p.parse().ok()),
            activity,
            journal,
            result_views,
            notebook: get("JPY_SESSION_NAME"),
            problems,
        }
    }

    pub fn auth(&self) -> &AuthSettings {
        &self.auth
    }
    pub fn spark(&self) -> &SparkSettings {
        &self.spark
    }
    pub fn display(&self) -> DisplaySettings {
        self.display
    }
    pub fn install(&self) -> &InstallPaths {
        &self.install
    }
    /// The proxy variables (`grpc_proxy`, `https_proxy`, `no_proxy`, …): how connections go.
    pub fn proxy(&self) -> &ProxySettings {
        &self.proxy
    }
    /// `SPARK_SQL_KERNEL_LOG`: a tracing filter such as `warn` or `spark_sql_kernel=debug`.
    pub fn log(&self) -> &str {
        &self.log
    }
    /// `SPARK_SQL_KERNEL_MAX_FRAME_MB` in bytes: a connection to the kernel's ports that
    /// announces a longer ZeroMQ frame is dropped.
    pub fn max_frame(&self) -> u64 {
        (self.max_frame_mb as u64).saturating_mul(1 << 20)
    }

    /// `JPY_PARENT_PID`: the process whose end stops the kernel (else its parent at start).
    pub fn parent_pid(&self) -> Option<u32> {
        self.parent_pid
    }

    /// `SPARK_SQL_KERNEL_ACTIVITY_LOG`: when on, the user its lines name (`NB_USER`, else
    /// `USER`).
    pub fn activity_user(&self) -> Option<&str> {
        self.activity.as_deref()
    }

    /// `SPARK_SQL_KERNEL_JOURNAL`: where statements are recorded, or off.
    pub fn journal(&self) -> &JournalAt {
        &self.journal
    }

    /// `SPARK_SQL_KERNEL_RESULT_VIEWS`: whether results become views `_N`.
    pub fn result_views(&self) -> bool {
        self.result_views
    }

    /// `JPY_SESSION_NAME`: the notebook's path, where the Jupyter server sets it.
    pub fn notebook(&self) -> Option<&str> {
        self.notebook.as_deref()
    }

    /// What was wrong with the environment, one sentence each.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

/// A whole number of at least `min` from `name`, else `default` (and a problem).
pub(crate) fn number(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: usize,
    min: usize,
    problems: &mut Vec<Problem>,
) -> usize {
    let Some(raw) = get(name) else {
        return default;
    };
    match raw.parse::<usize>() {
        Ok(n) if n >= min => n,
        _ => {
            problems.push(Problem::Number {
                name: name.to_owned(),
                raw,
                min,
                default,
            });
            default
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

/// Why `SPARK_CONNECT_CONF` cannot be used.
/// A setting that cannot be used as given: the kernel goes on with its default, and words
/// the problem where it matters (`%whoami`, `check`).
#[derive(Debug, Clone)]
pub enum Problem {
    /// Not a whole number of at least `min`: `default` is used.
    Number {
        name: String,
        raw: String,
        min: usize,
        default: usize,
    },
    /// `SPARK_CONNECT_PORT` is not a port number: the default port is used.
    Port { raw: String },
    /// `SPARK_CONNECT_USE_SSL` is not true or false: no TLS.
    UseSsl { raw: String },
    /// `SPARK_SQL_KERNEL_EXPLORER` is not on or off: the explorer is on.
    Explorer { raw: String },
    /// `SPARK_SQL_KERNEL_ACTIVITY_LOG` is not true or false: the activity log is off.
    ActivityLog { raw: String },
    /// `SPARK_SQL_KERNEL_RESULT_VIEWS` is not on or off: results become views.
    ResultViews { raw: String },
    /// `SPARK_CONNECT_CONF` cannot be read: it is ignored.
    Conf(std::sync::Arc<ConfError>),
    /// `SPARK_CONNECT_URL` does not start with `sc://`.
    UrlScheme,
    /// A proxy variable whose URL cannot be used: it is ignored.
    Proxy(IgnoredProxy),
}

/// Why `SPARK_CONNECT_CONF` cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    #[error("it is not JSON")]
    Json(#[source] serde_json::Error),
    #[error("it must be a JSON object such as {{\"spark.sql.shuffle.partitions\": \"8\"}}")]
    Object,
    #[error("the value of {0:?} must be a string")]
    Value(String),
}

/// A JSON object of strings (numbers and booleans are taken as their text).
fn parse_conf(raw: &str) -> Result<Vec<(String, String)>, ConfError> {
    let value: serde_json::Value = serde_json::from_str(raw).map_err(ConfError::Json)?;
    let object = value.as_object().ok_or(ConfError::Object)?;
    object
        .iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(s) => Ok((key.clone(), s.clone())),
            serde_json::Value::Number(n) => Ok((key.clone(), n.to_string())),
            serde_json::Value::Bool(b) => Ok((key.clone(), b.to_string())),
            _ => Err(ConfError::Value(key.clone())),
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
        assert_eq!(s.auth().url(), DEFAULT_AUTH_URL);
        let address = s.spark().address_for("alice_smith").unwrap();
        assert_eq!(address.to_string(), "sc://spark-connect-alice_smith:15002");
        assert_eq!(s.display().max_rows(), 100);
        assert_eq!(s.display().max_chars(), 100);
        assert_eq!(
            s.auth().token_file(),
            Some(&PathBuf::from("/home/alice/.berdl_kbase_session"))
        );
        assert!(s.auth().env_token().is_none(), "{:?}", s.auth().env_token());
        assert!(s.auth().url_token().is_none(), "{:?}", s.auth().url_token());
        assert_eq!(s.log(), "warn");
        assert!(s.problems().is_empty(), "{:?}", s.problems());
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
        assert_eq!(s.auth().env_token().unwrap().expose(), "TOKEN");
        let address = s.spark().address_for("u").unwrap();
        assert_eq!((address.port, address.use_ssl), (15002, false));
        assert_eq!(s.display().max_rows(), 25);
        assert_eq!(s.display().max_chars(), 0);
        assert_eq!(
            s.spark().conf(),
            vec![
                ("a".into(), "b".into()),
                ("spark.sql.shuffle.partitions".into(), "8".into())
            ]
        );
        assert_eq!(s.problems().len(), 2, "{:?}", s.problems());
        let s = settings(&[
            ("SPARK_CONNECT_CONF", "[1]"),
            ("SPARK_CONNECT_URL", "http://x"),
            ("SPARK_SQL_KERNEL_MAX_CHARS", "lots"),
        ]);
        assert_eq!(s.problems().len(), 3);
        assert_eq!(s.display().max_chars(), 100);
    }

    #[test]
    fn the_activity_log_names_nb_user_then_user() {
        assert_eq!(settings(&[]).activity_user(), None);
        let on = |vars: &[(&str, &str)]| settings(vars).activity_user().map(str::to_owned);
        let flag = ("SPARK_SQL_KERNEL_ACTIVITY_LOG", "1");
        assert_eq!(
            on(&[flag, ("NB_USER", "alice"), ("USER", "jovyan")]).as_deref(),
            Some("alice")
        );
        assert_eq!(on(&[flag, ("USER", "jovyan")]).as_deref(), Some("jovyan"));
        assert_eq!(
            on(&[("SPARK_SQL_KERNEL_ACTIVITY_LOG", "false"), ("USER", "x")]),
            None
        );
        let s = settings(&[("SPARK_SQL_KERNEL_ACTIVITY_LOG", "loud")]);
        assert_eq!((s.activity_user(), s.problems().len()), (None, 1));
    }

    #[test]
    fn the_url_is_parsed_once_and_its_token_goes_to_the_auth_settings() {
        let s = settings(&[
            (
                "SPARK_CONNECT_URL",
                "sc://spark.example:443/;use_ssl=true;x-kbase-token=SECRETX",
            ),
            ("SPARK_CONNECT_HOST_TEMPLATE", "ignored-{username}"),
        ]);
        let address = s.spark().address_for("alice").unwrap();
        assert_eq!(address.to_string(), "sc://spark.example:443/;use_ssl=true");
        assert_eq!(s.auth().url_token().unwrap().expose(), "SECRETX");
        let shown = format!("{s:?}");
        assert!(!shown.contains("SECRETX"), "{shown}");
        let s = settings(&[("SPARK_CONNECT_URL", "sc://host:port")]);
        assert!(
            s.spark().address_for("alice").is_err(),
            "{:?}",
            s.spark().address_for("alice")
        );
        let s = settings(&[
            ("SPARK_CONNECT_HOST_TEMPLATE", "jupyter-{username_k8s}.ns"),
            ("SPARK_CONNECT_USE_SSL", "true"),
        ]);
        let address = s.spark().address_for("Alice_Smith").unwrap();
        assert_eq!(address.endpoint(), "https://jupyter-alice-smith.ns:15002");
    }
}
