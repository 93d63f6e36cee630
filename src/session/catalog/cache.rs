//! The catalog's shared cache: Spark's answers to catalog statements (`SHOW …`, `DESCRIBE …`),
//! keyed by the statement, for one Spark session. A statement asked for the first time runs
//! in a task of its own: whoever asked waits for it until their deadline, and the task runs on
//! (up to [`BACKGROUND`]), so the next asker gets its answer even when Spark is slower than
//! any one deadline. Completion, inspection and the sidebar share it; statements that may
//! change the catalog drop what they may have changed.
//! Must not: run statements itself (it is handed the future that does) or read their rows.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::sync::locked;

/// How long a lookup may run on after its asker gave up.
pub const BACKGROUND: Duration = Duration::from_secs(60);

/// A statement's rows, as text.
pub type Rows = Arc<Vec<Vec<String>>>;

/// What Spark answered: its rows, or `None` when it refused (an unknown table, say) or did not
/// answer at all.
pub type Answer = Option<Rows>;

/// How a lookup ended, as its task tells the cache.
#[derive(Debug)]
pub enum Fetched {
    Rows(Vec<Vec<String>>),
    /// Spark refused the statement: remembered, until the catalog may have changed.
    Refused,
    /// No answer (the connection failed, or [`BACKGROUND`] passed): asked again next time.
    Lost,
}

/// The cache, shared by whoever asks (clones share it).
#[derive(Debug, Clone, Default)]
pub struct Shared {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    /// The Spark session the answers belong to.
    session: String,
    /// Numbers each lookup, so that one dropped meanwhile is not stored.
    tickets: u64,
    answers: HashMap<String, Entry>,
}

#[derive(Debug)]
enum Entry {
    Ready(Answer),
    Coming {
        ticket: u64,
        answer: watch::Receiver<Option<Answer>>,
    },
}

/// An answer at hand, or one on its way.
#[derive(Debug)]
pub enum Asked {
    Ready(Answer),
    Coming(watch::Receiver<Option<Answer>>),
}

impl Asked {
    /// The answer, if it is here before `deadline` (`None`: not yet; it is still coming).
    pub async fn by(self, deadline: Instant) -> Option<Answer> {
        match self {
            Asked::Ready(answer) => Some(answer),
            Asked::Coming(mut coming) => {
                let waited = tokio::time::timeout_at(deadline, coming.wait_for(Option::is_some));
                match waited.await {
                    Ok(Ok(answer)) => answer.clone(),
                    _ => None,
                }
            }
        }
    }
}

impl Shared {
    /// The answer to `statement` in Spark session `session`: from the cache, from a lookup
    /// already running, or from a new one that runs `fetch()` in a task of its own.
    pub fn ask<F>(&self, session: &str, statement: &str, fetch: impl FnOnce() -> F) -> Asked
    where
        F: Future<Output = Fetched> + Send + 'static,
    {
        let mut state = locked(&self.state);
        if state.session != session {
            // A new Spark session: nothing known of the old one holds.
            state.session = session.to_owned();
            state.answers.clear();
        }
        match state.answers.get(statement) {
            Some(Entry::Ready(answer)) => return Asked::Ready(answer.clone()),
            Some(Entry::Coming { answer, .. }) => return Asked::Coming(answer.clone()),
            None => {}
        }
        state.tickets += 1;
        let ticket = state.tickets;
        let (tell, answer) = watch::channel(None);
        let entry = Entry::Coming {
            ticket,
            answer: answer.clone(),
        };
        state.answers.insert(statement.to_owned(), entry);
        drop(state);
        let shared = self.clone();
        let key = statement.to_owned();
        let fetching = fetch();
        tokio::spawn(async move {
            let fetched = tokio::time::timeout(BACKGROUND, fetching)
                .await
                .unwrap_or(Fetched::Lost);
            let answer = shared.settle(&key, ticket, fetched);
            let _ = tell.send(Some(answer));
        });
        Asked::Coming(answer)
    }

    /// Stores what lookup `ticket` found, unless its entry was dropped meanwhile.
    fn settle(&self, key: &str, ticket: u64, fetched: Fetched) -> Answer {
        let mut state = locked(&self.state);
        let ours = matches!(
            state.answers.get(key),
            Some(Entry::Coming { ticket: t, .. }) if *t == ticket
        );
        let answer = match fetched {
            Fetched::Rows(rows) => Some(Arc::new(rows)),
            Fetched::Refused => None,
            Fetched::Lost => {
                if ours {
                    state.answers.remove(key);
                }
                return None;
            }
        };
        if ours {
            state
                .answers
                .insert(key.to_owned(), Entry::Ready(answer.clone()));
        }
        answer
    }

    /// Drops the answers (and lookups under way) of the statements `dropped` picks.
    pub fn forget(&self, dropped: impl Fn(&str) -> bool) {
        locked(&self.state).answers.retain(|key, _| !dropped(key));
    }

    /// Whether an answer to `statement` is at hand.
    #[cfg(test)]
    pub fn has(&self, statement: &str) -> bool {
        matches!(
            locked(&self.state).answers.get(statement),
            Some(Entry::Ready(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Fetched {
        Fetched::Rows(vec![vec![text.to_owned()]])
    }

    async fn slow(after: Duration, fetched: Fetched) -> Fetched {
        tokio::time::sleep(after).await;
        fetched
    }

    fn first(answer: Option<Answer>) -> Option<String> {
        answer.flatten().map(|rows| rows[0][0].clone())
    }

    #[tokio::test(start_paused = true)]
    async fn a_lookup_past_the_deadline_runs_on_and_the_next_asker_gets_it() {
        let cache = Shared::default();
        let secs = Duration::from_secs;
        let asked = cache.ask("s1", "SHOW CATALOGS", || slow(secs(5), rows("kbase")));
        assert_eq!(asked.by(Instant::now() + secs(2)).await, None, "not yet");
        // The second asker meets the same lookup, still running: no second statement.
        let again = cache.ask("s1", "SHOW CATALOGS", || async { panic!("asked twice") });
        assert_eq!(first(again.by(Instant::now() + secs(2)).await), None);
        tokio::time::sleep(secs(2)).await;
        let third = cache.ask("s1", "SHOW CATALOGS", || async { panic!("asked twice") });
        assert!(matches!(third, Asked::Ready(_)), "{third:?}");
        assert_eq!(first(third.by(Instant::now()).await), Some("kbase".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn what_was_dropped_while_coming_is_not_stored_and_lost_answers_are_asked_again() {
        let cache = Shared::default();
        let secs = Duration::from_secs;
        let asked = cache.ask("s1", "SHOW TABLES", || slow(secs(1), rows("old")));
        cache.forget(|statement| statement == "SHOW TABLES");
        assert_eq!(
            first(asked.by(Instant::now() + secs(5)).await),
            Some("old".into()),
            "its asker still gets it"
        );
        assert!(!cache.has("SHOW TABLES"), "but it is not kept");
        let lost = cache.ask("s1", "SHOW TABLES", || slow(secs(1), Fetched::Lost));
        assert_eq!(lost.by(Instant::now() + secs(5)).await, Some(None));
        let fresh = cache.ask("s1", "SHOW TABLES", || slow(secs(1), rows("new")));
        let fresh = first(fresh.by(Instant::now() + secs(5)).await);
        assert_eq!(fresh, Some("new".into()), "asked again after a loss");
        let refused = cache.ask("s1", "DESCRIBE TABLE t", || slow(secs(1), Fetched::Refused));
        assert_eq!(refused.by(Instant::now() + secs(5)).await, Some(None));
        assert!(cache.has("DESCRIBE TABLE t"), "a refusal is remembered");
        let other = cache.ask("s2", "SHOW TABLES", || slow(secs(1), rows("s2")));
        assert!(
            matches!(other, Asked::Coming(_)),
            "another session knows nothing"
        );
    }
}
