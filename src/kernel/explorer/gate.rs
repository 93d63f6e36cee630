//! A cell always goes first: the gate the explorer's work on the server passes. It closes when
//! a cell starts (the work running then is interrupted on the server, by its operation's tag, as
//! any cancelled statement is) and opens when the kernel is idle again (the work is tried
//! again). Must not: run or word anything (the explorer's jobs do, and tell the view).

use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Whether explorer work may run now.
#[derive(Debug, Clone)]
enum GateState {
    /// Work may run; the token fires when the next cell starts.
    Open(CancellationToken),
    /// A cell runs.
    Closed,
}

/// The explorer's gate, shared by its jobs.
#[derive(Debug, Clone)]
pub struct Gate {
    state: Arc<watch::Sender<GateState>>,
}

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            state: Arc::new(watch::Sender::new(
                GateState::Open(CancellationToken::new()),
            )),
        }
    }
}

/// One try at a piece of work: its cancellation fires when the user interrupts or a cell
/// starts, whichever comes first.
pub struct Pass {
    pub cancel: CancellationToken,
    /// Fires when a cell starts (the work is then paused, not ended).
    paused: CancellationToken,
}

impl Pass {
    /// Whether this try ended because a cell started (and not because the user interrupted).
    pub fn was_paused(&self, interrupted: &CancellationToken) -> bool {
        self.paused.is_cancelled() && !interrupted.is_cancelled()
    }
}

impl Gate {
    /// Whether work may run now (no cell runs).
    pub fn is_open(&self) -> bool {
        matches!(*self.state.borrow(), GateState::Open(_))
    }

    /// A cell starts: the work running now is interrupted, and new work waits.
    pub fn close(&self) {
        let previous = self.state.send_replace(GateState::Closed);
        if let GateState::Open(running) = previous {
            running.cancel();
        }
    }

    /// The cell ended: waiting work goes on.
    pub fn open(&self) {
        self.state.send_if_modified(|state| match state {
            GateState::Open(_) => false,
            GateState::Closed => {
                *state = GateState::Open(CancellationToken::new());
                true
            }
        });
    }

    /// Waits until no cell runs (or the user interrupts: `None`), then a pass whose
    /// cancellation fires at the user's interrupt or when the next cell starts.
    pub async fn pass(&self, interrupted: &CancellationToken) -> Option<Pass> {
        let mut watching = self.state.subscribe();
        let paused = loop {
            if let GateState::Open(token) = &*watching.borrow_and_update() {
                break token.clone();
            }
            tokio::select! {
                changed = watching.changed() => changed.ok()?,
                () = interrupted.cancelled() => return None,
            }
        };
        let cancel = CancellationToken::new();
        let (either, user) = (cancel.clone(), interrupted.clone());
        let cell = paused.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = user.cancelled() => either.cancel(),
                () = cell.cancelled() => either.cancel(),
                () = either.cancelled() => {}
            }
        });
        Some(Pass { cancel, paused })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_cell_pauses_the_work_and_idle_lets_it_go_on() {
        let gate = Gate::default();
        let interrupted = CancellationToken::new();
        assert!(gate.is_open(), "no cell runs yet");
        let first = gate.pass(&interrupted).await.expect("an open gate passes");
        gate.close();
        assert!(!gate.is_open(), "a cell runs");
        tokio::time::timeout(Duration::from_secs(1), first.cancel.cancelled())
            .await
            .expect("the running work is cancelled when a cell starts");
        assert!(first.was_paused(&interrupted), "paused, not interrupted");
        let waiting = tokio::spawn({
            let (gate, interrupted) = (gate.clone(), interrupted.clone());
            async move { gate.pass(&interrupted).await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "work waits while a cell runs");
        gate.open();
        let passed = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("idle lets it go on")
            .expect("the task ends");
        assert!(passed, "the waiting work passes once the cell ended");
    }

    #[tokio::test]
    async fn an_interrupt_ends_the_work_and_its_wait() {
        let gate = Gate::default();
        let interrupted = CancellationToken::new();
        let pass = gate.pass(&interrupted).await.expect("an open gate passes");
        interrupted.cancel();
        tokio::time::timeout(Duration::from_secs(1), pass.cancel.cancelled())
            .await
            .expect("the interrupt cancels the work");
        assert!(!pass.was_paused(&interrupted), "interrupted, not paused");
        gate.close();
        assert!(
            gate.pass(&interrupted).await.is_none(),
            "an interrupted wait ends"
        );
    }
}
