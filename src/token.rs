//! The KBase token as a type that cannot be printed by accident.

use std::fmt;

/// A KBase token. `Debug` and `Display` print a mask; only [`Token::expose`] gives the secret,
/// and its callers are the two places that must send it (Auth2 and Spark Connect headers).
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Trims surrounding whitespace and newlines; `None` when nothing is left.
    pub fn new(raw: &str) -> Option<Token> {
        let trimmed = raw.trim();
        (!trimmed.is_empty()).then(|| Token(trimmed.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_never_prints_itself() {
        let token = Token::new("  SECRETTOKENVALUE234567ABCDEFGHIJ\n").unwrap();
        assert_eq!(token.expose(), "SECRETTOKENVALUE234567ABCDEFGHIJ");
        assert_eq!(format!("{token}"), "***");
        assert_eq!(format!("{token:?}"), "Token(***)");
        assert_eq!(format!("{:?}", Some(token.clone())), "Some(Token(***))");
        assert!(Token::new(" \n\t").is_none());
    }
}
