//! Spark SQL (KBase): a Jupyter kernel whose cells are Spark SQL, run on the user's own Spark
//! Connect server with their KBase identity.
//!
//! A request travels: frontend ⇄ [`jupyter`] (ZeroMQ sockets, signatures, busy/idle) ⇄
//! [`kernel`] (cells, magics, statements, history) ⇄ `spark` / [`auth`] (Spark Connect over
//! gRPC, KBase Auth2 over HTTPS) → [`render`] (results as HTML and text). [`config`] reads
//! every setting once. Each layer knows only the one below it: the transport knows nothing
//! of Spark or KBase, the kernel knows no sockets, rendering does no I/O.

pub mod auth;
pub mod config;
pub mod jupyter;
pub mod kernel;
pub mod render;
pub mod spark;

/// Installs rustls' ring provider for the process (HTTPS to Auth2, TLS to Spark Connect).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
