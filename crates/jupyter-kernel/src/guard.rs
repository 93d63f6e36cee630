//! A guard in front of each TCP port of the kernel. The `zeromq` crate reserves whatever length
//! a ZMTP frame header announces before reading it, so one frame header announcing 2^62 bytes —
//! sent before any signature check — would abort the process. Each guard listens on the port of
//! the connection file, relays every connection to the real socket on an internal loopback port,
//! and reads the ZMTP frame headers of what clients send: a connection that announces a frame
//! longer than the limit is dropped (and logged), and the kernel keeps serving everyone else.
//! Replies are relayed as they come. Knows ZMTP framing only, nothing of Jupyter's messages.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::BindFailure;

/// ZMTP 3.x greeting: signature, version, mechanism, as-server, filler.
const GREETING: usize = 64;
/// Flag bits of a frame header.
const LONG: u8 = 0x02;

/// Why a client's stream was cut.
#[derive(Debug, PartialEq, Eq)]
pub enum Cut {
    /// A frame announced more bytes than the limit.
    TooLong { announced: u64 },
    /// The client or the kernel closed (or broke) the connection.
    Closed,
}

/// Relays `client` to `kernel` frame by frame, refusing frames over `limit` bytes.
pub async fn relay_frames(
    mut client: impl AsyncRead + Unpin,
    mut kernel: impl AsyncWrite + Unpin,
    limit: u64,
) -> Cut {
    let mut greeting = [0u8; GREETING];
    if client.read_exact(&mut greeting).await.is_err() || kernel.write_all(&greeting).await.is_err()
    {
        return Cut::Closed;
    }
    loop {
        let mut header = [0u8; 9];
        if client.read_exact(&mut header[..1]).await.is_err() {
            return Cut::Closed;
        }
        let (size_bytes, announced) = if header[0] & LONG != 0 {
            if client.read_exact(&mut header[1..9]).await.is_err() {
                return Cut::Closed;
            }
            let mut length = [0u8; 8];
            length.copy_from_slice(&header[1..9]);
            (8, u64::from_be_bytes(length))
        } else {
            if client.read_exact(&mut header[1..2]).await.is_err() {
                return Cut::Closed;
            }
            (1, u64::from(header[1]))
        };
        if announced > limit {
            return Cut::TooLong { announced };
        }
        if kernel.write_all(&header[..=size_bytes]).await.is_err() {
            return Cut::Closed;
        }
        let mut body = (&mut client).take(announced);
        match tokio::io::copy(&mut body, &mut kernel).await {
            Ok(n) if n == announced => {}
            _ => return Cut::Closed,
        }
    }
}

/// Guards `listener` (a port of the connection file), relaying to `internal`; accepts until
/// `stop`.
pub async fn guard(
    listener: TcpListener,
    internal: SocketAddr,
    limit: u64,
    stop: CancellationToken,
    tracker: TaskTracker,
) {
    let public = listener
        .local_addr()
        .map_or_else(|_| "?".to_owned(), |a| a.to_string());
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (client, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!("{public}: accept failed: {e}");
                continue;
            }
        };
        let public = public.clone();
        // A relay ends when either side closes; it is not cut at `stop`, so that a reply the
        // kernel sent just before stopping (to `shutdown_request`) still reaches the client.
        tracker.spawn(async move {
            let kernel = match TcpStream::connect(internal).await {
                Ok(kernel) => kernel,
                Err(e) => {
                    tracing::debug!("{public}: the kernel's socket refused a relayed connection (it is stopping?): {e}");
                    return;
                }
            };
            let _ = client.set_nodelay(true);
            let _ = kernel.set_nodelay(true);
            let (client_read, mut client_write) = client.into_split();
            let (mut kernel_read, kernel_write) = kernel.into_split();
            let replies = tokio::io::copy(&mut kernel_read, &mut client_write);
            let requests = relay_frames(client_read, kernel_write, limit);
            tokio::select! {
                _ = replies => {}
                cut = requests => {
                    if let Cut::TooLong { announced } = cut {
                        tracing::warn!(
                            "{public}: dropped the connection from {peer}: it announced a frame of {announced} bytes (the limit is {limit} bytes)"
                        );
                    }
                }
            }
        });
    }
}

/// Puts the kernel's sockets behind guards: the limit, and the tasks' stop signal and tracker.
pub struct Guards {
    pub limit: u64,
    pub stop: CancellationToken,
    pub tracker: TaskTracker,
}

impl Guards {
    /// Binds `socket` for the channel on `port` of `info`. On TCP the public port gets a guard
    /// and the socket a loopback port the system picks, bound before the guard relays anything
    /// (no port is ever chosen first and bound later, which another process could take in
    /// between). Other transports (ipc) bind `url` as it is. Returns the public address on TCP.
    pub async fn bind<S: zeromq::Socket>(
        &self,
        socket: &mut S,
        info: &jupyter_protocol::ConnectionInfo,
        port: u16,
        url: &str,
    ) -> Result<Option<SocketAddr>, super::JupyterError> {
        let error = |source: BindFailure| super::JupyterError::Bind {
            address: format!("{}:{port}", info.ip),
            source,
        };
        if !matches!(info.transport, jupyter_protocol::Transport::TCP) {
            socket.bind(url).await.map_err(|e| error(e.into()))?;
            return Ok(None);
        }
        let listener = TcpListener::bind((info.ip.as_str(), port))
            .await
            .map_err(|e| error(e.into()))?;
        let public = listener.local_addr().map_err(|e| error(e.into()))?;
        let internal = match socket.bind("tcp://127.0.0.1:0").await {
            Ok(zeromq::Endpoint::Tcp(_, internal)) => internal,
            Ok(other) => return Err(error(BindFailure::NotTcp(other.to_string()))),
            Err(e) => return Err(error(e.into())),
        };
        self.tracker.spawn(guard(
            listener,
            SocketAddr::from(([127, 0, 0, 1], internal)),
            self.limit,
            self.stop.clone(),
            self.tracker.clone(),
        ));
        Ok(Some(public))
    }

    /// A new socket of type `S`, bound as [`Guards::bind`] binds one.
    pub async fn socket<S: zeromq::Socket>(
        &self,
        info: &jupyter_protocol::ConnectionInfo,
        port: u16,
        url: &str,
    ) -> Result<S, super::JupyterError> {
        let mut socket = S::new();
        self.bind(&mut socket, info, port, url).await?;
        Ok(socket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greeting() -> Vec<u8> {
        let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 3, 0];
        g.extend_from_slice(b"NULL");
        g.resize(GREETING, 0);
        g
    }

    #[tokio::test]
    async fn frames_pass_through_byte_for_byte() {
        let mut stream = greeting();
        stream.extend_from_slice(&[0x01, 3, b'a', b'b', b'c']); // short frame, MORE
        stream.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 1, 0]); // long frame of 256 bytes
        stream.extend(std::iter::repeat_n(7u8, 256));
        let mut out = Vec::new();
        let cut = relay_frames(&stream[..], &mut out, 1024).await;
        assert_eq!(cut, Cut::Closed, "the client closed after its frames");
        assert_eq!(out, stream);
    }

    #[tokio::test]
    async fn a_frame_announcing_more_than_the_limit_cuts_the_connection() {
        for announced in [1u64 << 62, 1 << 40, 1025] {
            let mut stream = greeting();
            stream.push(0x02);
            stream.extend_from_slice(&announced.to_be_bytes());
            let mut out = Vec::new();
            let cut = relay_frames(&stream[..], &mut out, 1024).await;
            assert_eq!(cut, Cut::TooLong { announced });
            assert_eq!(out, greeting(), "nothing of the frame reached the kernel");
        }
    }

    #[tokio::test]
    async fn a_bound_socket_answers_through_its_guard_at_once() {
        use zeromq::{Socket, SocketRecv, SocketSend};
        let info = jupyter_protocol::ConnectionInfo {
            ip: "127.0.0.1".to_owned(),
            transport: jupyter_protocol::Transport::TCP,
            shell_port: 0,
            iopub_port: 0,
            stdin_port: 0,
            control_port: 0,
            hb_port: 0,
            key: String::new(),
            signature_scheme: "hmac-sha256".to_owned(),
            kernel_name: None,
        };
        let guards = Guards {
            limit: 1024,
            stop: CancellationToken::new(),
            tracker: TaskTracker::new(),
        };
        let mut server = zeromq::RepSocket::new();
        let public = guards
            .bind(&mut server, &info, 0, "")
            .await
            .unwrap()
            .expect("TCP has a public address");
        let mut client = zeromq::ReqSocket::new();
        client.connect(&format!("tcp://{public}")).await.unwrap();
        client.send("ping".into()).await.unwrap();
        let within = std::time::Duration::from_secs(5);
        let asked = tokio::time::timeout(within, server.recv()).await;
        let asked = asked.expect("the request passed the guard").unwrap();
        assert_eq!(asked.get(0).unwrap().as_ref(), b"ping");
        server.send("pong".into()).await.unwrap();
        let answered = tokio::time::timeout(within, client.recv()).await;
        let answered = answered.expect("the reply passed the guard").unwrap();
        assert_eq!(answered.get(0).unwrap().as_ref(), b"pong");
        guards.stop.cancel();
    }
}
