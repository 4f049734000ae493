//! The project's own allowlist extension, read from its `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.drip]
//! allowed-metadata = ["plan_tier", "deployment"]
//! ```
//!
//! A purpose-built reader rather than a TOML crate: the macro needs one array
//! of strings, and every dependency of a proc-macro crate is compile time the
//! user pays. It understands the TOML a `Cargo.toml` contains — comments,
//! quoted and dotted keys, both string styles (with escapes), multi-line
//! arrays and strings, inline tables — and skips every value it does not need.
//! The result is cached per manifest path for the life of the compiler process.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The keys a project adds to the built-in allowlist.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ProjectExtension {
    /// The manifest the keys come from (for error messages and change tracking).
    pub manifest: PathBuf,
    /// `allowed-metadata` entries as written.
    pub keys: Vec<String>,
}

/// The extension of the crate being compiled (`$CARGO_MANIFEST_DIR/Cargo.toml`).
///
/// No `CARGO_MANIFEST_DIR` or no manifest means no extension; a manifest whose
/// `allowed-metadata` is not an array of strings is an error naming the file.
pub(crate) fn current() -> Result<Arc<ProjectExtension>, String> {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return Ok(Arc::default());
    };
    let path = Path::new(&dir).join("Cargo.toml");
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Loaded>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // A poisoned lock only means another expansion panicked; the map is still usable.
    let mut cache = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .entry(path.clone())
        .or_insert_with(|| load(&path).map(Arc::new))
        .clone()
}

fn load(path: &Path) -> Result<ProjectExtension, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(_) => {
            return Ok(ProjectExtension {
                manifest: path.to_owned(),
                keys: Vec::new(),
            });
        }
    };
    let keys = allowed_metadata(&text).map_err(|problem| {
        format!(
            "cannot read `[package.metadata.drip] allowed-metadata` in {}: {problem}",
            path.display()
        )
    })?;
    Ok(ProjectExtension {
        manifest: path.to_owned(),
        keys,
    })
}

/// A manifest's extension, or why it could not be read.
type Loaded = Result<Arc<ProjectExtension>, String>;

const WANTED: [&str; 4] = ["package", "metadata", "drip", "allowed-metadata"];

/// The `package.metadata.drip.allowed-metadata` array of `text`, or empty when absent.
pub(crate) fn allowed_metadata(text: &str) -> Result<Vec<String>, String> {
    let mut found = None;
    Document::new(text).each_value(&mut |path, value| {
        if path == WANTED {
            found = Some(value);
        }
    });
    match found {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Str(s) => Ok(s),
                _ => Err("every entry must be a string, like `\"plan_tier\"`".to_owned()),
            })
            .collect(),
        Some(_) => Err(
            "it must be an array of strings, like `allowed-metadata = [\"plan_tier\"]`".to_owned(),
        ),
    }
}

/// A TOML value, reduced to what the reader needs to tell apart.
#[derive(Debug, PartialEq)]
enum Value {
    Str(String),
    Array(Vec<Value>),
    /// An inline table; its entries are reported through the callback instead.
    Table,
    /// Numbers, booleans, dates — skipped.
    Other,
}

/// A cursor over a TOML document.
struct Document<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl<'a> Document<'a> {
    fn new(text: &'a str) -> Self {
        Document {
            chars: text.chars().peekable(),
        }
    }

    /// Calls `visit(full_key_path, value)` for every key/value pair, with
    /// table headers and dotted keys resolved into the full path. A line the
    /// reader does not understand is skipped, never fatal: `Cargo.toml` is
    /// cargo's to validate, the reader only looks for one key.
    fn each_value(mut self, visit: &mut dyn FnMut(&[String], Value)) {
        let mut table: Vec<String> = Vec::new();
        loop {
            self.skip_blank_and_comments();
            let Some(&c) = self.chars.peek() else { return };
            if c == '[' {
                self.chars.next();
                let array_of_tables = self.chars.peek() == Some(&'[');
                if array_of_tables {
                    self.chars.next();
                }
                match self.key_path(']') {
                    Some(path) => table = path,
                    None => table.clear(),
                }
                if array_of_tables {
                    // `[[bin]]` entries never hold our key; mark the table so nothing matches.
                    table.insert(0, "[[]]".to_owned());
                }
                self.skip_line();
                continue;
            }
            let Some(key) = self.key_path('=') else {
                self.skip_line();
                continue;
            };
            let mut path = table.clone();
            path.extend(key);
            match self.value(&path, visit) {
                Some(value) => visit(&path, value),
                None => self.skip_line(),
            }
        }
    }

    fn skip_blank_and_comments(&mut self) {
        while let Some(&c) = self.chars.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' => {
                    self.chars.next();
                }
                '#' => self.skip_line(),
                _ => return,
            }
        }
    }

    fn skip_inline_space(&mut self) {
        while matches!(self.chars.peek(), Some(' ' | '\t')) {
            self.chars.next();
        }
    }

    fn skip_line(&mut self) {
        for c in self.chars.by_ref() {
            if c == '\n' {
                return;
            }
        }
    }

    /// A dotted key (`a."b c".d`) up to and including `end` (`=` or `]`).
    fn key_path(&mut self, end: char) -> Option<Vec<String>> {
        let mut parts = Vec::new();
        loop {
            self.skip_inline_space();
            let part = match self.chars.peek()? {
                '"' => {
                    self.chars.next();
                    self.basic_string()?
                }
                '\'' => {
                    self.chars.next();
                    self.literal_string()?
                }
                _ => {
                    let mut bare = String::new();
                    while let Some(&c) = self.chars.peek() {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            bare.push(c);
                            self.chars.next();
                        } else {
                            break;
                        }
                    }
                    if bare.is_empty() {
                        return None;
                    }
                    bare
                }
            };
            parts.push(part);
            self.skip_inline_space();
            match self.chars.next()? {
                '.' => continue,
                c if c == end => return Some(parts),
                _ => return None,
            }
        }
    }

    /// One value; inline-table entries are passed to `visit` under `path`.
    fn value(&mut self, path: &[String], visit: &mut dyn FnMut(&[String], Value)) -> Option<Value> {
        self.skip_inline_space();
        match *self.chars.peek()? {
            '"' => {
                self.chars.next();
                if self.starts_with_two('"') {
                    return self.multi_line_string('"').map(Value::Str);
                }
                self.basic_string().map(Value::Str)
            }
            '\'' => {
                self.chars.next();
                if self.starts_with_two('\'') {
                    return self.multi_line_string('\'').map(Value::Str);
                }
                self.literal_string().map(Value::Str)
            }
            '[' => {
                self.chars.next();
                let mut items = Vec::new();
                loop {
                    self.skip_blank_and_comments();
                    match self.chars.peek()? {
                        ']' => {
                            self.chars.next();
                            return Some(Value::Array(items));
                        }
                        ',' => {
                            self.chars.next();
                        }
                        _ => items.push(self.value(path, visit)?),
                    }
                }
            }
            '{' => {
                self.chars.next();
                loop {
                    self.skip_inline_space();
                    match self.chars.peek()? {
                        '}' => {
                            self.chars.next();
                            return Some(Value::Table);
                        }
                        ',' => {
                            self.chars.next();
                        }
                        _ => {
                            let mut inner = path.to_vec();
                            inner.extend(self.key_path('=')?);
                            let value = self.value(&inner, visit)?;
                            visit(&inner, value);
                        }
                    }
                }
            }
            _ => {
                // Numbers, booleans, dates: read up to the end of the value.
                while let Some(&c) = self.chars.peek() {
                    if matches!(c, ',' | ']' | '}' | '\n' | '#') {
                        break;
                    }
                    self.chars.next();
                }
                Some(Value::Other)
            }
        }
    }

    /// After an opening quote: consumes two more quotes if they follow.
    fn starts_with_two(&mut self, quote: char) -> bool {
        let mut ahead = self.chars.clone();
        if ahead.next() == Some(quote) && ahead.next() == Some(quote) {
            self.chars.next();
            self.chars.next();
            true
        } else {
            false
        }
    }

    /// The rest of a `"…"` string, escapes resolved.
    fn basic_string(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            match self.chars.next()? {
                '"' => return Some(out),
                '\\' => out.push(self.escape()?),
                '\n' => return None,
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self) -> Option<char> {
        Some(match self.chars.next()? {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'e' => '\u{1b}',
            '"' => '"',
            '\\' => '\\',
            'u' => self.hex_char(4)?,
            'U' => self.hex_char(8)?,
            _ => return None,
        })
    }

    fn hex_char(&mut self, digits: usize) -> Option<char> {
        let mut code = 0u32;
        for _ in 0..digits {
            code = code * 16 + self.chars.next()?.to_digit(16)?;
        }
        char::from_u32(code)
    }

    /// The rest of a `'…'` string: no escapes.
    fn literal_string(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            match self.chars.next()? {
                '\'' => return Some(out),
                '\n' => return None,
                c => out.push(c),
            }
        }
    }

    /// The rest of a `"""…"""` or `'''…'''` string (content kept raw; only skipped).
    fn multi_line_string(&mut self, quote: char) -> Option<String> {
        let mut out = String::new();
        let mut run = 0;
        loop {
            let c = self.chars.next()?;
            if c == '\\' && quote == '"' {
                out.push(c);
                out.push(self.chars.next()?);
                run = 0;
                continue;
            }
            out.push(c);
            run = if c == quote { run + 1 } else { 0 };
            if run >= 3 && self.chars.peek() != Some(&quote) {
                out.truncate(out.len() - 3);
                return Some(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_metadata;

    #[test]
    fn reads_a_plain_array() {
        let text = "[package]\nname = \"x\"\n\n[package.metadata.drip]\nallowed-metadata = [\"plan_tier\", 'deployment']\n";
        assert_eq!(
            allowed_metadata(text),
            Ok(vec!["plan_tier".to_owned(), "deployment".to_owned()])
        );
    }

    #[test]
    fn reads_multi_line_arrays_with_comments_and_escapes() {
        let text = r#"
[package]
name = "agent" # the name
description = """
a [package.metadata.drip] lookalike
allowed-metadata = ["nope"]
"""

[package.metadata.drip] # ours
allowed-metadata = [
    # tiers
    "plan_tier",   # trailing comment
    'deploy"ment',
    "esc\u0061ped",
]

[dependencies]
serde = { version = "1", features = ["derive"] }
"#;
        assert_eq!(
            allowed_metadata(text),
            Ok(vec![
                "plan_tier".to_owned(),
                "deploy\"ment".to_owned(),
                "escaped".to_owned()
            ])
        );
    }

    #[test]
    fn reads_dotted_and_inline_forms() {
        let dotted = "[package]\nname = \"a\"\nmetadata.drip.allowed-metadata = [\"a_b\"]\n";
        assert_eq!(allowed_metadata(dotted), Ok(vec!["a_b".to_owned()]));
        let inline = "[package.metadata]\ndrip = { allowed-metadata = [\"c\"] }\n";
        assert_eq!(allowed_metadata(inline), Ok(vec!["c".to_owned()]));
        let quoted = "[ package . metadata . \"drip\" ]\n\"allowed-metadata\" = [\"d\"]\n";
        assert_eq!(allowed_metadata(quoted), Ok(vec!["d".to_owned()]));
    }

    #[test]
    fn other_tables_do_not_count() {
        let text = "[workspace.metadata.drip]\nallowed-metadata = [\"x\"]\n[[bin]]\nname = \"b\"\n[package.metadata.dripper]\nallowed-metadata = [\"y\"]\n";
        assert_eq!(allowed_metadata(text), Ok(vec![]));
    }

    #[test]
    fn refuses_values_that_are_not_string_arrays() {
        assert!(
            allowed_metadata("[package.metadata.drip]\nallowed-metadata = \"plan\"\n").is_err()
        );
        assert!(allowed_metadata("[package.metadata.drip]\nallowed-metadata = [1, 2]\n").is_err());
    }

    #[test]
    fn survives_garbage_lines() {
        let text = "this is = = not toml\n[package.metadata.drip]\nallowed-metadata = [\"ok\"]\n";
        assert_eq!(allowed_metadata(text), Ok(vec!["ok".to_owned()]));
    }
}
