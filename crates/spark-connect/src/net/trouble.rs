//! What kind of trouble a proxy gave (callers word what to check about it).
//! Must not: word advice (callers do).

use super::ConnectFault;

/// Why a proxy did not lead to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyTrouble {
    /// Nothing answers at the proxy's address.
    Down,
    /// The proxy refused the credentials (HTTP 407, a SOCKS5 authentication failure).
    Credentials,
    /// The proxy could not reach the server (502/503, a closed tunnel, a SOCKS5 refusal).
    CannotReach,
    /// The proxy accepted the connection and then said nothing.
    Silent,
}

impl ConnectFault {
    /// The kind of trouble, for a proxy's fault (a direct fault is [`ProxyTrouble::Down`] too,
    /// but is never asked).
    pub fn trouble(&self) -> ProxyTrouble {
        match self {
            ConnectFault::ProxyAnswered { status: 407, .. }
            | ConnectFault::SocksCredentials { .. } => ProxyTrouble::Credentials,
            ConnectFault::ProxySilent { .. } => ProxyTrouble::Silent,
            ConnectFault::ProxyAnswered { .. }
            | ConnectFault::ProxyClosed { .. }
            | ConnectFault::ProxyGarbled { .. }
            | ConnectFault::SocksRefused { .. }
            | ConnectFault::Resolve { .. } => ProxyTrouble::CannotReach,
            ConnectFault::ProxyDown { .. }
            | ConnectFault::Direct { .. }
            | ConnectFault::DirectTimeout { .. } => ProxyTrouble::Down,
        }
    }
}
