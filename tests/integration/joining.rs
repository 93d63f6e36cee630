//! One Spark session with Python: the real PySpark Connect client of each Spark line joins
//! the kernel's session with the code `%session` prints, reads a result `_N` and a view of the
//! user's, makes a view the kernel then reads, and leaves; the kernel works on. Through the
//! look-alikes of BERDL's public proxy and pod interceptors too.

use std::process::Command;

use crate::harness::berdl::{BerdlProxy, Mode};
use crate::harness::reading::{grid_rows, ok, result_text};
use crate::harness::spark;
use crate::harness::{Frontend, Transcript};

/// The code `%session` printed (after its paragraph).
#[track_caller]
fn session_code(t: &Transcript) -> String {
    ok(t);
    let text = result_text(t);
    let (_, code) = text
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("no code: {text}"));
    assert!(code.contains("session_id="), "{code}");
    code.to_owned()
}

/// Runs `code` with the Python of the run (the line's pyspark first on the path when given);
/// its stdout.
#[track_caller]
fn python(code: &str, pyspark: Option<&str>, env: &[(&str, &str)]) -> String {
    let python = std::env::var("SPARK_SQL_KERNEL_TEST_PYTHON")
        .unwrap_or_else(|_| panic!("SPARK_SQL_KERNEL_TEST_PYTHON is not set: run scripts/test"));
    // A client that hangs fails the test in two minutes rather than holding the run.
    let mut command = Command::new("timeout");
    command
        .args(["120", &python, "-c", code])
        .env_remove("SPARK_CONNECT_AUTHENTICATE_TOKEN");
    if let Some(path) = pyspark {
        command.env("PYTHONPATH", path);
    }
    command.envs(env.iter().copied());
    let out = command.output().expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "python failed:\n{code}\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Joins the kernel's session from PySpark and checks both ways; `env` is the Python side's.
async fn joins_both_ways(k: &mut Frontend, pyspark: Option<&str>, env: &[(&str, &str)]) {
    let t = k.execute("SELECT 'from sql' AS origin, 41 AS n").await;
    ok(&t);
    let name = format!("_{}", t.reply.content["execution_count"]);
    ok(&k
        .execute("CREATE OR REPLACE TEMPORARY VIEW sql_view AS SELECT 1 AS one")
        .await);
    let code = session_code(&k.execute("%session").await);
    assert!(code.contains(&format!("table({name:?})")), "{code}");
    let check = format!(
        "{code}\n\
         import pyspark\n\
         row = sql_session.table({name:?}).collect()[0]\n\
         assert (row.origin, row.n) == ('from sql', 41), row\n\
         assert sql_session.table('sql_view').collect()[0].one == 1\n\
         sql_session.sql(\"CREATE OR REPLACE TEMPORARY VIEW py_view AS SELECT 'from python' AS origin\")\n\
         print('joined with pyspark', pyspark.__version__)\n\
         del sql_session\n"
    );
    let out = python(&check, pyspark, env);
    assert!(out.contains("joined with pyspark"), "{out}");
    let t = k.execute("SELECT origin FROM py_view").await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t)), [["from python"]]);
    // The Python client left: the kernel works on in the same session.
    let t = k.execute(&format!("SELECT n + 1 FROM {name}")).await;
    ok(&t);
    assert_eq!(grid_rows(&result_text(&t)), [["42"]]);
}

/// The pyspark of each line: the venv's for the main line, else the line's own.
fn line_pysparks() -> Vec<(String, String, Option<String>)> {
    let paths = std::env::var("SPARK_SQL_KERNEL_TEST_PYSPARK_PATHS").unwrap_or_else(|_| {
        panic!("SPARK_SQL_KERNEL_TEST_PYSPARK_PATHS is not set: run scripts/test")
    });
    let lines = std::env::var("SPARK_SQL_KERNEL_TEST_LINES")
        .unwrap_or_else(|_| panic!("SPARK_SQL_KERNEL_TEST_LINES is not set: run scripts/test"));
    let mut all = vec![("main".to_owned(), spark::url(), None)];
    for word in lines.split_whitespace() {
        let (version, url) = word.split_once('=').expect("VERSION=URL");
        let path = paths
            .split_whitespace()
            .find_map(|p| p.strip_prefix(&format!("{version}=")))
            .unwrap_or_else(|| panic!("no pyspark {version} in {paths}"));
        all.push((version.to_owned(), url.to_owned(), Some(path.to_owned())));
    }
    all
}

#[tokio::test]
async fn pyspark_of_every_line_joins_the_kernels_session() {
    let auth = spark::standin();
    let token = spark::token();
    for (version, url, pyspark) in line_pysparks() {
        // `localhost`: PySpark sends Spark's own pre-shared token (from
        // SPARK_CONNECT_AUTHENTICATE_TOKEN) without TLS only to localhost.
        let url = url.replace("127.0.0.1", "localhost");
        let settings = spark::kernel_settings(&auth, &token, &url, &[]);
        let mut k = Frontend::start(settings).await;
        let env = [
            ("KBASE_AUTH_TOKEN", token.as_str()),
            ("SPARK_CONNECT_AUTHENTICATE_TOKEN", token.as_str()),
        ];
        eprintln!("Spark {version}");
        joins_both_ways(&mut k, pyspark.as_deref(), &env).await;
    }
}

#[tokio::test]
async fn pyspark_joins_through_berdls_proxy_and_pod_interceptors() {
    let auth = spark::standin();
    let token = spark::token();
    let open = std::env::var("SPARK_SQL_KERNEL_TEST_OPEN_URL")
        .unwrap_or_else(|_| panic!("SPARK_SQL_KERNEL_TEST_OPEN_URL is not set: run scripts/test"));
    let pod = BerdlProxy::start(
        Mode::Pod {
            owner: "alice_smith",
            prefixes: "u_alice_smith__",
        },
        open.trim_start_matches("sc://"),
        &auth.url,
    );
    let public = BerdlProxy::start(Mode::Public, pod.url.trim_start_matches("sc://"), &auth.url);
    let settings = spark::kernel_settings(&auth, &token, &public.url, &[]);
    let mut k = Frontend::start(settings).await;
    joins_both_ways(&mut k, None, &[("KBASE_AUTH_TOKEN", token.as_str())]).await;
}
