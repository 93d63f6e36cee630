//! The repository's KBase Auth2 stand-in (scripts/kbase_auth_standin.py), started per test.

use std::process::{Child, Command};

use serde_json::{json, Value};

pub struct AuthStandin {
    child: Child,
    pub url: String,
    /// The stand-in's configuration file, kept until the stand-in stops.
    _config: tempfile::NamedTempFile,
}

/// Tokens of the stand-in used across the tests (shaped like real ones: 32 × [A-Z2-7]).
pub const ALICE: &str = "ALICETOKEN234567ABCDEFGHIJKLMNOP";
pub const ALICE_ROTATED: &str = "ALICEROTATED4567ABCDEFGHIJKLMNOP";
pub const BOB: &str = "BOBTOKEN234567ABCDEFGHIJKLMNOPQR";
pub const EXPIRED: &str = "EXPIREDTOKEN4567ABCDEFGHIJKLMNOP";
pub const DISABLED: &str = "DISABLEDTOKEN567ABCDEFGHIJKLMNOP";
pub const SHORT_LIVED: &str = "SHORTLIVED234567ABCDEFGHIJKLMNOP";

pub fn default_config() -> Value {
    json!({
        "tokens": {
            ALICE: { "user": "alice_smith", "type": "Login", "mfa": "Used" },
            ALICE_ROTATED: { "user": "alice_smith", "type": "Login", "mfa": "Used" },
            BOB: { "user": "bob", "type": "Developer", "name": "laptop" },
            EXPIRED: { "user": "alice_smith", "expires_in": -60 },
            DISABLED: { "user": "mallory" },
            SHORT_LIVED: { "user": "alice_smith", "expires_in": 3 },
        },
        "users": {
            "alice_smith": { "display": "Alice Smith", "customroles": ["BERDL_USER"], "orcid": "0000-0002-1825-0097" },
            "mallory": { "disabled": true },
        },
    })
}

impl AuthStandin {
    #[track_caller]
    pub fn start(config: Value, extra: &[&str]) -> AuthStandin {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), config.to_string()).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kbase_auth_standin.py");
        let mut command = Command::new("python3");
        command
            .arg(script)
            .arg("--config")
            .arg(file.path())
            .args(extra);
        let (child, url) = super::spawn_listening(command, "the KBase Auth2 stand-in (python3)");
        AuthStandin {
            child,
            url,
            _config: file,
        }
    }
}

impl AuthStandin {
    /// The port it listens on (to start another one there).
    #[track_caller]
    pub fn port(&self) -> String {
        let rest = self.url.rsplit_once(':').expect("host:port").1;
        rest.split('/').next().unwrap().to_owned()
    }

    /// Sends `signal` (`STOP`, `CONT`) to the stand-in.
    #[track_caller]
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal}");
    }
}

impl Drop for AuthStandin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
