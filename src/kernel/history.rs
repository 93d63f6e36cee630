//! This session's cells, for `history_request`: tail, range and glob search.
//! Must not: persist anything: history lives as long as the kernel.

use jupyter_kernel::{HistoryQuery, HistoryRequest};
use jupyter_protocol::{HistoryEntry as WireEntry, HistoryReply};

/// The session number every entry carries (the kernel keeps one session's history).
const SESSION: i64 = 1;
/// Bytes of a cell's output kept: the start of a longer one, with a note.
const MAX_OUTPUT: usize = 16 * 1024;
/// Bytes of outputs kept in all: the oldest are dropped (their inputs stay).
const MAX_OUTPUTS: usize = 4 * 1024 * 1024;

/// One cell kept: the session number, its execution count, its input, its output's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub session: i64,
    pub line: usize,
    pub input: String,
    pub output: Option<String>,
}

#[derive(Debug, Default)]
pub struct History {
    entries: Vec<Entry>,
    /// Bytes of the outputs kept.
    output_bytes: usize,
}

impl History {
    pub fn record(&mut self, line: usize, input: &str) {
        self.entries.push(Entry {
            session: SESSION,
            line,
            input: input.to_owned(),
            output: None,
        });
    }

    /// Keeps the text form of the cell's result beside its input: at most [`MAX_OUTPUT`]
    /// bytes of it, and [`MAX_OUTPUTS`] for all cells (the oldest outputs go first).
    pub fn set_output(&mut self, line: usize, mut output: String) {
        if output.len() > MAX_OUTPUT {
            let total = output.len();
            let mut end = MAX_OUTPUT;
            while !output.is_char_boundary(end) {
                end -= 1;
            }
            // A new string: truncating would keep the whole allocation.
            output = format!("{}\n… (kept {end} of {total} bytes)", &output[..end]);
        }
        let Some(entry) = self.entries.iter_mut().rev().find(|e| e.line == line) else {
            return;
        };
        self.output_bytes += output.len();
        if let Some(old) = entry.output.replace(output) {
            self.output_bytes -= old.len();
        }
        let mut oldest = self.entries.iter_mut();
        while self.output_bytes > MAX_OUTPUTS {
            let Some(entry) = oldest.next() else { break };
            if let Some(dropped) = entry.output.take() {
                self.output_bytes -= dropped.len();
            }
        }
    }

    /// The `history_reply` to `request`.
    pub fn reply(&self, request: &HistoryRequest) -> HistoryReply {
        let entries = self.query(&request.query, request.output);
        let history = entries
            .into_iter()
            .map(|e| {
                let session = usize::try_from(e.session).unwrap_or(0);
                match e.output {
                    Some(output) if request.output => {
                        WireEntry::InputOutput(session, e.line, (e.input, output))
                    }
                    _ => WireEntry::Input(session, e.line, e.input),
                }
            })
            .collect();
        HistoryReply::new(history)
    }

    pub fn query(&self, query: &HistoryQuery, output: bool) -> Vec<Entry> {
        let picked: Vec<&Entry> = match query {
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
                let mut found: Vec<&Entry> = self
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
            .map(|e| Entry {
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

    fn inputs(entries: Vec<Entry>) -> Vec<String> {
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
        assert!(glob_match("*", ""), "* matches nothing too");
        assert!(glob_match("a*c", "abbbc"), "* matches a run");
        assert!(!glob_match("a*c", "abbb"), "the end must match");
        assert!(
            glob_match("?ü*", "xü日本"),
            "? and * count characters, not bytes"
        );
    }

    #[test]
    fn outputs_are_kept_short_and_the_oldest_go_first() {
        let mut h = History::default();
        h.record(1, "SELECT big");
        h.set_output(1, "é".repeat(MAX_OUTPUT));
        let kept = h.query(&HistoryQuery::Tail { n: 1 }, true)[0]
            .output
            .clone()
            .unwrap();
        assert!(kept.len() < MAX_OUTPUT + 64, "{}", kept.len());
        assert!(
            kept.ends_with(&format!(
                "(kept {} of {} bytes)",
                MAX_OUTPUT,
                2 * MAX_OUTPUT
            )),
            "{kept:?}"
        );
        for line in 2..1000 {
            h.record(line, "SELECT more");
            h.set_output(line, "x".repeat(MAX_OUTPUT));
        }
        assert!(h.output_bytes <= MAX_OUTPUTS, "{:?}", h.output_bytes);
        let all = h.query(&HistoryQuery::Tail { n: 1000 }, true);
        assert_eq!(all.len(), 999, "inputs are all kept");
        assert_eq!(all[0].output.as_deref(), Some(""), "the oldest output went");
        assert_eq!(all[998].output.as_ref().unwrap().len(), MAX_OUTPUT);
        let kept: usize = all.iter().map(|e| e.output.as_ref().unwrap().len()).sum();
        assert_eq!(kept, h.output_bytes);
    }
}
