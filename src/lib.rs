//! Spark SQL (KBase): a Jupyter kernel whose cells are Spark SQL, run on the user's own Spark
//! Connect server with their KBase identity.
//!
//! The workspace has three crates, and the compiler keeps them apart:
//!
//! ```text
//!  frontend ⇄ jupyter-kernel ──Handler──▶ spark-sql-kernel (this crate) ──▶ spark-connect ⇄ Spark
//!             (crates/jupyter-kernel)     kernel → session → auth, render…  (crates/spark-connect)
//! ```
//!
//! - [`jupyter_kernel`]: the transport (sockets, signing, typed requests and replies, the
//!   `Handler` trait). It knows nothing of Spark or KBase.
//! - [`spark_connect`]: the Spark Connect client (protos, gRPC, results as Arrow, errors as
//!   facts, proxies). It knows nothing of Jupyter or KBase.
//! - this crate: [`kernel`] implements the `Handler` (cells, one file per magic, completion,
//!   inspection, history, the explorer) and is the one place where words are made
//!   (`kernel/words.rs`, `kernel/error.rs`). It calls Spark only through `session` (the
//!   user's identity and Spark session as a service: it alone holds the `SparkClient`), and
//!   reads what comes back in `spark_connect`'s types (results, errors). [`auth`] is KBase
//!   Auth2; [`render`] makes every HTML and text of outputs (pure functions); `export` and
//!   `chart` write and draw whole results from Arrow; `explorer_model` is the explorer's comm
//!   protocol and the SQL its requests become. Leaves that use nothing of the crate:
//!   [`config`] (every setting, read once), `sql` (the one lexer of SQL text), `sync` (locks
//!   taken on purpose), [`memory`].
//!
//! Imports only go down: `kernel` → `session` → `auth`; `kernel` → `export`, `chart` →
//! `render` (they write values as the table shows them); `kernel` → `explorer_model`; everything may
//! use the leaves and the two library crates. Modules are
//! private unless a test, a bench or the binary needs them.

pub mod auth;
mod chart;
pub mod config;
mod explorer_model;
mod export;
pub mod journal;
pub mod kernel;
pub mod kernelspec;
pub mod memory;
pub mod render;
#[cfg(test)]
mod schema_check;
mod session;
mod sql;
mod sync;

/// Installs rustls' ring provider for the process (HTTPS to Auth2, TLS to Spark Connect).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
