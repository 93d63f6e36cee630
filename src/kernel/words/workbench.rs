//! The words of the workbench's panels (the catalog sidebar, the history panel).
//! Must not: decide anything (the workbench's answers are facts; these only word them).

use crate::kernel::workbench::Unanswered;
use crate::sql::dotted;

/// Why a panel's request got no answer, and what to do.
pub fn workbench(why: &Unanswered) -> String {
    match why {
        Unanswered::Slow => "Spark has not answered yet (a busy or starting server). The lookup goes on: expand it again in a moment.".to_owned(),
        Unanswered::Unknown(path) => format!(
            "Spark does not describe {} to you: it may have been dropped (press Refresh), or your namespace's rules keep it from you.",
            dotted(path)
        ),
        Unanswered::BadPath(path) => format!("{} is not a catalog, namespace or table.", dotted(path)),
        Unanswered::NoJournal(None) => "The journal is off (SPARK_SQL_KERNEL_JOURNAL=off): there is no history to show.".to_owned(),
        Unanswered::NoJournal(Some(why)) => format!("The journal could not be read: {why}"),
        Unanswered::Failed(error) => format!("The preview could not be read: {}", super::session(error)),
    }
}

/// The session could not be reached to read the catalog.
pub fn workbench_session(error: &crate::session::SessionError) -> String {
    format!("The catalog could not be read: {}", super::session(error))
}
