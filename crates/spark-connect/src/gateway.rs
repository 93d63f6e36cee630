//! What a gateway in front of a Spark Connect server (an authenticating proxy, an
//! interceptor) may say in a status that Spark did not make. The client knows no gateway: its
//! caller gives one ([`Gateway`]) that reads its own texts into [`GatewaySays`].
//! Must not: name or read any particular gateway's texts.

use std::sync::Arc;

/// Reads the statuses a gateway in front of the server makes.
pub trait Gateway: Send + Sync {
    /// What a status means when this gateway made it; `None`: not its own (Spark's, or
    /// another hop's), read as gRPC and Spark define it.
    fn read(&self, code: tonic::Code, message: &str) -> Option<GatewaySays>;
}

/// No gateway: every status is read as gRPC and Spark define it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGateway;

impl Gateway for NoGateway {
    fn read(&self, _: tonic::Code, _: &str) -> Option<GatewaySays> {
        None
    }
}

/// What a gateway said.
#[derive(Debug, Clone)]
pub enum GatewaySays {
    /// It refused the token, and why.
    Refused(Refusal),
    /// It could not check the token with its identity service: the token was not refused.
    CannotCheckToken,
    /// The server behind it is not running.
    ServerNotRunning,
    /// It refused the statement by a rule of its own; the rule's error says which.
    Rule(Arc<dyn std::error::Error + Send + Sync>),
}

/// Why a token was refused, as far as the answer tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The server belongs to another user.
    OtherUsersServer,
    /// The account may not do this.
    NotAllowed,
    /// The account is disabled.
    AccountDisabled,
    /// Only tokens made with multi-factor authentication are taken.
    NeedsMfa,
    /// No token arrived.
    NoToken,
    /// Expired, revoked or rotated (or refused for no named reason).
    Expired,
}
