//! How the client's TCP connections are made: straight to the host, or through the proxy the
//! settings chose ([`crate::Route`]): an HTTP `CONNECT` tunnel or SOCKS5. Spark
//! Connect's gRPC channel connects through [`connector`]; an HTTP client with proxy support of
//! its own (reqwest) can ask [`open`] what a failing proxy answers.
//!
//! Returns typed facts: [`ConnectFault`] (which hop failed and what it answered) and
//! [`ProxyTrouble`] (what kind of trouble a proxy gave). Must not: word advice for users (the
//! caller does), run TLS (tonic and reqwest run it inside the tunnel, to the server's name), or
//! show a proxy's credentials.

mod tunnel;

mod trouble;

pub use trouble::ProxyTrouble;
pub use tunnel::{connector, open, ConnectFault, Connector, ProxyAt};
