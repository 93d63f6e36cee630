//! Spark Connect: a lean gRPC client generated
//! from Spark's own `.proto` files ([`SparkClient`]) that runs SQL and returns Arrow results.
//! Must not: know the kernel or the transport, or word advice for users.

mod client;
mod error;
mod failure;
mod plain;
mod proto;
mod result;
mod server_error;
mod types;
mod version;

pub use client::{Credentials, Notice as SparkNotice, SettingFrom, SparkClient};
pub use error::{Oversized, Refusal, SparkError};
pub use plain::Governance;
pub use result::{BatchSink, Column, Progress, QueryResult, Running, SinkStopped};
pub use server_error::{Position, ServerError};
pub use types::{SparkType, GEOGRAPHY_SRID, GEOMETRY_SRID};
pub use version::SparkVersion;
