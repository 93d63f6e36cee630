//! What kind of trouble a proxy gave, and what the user should check about it.

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

impl ProxyTrouble {
    /// What to check, for the proxy at `proxy` named by `variable`.
    pub fn advice(self, proxy: &str, variable: &str) -> String {
        match self {
            ProxyTrouble::Down => format!(
                "Nothing answers there: start the tunnel and the proxy (for example ssh -D 1338 … and pproxy -l http://:8123 -r socks5://127.0.0.1:1338), or correct {variable}; %whoami shows each hop"
            ),
            ProxyTrouble::Credentials => format!(
                "The proxy wants other credentials: put the right ones in {variable} (http://user:password@host:port, or socks5h://user:password@host:port)"
            ),
            ProxyTrouble::CannotReach => format!(
                "The proxy is up but cannot reach the server: check the SSH tunnel behind {proxy} (is ssh -D still running?) and the server's name; hosts listed in no_proxy are reached without the proxy"
            ),
            ProxyTrouble::Silent => format!(
                "Check the SSH tunnel behind {proxy} (a frozen ssh -D leaves the proxy waiting); %whoami shows each hop"
            ),
        }
    }
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
