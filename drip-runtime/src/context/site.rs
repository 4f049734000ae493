//! What generated code tells the run context about an annotated function:
//! its static description, and how a call ended. Re-exported for the macros
//! through `__private`.

use crate::metadata::Value;
use std::borrow::Cow;

/// A literal metadata value checked at compile time; `const`-constructible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiteralValue {
    /// String literal.
    Str(&'static str),
    /// Integer literal.
    Int(i64),
    /// Float literal.
    Float(f64),
    /// Bool literal.
    Bool(bool),
}

impl From<LiteralValue> for Value {
    fn from(v: LiteralValue) -> Self {
        match v {
            LiteralValue::Str(s) => Value::Str(s.to_owned()),
            LiteralValue::Int(i) => Value::Int(i),
            LiteralValue::Float(f) => Value::Float(f),
            LiteralValue::Bool(b) => Value::Bool(b),
        }
    }
}

/// Static description of one `#[drip::tool]` site. Keys are already
/// normalised to snake_case and allowed by the compile-time allowlist.
#[derive(Debug)]
pub struct ToolSite {
    /// Tool name (`name = "…"` or the fn's name).
    pub name: &'static str,
    /// Literal metadata from `metadata(k = "lit", ..)`.
    pub metadata: &'static [(&'static str, LiteralValue)],
    /// `meter = "…"`: outside any run, track usage on this meter.
    pub meter: Option<&'static str>,
    /// `error_message`: send the error's `Display` text through the value rules.
    pub error_message: bool,
}

/// Static description of one `#[drip::run]` site.
#[derive(Debug)]
pub struct RunSite {
    /// Workflow slug (`workflow = "…"` or the fn name in kebab-case).
    pub workflow: &'static str,
    /// `stream`: deliver through start / event batches / end instead of one record call.
    pub stream: bool,
    /// Literal metadata from `metadata(..)`.
    pub metadata: &'static [(&'static str, LiteralValue)],
    /// `error_message`: send the error's `Display` text through the value rules.
    pub error_message: bool,
}

/// How a wrapped call ended, as seen on its return value.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not an `Err`.
    Ok,
    /// An `Err(e)`: `kind` is the short type name of `E`; `message` is
    /// `e.to_string()` only when `error_message` was given.
    Err {
        /// Short type name of the error type as written in code, e.g.
        /// `SearchError`, `io::Error`, `(StatusCode, String)`.
        kind: Cow<'static, str>,
        /// Display text, only with `error_message`; sanitised before use.
        message: Option<String>,
    },
}
