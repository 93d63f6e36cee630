//! This session's cells, for `history_request`: tail, range and glob search.

use crate::jupyter::{HistoryEntry, HistoryQuery};

/// The session number every entry carries (the kernel keeps one session's history).
const SESSION: i64 = 1;

#[derive(Debug, Default)]
pub struct History {
    entries: Vec<HistoryEntry>,
}

impl History {
    pub fn record(&mut self, line: usize, input: &str) {
        self.entries.push(HistoryEntry {
            session: SESSION,
            line,
            input: input.to_owned(),
            output: None,
        });
    }

    /// Keeps the text form of the cell's result beside its input.
    pub fn set_output(&mut self, line: usize, output: String) {
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.line == line) {
            entry.output = Some(output);
        }
    }

    pub fn query(&self, query: &HistoryQuery, output: bool) -> Vec<HistoryEntry> {
        let picked: Vec<&HistoryEntry> = match query {
            HistoryQuery::Tail { n } => {
                let skip = self.entries.len().saturating_sub(*n);
                self.entries.iter().skip(skip).collect()
            }
            HistoryQuery::Range {
                session,
                start,
                stop,
            } => {
                // 0 and negative sessions are relative to the current one.
                if *session > 0 && *session != SESSION {
                    Vec::new()
                } else {
                    self.entries
                        .iter()
                        .filter(|e| (e.line as i64) >= *start && (e.line as i64) < *stop)
                        .collect()
                }
            }
            HistoryQuery::Search { pattern, n, unique } => {
                let mut found: Vec<&HistoryEntry> = self
                    .entries
                    .iter()
                    .filter(|e| glob_match(pattern, &e.input))
                    .collect();
                if *unique {
                    // Keep the latest run of each input.
                    let mut seen = std::collections::HashSet::new();
                    found.reverse();
                    found.retain(|e| seen.insert(e.input.as_str()));
                    found.reverse();
                }
                if let Some(n) = n {
                    let skip = found.len().saturating_sub(*n);
                    found.drain(..skip);
                }
                found
            }
        };
        picked
            .into_iter()
            .map(|e| HistoryEntry {
                output: if output {
                    Some(e.output.clone().unwrap_or_default())
                } else {
                    None
                },
                ..e.clone()
            })
            .collect()
    }
}

/// Shell-style glob: `*` any run of characters, `?` one character.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        let mut h = History::default();
        for (line, code) in ["SELECT 1", "%limit 5", "SELECT 2", "SELECT 1"]
            .iter()
            .enumerate()
        {
            h.record(line + 1, code);
        }
        h.set_output(3, "2".into());
        h
    }

    fn inputs(entries: Vec<HistoryEntry>) -> Vec<String> {
        entries.into_iter().map(|e| e.input).collect()
    }

    #[test]
    fn tail_range_and_search() {
        let h = history();
        assert_eq!(
            inputs(h.query(&HistoryQuery::Tail { n: 2 }, false)),
            ["SELECT 2", "SELECT 1"]
        );
        let range = h.query(
            &HistoryQuery::Range {
                session: 0,
                start: 2,
                stop: 4,
            },
            true,
        );
        assert_eq!(range.len(), 2);
        assert_eq!(range[1].output.as_deref(), Some("2"));
        assert_eq!(range[0].output.as_deref(), Some(""));
        let all = |pattern: &str, unique| HistoryQuery::Search {
            pattern: pattern.into(),
            n: None,
            unique,
        };
        assert_eq!(inputs(h.query(&all("SELECT*", false), false)).len(), 3);
        assert_eq!(
            inputs(h.query(&all("SELECT*", true), false)),
            ["SELECT 2", "SELECT 1"]
        );
        assert_eq!(
            inputs(h.query(&all("%lim?t *", false), false)),
            ["%limit 5"]
        );
        let last = HistoryQuery::Search {
            pattern: "*".into(),
            n: Some(1),
            unique: false,
        };
        assert_eq!(inputs(h.query(&last, false)), ["SELECT 1"]);
    }

    #[test]
    fn glob_matching() {
        assert!(glob_match("*", ""));
        assert!(glob_match("a*c", "abbbc"));
        assert!(!glob_match("a*c", "abbb"));
        assert!(glob_match("?ü*", "xü日本"));
    }
}
