//! Spark's type text read as a tree (`struct<a:int,b:array<struct<c:string>>>`): laid out as
//! `printSchema()` prints it (inspection), and the struct fields at a path of names
//! (completion after `t.s.`). Pure. Must not: know where the type came from.

/// One type: its name (`struct`, `array`, `int`, `decimal(10,2)`, …) and its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    name: String,
    /// Struct fields by name; `element` for an array; `key` and `value` for a map.
    parts: Vec<(String, Node)>,
}

/// Reads Spark's type text, from `at`; the node and where it ended.
fn parse(text: &[char], mut at: usize) -> Option<(Node, usize)> {
    let start = at;
    while at < text.len() && !matches!(text[at], '<' | '>' | ',' | ':') {
        if text[at] == '(' {
            // decimal(10,2): its comma is not a separator.
            while at < text.len() && text[at] != ')' {
                at += 1;
            }
        }
        at += 1;
    }
    let name: String = text[start..at.min(text.len())]
        .iter()
        .collect::<String>()
        .trim()
        .to_owned();
    if at >= text.len() || text[at] != '<' {
        return Some((
            Node {
                name,
                parts: Vec::new(),
            },
            at,
        ));
    }
    at += 1; // '<'
    let mut parts = Vec::new();
    match name.as_str() {
        "struct" => loop {
            if text.get(at) == Some(&'>') {
                break;
            }
            let (field, next) = field_name(text, at)?;
            let (node, next) = parse(text, next)?;
            parts.push((field, node));
            at = next;
            match text.get(at) {
                Some(',') => at += 1,
                Some('>') => break,
                _ => return None,
            }
        },
        "array" => {
            let (node, next) = parse(text, at)?;
            parts.push(("element".to_owned(), node));
            at = next;
        }
        "map" => {
            let (key, next) = parse(text, at)?;
            if text.get(next) != Some(&',') {
                return None;
            }
            let (value, next) = parse(text, next + 1)?;
            parts.push(("key".to_owned(), key));
            parts.push(("value".to_owned(), value));
            at = next;
        }
        _ => return None,
    }
    if text.get(at) != Some(&'>') {
        return None;
    }
    Some((Node { name, parts }, at + 1))
}

/// A struct field's name (backticked when Spark quotes it) up to its `:`; where its type starts.
fn field_name(text: &[char], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    if text.get(at) == Some(&'`') {
        at += 1;
        loop {
            match text.get(at)? {
                '`' if text.get(at + 1) == Some(&'`') => {
                    name.push('`');
                    at += 2;
                }
                '`' => {
                    at += 1;
                    break;
                }
                c => {
                    name.push(*c);
                    at += 1;
                }
            }
        }
    } else {
        while *text.get(at)? != ':' {
            name.push(text[at]);
            at += 1;
        }
    }
    (text.get(at) == Some(&':')).then(|| (name.trim().to_owned(), at + 1))
}

fn write(node: &Node, depth: usize, out: &mut String) {
    for (label, part) in &node.parts {
        out.push_str(&" |   ".repeat(depth));
        out.push_str(&format!(" |-- {label}: {}\n", part.name));
        write(part, depth + 1, out);
    }
}

/// The struct fields (name and type) reached from `type_name` by the field names of `path`,
/// through arrays' and maps' values on the way (`a.b` of `struct<a:array<struct<b:…>>>`);
/// empty when the path leads to no struct.
pub fn fields_at(type_name: &str, path: &[String]) -> Vec<(String, String)> {
    let text: Vec<char> = type_name.chars().collect();
    let Some((mut node, end)) = parse(&text, 0) else {
        return Vec::new();
    };
    if end != text.len() {
        return Vec::new();
    }
    for name in path {
        node = through_collections(node);
        let Some((_, next)) = node
            .parts
            .into_iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
        else {
            return Vec::new();
        };
        node = next;
    }
    let node = through_collections(node);
    if node.name != "struct" {
        return Vec::new();
    }
    node.parts
        .into_iter()
        .map(|(field, part)| (field, print_type(&part)))
        .collect()
}

/// An array's element or a map's value, as far down as they go.
fn through_collections(mut node: Node) -> Node {
    while node.name == "array" || node.name == "map" {
        let Some((_, inner)) = node.parts.pop() else {
            break;
        };
        node = inner;
    }
    node
}

/// A node as Spark writes its type again.
fn print_type(node: &Node) -> String {
    match node.name.as_str() {
        "struct" => {
            let fields: Vec<String> = node
                .parts
                .iter()
                .map(|(f, p)| format!("{f}:{}", print_type(p)))
                .collect();
            format!("struct<{}>", fields.join(","))
        }
        _ if node.parts.is_empty() => node.name.clone(),
        _ => {
            let parts: Vec<String> = node.parts.iter().map(|(_, p)| print_type(p)).collect();
            format!("{}<{}>", node.name, parts.join(","))
        }
    }
}

/// `type_name` laid out as a tree when it nests (struct, array or map); `None` for a simple
/// type or a text this reader does not follow.
pub fn tree(type_name: &str) -> Option<String> {
    let text: Vec<char> = type_name.chars().collect();
    let (node, end) = parse(&text, 0)?;
    if end != text.len() || node.parts.is_empty() {
        return None;
    }
    let mut out = format!("{}\n", node.name);
    write(&node, 0, &mut out);
    Some(out.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_types_are_laid_out_as_print_schema_does() {
        let tree = tree(
            "struct<gene:string,`exon count`:int,hits:array<struct<score:decimal(10,2),tags:map<string,array<int>>>>>",
        )
        .unwrap();
        assert_eq!(
            tree,
            "struct
 |-- gene: string
 |-- exon count: int
 |-- hits: array
 |    |-- element: struct
 |    |    |-- score: decimal(10,2)
 |    |    |-- tags: map
 |    |    |    |-- key: string
 |    |    |    |-- value: array
 |    |    |    |    |-- element: int"
        );
    }

    #[test]
    fn fields_are_found_at_a_path_through_arrays_and_maps() {
        let t =
            "struct<gene:string,hits:array<struct<score:double,loc:struct<start:int,end:int>>>>";
        let names = |path: &[&str]| -> Vec<String> {
            let path: Vec<String> = path.iter().map(|p| (*p).to_owned()).collect();
            fields_at(t, &path).into_iter().map(|(n, _)| n).collect()
        };
        assert_eq!(names(&[]), ["gene", "hits"]);
        assert_eq!(
            names(&["HITS"]),
            ["score", "loc"],
            "through the array, any case"
        );
        assert_eq!(names(&["hits", "loc"]), ["start", "end"]);
        assert!(names(&["gene"]).is_empty(), "a string has no fields");
        assert!(names(&["nope"]).is_empty(), "no such field");
        assert_eq!(
            fields_at(t, &["hits".to_owned()])[1].1,
            "struct<start:int,end:int>"
        );
    }

    #[test]
    fn simple_or_unreadable_types_have_no_tree() {
        assert_eq!(tree("bigint"), None);
        assert_eq!(tree("decimal(10,2)"), None);
        assert_eq!(tree("struct<a:int"), None, "unclosed");
        assert_eq!(
            tree("array<int>").as_deref(),
            Some("array\n |-- element: int")
        );
    }
}
