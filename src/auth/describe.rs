//! An identity as `%whoami` and `check` list it: user, display name, token type, dates, MFA,
//! roles, ORCID and where the token came from. Never the token itself.

use chrono::{DateTime, Utc};

use super::{time_left, Identity, UserInfo};

/// The rows describing `identity` (and its owner's `profile`, when known) at `now`.
pub fn describe(
    identity: &Identity,
    profile: Option<&UserInfo>,
    now: DateTime<Utc>,
) -> Vec<(String, String)> {
    let time = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
    let info = &identity.info;
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_owned(), v));
    row("KBase user", info.user.clone());
    if let Some(p) = profile {
        row("Display name", p.display.clone());
    }
    let named = info
        .name
        .as_ref()
        .map_or(String::new(), |n| format!(" ({n})"));
    row("Token type", format!("{}{named}", info.token_type));
    row("Created", time(info.created));
    row(
        "Expires",
        info.expires.map_or("never".to_owned(), |e| {
            format!("{} ({})", time(e), time_left(e, now))
        }),
    );
    let mfa = info.mfa.clone().unwrap_or_else(|| "not reported".into());
    let mfa = if mfa.eq_ignore_ascii_case("used") {
        mfa
    } else {
        format!("{mfa} (warning: BERDL's public Spark Connect proxy accepts only tokens made with MFA; log in to KBase with MFA to use it)")
    };
    row("MFA", mfa);
    if let Some(p) = profile {
        let roles = if p.custom_roles.is_empty() {
            "none".into()
        } else {
            p.custom_roles.join(", ")
        };
        row("Custom roles", roles);
        if let Some(orcid) = p.orcid() {
            row("ORCID", orcid.to_owned());
        }
    }
    row("Token source", identity.source.to_string());
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{TokenInfo, TokenSource};

    fn identity(mfa: Option<&str>) -> Identity {
        Identity::new(
            crate::token::KBaseToken::new("T").unwrap(),
            TokenSource::Environment,
            TokenInfo {
                user: "alice".into(),
                token_type: "Login".into(),
                name: None,
                created: DateTime::from_timestamp(1_764_000_000, 0).unwrap(),
                expires: None,
                mfa: mfa.map(str::to_owned),
                cache_for: std::time::Duration::from_secs(300),
            },
        )
    }

    fn mfa_row(mfa: Option<&str>) -> String {
        let rows = describe(&identity(mfa), None, Utc::now());
        rows.into_iter().find(|(k, _)| k == "MFA").unwrap().1
    }

    #[test]
    fn mfa_other_than_used_is_a_warning() {
        assert_eq!(mfa_row(Some("Used")), "Used");
        assert!(mfa_row(Some("NotUsed")).starts_with("NotUsed (warning: BERDL's public"));
        assert!(mfa_row(None).starts_with("not reported (warning"));
    }
}
