//! TLS with a private CA, as behind BERDL's public proxy: the project's gRPC pass-through
//! behind Debian's nginx (`grpc_pass`, HTTP/2, a CA and a certificate made by the test), reached
//! with `;use_ssl=true`. The kernel is the real binary (`spark-sql-kernel check`), because
//! `SSL_CERT_FILE` is read from the process's environment.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::{binary, spark};

#[track_caller]
fn run(program: &str, args: &[&str], dir: &Path) {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| {
            panic!("{program} is needed for the TLS test (scripts/test installs it): {e}")
        });
    assert!(status.success(), "{program} {args:?}");
}

/// A CA and a certificate for `names` (`DNS:localhost,IP:127.0.0.1`) signed by it, in `dir`.
#[track_caller]
fn make_certificates(dir: &Path, names: &str) {
    std::fs::write(
        dir.join("san.cnf"),
        format!("subjectAltName={names}\nbasicConstraints=CA:FALSE\n"),
    )
    .unwrap();
    let openssl = |args: &[&str]| run("openssl", args, dir);
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.cnf",
        "-out",
        "server.pem",
    ]);
}

/// nginx terminating TLS on `port` and passing gRPC to `backend`.
struct Nginx(Child);

impl Nginx {
    #[track_caller]
    fn start(dir: &Path, port: u16, backend: &str) -> Nginx {
        let d = dir.display();
        let conf = format!(
            "daemon off; pid {d}/nginx.pid; error_log {d}/error.log;\n\
             events {{}}\n\
             http {{\n access_log off; client_body_temp_path {d}/body;\n\
              server {{\n  listen 127.0.0.1:{port} ssl http2;\n\
               ssl_certificate {d}/server.pem; ssl_certificate_key {d}/server.key;\n\
               client_max_body_size 0; grpc_read_timeout 300s;\n\
               location / {{ grpc_pass grpc://{backend}; }}\n }}\n}}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new("nginx")
            .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Debian's nginx is needed for the TLS test (scripts/test installs it)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not start: {:?}",
                std::fs::read_to_string(dir.join("error.log"))
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Nginx(child)
    }
}

impl Drop for Nginx {
    /// SIGTERM, so that the master stops its workers too (SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

#[track_caller]
fn check(url: &str, auth_url: &str, ca: Option<&Path>, extra: &[(&str, &str)]) -> (bool, String) {
    let token = spark::token();
    let mut vars = vec![
        ("KBASE_AUTH_URL", auth_url),
        ("KBASE_AUTH_TOKEN", token.as_str()),
        ("SPARK_CONNECT_URL", url),
    ];
    let ca = ca.map(|c| c.display().to_string());
    if let Some(ca) = &ca {
        vars.push(("SSL_CERT_FILE", ca));
    }
    vars.extend_from_slice(extra);
    let (passed, text) = binary::check(&vars);
    assert!(!text.contains(&token), "the token was printed");
    (passed, text)
}

#[tokio::test]
async fn tls_with_a_private_ca_works_with_ssl_cert_file_and_says_so_without_it() {
    let auth = spark::standin();
    let backend = spark::url().trim_start_matches("sc://").to_owned();
    let proxy = BerdlProxy::start(Mode::Public, &backend, &auth.url);
    let dir = tempfile::tempdir().unwrap();
    make_certificates(dir.path(), "DNS:localhost,IP:127.0.0.1");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _nginx = Nginx::start(dir.path(), port, proxy.url.trim_start_matches("sc://"));
    let url = format!("sc://localhost:{port}/;use_ssl=true");
    let auth_url = auth.url.clone();
    let ca = dir.path().join("ca.pem");
    let (passed, text) = tokio::task::spawn_blocking({
        let (url, auth_url) = (url.clone(), auth_url.clone());
        move || check(&url, &auth_url, Some(&ca), &[])
    })
    .await
    .unwrap();
    assert!(passed, "{text}");
    assert!(text.contains("SELECT 1 answered"), "{text}");
    let (passed, text) = tokio::task::spawn_blocking(move || check(&url, &auth_url, None, &[]))
        .await
        .unwrap();
    assert!(!passed, "{text}");
    assert!(text.contains("not trusted"), "{text}");
    assert!(text.contains("SSL_CERT_FILE"), "{text}");
}

/// TLS inside an HTTP proxy's tunnel, as BERDL's remote users reach `spark.berdl.kbase.us:443`:
/// the certificate is checked against the server's name (SNI included), which only the proxy
/// resolves; a certificate for another name is refused although the tunnel is open.
#[tokio::test]
async fn tls_runs_inside_the_proxy_tunnel_checked_against_the_servers_name() {
    use crate::harness::pproxy::{Pproxy, SPARK_NAME};
    let auth = spark::standin();
    let backend = spark::url().trim_start_matches("sc://").to_owned();
    let proxy = Pproxy::start("http", None);
    let grpc_proxy = proxy.url("http", None);
    let run = |names: &'static str| {
        let (backend, auth_url, grpc_proxy) =
            (backend.clone(), auth.url.clone(), grpc_proxy.clone());
        tokio::task::spawn_blocking(move || {
            let dir = tempfile::tempdir().unwrap();
            make_certificates(dir.path(), names);
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let _nginx = Nginx::start(dir.path(), port, &backend);
            let url = format!("sc://{SPARK_NAME}:{port}/;use_ssl=true");
            let extra = [
                ("grpc_proxy", grpc_proxy.as_str()),
                ("no_proxy", "127.0.0.1"),
            ];
            check(&url, &auth_url, Some(&dir.path().join("ca.pem")), &extra)
        })
    };
    let (passed, text) = run("DNS:spark.far.test").await.unwrap();
    assert!(passed, "{text}");
    assert!(text.contains("SELECT 1 answered"), "{text}");
    assert!(
        text.contains(&format!("proxy {grpc_proxy} (from grpc_proxy)")),
        "{text}"
    );
    assert!(
        text.contains("on: the server's certificate must name spark.far.test"),
        "{text}"
    );
    // A certificate for the proxy's address, not the server's name.
    let (passed, text) = run("DNS:localhost,IP:127.0.0.1").await.unwrap();
    assert!(!passed, "{text}");
    assert!(text.contains("certificate not valid for name"), "{text}");
    assert!(
        text.contains("the certificate names another host"),
        "{text}"
    );
    assert!(
        !text.contains("through the proxy"),
        "not the proxy's fault: {text}"
    );
}
