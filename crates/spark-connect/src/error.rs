//! What can go wrong talking to Spark Connect, read from the gRPC status: the `ErrorInfo` in
//! `grpc-status-details-bin` (error class, SQLSTATE, parameters, error id) and, when fetched,
//! `FetchErrorDetails` (full message, cause chain, the faulty fragment of the SQL).
//! Must not: word what to do about an error (its caller does).

use tonic::Code;
use tonic_types::StatusExt;

pub use super::failure::TlsTrouble;
use super::failure::{connect_fault, is_transport, tls_failure, transport_reason, TlsFailure};
use super::server_error::{from_error_info, ServerError};
use crate::gateway::{Gateway, GatewaySays, Refusal};
use crate::net::ProxyTrouble;

/// A result message refused for its size: its size and the limit it is over, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oversized {
    pub bytes: usize,
    pub limit: usize,
}

/// Why a Spark Connect call failed. Causes are kept as sources (shared, so that an error can
/// be kept and shown again).
#[derive(Debug, Clone, thiserror::Error)]
pub enum SparkError {
    #[error("cannot reach Spark Connect at {address}: {reason}")]
    Unreachable {
        address: String,
        reason: String,
        /// The address refused the connection: nothing listens there (yet).
        refused: bool,
    },
    #[error("cannot reach Spark Connect at {address}: TLS with the server failed")]
    Tls {
        address: String,
        trouble: TlsTrouble,
        #[source]
        cause: rustls::Error,
    },
    #[error("cannot reach Spark Connect at {address} through the proxy {proxy}: {answer}")]
    Proxy {
        address: String,
        /// `http://host:port`, never its credentials.
        proxy: String,
        /// The variable that named it (`grpc_proxy`, …).
        variable: String,
        /// What happened, as the connection saw it.
        answer: String,
        trouble: ProxyTrouble,
    },
    #[error("Spark Connect at {address} did not accept the token ({code}: {message})")]
    Auth {
        address: String,
        code: String,
        message: String,
        /// Why, as far as the server's words tell.
        refusal: Refusal,
    },
    #[error("the gateway at {address} could not check the token ({message})")]
    AuthUnchecked { address: String, message: String },
    #[error("{}", .0.headline())]
    Server(Box<ServerError>),
    #[error("the gateway at {address} refused the statement by a rule of its own")]
    Rule {
        address: String,
        #[source]
        rule: std::sync::Arc<dyn std::error::Error + Send + Sync>,
    },
    #[error(
        "the Spark Connect server at {address} failed with a Java error and no message ({code})"
    )]
    ServerFailed { address: String, code: String },
    #[error("the Spark Connect server behind the gateway at {address} is not running ({message})")]
    ServerNotRunning { address: String, message: String },
    #[error("the query was cancelled")]
    Cancelled,
    #[error("the Spark Connect server at {address} did not answer for {seconds} s {during}, so the client stopped waiting")]
    Stalled {
        address: String,
        seconds: u64,
        /// What was waiting: `while running the query, nor on a new connection`, …
        during: String,
    },
    #[error("the result stream from {address} ended {times} times in a row before the result was complete and without a single message, so the client stopped reattaching to it: something between the client and Spark ends the stream")]
    StreamEndsEmpty { address: String, times: u32 },
    #[error("Spark Connect at {address} failed: {code}: {message}")]
    Rpc {
        address: String,
        code: String,
        message: String,
    },
    #[error("the Spark Connect server at {address} sent one message larger than the connection allows ({limit_mib} MiB: {message})")]
    TooLarge {
        address: String,
        limit_mib: usize,
        /// The size of the message that was refused, in bytes, when the status says it.
        bytes: Option<usize>,
        message: String,
    },
    #[error("Spark sent an answer that cannot be read")]
    Decode(#[source] Unreadable),
    /// The destination of a whole result (an export) refused a batch; it knows why.
    #[error("the result's destination stopped taking batches")]
    SinkStopped,
    #[error(
        "the token cannot be sent as a gRPC header: it holds characters other than visible ASCII"
    )]
    BadToken,
    #[error("cannot set up the connection to {address}: {reason}")]
    Setup { address: String, reason: String },
}

/// Why an answer of the server cannot be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Unreadable {
    /// Arrow could not read a result batch.
    #[error(transparent)]
    Arrow(std::sync::Arc<arrow::error::ArrowError>),
    /// A chunk of a batch arrived out of order.
    #[error("chunk {index} of an Arrow batch arrived where chunk {expected} was expected")]
    ChunkOrder { index: i64, expected: i64 },
    /// The answer lacks what was asked for.
    #[error("no {0} in the answer")]
    Missing(&'static str),
}

impl From<arrow::error::ArrowError> for Unreadable {
    fn from(error: arrow::error::ArrowError) -> Unreadable {
        Unreadable::Arrow(std::sync::Arc::new(error))
    }
}

impl SparkError {
    pub fn server(&self) -> Option<&ServerError> {
        match self {
            SparkError::Server(e) => Some(e),
            _ => None,
        }
    }

    /// Worth retrying the same call: the connection failed, nothing was refused (a proxy
    /// that is down or cannot reach the server may be restarting).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SparkError::Unreachable { .. }
                | SparkError::Proxy {
                    trouble: ProxyTrouble::Down | ProxyTrouble::CannotReach,
                    ..
                }
        )
    }

    /// A lost or failed connection through a proxy names the proxy: the proxy's end broke it
    /// (a SOCKS5 proxy that accepted a tunnel it could not open, a tunnel that dropped).
    #[must_use]
    pub fn through(self, route: &crate::Route) -> SparkError {
        match (self, route) {
            (
                SparkError::Unreachable {
                    address, reason, ..
                },
                crate::Route::Proxy(hop),
            ) => SparkError::Proxy {
                address,
                proxy: hop.to_string(),
                variable: hop.variable.to_owned(),
                answer: format!("the connection broke ({reason})"),
                trouble: ProxyTrouble::CannotReach,
            },
            (other, _) => other,
        }
    }

    /// A message over a smaller limit than the client's own (a proxy's, such as gRPC's default 4
    /// MiB): its size and the limit.
    pub fn over_proxy_limit(&self) -> Option<Oversized> {
        match self {
            SparkError::TooLarge {
                limit_mib,
                bytes: Some(bytes),
                ..
            } if *limit_mib < MAX_MESSAGE_MIB => Some(Oversized {
                bytes: *bytes,
                limit: limit_mib * 1024 * 1024,
            }),
            _ => None,
        }
    }

    /// Nothing listens at the server's address (yet): the connection was refused.
    pub fn is_refused(&self) -> bool {
        matches!(self, SparkError::Unreachable { refused: true, .. })
    }

    /// Reads a gRPC status: auth failures, Spark errors with their `ErrorInfo`, transport
    /// failures. `address` is shown, never the token.
    pub fn from_status(status: &tonic::Status, address: &str, gateway: &dyn Gateway) -> SparkError {
        if let Some(fault) = connect_fault(status) {
            return from_connect_fault(fault, address);
        }
        let message = status.message().trim().to_owned();
        if let Some(says) = gateway.read(status.code(), &message) {
            return from_gateway(says, status.code(), message, address);
        }
        match status.code() {
            code @ (Code::Unauthenticated | Code::PermissionDenied) => SparkError::Auth {
                address: address.to_owned(),
                code: code_name(code).to_owned(),
                refusal: if code == Code::PermissionDenied {
                    Refusal::NotAllowed
                } else {
                    Refusal::Expired
                },
                message,
            },
            code if is_too_large(code, &message) => SparkError::TooLarge {
                address: address.to_owned(),
                limit_mib: size_limit_mib(&message),
                bytes: message_bytes(&message),
                message,
            },
            // Only the client cancels calls, and a caller's interrupt is known where it happens:
            // a CANCELLED status is the transport giving up (a reset stream), to be resumed.
            Code::Cancelled => SparkError::Unreachable {
                address: address.to_owned(),
                reason: format!("the connection to Spark Connect was lost ({message})"),
                refused: false,
            },
            code => {
                let details = status.get_error_details();
                match details.error_info() {
                    Some(info) => SparkError::Server(Box::new(from_error_info(
                        &info.reason,
                        &info.metadata,
                        message,
                    ))),
                    None if matches!(code, Code::Unavailable | Code::DeadlineExceeded)
                        || (code == Code::Unknown && is_transport(&message)) =>
                    {
                        match tls_failure(status) {
                            Some(TlsFailure { trouble, cause }) => SparkError::Tls {
                                address: address.to_owned(),
                                trouble,
                                cause,
                            },
                            None => SparkError::Unreachable {
                                address: address.to_owned(),
                                reason: transport_reason(status),
                                refused: false,
                            },
                        }
                    }
                    None if message.is_empty()
                        && matches!(code, Code::Unknown | Code::Internal) =>
                    {
                        SparkError::ServerFailed {
                            address: address.to_owned(),
                            code: code_name(code).to_owned(),
                        }
                    }
                    None => match super::plain::server_error(&message) {
                        Some(server) => SparkError::Server(Box::new(server)),
                        None => SparkError::Rpc {
                            address: address.to_owned(),
                            code: code_name(code).to_owned(),
                            message,
                        },
                    },
                }
            }
        }
    }
}

fn code_name(code: Code) -> &'static str {
    match code {
        Code::Unauthenticated => "UNAUTHENTICATED",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Unavailable => "UNAVAILABLE",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::Internal => "INTERNAL",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::NotFound => "NOT_FOUND",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::Aborted => "ABORTED",
        Code::Cancelled => "CANCELLED",
        _ => "UNKNOWN",
    }
}

/// What a gateway said, as an error.
fn from_gateway(says: GatewaySays, code: Code, message: String, address: &str) -> SparkError {
    let address = address.to_owned();
    match says {
        GatewaySays::Refused(refusal) => SparkError::Auth {
            address,
            code: code_name(code).to_owned(),
            message,
            refusal,
        },
        GatewaySays::CannotCheckToken => SparkError::AuthUnchecked { address, message },
        GatewaySays::ServerNotRunning => SparkError::ServerNotRunning { address, message },
        GatewaySays::Rule(rule) => SparkError::Rule { address, rule },
    }
}

/// The largest gRPC message the client reads (Spark sends up to 128 MiB in one).
pub const MAX_MESSAGE_MIB: usize = 128;

/// A message over a size limit, the client's (tonic: "decoded message length too large") or a
/// proxy's (gRPC: "Received message larger than max").
fn is_too_large(code: Code, message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    matches!(
        code,
        Code::ResourceExhausted | Code::OutOfRange | Code::Internal
    ) && (lower.contains("message length too large") || lower.contains("larger than max"))
}

/// The limit a size error names: its last number of bytes (`the limit is: 134217728 bytes`,
/// `(5000494 vs. 4194304)`), in MiB; the client's own when it names none.
fn size_limit_mib(message: &str) -> usize {
    message
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<usize>().ok())
        .next_back()
        .filter(|bytes| *bytes >= 1024 * 1024)
        .map_or(MAX_MESSAGE_MIB, |bytes| bytes / (1024 * 1024))
}

/// The size of the refused message: the first of the two sizes a size error names (`found
/// 200000123 bytes, the limit is: …`, `(5000494 vs. 4194304)`).
fn message_bytes(message: &str) -> Option<usize> {
    let sizes: Vec<usize> = message
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse::<usize>().ok())
        .filter(|bytes| *bytes >= 1024 * 1024)
        .collect();
    (sizes.len() >= 2).then(|| sizes[0])
}

/// A failed connection as an error: the proxy's trouble, or the server's address.
fn from_connect_fault(fault: &crate::net::ConnectFault, address: &str) -> SparkError {
    let Some(proxy) = fault.proxy() else {
        return SparkError::Unreachable {
            address: address.to_owned(),
            reason: fault.to_string(),
            refused: fault.is_refused(),
        };
    };
    SparkError::Proxy {
        address: address.to_owned(),
        proxy: proxy.url.clone(),
        variable: proxy.variable.to_owned(),
        answer: fault.to_string(),
        trouble: fault.trouble(),
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
