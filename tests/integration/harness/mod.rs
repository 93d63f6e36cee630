//! A test frontend: drives a kernel running in this process over real ZeroMQ sockets, signs
//! what it sends (or forges it on purpose), checks the signature of all it receives, and gives
//! back transcripts. Every receive has a timeout.

use std::time::Duration;

use bytes::Bytes;
pub mod berdl;
pub mod binary;
pub mod pproxy;
pub mod reading;
pub mod relay;
pub mod spark;
pub mod standin;
pub mod stub;

use jupyter_kernel::{self, ConnectionInfo, Exit, Handler};
use serde_json::{json, Value};
use spark_sql_kernel::config::Settings;
use spark_sql_kernel::kernel::Kernel;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

/// How long a reply or an idle may take before a test fails. Generous: the run's one Spark server
/// on two cores is shared by two tests at a time (and a private server starting beside them);
/// tests that promise a time bound assert it themselves.
pub const TIMEOUT: Duration = Duration::from_secs(30);
const KEY: &str = "a-test-key-for-signing";

/// One message as the frontend saw it.
#[derive(Debug, Clone)]
pub struct Msg {
    pub msg_type: String,
    pub parent_id: String,
    pub header: Value,
    pub content: Value,
}

/// What one request produced: its reply and the IOPub messages with it as parent, in order.
#[derive(Debug)]
pub struct Transcript {
    pub reply: Msg,
    pub iopub: Vec<Msg>,
}

impl Transcript {
    /// The IOPub message types, e.g. `["status:busy", "execute_input", "stream", "status:idle"]`.
    #[track_caller]
    pub fn kinds(&self) -> Vec<String> {
        self.iopub
            .iter()
            .map(|m| match m.msg_type.as_str() {
                "status" => format!("status:{}", m.content["execution_state"].as_str().unwrap()),
                other => other.to_owned(),
            })
            .collect()
    }

    pub fn outputs(&self, kind: &str) -> Vec<&Value> {
        self.iopub
            .iter()
            .filter(|m| m.msg_type == kind)
            .map(|m| &m.content)
            .collect()
    }

    #[track_caller]
    pub fn stdout(&self) -> String {
        self.outputs("stream")
            .iter()
            .filter(|c| c["name"] == "stdout")
            .map(|c| c["text"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub struct Frontend {
    pub shell: zeromq::DealerSocket,
    pub control: zeromq::DealerSocket,
    pub iopub: zeromq::SubSocket,
    pub heartbeat: zeromq::ReqSocket,
    pub stop: CancellationToken,
    pub kernel: Option<JoinHandle<Result<Exit, jupyter_kernel::JupyterError>>>,
    /// The kernel's TCP ports: shell, iopub, stdin, control, heartbeat.
    pub ports: Vec<u16>,
    session: String,
    /// IOPub messages read while waiting for others, by parent id.
    backlog: Vec<Msg>,
}

fn sign(parts: &[&[u8]]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, KEY.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    for p in parts {
        ctx.update(p);
    }
    ctx.sign()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Frontend {
    /// Starts the kernel with `settings` in this process and connects to it.
    pub async fn start(settings: Settings) -> Frontend {
        Frontend::start_with(move || Kernel::new(&settings)).await
    }

    /// Serves a handler made by `make` over the real transport in this process and connects
    /// to it. Ports are peeked free and bound by the kernel a moment later: when another
    /// process took one meanwhile (Spark's executors bind ports as they come and go), the
    /// kernel cannot bind and a new handler is served on new ports.
    pub async fn start_with<H: Handler>(make: impl Fn() -> H) -> Frontend {
        for _ in 0..5 {
            if let Some(mut frontend) = Frontend::try_start(make()).await {
                frontend.wait_for_ready().await;
                return frontend;
            }
        }
        panic!("the kernel could not bind its ports five times");
    }

    /// Serves `handler` on peeked ports; `None` when the kernel could not bind them.
    async fn try_start(handler: impl Handler) -> Option<Frontend> {
        let ip: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let ports = jupyter_zmq_client::peek_ports(ip, 5).await.unwrap();
        let info: ConnectionInfo = serde_json::from_value(json!({
            "ip": "127.0.0.1", "transport": "tcp",
            "shell_port": ports[0], "iopub_port": ports[1], "stdin_port": ports[2],
            "control_port": ports[3], "hb_port": ports[4],
            "key": KEY, "signature_scheme": "hmac-sha256", "kernel_name": "spark-sql-kbase",
        }))
        .unwrap();
        let stop = CancellationToken::new();
        let kernel_stop = stop.clone();
        let kernel_info = info.clone();
        let max_frame = Settings::from_vars(|_| None).max_frame();
        let kernel = tokio::spawn(async move {
            jupyter_kernel::serve(&kernel_info, handler, kernel_stop, None, max_frame).await
        });
        // The kernel binds in its own task: each socket connects once the kernel listens.
        let shell: zeromq::DealerSocket = connected(&info.shell_url(), &kernel).await?;
        let control: zeromq::DealerSocket = connected(&info.control_url(), &kernel).await?;
        let iopub: zeromq::SubSocket = connected(&info.iopub_url(), &kernel).await?;
        let heartbeat: zeromq::ReqSocket = connected(&info.hb_url(), &kernel).await?;
        Some(Frontend {
            shell,
            control,
            iopub,
            heartbeat,
            stop,
            kernel: Some(kernel),
            ports: ports.clone(),
            session: uuid::Uuid::new_v4().to_string(),
            backlog: Vec::new(),
        })
    }

    /// Like jupyter_client: ask for kernel_info until a reply and an IOPub message both came.
    async fn wait_for_ready(&mut self) {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            assert!(
                tokio::time::Instant::now() < deadline,
                "kernel never became ready"
            );
            let id = self.send_shell("kernel_info_request", json!({})).await;
            let reply = self.recv_reply_on_shell(&id).await;
            assert_eq!(reply.msg_type, "kernel_info_reply");
            if let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(300), self.recv_iopub()).await
            {
                self.backlog.clear();
                // Drain whatever else is in flight.
                while let Ok(Some(_)) =
                    tokio::time::timeout(Duration::from_millis(100), self.recv_iopub()).await
                {
                }
                return;
            }
        }
    }

    #[track_caller]
    pub fn frames(
        &self,
        msg_type: &str,
        content: &Value,
        signature: Option<&str>,
    ) -> (String, ZmqMessage) {
        let id = uuid::Uuid::new_v4().to_string();
        let header = json!({
            "msg_id": id, "msg_type": msg_type, "username": "test", "session": self.session,
            "date": chrono::Utc::now().to_rfc3339(), "version": "5.4",
        });
        let header = serde_json::to_vec(&header).unwrap();
        let content = serde_json::to_vec(content).unwrap();
        let signature = match signature {
            Some(forged) => forged.to_owned(),
            None => sign(&[&header, b"{}", b"{}", &content]),
        };
        let parts: Vec<Bytes> = vec![
            Bytes::from_static(b"<IDS|MSG>"),
            Bytes::from(signature),
            Bytes::from(header),
            Bytes::from_static(b"{}"),
            Bytes::from_static(b"{}"),
            Bytes::from(content),
        ];
        (id, ZmqMessage::try_from(parts).unwrap())
    }

    pub async fn send_shell(&mut self, msg_type: &str, content: Value) -> String {
        let (id, frames) = self.frames(msg_type, &content, None);
        self.shell.send(frames).await.unwrap();
        id
    }

    /// Sends `code` to execute without waiting for it; the request's id.
    pub async fn send_execute(&mut self, code: &str) -> String {
        self.send_shell("execute_request", execute_content(code))
            .await
    }

    pub async fn send_control(&mut self, msg_type: &str, content: Value) -> String {
        let (id, frames) = self.frames(msg_type, &content, None);
        self.control.send(frames).await.unwrap();
        id
    }

    #[track_caller]
    pub fn parse(frames: ZmqMessage) -> Msg {
        let parts = frames.into_vec();
        let at = parts
            .iter()
            .position(|p| &p[..] == b"<IDS|MSG>")
            .expect("no delimiter");
        let signature = std::str::from_utf8(&parts[at + 1]).unwrap().to_owned();
        let body: Vec<&[u8]> = parts[at + 2..at + 6].iter().map(|p| &p[..]).collect();
        assert_eq!(
            signature,
            sign(&body),
            "the kernel's signature does not verify"
        );
        let header: Value = serde_json::from_slice(body[0]).unwrap();
        let parent: Value = serde_json::from_slice(body[1]).unwrap();
        Msg {
            msg_type: header["msg_type"].as_str().unwrap().to_owned(),
            parent_id: parent["msg_id"].as_str().unwrap_or("").to_owned(),
            header,
            content: serde_json::from_slice(body[3]).unwrap(),
        }
    }

    async fn recv_iopub(&mut self) -> Option<Msg> {
        let frames = self.iopub.recv().await.ok()?;
        let msg = Self::parse(frames);
        self.backlog.push(msg.clone());
        Some(msg)
    }

    async fn recv_reply_on_shell(&mut self, id: &str) -> Msg {
        recv_reply(&mut self.shell, id, TIMEOUT).await
    }

    pub async fn recv_control_reply(&mut self, id: &str) -> Msg {
        recv_reply(&mut self.control, id, TIMEOUT).await
    }

    /// The IOPub messages of request `id`, up to and including its `idle`.
    pub async fn iopub_until_idle(&mut self, id: &str) -> Vec<Msg> {
        self.iopub_until_idle_within(id, TIMEOUT).await
    }

    async fn iopub_until_idle_within(&mut self, id: &str, limit: Duration) -> Vec<Msg> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let done = self.backlog.iter().any(|m| {
                m.parent_id == id
                    && m.msg_type == "status"
                    && m.content["execution_state"] == "idle"
            });
            if done {
                let (mine, rest): (Vec<Msg>, Vec<Msg>) =
                    self.backlog.drain(..).partition(|m| m.parent_id == id);
                self.backlog = rest;
                return mine;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::timeout(left, self.recv_iopub())
                .await
                .expect("no idle in time");
        }
    }

    /// The first IOPub message of type `msg_type` whose parent is request `id` (comms served
    /// beside the cells publish no status to wait for).
    pub async fn iopub_of(&mut self, id: &str, msg_type: &str, limit: Duration) -> Msg {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let at = self
                .backlog
                .iter()
                .position(|m| m.parent_id == id && m.msg_type == msg_type);
            if let Some(at) = at {
                return self.backlog.remove(at);
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            tokio::time::timeout(left, self.recv_iopub())
                .await
                .unwrap_or_else(|_| panic!("no {msg_type} for {id} within {limit:?}"));
        }
    }

    /// Sends a shell request and collects its transcript.
    pub async fn request(&mut self, msg_type: &str, content: Value) -> Transcript {
        let id = self.send_shell(msg_type, content).await;
        self.transcript(&id).await
    }

    pub async fn transcript(&mut self, id: &str) -> Transcript {
        self.transcript_within(id, TIMEOUT).await
    }

    /// The transcript of a request that may take up to `limit`.
    pub async fn transcript_within(&mut self, id: &str, limit: Duration) -> Transcript {
        let reply = recv_reply(&mut self.shell, id, limit).await;
        let iopub = self.iopub_until_idle_within(id, TIMEOUT).await;
        Transcript { reply, iopub }
    }

    pub async fn execute(&mut self, code: &str) -> Transcript {
        self.request("execute_request", execute_content(code)).await
    }

    /// Sends a control request and collects its transcript.
    pub async fn control_request(&mut self, msg_type: &str, content: Value) -> Transcript {
        let id = self.send_control(msg_type, content).await;
        let reply = self.recv_control_reply(&id).await;
        let iopub = self.iopub_until_idle(&id).await;
        Transcript { reply, iopub }
    }

    /// True when nothing on IOPub so far names `id` as its parent.
    pub fn iopub_until_idle_is_empty(&self, id: &str) -> bool {
        !self.backlog.iter().any(|m| m.parent_id == id)
    }

    /// Waits for the kernel to stop and returns how it ended.
    pub async fn exit(&mut self) -> Exit {
        let kernel = self.kernel.take().expect("kernel already joined");
        tokio::time::timeout(TIMEOUT, kernel)
            .await
            .expect("kernel did not stop in time")
            .unwrap()
            .unwrap()
    }
}

/// The reply to request `id` on a DEALER socket, skipping replies to earlier requests.
async fn recv_reply(socket: &mut zeromq::DealerSocket, id: &str, limit: Duration) -> Msg {
    loop {
        let frames = tokio::time::timeout(limit, socket.recv())
            .await
            .expect("no reply in time")
            .unwrap();
        let msg = Frontend::parse(frames);
        if msg.parent_id == id {
            return msg;
        }
    }
}

impl Drop for Frontend {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A socket of type `S` connected to `url`, trying again while the kernel is not listening
/// yet (a refused or reset connection) for at most [`TIMEOUT`]; `None` once the kernel's task
/// ended (it could not bind). A `SUB` socket subscribes to everything.
async fn connected<S: Socket + SubscribeAll, T>(
    url: &str,
    kernel: &tokio::task::JoinHandle<T>,
) -> Option<S> {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        if kernel.is_finished() {
            return None;
        }
        let mut socket = S::new();
        socket.subscribe_all().await;
        match socket.connect(url).await {
            Ok(()) => return Some(socket),
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "cannot connect to {url}: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// What a socket does before it connects: a `SUB` socket subscribes to every message.
trait SubscribeAll {
    async fn subscribe_all(&mut self) {}
}

impl SubscribeAll for zeromq::DealerSocket {}
impl SubscribeAll for zeromq::ReqSocket {}
impl SubscribeAll for zeromq::SubSocket {
    async fn subscribe_all(&mut self) {
        self.subscribe("").await.unwrap();
    }
}

pub fn execute_content(code: &str) -> Value {
    json!({
        "code": code, "silent": false, "store_history": true,
        "user_expressions": {}, "allow_stdin": false, "stop_on_error": true,
    })
}

/// Starts `command` (its stdout piped) and reads its first line, `listening on ADDRESS`:
/// the child and the address. `what` names it when it does not start.
#[track_caller]
pub fn spawn_listening(
    mut command: std::process::Command,
    what: &str,
) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{what} did not start: {line:?}"))
        .to_owned();
    (child, address)
}

/// Settings as a kernel in a clean environment would read them, plus `vars`.
pub fn settings(vars: &[(&str, &str)]) -> Settings {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::from_vars(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}
