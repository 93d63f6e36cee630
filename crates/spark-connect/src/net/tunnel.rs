//! Opening one TCP stream to `host:port` along a route: directly, through an HTTP proxy's
//! `CONNECT` (RFC 9110 §9.3.6, with `Proxy-Authorization: Basic` when the proxy URL has
//! credentials), or through SOCKS5 (tokio-socks; `socks5h` lets the proxy resolve the name).
//! Every step has a time limit, so a silent proxy is a fault within seconds.
//! Must not: run TLS or speak gRPC (the channel does), or show a proxy's credentials.

use std::io;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::proxy::{Hop, ProxyKind, Route};

/// How long the proxy may take to answer a tunnel request (it connects onwards meanwhile,
/// possibly through an SSH tunnel).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest answer to `CONNECT` read (its status line and headers).
const MAX_ANSWER: usize = 16 * 1024;

/// The proxy a fault is about: its URL without credentials, and the variable that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAt {
    pub url: String,
    pub variable: &'static str,
}

impl ProxyAt {
    fn of(hop: &Hop) -> ProxyAt {
        ProxyAt {
            url: hop.to_string(),
            variable: hop.variable,
        }
    }
}

impl std::fmt::Display for ProxyAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// Why a stream could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectFault {
    /// Straight to the host, the connection failed (refused, no route, no such name, …).
    #[error("{source}")]
    Direct {
        #[source]
        source: io::Error,
    },
    /// Straight to the host, nothing answered within the time limit.
    #[error("no answer within {} s", .seconds)]
    DirectTimeout { seconds: u64 },
    /// The proxy itself cannot be reached (nothing listens there: the tunnel or bridge is down).
    #[error("nothing answers at its address ({source})")]
    ProxyDown {
        proxy: ProxyAt,
        #[source]
        source: io::Error,
    },
    /// The proxy accepted the connection but did not answer the tunnel request in time.
    #[error("it accepted the connection but did not answer within {seconds} s")]
    ProxySilent { proxy: ProxyAt, seconds: u64 },
    /// The proxy answered `CONNECT` with another status than 200 (407: credentials).
    #[error("it answered {status} {reason}")]
    ProxyAnswered {
        proxy: ProxyAt,
        status: u16,
        reason: String,
    },
    /// The proxy closed the connection without an answer: it could not reach the host.
    #[error("it closed the connection without answering (it could not reach the server)")]
    ProxyClosed { proxy: ProxyAt },
    /// The proxy's answer was not HTTP.
    #[error("its answer is not HTTP")]
    ProxyGarbled { proxy: ProxyAt },
    /// The SOCKS5 proxy refused the credentials (or wanted some and none were given).
    #[error("it refused the credentials ({reason})")]
    SocksCredentials { proxy: ProxyAt, reason: String },
    /// The SOCKS5 proxy could not connect onwards (its reply code, as text).
    #[error("it could not connect onwards ({reason})")]
    SocksRefused { proxy: ProxyAt, reason: String },
    /// The name could not be resolved here (for `socks5://`, which resolves before asking).
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        #[source]
        source: io::Error,
    },
}

impl ConnectFault {
    /// The proxy that failed, when the fault is a proxy's.
    pub fn proxy(&self) -> Option<&ProxyAt> {
        match self {
            ConnectFault::ProxyDown { proxy, .. }
            | ConnectFault::ProxySilent { proxy, .. }
            | ConnectFault::ProxyAnswered { proxy, .. }
            | ConnectFault::ProxyClosed { proxy }
            | ConnectFault::ProxyGarbled { proxy }
            | ConnectFault::SocksCredentials { proxy, .. }
            | ConnectFault::SocksRefused { proxy, .. } => Some(proxy),
            ConnectFault::Direct { .. }
            | ConnectFault::DirectTimeout { .. }
            | ConnectFault::Resolve { .. } => None,
        }
    }

    /// Straight to the host, the connection was refused: nothing listens there (yet).
    pub fn is_refused(&self) -> bool {
        matches!(self, ConnectFault::Direct { source } if source.kind() == io::ErrorKind::ConnectionRefused)
    }
}

/// Opens a stream to `host:port` along `route`; `timeout` bounds the first connection.
pub async fn open(
    route: &Route,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<TcpStream, ConnectFault> {
    let host = host.trim_matches(['[', ']']);
    let hop = match route {
        Route::Direct(_) => {
            let stream = match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await
            {
                Ok(connected) => connected.map_err(|source| ConnectFault::Direct { source })?,
                Err(_) => {
                    return Err(ConnectFault::DirectTimeout {
                        seconds: timeout.as_secs(),
                    })
                }
            };
            return Ok(tuned(stream));
        }
        Route::Proxy(hop) => hop,
    };
    let proxy = ProxyAt::of(hop);
    let reach = TcpStream::connect((hop.host.as_str(), hop.port));
    let stream = match tokio::time::timeout(timeout, reach).await {
        Ok(Ok(stream)) => tuned(stream),
        Ok(Err(source)) => return Err(ConnectFault::ProxyDown { proxy, source }),
        Err(_) => {
            let source = io::Error::new(io::ErrorKind::TimedOut, "no answer in time");
            return Err(ConnectFault::ProxyDown { proxy, source });
        }
    };
    let through = async {
        match hop.kind {
            ProxyKind::Http => http_connect(stream, hop, host, port).await,
            ProxyKind::Socks5 | ProxyKind::Socks5h => socks5(stream, hop, host, port).await,
        }
    };
    match tokio::time::timeout(ANSWER_TIMEOUT, through).await {
        Ok(outcome) => outcome,
        Err(_) => Err(ConnectFault::ProxySilent {
            proxy,
            seconds: ANSWER_TIMEOUT.as_secs(),
        }),
    }
}

/// No Nagle delay (gRPC's small frames), and TCP keepalive so a dead peer is noticed.
fn tuned(stream: TcpStream) -> TcpStream {
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new().with_time(Duration::from_secs(30));
    let _ = socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive);
    stream
}

/// `CONNECT host:port` and its answer: the stream is the tunnel once the proxy says 200.
async fn http_connect(
    mut stream: TcpStream,
    hop: &Hop,
    host: &str,
    port: u16,
) -> Result<TcpStream, ConnectFault> {
    let proxy = ProxyAt::of(hop);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n").into_bytes();
    if let Some(auth) = hop.basic_auth() {
        request.extend_from_slice(b"Proxy-Authorization: ");
        request.extend_from_slice(auth.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    let lost = |source: io::Error| ConnectFault::ProxyDown {
        proxy: proxy.clone(),
        source,
    };
    stream.write_all(&request).await.map_err(lost)?;
    let mut answer = Vec::with_capacity(256);
    let mut chunk = [0u8; 1024];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.map_err(lost)?;
        if n == 0 {
            return Err(ConnectFault::ProxyClosed { proxy });
        }
        answer.extend_from_slice(&chunk[..n]);
        if answer.len() > MAX_ANSWER {
            return Err(ConnectFault::ProxyGarbled { proxy });
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(&answer) {
        Ok(httparse::Status::Complete(_)) if response.code == Some(200) => Ok(stream),
        Ok(httparse::Status::Complete(_)) => Err(ConnectFault::ProxyAnswered {
            proxy,
            status: response.code.unwrap_or_default(),
            reason: response.reason.unwrap_or_default().to_owned(),
        }),
        _ => Err(ConnectFault::ProxyGarbled { proxy }),
    }
}

/// The SOCKS5 handshake (RFC 1928, user/password per RFC 1929 when the URL has them).
async fn socks5(
    stream: TcpStream,
    hop: &Hop,
    host: &str,
    port: u16,
) -> Result<TcpStream, ConnectFault> {
    use tokio_socks::tcp::Socks5Stream;
    use tokio_socks::TargetAddr;
    let proxy = ProxyAt::of(hop);
    let target: TargetAddr<'static> = match (hop.kind, host.parse::<std::net::IpAddr>()) {
        (_, Ok(ip)) => TargetAddr::Ip((ip, port).into()),
        (ProxyKind::Socks5h, Err(_)) => TargetAddr::Domain(host.to_owned().into(), port),
        (_, Err(_)) => {
            let resolve = |source| ConnectFault::Resolve {
                host: host.to_owned(),
                source,
            };
            let mut found = tokio::net::lookup_host((host, port))
                .await
                .map_err(resolve)?;
            let addr = found
                .next()
                .ok_or_else(|| resolve(io::Error::new(io::ErrorKind::NotFound, "no address")))?;
            TargetAddr::Ip(addr)
        }
    };
    let connected = match hop.socks_auth() {
        Some((user, pass)) => {
            Socks5Stream::connect_with_password_and_socket(stream, target, user, pass).await
        }
        None => Socks5Stream::connect_with_socket(stream, target).await,
    };
    connected
        .map(Socks5Stream::into_inner)
        .map_err(|e| socks_fault(proxy, e))
}

fn socks_fault(proxy: ProxyAt, error: tokio_socks::Error) -> ConnectFault {
    use tokio_socks::Error;
    match error {
        Error::Io(source) if source.kind() == io::ErrorKind::UnexpectedEof => {
            ConnectFault::ProxyClosed { proxy }
        }
        Error::Io(source) => ConnectFault::ProxyDown { proxy, source },
        Error::PasswordAuthFailure(_)
        | Error::NoAcceptableAuthMethods
        | Error::AuthorizationRequired => ConnectFault::SocksCredentials {
            proxy,
            reason: error.to_string(),
        },
        other => ConnectFault::SocksRefused {
            proxy,
            reason: other.to_string(),
        },
    }
}

/// The connection maker of a gRPC channel: each new connection goes along `route`.
pub type Connector = tower::util::BoxCloneSyncService<http::Uri, TokioIo<TcpStream>, ConnectFault>;

/// A connection maker for tonic's `Endpoint::connect_with_connector_lazy`: the endpoint's URI
/// names the host and port; TLS, when set, runs inside the stream this returns.
pub fn connector(route: Route, timeout: Duration) -> Connector {
    tower::util::BoxCloneSyncService::new(tower::service_fn(move |uri: http::Uri| {
        let route = route.clone();
        async move {
            let host = uri.host().unwrap_or_default().to_owned();
            let default_port = if uri.scheme_str() == Some("https") {
                443
            } else {
                80
            };
            let port = uri.port_u16().unwrap_or(default_port);
            // Boxed: the handshakes' futures are large, and connections are made inside
            // tonic's and hyper's own deep futures.
            Box::pin(open(&route, &host, port, timeout))
                .await
                .map(TokioIo::new)
        }
    }))
}
