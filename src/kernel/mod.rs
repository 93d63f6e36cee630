//! What the kernel does with a request: runs cells (magics, then SQL statements in order),
//! keeps history, answers completeness, completion and inspection. It knows no sockets: the
//! transport calls it through [`crate::jupyter::Handler`].

mod catalog;
mod cell;
mod complete;
mod error;
mod history;
mod magics;
mod progress;

use std::time::Duration;

use serde_json::json;

use crate::auth::{AuthError, Authenticator};
use crate::config::Settings;
use crate::jupyter::{
    Completeness, Completion, ErrorOutput, ExecuteContext, ExecuteRequest, Handler, HistoryEntry,
    HistoryQuery, KernelInfo, MimeBundle, Output,
};
use crate::render;
use crate::spark::{Credentials, SparkClient, SparkError};
pub use cell::{completeness, parse, split_statements, Cell, MagicLine, Statement};
pub use error::{KernelError, SqlSource};
use history::History;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The longest `%sleep` accepted.
const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);

pub struct Kernel {
    settings: Settings,
    /// Who the user is; `Err` only when no HTTP client could be made.
    auth: Result<Authenticator, AuthError>,
    /// The latest result of the running cell: shown as `execute_result` if nothing follows it,
    /// else as `display_data` when the next one arrives.
    pending_result: Option<MimeBundle>,
    /// Rows shown per result (`%limit`).
    limit: usize,
    /// Characters of a value shown before it is cut (`%truncate`; 0: never).
    max_chars: usize,
    history: History,
    /// The Spark Connect client, made when first needed (the address depends on the user).
    spark: Option<SparkClient>,
    /// How the last Spark call went, for `%whoami`.
    spark_state: String,
    /// Catalog answers for completion and inspection.
    catalog: catalog::Catalog,
}

impl Kernel {
    /// A kernel for `settings`. Inside a tokio runtime it starts validating the token at once,
    /// in the background: `kernel_info` never waits for KBase.
    pub fn new(settings: Settings) -> Kernel {
        let mut auth = Authenticator::new(&settings, crate::auth::DEFAULT_TIMEOUT);
        if let (Ok(auth), Ok(_)) = (&mut auth, tokio::runtime::Handle::try_current()) {
            auth.start_validation();
        }
        Kernel {
            auth,
            pending_result: None,
            limit: settings.max_rows,
            max_chars: settings.max_chars,
            settings,
            history: History::default(),
            spark: None,
            spark_state: "not connected yet".into(),
            catalog: catalog::Catalog::default(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Shows a result of the cell: every result but the last one becomes `display_data`.
    fn show_result(&mut self, ctx: &ExecuteContext, data: MimeBundle) {
        if let Some(earlier) = self.pending_result.replace(data) {
            ctx.send(Output::Display {
                data: earlier,
                display_id: None,
            });
        }
    }

    /// Ends the cell: its last result is the cell's value (kept for history) if it succeeded.
    fn finish_results(&mut self, ctx: &ExecuteContext, count: usize, succeeded: bool) {
        let Some(data) = self.pending_result.take() else {
            return;
        };
        if !succeeded {
            ctx.send(Output::Display {
                data,
                display_id: None,
            });
            return;
        }
        if let Some(text) = data.get("text/plain").and_then(|v| v.as_str()) {
            self.history.set_output(count, text.to_owned());
        }
        ctx.send(Output::Result { data });
    }

    async fn run_cell(
        &mut self,
        request: &ExecuteRequest,
        ctx: &ExecuteContext,
    ) -> Result<(), KernelError> {
        let cell = cell::parse(&request.code);
        let sql_line = 1 + request.code[..cell.sql_offset.min(request.code.len())]
            .matches('\n')
            .count();
        for magic in &cell.line_magics {
            self.run_line_magic(magic, ctx).await?;
        }
        let limit = match &cell.cell_magic {
            Some(magic) => self.cell_magic_limit(magic)?,
            None => self.limit,
        };
        // Time taken by statements without a result set (DDL, INSERT, …).
        let mut quiet: Option<Duration> = None;
        for statement in cell::split_statements(&cell.sql) {
            if ctx.is_cancelled() {
                return Err(KernelError::Interrupted);
            }
            let line = sql_line + cell.sql[..statement.offset].matches('\n').count();
            if let Some(elapsed) = self.run_statement(&statement, line, limit, ctx).await? {
                quiet = Some(quiet.unwrap_or_default() + elapsed);
            }
        }
        // A cell that would show nothing at all says that its statements ran.
        if let Some(elapsed) = quiet {
            if self.pending_result.is_none() && !ctx.has_sent() {
                let text = format!("OK · {}", render::human_duration(elapsed));
                let html = format!(
                    "<div class=\"spark-sql-summary\"><small>{}</small></div>",
                    render::escape_html(&text)
                );
                self.show_result(ctx, render::plain_and_html(text, html));
            }
        }
        Ok(())
    }

    /// The session time zone, in which Spark shows timestamps; UTC (with a note) when it
    /// cannot be read.
    async fn session_zone(&mut self, creds: &Credentials, ctx: &ExecuteContext) -> render::Zone {
        let Some(client) = self.spark.as_mut() else {
            return render::Zone::default();
        };
        match client.conf_get(creds, "spark.sql.session.timeZone").await {
            Ok(Some(id)) => render::Zone::parse(&id).unwrap_or_else(|| {
                ctx.stderr(format!(
                    "Timestamps are shown in UTC: the session time zone {id:?} is not one this kernel knows.\n"
                ));
                render::Zone::default()
            }),
            Ok(None) => render::Zone::default(),
            Err(e) => {
                ctx.stderr(format!(
                    "Timestamps are shown in UTC: the session time zone could not be read ({e}).\n"
                ));
                render::Zone::default()
            }
        }
    }

    /// The user's identity, validated (or re-validated) as needed.
    async fn identity(&mut self) -> Result<crate::auth::Identity, KernelError> {
        let auth = self
            .auth
            .as_mut()
            .map_err(|e| KernelError::Auth(e.clone()))?;
        Ok(auth.ensure().await?.clone())
    }

    /// Credentials of the identity validated last, without validating again (for releasing
    /// a session).
    fn current_credentials(&self) -> Option<Credentials> {
        Some(credentials(self.auth.as_ref().ok()?.current()?))
    }

    /// Ends the Spark session on the server, if there is one (at shutdown, `%reconnect`
    /// and after `check`).
    async fn release_spark_session(&mut self) {
        if let (Some(creds), Some(client)) = (self.current_credentials(), &mut self.spark) {
            client
                .release_session(&creds, std::time::Duration::from_secs(2))
                .await;
        }
    }

    /// Credentials of the current identity, and a client for the user's server.
    async fn connect(&mut self) -> Result<(Credentials, &mut SparkClient), KernelError> {
        let creds = credentials(&self.identity().await?);
        let address = crate::spark::resolve(&self.settings, &creds.user)?;
        let client = match self.spark.take() {
            Some(client) if *client.address() == address => client,
            _ => SparkClient::new(
                address,
                self.settings.app_name.as_deref(),
                self.settings.spark_conf.clone(),
            )?,
        };
        Ok((creds, self.spark.insert(client)))
    }

    /// Remembers how a Spark call went (for `%whoami`) and shows the client's notices.
    fn after_spark<T>(&mut self, ctx: &ExecuteContext, outcome: &Result<T, SparkError>) {
        if let Some(client) = &mut self.spark {
            for notice in client.take_notices() {
                ctx.stderr(format!("{notice}\n"));
            }
        }
        self.spark_state = match outcome {
            Ok(_) | Err(SparkError::Server(_) | SparkError::Cancelled) => "connected".into(),
            Err(e) => format!("last call failed: {e}"),
        };
    }

    /// Runs one statement and shows its result; the time it took when it has no result set.
    async fn run_statement(
        &mut self,
        statement: &Statement,
        line: usize,
        limit: usize,
        ctx: &ExecuteContext,
    ) -> Result<Option<Duration>, KernelError> {
        let (creds, client) = self.connect().await?;
        let (reports, receiver) = tokio::sync::watch::channel(None);
        let outcome = progress::follow(
            client.execute_sql_with_progress(
                &creds,
                &statement.text,
                limit,
                ctx.cancel_token(),
                &reports,
            ),
            receiver,
            ctx,
        )
        .await;
        self.after_spark(ctx, &outcome);
        match outcome {
            Ok(result) => {
                tracing::debug!(
                    "{} rows received, {} reattaches, {:?}",
                    result.rows_received,
                    result.reattaches,
                    result.elapsed
                );
                if catalog::changes_catalog(&statement.text) {
                    self.catalog.forget();
                }
                if !result.has_columns() {
                    return Ok(Some(result.elapsed));
                }
                let zone = if render::needs_time_zone(&result) {
                    self.session_zone(&creds, ctx).await
                } else {
                    render::Zone::default()
                };
                let options = render::TableOptions {
                    max_chars: self.max_chars,
                    zone,
                };
                self.show_result(ctx, render::result_table(&result, &options));
                Ok(None)
            }
            Err(error) => Err(KernelError::Spark {
                error,
                sql: Some(Box::new(SqlSource {
                    text: statement.text.clone(),
                    line,
                })),
            }),
        }
    }

    /// `%conf`, `%conf KEY`, `%conf KEY=VALUE`.
    async fn conf_magic(&mut self, args: &str, ctx: &ExecuteContext) -> Result<(), KernelError> {
        let (creds, client) = self.connect().await?;
        let outcome = match args.split_once('=') {
            Some((key, value)) => {
                let (key, value) = (key.trim(), value.trim());
                if key.is_empty() {
                    return Err(KernelError::MagicUsage {
                        magic: "conf".into(),
                        message: "the setting needs a name before =".into(),
                        usage: "%conf  |  %conf KEY  |  %conf KEY=VALUE".into(),
                    });
                }
                client
                    .conf_set(&creds, key, value)
                    .await
                    .map(|()| Conf::Set(key.to_owned(), value.to_owned()))
            }
            None if args.is_empty() => client.conf_all(&creds).await.map(Conf::Rows),
            None => client
                .conf_get(&creds, args)
                .await
                .map(|v| Conf::Rows(vec![(args.to_owned(), v)])),
        };
        self.after_spark(ctx, &outcome);
        match outcome? {
            Conf::Set(key, value) => ctx.stdout(format!("{key} = {value}\n")),
            Conf::Rows(pairs) => {
                let rows: Vec<(String, String)> = pairs
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or_else(|| "(not set)".into())))
                    .collect();
                self.show_result(ctx, render::key_values("Spark settings", &rows));
            }
        }
        Ok(())
    }

    /// `%reconnect`: forgets the validated token, releases the session, and opens a fresh
    /// one on a new channel.
    async fn reconnect(&mut self, ctx: &ExecuteContext) -> Result<(), KernelError> {
        self.release_spark_session().await;
        self.spark = None;
        if let Ok(auth) = &mut self.auth {
            auth.reset();
        }
        let (creds, client) = self.connect().await?;
        let outcome = client.spark_version(&creds).await;
        let (address, session) = (client.address().to_string(), client.session_id().to_owned());
        self.after_spark(ctx, &outcome);
        let version = outcome?;
        ctx.stdout(format!(
            "Connected to Spark {version} at {address} as {}; new session {session}.\n",
            creds.user
        ));
        Ok(())
    }

    fn cell_magic_limit(&self, magic: &MagicLine) -> Result<usize, KernelError> {
        match magics::find(&magic.name) {
            Some(spec) if spec.cell && spec.name == "limit" => parse_limit(&magic.args)?
                .ok_or_else(|| usage(spec, "%%limit needs a number of rows")),
            Some(spec) => Err(usage(
                spec,
                "is a line magic: write it as %name, not %%name",
            )),
            None => Err(unknown_magic(&magic.name)),
        }
    }

    async fn run_line_magic(
        &mut self,
        magic: &MagicLine,
        ctx: &ExecuteContext,
    ) -> Result<(), KernelError> {
        let Some(spec) = magics::find(&magic.name) else {
            return Err(unknown_magic(&magic.name));
        };
        match spec.name {
            "lsmagic" => {
                let rows: Vec<(String, String)> = magics::MAGICS
                    .iter()
                    .map(|m| {
                        (
                            format!("%{}", m.name),
                            format!("{}\n{}", m.description, m.usage),
                        )
                    })
                    .collect();
                self.show_result(ctx, render::key_values("Magics", &rows));
            }
            "limit" => match parse_limit(&magic.args)? {
                None => {
                    let text = self.limit.to_string();
                    self.show_result(ctx, render::plain_and_html(text.clone(), text));
                }
                Some(n) => {
                    self.limit = n;
                    ctx.stdout(format!("Results now show up to {n} rows.\n"));
                }
            },
            "truncate" => match parse_count(&magic.args, spec)? {
                None => {
                    let text = self.max_chars.to_string();
                    self.show_result(ctx, render::plain_and_html(text.clone(), text));
                }
                Some(0) => {
                    self.max_chars = 0;
                    ctx.stdout("Values are now shown whole.\n");
                }
                Some(n) => {
                    self.max_chars = n;
                    ctx.stdout(format!(
                        "Values longer than {n} characters are now cut at …\n"
                    ));
                }
            },
            "whoami" => {
                let rows = self.whoami().await;
                self.show_result(ctx, render::key_values("KBase identity", &rows));
            }
            "conf" => self.conf_magic(&magic.args, ctx).await?,
            "reconnect" => self.reconnect(ctx).await?,
            "echo" => ctx.stdout(format!("{}\n", magic.args)),
            "warn" => ctx.stderr(format!("{}\n", magic.args)),
            "sleep" => {
                let seconds: f64 = magic
                    .args
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| usage(spec, "needs a number of seconds"))?;
                let wait = Duration::from_secs_f64(seconds).min(MAX_SLEEP);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = ctx.cancelled() => return Err(KernelError::Interrupted),
                }
            }
            _ => return Err(unknown_magic(&magic.name)),
        }
        Ok(())
    }
}

/// The line under the cursor, trimmed, when it is a magic line (`%…`).
fn magic_line_at(code: &str, cursor_pos: usize) -> Option<String> {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor_pos.min(chars.len());
    let start = chars[..cursor]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let end = chars[cursor..]
        .iter()
        .position(|&c| c == '\n')
        .map_or(chars.len(), |i| cursor + i);
    let line: String = chars[start..end].iter().collect();
    let line = line.trim();
    line.starts_with('%').then(|| line.to_owned())
}

/// Completes a magic name at the start of a line (`%li` → `%limit`, `%lsmagic`).
fn complete_magic(code: &str, cursor_pos: usize) -> Completion {
    let chars: Vec<char> = code.chars().collect();
    let cursor = cursor_pos.min(chars.len());
    let line_start = chars[..cursor]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |i| i + 1);
    let before: String = chars[line_start..cursor].iter().collect();
    let indent = before.len() - before.trim_start().len();
    let word = before.trim_start();
    let sigil = if word.starts_with("%%") { "%%" } else { "%" };
    let matches = match word.strip_prefix(sigil) {
        Some(prefix)
            if prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            magics::MAGICS
                .iter()
                .filter(|m| m.name.starts_with(prefix) && (sigil == "%" || m.cell))
                .map(|m| format!("{sigil}{}", m.name))
                .collect()
        }
        _ => Vec::new(),
    };
    let start = if matches.is_empty() {
        cursor
    } else {
        line_start + before[..indent].chars().count()
    };
    Completion {
        matches,
        cursor_start: start,
        cursor_end: cursor,
        metadata: Default::default(),
    }
}

impl Kernel {
    /// What `spark-sql-kernel check` prints, and whether all is well.
    pub async fn check(&mut self) -> (Vec<(String, String)>, bool) {
        let mut ok = self.identity().await.is_ok() && self.settings.problems.is_empty();
        let spark = if ok {
            self.check_spark().await
        } else {
            Err("not tried: the KBase token is not valid".to_owned())
        };
        let mut rows = self.whoami().await;
        self.release_spark_session().await;
        match spark {
            Ok(text) => rows.push(("Spark".into(), text)),
            Err(text) => {
                ok = false;
                rows.push(("Spark".into(), format!("FAILED: {text}")));
            }
        }
        (rows, ok)
    }

    /// `SELECT 1` and the server's version, with the time the query took.
    async fn check_spark(&mut self) -> Result<String, String> {
        let (creds, client) = self.connect().await.map_err(|e| e.to_string())?;
        let never = tokio_util::sync::CancellationToken::new();
        let result = client
            .execute_sql(&creds, "SELECT 1", 1, &never)
            .await
            .map_err(|e| e.to_string())?;
        let version = client
            .spark_version(&creds)
            .await
            .map_err(|e| e.to_string())?;
        self.spark_state = "connected".into();
        Ok(format!(
            "Spark {version}; SELECT 1 answered in {} ms",
            result.elapsed.as_millis()
        ))
    }

    /// The rows of `%whoami`: identity, token, addresses and state; never the token itself.
    async fn whoami(&mut self) -> Vec<(String, String)> {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut row = |k: &str, v: String| rows.push((k.to_owned(), v));
        let identity = self.identity().await;
        let profile = match (&identity, &mut self.auth) {
            (Ok(_), Ok(auth)) => auth.profile().await.ok().flatten(),
            _ => None,
        };
        let now = chrono::Utc::now();
        let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        match &identity {
            Ok(id) => {
                let info = &id.info;
                row("KBase user", info.user.clone());
                if let Some(p) = &profile {
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
                        format!("{} ({})", time(e), crate::auth::time_left(e, now))
                    }),
                );
                row(
                    "MFA",
                    info.mfa.clone().unwrap_or_else(|| "not reported".into()),
                );
                if let Some(p) = &profile {
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
                row("Token source", id.source.to_string());
            }
            Err(e) => row("Problem", format!("{} — {e}", "KBaseAuthError")),
        }
        if let Ok(auth) = &self.auth {
            row("Auth URL", auth.auth_url().to_owned());
        }
        let address = match &identity {
            Ok(id) => crate::spark::resolve(&self.settings, id.user())
                .map_or_else(|e| e.to_string(), |a| a.to_string()),
            Err(_) => "unknown until the token is valid".to_owned(),
        };
        row("Spark Connect", address);
        match &self.spark {
            Some(client) => {
                let server = client
                    .server_side_session_id()
                    .map_or("not opened yet".to_owned(), |s| format!("server side {s}"));
                row("Session", format!("{} ({server})", client.session_id()));
            }
            None => row("Session", "none yet (opened by the first query)".to_owned()),
        }
        row("Connection", self.spark_state.clone());
        for problem in &self.settings.problems {
            row("Setting", problem.clone());
        }
        rows
    }
}

/// What Spark calls are made with: the user and the token of a validated identity.
fn credentials(identity: &crate::auth::Identity) -> Credentials {
    Credentials {
        user: identity.user().to_owned(),
        token: identity.token.clone(),
    }
}

enum Conf {
    Set(String, String),
    Rows(Vec<(String, Option<String>)>),
}

fn usage(spec: &magics::MagicSpec, message: &str) -> KernelError {
    KernelError::MagicUsage {
        magic: spec.name.to_owned(),
        message: message.to_owned(),
        usage: spec.usage.to_owned(),
    }
}

fn unknown_magic(name: &str) -> KernelError {
    KernelError::UnknownMagic {
        name: name.to_owned(),
        known: magics::known_list(),
    }
}

/// `None` for no argument; a positive number otherwise.
fn parse_limit(args: &str) -> Result<Option<usize>, KernelError> {
    if args.is_empty() {
        return Ok(None);
    }
    match args.parse::<usize>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(KernelError::MagicUsage {
            magic: "limit".into(),
            message: format!("{args:?} is not a positive number of rows"),
            usage: "%limit [N]".into(),
        }),
    }
}

/// `None` for no argument; a number (0 allowed) otherwise.
fn parse_count(args: &str, spec: &magics::MagicSpec) -> Result<Option<usize>, KernelError> {
    if args.is_empty() {
        return Ok(None);
    }
    args.parse::<usize>()
        .map(Some)
        .map_err(|_| usage(spec, &format!("{args:?} is not a number")))
}

impl Handler for Kernel {
    fn kernel_info(&self) -> KernelInfo {
        KernelInfo {
            implementation: "spark-sql-kernel".into(),
            implementation_version: VERSION.into(),
            banner: format!(
                "Spark SQL (KBase) {VERSION}: SQL cells run on your Spark Connect server.\n\
                 %lsmagic lists the magics."
            ),
            language_info: json!({
                "name": "sql",
                "version": "Spark SQL",
                "mimetype": "text/x-sql",
                "file_extension": ".sql",
                "codemirror_mode": "sql",
                "pygments_lexer": "sql",
            }),
            help_links: vec![
                (
                    "Spark SQL reference".into(),
                    "https://spark.apache.org/docs/latest/sql-ref.html".into(),
                ),
                (
                    "Spark SQL functions".into(),
                    "https://spark.apache.org/docs/latest/api/sql/index.html".into(),
                ),
            ],
        }
    }

    async fn execute(
        &mut self,
        request: ExecuteRequest,
        ctx: ExecuteContext,
    ) -> Result<(), ErrorOutput> {
        if request.store_history {
            self.history.record(request.execution_count, &request.code);
        }
        let outcome = self.run_cell(&request, &ctx).await;
        self.finish_results(&ctx, request.execution_count, outcome.is_ok());
        outcome.map_err(|e| e.to_output())
    }

    async fn complete(&mut self, code: &str, cursor_pos: usize) -> Completion {
        let magic = complete_magic(code, cursor_pos);
        if !magic.matches.is_empty() || magic_line_at(code, cursor_pos).is_some() {
            return magic;
        }
        self.complete_sql(code, cursor_pos).await
    }

    async fn inspect(&mut self, code: &str, cursor_pos: usize, _detail: u8) -> Option<MimeBundle> {
        if let Some(line) = magic_line_at(code, cursor_pos) {
            let name = line
                .trim_start_matches('%')
                .split_whitespace()
                .next()
                .unwrap_or("");
            let spec = magics::find(name)?;
            return Some(render::key_values(
                &format!("%{}", spec.name),
                &[
                    ("usage".into(), spec.usage.into()),
                    ("what it does".into(), spec.description.into()),
                ],
            ));
        }
        self.inspect_sql(code, cursor_pos).await
    }

    fn is_complete(&self, code: &str) -> Completeness {
        cell::completeness(code)
    }

    fn history(&self, query: &HistoryQuery, output: bool) -> Vec<HistoryEntry> {
        self.history.query(query, output)
    }

    async fn shutdown(&mut self, _restart: bool) {
        self.release_spark_session().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_magic_line_under_the_cursor_is_found() {
        assert_eq!(
            magic_line_at("SELECT 1\n  %limit 5", 13).as_deref(),
            Some("%limit 5")
        );
        assert_eq!(magic_line_at("%lim\nSELECT 1", 2).as_deref(), Some("%lim"));
        assert_eq!(magic_line_at("%limit\nSELECT 1", 9), None);
    }

    #[test]
    fn magic_names_complete_at_the_start_of_a_line() {
        let c = complete_magic("%li", 3);
        assert_eq!(c.matches, ["%limit"]);
        assert_eq!((c.cursor_start, c.cursor_end), (0, 3));
        let c = complete_magic("SELECT 'ü'\n  %l", 15);
        assert_eq!(c.matches, ["%lsmagic", "%limit"]);
        assert_eq!((c.cursor_start, c.cursor_end), (13, 15));
        let c = complete_magic("%%l", 3);
        assert_eq!(c.matches, ["%%limit"]);
        assert!(complete_magic("SELECT 5 %", 10).matches.is_empty());
    }

    #[tokio::test]
    async fn the_last_result_is_the_value_and_earlier_ones_are_displays() {
        let mut kernel = Kernel::new(Settings::from_vars(|_| None));
        let (ctx, outputs) = ExecuteContext::collecting();
        let request = ExecuteRequest {
            code: "%lsmagic\n%limit".into(),
            silent: false,
            store_history: true,
            execution_count: 1,
        };
        kernel.execute(request, ctx).await.unwrap();
        let outputs = outputs.lock().unwrap();
        assert_eq!(outputs.len(), 2);
        assert!(
            matches!(&outputs[0], Output::Display { data, .. } if data["text/plain"].as_str().unwrap().starts_with("Magics"))
        );
        assert!(matches!(&outputs[1], Output::Result { data } if data["text/plain"] == "100"));
    }
}
