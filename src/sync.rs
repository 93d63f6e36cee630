//! How the kernel takes its locks. Every critical section is one step on plain data (a map
//! insert, a value swapped, a line appended), so a thread that panicked while holding a lock
//! left the data whole: a poisoned lock is taken as it is, on purpose, and the kernel goes on.
//! Must not: hold a lock across an await or a call that may block.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The guard of `mutex`, poisoned or not.
pub fn locked<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_lock_is_taken_with_its_data() {
        let mutex = std::sync::Arc::new(Mutex::new(vec![1]));
        let held = std::sync::Arc::clone(&mutex);
        let panicked = std::thread::spawn(move || {
            let mut data = held.lock().unwrap();
            data.push(2);
            panic!("a holder panics");
        })
        .join();
        assert!(panicked.is_err(), "the thread panicked");
        assert!(mutex.is_poisoned(), "the lock is poisoned");
        assert_eq!(*locked(&mutex), [1, 2], "the data is taken as it was left");
    }
}
