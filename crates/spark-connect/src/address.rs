//! Where a Spark Connect server is: host, port, TLS and the `sc://` URL's other parameters.
//! Must not: hold a token (a URL's token is taken out before an address is made) or connect.

use std::fmt;

/// A resolved Spark Connect address.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub host: String,
    pub port: u16,
    pub use_ssl: bool,
    /// Other `;key=value` parameters, in order (for example `user_agent`).
    pub params: Vec<(String, String)>,
}

impl Address {
    /// The gRPC endpoint URI.
    pub fn endpoint(&self) -> String {
        let scheme = if self.use_ssl { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

impl fmt::Display for Address {
    /// `sc://host:port` (with `;use_ssl=true` when TLS is on); never the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sc://{}:{}", self.host, self.port)?;
        if self.use_ssl {
            f.write_str("/;use_ssl=true")?;
        }
        Ok(())
    }
}
