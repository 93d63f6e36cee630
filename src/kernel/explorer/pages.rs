//! Pages a snapshot has served or is about to: after a page is answered, the pages before and
//! after it are fetched in the background, so that Next and Previous are answered from here. A
//! request for a page being fetched waits for that fetch instead of starting another. Few
//! pages per snapshot are kept (the browser shows one; these are its neighbours).
//! Must not: build SQL or send anything.

use crate::sync::locked;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::explorer_model::protocol::State;

/// Pages kept per snapshot.
const KEEP: usize = 8;

/// A page's rows as text.
pub type PageRows = Arc<Vec<Vec<Option<String>>>>;

/// Which page: the view's state (as its JSON), the first row and the page size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    state: String,
    start: u64,
    size: u64,
}

impl PageKey {
    pub fn new(state: &State, start: u64, size: u64) -> PageKey {
        PageKey {
            // The state's whole form (sort and filters), as a key.
            state: format!("{state:?}"),
            start,
            size,
        }
    }

    pub fn start(&self) -> u64 {
        self.start
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The same page size and state at another first row.
    pub fn at(&self, start: u64) -> PageKey {
        PageKey {
            start,
            ..self.clone()
        }
    }
}

/// A page kept, or being fetched.
type Slot = Arc<OnceCell<PageRows>>;

/// The kept pages, and the order they came in (the oldest goes first).
#[derive(Debug, Default)]
struct Slots {
    pages: HashMap<PageKey, Slot>,
    order: VecDeque<PageKey>,
}

/// The pages of one snapshot.
#[derive(Debug, Default)]
pub struct Pages {
    slots: Mutex<Slots>,
}

impl Pages {
    fn slot(&self, key: &PageKey) -> Slot {
        let mut slots = locked(&self.slots);
        if let Some(slot) = slots.pages.get(key) {
            return Arc::clone(slot);
        }
        let slot = Slot::default();
        slots.pages.insert(key.clone(), Arc::clone(&slot));
        slots.order.push_back(key.clone());
        while slots.order.len() > KEEP {
            if let Some(old) = slots.order.pop_front() {
                slots.pages.remove(&old);
            }
        }
        slot
    }

    /// The page `key`: kept, being fetched (then awaited), or fetched now with `fetch`. A failed
    /// fetch is not kept: the next request tries again.
    pub async fn get<F, Fut, E>(&self, key: &PageKey, fetch: F) -> Result<PageRows, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<PageRows, E>>,
    {
        let slot = self.slot(key);
        slot.get_or_try_init(fetch).await.cloned()
    }

    /// Keeps `rows` as the page `key`, unless it is kept or being fetched already.
    pub fn put(&self, key: &PageKey, rows: PageRows) {
        // A slot being filled by another fetch refuses: that fetch's rows are the same.
        let _ = self.slot(key).set(rows);
    }

    /// Whether the page `key` is kept or being fetched.
    pub fn has(&self, key: &PageKey) -> bool {
        locked(&self.slots).pages.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn rows(n: &str) -> PageRows {
        Arc::new(vec![vec![Some(n.to_owned())]])
    }

    #[tokio::test]
    async fn a_page_is_fetched_once_and_a_failure_is_not_kept() {
        let pages = Pages::default();
        let key = PageKey::new(&State::default(), 100, 100);
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok::<_, &str>(rows("100"))
        };
        assert_eq!(pages.get(&key, fetch).await.unwrap(), rows("100"));
        assert_eq!(pages.get(&key, fetch).await.unwrap(), rows("100"));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        let other = key.at(200);
        assert!(!pages.has(&other), "{:?}", pages);
        let failed = pages.get(&other, || async { Err("no") }).await;
        assert_eq!(failed, Err("no"), "a failed fetch says why");
        assert_eq!(pages.get(&other, fetch).await.unwrap(), rows("100"));
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_request_waits_for_the_fetch_under_way() {
        let pages = Arc::new(Pages::default());
        let key = PageKey::new(&State::default(), 0, 25);
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let first = {
            let (pages, key) = (Arc::clone(&pages), key.clone());
            tokio::spawn(async move {
                pages
                    .get(&key, || async {
                        wait.await.ok();
                        Ok::<_, &str>(rows("slow"))
                    })
                    .await
            })
        };
        tokio::task::yield_now().await;
        assert!(pages.has(&key), "{:?}", pages);
        let second = {
            let (pages, key) = (Arc::clone(&pages), key.clone());
            tokio::spawn(async move {
                pages
                    .get(&key, || async { Ok::<_, &str>(rows("second")) })
                    .await
            })
        };
        tokio::task::yield_now().await;
        go.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), rows("slow"));
        assert_eq!(second.await.unwrap().unwrap(), rows("slow"));
    }

    #[tokio::test]
    async fn a_page_put_is_served_without_a_fetch_and_does_not_replace_one() {
        let pages = Pages::default();
        let key = PageKey::new(&State::default(), 0, 10);
        pages.put(&key, rows("put"));
        let fetched = pages
            .get(&key, || async { Ok::<_, &str>(rows("fetched")) })
            .await;
        assert_eq!(fetched.unwrap(), rows("put"));
        pages.put(&key, rows("again"));
        let kept = pages
            .get(&key, || async { Ok::<_, &str>(rows("fetched")) })
            .await;
        assert_eq!(kept.unwrap(), rows("put"));
    }

    #[test]
    fn only_the_last_pages_are_kept() {
        let pages = Pages::default();
        let key = PageKey::new(&State::default(), 0, 10);
        for i in 0..=KEEP as u64 {
            pages.slot(&key.at(i * 10));
        }
        assert!(!pages.has(&key), "{:?}", pages);
        assert!(pages.has(&key.at(KEEP as u64 * 10)), "{:?}", pages);
    }
}
