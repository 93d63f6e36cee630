//! `%sleep SECONDS`: waits, interruptibly (for pacing batch runs and trying out interrupts).
//! Must not: sleep past an interrupt or longer than its cap.

use std::time::Duration;

use super::{BadArguments, CellScope, MagicCommand, MagicSpec};
use crate::kernel::error::KernelError;

/// The longest wait accepted.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);

pub struct Sleep(Duration);

impl MagicCommand for Sleep {
    const SPEC: MagicSpec = MagicSpec {
        name: "sleep",
        usage: "%sleep SECONDS",
        description: "Wait, interruptibly (for pacing batch runs and trying out interrupts).",
        cell: false,
    };

    fn parse(args: &str) -> Result<Self, BadArguments> {
        args.parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Sleep(Duration::from_secs_f64(s).min(MAX_SLEEP)))
            .ok_or_else(|| "needs a number of seconds".into())
    }

    async fn apply(self, scope: &mut CellScope<'_>) -> Result<(), KernelError> {
        tokio::select! {
            _ = tokio::time::sleep(self.0) => Ok(()),
            _ = scope.out.cancelled() => Err(KernelError::Interrupted),
        }
    }
}
