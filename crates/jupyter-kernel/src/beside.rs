//! Comms served beside the cells. A kernel may name comm targets whose messages are handled as
//! they arrive — while a cell runs too — by a handler of their own ([`BesideComms`]), instead of
//! waiting in the shell's queue behind the running cell. The shell's reader routes them; no
//! status is published for them (the kernel's busy and idle stay the cells'). When the handler
//! is not ready (it says so), a message takes the shell's queue as any other.
//! Must not: reorder or hold back any other message.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::Value;

use crate::content;
use crate::handler::{ExecuteContext, OpenComm};
use crate::output::Comm;
use crate::request::Request;
use crate::shared::Shared;
use crate::wire::Incoming;

/// A handler of comms served beside the cells. It must not wait: what takes time runs in tasks
/// it spawns, answering through the context it was given.
pub trait BesideComms: Send + Sync + 'static {
    /// The comm targets it serves.
    fn targets(&self) -> Vec<String>;

    /// Whether it can serve a message now (if not, the message takes the shell's queue and
    /// reaches [`crate::Handler::comm`]).
    fn ready(&self) -> bool;

    /// One message of one of its comms.
    fn comm(&self, message: Comm, ctx: ExecuteContext);

    /// Its comms open now, for `comm_info_request`.
    fn comms(&self) -> Vec<OpenComm>;
}

/// The shell reader's router of beside comms.
pub(crate) struct Beside {
    handler: Arc<dyn BesideComms>,
    shared: Arc<Shared>,
    targets: Vec<String>,
    /// The comms opened on one of `targets`.
    open: HashSet<String>,
}

impl Beside {
    pub(crate) fn new(handler: Arc<dyn BesideComms>, shared: Arc<Shared>) -> Beside {
        Beside {
            targets: handler.targets(),
            handler,
            shared,
            open: HashSet::new(),
        }
    }

    /// Serves `incoming` if it is a message of a beside comm and the handler is ready; gives
    /// it back otherwise (for the shell's queue).
    pub(crate) fn take(&mut self, incoming: Incoming) -> Option<Incoming> {
        let Some(comm_id) = incoming.content.get("comm_id").and_then(Value::as_str) else {
            return Some(incoming);
        };
        let ours = match incoming.msg_type() {
            "comm_open" => {
                let target = incoming.content.get("target_name").and_then(Value::as_str);
                let ours = target.is_some_and(|t| self.targets.iter().any(|x| x == t));
                if ours {
                    self.open.insert(comm_id.to_owned());
                }
                ours
            }
            "comm_msg" => self.open.contains(comm_id),
            "comm_close" => self.open.remove(comm_id),
            _ => false,
        };
        if !ours || !self.handler.ready() {
            return Some(incoming);
        }
        match Request::decode(&incoming) {
            Request::Comm(comm) => {
                let parent = incoming.clone();
                let iopub = self.shared.iopub.clone();
                let sink = Arc::new(move |output| {
                    iopub.publish(content::output(output, 0), Some(&parent));
                });
                let ctx = ExecuteContext::new(sink, self.shared.until_interrupt());
                self.handler.comm(comm, ctx);
            }
            // Named by its problem only: a message's content is the user's, never logged.
            Request::BadComm(problem) => tracing::warn!("shell: dropped {problem}"),
            _ => tracing::warn!("shell: dropped a {} it could not read", incoming.msg_type()),
        }
        None
    }
}
