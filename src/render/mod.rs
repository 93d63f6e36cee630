//! Turning what the kernel shows into MIME bundles: pure functions, no I/O. Everything that
//! reaches HTML is escaped here.

use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::Value;

use crate::jupyter::MimeBundle;
use crate::spark::QueryResult;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A bundle with the same text as `text/plain` and, escaped, as `text/html`.
pub fn plain_and_html(plain: String, html: String) -> MimeBundle {
    let mut bundle = MimeBundle::new();
    bundle.insert("text/plain".into(), Value::String(plain));
    bundle.insert("text/html".into(), Value::String(html));
    bundle
}

/// A two-column table of names and values (for `%whoami`, `%lsmagic`, `%conf`).
pub fn key_values(title: &str, rows: &[(String, String)]) -> MimeBundle {
    let width = rows
        .iter()
        .map(|(k, _)| unicode_width::UnicodeWidthStr::width(k.as_str()))
        .max()
        .unwrap_or(0);
    let mut plain = format!("{title}\n");
    for (key, value) in rows {
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
    for (key, value) in rows {
        html.push_str(&format!(
            "<tr><th style=\"text-align:left\">{}</th><td style=\"text-align:left;white-space:pre-wrap\">{}</td></tr>\n",
            escape_html(key),
            escape_html(value)
        ));
    }
    html.push_str("</table></div>");
    plain_and_html(plain.trim_end().to_owned(), html)
}

/// The text of every shown cell of a result, row by row (`NULL` for nulls).
fn cell_texts(result: &QueryResult) -> Result<Vec<Vec<String>>, String> {
    let options = FormatOptions::default().with_null("NULL");
    let mut rows = Vec::with_capacity(result.rows());
    for batch in &result.batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    Ok(rows)
}

/// What is said under a table: how many rows, and whether more exist.
pub fn row_summary(result: &QueryResult) -> String {
    let shown = result.rows();
    let noun = if shown == 1 { "row" } else { "rows" };
    if result.more {
        format!("showing the first {shown} {noun}; more exist (%limit N shows more)")
    } else {
        format!("{shown} {noun}")
    }
}

/// A result as an HTML table (column names with Spark type names) and aligned text.
pub fn result_table(result: &QueryResult) -> MimeBundle {
    let rows = match cell_texts(result) {
        Ok(rows) => rows,
        Err(e) => {
            let text = format!("(the result cannot be shown: {e})");
            return plain_and_html(text.clone(), escape_html(&text));
        }
    };
    let headers: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(width(c)))))
            .collect();
        padded.join(" | ").trim_end().to_owned()
    };
    let mut plain = String::new();
    plain.push_str(&line(&headers));
    plain.push('\n');
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    plain.push_str(&rule.join("-+-"));
    plain.push('\n');
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        plain.push_str(&line(&cells));
        plain.push('\n');
    }
    plain.push_str(&format!("({})", row_summary(result)));

    let mut html = String::from("<div class=\"spark-sql-result\"><table>\n<thead><tr>");
    for column in &result.columns {
        html.push_str(&format!(
            "<th title=\"{}\">{}</th>",
            escape_html(&column.type_name),
            escape_html(&column.name)
        ));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in &rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", escape_html(cell)));
        }
        html.push_str("</tr>\n");
    }
    html.push_str(&format!(
        "</tbody></table>\n<p><small>{}</small></p></div>",
        escape_html(&row_summary(result))
    ));
    plain_and_html(plain, html)
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
                ("user".into(), "alice".into()),
                ("<script>".into(), "a\nb".into()),
            ],
        );
        insta::assert_snapshot!(bundle["text/plain"].as_str().unwrap());
        let html = bundle["text/html"].as_str().unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }
}
