//! KBase authentication over real HTTP against the repository's Auth2 stand-in: every error
//! of the service, timeouts, token rotation, and a kernel that starts whatever the token.

use std::time::Duration;

use crate::harness::standin::{self, AuthStandin};
use crate::harness::{settings, Frontend};
use spark_connect::BearerToken;
use spark_connect::ProxySettings;
use spark_sql_kernel::auth::{AuthClient, AuthError, Authenticator};

#[track_caller]
fn token(t: &str) -> BearerToken {
    BearerToken::new(t).unwrap()
}

#[track_caller]
fn client(url: &str) -> AuthClient {
    AuthClient::new(url, Duration::from_secs(5), &ProxySettings::none()).unwrap()
}

#[tokio::test]
async fn a_valid_token_gives_its_info_and_profile() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let c = client(&auth.url);
    let info = c.validate_token(&token(standin::ALICE)).await.unwrap();
    assert_eq!(info.user, "alice_smith");
    assert_eq!(info.token_type, "Login");
    assert_eq!(info.mfa.as_deref(), Some("Used"));
    assert_eq!(info.cache_for, Duration::from_secs(300));
    assert!(!info.is_expired(chrono::Utc::now()), "{:?}", info);
    let profile = c.get_user_info(&token(standin::ALICE)).await.unwrap();
    assert_eq!(profile.display, "Alice Smith");
    assert_eq!(profile.custom_roles, ["BERDL_USER"]);
    assert_eq!(profile.orcid(), Some("0000-0002-1825-0097"));
    // Without the trailing slash, too.
    let bare = client(auth.url.trim_end_matches('/'));
    let info = bare.validate_token(&token(standin::BOB)).await.unwrap();
    assert_eq!(info.user, "bob");
}

#[tokio::test]
async fn each_error_of_the_service_has_its_own_message() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let c = client(&auth.url);
    let invalid = c.validate_token(&token("NOSUCHTOKEN")).await.unwrap_err();
    assert_eq!(
        invalid,
        AuthError::Invalid {
            url: auth.url.clone()
        }
    );
    assert!(
        invalid.to_string().contains("10020 Invalid token"),
        "Auth2's code is kept: {invalid}"
    );
    // The service cannot tell expired from invalid, and neither can a first look.
    let expired = c
        .validate_token(&token(standin::EXPIRED))
        .await
        .unwrap_err();
    assert!(matches!(expired, AuthError::Invalid { .. }), "{expired:?}");
    // "Bearer X" is hashed whole by Auth2: the client must send the bare token.
    let valid = c.validate_token(&token(standin::ALICE)).await;
    assert!(valid.is_ok(), "alice's token is valid: {valid:?}");
    let disabled = c
        .validate_token(&token(standin::DISABLED))
        .await
        .unwrap_err();
    assert!(
        matches!(disabled, AuthError::Disabled { .. }),
        "{disabled:?}"
    );
    assert!(disabled.to_string().contains("disabled"), "{disabled:?}");
}

#[tokio::test]
async fn an_unreachable_or_broken_service_is_named_with_its_url() {
    let c = client("http://127.0.0.1:9/services/auth/");
    let error = c.validate_token(&token(standin::ALICE)).await.unwrap_err();
    assert!(matches!(error, AuthError::Unreachable { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("http://127.0.0.1:9/services/auth/"),
        "{:?}",
        error.to_string()
    );

    let garbage = AuthStandin::start(standin::default_config(), &["--garbage"]);
    let error = client(&garbage.url)
        .validate_token(&token(standin::ALICE))
        .await
        .unwrap_err();
    assert!(matches!(error, AuthError::BadAnswer { .. }), "{error:?}");
    assert!(error.to_string().contains(&garbage.url), "{error:?}");
}

#[tokio::test]
async fn a_slow_service_times_out_with_a_clear_message() {
    let slow = AuthStandin::start(standin::default_config(), &["--slow", "5"]);
    let c = AuthClient::new(
        &slow.url,
        Duration::from_millis(700),
        &ProxySettings::none(),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let error = c.validate_token(&token(standin::ALICE)).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?} < {:?}",
        started.elapsed(),
        Duration::from_secs(3)
    );
    assert!(matches!(error, AuthError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[track_caller]
fn authenticator(url: &str, vars: &[(&str, &str)]) -> Authenticator {
    let mut all = vec![("KBASE_AUTH_URL", url)];
    all.extend_from_slice(vars);
    Authenticator::new(settings(&all).auth(), Duration::from_secs(5)).unwrap()
}

#[tokio::test]
async fn a_token_seen_valid_and_then_past_its_expiry_is_reported_expired() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let mut a = authenticator(&auth.url, &[("KBASE_AUTH_TOKEN", standin::SHORT_LIVED)]);
    assert_eq!(a.ensure().await.unwrap().user(), "alice_smith");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let error = a.ensure().await.unwrap_err();
    assert!(matches!(error, AuthError::Expired { .. }), "{error:?}");
    assert!(error.to_string().contains("expired at"), "{error:?}");
}

#[tokio::test]
async fn token_rotation_through_the_token_file_switches_without_a_restart() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".berdl_kbase_session");
    std::fs::write(&file, standin::ALICE).unwrap();
    let file_var = file.to_str().unwrap();
    let mut a = authenticator(
        &auth.url,
        &[
            ("KBASE_TOKEN_FILE", file_var),
            ("KBASE_AUTH_TOKEN", "STALE"),
        ],
    );
    assert_eq!(a.ensure().await.unwrap().token.expose(), standin::ALICE);
    // BERDL rewrites the file without a trailing newline when the token rotates.
    std::fs::write(&file, standin::ALICE_ROTATED).unwrap();
    let identity = a.ensure().await.unwrap();
    assert_eq!(identity.token.expose(), standin::ALICE_ROTATED);
    assert_eq!(identity.user(), "alice_smith");
    // A token of somebody else is refused, and says so.
    std::fs::write(&file, format!("{}\n", standin::BOB)).unwrap();
    let error = a.ensure().await.unwrap_err();
    assert_eq!(
        error,
        AuthError::UserChanged {
            was: "alice_smith".into(),
            now: "bob".into()
        }
    );
}

async fn sql_error(vars: &[(&str, &str)]) -> (String, String) {
    let mut fe = Frontend::start(settings(vars)).await;
    let info = fe
        .request("kernel_info_request", serde_json::json!({}))
        .await;
    assert_eq!(info.reply.content["status"], "ok");
    let t = fe.execute("SELECT 1").await;
    assert_eq!(t.reply.content["status"], "error");
    let error = t.outputs("error")[0];
    (
        error["ename"].as_str().unwrap().to_owned(),
        error["evalue"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_kernel_starts_without_a_good_token_and_says_why_in_sql_cells() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let url = auth.url.as_str();
    let (ename, evalue) = sql_error(&[
        ("KBASE_AUTH_URL", url),
        ("KBASE_TOKEN_FILE", "/nonexistent"),
    ])
    .await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(evalue.contains("no KBase token found"), "{evalue}");
    assert!(
        evalue.contains(". Set KBASE_AUTH_TOKEN, or log in"),
        "{evalue}"
    );
    let (ename, evalue) =
        sql_error(&[("KBASE_AUTH_URL", url), ("KBASE_AUTH_TOKEN", "BADTOKEN")]).await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(evalue.contains("invalid or expired"), "{evalue}");
    assert!(evalue.contains(". Log in to KBase again"), "{evalue}");
    let (_, evalue) = sql_error(&[
        ("KBASE_AUTH_URL", url),
        ("KBASE_AUTH_TOKEN", standin::EXPIRED),
    ])
    .await;
    assert!(evalue.contains("invalid or expired"), "{evalue}");
    let (ename, evalue) = sql_error(&[
        ("KBASE_AUTH_URL", "http://127.0.0.1:9/"),
        ("KBASE_AUTH_TOKEN", standin::ALICE),
    ])
    .await;
    assert_eq!(ename, "KBaseAuthError");
    assert!(
        evalue.contains("cannot reach KBase Auth2 at http://127.0.0.1:9/"),
        "{evalue}"
    );
    assert!(evalue.contains(". Check KBASE_AUTH_URL"), "{evalue}");
}

#[tokio::test]
async fn with_a_valid_token_sql_gets_past_auth_to_spark() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let (ename, evalue) = sql_error(&[
        ("KBASE_AUTH_URL", &auth.url),
        ("KBASE_AUTH_TOKEN", standin::ALICE),
    ])
    .await;
    // Past auth, the default template names alice's server, which does not exist here.
    assert_eq!(ename, "SparkConnectError");
    assert!(
        evalue.contains("cannot reach Spark Connect at sc://spark-connect-alice_smith:15002"),
        "{evalue}"
    );
}

#[tokio::test]
async fn whoami_shows_the_user_and_the_address_but_never_the_token() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let mut fe = Frontend::start(settings(&[
        ("KBASE_AUTH_URL", &auth.url),
        ("KBASE_AUTH_TOKEN", standin::ALICE),
        (
            "SPARK_CONNECT_HOST_TEMPLATE",
            "jupyter-{username_k8s}.jupyterhub-prod",
        ),
    ]))
    .await;
    let t = fe.execute("%whoami").await;
    assert_eq!(t.reply.content["status"], "ok");
    let data = &t.outputs("execute_result")[0]["data"];
    let text = data["text/plain"].as_str().unwrap();
    for expected in [
        "alice_smith",
        "Alice Smith",
        "Login",
        "MFA",
        "Used",
        "BERDL_USER",
        "0000-0002-1825-0097",
        "days",
        "left",
        "sc://jupyter-alice-smith.jupyterhub-prod:15002",
        &auth.url,
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        data["text/html"].as_str().unwrap().contains("alice_smith"),
        "{:?}",
        data["text/html"].as_str().unwrap()
    );
    let everything = format!("{:?}", t);
    assert!(!everything.contains(standin::ALICE), "the token leaked");
}

#[tokio::test]
async fn a_refused_token_file_gives_way_to_the_environment_and_is_not_asked_again() {
    // A batch run with no browser open: the token file is older than KBASE_AUTH_TOKEN and its
    // token was revoked (Auth2 answers 401 for it).
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".berdl_kbase_session");
    std::fs::write(&file, standin::EXPIRED).unwrap();
    let mut a = authenticator(
        &auth.url,
        &[
            ("KBASE_TOKEN_FILE", file.to_str().unwrap()),
            ("KBASE_AUTH_TOKEN", standin::ALICE),
        ],
    );
    let identity = a.ensure().await.unwrap();
    assert_eq!(identity.token.expose(), standin::ALICE);
    assert_eq!(identity.source.to_string(), "KBASE_AUTH_TOKEN");
    let refused: Vec<String> = a.refused_sources().iter().map(|s| s.to_string()).collect();
    assert_eq!(refused, [file.display().to_string()]);
    // The browser comes back and writes a good token: the file wins again.
    std::fs::write(&file, standin::ALICE_ROTATED).unwrap();
    let identity = a.ensure().await.unwrap();
    assert_eq!(identity.token.expose(), standin::ALICE_ROTATED);
}

#[tokio::test]
async fn a_stale_environment_token_gives_way_to_the_file() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let mut a = authenticator(
        &auth.url,
        &[
            ("KBASE_TOKEN_FILE", "/nonexistent/spark-sql-kernel-test"),
            ("KBASE_AUTH_TOKEN", standin::EXPIRED),
            (
                "SPARK_CONNECT_URL",
                &format!("sc://localhost:1/;token={}", standin::ALICE),
            ),
        ],
    );
    let identity = a.ensure().await.unwrap();
    assert_eq!(identity.token.expose(), standin::ALICE);
    assert_eq!(a.refused_sources().len(), 1);
}

#[tokio::test]
async fn when_every_source_is_refused_the_error_says_so() {
    let auth = AuthStandin::start(standin::default_config(), &[]);
    let mut a = authenticator(&auth.url, &[("KBASE_AUTH_TOKEN", standin::EXPIRED)]);
    let error = a.ensure().await.unwrap_err();
    assert!(matches!(error, AuthError::Invalid { .. }), "{error:?}");
    // Asked again, the refused token is not sent again and the answer is the same.
    let again = a.ensure().await.unwrap_err();
    assert!(matches!(again, AuthError::Invalid { .. }), "{again:?}");
}
