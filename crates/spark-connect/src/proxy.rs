//! The proxy settings, read as gRPC's own clients read them, and the one decision of how a
//! connection to a host goes: straight, or through which proxy. Both Spark Connect and Auth2
//! ask [`ProxySettings::route`]; nothing else reads a proxy variable.
//!
//! The proxy is `grpc_proxy`, else `https_proxy`/`HTTPS_PROXY`, else `http_proxy`/`HTTP_PROXY`
//! (the first one set wins, as in gRPC's C core); the exceptions are `no_grpc_proxy`, else
//! `no_proxy`/`NO_PROXY` (hosts, domain suffixes, IP addresses, CIDR blocks, `*`), matched by
//! hyper-util's matcher (the one reqwest uses). Owns no connection: `net` opens them. Never
//! shows a proxy's credentials: [`Hop`] prints `scheme://host:port` only.
//! Must not: open connections (`net` does) or show a proxy's credentials.

use std::fmt;

use hyper_util::client::proxy::matcher::{Intercept, Matcher};

/// Where the proxy may come from, in the order gRPC's clients read them.
const PROXY_VARS: [&str; 5] = [
    "grpc_proxy",
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
];
/// Where the exceptions may come from.
const NO_PROXY_VARS: [&str; 3] = ["no_grpc_proxy", "no_proxy", "NO_PROXY"];

/// The protocol a proxy speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP proxy: the tunnel is `CONNECT host:port`.
    Http,
    /// SOCKS5, the name resolved here.
    Socks5,
    /// SOCKS5, the name resolved by the proxy (`socks5h://`, as `ssh -D` expects).
    Socks5h,
}

/// A proxy to go through: where it is, what it speaks, its credentials (never shown).
#[derive(Clone)]
pub struct Hop {
    pub kind: ProxyKind,
    pub host: String,
    pub port: u16,
    /// The variable it came from (`grpc_proxy`, …).
    pub variable: &'static str,
    intercept: Intercept,
}

impl Hop {
    /// `Proxy-Authorization: Basic …` for an HTTP proxy with credentials in its URL.
    pub fn basic_auth(&self) -> Option<&http::HeaderValue> {
        self.intercept.basic_auth()
    }
    /// The user name and password of a SOCKS5 proxy's URL.
    pub fn socks_auth(&self) -> Option<(&str, &str)> {
        self.intercept.raw_auth()
    }
    /// Whether the URL carried credentials.
    pub fn has_credentials(&self) -> bool {
        self.basic_auth().is_some() || self.socks_auth().is_some()
    }
    /// The proxy's URL as reqwest takes it (credentials included: never shown).
    pub fn url_with_credentials(&self) -> String {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        };
        match self.socks_auth() {
            Some((user, pass)) => format!(
                "{scheme}://{}:{}@{}:{}",
                escaped(user),
                escaped(pass),
                self.host,
                self.port
            ),
            None => format!("{scheme}://{}:{}", self.host, self.port),
        }
    }
}

/// A user name or password as a URL's userinfo holds it (RFC 3986: unreserved bytes as they
/// are, every other byte percent-encoded), so that `@`, `:` or `/` in a password survive.
fn escaped(part: &str) -> String {
    part.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl fmt::Display for Hop {
    /// `http://127.0.0.1:8123`: never the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hop({self} from {})", self.variable)
    }
}

/// How a connection to one host goes.
#[derive(Debug, Clone)]
pub enum Route {
    /// Straight to the host.
    Direct(Direct),
    /// Through a proxy.
    Proxy(Hop),
}

/// Why a connection goes straight to its host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direct {
    /// No proxy variable is set.
    NoProxySet,
    /// The host is among the exceptions of `variable`.
    Excepted { variable: &'static str },
}

/// The proxy variables, read once.
#[derive(Clone, Default)]
pub struct ProxySettings {
    proxy: Option<(&'static str, String)>,
    no_proxy: Option<(&'static str, String)>,
}

impl fmt::Debug for ProxySettings {
    /// The variables' names only: a proxy URL may hold credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySettings")
            .field("proxy", &self.proxy.as_ref().map(|(name, _)| name))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxySettings {
    /// Reads the variables through `get`; an unusable proxy URL is ignored, and said so in
    /// what is returned.
    pub fn read(get: &impl Fn(&str) -> Option<String>) -> ProxyVars {
        let first = |names: &[&'static str]| {
            names
                .iter()
                .find_map(|name| get(name).map(|value| (*name, value)))
        };
        let mut proxy = first(&PROXY_VARS);
        let mut ignored = None;
        if let Some((variable, value)) = &proxy {
            if let Err(reason) = check_url(value) {
                ignored = Some(IgnoredProxy { variable, reason });
                proxy = None;
            }
        }
        ProxyVars {
            settings: ProxySettings {
                proxy,
                no_proxy: first(&NO_PROXY_VARS),
            },
            ignored,
        }
    }

    /// Settings with no proxy at all (tests, and tools that must go straight).
    pub fn none() -> ProxySettings {
        ProxySettings::default()
    }

    /// How a connection to `host` goes.
    pub fn route(&self, host: &str) -> Route {
        let Some((variable, url)) = &self.proxy else {
            return Route::Direct(Direct::NoProxySet);
        };
        let no = self.no_proxy.as_ref().map_or("", |(_, v)| v.as_str());
        let matcher = Matcher::builder().all(url.clone()).no(no).build();
        let target = format!("http://{}/", bracketed(host));
        let intercept = target
            .parse::<http::Uri>()
            .ok()
            .and_then(|uri| matcher.intercept(&uri));
        match intercept.and_then(|i| hop(i, variable)) {
            Some(hop) => Route::Proxy(hop),
            None => Route::Direct(Direct::Excepted {
                variable: self.no_proxy.as_ref().map_or("no_proxy", |(name, _)| name),
            }),
        }
    }
}

/// An IPv6 address in brackets, as a URL's host needs it.
fn bracketed(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

fn hop(intercept: Intercept, variable: &'static str) -> Option<Hop> {
    let uri = intercept.uri();
    let kind = match uri.scheme_str() {
        Some("http") => ProxyKind::Http,
        Some("socks5") => ProxyKind::Socks5,
        Some("socks5h") => ProxyKind::Socks5h,
        _ => return None,
    };
    let host = uri.host()?.trim_matches(['[', ']']).to_owned();
    let port = uri.port_u16().unwrap_or(match kind {
        ProxyKind::Http => 80,
        ProxyKind::Socks5 | ProxyKind::Socks5h => 1080,
    });
    Some(Hop {
        kind,
        host,
        port,
        variable,
        intercept,
    })
}

/// The proxy variables as read: the settings, and the proxy variable ignored, if one was.
#[derive(Debug, Clone)]
pub struct ProxyVars {
    pub settings: ProxySettings,
    pub ignored: Option<IgnoredProxy>,
}

/// A proxy variable whose URL cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredProxy {
    pub variable: &'static str,
    pub reason: UnusableUrl,
}

/// Why a proxy URL cannot be used. Never holds the URL itself, which may hold credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnusableUrl {
    #[error("it is not a URL such as http://127.0.0.1:8123")]
    NotAUrl,
    #[error("a proxy spoken to over TLS (https://) is not supported")]
    Https,
    #[error("the scheme {0}:// is not supported")]
    Scheme(String),
    #[error("it names no host")]
    NoHost,
}

/// Whether `url` is a proxy the client can use.
fn check_url(url: &str) -> Result<(), UnusableUrl> {
    let uri = url.parse::<http::Uri>().map_err(|_| UnusableUrl::NotAUrl)?;
    match uri.scheme_str() {
        None | Some("http" | "socks5" | "socks5h") => {}
        Some("https") => return Err(UnusableUrl::Https),
        Some(other) => return Err(UnusableUrl::Scheme(other.to_owned())),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(UnusableUrl::NoHost);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(vars: &[(&str, &str)]) -> (ProxySettings, Option<IgnoredProxy>) {
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        let read = ProxySettings::read(&get);
        (read.settings, read.ignored)
    }

    fn via(settings: &ProxySettings, host: &str) -> Option<String> {
        match settings.route(host) {
            Route::Proxy(hop) => Some(format!("{hop} ({})", hop.variable)),
            Route::Direct(_) => None,
        }
    }

    #[test]
    fn grpc_proxy_wins_then_https_then_http() {
        let (s, _) = proxies(&[
            ("http_proxy", "http://h:1"),
            ("https_proxy", "http://s:2"),
            ("grpc_proxy", "http://g:3"),
        ]);
        assert_eq!(via(&s, "spark").as_deref(), Some("http://g:3 (grpc_proxy)"));
        let (s, _) = proxies(&[("http_proxy", "http://h:1"), ("HTTPS_PROXY", "http://s:2")]);
        assert_eq!(
            via(&s, "spark").as_deref(),
            Some("http://s:2 (HTTPS_PROXY)")
        );
        let (s, _) = proxies(&[("HTTP_PROXY", "h:8123")]);
        assert_eq!(
            via(&s, "spark").as_deref(),
            Some("http://h:8123 (HTTP_PROXY)")
        );
        let (s, _) = proxies(&[]);
        assert!(
            matches!(s.route("spark"), Route::Direct(Direct::NoProxySet)),
            "{:?}",
            s.route("spark")
        );
    }

    #[test]
    fn no_proxy_takes_hosts_suffixes_addresses_ranges_and_star() {
        let (s, _) = proxies(&[
            ("grpc_proxy", "http://p:8123"),
            (
                "no_proxy",
                "localhost, .svc.cluster.local,10.1.2.3,192.168.0.0/16",
            ),
        ]);
        for host in [
            "localhost",
            "spark.ns.svc.cluster.local",
            "10.1.2.3",
            "192.168.40.7",
        ] {
            assert!(
                matches!(
                    s.route(host),
                    Route::Direct(Direct::Excepted {
                        variable: "no_proxy"
                    })
                ),
                "{host}"
            );
        }
        for host in ["spark.berdl.kbase.us", "10.1.2.4", "notlocalhost.org"] {
            assert!(via(&s, host).is_some(), "{host}");
        }
        let (s, _) = proxies(&[("grpc_proxy", "http://p:8123"), ("NO_PROXY", "*")]);
        assert!(via(&s, "anything").is_none(), "{:?}", via(&s, "anything"));
        let (s, _) = proxies(&[
            ("grpc_proxy", "http://p:8123"),
            ("no_grpc_proxy", "a.org"),
            ("no_proxy", "b.org"),
        ]);
        assert_eq!((via(&s, "a.org"), via(&s, "b.org").is_some()), (None, true));
    }

    #[test]
    fn credentials_are_used_never_shown() {
        let (s, ignored) = proxies(&[("grpc_proxy", "http://alice:s3cret@p:8123")]);
        assert_eq!(ignored, None, "a proxy with credentials is usable");
        let Route::Proxy(hop) = s.route("spark") else {
            panic!("not proxied")
        };
        assert_eq!(
            hop.basic_auth().map(|v| v.to_str().unwrap_or_default()),
            Some("Basic YWxpY2U6czNjcmV0")
        );
        assert_eq!(hop.to_string(), "http://p:8123");
        let shown = format!("{hop:?} {s:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        let (s, _) = proxies(&[("grpc_proxy", "socks5h://bob:pw@127.0.0.1:1338")]);
        let Route::Proxy(hop) = s.route("spark.berdl.kbase.us") else {
            panic!("not proxied")
        };
        let (s, _) = proxies(&[("grpc_proxy", "socks5h://bob:p%40ss%3Aw@h:1338")]);
        let Route::Proxy(odd) = s.route("spark") else {
            panic!("not proxied")
        };
        assert_eq!(odd.socks_auth(), Some(("bob", "p@ss:w")));
        assert_eq!(
            odd.url_with_credentials(),
            "socks5h://bob:p%40ss%3Aw@h:1338"
        );
        assert_eq!(
            (hop.kind, hop.socks_auth(), hop.to_string().as_str()),
            (
                ProxyKind::Socks5h,
                Some(("bob", "pw")),
                "socks5h://127.0.0.1:1338"
            )
        );
    }

    #[test]
    fn an_unusable_proxy_is_ignored_and_said_so_without_its_credentials() {
        let (s, ignored) = proxies(&[("https_proxy", "ftp://carol:hidden@p:21")]);
        assert!(via(&s, "spark").is_none(), "an ignored proxy is not used");
        let expected = IgnoredProxy {
            variable: "https_proxy",
            reason: UnusableUrl::Scheme("ftp".to_owned()),
        };
        assert_eq!(ignored.as_ref(), Some(&expected));
        assert!(!format!("{ignored:?}").contains("hidden"), "{ignored:?}");
        let (_, ignored) = proxies(&[("grpc_proxy", "https://p:443")]);
        assert_eq!(ignored.map(|i| i.reason), Some(UnusableUrl::Https));
    }
}
