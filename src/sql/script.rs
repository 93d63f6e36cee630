//! Where a cell's statements begin and end when SQL scripts are among them. A script (Spark 4.1+
//! scripting: `[label:] BEGIN … END [label]`) is one statement to Spark even though `;` ends each
//! statement inside it, so the `;` that ends a statement is only one outside every compound
//! block. Owns the block rules: which keyword opens a block (`BEGIN`, `IF`, `CASE`, `WHILE`,
//! `REPEAT`, `LOOP`, `FOR`) and which `END` closes it (`END IF`, `END CASE`, … or a bare `END`).
//! Must not: read strings or comments itself (the [`lexer`](super::lexer) does), or judge
//! whether the script is valid — Spark does, and its refusal is what the user sees.

use super::lexer::{Token, TokenKind};
use std::ops::Range;

/// A block open at some point of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// A compound statement (`BEGIN`, `IF`, `WHILE`, a `CASE` statement, …).
    Statement,
    /// A `CASE … END` expression inside a statement: its `THEN`/`ELSE` are followed by values.
    CaseExpression,
    /// `( … )`: never a place where a statement starts.
    Parenthesis,
}

/// Keywords that open a compound statement where a statement starts.
const OPENERS: &[&str] = &["BEGIN", "IF", "CASE", "WHILE", "REPEAT", "LOOP", "FOR"];
/// Keywords after which, inside a script, a statement starts.
const STATEMENT_BEFORE: &[&str] = &["BEGIN", "THEN", "ELSE", "DO", "REPEAT", "LOOP"];
/// Words that may follow `END` as the kind of block it closes.
const END_KINDS: &[&str] = &["IF", "CASE", "WHILE", "REPEAT", "LOOP", "FOR"];

/// Follows the blocks of a text, token by token.
struct Tracker {
    stack: Vec<Block>,
    /// The next token starts a statement (the start of the text, after `;`, `THEN`, …).
    at_statement_start: bool,
    /// The word at a statement's start is followed by `:`: a label, so the statement starts
    /// again after the `:`.
    label: bool,
    /// The current statement began with `DECLARE` (a handler's body may be a `BEGIN` block).
    in_declare: bool,
    /// The previous word was the `END` of a compound statement: a block kind after it
    /// (`END IF`) belongs to it.
    after_end: bool,
}

impl Tracker {
    fn new() -> Self {
        Tracker {
            stack: Vec::new(),
            at_statement_start: true,
            label: false,
            in_declare: false,
            after_end: false,
        }
    }

    fn in_script(&self) -> bool {
        self.stack.contains(&Block::Statement)
    }

    /// Reads one token (not a comment); `next` is the token after it, if any.
    fn step(&mut self, text: &str, token: &Token, next: Option<&Token>) {
        let starts = std::mem::replace(&mut self.at_statement_start, false);
        let after_end = std::mem::replace(&mut self.after_end, false);
        let label = std::mem::replace(&mut self.label, false);
        match token.kind {
            TokenKind::Semicolon => {
                self.at_statement_start = self.in_script();
                self.in_declare = false;
            }
            TokenKind::Punct('(') => self.stack.push(Block::Parenthesis),
            TokenKind::Punct(')') if self.stack.last() == Some(&Block::Parenthesis) => {
                self.stack.pop();
            }
            TokenKind::Punct(':') if label => self.at_statement_start = true,
            TokenKind::Word => {
                let word = text[token.start..token.end].to_ascii_uppercase();
                if starts && next.is_some_and(|t| t.kind == TokenKind::Punct(':')) {
                    self.label = true;
                } else if !(after_end && END_KINDS.contains(&word.as_str())) {
                    self.word(&word, starts);
                }
            }
            _ => {}
        }
    }

    /// A word that is not a label nor the kind after an `END`.
    fn word(&mut self, word: &str, starts: bool) {
        if starts {
            self.in_declare = word == "DECLARE";
        }
        let in_statement_block = self.stack.last() == Some(&Block::Statement);
        let opens = match word {
            "BEGIN" => starts || (self.in_declare && in_statement_block),
            _ => OPENERS.contains(&word) && starts && in_statement_block,
        };
        if opens {
            self.stack.push(Block::Statement);
        } else if word == "CASE" {
            self.stack.push(Block::CaseExpression);
        } else if word == "END" {
            match self.stack.last() {
                Some(Block::Statement) => {
                    self.stack.pop();
                    self.after_end = true;
                }
                Some(Block::CaseExpression) => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
        let in_statement_block = self.stack.last() == Some(&Block::Statement);
        if in_statement_block && !self.after_end && STATEMENT_BEFORE.contains(&word) {
            self.at_statement_start = true;
        }
    }
}

/// Walks the tokens: calls `boundary` with the index of each `;` that ends a statement, and
/// returns whether the text ends inside a script's block.
fn walk(text: &str, tokens: &[Token], mut boundary: impl FnMut(usize)) -> bool {
    let meaningful: Vec<usize> = (0..tokens.len())
        .filter(|&i| !tokens[i].is_comment())
        .collect();
    let mut tracker = Tracker::new();
    for (n, &i) in meaningful.iter().enumerate() {
        let next = meaningful.get(n + 1).map(|&j| &tokens[j]);
        if tokens[i].kind == TokenKind::Semicolon && !tracker.in_script() {
            boundary(i);
            tracker = Tracker::new();
        } else {
            tracker.step(text, &tokens[i], next);
        }
    }
    tracker.in_script()
}

/// The statements of `tokens` (comments included, the `;` between them left out) as ranges of
/// token indices: a `;` ends a statement only outside every compound block of a script.
pub fn statement_ranges(text: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    walk(text, tokens, |i| {
        ranges.push(start..i);
        start = i + 1;
    });
    ranges.push(start..tokens.len());
    ranges
}

/// Whether the text ends inside a script's block (a `BEGIN` without its `END`).
pub fn ends_inside_script(text: &str, tokens: &[Token]) -> bool {
    walk(text, tokens, |_| {})
}

#[cfg(test)]
mod tests {
    use crate::sql::split_statements;

    fn texts(sql: &str) -> Vec<String> {
        split_statements(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn a_script_with_semicolons_inside_is_one_statement() {
        assert_eq!(
            texts("BEGIN DECLARE x INT DEFAULT 6; SELECT x * 7; END"),
            ["BEGIN DECLARE x INT DEFAULT 6; SELECT x * 7; END"]
        );
    }

    #[test]
    fn statements_before_and_after_a_script_stay_apart() {
        assert_eq!(
            texts("SELECT 1; BEGIN SELECT 2; END; SELECT 3"),
            ["SELECT 1", "BEGIN SELECT 2; END", "SELECT 3"]
        );
    }

    #[test]
    fn nested_blocks_and_labels_close_at_their_end() {
        let script = "outer: BEGIN DECLARE i INT = 0; inner: BEGIN SELECT 1; END inner; \
                      SELECT 2; END outer";
        assert_eq!(texts(&format!("{script}; SELECT 9")), [script, "SELECT 9"]);
    }

    #[test]
    fn every_compound_statement_ends_with_its_own_end() {
        let script = "BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE total INT DEFAULT 0;
  IF i = 0 THEN SET total = 1; ELSEIF i = 1 THEN SET total = 2; ELSE SET total = 3; END IF;
  CASE i WHEN 0 THEN SET total = total + 1; ELSE SET total = 0; END CASE;
  CASE WHEN i > 5 THEN SELECT 1; END CASE;
  WHILE i < 3 DO SET i = i + 1; END WHILE;
  REPEAT SET i = i - 1; UNTIL i <= 0 END REPEAT;
  lbl: LOOP SET i = i + 1; IF i > 2 THEN LEAVE lbl; END IF; END LOOP lbl;
  FOR r AS SELECT id FROM range(3) DO SET total = total + r.id; END FOR;
  SELECT total;
END";
        assert_eq!(
            texts(&format!("{script};\nSELECT 'after'")),
            [script, "SELECT 'after'"]
        );
    }

    #[test]
    fn a_handler_body_block_is_part_of_the_script() {
        let script = "BEGIN DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN SELECT 'failed'; END; \
                      SELECT 1 / 0; END";
        assert_eq!(texts(&format!("{script}; SELECT 2")), [script, "SELECT 2"]);
    }

    #[test]
    fn case_expressions_and_if_functions_inside_a_script_open_no_block() {
        let script = "BEGIN SELECT CASE WHEN 1 = 1 THEN if(true, 'a', 'b') ELSE 'c' END; \
                      IF (1 > 0) THEN SELECT CASE 1 WHEN 1 THEN 'x' END; END IF; END";
        assert_eq!(texts(&format!("{script}; SELECT 3")), [script, "SELECT 3"]);
    }

    #[test]
    fn keywords_outside_scripts_and_in_strings_and_comments_change_nothing() {
        assert_eq!(
            texts("CREATE TABLE IF NOT EXISTS t (a INT); SELECT if(a > 1, 1, 2) FROM t"),
            [
                "CREATE TABLE IF NOT EXISTS t (a INT)",
                "SELECT if(a > 1, 1, 2) FROM t"
            ]
        );
        assert_eq!(
            texts("SELECT CASE WHEN a THEN 1 END FROM t; SELECT 2"),
            ["SELECT CASE WHEN a THEN 1 END FROM t", "SELECT 2"]
        );
        assert_eq!(
            texts("BEGIN SELECT 'END; x'; -- END;\n /* END; */ SELECT 2; END; SELECT 3"),
            [
                "BEGIN SELECT 'END; x'; -- END;\n /* END; */ SELECT 2; END",
                "SELECT 3"
            ]
        );
    }

    #[test]
    fn an_unfinished_script_is_incomplete_until_its_end() {
        use crate::sql::{completeness, Completeness};
        assert_eq!(completeness("BEGIN SELECT 1;"), Completeness::OpenBlock);
        assert_eq!(
            completeness("BEGIN IF x THEN SELECT 1; END IF;"),
            Completeness::OpenBlock
        );
        assert_eq!(completeness("BEGIN SELECT 1; END"), Completeness::Complete);
        assert_eq!(completeness("SELECT 1; BEGIN"), Completeness::OpenBlock);
    }

    #[test]
    fn comment_blanking_keeps_a_script_whole_and_its_positions() {
        let sql = "BEGIN -- CREATE DATABASE x;\n SELECT 1; END";
        let blanked = crate::sql::blank_comments(sql);
        assert_eq!(blanked.len(), sql.len());
        assert!(!blanked.contains("CREATE"), "{blanked:?}");
        assert_eq!(texts(&blanked).len(), 1);
    }
}
