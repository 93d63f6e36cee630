//! Results that carry forward: a query's result is named `_N` (`_N_2` for a cell's second
//! result) and `_` (the last one), and becomes a temporary view over its own statement (no
//! data moved) when a later statement reads it — or as it arrives, once a PySpark client may
//! read it (`%session`). The newest [`KEPT`] are kept. A user's own table or view of such a
//! name wins: the kernel leaves the name to it and says so once.
//! Must not: word what it tells (`words` does) or make a view of a command (it would run again).

use std::collections::{HashSet, VecDeque};

use super::cell_scope::CellScope;
use super::words;
use crate::session::{CatalogColumn, SessionError};
use crate::sql::names::{self, result_name};
use spark_connect::{KeptView, SparkError};

mod catalog;

pub use catalog::WithResults;

/// How many results stay named; older ones are dropped.
pub const KEPT: usize = 200;

/// The name of the last result.
pub const LAST: &str = "_";

/// How deep a chain of results (`_13` reads `_12` reads …) is defined at most in one go.
const MAX_CHAIN: usize = 64;

/// A result kept under a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Carry {
    pub name: String,
    pub count: u32,
    pub statement: String,
    /// The receipt of the statement that made it, when the journal gave one.
    pub receipt: Option<String>,
    /// Its columns (for completion without asking Spark).
    pub columns: Vec<CatalogColumn>,
    /// It is a view in the Spark session now.
    defined: bool,
    /// The explorer's view that shows it, told when the name is gone.
    view: Option<String>,
}

/// The results this kernel keeps, and the names that are the user's own.
#[derive(Debug, Default)]
pub struct Carried {
    /// Results are not named (`SPARK_SQL_KERNEL_RESULT_VIEWS=off`).
    off: bool,
    /// Each result becomes a view as it arrives (a PySpark client may read it).
    eager: bool,
    kept: VecDeque<Carry>,
    /// The last result's statement (what `_` stands for), and whether `_` is it in Spark now.
    last: Option<String>,
    last_defined: bool,
    /// `_` is this kernel's view in Spark (replaced as the last result changes).
    last_ours: bool,
    /// Result names that belong to a table or view of the user's.
    users: HashSet<String>,
    /// Names whose clash the user was told of.
    told: HashSet<String>,
    /// The current namespace was searched for tables with result names.
    searched: bool,
    /// The oldest execution count still kept (older results are gone).
    oldest: Option<u32>,
}

impl Carried {
    /// Results named when `on`.
    pub fn new(on: bool) -> Carried {
        Carried {
            off: !on,
            ..Carried::default()
        }
    }

    /// The kept results, oldest first.
    pub fn kept(&self) -> impl DoubleEndedIterator<Item = &Carry> {
        self.kept.iter()
    }

    /// The explorer's view `view` shows the result `name`.
    pub fn shown_in(&mut self, name: &str, view: String) {
        if let Some(carry) = self.kept.iter_mut().find(|c| c.name == name) {
            carry.view = Some(view);
        }
    }

    fn find(&self, name: &str) -> Option<&Carry> {
        self.kept.iter().find(|c| c.name == name)
    }

    /// Whether `name` named a result that was dropped to keep the newest [`KEPT`].
    pub fn is_gone(&self, name: &str) -> bool {
        let Some((count, _)) = names::parse_result_name(name) else {
            return false;
        };
        let dropped = self.oldest.is_some_and(|oldest| count < oldest);
        dropped && self.find(name).is_none() && !self.users.contains(name)
    }
}

/// What a result is kept with: its statement, cell, place in the cell, receipt and columns.
pub struct Kept<'a> {
    pub statement: &'a str,
    pub count: u32,
    pub nth: usize,
    pub receipt: Option<&'a str>,
    pub columns: Vec<CatalogColumn>,
}

/// Names the result of a query that just ran `_N` / `_N_K` (and `_`); the name, or `None`
/// when the name is the user's (told once) or results are not named.
pub async fn keep(scope: &mut CellScope<'_>, kept: Kept<'_>) -> Option<String> {
    if scope.carried.off {
        return None;
    }
    let carried = &mut *scope.carried;
    carried.last = Some(kept.statement.to_owned());
    carried.last_defined = false;
    let name = result_name(kept.count, kept.nth);
    if carried.users.contains(&name) {
        tell_clash(scope, &name);
        return None;
    }
    carried.oldest.get_or_insert(kept.count);
    carried.kept.push_back(Carry {
        name: name.clone(),
        count: kept.count,
        statement: kept.statement.to_owned(),
        receipt: kept.receipt.map(str::to_owned),
        columns: kept.columns,
        defined: false,
        view: None,
    });
    while scope.carried.kept.len() > KEPT {
        let Some(old) = scope.carried.kept.pop_front() else {
            break;
        };
        scope.carried.oldest = scope.carried.kept.front().map(|c| c.count);
        if let (Some(view), Some(explorer)) = (&old.view, scope.explorer.as_deref()) {
            let label = words::result_gone_label(&old.name, old.receipt.as_deref(), KEPT);
            explorer.relabel(view, &label, scope.out.ctx());
        }
        if old.defined {
            if let Err(e) = scope.drop_view(&old.name).await {
                tracing::warn!("dropping {}: {e}", old.name);
            }
        }
    }
    if scope.carried.eager {
        ensure(scope, &name).await;
        ensure(scope, LAST).await;
        // A name the user's own view took meanwhile is theirs: this result has none.
        return scope.carried.find(&name).map(|_| name);
    }
    Some(name)
}

/// Before a statement runs: the results it reads become views (with the results they read).
pub async fn before_statement(scope: &mut CellScope<'_>, statement: &str) {
    if scope.carried.off {
        return;
    }
    for name in names::result_names_in(statement) {
        ensure(scope, &name).await;
    }
}

/// Every kept result becomes a view now, and each later one as it arrives (`%session`: a
/// PySpark client may read them).
pub async fn define_all(scope: &mut CellScope<'_>) {
    if scope.carried.off {
        return;
    }
    scope.carried.eager = true;
    let names: Vec<String> = scope.carried.kept.iter().map(|c| c.name.clone()).collect();
    for name in names {
        ensure(scope, &name).await;
    }
    ensure(scope, LAST).await;
}

/// Makes `name` a view in the session unless it is one (or is not this kernel's), the
/// results its statement reads first.
async fn ensure(scope: &mut CellScope<'_>, name: &str) {
    let mut wanted = vec![name.to_owned()];
    let mut order: Vec<String> = Vec::new();
    // The chain of results `name` reads, deepest first.
    while let Some(next) = wanted.pop() {
        if order.contains(&next) || order.len() >= MAX_CHAIN {
            continue;
        }
        let Some(statement) = pending_statement(scope.carried, &next) else {
            continue;
        };
        wanted.extend(names::result_names_in(&statement));
        order.push(next);
    }
    if order.is_empty() {
        return;
    }
    if !scope.carried.searched {
        search_namespace(scope).await;
    }
    for name in order.into_iter().rev() {
        if scope.carried.users.contains(&name) {
            continue;
        }
        let Some(statement) = pending_statement(scope.carried, &name) else {
            continue;
        };
        let replace = name == LAST && scope.carried.last_ours;
        if define(scope, &name, &statement, replace).await {
            mark_defined(scope.carried, &name);
        }
    }
}

/// The statement of `name` when it is this kernel's and not a view yet.
fn pending_statement(carried: &Carried, name: &str) -> Option<String> {
    if name == LAST {
        return carried
            .last
            .clone()
            .filter(|_| !carried.last_defined && !carried.users.contains(LAST));
    }
    carried
        .find(name)
        .filter(|c| !c.defined)
        .map(|c| c.statement.clone())
}

fn mark_defined(carried: &mut Carried, name: &str) {
    if name == LAST {
        carried.last_defined = true;
        carried.last_ours = true;
    } else if let Some(carry) = carried.kept.iter_mut().find(|c| c.name == name) {
        carry.defined = true;
    }
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
            take_name(scope.carried, name);
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

/// The view `name` of this kernel's is gone from the session (the user dropped it).
fn forget_defined(scope: &mut CellScope<'_>, name: &str) {
    let carried = &mut *scope.carried;
    let ours = if name == LAST {
        let ours = carried.last_ours;
        carried.last_defined = false;
        carried.last_ours = false;
        ours
    } else {
        let carry = carried.kept.iter_mut().find(|c| c.name == name);
        carry.is_some_and(|c| std::mem::replace(&mut c.defined, false))
    };
    if ours {
        scope.forget_view(name);
    }
}

/// `name` is the user's from now on: this kernel no longer keeps a result under it.
fn take_name(carried: &mut Carried, name: &str) {
    carried.users.insert(name.to_owned());
    carried.kept.retain(|c| c.name != name);
    if name == LAST {
        carried.last_defined = false;
        carried.last_ours = false;
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
/// views hold that are not this kernel's views (the user's).
async fn search_namespace(scope: &mut CellScope<'_>) {
    scope.carried.searched = true;
    let (reports, _) = tokio::sync::watch::channel(spark_connect::Running::default());
    let Ok(result) = scope.run("SHOW TABLES LIKE '_*'", 10_000, &reports).await else {
        return;
    };
    let carried = &mut *scope.carried;
    let ours = |name: &str| {
        carried.kept.iter().any(|c| c.name == name && c.defined)
            || (name == LAST && carried.last_ours)
    };
    let found: Vec<String> = result
        .texts()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|row| row.into_iter().nth(1).flatten())
        .filter(|name| names::is_result_name(name) && !ours(name))
        .collect();
    for name in found {
        take_name(carried, &name);
    }
}

/// After a statement of the user's ran: a table or view it made with a result name is the
/// user's from now on (this kernel's view of that name is dropped or forgotten); a `USE`
/// means the new namespace is searched before the next result becomes a view.
pub async fn after_statement(scope: &mut CellScope<'_>, statement: &str) {
    if scope.carried.off {
        return;
    }
    if crate::sql::first_keyword(statement).as_deref() == Some("USE") {
        scope.carried.searched = false;
        return;
    }
    if let Some(name) = names::dropped_view(statement) {
        // The user dropped a result's view: it is defined again when next read.
        forget_defined(scope, &name);
        return;
    }
    let Some(made) = names::created(statement) else {
        return;
    };
    if !names::is_result_name(&made.name) || scope.carried.users.contains(&made.name) {
        return;
    }
    let name = made.name;
    let defined = scope.carried.find(&name).is_some_and(|c| c.defined)
        || (name == LAST && scope.carried.last_ours);
    take_name(scope.carried, &name);
    if defined {
        if made.temporary {
            // The user's view replaced this kernel's: only stop keeping it.
            scope.forget_view(&name);
        } else if let Err(e) = scope.drop_view(&name).await {
            tracing::info!("dropping {name}: {e}");
        }
    }
    tell_clash(scope, &name);
}
