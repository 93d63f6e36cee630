//! The result explorer's model: the comm protocol between its frontend and the kernel
//! ([`protocol`]) and the SQL each request becomes over a snapshot kept on the server
//! ([`query`]). The kernel (`kernel/explorer`) runs those queries and words what users read.
//! Must not: run queries, hold sockets or know how the frontend draws.

pub mod protocol;
pub mod query;

#[cfg(test)]
mod schema_tests;
#[cfg(test)]
mod tests;
