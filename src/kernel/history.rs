//! The cells of this kernel run and of earlier ones, for `history_request`: tail, range and
//! glob search. Earlier runs' cells come from the journal (read in the background at start),
//! each run a session numbered from 1 in the order they ran; this run is the last session.
//! Must not: write anything (the journal records cells) or wait for the journal.

use std::sync::{Arc, OnceLock};

use jupyter_kernel::{HistoryQuery, HistoryRequest};
use jupyter_protocol::{HistoryEntry as WireEntry, HistoryReply};

/// The session number this run's entries carry until the earlier runs are known.
const SESSION: i64 = 0;
/// Cells of earlier runs read from the journal at most.
pub const PAST_CELLS: usize = 2000;
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
    /// Earlier runs' cells, once read (their sessions numbered from 1).
    past: Arc<OnceLock<Vec<Entry>>>,
}

impl History {
    /// A history whose earlier runs are read from `journal` in the background (cells of
    /// `notebook`, or of every notebook when it is unknown).
    pub fn reading(journal: Option<crate::journal::Reader>, notebook: Option<String>) -> History {
        let history = History::default();
        let Some(journal) = journal.filter(|j| j.path().exists()) else {
            return history;
        };
        let past = Arc::clone(&history.past);
        let read = move || {
            let cells = journal
                .cells(notebook.as_deref(), PAST_CELLS)
                .unwrap_or_else(|e| {
                    tracing::info!("history: {e}");
                    Vec::new()
                });
            let _ = past.set(sessions(cells));
        };
        if let Err(e) = std::thread::Builder::new()
            .name("history".into())
            .spawn(read)
        {
            tracing::info!("history: {e}");
        }
        history
    }

    /// This run's session number: one after the earlier runs' (1 until they are read).
    fn session(&self) -> i64 {
        self.past
            .get()
            .map_or(1, |p| p.last().map_or(1, |e| e.session + 1))
    }

    /// Every entry, earlier runs first, with this run's session number filled in.
    fn all(&self) -> Vec<Entry> {
        let current = self.session();
        let past = self.past.get().map(Vec::as_slice).unwrap_or_default();
        past.iter()
            .cloned()
            .chain(self.entries.iter().map(|e| Entry {
                session: current,
                ..e.clone()
            }))
            .collect()
    }
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
        let all = self.all();
        let picked: Vec<&Entry> = match query {
            HistoryQuery::Tail { n } => {
                let skip = all.len().saturating_sub(*n);
                all.iter().skip(skip).collect()
            }
            HistoryQuery::Range {
                session,
                start,
                stop,
            } => {
                // 0 and negative sessions are relative to the current one.
                let wanted = if *session > 0 {
                    *session
                } else {
                    self.session() + session
                };
                all.iter()
                    .filter(|e| e.session == wanted)
                    .filter(|e| (e.line as i64) >= *start && (e.line as i64) < *stop)
                    .collect()
            }
            HistoryQuery::Search { pattern, n, unique } => {
                let mut found: Vec<&Entry> = all
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

/// Earlier runs' cells as entries, each run (kernel id) a session numbered from 1 in the
/// order the runs started.
fn sessions(cells: Vec<crate::journal::CellRow>) -> Vec<Entry> {
    let mut kernels: Vec<String> = Vec::new();
    let mut entries = Vec::with_capacity(cells.len());
    for cell in cells {
        let index = match kernels.iter().position(|k| *k == cell.kernel) {
            Some(i) => i,
            None => {
                kernels.push(cell.kernel.clone());
                kernels.len() - 1
            }
        };
        entries.push(Entry {
            session: index as i64 + 1,
            line: cell.execution_count as usize,
            input: cell.code,
            output: None,
        });
    }
    // A run that started earlier but whose cells interleave with a later one's keeps its
    // number: entries are ordered by session, then as they ran.
    entries.sort_by_key(|e| e.session);
    entries
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
    fn earlier_runs_come_from_the_journal_as_numbered_sessions() {
        use crate::config::JournalAt;
        use crate::journal::{CellRow, Journal};
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&JournalAt::File(dir.path().join("j.sqlite")));
        let cell = |kernel: &str, line, notebook: &str, code: &str| CellRow {
            kernel: kernel.into(),
            execution_count: line,
            started: format!("2026-12-0{line}T00:00:00Z"),
            notebook: Some(notebook.into()),
            code: code.into(),
        };
        journal.cell(cell("k1", 1, "a.ipynb", "SELECT 'first run'"));
        journal.cell(cell("k2", 2, "b.ipynb", "SELECT 'other notebook'"));
        journal.cell(cell("k3", 3, "a.ipynb", "SELECT 'second run'"));
        journal.flush(std::time::Duration::from_secs(10));
        let mut h = History::reading(journal.reader(), Some("a.ipynb".into()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while h.past.get().is_none() {
            assert!(std::time::Instant::now() < deadline, "never read");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        h.record(1, "SELECT 'this run'");
        let all = h.query(&HistoryQuery::Tail { n: 10 }, false);
        let seen: Vec<(i64, usize, &str)> = all
            .iter()
            .map(|e| (e.session, e.line, e.input.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (1, 1, "SELECT 'first run'"),
                (2, 3, "SELECT 'second run'"),
                (3, 1, "SELECT 'this run'")
            ]
        );
        let previous = HistoryQuery::Range {
            session: -1,
            start: 0,
            stop: 10,
        };
        assert_eq!(inputs(h.query(&previous, false)), ["SELECT 'second run'"]);
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
