//! What a failed connection was, read from the chain of causes under a transport failure:
//! the client's own connector's fault (a proxy's trouble, a refused address), rustls's error
//! (TLS to a plaintext server, an unknown CA, a certificate for another name), or the innermost
//! cause. Typed facts, never a search of the message text (but for tonic's own transport
//! messages, which carry no type). Used by `error` only;
//! must not build its errors.

/// The TLS failure under a transport failure, and what kind it is: TLS to a plaintext server,
/// a certificate from an unknown CA, a certificate for another name. Read from the rustls error
/// in the chain (tokio-rustls wraps it in an `io::Error`).
pub(super) fn tls_failure(status: &tonic::Status) -> Option<TlsFailure> {
    use rustls::{CertificateError, Error as Tls};
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    let mut found = None;
    while let Some(e) = source {
        let inner = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|i| i.downcast_ref::<Tls>());
        if let Some(tls) = e.downcast_ref::<Tls>().or(inner) {
            found = Some(tls);
            break;
        }
        source = e.source();
    }
    let tls = found?;
    let trouble = match tls {
        Tls::InvalidMessage(_) => TlsTrouble::NotTls,
        Tls::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => TlsTrouble::OtherName,
        Tls::InvalidCertificate(_) => TlsTrouble::Untrusted,
        _ => TlsTrouble::Other,
    };
    Some(TlsFailure {
        trouble,
        cause: tls.clone(),
    })
}

/// A TLS failure found under a transport failure: what kind, and rustls's error.
pub(super) struct TlsFailure {
    pub trouble: TlsTrouble,
    pub cause: rustls::Error,
}

/// What kind of TLS failure a connection met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsTrouble {
    /// The server does not seem to speak TLS.
    NotTls,
    /// The certificate names another host than the server's.
    OtherName,
    /// The certificate is not trusted by the system or webpki roots.
    Untrusted,
    /// Any other.
    Other,
}

pub(super) fn is_transport(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "transport error",
        "connection",
        "broken pipe",
        "dns",
        "tcp connect",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// The connection fault under a transport failure, when the client's connector made one.
pub(super) fn connect_fault(status: &tonic::Status) -> Option<&crate::net::ConnectFault> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    while let Some(e) = source {
        if let Some(fault) = e.downcast_ref::<crate::net::ConnectFault>() {
            return Some(fault);
        }
        source = e.source();
    }
    None
}

/// The innermost cause of a transport failure ("Connection refused (os error 111)").
pub(super) fn transport_reason(status: &tonic::Status) -> String {
    let mut reason = status.message().to_owned();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    while let Some(e) = source {
        reason = e.to_string();
        source = e.source();
    }
    if reason.is_empty() {
        "no answer".into()
    } else {
        reason
    }
}
