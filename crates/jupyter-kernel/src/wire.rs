//! Framing of Jupyter messages on ZeroMQ: raw frames in, [`Incoming`] out; JSON content in,
//! signed frames out (through `jupyter-zmq-client`).
//!
//! Decoding is deliberately lenient past the signature check: a request whose content the
//! typed structs of `jupyter-protocol` would reject still yields its header, so the kernel can
//! answer it with an error instead of leaving the client waiting. The signature check is not
//! lenient: a message that fails it never leaves this module.
//! Must not: let a message that fails the signature check past it.

use crate::content::Content;
use bytes::Bytes;
use jupyter_protocol::{Header, JupyterMessage, JupyterMessageContent, UnknownMessage};
use jupyter_zmq_client::RawMessage;
use serde_json::{Map, Value};

/// The version of the messaging protocol the kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.4";

/// A request that passed the signature check.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub identities: Vec<Bytes>,
    pub header: Header,
    pub content: Value,
}

impl Incoming {
    pub fn msg_type(&self) -> &str {
        &self.header.msg_type
    }
}

/// Why a message on a socket was not accepted. Carries no message content.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("signature or framing rejected: {0}")]
    Rejected(String),
    #[error("unreadable header: {0}")]
    Header(String),
}

/// Checks the signature and framing of one multipart message and reads its header and content.
pub fn decode(
    message: zeromq::ZmqMessage,
    key: &Option<ring::hmac::Key>,
) -> Result<Incoming, WireError> {
    let raw =
        RawMessage::from_multipart(message, key).map_err(|e| WireError::Rejected(e.to_string()))?;
    let header_value: Value = serde_json::from_slice(&raw.jparts[0])
        .map_err(|e| WireError::Header(format!("not JSON: {e}")))?;
    let header = lenient_header(&header_value)?;
    // Content that is not JSON is answered as an empty request: the handler then reports the
    // missing fields instead of the kernel dropping the request.
    let content = serde_json::from_slice(&raw.jparts[3]).unwrap_or(Value::Object(Map::new()));
    Ok(Incoming {
        identities: raw.zmq_identities,
        header,
        content,
    })
}

fn lenient_header(value: &Value) -> Result<Header, WireError> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let msg_id = text("msg_id").ok_or_else(|| WireError::Header("no msg_id".into()))?;
    let msg_type = text("msg_type").ok_or_else(|| WireError::Header("no msg_type".into()))?;
    let date = text("date")
        .and_then(|d| chrono::DateTime::parse_from_rfc3339(&d).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    Ok(Header {
        msg_id,
        msg_type,
        username: text("username").unwrap_or_default(),
        session: text("session").unwrap_or_default(),
        date,
        version: text("version").unwrap_or_else(|| PROTOCOL_VERSION.to_owned()),
    })
}

/// Who the kernel's messages come from: the `session` (Jupyter's, new for each run of the
/// kernel) and the `username` (the kernel's implementation name) of their headers.
#[derive(Debug, Clone)]
pub struct Sender {
    pub session: std::sync::Arc<str>,
    pub username: std::sync::Arc<str>,
}

/// A message from the kernel: `parent` is the request it answers or reports on (None for the
/// kernel's own status at start-up). Identities are copied only for replies on ROUTER sockets.
/// Fails only when the content cannot be written as JSON.
pub fn message(
    content: &impl Content,
    parent: Option<&Incoming>,
    sender: &Sender,
    with_identities: bool,
) -> Result<JupyterMessage, serde_json::Error> {
    let msg_type = content.msg_type();
    let value = serde_json::to_value(content)?;
    let header = Header {
        msg_id: uuid::Uuid::new_v4().to_string(),
        username: sender.username.to_string(),
        session: sender.session.to_string(),
        date: chrono::Utc::now(),
        msg_type: msg_type.to_owned(),
        version: PROTOCOL_VERSION.to_owned(),
    };
    Ok(JupyterMessage {
        zmq_identities: match (parent, with_identities) {
            (Some(p), true) => p.identities.clone(),
            _ => Vec::new(),
        },
        header,
        parent_header: parent.map(|p| p.header.clone()),
        metadata: Value::Object(Map::new()),
        content: JupyterMessageContent::UnknownMessage(UnknownMessage {
            msg_type: msg_type.to_owned(),
            content: value,
        }),
        buffers: Vec::new(),
        channel: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &[u8], parts: &[&[u8]]) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
        let mut ctx = ring::hmac::Context::with_key(&key);
        for p in parts {
            ctx.update(p);
        }
        ctx.sign()
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[track_caller]
    fn frames(signature: &str, header: &[u8], content: &[u8]) -> zeromq::ZmqMessage {
        let parts: Vec<Bytes> = vec![
            Bytes::from_static(b"client-id"),
            Bytes::from_static(b"<IDS|MSG>"),
            Bytes::from(signature.to_owned()),
            Bytes::from(header.to_vec()),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from(content.to_vec()),
        ];
        zeromq::ZmqMessage::try_from(parts).unwrap()
    }

    const HEADER: &[u8] = br#"{"msg_id":"m1","msg_type":"execute_request","username":"u","session":"s","date":"2026-01-01T00:00:00Z","version":"5.3"}"#;

    #[test]
    fn a_correctly_signed_message_is_decoded_with_its_identity() {
        let key = Some(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"secret"));
        let content = br#"{"code":"SELECT 1"}"#;
        let sig = sign(b"secret", &[HEADER, b"{}", b"{}", content]);
        let incoming = decode(frames(&sig, HEADER, content), &key).unwrap();
        assert_eq!(incoming.msg_type(), "execute_request");
        assert_eq!(incoming.header.msg_id, "m1");
        assert_eq!(incoming.identities, vec![Bytes::from_static(b"client-id")]);
        assert_eq!(incoming.content["code"], "SELECT 1");
    }

    #[test]
    fn a_forged_signature_is_rejected() {
        let key = Some(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"secret"));
        let content = br#"{"code":"SELECT 1"}"#;
        let forged = sign(b"not-the-key", &[HEADER, b"{}", b"{}", content]);
        let decoded = decode(frames(&forged, HEADER, content), &key);
        assert!(
            matches!(decoded, Err(WireError::Rejected(_))),
            "a forged signature: {decoded:?}"
        );
        // A signature of other content is just as wrong.
        let other = sign(b"secret", &[HEADER, b"{}", b"{}", b"{}"]);
        let decoded = decode(frames(&other, HEADER, content), &key);
        assert!(decoded.is_err(), "another content's signature: {decoded:?}");
        let decoded = decode(frames("", HEADER, content), &key);
        assert!(decoded.is_err(), "no signature: {decoded:?}");
    }

    #[test]
    fn garbage_frames_are_rejected_not_fatal() {
        let key = Some(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"secret"));
        let msg = zeromq::ZmqMessage::from(b"garbage".to_vec());
        let decoded = decode(msg, &key);
        assert!(decoded.is_err(), "garbage: {decoded:?}");
    }

    #[test]
    fn a_header_without_a_type_is_an_error_and_unparseable_content_is_empty() {
        let key = Some(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"k"));
        let bad_header = br#"{"msg_id":"m1"}"#;
        let sig = sign(b"k", &[bad_header, b"{}", b"{}", b"{}"]);
        let decoded = decode(frames(&sig, bad_header, b"{}"), &key);
        assert!(
            matches!(decoded, Err(WireError::Header(_))),
            "a header without msg_type: {decoded:?}"
        );
        let sig = sign(b"k", &[HEADER, b"{}", b"{}", b"not json"]);
        let incoming = decode(frames(&sig, HEADER, b"not json"), &key).unwrap();
        assert_eq!(incoming.content, serde_json::json!({}));
    }
}
