//! Spark SQL (KBase): a Jupyter kernel whose cells are Spark SQL, run on the user's own Spark
//! Connect server with their KBase identity.
//!
//! A request travels: frontend ⇄ [`jupyter`] (ZeroMQ sockets, one file per socket, signatures,
//! busy/idle, typed replies) ⇄ [`kernel`] (a thin `Handler`: cells, one file per magic,
//! statements, completion, inspection, history) ⇄ [`session`] (the user's identity and Spark
//! session as a service: authenticator, Spark client, connection state, catalog cache) ⇄
//! `spark` / `auth` (Spark Connect over gRPC, KBase Auth2 over HTTPS, both connecting through
//! [`net`]: straight, or through the proxy the settings chose) → `render` (results as HTML and
//! text). Beside them, leaves that everyone may use and that use nothing of the
//! crate: [`config`] reads every setting once and hands each layer its part; `sql` is the one
//! lexer of SQL text; [`output`] holds what a request shows (MIME bundles, streams, errors);
//! [`token`] the token type that never prints; [`memory`] how freed memory goes back to the
//! system. The kernel also uses [`export`], which writes whole results to files from Arrow
//! batches, and [`chart`], which draws results as Vega-Lite specs and SVG (both know
//! `render`'s text forms, not Jupyter or gRPC), and [`explore`], the result explorer's comm
//! protocol and the SQL its requests become.
//!
//! Imports only go down that chain: the transport knows nothing of Spark, KBase, the kernel or
//! rendering; the kernel knows no sockets, gRPC or HTTP; `render`, `spark` and `auth` know
//! nothing of the kernel or the transport; rendering does no I/O.

pub mod auth;
pub mod chart;
pub mod config;
pub mod explore;
pub mod export;
pub mod jupyter;
pub mod kernel;
pub mod memory;
pub mod net;
pub mod output;
pub mod render;
pub mod session;
pub mod spark;
mod sql;
pub mod token;

/// Installs rustls' ring provider for the process (HTTPS to Auth2, TLS to Spark Connect).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
