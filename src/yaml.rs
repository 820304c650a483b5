//! A YAML tree whose every node knows its line and column.
//!
//! serde_yaml is deprecated upstream and loses positions for semantic errors ("invalid
//! type" at no line). We read events from `saphyr-parser` (the maintained successor of
//! yaml-rust) into this small tree, then `frontmatter` extracts typed fields by hand,
//! so every diagnostic, syntax or semantic, points at the exact key or value.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Position of a node in the document, 1-based, relative to the YAML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are strings.
    Scalar {
        /// The value with quotes and escapes resolved.
        text: String,
        /// Quoted (or tagged `!!str`), so a string whatever it looks like.
        quoted: bool,
    },
    /// A list, in order.
    Seq(Vec<Node>),
    /// A mapping's key and value pairs, in document order, duplicates kept.
    Map(Vec<(Node, Node)>),
    /// An empty value, or a plain `~` or `null` (`Null`, `NULL`).
    Null,
}

/// One value of the document, with where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it holds; an alias holds a copy of its anchor's value.
    pub(crate) value: Value,
    /// Where it starts (for an alias: where the alias is).
    pub(crate) pos: Pos,
    /// Length of the scalar in characters on its line, for underlining.
    pub(crate) width: usize,
}

/// Why the text is not a YAML document pmsite reads, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// The parser's reason, or which limit was crossed.
    pub(crate) message: String,
    /// Where the parser stopped.
    pub pos: Pos,
    /// The text is valid YAML, but its aliases expand past `MAX_ALIAS_NODES` or
    /// `MAX_ALIAS_BYTES`: a different fix than a syntax error, so a different code.
    pub(crate) too_large: bool,
}

impl SyntaxError {
    fn new(message: impl Into<String>, pos: Pos) -> Self {
        SyntaxError { message: message.into(), pos, too_large: false }
    }
}

impl Node {
    /// The text of a scalar, quoted or not; None for lists, mappings and null.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    /// Whether the value is empty, `~` or `null`.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } => "a text value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Null => "an empty value",
        }
    }
    /// Looks up a key in a mapping node.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts to JSON for `extra` (unknown keys passed to templates).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Scalar { text, quoted: true } => J::String(text.clone()),
            Value::Scalar { text, quoted: false } => plain_scalar_json(text),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.to_json())).collect(),
            ),
        }
    }
}

fn plain_scalar_json(text: &str) -> serde_json::Value {
    use serde_json::Value as J;
    match text {
        "true" | "True" | "TRUE" => return J::Bool(true),
        "false" | "False" | "FALSE" => return J::Bool(false),
        "~" | "null" | "Null" | "NULL" => return J::Null,
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return J::from(i);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return J::from(f);
    }
    J::String(text.to_string())
}

fn pos(span: &Span) -> Pos {
    // saphyr markers: line is 1-based, col is 0-based.
    Pos { line: span.start.line(), col: span.start.col() + 1 }
}

/// Deepest nesting accepted. Front matter needs four or five levels; the limit exists
/// because every consumer of the tree (drop, clone, `to_json`) recurses, and a file of
/// `- - - - …` or `[[[[…` must get a diagnostic, not overflow the stack of a worker thread.
pub(crate) const MAX_DEPTH: usize = 64;

/// How many nodes aliases may copy in one document. An alias is expanded by cloning its
/// anchored node, so ten aliases of ten aliases of … ("billion laughs") would otherwise
/// build an exponentially large tree from a few hundred bytes.
pub(crate) const MAX_ALIAS_NODES: usize = 10_000;

/// How many bytes of text aliases may copy in one document. Counting nodes alone let
/// one 90 KB string aliased 8,000 times through a few lists build 700 MB of values (and
/// 5 GB of memory by the time pages were written). Real front matter never aliases a
/// megabyte; the tree stays within the file's own size plus this.
pub(crate) const MAX_ALIAS_BYTES: usize = 1 << 20;

/// A container still being filled, with the size and height of what it holds so far.
struct Open {
    node: Node,
    /// A mapping's key, waiting for its value.
    key: Option<Node>,
    anchor: usize,
    size: usize,
    /// Bytes of scalar text in the subtree.
    bytes: usize,
    height: usize,
}

/// A finished node with the facts the limits need.
struct Done {
    node: Node,
    anchor: usize,
    /// Nodes in the subtree, itself included.
    size: usize,
    /// Bytes of scalar text in the subtree.
    bytes: usize,
    /// Levels below it: 0 for a scalar.
    height: usize,
}

/// YAML counts a lone `\r` as a line break; pmsite, like `str::lines` and today's editors,
/// counts only `\n`, so positions after a stray `\r` would name the wrong line. A lone
/// `\r` becomes a space (one byte for one, so columns agree); inside a value a line
/// break folds to a space anyway. `\r\n` is left alone.
fn lone_cr_to_space(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\r') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') { ' ' } else { c });
    }
    out.into()
}

/// Parses one YAML document. An empty document is `Value::Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let text = lone_cr_to_space(text);
    let mut parser = Parser::new_from_str(&text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0;
    // Anchors are rare in front matter; we support them by cloning the anchored node.
    let mut anchors: std::collections::HashMap<usize, (Node, usize, usize, usize)> = std::collections::HashMap::new();
    let mut alias_nodes = 0usize;
    let mut alias_bytes = 0usize;

    while let Some(ev) = parser.next_event() {
        let (event, span) =
            ev.map_err(|e| SyntaxError::new(e.info(), Pos { line: e.marker().line(), col: e.marker().col() + 1 }))?;
        let finished: Option<Done> = match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(SyntaxError::new(
                        "front matter holds more than one YAML document (a `---` line inside it?)",
                        pos(&span),
                    ));
                }
                None
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain) || tag.is_some_and(|t| t.suffix == "str");
                let is_null = !quoted && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let width = (span.end.index().saturating_sub(span.start.index())).max(1);
                let bytes = text.len();
                let node = Node {
                    value: if is_null { Value::Null } else { Value::Scalar { text: text.into_owned(), quoted } },
                    pos: pos(&span),
                    width,
                };
                Some(Done { node, anchor, size: 1, bytes, height: 0 })
            }
            Event::Alias(id) => {
                // Sizes are checked before the clone, so the limit bounds memory, not just time.
                let &(_, size, bytes, height) =
                    anchors.get(&id).ok_or_else(|| SyntaxError::new("alias to an unknown anchor", pos(&span)))?;
                alias_nodes += size;
                alias_bytes += bytes;
                if alias_nodes > MAX_ALIAS_NODES || alias_bytes > MAX_ALIAS_BYTES {
                    let what = if alias_nodes > MAX_ALIAS_NODES {
                        format!("more than {MAX_ALIAS_NODES} values")
                    } else {
                        format!("more than {} KiB of text", MAX_ALIAS_BYTES / 1024)
                    };
                    return Err(SyntaxError {
                        message: format!("aliases expand to {what} (this alias crosses the limit)"),
                        pos: pos(&span),
                        too_large: true,
                    });
                }
                if stack.len() + height > MAX_DEPTH {
                    return Err(SyntaxError::new(
                        format!("values are nested more than {MAX_DEPTH} levels deep"),
                        pos(&span),
                    ));
                }
                let node = anchors[&id].0.clone();
                Some(Done { node: Node { pos: pos(&span), ..node }, anchor: 0, size, bytes, height })
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(SyntaxError::new(
                        format!("values are nested more than {MAX_DEPTH} levels deep"),
                        pos(&span),
                    ));
                }
                let value = if matches!(event, Event::SequenceStart(..)) {
                    Value::Seq(Vec::new())
                } else {
                    Value::Map(Vec::new())
                };
                stack.push(Open {
                    node: Node { value, pos: pos(&span), width: 1 },
                    key: None,
                    anchor,
                    size: 1,
                    bytes: 0,
                    height: 0,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let open = stack
                    .pop()
                    .ok_or_else(|| SyntaxError::new("a list or mapping ends that never started", pos(&span)))?;
                Some(Done {
                    node: open.node,
                    anchor: open.anchor,
                    size: open.size,
                    bytes: open.bytes,
                    height: open.height,
                })
            }
        };
        if let Some(done) = finished {
            if done.anchor != 0 {
                anchors.insert(done.anchor, (done.node.clone(), done.size, done.bytes, done.height));
            }
            match stack.last_mut() {
                None => root = Some(done.node),
                Some(parent) => {
                    parent.size += done.size;
                    parent.bytes += done.bytes;
                    parent.height = parent.height.max(done.height + 1);
                    match &mut parent.node.value {
                        Value::Seq(items) => items.push(done.node),
                        Value::Map(entries) => match parent.key.take() {
                            None => parent.key = Some(done.node),
                            Some(key) => entries.push((key, done.node)),
                        },
                        _ => unreachable!("only containers are pushed on the stack"),
                    }
                }
            }
        }
    }
    Ok(root.unwrap_or(Node { value: Value::Null, pos: Pos { line: 1, col: 1 }, width: 1 }))
}

/// Calls `found(second, first, key)` for each key given again in the same mapping,
/// anywhere in the tree. saphyr keeps both entries and `Node::get` takes the first, so
/// without this the second value is silently dropped. A duplicate inside an anchored
/// value is reported once, not once per alias.
pub(crate) fn duplicate_keys(root: &Node, found: &mut dyn FnMut(&Node, &Node, &str)) {
    let mut reported = std::collections::HashSet::new();
    walk_duplicates(root, &mut reported, found);
}

fn walk_duplicates(
    node: &Node,
    reported: &mut std::collections::HashSet<Pos>,
    found: &mut dyn FnMut(&Node, &Node, &str),
) {
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|i| walk_duplicates(i, reported, found)),
        Value::Map(entries) => {
            // A map, not a scan per key: a generated file may have thousands of keys.
            let mut first: std::collections::HashMap<&str, &Node> = std::collections::HashMap::new();
            for (k, v) in entries {
                if let Some(key) = k.as_str() {
                    match first.get(key) {
                        Some(earlier) if reported.insert(k.pos) => found(k, earlier, key),
                        Some(_) => {}
                        None => {
                            first.insert(key, k);
                        }
                    }
                }
                walk_duplicates(v, reported, found);
            }
        }
        Value::Scalar { .. } | Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let n = parse("title: Hello\nservices: [a, b]\n").unwrap();
        let t = n.get("title").unwrap();
        assert_eq!(t.as_str(), Some("Hello"));
        assert_eq!(t.pos, Pos { line: 1, col: 8 });
        let s = n.get("services").unwrap();
        match &s.value {
            Value::Seq(items) => {
                assert_eq!(items[1].pos, Pos { line: 2, col: 15 });
            }
            _ => panic!(),
        }
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("title: [unclosed\nother: 1\n").unwrap_err();
        assert!(e.pos.line >= 1);
        assert!(!e.message.is_empty());
    }

    #[test]
    fn quoted_and_plain_scalars() {
        let n = parse("a: \"1\"\nb: 1\nc: ~\nd:\n").unwrap();
        assert_eq!(n.get("a").unwrap().to_json(), serde_json::json!("1"));
        assert_eq!(n.get("b").unwrap().to_json(), serde_json::json!(1));
        assert!(n.get("c").unwrap().is_null());
        assert!(n.get("d").unwrap().is_null());
    }

    #[test]
    fn anchors_and_aliases() {
        let n = parse("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(n.get("b").unwrap().to_json(), serde_json::json!([1, 2]));
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
        for text in [
            "[".repeat(10_000),
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            format!("a:\n  {}x\n", "- ".repeat(10_000)),
            "{a: ".repeat(10_000),
        ] {
            let e = parse(&text).unwrap_err();
            assert_eq!(e.pos.line.min(2), e.pos.line, "{e:?}");
            assert!(e.message.contains("nested") || e.message.contains("recursion"), "{e:?}");
        }
        // The limit leaves room for any real front matter.
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        let nest = |alias: &str| format!("{}*{alias}{}", "[".repeat(40), "]".repeat(40));
        let text = format!("a: &a [1]\nb: &b {}\nc: {}\n", nest("a"), nest("b"));
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("nested"), "{e:?}");
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let e = parse(&text).unwrap_err();
        assert!(e.message.contains("aliases expand"), "{e:?}");
        assert!(e.too_large);
        assert_eq!(e.pos.line, 4, "{e:?}");
    }

    #[test]
    fn aliases_of_long_text_are_limited_by_size() {
        // Under 10,000 values, but 8,000 copies of 90 KB: 700 MB before the size limit.
        let mut text = format!("a: &a \"{}\"\n", "x".repeat(90_000));
        for (name, of) in [("b", "a"), ("c", "b"), ("d", "c")] {
            text.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{of}"); 10].join(", ")));
        }
        text.push_str(&format!("e: [{}]\n", ["*d"; 7].join(", ")));
        let e = parse(&text).unwrap_err();
        assert!(e.too_large, "{e:?}");
        assert!(e.message.contains("KiB of text"), "{e:?}");
        // Line 2 copies `a` ten times (900 KB); the first `*b` on line 3 crosses 1 MiB.
        assert_eq!(e.pos, Pos { line: 3, col: 8 }, "{e:?}");
        // Aliases of modest values are fine.
        let ok = parse("a: &a [x, y]\nb: *a\nc: [*a, *a]\n").unwrap();
        assert_eq!(ok.get("c").unwrap().to_json(), serde_json::json!([["x", "y"], ["x", "y"]]));
    }

    #[test]
    fn lines_are_counted_at_newlines_only() {
        // A stray CR used to start a YAML line of its own, so the error named line 4.
        let e = parse("\ntitle: [a\r\r\0]\n").unwrap_err();
        assert_eq!(e.pos.line, 2, "{e:?}");
        let n = parse("a: x\r\nb: [1,\r2]\r\n").unwrap();
        assert_eq!(n.get("b").unwrap().pos.line, 2);
    }

    #[test]
    fn a_second_document_is_an_error() {
        let e = parse("title: a\n--- b\n").unwrap_err();
        assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn duplicate_keys_are_found_at_every_level_once() {
        let n = parse("a: 1\nb: {x: 1, x: 2}\na: 3\nc: &c {y: 1, y: 2}\nd: *c\ne: *c\n").unwrap();
        let mut got = Vec::new();
        duplicate_keys(&n, &mut |second, first, key| got.push((key.to_string(), second.pos, first.pos)));
        assert_eq!(
            got,
            vec![
                ("x".into(), Pos { line: 2, col: 11 }, Pos { line: 2, col: 5 }),
                ("a".into(), Pos { line: 3, col: 1 }, Pos { line: 1, col: 1 }),
                ("y".into(), Pos { line: 4, col: 14 }, Pos { line: 4, col: 8 }),
            ]
        );
    }
}
