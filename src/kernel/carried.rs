//! Results that carry forward: a query's result becomes a temporary view named `_N` (`_N_2`
//! for a cell's second result) and `_` (the last one) in the Spark session, over its own
//! statement (no data moved); the newest [`KEPT`] are kept. A user's own table or view of such
//! a name wins: the kernel leaves the name to it and says so once.
//! Must not: word what it tells (`words` does) or make a view of a command (it would run again).

use std::collections::{HashSet, VecDeque};

use super::cell_scope::CellScope;
use super::words;
use crate::session::SessionError;
use crate::sql::names::{self, result_name};
use spark_connect::{KeptView, SparkError};

/// How many results stay defined; older ones are dropped.
pub const KEPT: usize = 200;

/// The name of the last result.
pub const LAST: &str = "_";

/// A result kept as a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Carry {
    pub name: String,
    pub count: u32,
    pub statement: String,
    /// The receipt of the statement that made it, when the journal gave one.
    pub receipt: Option<String>,
}

/// The results this kernel keeps, and the names that are the user's own.
#[derive(Debug, Default)]
pub struct Carried {
    kept: VecDeque<Carry>,
    /// Result names that belong to a table or view of the user's.
    users: HashSet<String>,
    /// Names whose clash the user was told of.
    told: HashSet<String>,
    /// The current namespace was searched for tables with result names.
    searched: bool,
    /// `_` is this kernel's view.
    last_defined: bool,
    /// The oldest execution count still kept (older results are gone).
    oldest: Option<u32>,
}

impl Carried {
    /// The kept results, oldest first.
    pub fn kept(&self) -> impl Iterator<Item = &Carry> {
        self.kept.iter()
    }

    /// Whether `name` named a result that was dropped to keep the newest [`KEPT`].
    pub fn is_gone(&self, name: &str) -> bool {
        let Some((count, _)) = names::parse_result_name(name) else {
            return false;
        };
        let dropped = self.oldest.is_some_and(|oldest| count < oldest);
        dropped && !self.kept.iter().any(|c| c.name == name) && !self.users.contains(name)
    }
}

/// Keeps the result of `statement` (a query that just ran) as `_N` / `_N_K` and `_`; the
/// name it got, or `None` when it could not be kept (the reason was shown).
pub async fn keep(
    scope: &mut CellScope<'_>,
    statement: &str,
    count: u32,
    nth: usize,
    receipt: Option<&str>,
) -> Option<String> {
    if !scope.carried.searched {
        search_namespace(scope).await;
    }
    let name = result_name(count, nth);
    let kept = if scope.carried.users.contains(&name) {
        tell_clash(scope, &name);
        None
    } else {
        define(scope, &name, statement, false).await.then_some(name)
    };
    if !scope.carried.users.contains(LAST) {
        let replace = scope.carried.last_defined;
        scope.carried.last_defined = define(scope, LAST, statement, replace).await;
    }
    let name = kept?;
    let carried = &mut *scope.carried;
    carried.oldest.get_or_insert(count);
    carried.kept.push_back(Carry {
        name: name.clone(),
        count,
        statement: statement.to_owned(),
        receipt: receipt.map(str::to_owned),
    });
    while scope.carried.kept.len() > KEPT {
        let Some(old) = scope.carried.kept.pop_front() else {
            break;
        };
        scope.carried.oldest = scope.carried.kept.front().map(|c| c.count);
        if let Err(e) = scope.drop_view(&old.name).await {
            tracing::warn!("dropping {}: {e}", old.name);
        }
    }
    Some(name)
}

/// Defines the view `name` over `statement`; whether it now is this kernel's.
async fn define(scope: &mut CellScope<'_>, name: &str, statement: &str, replace: bool) -> bool {
    let view = KeptView {
        name: name.to_owned(),
        query: statement.to_owned(),
    };
    match scope.keep_view(view, replace).await {
        Ok(()) => true,
        Err(SessionError::Spark(SparkError::Server(e))) if already_exists(&e) => {
            scope.carried.users.insert(name.to_owned());
            tell_clash(scope, name);
            false
        }
        Err(SessionError::Spark(SparkError::Cancelled)) => false,
        Err(e) => {
            scope.out.stderr(words::not_carried(name, &e));
            false
        }
    }
}

fn already_exists(error: &spark_connect::ServerError) -> bool {
    const CLASS: &str = "TEMP_TABLE_OR_VIEW_ALREADY_EXISTS";
    error.error_class.as_deref() == Some(CLASS) || error.message.contains(CLASS)
}

/// Says once that the user's own table or view holds `name`.
fn tell_clash(scope: &mut CellScope<'_>, name: &str) {
    if scope.carried.told.insert(name.to_owned()) {
        scope.out.stderr(words::result_name_taken(name));
    }
}

/// Learns which result names the current namespace's tables and the session's temporary
/// views already hold (the user's, before this kernel made any).
async fn search_namespace(scope: &mut CellScope<'_>) {
    scope.carried.searched = true;
    let (reports, _) = tokio::sync::watch::channel(spark_connect::Running::default());
    let Ok(result) = scope.run("SHOW TABLES LIKE '_*'", 10_000, &reports).await else {
        return;
    };
    let ours: HashSet<&str> = scope.carried.kept.iter().map(|c| c.name.as_str()).collect();
    let mut found = Vec::new();
    for row in result.texts().unwrap_or_default() {
        if let Some(Some(name)) = row.get(1) {
            let ours = ours.contains(name.as_str()) || (name == LAST && scope.carried.last_defined);
            if names::is_result_name(name) && !ours {
                found.push(name.clone());
            }
        }
    }
    scope.carried.users.extend(found);
}

/// After a statement of the user's ran: a table or view it made with a result name is the
/// user's from now on (this kernel's view of that name is dropped or forgotten); a `USE`
/// means the new namespace is searched before the next result is kept.
pub async fn after_statement(scope: &mut CellScope<'_>, statement: &str) {
    if crate::sql::first_keyword(statement).as_deref() == Some("USE") {
        scope.carried.searched = false;
        return;
    }
    let Some(made) = names::created(statement) else {
        return;
    };
    if !names::is_result_name(&made.name) || scope.carried.users.contains(&made.name) {
        return;
    }
    let name = made.name;
    let was_ours = scope.carried.kept.iter().any(|c| c.name == name)
        || (name == LAST && scope.carried.last_defined);
    scope.carried.kept.retain(|c| c.name != name);
    if name == LAST {
        scope.carried.last_defined = false;
    }
    scope.carried.users.insert(name.clone());
    if was_ours {
        if made.temporary {
            // The user's view replaced this kernel's: only stop keeping it.
            scope.forget_view(&name);
        } else if let Err(e) = scope.drop_view(&name).await {
            tracing::info!("dropping {name}: {e}");
        }
    }
    tell_clash(scope, &name);
}
