#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The one integration test binary: the kernel in-process, driven over real ZeroMQ sockets by a
//! test frontend ([`harness`]), with the repository's KBase Auth2 stand-in over real HTTP and
//! the run's real Spark Connect server. One file per area:
//! - `transport`: the sockets alone, serving a stand-in handler;
//! - `auth`: KBase Auth2 and the token's life;
//! - `results`, `running`, `errors`, `sessions`, `completion`: SQL cells on Spark;
//! - `lines`: the same cells on each Spark 4.x line the run starts;
//! - `shared`: a cluster with dynamic allocation, as BERDL's shared compute runs.

mod auth;
mod berdl;
mod carried;
mod completion;
mod errors;
mod faults;
mod harness;
mod joining;
mod journal;
mod lines;
mod looped;
mod proxy;
mod results;
mod running;
mod sessions;
mod shared;
mod start_command;
mod tls;
mod transport;
mod waiting;
mod workbench;
