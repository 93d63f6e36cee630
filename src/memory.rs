//! How the kernel uses the system's memory. glibc's allocator keeps the pages of freed blocks
//! (a big result's batches and text) for reuse, in one arena per thread that allocated, so the
//! kernel's RSS would stay near the level of its biggest cell: one arena is used (the kernel
//! runs one cell at a time), and after each cell `malloc_trim` returns what is free.
//!
//! It must not free anything itself: it only tells the allocator how to manage what is free.

/// Makes every thread allocate from one arena. Call before any thread starts.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// After a cell's outputs have left (they are sent after the cell ends), asks the allocator,
/// off the async threads, to return freed memory to the system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    tokio::spawn(async {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let _ = tokio::task::spawn_blocking(trim).await;
    });
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only releases memory the allocator holds free; it has no
    // preconditions and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
