//! The hops between the kernel and its services, for `%whoami` and `check`: how Auth2 and
//! Spark Connect are reached (straight, and why; or through which proxy, and whether the proxy
//! opens a tunnel now). Typed facts; the kernel words them. Must not: change any connection
//! (a probe's tunnel is closed at once).

use std::time::{Duration, Instant};

use spark_connect::ConnectFault;
use spark_connect::{Address, Direct, Hop, ProxySettings, Route};

/// How long a probe of a proxy may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// How each service is reached.
#[derive(Debug)]
pub struct Hops {
    /// KBase Auth2 (unknown when its URL names no host).
    pub auth2: Option<Reach>,
    /// Spark Connect, once its address is known.
    pub spark: Option<Reach>,
}

/// How one `host:port` is reached.
#[derive(Debug)]
pub struct Reach {
    pub host: String,
    pub port: u16,
    pub route: Reached,
}

/// Straight (and why), or through a proxy and what it did with a tunnel just now.
#[derive(Debug)]
pub enum Reached {
    Direct(Direct),
    Proxy(Box<Tunnel>),
}

/// A proxy, and how long a tunnel through it took to open just now, or why it did not.
#[derive(Debug)]
pub struct Tunnel {
    pub hop: Hop,
    pub opened: Result<Duration, ConnectFault>,
}

/// Probes the route to Auth2 (at `auth_url`) and to the Spark server (at `spark`).
pub(super) async fn probe(
    proxies: &ProxySettings,
    auth_url: &str,
    spark: Option<&Address>,
) -> Hops {
    let auth2 = match host_port(auth_url) {
        Some((host, port)) => Some(reach(proxies, host, port).await),
        None => None,
    };
    let spark = match spark {
        Some(address) => Some(reach(proxies, address.host.clone(), address.port).await),
        None => None,
    };
    Hops { auth2, spark }
}

/// `host` and `port` of a URL (the scheme's port when it names none).
fn host_port(url: &str) -> Option<(String, u16)> {
    let parsed = reqwest::Url::parse(url).ok()?;
    Some((
        parsed.host_str()?.to_owned(),
        parsed.port_or_known_default()?,
    ))
}

/// How `host:port` is reached, and for a proxy whether it opens a tunnel now.
async fn reach(proxies: &ProxySettings, host: String, port: u16) -> Reach {
    let route = match proxies.route(&host) {
        Route::Direct(why) => Reached::Direct(why),
        Route::Proxy(hop) => {
            let started = Instant::now();
            let route = Route::Proxy(hop.clone());
            let opened = spark_connect::open(&route, &host, port, PROBE_TIMEOUT)
                .await
                .map(|_| started.elapsed());
            Reached::Proxy(Box::new(Tunnel { hop, opened }))
        }
    };
    Reach { host, port, route }
}
