//! Registering a result as an explorable view: its first page in the result's MIME bundle, and
//! its entry (statement, columns, snapshot state) in the kernel's registry of views. Cloned
//! out of the explorer, so that work beside the cells (the catalog sidebar's previews) can
//! register views too.
//! Must not: run anything on the server (the explorer's jobs do, when a view asks).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::watch;

use super::*;

/// What registers views (clones share the registry and the count).
#[derive(Clone)]
pub struct Registrar {
    pub(super) tag: String,
    pub(super) next: Arc<AtomicU64>,
    pub(super) registry: SharedRegistry,
}

impl Registrar {
    /// Registers `what` as a view and adds the explorer's part to its `bundle`.
    pub fn register(&self, what: &Explorable<'_>, bundle: &mut MimeBundle) -> Option<String> {
        let next = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        // The first page: the static table's rows, one page of them at most.
        let first = what.result.first_rows(MAX_PAGE as usize);
        let view = format!("{}-{}", self.tag, next);
        let shown = view.clone();
        let columns: Vec<ColumnRef> = what
            .result
            .columns
            .iter()
            .map(|c| ColumnRef {
                name: c.name.clone(),
                type_name: c.type_name.clone(),
            })
            .collect();
        let display = protocol::Display {
            view: view.clone(),
            columns: what
                .result
                .columns
                .iter()
                .map(|c| ViewColumn {
                    name: c.name.clone(),
                    type_name: c.type_name.clone(),
                    numeric: crate::render::is_numeric(&c.type_name),
                })
                .collect(),
            rows: crate::render::row_texts(&first, what.options),
            more: what.result.more || first.rows() < what.result.rows(),
            page_size: what.page_size.min(MAX_PAGE as usize),
            label: what.options.label.clone(),
        };
        let entry = ViewEntry {
            view: view.clone(),
            name: format!("kbase_explore_{}_{}", self.tag, next),
            sql: what.sql.to_owned(),
            columns,
            zone: what.options.zone.clone(),
            max_chars: what.options.max_chars,
            snap: watch::Sender::new(Snap::None),
            last_used: Mutex::new(Instant::now()),
            estimate: Mutex::new(None),
        };
        {
            let mut registry = locked(&self.registry);
            registry.views.insert(view.clone(), Arc::new(entry));
            registry.order.push_back(view);
            while registry.order.len() > MAX_VIEWS {
                let Some(old) = registry.order.pop_front() else {
                    break;
                };
                let idle = registry
                    .views
                    .get(&old)
                    .is_some_and(|e| !e.snap.borrow().holds_cache());
                if idle {
                    registry.views.remove(&old);
                }
            }
        }
        match serde_json::to_value(display) {
            Ok(data) => {
                bundle.insert(MIME.to_owned(), data);
                Some(shown)
            }
            // The static table stays; the result is not explorable.
            Err(e) => {
                tracing::error!("explorer: cannot write a result's view: {e}");
                None
            }
        }
    }
}
