#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The one integration test binary: the kernel in-process, driven over real ZeroMQ sockets by a
//! test frontend ([`harness`]), with the repository's KBase Auth2 stand-in over real HTTP.

mod auth;
mod harness;
mod kernel;
mod spark;
