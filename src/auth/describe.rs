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
    row(
        "MFA",
        info.mfa.clone().unwrap_or_else(|| "not reported".into()),
    );
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
