//! A lean Spark Connect client, generated from Spark's own `.proto` files: [`SparkClient`]
//! runs SQL on one server and returns Arrow results, resumes a stream that ends early, and
//! interrupts what it started. Connections go straight or through the proxy gRPC's own
//! clients would use ([`ProxySettings`], [`Route`]); what fails comes back as typed facts
//! ([`SparkError`], [`ConnectFault`]).
//!
//! Must not: know Jupyter or KBase, read the environment itself, or word advice for users
//! (its callers do): errors and notices are facts.

mod address;
mod client;
mod error;
mod failure;
mod gateway;
mod net;
mod plain;
mod proto;
mod proxy;
mod result;
mod server_error;
mod token;
mod types;
mod version;

pub use address::Address;
pub use client::{
    Credentials, Explained, KeptView, RowLimit, Setting, SettingFrom, SparkClient, SparkNotice,
};
pub use error::{Oversized, SparkError, TlsTrouble, Unreadable};
pub use gateway::{Gateway, GatewaySays, NoGateway, Refusal};
pub use net::{connector, open, ConnectFault, Connector, ProxyAt, ProxyTrouble};
pub use proxy::{
    Direct, Hop, IgnoredProxy, ProxyKind, ProxySettings, ProxyVars, Route, UnusableUrl,
};
pub use result::{BatchSink, Column, Progress, QueryResult, Running, SinkProgress, SinkStopped};
pub use server_error::{Position, ServerError};
pub use token::BearerToken;
pub use types::{SparkType, GEOGRAPHY_SRID, GEOMETRY_SRID};
pub use version::SparkVersion;
