//! The one scanner of Spark SQL text. Statement splitting, `is_complete`, completion and
//! inspection all read SQL through it, so they agree on what is a string, an identifier or a
//! comment. It knows Spark's lexical rules that matter here: '…' and "…" strings with
//! backslash escapes, `…` identifiers with doubled backticks, `--` line comments, nested
//! `/* */` comments, and `/*+ … */` optimizer hints (which are not comments to Spark).
//! Pure: no I/O, no allocation but the token list; positions are byte offsets into the text.
//! Must not: know statements or what a cell means (`sql` and the kernel build on it).

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of letters, digits and `_` (keywords, names, numbers).
    Word,
    /// A `…` identifier; `closed` is false when the text ends inside it.
    Quoted {
        closed: bool,
    },
    /// A '…' or "…" string literal.
    String {
        closed: bool,
    },
    /// `-- …` up to (not including) the end of the line.
    LineComment,
    /// `/* … */`, nested; a hint `/*+ … */` is a token of its own kind.
    BlockComment {
        closed: bool,
    },
    /// `/*+ … */`: an optimizer hint, which Spark reads.
    Hint {
        closed: bool,
    },
    Semicolon,
    /// Any other character that is not whitespace.
    Punct(char),
}

/// A token and where it is in the text (`text[start..end]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// Comments carry no meaning for Spark (hints do).
    pub fn is_comment(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::LineComment | TokenKind::BlockComment { .. }
        )
    }

    /// Whether the text ended inside this token (an open string, identifier or comment).
    pub fn is_open(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Quoted { closed: false }
                | TokenKind::String { closed: false }
                | TokenKind::BlockComment { closed: false }
                | TokenKind::Hint { closed: false }
        )
    }

    /// A name's text: a word as written, a quoted identifier without its backticks.
    pub fn name(&self, text: &str) -> Option<String> {
        let raw = &text[self.start..self.end];
        match self.kind {
            TokenKind::Word => Some(raw.to_owned()),
            TokenKind::Quoted { closed } => {
                let inner = &raw[1..raw.len() - usize::from(closed)];
                Some(inner.replace("``", "`"))
            }
            _ => None,
        }
    }
}

/// Whether `c` may be part of a word.
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every token of `text`, in order; whitespace is skipped.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let start = i;
        let next = bytes.get(i + 1).copied();
        let kind = match c {
            c if c.is_whitespace() => {
                i += c.len_utf8();
                continue;
            }
            '-' if next == Some(b'-') => {
                i = text[i..].find('\n').map_or(text.len(), |n| i + n);
                TokenKind::LineComment
            }
            '/' if next == Some(b'*') => {
                let hint = bytes.get(i + 2) == Some(&b'+');
                let (end, closed) = block_comment_end(text, i);
                i = end;
                if hint {
                    TokenKind::Hint { closed }
                } else {
                    TokenKind::BlockComment { closed }
                }
            }
            '\'' | '"' => {
                let (end, closed) = string_end(text, i, c);
                i = end;
                TokenKind::String { closed }
            }
            '`' => {
                let (end, closed) = quoted_end(text, i);
                i = end;
                TokenKind::Quoted { closed }
            }
            ';' => {
                i += 1;
                TokenKind::Semicolon
            }
            c if is_word_char(c) => {
                i = text[i..]
                    .find(|c: char| !is_word_char(c))
                    .map_or(text.len(), |n| i + n);
                TokenKind::Word
            }
            c => {
                i += c.len_utf8();
                TokenKind::Punct(c)
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// The end of the `/* */` comment opening at `at` (nested comments counted), and whether it
/// was closed.
fn block_comment_end(text: &str, at: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return (i, true);
                }
            }
            _ => i += 1,
        }
    }
    (text.len(), false)
}

/// The end of the string opening with `quote` at `at`; a backslash escapes the next character.
fn string_end(text: &str, at: usize, quote: char) -> (usize, bool) {
    let mut chars = text[at + 1..].char_indices();
    while let Some((n, c)) = chars.next() {
        if c == '\\' {
            chars.next();
        } else if c == quote {
            return (at + 1 + n + 1, true);
        }
    }
    (text.len(), false)
}

/// The end of the `…` identifier at `at`; a doubled backtick stands for one.
fn quoted_end(text: &str, at: usize) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut i = at + 1;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            if bytes.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return (i + 1, true);
        }
        i += 1;
    }
    (text.len(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokens(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn strings_identifiers_and_comments_are_single_tokens() {
        assert_eq!(
            kinds("SELECT 'a;b', `x``y`, \"q\\\"\" -- c;\n/* a /* b */ c */;"),
            vec![
                (TokenKind::Word, "SELECT"),
                (TokenKind::String { closed: true }, "'a;b'"),
                (TokenKind::Punct(','), ","),
                (TokenKind::Quoted { closed: true }, "`x``y`"),
                (TokenKind::Punct(','), ","),
                (TokenKind::String { closed: true }, "\"q\\\"\""),
                (TokenKind::LineComment, "-- c;"),
                (
                    TokenKind::BlockComment { closed: true },
                    "/* a /* b */ c */"
                ),
                (TokenKind::Semicolon, ";"),
            ]
        );
    }

    #[test]
    fn hints_are_not_comments_and_open_tokens_are_marked() {
        let t = tokens("SELECT /*+ REPARTITION(4) */ 1");
        assert_eq!(t[1].kind, TokenKind::Hint { closed: true });
        assert!(!t[1].is_comment(), "{:?}", t[1]);
        assert!(
            tokens("SELECT 'abc").last().unwrap().is_open(),
            "{:?}",
            tokens("SELECT 'abc").last().unwrap()
        );
        assert!(
            tokens("SELECT `abc").last().unwrap().is_open(),
            "{:?}",
            tokens("SELECT `abc").last().unwrap()
        );
        assert!(
            tokens("SELECT /* /* */").last().unwrap().is_open(),
            "{:?}",
            tokens("SELECT /* /* */").last().unwrap()
        );
        assert!(
            !tokens("SELECT 'it''s'").last().unwrap().is_open(),
            "{:?}",
            tokens("SELECT 'it''s'").last().unwrap()
        );
    }

    #[test]
    fn names_lose_their_backticks_and_multibyte_text_keeps_its_offsets() {
        let text = "SELECT 'ü€' AS `my ``col`, naïve";
        let t = tokens(text);
        assert_eq!(t[3].name(text).as_deref(), Some("my `col"));
        assert_eq!(t[5].name(text).as_deref(), Some("naïve"));
        assert_eq!(t[2].kind, TokenKind::Word);
        assert_eq!(
            tokens("`open").last().unwrap().name("`open").as_deref(),
            Some("open")
        );
    }
}
