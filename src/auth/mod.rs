//! KBase authentication: the token type that never prints, where tokens come from, and the
//! KBase Auth2 client.

mod token;

pub use token::Token;
