//! Turning what the kernel shows into MIME bundles: pure functions, no I/O. Everything that
//! reaches HTML is escaped here.
//! Must not: do I/O or know the kernel, the transport or Spark Connect's protocol.

mod datetime;
mod geo;
mod number;
mod progress;
mod table;
mod traceback;
mod udt;
mod value;
mod variant;

#[cfg(test)]
mod edge_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod spark41_snapshot_tests;

use serde_json::Value;

pub use datetime::Zone;
pub use progress::{human_bytes, progress_display, progress_text, status_line, Phase};
pub use table::{
    column_texts, human_duration, is_numeric, needs_time_zone, result_table, row_texts, Hints,
    TableOptions,
};
pub use traceback::{traceback, FromSpark, SqlSource};

use jupyter_kernel::MimeBundle;

/// Writes the value of one row.
pub type ValueWriter<'a> = Box<dyn Fn(usize, &mut String) + 'a>;

/// Spark's text of every value of `array` (as the table shows them, never cut), nulls kept: what
/// a CSV export writes.
pub fn spark_text(
    array: &dyn arrow::array::Array,
    spark: &spark_connect::SparkType,
    zone: &Zone,
) -> arrow::array::StringArray {
    let write = value::writer(array, spark, zone);
    let nulls = array.logical_nulls();
    let mut text = String::new();
    let mut builder = arrow::array::StringBuilder::with_capacity(array.len(), array.len() * 8);
    for row in 0..array.len() {
        if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            builder.append_null();
        } else {
            text.clear();
            write(row, &mut text);
            builder.append_value(&text);
        }
    }
    builder.finish()
}

/// A cell's closing summary line (`OK · 12 ms`), small and quiet.
pub fn summary_line(text: String) -> MimeBundle {
    let html = format!(
        "<div class=\"spark-sql-summary\"><small>{}</small></div>",
        escape_html(&text)
    );
    plain_and_html(text, html)
}

/// Text kept as it is written (a function's description), in a `<pre>`.
pub fn preformatted(text: String) -> MimeBundle {
    let html = format!("<pre>{}</pre>", escape_html(&text));
    plain_and_html(text, html)
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(c, &mut out);
    }
    out
}

/// One character, escaped for HTML content and attribute values.
fn push_escaped(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        _ => out.push(c),
    }
}

/// A bundle with the same text as `text/plain` and, escaped, as `text/html`.
pub fn plain_and_html(plain: String, html: String) -> MimeBundle {
    let mut bundle = MimeBundle::new();
    bundle.insert("text/plain".into(), Value::String(plain));
    bundle.insert("text/html".into(), Value::String(html));
    bundle
}

/// One row of a [`key_values`] table: a name and its value (which may span lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

impl KeyValue {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// A two-column table of names and values (for `%whoami`, `%lsmagic`, `%conf`).
pub fn key_values(title: &str, rows: &[KeyValue]) -> MimeBundle {
    let width = rows
        .iter()
        .map(|row| unicode_width::UnicodeWidthStr::width(row.key.as_str()))
        .max()
        .unwrap_or(0);
    let mut plain = format!("{title}\n");
    for KeyValue { key, value } in rows {
        let pad = width - unicode_width::UnicodeWidthStr::width(key.as_str());
        let mut lines = value.lines();
        plain.push_str(&format!(
            "  {key}{}  {}\n",
            " ".repeat(pad),
            lines.next().unwrap_or("")
        ));
        for more in lines {
            plain.push_str(&format!("  {}  {more}\n", " ".repeat(width)));
        }
    }
    let mut html = format!(
        "<div class=\"spark-sql-kv\"><strong>{}</strong><table>\n",
        escape_html(title)
    );
    for KeyValue { key, value } in rows {
        html.push_str(&format!(
            "<tr><th style=\"text-align:left\">{}</th><td style=\"text-align:left;white-space:pre-wrap\">{}</td></tr>\n",
            escape_html(key),
            escape_html(value)
        ));
    }
    html.push_str("</table></div>");
    plain_and_html(plain.trim_end().to_owned(), html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn key_value_tables_align_in_text_and_escape_in_html() {
        let bundle = key_values(
            "Settings",
            &[
                KeyValue::new("user", "alice"),
                KeyValue::new("<script>", "a\nb"),
            ],
        );
        insta::assert_snapshot!(bundle["text/plain"].as_str().unwrap());
        let html = bundle["text/html"].as_str().unwrap();
        assert!(html.contains("&lt;script&gt;"), "{html:?}");
        assert!(!html.contains("<script>"), "{html:?}");
    }

    #[track_caller]
    fn html(bundle: &MimeBundle) -> &str {
        bundle["text/html"].as_str().unwrap()
    }

    #[test]
    fn a_summary_line_is_small_and_escaped() {
        let bundle = summary_line("OK · 3 ms <b>".into());
        assert_eq!(bundle["text/plain"], "OK · 3 ms <b>");
        assert_eq!(
            html(&bundle),
            "<div class=\"spark-sql-summary\"><small>OK · 3 ms &lt;b&gt;</small></div>"
        );
    }

    #[test]
    fn a_status_line_is_styled_as_the_progress_line() {
        let bundle = status_line("Waiting · 4 s");
        assert_eq!(
            html(&bundle),
            "<div class=\"spark-sql-progress\"><small>Waiting · 4 s</small></div>"
        );
    }

    #[test]
    fn preformatted_text_keeps_its_lines_and_is_escaped() {
        let bundle = preformatted("count(expr)\n<any>".into());
        assert_eq!(html(&bundle), "<pre>count(expr)\n&lt;any&gt;</pre>");
    }
}
