//! Spark Connect: where the user's server is and (with the Spark issue) the gRPC client.

pub mod address;

pub use address::{resolve, sanitize_k8s, Address, AddressError};
