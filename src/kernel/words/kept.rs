//! The words of what outlives a cell: results kept as views (`_N`), the journal and its
//! receipts, and history.
//! Must not: decide anything; it words the facts it is given.

/// What a result's footer ends with: the name later cells read it by, and its receipt.
pub fn result_label(name: Option<&str>, receipt: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [name, receipt].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
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
        "The journal {} could not be written ({why}): statements run, but are not recorded and their receipts will not resolve. Set SPARK_SQL_KERNEL_JOURNAL to another file, or to off.\n",
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
         {} as {} with the code below: it reads the results _N and your temporary views, and the views it \
         makes are read here. Leave it with `del sql_session`, not stop(): stop() ends this kernel's \
         session too (it would open a fresh one, with its results defined again).",
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
