//! The hops between the kernel and its services, for `%whoami` and `check`: how Auth2 and
//! Spark Connect are reached (straight, and why; or through which proxy, and what the proxy
//! answers for a tunnel now), and whether TLS guards the Spark connection. Must not: change
//! any connection (a probe's tunnel is closed at once).

use std::time::{Duration, Instant};

use crate::config::{Address, Direct, ProxySettings, Route};

/// How long a probe of a proxy may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The rows: `Auth2 route`, `Spark route` and `TLS` (the last two once the address is known).
pub(super) async fn rows(
    proxies: &ProxySettings,
    auth_url: &str,
    spark: Option<&Address>,
) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    if let Some((host, port)) = host_port(auth_url) {
        rows.push(("Auth2 route".to_owned(), route(proxies, &host, port).await));
    }
    if let Some(address) = spark {
        let text = route(proxies, &address.host, address.port).await;
        rows.push(("Spark route".to_owned(), text));
        let tls = if address.use_ssl {
            format!(
                "on: the server's certificate must name {} (system roots, or SSL_CERT_FILE)",
                address.host
            )
        } else {
            "off (plaintext gRPC; ;use_ssl=true or SPARK_CONNECT_USE_SSL turns it on)".to_owned()
        };
        rows.push(("TLS".to_owned(), tls));
    }
    rows
}

/// `host` and `port` of a URL (the scheme's port when it names none).
fn host_port(url: &str) -> Option<(String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    Some((
        parsed.host_str()?.to_owned(),
        parsed.port_or_known_default()?,
    ))
}

/// How `host:port` is reached, and for a proxy what it answers now.
async fn route(proxies: &ProxySettings, host: &str, port: u16) -> String {
    match proxies.route(host) {
        Route::Direct(Direct::NoProxySet) => "direct (no proxy variable is set)".to_owned(),
        Route::Direct(Direct::Excepted { variable }) => {
            format!("direct ({host} is excepted by {variable})")
        }
        Route::Proxy(hop) => {
            let started = Instant::now();
            let route = Route::Proxy(hop.clone());
            let answer = match crate::net::open(&route, host, port, PROBE_TIMEOUT).await {
                Ok(_) => format!(
                    "tunnel to {host}:{port} opened in {} ms",
                    started.elapsed().as_millis()
                ),
                Err(fault) => format!("tunnel to {host}:{port} failed: {fault}"),
            };
            format!("proxy {hop} (from {}): {answer}", hop.variable)
        }
    }
}
