//! A TCP relay of the project's own between the kernel and a server, for fault tests: it can
//! cut every connection it carries (as a reset network or a restarted proxy does), or silence
//! them (a black hole: they stay open, nothing passes).

use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

pub struct Relay {
    /// `sc://127.0.0.1:PORT` of the relay.
    pub url: String,
    /// Cancelled to cut the connections open now; replaced by a fresh one for later ones.
    cut: Arc<Mutex<CancellationToken>>,
    /// Cancelled to silence the connections open now; replaced like `cut`.
    silence: Arc<Mutex<CancellationToken>>,
    stop: CancellationToken,
}

impl Relay {
    /// A relay to `backend` (`host:port`).
    pub async fn start(backend: &str) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("sc://{}", listener.local_addr().unwrap());
        let relay = Relay::new(url);
        tokio::spawn(relay.serve(async { listener }, backend));
        relay
    }

    /// A relay to `backend` whose port refuses connections for `delay` (bound, not listening:
    /// as a server that is still starting), then relays.
    pub async fn start_late(backend: &str, delay: std::time::Duration) -> Relay {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let relay = Relay::new(format!("sc://{}", socket.local_addr().unwrap()));
        let listener = async move {
            tokio::time::sleep(delay).await;
            socket.listen(128).unwrap()
        };
        tokio::spawn(relay.serve(listener, backend));
        relay
    }

    fn new(url: String) -> Relay {
        Relay {
            url,
            cut: Arc::new(Mutex::new(CancellationToken::new())),
            silence: Arc::new(Mutex::new(CancellationToken::new())),
            stop: CancellationToken::new(),
        }
    }

    /// Accepts from `listener` (once it is there) and relays each connection to `backend`.
    #[track_caller]
    fn serve(
        &self,
        listener: impl std::future::Future<Output = TcpListener> + Send + 'static,
        backend: &str,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let (backend, cuts, stopped) =
            (backend.to_owned(), Arc::clone(&self.cut), self.stop.clone());
        let silences = Arc::clone(&self.silence);
        async move {
            let listener = tokio::select! {
                () = stopped.cancelled() => return,
                listener = listener => listener,
            };
            loop {
                let accepted = tokio::select! {
                    () = stopped.cancelled() => break,
                    accepted = listener.accept() => accepted,
                };
                let Ok((client, _)) = accepted else {
                    continue;
                };
                let token = cuts.lock().unwrap().clone();
                let quiet = silences.lock().unwrap().clone();
                tokio::spawn(relay_one(client, backend.clone(), token, quiet));
            }
        }
    }

    /// Silences every connection open now (nothing passes, nothing closes); new ones are
    /// relayed.
    #[track_caller]
    pub fn silence_all(&self) {
        let mut silence = self.silence.lock().unwrap();
        silence.cancel();
        *silence = CancellationToken::new();
    }

    /// Cuts every connection open now; new ones are relayed again.
    #[track_caller]
    pub fn cut_all(&self) {
        let mut cut = self.cut.lock().unwrap();
        cut.cancel();
        *cut = CancellationToken::new();
    }
}

impl Drop for Relay {
    #[track_caller]
    fn drop(&mut self) {
        self.stop.cancel();
        self.cut.lock().unwrap().cancel();
    }
}

/// Relays one connection until it ends, is cut (a reset), or is silenced (held, unread).
async fn relay_one(
    mut client: TcpStream,
    backend: String,
    token: CancellationToken,
    quiet: CancellationToken,
) {
    let Ok(mut server) = TcpStream::connect(&backend).await else {
        return;
    };
    let cut = tokio::select! {
        () = token.cancelled() => true,
        () = quiet.cancelled() => {
            // Held open, unread, until cut or the relay's end.
            token.cancelled().await;
            true
        }
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
    };
    #[allow(deprecated)] // a zero linger resets at once; it never blocks on drop
    if cut {
        // Closed with SO_LINGER 0: a reset (RST), not an orderly end.
        let _ = client.set_linger(Some(std::time::Duration::ZERO));
        let _ = server.set_linger(Some(std::time::Duration::ZERO));
    }
}
