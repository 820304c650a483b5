//! A YAML tree whose every node knows its line and column.
//!
//! serde_yaml is deprecated upstream and loses positions for semantic errors ("invalid
//! type" at no line). We read events from `saphyr-parser` (the maintained successor of
//! yaml-rust) into this small tree, then `frontmatter` extracts typed fields by hand,
//! so every diagnostic, syntax or semantic, points at the exact key or value.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Position of a node in the document, 1-based, relative to the YAML text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are strings.
    Scalar {
        text: String,
        quoted: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    /// Length of the scalar in characters on its line, for underlining.
    pub width: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub pos: Pos,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar { .. } => "a text value",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
            Value::Null => "an empty value",
        }
    }
    /// Looks up a key in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Converts to JSON for `extra` (unknown keys passed to templates).
    pub fn to_json(&self) -> serde_json::Value {
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

/// Parses one YAML document. An empty document is `Value::Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<(Node, Option<Node>)> = Vec::new(); // container, pending map key
    let mut root: Option<Node> = None;
    // Anchors are rare in front matter; we support them by cloning the anchored node.
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut anchor_ids: Vec<usize> = Vec::new();

    while let Some(ev) = parser.next_event() {
        let (event, span) = ev.map_err(|e| SyntaxError {
            message: e.info().to_string(),
            pos: Pos { line: e.marker().line(), col: e.marker().col() + 1 },
        })?;
        let finished: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd | Event::Nothing => {
                None
            }
            Event::Scalar(text, style, anchor, tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain) || tag.is_some_and(|t| t.suffix == "str");
                let is_null = !quoted && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                let width = (span.end.index().saturating_sub(span.start.index())).max(1);
                let node = Node {
                    value: if is_null { Value::Null } else { Value::Scalar { text: text.into_owned(), quoted } },
                    pos: pos(&span),
                    width,
                };
                Some((node, anchor))
            }
            Event::Alias(id) => {
                let node = anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| SyntaxError { message: "alias to an unknown anchor".into(), pos: pos(&span) })?;
                Some((Node { pos: pos(&span), ..node }, 0))
            }
            Event::SequenceStart(anchor, _) => {
                anchor_ids.push(anchor);
                stack.push((Node { value: Value::Seq(Vec::new()), pos: pos(&span), width: 1 }, None));
                None
            }
            Event::MappingStart(anchor, _) => {
                anchor_ids.push(anchor);
                stack.push((Node { value: Value::Map(Vec::new()), pos: pos(&span), width: 1 }, None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, _) = stack.pop().expect("parser balances start and end events");
                Some((node, anchor_ids.pop().unwrap_or(0)))
            }
        };
        if let Some((node, anchor)) = finished {
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            match stack.last_mut() {
                None => root = Some(node),
                Some((parent, pending)) => match &mut parent.value {
                    Value::Seq(items) => items.push(node),
                    Value::Map(entries) => match pending.take() {
                        None => *pending = Some(node),
                        Some(key) => entries.push((key, node)),
                    },
                    _ => unreachable!("only containers are pushed on the stack"),
                },
            }
        }
    }
    Ok(root.unwrap_or(Node { value: Value::Null, pos: Pos { line: 1, col: 1 }, width: 1 }))
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
}
