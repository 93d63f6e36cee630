//! The magics: their names, usage lines and descriptions. What each does lives in the kernel.

/// A magic as `%lsmagic` lists it.
#[derive(Debug, Clone, Copy)]
pub struct MagicSpec {
    pub name: &'static str,
    pub usage: &'static str,
    pub description: &'static str,
    /// Whether it may open a cell as `%%name`.
    pub cell: bool,
}

pub const MAGICS: &[MagicSpec] = &[
    MagicSpec {
        name: "whoami",
        usage: "%whoami",
        description: "Show your KBase identity, token expiry, roles and the Spark Connect address (never the token).",
        cell: false,
    },
    MagicSpec {
        name: "lsmagic",
        usage: "%lsmagic",
        description: "List every magic with a one-line description.",
        cell: false,
    },
    MagicSpec {
        name: "limit",
        usage: "%limit [N]  |  %%limit N (this cell only)",
        description: "Show or set how many rows each result shows (at most N+1 rows are fetched).",
        cell: true,
    },
    MagicSpec {
        name: "truncate",
        usage: "%truncate [N]  (0: show values whole)",
        description: "Show or set how many characters of a value are shown before it is cut at …",
        cell: false,
    },
    MagicSpec {
        name: "conf",
        usage: "%conf  |  %conf KEY  |  %conf KEY=VALUE",
        description: "Show the Spark settings of the session (all, or one), or set one.",
        cell: false,
    },
    MagicSpec {
        name: "reconnect",
        usage: "%reconnect",
        description: "Re-read and re-validate the KBase token and open a fresh Spark session.",
        cell: false,
    },
    MagicSpec {
        name: "echo",
        usage: "%echo TEXT",
        description: "Print TEXT to standard output (like psql's \\echo), for notes in batch runs.",
        cell: false,
    },
    MagicSpec {
        name: "warn",
        usage: "%warn TEXT",
        description: "Print TEXT to standard error (like psql's \\warn).",
        cell: false,
    },
    MagicSpec {
        name: "sleep",
        usage: "%sleep SECONDS",
        description: "Wait, interruptibly (for pacing batch runs and trying out interrupts).",
        cell: false,
    },
];

pub fn find(name: &str) -> Option<&'static MagicSpec> {
    MAGICS.iter().find(|m| m.name == name)
}

/// `%a, %b, …` for error messages.
pub fn known_list() -> String {
    MAGICS
        .iter()
        .map(|m| format!("%{}", m.name))
        .collect::<Vec<_>>()
        .join(", ")
}
