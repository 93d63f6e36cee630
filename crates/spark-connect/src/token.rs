//! The bearer token every call carries, as a type that cannot be printed by accident.
//! Must not: be printed, logged or serialized: Display and Debug show `***`.

use std::fmt;

/// A bearer token. `Debug` and `Display` print a mask; only [`BearerToken::expose`] gives
/// the secret, and its callers are the places that must send it (a request's headers).
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl BearerToken {
    /// Trims surrounding whitespace and newlines; `None` when nothing is left.
    pub fn new(raw: &str) -> Option<BearerToken> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| BearerToken(trimmed.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

impl fmt::Display for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_prints_itself() {
        let token = BearerToken::new("  SECRETTOKENVALUE234567ABCDEFGHIJ\n").unwrap();
        assert_eq!(token.expose(), "SECRETTOKENVALUE234567ABCDEFGHIJ");
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "BearerToken(***)");
        assert_eq!(
            format!("{:?}", Some(token.clone())),
            "Some(BearerToken(***))"
        );
        assert!(
            BearerToken::new(" \n\t").is_none(),
            "{:?}",
            BearerToken::new(" \n\t")
        );
    }
}
