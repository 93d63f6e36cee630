//! The words of what outlives a cell: results kept as views (`_N`), the journal and its
//! receipts, and history.
//! Must not: decide anything; it words the facts it is given.

/// What a result's footer ends with: the name later cells read it by, and its receipt.
pub fn result_label(name: Option<&str>, receipt: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [name, receipt].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// An explorer's footer once its result's name was dropped.
pub fn result_gone_label(name: &str, receipt: Option<&str>, kept: usize) -> String {
    let gone = format!("{name} is gone (only the newest {kept} results are kept as views)");
    match receipt {
        Some(receipt) => format!("{gone} · {receipt}"),
        None => gone,
    }
}

/// The user's own table or view holds a result's name.
pub fn result_name_taken(name: &str) -> String {
    format!(
        "A table or view of yours is named {name}: {name} reads yours, and this kernel does not use the name for its results.\n"
    )
}

/// A result could not be kept as a view.
pub fn not_carried(name: &str, error: &crate::session::SessionError) -> String {
    format!(
        "This result could not be kept as {name}: {}\n",
        super::session(error)
    )
}

/// A statement read a result name that was dropped.
pub fn result_gone(name: &str, kept: usize) -> String {
    format!("{name} is gone: only the newest {kept} results are kept as views (%results lists them); run its cell again.\n")
}

/// `%results` when no result is kept yet.
pub fn no_results_kept(kept: usize) -> String {
    format!("No results yet. Each query's result becomes a view later cells read as _N (the cell's execution count) and _ (the last one); the newest {kept} are kept.\n")
}

/// `%results`' title.
pub fn results_title(count: usize, kept: usize) -> String {
    format!("Results kept as views ({count}; the newest {kept} are kept)")
}

/// A kept result in `%results`: its statement on one line, and its receipt.
pub fn kept_result(carry: &crate::kernel::carried::Carry) -> String {
    let one_line = carry
        .statement
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut text: String = one_line.chars().take(120).collect();
    if one_line.chars().count() > 120 {
        text.push('…');
    }
    match &carry.receipt {
        Some(receipt) => format!("{text} · {receipt}"),
        None => text,
    }
}

/// The journal could not be written (told once per kernel).
pub fn journal_trouble(trouble: &crate::journal::Trouble) -> String {
    use crate::journal::Trouble;
    let (path, why) = match trouble {
        Trouble::ReadOnly { path } => (path, "it cannot be written there".to_owned()),
        Trouble::Full { path } => (path, "the disk is full".to_owned()),
        Trouble::Locked { path } => (
            path,
            "other kernels held it locked for more than a second".to_owned(),
        ),
        Trouble::Failed { path, reason } => (path, reason.clone()),
    };
    format!(
        "The journal {} could not be written ({why}): statements run, and their records wait in this kernel (the newest 10,000) until it can be; their receipts resolve once written. Set SPARK_SQL_KERNEL_JOURNAL to another file, or to off.\n",
        path.display()
    )
}

/// `%session`: the PySpark code that joins this kernel's Spark session, reading the token where
/// the kernel reads it (the token itself is never written).
pub fn joining(
    joining: &crate::session::Joining,
    last: Option<&str>,
) -> jupyter_kernel::MimeBundle {
    use crate::auth::TokenSource;
    let address = &joining.address;
    let token_header = joining
        .token_headers
        .first()
        .copied()
        .unwrap_or("x-kbase-token");
    let skipped = ["token", "session_id", "user_id", "use_ssl", "authorization"];
    let mut url = format!("sc://{}:{}/", address.host, address.port);
    if address.use_ssl {
        url.push_str(";use_ssl=true");
    }
    for (key, value) in &address.params {
        let lower = key.to_ascii_lowercase();
        if !skipped.contains(&lower.as_str()) && !joining.token_headers.contains(&lower.as_str()) {
            url.push_str(&format!(";{key}={value}"));
        }
    }
    url.push_str(&format!(
        ";session_id={};user_id={};{token_header}=",
        joining.session_id, joining.user
    ));
    let read_token = match &joining.token {
        TokenSource::File(path) => format!(
            "token = pathlib.Path({:?}).read_text().strip()  # the KBase token file, as this kernel reads it",
            path.display().to_string()
        ),
        TokenSource::Environment | TokenSource::Url => {
            "token = os.environ[\"KBASE_AUTH_TOKEN\"]  # the KBase token, as BERDL's helpers read it".to_owned()
        }
    };
    let example = last.unwrap_or("_");
    let code = format!(
        "import os\nimport pathlib\n\nfrom pyspark.sql import SparkSession\n\n{read_token}\n\
         sql_session = SparkSession.builder.remote(\n    {url:?} + token\n).create()\n\
         sql_session.table({example:?}).toPandas()\n"
    );
    let intro = format!(
        "A PySpark notebook in the same pod (or on the same laptop) joins this kernel's Spark session \
         {} as {} with the code below: it reads the results _N (each is a view in the session from now \
         on) and your temporary views, and the views it makes are read here. Leave it with \
         `del sql_session`, not stop(): stop() ends this kernel's session too (it would open a fresh \
         one, with its results defined again).",
        joining.session_id, joining.user
    );
    let mut bundle = jupyter_kernel::MimeBundle::new();
    bundle.insert(
        "text/plain".into(),
        serde_json::Value::String(format!("{intro}\n\n{code}")),
    );
    bundle.insert(
        "text/markdown".into(),
        serde_json::Value::String(format!("{intro}\n\n```python\n{code}```\n")),
    );
    bundle
}

/// The journal could not be read.
pub fn read_trouble(trouble: &crate::kernel::journaling::ReadTrouble) -> String {
    use crate::kernel::journaling::ReadTrouble;
    match trouble {
        ReadTrouble::Off => "The journal is off (SPARK_SQL_KERNEL_JOURNAL=off): nothing is recorded, so there are no receipts or history to read.".to_owned(),
        ReadTrouble::NothingYet => "No statement has run in this kernel yet: name a receipt (q-…), as shown under a result.".to_owned(),
        ReadTrouble::Read(e) => format!("The journal could not be read: {}", super::with_causes(e)),
        ReadTrouble::Gone(reason) => format!("The journal could not be read: {reason}"),
    }
}

/// The journal has no record of `receipt`.
pub fn no_receipt(receipt: &str) -> String {
    format!("The journal has no receipt {receipt}: it was recorded in another journal (SPARK_SQL_KERNEL_JOURNAL), or not recorded (the journal could not be written then).")
}

/// A receipt whose statement cannot be run again.
pub fn not_verifiable(receipt: &str, why: crate::kernel::journaling::Unverifiable) -> String {
    use crate::kernel::journaling::Unverifiable;
    match why {
        Unverifiable::NotOk => format!("{receipt} did not end with a result (it failed or was interrupted): there is nothing to compare."),
        Unverifiable::NotAQuery => format!("{receipt} is a command, not a query: running it again could change data, so %verify does not."),
    }
}

/// The outcome of a recorded statement, in a few words.
fn outcome(outcome: &crate::journal::Outcome) -> String {
    use crate::journal::Outcome;
    match outcome {
        Outcome::Ok => "ok".to_owned(),
        Outcome::Interrupted => "interrupted".to_owned(),
        Outcome::Error {
            error_class,
            sql_state,
            message,
        } => match (error_class, sql_state) {
            (Some(class), Some(state)) => format!("error {class} (SQLSTATE {state})"),
            (Some(class), None) => format!("error {class}"),
            _ => format!("error: {message}"),
        },
    }
}

/// How many rows a record says came back, and of how many.
fn rows(record: &crate::journal::Record) -> String {
    let noun = if record.rows_received == 1 {
        "row"
    } else {
        "rows"
    };
    match record.rows_total {
        Some(total) if total != record.rows_received => {
            format!("{} {noun} shown of {total}", record.rows_received)
        }
        Some(_) => format!("{} {noun} (the whole result)", record.rows_received),
        None if record.schema.is_empty() => "no result set".to_owned(),
        None => format!("the first {} {noun} (more exist)", record.rows_received),
    }
}

/// `%receipt`: a record, field by field.
pub fn receipt_rows(record: &crate::journal::Record) -> Vec<crate::render::KeyValue> {
    use crate::render::KeyValue;
    let spark = &record.spark;
    let mut rows = vec![
        KeyValue::new("Statement", record.statement.clone()),
        KeyValue::new(
            "Ran",
            format!(
                "{} · {} ms · {}",
                record.started,
                record.duration_ms,
                outcome(&record.outcome)
            ),
        ),
        KeyValue::new("User", record.user.clone()),
        KeyValue::new(
            "Notebook",
            format!(
                "{} · cell [{}]",
                record.notebook.as_deref().unwrap_or("(not named)"),
                record.execution_count
            ),
        ),
        KeyValue::new(
            "Spark",
            format!(
                "{} at {}",
                spark.version.as_deref().unwrap_or("(version unknown)"),
                spark.address.as_deref().unwrap_or("(not connected)")
            ),
        ),
        KeyValue::new(
            "Session",
            format!(
                "{} · operation {}",
                spark.session_id.as_deref().unwrap_or("-"),
                spark.operation_id.as_deref().unwrap_or("-")
            ),
        ),
        KeyValue::new("Rows", rows(record)),
    ];
    if !record.schema.is_empty() {
        let columns: Vec<String> = record
            .schema
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type))
            .collect();
        rows.push(KeyValue::new("Columns", columns.join(", ")));
    }
    rows.push(KeyValue::new(
        "Tables read",
        tables(record.tables.as_deref()),
    ));
    if let Some(digest) = &record.rows_digest {
        rows.push(KeyValue::new(
            "Rows digest",
            format!(
                "{} (of {} {}, in any order)",
                digest.digest,
                digest.rows,
                if digest.rows == 1 { "row" } else { "rows" }
            ),
        ));
    }
    for file in &record.files {
        rows.push(KeyValue::new("File written", file_line(file)));
    }
    rows.push(KeyValue::new(
        "Statement SHA-256",
        record.statement_sha256.clone(),
    ));
    rows
}

fn file_line(file: &crate::journal::FileWritten) -> String {
    let mut line = format!("{} ({}", file.path, file.format);
    if let Some(rows) = file.rows {
        line.push_str(&format!(", {rows} rows"));
    }
    if let Some(bytes) = file.bytes {
        line.push_str(&format!(", {bytes} bytes"));
    }
    line.push(')');
    line
}

/// The tables a statement read, with their versions.
fn tables(tables: Option<&[crate::journal::TableRead]>) -> String {
    match tables {
        None => "not known (Spark's analysis of the statement was not recorded)".to_owned(),
        Some([]) => "none".to_owned(),
        Some(tables) => tables
            .iter()
            .map(|t| match &t.version {
                Some(v) => format!("{} (version {v})", t.name),
                None => format!("{} (its format reports no version)", t.name),
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// `%receipt`'s title.
pub fn receipt_title(receipt: &str) -> String {
    format!("Receipt {receipt}")
}

/// `%history`'s title.
pub fn history_title(
    notebook: Option<&str>,
    all: bool,
    text: Option<&str>,
    shown: usize,
) -> String {
    let whose = match (all, notebook) {
        (true, _) => "every notebook".to_owned(),
        (false, Some(path)) => path.to_owned(),
        (false, None) => "cells run outside a named notebook".to_owned(),
    };
    let matching = text
        .map(|t| format!(" containing {t:?}"))
        .unwrap_or_default();
    format!("History of {whose}{matching}: the newest {shown} statements, from the journal")
}

/// A `%history` line: when, how long, how many rows, how it ended, and the statement.
pub fn history_row(record: &crate::journal::Record, all: bool) -> crate::render::KeyValue {
    let when = record.started.replace('T', " ");
    let when = when.split('.').next().unwrap_or(&when).to_owned();
    let statement = record
        .statement
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut short: String = statement.chars().take(160).collect();
    if statement.chars().count() > 160 {
        short.push('…');
    }
    let noun = if record.rows_received == 1 {
        "row"
    } else {
        "rows"
    };
    // With --all, where each ran.
    let place = match (all, &record.notebook) {
        (true, Some(path)) => format!(" · {path} [{}]", record.execution_count),
        (true, None) => format!(" · [{}]", record.execution_count),
        (false, _) => String::new(),
    };
    crate::render::KeyValue::new(
        record.receipt.clone(),
        format!(
            "{when} UTC · {} ms · {} {noun} · {}{place}\n{short}",
            record.duration_ms,
            record.rows_received,
            outcome(&record.outcome)
        ),
    )
}

/// `%history` when nothing matches.
pub fn history_empty() -> String {
    "No statement in the journal matches.\n".to_owned()
}

/// `%verify`'s title.
pub fn verified_title(receipt: &str, again: &str) -> String {
    format!("{receipt} run again now (recorded as {again})")
}

/// `%verify`'s findings, one line each: same, or what changed.
pub fn verification_rows(
    found: &crate::kernel::journaling::Verification,
) -> Vec<crate::render::KeyValue> {
    use crate::kernel::journaling::RowCount;
    use crate::render::KeyValue;
    let count = |c: &RowCount| match c {
        RowCount::Exactly(n) => format!("{n}"),
        RowCount::AtLeast(n) => format!("more than {n}"),
    };
    let said = |same: bool, then: String, now: String| {
        if same {
            format!("same: {now}")
        } else {
            format!("CHANGED: {then} → {now}")
        }
    };
    let columns = |fields: &[crate::journal::Field]| {
        fields
            .iter()
            .map(|f| format!("{} {}", f.name, f.data_type))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let digest = |d: &Option<crate::journal::RowsDigest>| {
        d.as_ref().map_or("(none)".to_owned(), |d| {
            format!("{} of {} rows", d.digest, d.rows)
        })
    };
    let mut rows = vec![
        KeyValue::new(
            "Rows",
            said(
                found.rows.same(),
                count(&found.rows.then),
                count(&found.rows.now),
            ),
        ),
        KeyValue::new(
            "Columns",
            said(
                found.columns.same(),
                columns(&found.columns.then),
                columns(&found.columns.now),
            ),
        ),
        KeyValue::new(
            "First rows' digest",
            said(
                found.digest.same(),
                digest(&found.digest.then),
                digest(&found.digest.now),
            ),
        ),
    ];
    match &found.tables {
        None => rows.push(KeyValue::new("Tables read", tables(None))),
        Some(compared) => {
            for (then, now) in compared.then.iter().zip(&compared.now) {
                let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "no version".into());
                rows.push(KeyValue::new(
                    then.name.clone(),
                    said(
                        then.version == now.version,
                        version(&then.version),
                        version(&now.version),
                    ),
                ));
            }
        }
    }
    let all_same = found.rows.same()
        && found.columns.same()
        && found.digest.same()
        && found.tables.as_ref().is_none_or(|t| t.same());
    rows.push(KeyValue::new(
        "In short",
        if all_same {
            "the same result as recorded"
        } else {
            "the result changed since it was recorded"
        },
    ));
    rows
}
