//! BERDL's activity log, written the way its IPython kernels write it: one JSON object per line
//! on the process's stderr (the container log, never the notebook) — `session_start` at start,
//! `cell_execution` before each non-empty cell, `cell_error` after a failed one. The user comes
//! from `NB_USER`, then `USER`; nothing else goes on these lines, never the token.
//! Must not: write to the notebook, or write anything but these fields.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;

/// Cells longer than this are cut, with `... (truncated)` appended.
const MAX_CODE: usize = 10_000;

/// Where activity lines go: stderr, or a buffer in tests.
#[derive(Clone)]
pub struct ActivityLog {
    user: String,
    out: Arc<Mutex<dyn Write + Send>>,
}

impl ActivityLog {
    /// A log on stderr for `user`.
    pub fn stderr(user: String) -> ActivityLog {
        ActivityLog::to(user, Arc::new(Mutex::new(std::io::stderr())))
    }

    pub fn to(user: String, out: Arc<Mutex<dyn Write + Send>>) -> ActivityLog {
        let log = ActivityLog { user, out };
        log.write("session_start", |line| {
            line.insert(
                "message".into(),
                json!("Activity logging enabled (container stderr)"),
            );
        });
        log
    }

    /// Before a cell runs (empty cells are not logged).
    pub fn cell(&self, code: &str) {
        if code.trim().is_empty() {
            return;
        }
        let code = match code.char_indices().nth(MAX_CODE) {
            Some((cut, _)) => format!("{}... (truncated)", &code[..cut]),
            None => code.to_owned(),
        };
        self.write("cell_execution", |line| {
            line.insert("code".into(), json!(code));
        });
    }

    /// After a cell failed.
    pub fn error(&self, error_type: &str, message: &str) {
        self.write("cell_error", |line| {
            line.insert("error_type".into(), json!(error_type));
            line.insert("error_message".into(), json!(message));
        });
    }

    fn write(
        &self,
        kind: &str,
        fill: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
    ) {
        let mut line = serde_json::Map::new();
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
        line.insert("timestamp".into(), json!(now));
        line.insert("user".into(), json!(self.user));
        line.insert("type".into(), json!(kind));
        fill(&mut line);
        let text = serde_json::Value::Object(line).to_string();
        {
            let mut out = crate::sync::locked(&self.out);
            // One write per line, so that lines of other writers never cut into it.
            let _ = out.write_all(format!("{text}\n").as_bytes());
            let _ = out.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_berdls_json_with_the_user_and_nothing_else() {
        let buffer: Arc<Mutex<Vec<u8>>> = Arc::default();
        let log = ActivityLog::to("alice".into(), buffer.clone());
        log.cell("");
        log.cell("SELECT 1");
        log.cell(&"x".repeat(10_005));
        log.error("AnalysisException", "[UNRESOLVED_COLUMN] nope");
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert_eq!(lines[0]["type"], "session_start");
        assert_eq!(
            lines[0]["message"],
            "Activity logging enabled (container stderr)"
        );
        assert_eq!(lines[1]["type"], "cell_execution");
        assert_eq!(lines[1]["code"], "SELECT 1");
        assert_eq!(lines[1]["user"], "alice");
        let cut = lines[2]["code"].as_str().unwrap();
        assert!(cut.ends_with("... (truncated)"), "{}", cut.len());
        assert!(cut.len() == 10_000 + 15, "{}", cut.len());
        assert_eq!(lines[3]["error_type"], "AnalysisException");
        assert_eq!(lines[3]["error_message"], "[UNRESOLVED_COLUMN] nope");
        for line in &lines {
            let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
            assert!(keys.len() <= 5, "{keys:?}");
            let stamp = line["timestamp"].as_str().unwrap();
            assert!(
                chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
                "{stamp}"
            );
            assert!(stamp.ends_with("+00:00"), "{stamp}");
        }
    }
}
