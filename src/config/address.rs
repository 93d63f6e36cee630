//! Spark Connect addresses: the `sc://` URL read once from the settings, and the host template
//! filled with the user's name. Pure functions, no I/O. A token inside a URL is taken out as a
//! [`BearerToken`] (for the auth settings) and never kept in the address or shown.
//! Must not: connect anywhere or keep a token in an address.

use spark_connect::{Address, BearerToken};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AddressError {
    #[error(
        "{url_hint} is not a Spark Connect URL: {reason} (expected sc://host:port/;param=value)"
    )]
    BadUrl { url_hint: String, reason: String },
    #[error("SPARK_CONNECT_HOST_TEMPLATE {template:?} gives an empty host for user {user:?}")]
    EmptyHost { template: String, user: String },
}

/// Sanitizes a KBase user name for Kubernetes as JupyterHub does: lower case; every character
/// outside `a-z0-9.-` becomes `-`; runs of `-` collapse; non-alphanumerics are trimmed.
pub fn sanitize_k8s(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' {
            c
        } else {
            '-'
        };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

/// An `sc://` URL read: the address, and the token one of its parameters held.
#[derive(Debug)]
pub struct ParsedUrl {
    pub address: Address,
    pub token: Option<BearerToken>,
}

/// Parses `sc://host[:port][/][;key=value]...`; a `;token=` or `;x-kbase-token=` parameter is
/// returned apart from the address.
pub fn parse_sc_url(url: &str, default_port: u16) -> Result<ParsedUrl, AddressError> {
    // The hint never repeats the URL's parameters: they may hold a token.
    let hint = url.split(';').next().unwrap_or("").to_owned();
    let bad = |reason: &str| AddressError::BadUrl {
        url_hint: hint.clone(),
        reason: reason.to_owned(),
    };
    let rest = url
        .trim()
        .strip_prefix("sc://")
        .ok_or_else(|| bad("it must start with sc://"))?;
    let (authority, params) = match rest.find([';', '/']) {
        Some(at) => (&rest[..at], rest[at..].trim_start_matches('/')),
        None => (rest, ""),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed [ in the host"))?;
        (host.to_owned(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err(bad("the host is empty"));
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| bad("the port is not a number"))?,
        None => default_port,
    };
    let mut address = Address {
        host,
        port,
        use_ssl: false,
        params: Vec::new(),
    };
    let mut token = None;
    for pair in params.split(';').filter(|p| !p.trim().is_empty()) {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| bad("a parameter is not key=value"))?;
        match key.trim() {
            "token" | "x-kbase-token" => token = BearerToken::new(value),
            "use_ssl" => {
                address.use_ssl = super::parse_bool(value.trim())
                    .ok_or_else(|| bad("use_ssl must be true or false"))?
            }
            other => address
                .params
                .push((other.to_owned(), value.trim().to_owned())),
        }
    }
    Ok(ParsedUrl { address, token })
}

/// The host template (`{username}`, `{username_k8s}`) filled with `user`.
pub fn from_template(
    template: &str,
    port: u16,
    use_ssl: bool,
    user: &str,
) -> Result<Address, AddressError> {
    let host = template
        .replace("{username_k8s}", &sanitize_k8s(user))
        .replace("{username}", user);
    if host.trim().is_empty() {
        return Err(AddressError::EmptyHost {
            template: template.to_owned(),
            user: user.to_owned(),
        });
    }
    Ok(Address {
        host,
        port,
        use_ssl,
        params: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_sanitized_like_jupyterhub_does() {
        assert_eq!(sanitize_k8s("alice_smith"), "alice-smith");
        assert_eq!(sanitize_k8s("Alice.Smith"), "alice.smith");
        assert_eq!(sanitize_k8s("__bob__jones__"), "bob-jones");
        assert_eq!(sanitize_k8s("1user"), "1user");
        assert_eq!(sanitize_k8s("a__b--c"), "a-b-c");
        assert_eq!(sanitize_k8s("-.x.-"), "x");
    }

    #[test]
    fn sc_urls_are_parsed_with_their_parameters() {
        let parse = |url| parse_sc_url(url, 1).map(|parsed| parsed.address);
        let a = parse("sc://jupyter-alice.ns:15002").unwrap();
        assert_eq!(
            (a.host.as_str(), a.port, a.use_ssl),
            ("jupyter-alice.ns", 15002, false)
        );
        let a = parse("sc://spark.berdl.kbase.us:443/;use_ssl=true;user_agent=x").unwrap();
        assert!(a.use_ssl, "{:?}", a.use_ssl);
        assert_eq!(a.params, vec![("user_agent".to_owned(), "x".to_owned())]);
        assert_eq!(a.endpoint(), "https://spark.berdl.kbase.us:443");
        let a = parse_sc_url("sc://host", 15002).unwrap().address;
        assert_eq!(a.port, 15002);
        let a = parse("sc://[::1]:9000/").unwrap();
        assert_eq!((a.host.as_str(), a.port), ("::1", 9000));
        assert!(
            parse("http://host:1").is_err(),
            "{:?}",
            parse("http://host:1")
        );
        assert!(parse("sc://:15002").is_err(), "{:?}", parse("sc://:15002"));
        assert!(
            parse("sc://host:port").is_err(),
            "{:?}",
            parse("sc://host:port")
        );
    }

    #[test]
    fn a_token_in_the_url_is_kept_but_never_shown() {
        let url = "sc://host:15002/;x-kbase-token=SECRETSECRET;use_ssl=false";
        let ParsedUrl { address: a, token } = parse_sc_url(url, 1).unwrap();
        assert_eq!(token.unwrap().expose(), "SECRETSECRET");
        assert_eq!(a.to_string(), "sc://host:15002");
        let shown = format!("{a:?}");
        assert!(!shown.contains("SECRETSECRET"), "{shown}");
        let error = parse_sc_url("sc://host:x/;token=SECRETSECRET", 1).unwrap_err();
        assert!(!error.to_string().contains("SECRETSECRET"), "{error:?}");
    }

    #[test]
    fn the_template_takes_the_user_name_as_is_or_sanitized() {
        let a = from_template("spark-connect-{username}.ns", 15002, false, "alice_smith");
        assert_eq!(a.unwrap().host, "spark-connect-alice_smith.ns");
        let a = from_template("jupyter-{username_k8s}.ns", 15002, false, "Alice_Smith").unwrap();
        assert_eq!(a.to_string(), "sc://jupyter-alice-smith.ns:15002");
        assert!(
            from_template("{username}", 1, false, " ").is_err(),
            "{:?}",
            from_template("{username}", 1, false, " ")
        );
    }
}
