//! The path before the word being typed: `t.s.` names `t`, `s`; subscripts are looked through
//! (`t.arr[0].`, `m['k'].` reach an element, as completion follows arrays and maps anyway), and
//! so is `element_at(t.arr, 1).` (or `try_element_at`, `get`), whose first argument is the path.
//! Must not: know the catalog or what the names are.

use super::Piece;

/// Functions whose result is an element of their first argument.
const ELEMENT_FUNCTIONS: [&str; 3] = ["element_at", "try_element_at", "get"];

/// The path found before a word.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Path {
    pub names: Vec<String>,
    /// The byte offset where the path starts (the word's own start when there is none).
    pub start: usize,
    /// How many pieces come before the path.
    pub end: usize,
}

/// The path that ends at the end of `before` (the pieces before a word that starts at byte
/// `start`).
pub(super) fn before_word(before: &[Piece], start: usize) -> Path {
    let mut path = Path {
        names: Vec::new(),
        start,
        end: before.len(),
    };
    while path.end >= 2 && before[path.end - 1] == Piece::Punct('.') {
        let Some(at) = past_subscripts(before, path.end - 2) else {
            break;
        };
        match &before[at] {
            Piece::Name { text, start, .. } => {
                path.names.insert(0, text.clone());
                path.start = *start;
                path.end = at;
            }
            Piece::Punct(')') => {
                if let Some((names, start, end)) = element_of(before, at) {
                    path.names.splice(0..0, names);
                    path.start = start;
                    path.end = end;
                }
                break;
            }
            _ => break,
        }
    }
    path
}

/// The piece before the subscripts (`[…]`, any number) that end at `at`, or `at` itself.
fn past_subscripts(before: &[Piece], mut at: usize) -> Option<usize> {
    while before[at] == Piece::Punct(']') {
        at = opening(before, at, '[', ']')?.checked_sub(1)?;
    }
    Some(at)
}

/// Where the bracket that closes at `close` opens.
fn opening(pieces: &[Piece], close: usize, open: char, shut: char) -> Option<usize> {
    let mut depth = 0usize;
    for at in (0..=close).rev() {
        if pieces[at] == Piece::Punct(shut) {
            depth += 1;
        } else if pieces[at] == Piece::Punct(open) {
            depth -= 1;
            if depth == 0 {
                return Some(at);
            }
        }
    }
    None
}

/// `element_at(a.b, …)` closing at `close`: its first argument's names, where the call starts,
/// and how many pieces come before it.
fn element_of(before: &[Piece], close: usize) -> Option<(Vec<String>, usize, usize)> {
    let open = opening(before, close, '(', ')')?;
    let Piece::Name {
        text,
        quoted: false,
        start,
    } = before.get(open.checked_sub(1)?)?
    else {
        return None;
    };
    if !ELEMENT_FUNCTIONS
        .iter()
        .any(|f| text.eq_ignore_ascii_case(f))
    {
        return None;
    }
    let arguments = &before[open + 1..close];
    let first = arguments
        .iter()
        .position(|p| *p == Piece::Punct(','))
        .map_or(arguments, |comma| &arguments[..comma]);
    let mut names = Vec::new();
    for (i, piece) in first.iter().enumerate() {
        match piece {
            Piece::Name { text, .. } if i % 2 == 0 => names.push(text.clone()),
            Piece::Punct('.') if i % 2 == 1 => {}
            _ => return None,
        }
    }
    (!names.is_empty() && first.len() % 2 == 1).then(|| (names, *start, open - 1))
}

#[cfg(test)]
mod tests {
    use crate::sql::cursor::context;

    fn path_at_end(code: &str) -> (Vec<String>, String) {
        let c = context(code, code.chars().count());
        (c.qualifier, c.prefix)
    }

    #[test]
    fn subscripts_and_element_at_lead_to_the_element() {
        let names = |parts: &[&str]| parts.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
        let cases = [
            ("SELECT h.hits[0].", vec!["h", "hits"], ""),
            ("SELECT h.hits[0][1].st", vec!["h", "hits"], "st"),
            ("SELECT m['k'].", vec!["m"], ""),
            ("SELECT element_at(h.hits, 1).", vec!["h", "hits"], ""),
            ("SELECT ELEMENT_AT(hits, -1).lo", vec!["hits"], "lo"),
            ("SELECT try_element_at(h.m, 'k').x", vec!["h", "m"], "x"),
            ("SELECT get(element_at(a, 1), 0).", vec![], ""),
            ("SELECT upper(h.name).", vec![], ""),
            ("SELECT (h.hit).", vec![], ""),
        ];
        for (code, qualifier, prefix) in cases {
            let found = path_at_end(code);
            assert_eq!(found, (names(&qualifier), prefix.to_owned()), "{code}");
        }
    }

    #[test]
    fn the_path_is_not_read_as_a_table() {
        let code = "SELECT element_at(g.hits, 1). FROM genomes g";
        let cursor = code.find(". FROM").unwrap() + 1;
        let c = context(code, cursor);
        assert_eq!(c.qualifier, ["g", "hits"]);
        assert_eq!(c.tables.len(), 1, "{:?}", c.tables);
        assert_eq!(c.tables[0].alias.as_deref(), Some("g"));
    }
}
