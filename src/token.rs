//! The KBase token as a type that cannot be printed by accident.
//! Must not: be printed, logged or serialized: Display and Debug show `***`.

use std::fmt;

/// A KBase token. `Debug` and `Display` print a mask; only [`KBaseToken::expose`] gives the secret,
/// and its callers are the two places that must send it (Auth2 and Spark Connect headers).
#[derive(Clone, PartialEq, Eq)]
pub struct KBaseToken(String);

impl KBaseToken {
    /// Trims surrounding whitespace and newlines; `None` when nothing is left.
    pub fn new(raw: &str) -> Option<KBaseToken> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| KBaseToken(trimmed.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KBaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KBaseToken(***)")
    }
}

impl fmt::Display for KBaseToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_prints_itself() {
        let token = KBaseToken::new("  SECRETTOKENVALUE234567ABCDEFGHIJ\n").unwrap();
        assert_eq!(token.expose(), "SECRETTOKENVALUE234567ABCDEFGHIJ");
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "KBaseToken(***)");
        assert_eq!(
            format!("{:?}", Some(token.clone())),
            "Some(KBaseToken(***))"
        );
        assert!(KBaseToken::new(" \n\t").is_none());
    }
}
