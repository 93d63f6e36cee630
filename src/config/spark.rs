//! The Spark part of the settings: where the user's server is (the `sc://` URL parsed once, or
//! the host template), TLS, the application name, `SPARK_CONNECT_CONF`, and the command that
//! starts a server that is not running.
//! Must not: connect anywhere, or read the environment other than through `get`.

use std::path::PathBuf;
use std::time::Duration;

use spark_connect::{Address, BearerToken, ProxySettings};

use super::address::{self, AddressError};
use super::{number, parse_bool, parse_conf, DEFAULT_HOST_TEMPLATE, DEFAULT_PORT};

/// Seconds to wait for the server the start command launches.
pub const DEFAULT_START_TIMEOUT: usize = 120;
/// Seconds of silence from the server after which a call is given up.
pub const DEFAULT_STALL_TIMEOUT: usize = 60;
/// Seconds a cell waits for a server that is still starting (BERDL's proxy needs up to about
/// 45 s after a pod restart, on top of the server's own start).
pub const DEFAULT_WAIT_TIMEOUT: usize = 120;

/// How the user's Spark Connect server is found.
#[derive(Debug, Clone)]
enum Target {
    /// `SPARK_CONNECT_URL`, parsed once (an unreadable URL is reported at each connect).
    Url(Result<Address, AddressError>),
    /// `SPARK_CONNECT_HOST_TEMPLATE` and `SPARK_CONNECT_PORT`.
    Template { template: String, port: u16 },
}

/// Where and how to talk to Spark Connect.
#[derive(Debug, Clone)]
pub struct SparkSettings {
    target: Target,
    use_ssl: bool,
    app_name: Option<String>,
    conf: Vec<(String, String)>,
    start: Option<StartSettings>,
    stall: Duration,
    wait: Duration,
    /// Filled in by [`super::Settings`]: the one reading of the proxy variables.
    pub(super) proxy: ProxySettings,
}

/// `SPARK_CONNECT_START_COMMAND` and what goes with it.
#[derive(Debug, Clone)]
pub struct StartSettings {
    command: String,
    timeout: Duration,
    lock_dir: PathBuf,
}

impl StartSettings {
    /// What `sh -c` runs when the address refuses connections.
    pub fn command(&self) -> &str {
        &self.command
    }
    /// `SPARK_CONNECT_START_TIMEOUT`: how long to wait for the server to answer.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// Where the lock that lets one kernel at a time run the command lives: Jupyter's
    /// runtime directory (beside the kernels' connection files).
    pub fn lock_file(&self) -> PathBuf {
        self.lock_dir.join("spark-sql-kernel-start.lock")
    }
}

impl SparkSettings {
    /// The address of `user`'s server: `SPARK_CONNECT_URL` if set, else the host template.
    pub fn address_for(&self, user: &str) -> Result<Address, AddressError> {
        match &self.target {
            Target::Url(Ok(address)) => {
                let mut address = address.clone();
                address.use_ssl |= self.use_ssl;
                Ok(address)
            }
            Target::Url(Err(e)) => Err(e.clone()),
            Target::Template { template, port } => {
                address::from_template(template, *port, self.use_ssl, user)
            }
        }
    }
    /// `SPARK_APP_NAME`.
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }
    /// `SPARK_CONNECT_CONF`, in the order given.
    pub fn conf(&self) -> &[(String, String)] {
        &self.conf
    }
    /// The command that starts the server, when set.
    pub fn start(&self) -> Option<&StartSettings> {
        self.start.as_ref()
    }
    /// `SPARK_CONNECT_STALL_TIMEOUT`: how long the server may say nothing during a call
    /// (Spark reports progress every 2 s while it works) before the call is given up.
    pub fn stall_timeout(&self) -> Duration {
        self.stall
    }
    /// `SPARK_CONNECT_WAIT_TIMEOUT`: how long a cell waits for a server that is still
    /// starting (zero: not at all).
    pub fn wait_timeout(&self) -> Duration {
        self.wait
    }
    /// How connections to Spark Connect go (`grpc_proxy`, `no_proxy`, …).
    pub fn proxy(&self) -> &ProxySettings {
        &self.proxy
    }
}

/// The Spark part of the settings as read, and the token of `SPARK_CONNECT_URL` if it has one
/// (for the auth part).
pub(super) struct SparkRead {
    pub settings: SparkSettings,
    pub url_token: Option<BearerToken>,
}

/// The Spark part of the settings, and the token of `SPARK_CONNECT_URL` if it has one.
pub(super) fn settings(
    get: &impl Fn(&str) -> Option<String>,
    path: &impl Fn(&str) -> Option<PathBuf>,
    problems: &mut Vec<super::Problem>,
) -> SparkRead {
    let port = match get("SPARK_CONNECT_PORT") {
        None => DEFAULT_PORT,
        Some(raw) => match raw.parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => {
                problems.push(super::Problem::Port { raw });
                DEFAULT_PORT
            }
        },
    };
    let use_ssl = match get("SPARK_CONNECT_USE_SSL") {
        None => false,
        Some(raw) => parse_bool(&raw).unwrap_or_else(|| {
            problems.push(super::Problem::UseSsl { raw: raw.clone() });
            false
        }),
    };
    let conf = match get("SPARK_CONNECT_CONF") {
        None => Vec::new(),
        Some(raw) => parse_conf(&raw).unwrap_or_else(|reason| {
            problems.push(super::Problem::Conf(std::sync::Arc::new(reason)));
            Vec::new()
        }),
    };
    let mut url_token = None;
    let target = match get("SPARK_CONNECT_URL") {
        Some(url) => {
            if !url.starts_with("sc://") {
                problems.push(super::Problem::UrlScheme);
            }
            Target::Url(address::parse_sc_url(&url, port).map(|parsed| {
                url_token = parsed.token;
                parsed.address
            }))
        }
        None => Target::Template {
            template: get("SPARK_CONNECT_HOST_TEMPLATE")
                .unwrap_or_else(|| DEFAULT_HOST_TEMPLATE.to_owned()),
            port,
        },
    };
    let start = get("SPARK_CONNECT_START_COMMAND").map(|command| StartSettings {
        command,
        timeout: Duration::from_secs(number(
            get,
            "SPARK_CONNECT_START_TIMEOUT",
            DEFAULT_START_TIMEOUT,
            1,
            problems,
        ) as u64),
        lock_dir: runtime_dir(path),
    });
    let stall = number(
        get,
        "SPARK_CONNECT_STALL_TIMEOUT",
        DEFAULT_STALL_TIMEOUT,
        1,
        problems,
    );
    let wait = number(
        get,
        "SPARK_CONNECT_WAIT_TIMEOUT",
        DEFAULT_WAIT_TIMEOUT,
        0,
        problems,
    );
    let spark = SparkSettings {
        target,
        use_ssl,
        app_name: get("SPARK_APP_NAME"),
        conf,
        start,
        stall: Duration::from_secs(stall as u64),
        wait: Duration::from_secs(wait as u64),
        proxy: ProxySettings::none(),
    };
    SparkRead {
        settings: spark,
        url_token,
    }
}

/// Jupyter's runtime directory: `JUPYTER_RUNTIME_DIR`, else under `XDG_RUNTIME_DIR`, else
/// `~/.local/share/jupyter/runtime` (as jupyter_core finds it on Linux), else the temp dir.
fn runtime_dir(path: &impl Fn(&str) -> Option<PathBuf>) -> PathBuf {
    path("JUPYTER_RUNTIME_DIR")
        .or_else(|| path("XDG_RUNTIME_DIR").map(|d| d.join("jupyter")))
        .or_else(|| path("HOME").map(|h| h.join(".local/share/jupyter/runtime")))
        .unwrap_or_else(std::env::temp_dir)
}
