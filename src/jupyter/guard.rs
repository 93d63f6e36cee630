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

/// How long a relayed connection waits for the kernel's internal socket: a client may connect
/// in the moment between the guard listening and the kernel binding behind it.
const BIND_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Connects to the kernel's internal socket, trying again while it is not bound yet (at start),
/// until `BIND_WAIT` has passed or the kernel stops.
async fn reach_kernel(internal: SocketAddr, stop: &CancellationToken) -> Option<TcpStream> {
    let deadline = tokio::time::Instant::now() + BIND_WAIT;
    loop {
        match TcpStream::connect(internal).await {
            Ok(stream) => return Some(stream),
            Err(_) if stop.is_cancelled() || tokio::time::Instant::now() >= deadline => {
                return None
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
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
        let stop = stop.clone();
        // A relay ends when either side closes; it is not cut at `stop`, so that a reply the
        // kernel sent just before stopping (to `shutdown_request`) still reaches the client.
        tracker.spawn(async move {
            let Some(kernel) = reach_kernel(internal, &stop).await else {
                tracing::debug!("{public}: the kernel's socket did not accept a relayed connection (it is stopping)");
                return;
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
                            "{public}: dropped the connection from {peer}: it announced a frame of {announced} bytes (the limit is {limit}; SPARK_SQL_KERNEL_MAX_FRAME_MB)"
                        );
                    }
                }
            }
        });
    }
}

/// Puts a guard on every TCP port of `info`; returns the connection info of the internal
/// sockets the kernel binds instead (loopback, ports of their own). Other transports (ipc)
/// are returned as they are.
pub async fn protect(
    info: &jupyter_protocol::ConnectionInfo,
    limit: u64,
    stop: &CancellationToken,
    tracker: &TaskTracker,
) -> Result<jupyter_protocol::ConnectionInfo, super::JupyterError> {
    if !matches!(info.transport, jupyter_protocol::Transport::TCP) {
        return Ok(info.clone());
    }
    let mut inner = info.clone();
    inner.ip = "127.0.0.1".to_owned();
    let ports = [
        (info.shell_port, &mut inner.shell_port),
        (info.iopub_port, &mut inner.iopub_port),
        (info.stdin_port, &mut inner.stdin_port),
        (info.control_port, &mut inner.control_port),
        (info.hb_port, &mut inner.hb_port),
    ];
    for (public, internal) in ports {
        let bind =
            |e: std::io::Error| super::JupyterError::Bind(format!("{}:{public}: {e}", info.ip));
        let listener = TcpListener::bind((info.ip.as_str(), public))
            .await
            .map_err(bind)?;
        // A free loopback port for the real socket (bound right after this by the kernel).
        let free = std::net::TcpListener::bind("127.0.0.1:0").map_err(bind)?;
        let address = free.local_addr().map_err(bind)?;
        drop(free);
        *internal = address.port();
        tracker.spawn(guard(
            listener,
            address,
            limit,
            stop.clone(),
            tracker.clone(),
        ));
    }
    Ok(inner)
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
    async fn a_client_that_comes_before_the_kernel_binds_is_relayed_once_it_does() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let public = listener.local_addr().unwrap();
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let internal = free.local_addr().unwrap();
        drop(free);
        let stop = CancellationToken::new();
        let tracker = TaskTracker::new();
        tokio::spawn(guard(listener, internal, 1024, stop.clone(), tracker));
        let mut client = TcpStream::connect(public).await.unwrap();
        client.write_all(&greeting()).await.unwrap();
        // The kernel binds its socket a moment after the client came.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let kernel = TcpListener::bind(internal).await.unwrap();
        let (mut relayed, _) =
            tokio::time::timeout(std::time::Duration::from_secs(5), kernel.accept())
                .await
                .expect("the guard reached the kernel once it was bound")
                .unwrap();
        let mut got = vec![0u8; GREETING];
        relayed.read_exact(&mut got).await.unwrap();
        assert_eq!(got, greeting());
        stop.cancel();
    }
}
