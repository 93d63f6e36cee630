//! The sidebar's filter beyond what is open: the tables and namespaces whose names contain a
//! text, in every catalog Spark lists to the user. Each namespace's tables come from the
//! catalog cache (one `SHOW TABLES` per namespace the first time, at most [`LANES`] at once;
//! Spark has no listing across namespaces), so the next search is answered from memory. What
//! is found so far is told every [`TICK`] while the search goes on.
//! Must not: read a table (listings only), or outlast [`BOUND`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::sync::locked;

use super::protocol::{Found, Kind};
use crate::session::{Catalog, CatalogBeside, Listing};

/// Namespaces listed at once.
const LANES: usize = 8;
/// Matches given at most.
pub const MOST: usize = 1000;
/// How long a search may take (1,000 namespaces of a busy server take about 15 s).
pub const BOUND: Duration = Duration::from_secs(60);
/// How often a search under way tells what it found.
const TICK: Duration = Duration::from_millis(1000);

/// What a search found so far.
#[derive(Debug, Clone, Default)]
pub struct Searched {
    pub matches: Vec<Found>,
    /// Namespaces searched, of all.
    pub searched: usize,
    pub namespaces: usize,
    /// Whether it is over.
    pub done: bool,
    /// Whether it looked everywhere.
    pub complete: bool,
}

/// The namespaces and tables whose names contain `text` (case-insensitive), in every catalog
/// or `within` one; `tell` hears what
/// was found so far, every [`TICK`], and at the end (the last it hears has `complete` when
/// every namespace was searched).
pub async fn search(
    beside: &CatalogBeside,
    text: &str,
    within: Option<&str>,
    tell: impl Fn(Searched),
) -> Option<()> {
    let deadline = Instant::now() + BOUND;
    let needle = text.to_lowercase();
    let mut reader = beside.reader()?;
    let mut matches = Vec::new();
    let mut namespaces = Vec::new();
    let catalogs = match within {
        Some(catalog) => vec![catalog.to_owned()],
        None => reader.list(Listing::Catalogs, deadline).await,
    };
    for catalog in catalogs {
        let listing = Listing::Databases(Some(catalog.clone()));
        for namespace in reader.list(listing, deadline).await {
            let path = vec![catalog.clone(), namespace];
            if path[1].to_lowercase().contains(&needle) {
                matches.push(Found {
                    path: path.clone(),
                    kind: Kind::Namespace,
                });
            }
            namespaces.push(path);
        }
    }
    let total = namespaces.len();
    let found = Arc::new(Mutex::new(matches));
    let searched = Arc::new(AtomicUsize::new(0));
    let mut lanes = JoinSet::new();
    for lane in 0..LANES {
        let mine: Vec<Vec<String>> = namespaces
            .iter()
            .skip(lane)
            .step_by(LANES)
            .cloned()
            .collect();
        let lane = Lane {
            beside: beside.clone(),
            needle: needle.clone(),
            found: found.clone(),
            searched: searched.clone(),
            deadline,
        };
        lanes.spawn(async move { lane.run(mine).await });
    }
    let so_far = |done: bool, complete: bool| {
        let mut matches = locked(&found).clone();
        matches.sort_by(|a, b| a.path.cmp(&b.path));
        matches.truncate(MOST);
        Searched {
            matches,
            searched: searched.load(Ordering::Relaxed),
            namespaces: total,
            done,
            complete,
        }
    };
    let mut complete = true;
    loop {
        tokio::select! {
            lane = lanes.join_next() => match lane {
                Some(done) => complete &= done.unwrap_or(false),
                None => break,
            },
            () = tokio::time::sleep(TICK) => tell(so_far(false, false)),
        }
    }
    let complete = complete && locked(&found).len() <= MOST;
    tell(so_far(true, complete));
    Some(())
}

/// One lane of a search: namespaces listed one after another.
struct Lane {
    beside: CatalogBeside,
    needle: String,
    found: Arc<Mutex<Vec<Found>>>,
    searched: Arc<AtomicUsize>,
    deadline: Instant,
}

impl Lane {
    /// Whether every namespace of the lane was listed in time.
    async fn run(self, namespaces: Vec<Vec<String>>) -> bool {
        let Some(mut reader) = self.beside.reader() else {
            return false;
        };
        for namespace in namespaces {
            if Instant::now() >= self.deadline || locked(&self.found).len() > MOST {
                return false;
            }
            let listing = Listing::Tables(Some(namespace.clone()));
            let tables = reader.list(listing, self.deadline).await;
            let mut found = locked(&self.found);
            for table in tables {
                if table.to_lowercase().contains(&self.needle) {
                    let mut path = namespace.clone();
                    path.push(table);
                    found.push(Found {
                        path,
                        kind: Kind::Table,
                    });
                }
            }
            self.searched.fetch_add(1, Ordering::Relaxed);
        }
        true
    }
}
